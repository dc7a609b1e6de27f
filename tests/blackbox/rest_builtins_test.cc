// The REST facade's built-in endpoints (/healthz, /readyz, /metrics,
// /openapi.json) and CORS.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tests/blackbox/rest_client.h"
#include "tests/blackbox/rest_fixture.h"
#include "tests/blackbox/users_client.h"

namespace rentwave::blackbox {
namespace {

using Json = nlohmann::json;

// The value of the Prometheus sample named exactly `series` (name and
// labels) in `text`, or -1 if there is none.
double Sample(const std::string& text, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::ConsumePrefix(&line, series + " ")) {
      return std::stod(std::string(line));
    }
  }
  return -1;
}

// The methods a comma-separated header value lists, trimmed.
std::vector<std::string> Methods(const std::string& header) {
  std::vector<std::string> methods;
  for (absl::string_view m : absl::StrSplit(header, ',')) {
    methods.emplace_back(absl::StripAsciiWhitespace(m));
  }
  return methods;
}

bool Contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

using BlackboxRestBuiltins = RestServerTest;

TEST_F(BlackboxRestBuiltins, HealthAndReadiness) {
  RestResponse health = rest().Get("/healthz");
  ASSERT_EQ(health.status, 200) << health.Describe();
  EXPECT_EQ(health.MediaType(), "application/json");
  EXPECT_EQ(health.json, Json({{"status", "ok"}})) << health.body;

  RestResponse ready = rest().Get("/readyz");
  ASSERT_EQ(ready.status, 200) << ready.Describe();
  EXPECT_EQ(ready.MediaType(), "application/json");
  EXPECT_EQ(ready.json, Json({{"status", "ready"}})) << ready.body;
}

TEST_F(BlackboxRestBuiltins, MetricsCountRestCallsAlsoAsGrpcCalls) {
  const std::string token = rest().SignUp("alice");
  const std::string kHttpOk =
      R"(rentwave_requests_total{protocol="http",method="/rentwave.v1.Users/GetMe",code="200"})";
  const std::string kHttp401 =
      R"(rentwave_requests_total{protocol="http",method="/rentwave.v1.Users/GetMe",code="401"})";
  const std::string kGrpcOk =
      R"(rentwave_requests_total{protocol="grpc",method="/rentwave.v1.Users/GetMe",code="OK"})";

  ASSERT_EQ(rest().Get("/v1/users/me", AuthHeaders(token)).status, 200);
  RestResponse metrics = rest().Get("/metrics");
  ASSERT_EQ(metrics.status, 200) << metrics.Describe();
  EXPECT_TRUE(absl::StartsWith(metrics.Header("Content-Type"), "text/plain"));
  EXPECT_EQ(Sample(metrics.body, kHttpOk), 1) << metrics.body;
  // The REST call went through the gRPC stack, which counted it too.
  EXPECT_EQ(Sample(metrics.body, kGrpcOk), 1) << metrics.body;

  ASSERT_EQ(rest().Get("/v1/users/me/", AuthHeaders(token)).status, 200);
  ASSERT_EQ(rest().Get("/v1/users/me").status, 401);
  metrics = rest().Get("/metrics");
  EXPECT_EQ(Sample(metrics.body, kHttpOk), 2) << metrics.body;
  EXPECT_EQ(Sample(metrics.body, kHttp401), 1) << metrics.body;
  EXPECT_EQ(Sample(metrics.body, kGrpcOk), 2) << metrics.body;
  EXPECT_GE(
      Sample(
          metrics.body,
          R"(rentwave_requests_total{protocol="http",method="/rentwave.v1.Users/Register",code="200"})"),
      1)
      << metrics.body;
}

TEST_F(BlackboxRestBuiltins, OpenApiListsEveryRoute) {
  RestResponse openapi = rest().Get("/openapi.json");
  ASSERT_EQ(openapi.status, 200) << openapi.Describe();
  EXPECT_EQ(openapi.MediaType(), "application/json");
  ASSERT_TRUE(openapi.is_json) << openapi.body;
  const Json& doc = openapi.json;
  ASSERT_TRUE(doc["openapi"].is_string()) << doc["openapi"];
  EXPECT_TRUE(absl::StartsWith(doc["openapi"].get<std::string>(), "3."));
  ASSERT_TRUE(doc["paths"].is_object());

  struct Expected {
    std::string path;
    std::vector<std::string> methods;
  };
  const Expected expected[] = {
      {"/v1/users", {"post"}},
      {"/v1/auth:login", {"post"}},
      {"/v1/auth:logout", {"post"}},
      {"/v1/users/me", {"get", "patch"}},
      {"/v1/users/{user_id}", {"get"}},
      {"/v1/listings", {"get", "post"}},
      {"/v1/listings/{listing_id}", {"get", "patch", "delete"}},
      {"/v1/listings/{listing_id}:setActive", {"post"}},
      {"/v1/users/me/listings", {"get"}},
      {"/v1/books/{isbn}", {"get"}},
      {"/v1/wallet", {"get"}},
      {"/v1/wallet:deposit", {"post"}},
      {"/v1/wallet:withdraw", {"post"}},
      {"/v1/wallet:transfer", {"post"}},
      {"/v1/wallet/transactions", {"get"}},
      {"/v1/wallet/transactions/{transaction_id}", {"get"}},
      {"/v1/rentals", {"get", "post"}},
      {"/v1/rentals/{rental_id}", {"get"}},
      {"/v1/rentals/{rental_id}:return", {"post"}},
      {"/v1/rentals/{rental_id}:cancel", {"post"}},
      {"/v1/rentals/{rental_id}:extend", {"post"}},
      {"/v1/notifications", {"get"}},
      {"/v1/notifications:markRead", {"post"}},
      {"/v1/notifications:watch", {"get"}},
      {"/v1/events", {"get"}},
      {"/v1/events:tail", {"get"}},
  };
  for (const Expected& e : expected) {
    SCOPED_TRACE(e.path);
    ASSERT_TRUE(doc["paths"].contains(e.path)) << doc["paths"].dump(2);
    const Json& item = doc["paths"][e.path];
    for (const std::string& method : e.methods) {
      EXPECT_TRUE(item.contains(method) && item[method].is_object())
          << method << " in " << item.dump(2);
    }
    // No operation the API does not have.
    for (const char* method : {"get", "post", "put", "patch", "delete"}) {
      EXPECT_EQ(item.contains(method), absl::c_linear_search(e.methods, method))
          << method;
    }
  }
  EXPECT_EQ(doc["paths"].size(), std::size(expected));
  // OpenAPI forbids two paths that differ only in their variables' names.
  std::set<std::string> shapes;
  for (const auto& [path, item] : doc["paths"].items()) {
    std::string shape =
        std::regex_replace(path, std::regex("\\{[^}]*\\}"), "{}");
    EXPECT_TRUE(shapes.insert(shape).second) << path;
  }
  // Every query parameter of a search is declared.
  std::set<std::string> params;
  for (const Json& p :
       doc["paths"]["/v1/listings"]["get"].value("parameters", Json::array())) {
    if (p.value("in", "") == "query") params.insert(p.value("name", ""));
  }
  for (const char* name : {"query", "kind", "price.minMinor", "pageSize",
                           "pageToken", "availableFrom", "orderBy"}) {
    EXPECT_TRUE(params.contains(name)) << name;
  }
  // The path parameter is declared.
  const Json& get_user = doc["paths"]["/v1/users/{user_id}"]["get"];
  bool declared = false;
  for (const Json& p : get_user.value("parameters", Json::array())) {
    declared |= p.value("name", "") == "user_id" && p.value("in", "") == "path";
  }
  EXPECT_TRUE(declared) << get_user.dump(2);
}

TEST_F(BlackboxRestBuiltins, NoCorsByDefault) {
  RestResponse preflight =
      rest().Send("OPTIONS", "/v1/users/me", "", "",
                  {{"Origin", "https://app.example"},
                   {"Access-Control-Request-Method", "PATCH"}});
  EXPECT_FALSE(preflight.HasHeader("Access-Control-Allow-Origin"))
      << preflight.Describe();
  EXPECT_FALSE(preflight.HasHeader("Access-Control-Allow-Methods"))
      << preflight.Describe();
  RestResponse get =
      rest().Get("/v1/users/me", {{"Origin", "https://app.example"}});
  EXPECT_FALSE(get.HasHeader("Access-Control-Allow-Origin")) << get.Describe();
}

constexpr char kOrigin[] = "https://app.example";

class BlackboxRestCors : public RestServerTest {
 protected:
  std::vector<std::string> ExtraArgs() const override {
    return {"--cors-origins", std::string(kOrigin) + ",https://admin.example"};
  }
};

TEST_F(BlackboxRestCors, PreflightFromAnAllowedOrigin) {
  // Raw, to see every header line as sent (httplib's client drops empty
  // ones).
  RestResponse preflight = RawHttp(
      server().http_port(),
      absl::StrCat("OPTIONS /v1/users/me HTTP/1.1\r\nHost: localhost\r\n"
                   "Origin: ",
                   kOrigin,
                   "\r\nAccess-Control-Request-Method: PATCH\r\n"
                   "Access-Control-Request-Headers: authorization, "
                   "content-type\r\nConnection: close\r\n\r\n"));
  EXPECT_EQ(preflight.status, 204) << preflight.Describe();
  // Exactly one of each: browsers reject a repeated
  // Access-Control-Allow-Origin ("contains multiple values").
  EXPECT_EQ(preflight.HeaderCount("Access-Control-Allow-Origin"), 1u)
      << preflight.Describe();
  EXPECT_EQ(preflight.Header("Access-Control-Allow-Origin"), kOrigin);
  EXPECT_EQ(preflight.HeaderCount("Access-Control-Allow-Methods"), 1u)
      << preflight.Describe();
  const std::vector<std::string> methods =
      Methods(preflight.Header("Access-Control-Allow-Methods"));
  EXPECT_TRUE(Contains(methods, "GET")) << preflight.Describe();
  EXPECT_TRUE(Contains(methods, "PATCH")) << preflight.Describe();
  const std::string allowed_headers =
      absl::AsciiStrToLower(preflight.Header("Access-Control-Allow-Headers"));
  EXPECT_TRUE(absl::StrContains(allowed_headers, "authorization"))
      << preflight.Describe();
  EXPECT_TRUE(absl::StrContains(allowed_headers, "content-type"))
      << preflight.Describe();

  // The other listed origin is allowed too; a route with another method set
  // lists its own.
  RestResponse login = rest().Send("OPTIONS", "/v1/auth:login", "", "",
                                   {{"Origin", "https://admin.example"},
                                    {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(login.status, 204) << login.Describe();
  EXPECT_EQ(login.Header("Access-Control-Allow-Origin"),
            "https://admin.example");
  EXPECT_EQ(Methods(login.Header("Access-Control-Allow-Methods")),
            std::vector<std::string>{"POST"})
      << login.Describe();
}

TEST_F(BlackboxRestCors, ActualRequestFromAnAllowedOrigin) {
  const std::string token = rest().SignUp("bob");
  httplib::Headers headers = AuthHeaders(token);
  headers.emplace("Origin", kOrigin);
  RestResponse me = rest().Get("/v1/users/me", headers);
  ASSERT_EQ(me.status, 200) << me.Describe();
  EXPECT_EQ(me.HeaderCount("Access-Control-Allow-Origin"), 1u) << me.Describe();
  EXPECT_EQ(me.Header("Access-Control-Allow-Origin"), kOrigin);
  // Errors carry it too, or the page could not read them.
  RestResponse refused = rest().Get("/v1/users/me", {{"Origin", kOrigin}});
  EXPECT_TRUE(IsRpcStatus(refused, 401, 16));
  EXPECT_EQ(refused.Header("Access-Control-Allow-Origin"), kOrigin);
}

TEST_F(BlackboxRestCors, OtherOriginsGetNoCorsHeaders) {
  for (const char* origin : {"https://evil.example", "http://app.example",
                             "https://app.example.evil.example", "null"}) {
    SCOPED_TRACE(origin);
    RestResponse preflight = rest().Send(
        "OPTIONS", "/v1/users/me", "", "",
        {{"Origin", origin}, {"Access-Control-Request-Method", "GET"}});
    EXPECT_FALSE(preflight.HasHeader("Access-Control-Allow-Origin"))
        << preflight.Describe();
    EXPECT_FALSE(preflight.HasHeader("Access-Control-Allow-Methods"))
        << preflight.Describe();
    RestResponse get = rest().Get("/v1/users/me", {{"Origin", origin}});
    EXPECT_FALSE(get.HasHeader("Access-Control-Allow-Origin"))
        << get.Describe();
  }
}

}  // namespace
}  // namespace rentwave::blackbox
