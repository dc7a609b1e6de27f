#include "app/rest/openapi.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "app/rest/route_table.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/text_format.h"
#include "rentwave/v1/events.pb.h"
#include "rentwave/v1/users.pb.h"

namespace rentwave::rest {
namespace {

using nlohmann::json;

constexpr char kSchemaPrefix[] = "#/components/schemas/";

json Document(const google::protobuf::ServiceDescriptor* service,
              const absl::flat_hash_set<std::string>& public_methods) {
  absl::StatusOr<RouteTable> routes = RouteTable::Build({service});
  EXPECT_TRUE(routes.ok()) << routes.status();
  if (!routes.ok()) return json::object();
  return json::parse(
      OpenApiDocument(*routes, "RentWave", "1.2.3", public_methods));
}

json UsersDocument() {
  // Going through a generated type links users.pb.cc into the test.
  const google::protobuf::ServiceDescriptor* users =
      rentwave::v1::RegisterRequest::descriptor()->file()->FindServiceByName(
          "Users");
  return Document(users,
                  {"/rentwave.v1.Users/Register", "/rentwave.v1.Users/Login"});
}

// The parameter of `operation` called `name`, or null.
json FindParameter(const json& operation, const std::string& name) {
  for (const json& parameter : operation.value("parameters", json::array())) {
    if (parameter["name"] == name) return parameter;
  }
  return nullptr;
}

// Every "$ref" value anywhere in `node`.
void CollectRefs(const json& node, std::vector<std::string>* refs) {
  if (node.is_object() && node.contains("$ref")) refs->push_back(node["$ref"]);
  if (node.is_structured()) {
    for (const json& child : node) CollectRefs(child, refs);
  }
}

void ExpectRefsResolve(const json& document) {
  std::vector<std::string> refs;
  CollectRefs(document, &refs);
  EXPECT_FALSE(refs.empty());
  for (const std::string& ref : refs) {
    ASSERT_TRUE(absl::StartsWith(ref, kSchemaPrefix)) << ref;
    EXPECT_TRUE(document["components"]["schemas"].contains(
        ref.substr(sizeof(kSchemaPrefix) - 1)))
        << ref;
  }
}

TEST(OpenApiTest, DescribesEveryUsersRoute) {
  const json document = UsersDocument();
  EXPECT_EQ(document["openapi"], "3.0.3");
  EXPECT_EQ(document["info"]["title"], "RentWave");
  EXPECT_EQ(document["info"]["version"], "1.2.3");

  struct Expected {
    std::string path, method, operation_id;
  };
  const std::vector<Expected> expected = {
      {"/v1/users", "post", "Users_Register"},
      {"/v1/auth:login", "post", "Users_Login"},
      {"/v1/auth:logout", "post", "Users_Logout"},
      {"/v1/users/me", "get", "Users_GetMe"},
      {"/v1/users/me", "patch", "Users_UpdateMe"},
      {"/v1/users/{user_id}", "get", "Users_GetUser"},
  };
  size_t operations = 0;
  for (const auto& [path, item] : document["paths"].items()) {
    operations += item.size();
  }
  EXPECT_EQ(operations, expected.size());
  for (const Expected& e : expected) {
    SCOPED_TRACE(e.path + " " + e.method);
    const json& operation = document["paths"][e.path][e.method];
    ASSERT_TRUE(operation.is_object());
    EXPECT_EQ(operation["operationId"], e.operation_id);
    EXPECT_EQ(operation["tags"], json::array({"Users"}));
    EXPECT_EQ(operation["responses"]["default"]["content"]["application/json"]
                       ["schema"]["$ref"],
              "#/components/schemas/google.rpc.Status");
  }
  EXPECT_EQ(document["paths"]["/v1/users/{user_id}"]["get"]["summary"],
            "rentwave.v1.Users.GetUser");
}

TEST(OpenApiTest, ServerStreamsAreNdjsonOfTheirMessage) {
  const google::protobuf::ServiceDescriptor* events =
      rentwave::v1::TailEventsRequest::descriptor()->file()->FindServiceByName(
          "Events");
  json doc = Document(events, {});
  const json& tail = doc["paths"]["/v1/events:tail"]["get"]["responses"];
  EXPECT_EQ(tail["200"]["content"]["application/x-ndjson"]["schema"]["$ref"],
            std::string(kSchemaPrefix) + "rentwave.v1.Event");
  EXPECT_FALSE(tail["200"]["content"].contains("application/json"));
  const json& list = doc["paths"]["/v1/events"]["get"]["responses"];
  EXPECT_TRUE(list["200"]["content"].contains("application/json"));
  EXPECT_FALSE(list["200"]["content"].contains("application/x-ndjson"));
  // An event's payload is any JSON object.
  EXPECT_EQ(doc["components"]["schemas"]["rentwave.v1.Event"]["properties"]
               ["payload"]["type"],
            "object");
}

TEST(OpenApiTest, PathParameterIsRequiredAndTyped) {
  const json get_user = UsersDocument()["paths"]["/v1/users/{user_id}"]["get"];
  const json expected = {{"name", "user_id"},
                         {"in", "path"},
                         {"required", true},
                         {"schema", {{"type", "string"}}}};
  // user_id is bound by the path, so it is not a query parameter too.
  EXPECT_EQ(get_user["parameters"], json::array({expected}));
  EXPECT_FALSE(get_user.contains("requestBody"));
  EXPECT_EQ(get_user["responses"]["200"]["content"]["application/json"]
                    ["schema"]["$ref"],
            "#/components/schemas/rentwave.v1.User");
}

TEST(OpenApiTest, BodyFieldAndQueryParameters) {
  const json update_me = UsersDocument()["paths"]["/v1/users/me"]["patch"];
  EXPECT_EQ(update_me["requestBody"]["required"], true);
  EXPECT_EQ(
      update_me["requestBody"]["content"]["application/json"]["schema"]["$ref"],
      "#/components/schemas/rentwave.v1.User");
  // The body field is not offered as query parameters as well.
  const json expected = {{"name", "updateMask"},
                         {"in", "query"},
                         {"schema", {{"type", "string"}}}};
  EXPECT_EQ(update_me["parameters"], json::array({expected}));
}

TEST(OpenApiTest, WholeBodyLeavesNoQueryParameters) {
  const json regist = UsersDocument()["paths"]["/v1/users"]["post"];
  EXPECT_EQ(regist["parameters"], json::array());
  EXPECT_EQ(
      regist["requestBody"]["content"]["application/json"]["schema"]["$ref"],
      "#/components/schemas/rentwave.v1.RegisterRequest");
}

TEST(OpenApiTest, UsersRefsResolve) { ExpectRefsResolve(UsersDocument()); }

TEST(OpenApiTest, UsersSchemasFollowJsonMapping) {
  const json schemas = UsersDocument()["components"]["schemas"];
  const json user = schemas["rentwave.v1.User"];
  EXPECT_EQ(user["type"], "object");
  EXPECT_TRUE(user["properties"].contains("displayName"));
  EXPECT_FALSE(user["properties"].contains("display_name"));
  const json timestamp = {{"type", "string"}, {"format", "date-time"}};
  EXPECT_EQ(user["properties"]["createTime"], timestamp);
  EXPECT_EQ(schemas["rentwave.v1.LoginResponse"]["properties"]["expireTime"],
            timestamp);
  EXPECT_EQ(user["properties"]["address"]["$ref"],
            "#/components/schemas/rentwave.v1.PostalAddress");
  const json status = schemas["google.rpc.Status"]["properties"];
  EXPECT_EQ(status["code"], json({{"type", "integer"}, {"format", "int32"}}));
  EXPECT_EQ(status["message"], json({{"type", "string"}}));
  EXPECT_EQ(status["details"]["type"], "array");
}

TEST(OpenApiTest, PublicMethodsNeedNoToken) {
  const json document = UsersDocument();
  const json bearer = json::array({{{"bearerAuth", json::array()}}});
  EXPECT_EQ(document["paths"]["/v1/users"]["post"]["security"], json::array());
  EXPECT_EQ(document["paths"]["/v1/auth:login"]["post"]["security"],
            json::array());
  EXPECT_EQ(document["paths"]["/v1/auth:logout"]["post"]["security"], bearer);
  EXPECT_EQ(document["paths"]["/v1/users/me"]["get"]["security"], bearer);
  EXPECT_EQ(
      document["components"]["securitySchemes"]["bearerAuth"],
      json({{"type", "http"}, {"scheme", "bearer"}, {"bearerFormat", "JWT"}}));
}

// A service covering what Users does not: patterns, nested variables, verbs,
// additional bindings, response_body, recursive and deep messages, every
// kind of field, and comments.
constexpr char kShelvesProto[] = R"pb(
  name: "openapi_test/shelves.proto"
  package: "openapitest"
  syntax: "proto3"
  dependency: "google/api/annotations.proto"
  dependency: "google/protobuf/duration.proto"
  dependency: "google/protobuf/struct.proto"
  dependency: "google/protobuf/timestamp.proto"
  dependency: "google/protobuf/wrappers.proto"
  enum_type {
    name: "Kind"
    value { name: "KIND_UNSPECIFIED" number: 0 }
    value { name: "KIND_WOOD" number: 1 }
  }
  message_type {
    name: "Shelf"
    field { name: "name" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
    field {
      name: "book_count"
      number: 2
      label: LABEL_OPTIONAL
      type: TYPE_INT64
    }
    field {
      name: "labels"
      number: 3
      label: LABEL_REPEATED
      type: TYPE_MESSAGE
      type_name: ".openapitest.Shelf.LabelsEntry"
    }
    field {
      name: "parent"
      number: 4
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".openapitest.Shelf"
    }
    field {
      name: "kind"
      number: 5
      label: LABEL_OPTIONAL
      type: TYPE_ENUM
      type_name: ".openapitest.Kind"
    }
    field { name: "ratings" number: 6 label: LABEL_REPEATED type: TYPE_DOUBLE }
    field {
      name: "open_time"
      number: 7
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.Timestamp"
    }
    field {
      name: "loan"
      number: 8
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.Duration"
    }
    field {
      name: "note"
      number: 9
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.StringValue"
    }
    field {
      name: "extra"
      number: 10
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.Struct"
    }
    field { name: "cover" number: 11 label: LABEL_OPTIONAL type: TYPE_BYTES }
    field {
      name: "width_mm"
      number: 12
      label: LABEL_OPTIONAL
      type: TYPE_UINT32
    }
    nested_type {
      name: "LabelsEntry"
      field { name: "key" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
      field { name: "value" number: 2 label: LABEL_OPTIONAL type: TYPE_UINT64 }
      options { map_entry: true }
    }
  }
  message_type {
    name: "Chain"
    field { name: "leaf" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
    field {
      name: "next"
      number: 2
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".openapitest.Chain2"
    }
  }
  message_type {
    name: "Chain2"
    field { name: "leaf" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
    field {
      name: "next"
      number: 2
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".openapitest.Chain3"
    }
  }
  message_type {
    name: "Chain3"
    field { name: "leaf" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
    field {
      name: "next"
      number: 2
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".openapitest.Chain4"
    }
  }
  message_type {
    name: "Chain4"
    field { name: "leaf" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
  }
  message_type {
    name: "GetShelfRequest"
    field { name: "name" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
    field {
      name: "filter"
      number: 2
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".openapitest.Shelf"
    }
    field {
      name: "chain"
      number: 3
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".openapitest.Chain"
    }
  }
  message_type {
    name: "ReturnShelfRequest"
    field {
      name: "shelf"
      number: 1
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".openapitest.Shelf"
    }
    field {
      name: "request_id"
      number: 2
      label: LABEL_OPTIONAL
      type: TYPE_STRING
    }
  }
  message_type {
    name: "ReturnShelfResponse"
    field {
      name: "shelf"
      number: 1
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".openapitest.Shelf"
    }
  }
  service {
    name: "Shelves"
    method {
      name: "GetShelf"
      input_type: ".openapitest.GetShelfRequest"
      output_type: ".openapitest.Shelf"
      options {
        [google.api.http] {
          get: "/v1/{name=shelves/*}"
          additional_bindings { get: "/v1/shelf/{name}" }
        }
      }
    }
    method {
      name: "ReturnShelf"
      input_type: ".openapitest.ReturnShelfRequest"
      output_type: ".openapitest.ReturnShelfResponse"
      options {
        [google.api.http] {
          post: "/v1/shelves/{shelf.name}:return"
          body: "request_id"
          response_body: "shelf"
        }
      }
    }
  }
  source_code_info {
    location {
      path: [ 6, 0, 2, 1 ]
      span: [ 0, 0, 0 ]
      leading_comments: " Returns a shelf\n to the library.\n"
    }
  }
)pb";

class OpenApiShelvesTest : public testing::Test {
 protected:
  void SetUp() override {
    google::protobuf::FileDescriptorProto file;
    ASSERT_TRUE(
        google::protobuf::TextFormat::ParseFromString(kShelvesProto, &file));
    ASSERT_NE(pool_.BuildFile(file), nullptr);
    document_ = Document(pool_.FindServiceByName("openapitest.Shelves"),
                         {"/openapitest.Shelves/GetShelf"});
  }

  json Schema(const std::string& message, const std::string& property) {
    return document_["components"]["schemas"][message]["properties"][property];
  }

  // Falls back to the generated pool for the imported well-known types and
  // google.api annotations.
  google::protobuf::DescriptorPool pool_{
      google::protobuf::DescriptorPool::generated_pool()};
  json document_;
};

TEST_F(OpenApiShelvesTest, PatternsAndAdditionalBindings) {
  const json& paths = document_["paths"];
  const json& primary = paths["/v1/{name}"]["get"];
  EXPECT_EQ(primary["operationId"], "Shelves_GetShelf");
  EXPECT_EQ(primary["security"], json::array());
  EXPECT_EQ(primary["summary"], "openapitest.Shelves.GetShelf");
  const json name = FindParameter(primary, "name");
  EXPECT_EQ(name["in"], "path");
  EXPECT_TRUE(
      absl::StrContains(name["description"].get<std::string>(), "shelves/*"));

  const json& additional = paths["/v1/shelf/{name}"]["get"];
  EXPECT_EQ(additional["operationId"], "Shelves_GetShelf_1");
  EXPECT_FALSE(FindParameter(additional, "name").contains("description"));
}

TEST_F(OpenApiShelvesTest, VerbNestedVariableAndFieldBodies) {
  const json& operation =
      document_["paths"]["/v1/shelves/{shelf.name}:return"]["post"];
  EXPECT_EQ(operation["operationId"], "Shelves_ReturnShelf");
  EXPECT_EQ(operation["summary"], "Returns a shelf to the library.");
  EXPECT_EQ(operation["security"],
            json::array({{{"bearerAuth", json::array()}}}));
  const json shelf_name = FindParameter(operation, "shelf.name");
  EXPECT_EQ(shelf_name["in"], "path");
  EXPECT_EQ(shelf_name["required"], true);
  EXPECT_EQ(operation["requestBody"]["content"]["application/json"]["schema"],
            json({{"type", "string"}}));
  EXPECT_TRUE(FindParameter(operation, "requestId").is_null());
  EXPECT_FALSE(FindParameter(operation, "shelf.bookCount").is_null());
  EXPECT_EQ(operation["responses"]["200"]["content"]["application/json"]
                     ["schema"]["$ref"],
            "#/components/schemas/openapitest.Shelf");
}

TEST_F(OpenApiShelvesTest, QueryParametersStopAtCyclesAndDepth) {
  const json& operation = document_["paths"]["/v1/{name}"]["get"];
  std::vector<std::string> names;
  for (const json& parameter : operation["parameters"]) {
    if (parameter["in"] == "query") names.push_back(parameter["name"]);
  }
  // filter.labels is a map, filter.parent would recurse, filter.extra is a
  // Struct: none fits a query string. Names have at most four segments.
  const std::vector<std::string> expected = {
      "filter.name",    "filter.bookCount", "filter.kind",
      "filter.ratings", "filter.openTime",  "filter.loan",
      "filter.note",    "filter.cover",     "filter.widthMm",
      "chain.leaf",     "chain.next.leaf",  "chain.next.next.leaf",
  };
  EXPECT_EQ(names, expected);
  const json ratings = FindParameter(operation, "filter.ratings");
  EXPECT_EQ(ratings["schema"]["type"], "array");
  EXPECT_EQ(FindParameter(operation, "filter.openTime")["schema"]["format"],
            "date-time");
}

TEST_F(OpenApiShelvesTest, SchemasFollowJsonMapping) {
  const std::string shelf = "openapitest.Shelf";
  const json int64 = {{"type", "string"}, {"format", "int64"}};
  EXPECT_EQ(Schema(shelf, "bookCount"), int64);
  EXPECT_EQ(Schema(shelf, "labels"),
            json({{"type", "object"}, {"additionalProperties", int64}}));
  EXPECT_EQ(Schema(shelf, "parent")["$ref"],
            "#/components/schemas/openapitest.Shelf");
  EXPECT_EQ(
      Schema(shelf, "kind"),
      json({{"type", "string"}, {"enum", {"KIND_UNSPECIFIED", "KIND_WOOD"}}}));
  EXPECT_EQ(Schema(shelf, "ratings"),
            json({{"type", "array"},
                  {"items", {{"type", "number"}, {"format", "double"}}}}));
  EXPECT_EQ(Schema(shelf, "openTime"),
            json({{"type", "string"}, {"format", "date-time"}}));
  EXPECT_EQ(Schema(shelf, "loan"), json({{"type", "string"}}));
  EXPECT_EQ(Schema(shelf, "note"), json({{"type", "string"}}));
  EXPECT_EQ(Schema(shelf, "extra"), json({{"type", "object"}}));
  EXPECT_EQ(Schema(shelf, "cover"),
            json({{"type", "string"}, {"format", "byte"}}));
  EXPECT_EQ(Schema(shelf, "widthMm"),
            json({{"type", "integer"}, {"format", "int64"}}));
  // Map entries and well-known types are inlined, not components.
  EXPECT_FALSE(document_["components"]["schemas"].contains(
      "openapitest.Shelf.LabelsEntry"));
  EXPECT_FALSE(
      document_["components"]["schemas"].contains("google.protobuf.Timestamp"));
  ExpectRefsResolve(document_);
}

}  // namespace
}  // namespace rentwave::rest
