// Tests for RouteTable: routes from google.api.http options, validation of
// the rules, and request lookup (specificity, 404, 405).
#include "app/rest/route_table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "grpc/health/v1/health.pb.h"
#include "rentwave/v1/users.pb.h"
#include "testdata/routes_test.pb.h"

namespace rentwave::rest {
namespace {

using google::protobuf::ServiceDescriptor;
using Outcome = RouteTable::Outcome;

// A service of the generated pool. Its file is only there if its object
// file is linked in, which naming one of its messages guarantees.
const ServiceDescriptor* FindService(const std::string& name) {
  resttest::routes::ItemRequest::descriptor();
  v1::GetUserRequest::descriptor();
  grpc::health::v1::HealthCheckRequest::descriptor();
  const ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          name);
  EXPECT_NE(service, nullptr) << name;
  return service;
}

RouteTable MustBuild(const std::vector<std::string>& service_names) {
  std::vector<const ServiceDescriptor*> services;
  for (const std::string& name : service_names) {
    services.push_back(FindService(name));
  }
  absl::StatusOr<RouteTable> table = RouteTable::Build(services);
  EXPECT_TRUE(table.ok()) << table.status();
  return table.ok() ? *std::move(table) : RouteTable();
}

// What a lookup found, as one comparable string: "GetItem id=abc",
// "405 DELETE,GET" or "404".
std::string Show(const RouteTable::Lookup& lookup) {
  switch (lookup.outcome) {
    case Outcome::kMatched:
      return absl::StrCat(
          lookup.route->method->name(), " ",
          absl::StrJoin(lookup.bindings, ",",
                        [](std::string* out, const Binding& b) {
                          absl::StrAppend(out, absl::StrJoin(b.field_path, "."),
                                          "=", b.value);
                        }));
    case Outcome::kMethodNotAllowed:
      return absl::StrCat("405 ", absl::StrJoin(lookup.allowed, ","));
    case Outcome::kNotFound:
      break;
  }
  return "404";
}

struct FindCase {
  std::string http_method;
  std::string path;
  std::string found;  // as Show() prints it
};

class CatalogFindTest : public testing::TestWithParam<FindCase> {};

TEST_P(CatalogFindTest, FindsTheMostSpecificRoute) {
  const FindCase& c = GetParam();
  const RouteTable table = MustBuild({"rentwave.resttest.routes.Catalog"});
  EXPECT_EQ(Show(table.Find(c.http_method, c.path)), c.found)
      << c.http_method << " " << c.path;
}

INSTANTIATE_TEST_SUITE_P(
    EveryForm, CatalogFindTest,
    testing::Values(
        FindCase{"GET", "/v1/items", "ListItems "},
        FindCase{"POST", "/v1/items", "CreateItem "},
        FindCase{"SEARCH", "/v1/items", "SearchItems "},
        FindCase{"GET", "/v1/items/abc", "GetItem id=abc"},
        FindCase{"HEAD", "/v1/items/abc", "GetItem id=abc"},
        FindCase{"GET", "/v1/regions/eu/items/abc",
                 "GetItem location.region=eu,id=abc"},
        FindCase{"GET", "/v1/items/abc/revisions/7",
                 "GetItem id=abc,revision=7"},
        FindCase{"PUT", "/v1/items/abc", "ReplaceItem id=abc"},
        FindCase{"PATCH", "/v1/items/abc", "UpdateItem item.id=abc"},
        FindCase{"DELETE", "/v1/items/abc", "DeleteItem id=abc"},
        FindCase{"POST", "/v1/items/abc:cancel", "CancelItem id=abc"},
        // Without a verb in the template, ':' is part of the value.
        FindCase{"GET", "/v1/items/abc:cancel", "GetItem id=abc:cancel"},
        FindCase{"POST", "/v1/items:batchGet", "BatchGetItems "},
        FindCase{"GET", "/v1/shelves/s1/items/i1",
                 "GetShelfItem name=shelves/s1/items/i1"},
        FindCase{"GET", "/v1/files/a/b%2Fc", "GetFile name=a/b%2Fc"},
        FindCase{"GET", "/v1/trees/roots/a/b:walk", "GetTree name=roots/a/b"},
        FindCase{"GET", "/v1/zones/z1", "GetZone location.zone.id=z1"},
        FindCase{"GET", "/v1/colors/RED/flags/true",
                 "ListByColor color=RED,flag=true"},
        FindCase{"GET", "/v1/any/x", "Anything "},
        FindCase{"GET", "/v1/any/x/y/z", "Anything "},
        FindCase{"GET", "/v1/ping", "Ping "},
        FindCase{"POST", "/v1/ping", "Ping "}));

INSTANTIATE_TEST_SUITE_P(
    NotFoundOrNotAllowed, CatalogFindTest,
    testing::Values(
        FindCase{"POST", "/v1/items/abc", "405 DELETE,GET,PATCH,PUT"},
        FindCase{"POST", "/v1/items/abc:return", "405 DELETE,GET,PATCH,PUT"},
        FindCase{"DELETE", "/v1/items", "405 GET,POST,SEARCH"},
        FindCase{"get", "/v1/items", "405 GET,POST,SEARCH"},
        FindCase{"DELETE", "/v1/ping", "405 GET,POST"},
        FindCase{"GET", "/v1/items:batchGet", "405 POST"},
        FindCase{"GET", "/v1/nothing", "404"},
        FindCase{"GET", "/v2/items", "404"},
        FindCase{"GET", "/v1/files", "404"},
        FindCase{"GET", "/v1/items/a%zz", "404"}, FindCase{"GET", "/", "404"}));

TEST(RouteTableTest, BuildsOneRoutePerRuleAndBinding) {
  const RouteTable table = MustBuild({"rentwave.resttest.routes.Catalog"});
  // 16 annotated methods, 3 additional bindings; Internal has no rule.
  EXPECT_EQ(table.routes().size(), 19u);
  for (const Route& route : table.routes()) {
    EXPECT_NE(route.method->name(), "Internal");
  }
}

TEST(RouteTableTest, RoutesCarryTheRule) {
  const RouteTable table = MustBuild({"rentwave.resttest.routes.Catalog"});
  const RouteTable::Lookup get = table.Find("GET", "/v1/items/abc");
  ASSERT_EQ(get.outcome, Outcome::kMatched);
  EXPECT_EQ(get.route->http_method, "GET");
  EXPECT_EQ(get.route->path.text(), "/v1/items/{id}");
  EXPECT_EQ(get.route->body, "");
  EXPECT_EQ(get.route->response_body, "item");
  EXPECT_EQ(get.route->grpc_method(),
            "/rentwave.resttest.routes.Catalog/GetItem");

  const RouteTable::Lookup search = table.Find("SEARCH", "/v1/items");
  ASSERT_EQ(search.outcome, Outcome::kMatched);
  EXPECT_EQ(search.route->http_method, "SEARCH");  // kind "search" upper-cased

  const RouteTable::Lookup create = table.Find("POST", "/v1/items");
  ASSERT_EQ(create.outcome, Outcome::kMatched);
  EXPECT_EQ(create.route->body, "item");
}

TEST(RouteTableTest, RoutesAreMostSpecificFirst) {
  const RouteTable table = MustBuild({"rentwave.resttest.routes.Catalog"});
  const std::vector<Route>& routes = table.routes();
  for (size_t i = 0; i < routes.size(); ++i) {
    for (size_t j = i + 1; j < routes.size(); ++j) {
      EXPECT_FALSE(routes[j].path.MoreSpecificThan(routes[i].path))
          << routes[j].path.text() << " is listed after "
          << routes[i].path.text();
    }
  }
}

TEST(RouteTableTest, ServicesWithoutRulesAddNoRoutes) {
  EXPECT_TRUE(MustBuild({"grpc.health.v1.Health"}).routes().empty());
  EXPECT_TRUE(MustBuild({}).routes().empty());
  EXPECT_EQ(Show(MustBuild({}).Find("GET", "/v1/items")), "404");
}

class UsersFindTest : public testing::TestWithParam<FindCase> {};

TEST_P(UsersFindTest, FindsTheRpc) {
  const FindCase& c = GetParam();
  const RouteTable table = MustBuild({"rentwave.v1.Users"});
  EXPECT_EQ(Show(table.Find(c.http_method, c.path)), c.found)
      << c.http_method << " " << c.path;
}

INSTANTIATE_TEST_SUITE_P(
    RealService, UsersFindTest,
    testing::Values(
        // The literal "me" beats {user_id}, whatever the declaration order.
        FindCase{"GET", "/v1/users/me", "GetMe "},
        FindCase{"GET", "/v1/users/me/", "GetMe "},
        FindCase{"HEAD", "/v1/users/me", "GetMe "},
        FindCase{"PATCH", "/v1/users/me", "UpdateMe "},
        FindCase{"GET", "/v1/users/abc", "GetUser user_id=abc"},
        FindCase{"GET", "/v1/users/m%65", "GetMe "},
        FindCase{"POST", "/v1/users", "Register "},
        FindCase{"POST", "/v1/auth:login", "Login "},
        FindCase{"POST", "/v1/auth:logout", "Logout "},
        FindCase{"DELETE", "/v1/users/me", "405 GET,PATCH"},
        FindCase{"PATCH", "/v1/users/abc", "405 GET"},
        FindCase{"GET", "/v1/auth:login", "405 POST"},
        FindCase{"GET", "/v1/users", "405 POST"},
        FindCase{"GET", "/v1/nope", "404"},
        FindCase{"POST", "/v1/auth:nope", "404"},
        FindCase{"GET", "/v1/users/abc/def", "404"}));

TEST(RouteTableTest, UsersRoutesNameTheirGrpcMethods) {
  const RouteTable table = MustBuild({"rentwave.v1.Users"});
  const RouteTable::Lookup lookup = table.Find("POST", "/v1/auth:login");
  ASSERT_EQ(lookup.outcome, Outcome::kMatched);
  EXPECT_EQ(lookup.route->grpc_method(), "/rentwave.v1.Users/Login");
}

struct InvalidCase {
  std::string service;              // under rentwave.resttest.routes
  std::vector<std::string> errors;  // parts of the message
};

class InvalidRuleTest : public testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidRuleTest, IsRejectedNamingTheRpc) {
  const InvalidCase& c = GetParam();
  const absl::StatusOr<RouteTable> table = RouteTable::Build(
      {FindService(absl::StrCat("rentwave.resttest.routes.", c.service))});
  ASSERT_FALSE(table.ok()) << c.service;
  EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument);
  const absl::string_view message = table.status().message();
  EXPECT_TRUE(absl::StrContains(
      message, absl::StrCat("rentwave.resttest.routes.", c.service, ".")))
      << message;
  for (const std::string& error : c.errors) {
    EXPECT_TRUE(absl::StrContains(message, error)) << message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    OneMistakeEach, InvalidRuleTest,
    testing::Values(
        InvalidCase{"BadTemplate",
                    {"path template \"/v1/items/{id\"", "unbalanced '{'"}},
        InvalidCase{"BadUnknownPathField",
                    {"GET \"/v1/items/{location.nope}\"",
                     "path variable \"location.nope\"",
                     "rentwave.resttest.routes.Location has no field "
                     "\"nope\""}},
        InvalidCase{"BadRepeatedPathField",
                    {"GET \"/v1/items/{tags}\"",
                     "rentwave.resttest.routes.ItemRequest.tags is repeated"}},
        InvalidCase{"BadWellKnownPathField",
                    {"path variable \"at.seconds\"",
                     "rentwave.resttest.routes.ItemRequest.at is a well-known "
                     "type"}},
        InvalidCase{"BadOneofPathFields",
                    {"path variable \"group_id\" is the second member of "
                     "oneof rentwave.resttest.routes.ItemRequest.owner"}},
        InvalidCase{"BadMapPathField",
                    {"rentwave.resttest.routes.ItemRequest.labels is "
                     "repeated"}},
        InvalidCase{"BadMessagePathField",
                    {"rentwave.resttest.routes.ItemRequest.location is a "
                     "message, not a scalar"}},
        InvalidCase{"BadScalarParentPathField",
                    {"path variable \"id.value\"",
                     "rentwave.resttest.routes.ItemRequest.id is not a "
                     "message"}},
        InvalidCase{"BadBodyField",
                    {"POST \"/v1/items\"",
                     "body \"nope\" is not a field of "
                     "rentwave.resttest.routes.ItemRequest"}},
        InvalidCase{"BadResponseBodyField",
                    {"response_body \"nope\" is not a field of "
                     "rentwave.resttest.routes.ItemResponse"}},
        InvalidCase{"BadGetWithBody", {"a GET request has no body"}},
        InvalidCase{"BadDeleteWithBody", {"a DELETE request has no body"}},
        InvalidCase{"BadNestedBindings", {"additional_bindings may not nest"}},
        InvalidCase{"BadNoPattern", {"without an HTTP method and path"}},
        InvalidCase{"BadBindingField",
                    {"GET \"/v1/items/{id}/{nope}\"",
                     "ItemRequest has no field \"nope\""}},
        InvalidCase{"BadConflict",
                    {"rentwave.resttest.routes.BadConflict.GetByName GET "
                     "\"/v1/items/{name}\" conflicts with "
                     "rentwave.resttest.routes.BadConflict.GetById GET "
                     "\"/v1/items/{id}\""}}));

TEST(RouteTableTest, ConflictsAcrossServicesAreRejected) {
  const ServiceDescriptor* catalog =
      FindService("rentwave.resttest.routes.Catalog");
  const absl::StatusOr<RouteTable> table =
      RouteTable::Build({catalog, catalog});
  ASSERT_FALSE(table.ok());
  EXPECT_TRUE(absl::StrContains(table.status().message(), "conflicts with"))
      << table.status();
}

}  // namespace
}  // namespace rentwave::rest
