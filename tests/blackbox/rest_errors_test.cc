// Bad REST requests: the exact HTTP status, a google.rpc.Status JSON body
// (never an HTML page) and nothing written.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/blackbox/db_inspect.h"
#include "tests/blackbox/rest_client.h"
#include "tests/blackbox/rest_fixture.h"
#include "tests/blackbox/users_client.h"

namespace rentwave::blackbox {
namespace {

using Json = nlohmann::json;

// google.rpc.Code values.
constexpr int kInvalidArgument = 3;
constexpr int kNotFound = 5;
constexpr int kAlreadyExists = 6;
constexpr int kResourceExhausted = 8;
constexpr int kUnimplemented = 12;
constexpr int kUnauthenticated = 16;

// The server refuses REST bodies over this many bytes (the smallest
// --max-body-bytes it accepts).
constexpr int kMaxBodyBytes = 1024;

class BlackboxRestErrors : public RestServerTest {
 protected:
  std::vector<std::string> ExtraArgs() const override {
    return {"--max-body-bytes", std::to_string(kMaxBodyBytes)};
  }

  // Stops the server and checks how many accounts it stored.
  void ExpectAccountsAfterStop(int64_t accounts) {
    ASSERT_EQ(server().Stop(SIGTERM), 0) << server().StderrText();
    EXPECT_EQ(CountRows(server().db_path(), "users_accounts"), accounts);
  }
};

TEST_F(BlackboxRestErrors, UnknownPathIs404) {
  for (const char* target : {"/v1/nothing", "/v2/users", "/v1/users/me/extra",
                             "/", "/v1/auth:nothing"}) {
    SCOPED_TRACE(target);
    EXPECT_TRUE(IsRpcStatus(rest().Get(target), 404, kNotFound, "no route"));
  }
  EXPECT_TRUE(IsRpcStatus(rest().Post("/v1/nothing", Json::object()), 404,
                          kNotFound, "no route"));
}

TEST_F(BlackboxRestErrors, WrongMethodIs405WithAllow) {
  struct Case {
    std::string method, target, allow;
  };
  const Case cases[] = {
      {"DELETE", "/v1/users/me", "GET, PATCH"},
      {"PUT", "/v1/users/me", "GET, PATCH"},
      {"POST", "/v1/users/me", "GET, PATCH"},
      {"GET", "/v1/users", "POST"},
      {"GET", "/v1/auth:login", "POST"},
      {"DELETE", "/v1/auth:logout", "POST"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.method + " " + c.target);
    RestResponse r = rest().Send(c.method, c.target);
    EXPECT_TRUE(IsRpcStatus(r, 405, kUnimplemented, "not allowed"));
    EXPECT_EQ(r.Header("Allow"), c.allow);
    EXPECT_EQ(r.HeaderCount("Allow"), 1u);
  }
}

TEST_F(BlackboxRestErrors, UnknownJsonFieldIs400NamingIt) {
  EXPECT_TRUE(IsRpcStatus(rest().Post("/v1/users", {{"username", "alice"},
                                                    {"password", kPassword},
                                                    {"nickname", "Al"}}),
                          400, kInvalidArgument, "\"nickname\""));
  EXPECT_TRUE(
      IsRpcStatus(rest().Post("/v1/users", {{"username", "alice"},
                                            {"password", kPassword},
                                            {"address", {{"planet", "Mars"}}}}),
                  400, kInvalidArgument, "\"address.planet\""));
  EXPECT_TRUE(
      IsRpcStatus(rest().Post("/v1/auth:login",
                              {{"user", "alice"}, {"password", kPassword}}),
                  400, kInvalidArgument, "\"user\""));
  const std::string token = rest().SignUp("bob");
  EXPECT_TRUE(IsRpcStatus(rest().Patch("/v1/users/me?updateMask=displayName",
                                       {{"displayName", "B"}, {"shoeSize", 44}},
                                       AuthHeaders(token)),
                          400, kInvalidArgument, "\"shoeSize\""));
  // Nothing but bob was registered, and bob is unchanged.
  RestResponse me = rest().Get("/v1/users/me", AuthHeaders(token));
  EXPECT_EQ(me.json.value("displayName", ""), "bob") << me.Describe();
  EXPECT_TRUE(
      IsRpcStatus(rest().Login("alice", kPassword), 401, kUnauthenticated));
  ExpectAccountsAfterStop(1);
}

TEST_F(BlackboxRestErrors, MalformedJsonIs400) {
  const std::vector<std::string> bodies = {
      R"({"username": "alice", "password": )",
      R"({"username": "alice",})",
      "{'username': 'alice'}",
      "not json at all",
  };
  for (const std::string& body : bodies) {
    SCOPED_TRACE(body);
    EXPECT_TRUE(
        IsRpcStatus(rest().Send("POST", "/v1/users", body, "application/json"),
                    400, kInvalidArgument, "malformed JSON"));
  }
  // Well-formed JSON that is not an object, or has the wrong value types.
  EXPECT_TRUE(IsRpcStatus(
      rest().Send("POST", "/v1/users", "[1, 2]", "application/json"), 400,
      kInvalidArgument, "JSON object"));
  EXPECT_TRUE(IsRpcStatus(
      rest().Post("/v1/users", {{"username", 42}, {"password", kPassword}}),
      400, kInvalidArgument));
  EXPECT_TRUE(IsRpcStatus(rest().Post("/v1/users", {{"username", "alice"},
                                                    {"password", kPassword},
                                                    {"address", "1 Main St"}}),
                          400, kInvalidArgument));
  ExpectAccountsAfterStop(0);
}

TEST_F(BlackboxRestErrors, UnknownQueryParameterIs400NamingIt) {
  std::string id;
  const httplib::Headers auth = AuthHeaders(rest().SignUp("carol", &id));
  EXPECT_TRUE(IsRpcStatus(rest().Get("/v1/users/me?verbose=1", auth), 400,
                          kInvalidArgument, "\"verbose\""));
  EXPECT_TRUE(IsRpcStatus(rest().Get("/v1/users/" + id + "?view=full"), 400,
                          kInvalidArgument, "\"view\""));
  // A body "*" method takes no query parameters at all.
  EXPECT_TRUE(
      IsRpcStatus(rest().Post("/v1/users?dryRun=true",
                              {{"username", "dave"}, {"password", kPassword}}),
                  400, kInvalidArgument, "\"dryRun\""));
  // A field the path already binds cannot be set again from the query.
  EXPECT_TRUE(IsRpcStatus(rest().Get("/v1/users/" + id + "?userId=x"), 400,
                          kInvalidArgument, "\"userId\""));
  // A mask that does not parse names its parameter.
  EXPECT_TRUE(IsRpcStatus(rest().Patch("/v1/users/me?updateMask=display%20name",
                                       {{"displayName", "C"}}, auth),
                          400, kInvalidArgument, "update_mask"));
  ExpectAccountsAfterStop(1);
}

TEST_F(BlackboxRestErrors, MissingOrBadTokenIs401) {
  const std::string token = rest().SignUp("erin");
  RestResponse none = rest().Get("/v1/users/me");
  EXPECT_TRUE(IsRpcStatus(none, 401, kUnauthenticated, "Bearer"));
  EXPECT_EQ(none.Header("WWW-Authenticate"), "Bearer");

  const std::vector<std::string> bad = {
      "Bearer garbage",
      "Bearer " + token + "x",
      "Bearer ",
      "Basic ZXJpbjpwYXNzd29yZA==",
      token,  // no scheme
  };
  for (const std::string& authorization : bad) {
    SCOPED_TRACE(authorization);
    RestResponse r =
        rest().Get("/v1/users/me", {{"Authorization", authorization}});
    EXPECT_TRUE(IsRpcStatus(r, 401, kUnauthenticated));
    EXPECT_EQ(r.Header("WWW-Authenticate"), "Bearer");
    // The token itself is never echoed back.
    EXPECT_EQ(r.body.find(token), std::string::npos) << r.body;
  }
  EXPECT_TRUE(IsRpcStatus(rest().Send("POST", "/v1/auth:logout"), 401,
                          kUnauthenticated));
  EXPECT_TRUE(IsRpcStatus(rest().Patch("/v1/users/me?updateMask=displayName",
                                       {{"displayName", "X"}}),
                          401, kUnauthenticated));
  // The scheme is case-insensitive, as RFC 7235 says.
  RestResponse lower =
      rest().Get("/v1/users/me", {{"Authorization", "bearer " + token}});
  EXPECT_EQ(lower.status, 200) << lower.Describe();
}

TEST_F(BlackboxRestErrors, DuplicateUsernameIs409) {
  ASSERT_EQ(rest().Register("frank").status, 200);
  EXPECT_TRUE(
      IsRpcStatus(rest().Register("frank"), 409, kAlreadyExists, "username"));
  // Usernames are folded to lower case before the uniqueness check.
  RestResponse folded = rest().Post(
      "/v1/users", {{"username", "FRANK"}, {"password", "another password"}});
  EXPECT_TRUE(IsRpcStatus(folded, 409, kAlreadyExists, "username"));
  // The first account keeps its password.
  EXPECT_EQ(rest().Login("frank", kPassword).status, 200);
  EXPECT_TRUE(IsRpcStatus(rest().Login("frank", "another password"), 401,
                          kUnauthenticated));
  ExpectAccountsAfterStop(1);
}

TEST_F(BlackboxRestErrors, InvalidInputIs400NamingTheField) {
  struct Case {
    std::string what;
    Json body;
    std::string field;
  };
  const Case cases[] = {
      {"username with a space",
       {{"username", "bad name"}, {"password", kPassword}},
       "username"},
      {"too short username",
       {{"username", "ab"}, {"password", kPassword}},
       "username"},
      {"no username", {{"password", kPassword}}, "username"},
      {"short password",
       {{"username", "grace"}, {"password", "1234567"}},
       "password"},
      {"bad email",
       {{"username", "grace"}, {"password", kPassword}, {"email", "nope"}},
       "email"},
      {"bad country code",
       {{"username", "grace"},
        {"password", kPassword},
        {"address", {{"countryCode", "norway"}}}},
       "address.country_code"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    RestResponse r = rest().Post("/v1/users", c.body);
    ASSERT_TRUE(IsRpcStatus(r, 400, kInvalidArgument));
    // The message starts with the field's name.
    EXPECT_EQ(r.json["message"].get<std::string>().rfind(c.field + ":", 0), 0u)
        << r.body;
  }
  ExpectAccountsAfterStop(0);
}

// {"username": `username`, "password": kPassword, "email": "iii..."}, with
// as many i's as make it exactly `size` bytes of JSON.
Json BodyOfSize(const std::string& username, size_t size) {
  Json body = {{"username", username}, {"password", kPassword}, {"email", ""}};
  const size_t empty = body.dump().size();
  if (size > empty) body["email"] = std::string(size - empty, 'i');
  return body;
}

TEST_F(BlackboxRestErrors, BodyOverMaxBodyBytesIs413) {
  ASSERT_EQ(rest()
                .Post("/v1/users", {{"username", "heidi"},
                                    {"password", kPassword},
                                    {"displayName", std::string(100, 'h')}})
                .status,
            200);

  // A body of exactly the limit gets through to the service (which refuses
  // the email address)...
  Json at_limit = BodyOfSize("ivan", kMaxBodyBytes);
  ASSERT_EQ(at_limit.dump().size(), static_cast<size_t>(kMaxBodyBytes));
  EXPECT_TRUE(IsRpcStatus(rest().Post("/v1/users", at_limit), 400,
                          kInvalidArgument, "email"));
  // ...one byte more does not. (google.rpc.Code has no "too large"; the
  // server says INVALID_ARGUMENT.)
  Json over = BodyOfSize("ivan", kMaxBodyBytes + 1);
  ASSERT_EQ(over.dump().size(), static_cast<size_t>(kMaxBodyBytes + 1));
  EXPECT_TRUE(IsRpcStatus(rest().Post("/v1/users", over), 413, kInvalidArgument,
                          "too large"));

  const std::string token =
      rest().Login("heidi", kPassword).json.value("accessToken", "");
  RestResponse patch =
      rest().Patch("/v1/users/me?updateMask=displayName",
                   {{"displayName", std::string(2 * kMaxBodyBytes, 'x')}},
                   AuthHeaders(token));
  EXPECT_EQ(patch.status, 413) << patch.Describe();
  EXPECT_EQ(patch.MediaType(), "application/json");

  // The server is fine and nothing changed.
  RestResponse me = rest().Get("/v1/users/me", AuthHeaders(token));
  ASSERT_EQ(me.status, 200) << me.Describe();
  EXPECT_EQ(me.json.value("displayName", "").size(), 100u);
  EXPECT_TRUE(
      IsRpcStatus(rest().Login("ivan", kPassword), 401, kUnauthenticated));
  ExpectAccountsAfterStop(1);
}

TEST_F(BlackboxRestErrors, WrongContentTypeIs415) {
  const std::string body =
      Json{{"username", "judy"}, {"password", kPassword}}.dump();
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded",
                           "application/xml", "application/jsonx"}) {
    SCOPED_TRACE(type);
    RestResponse r = rest().Send("POST", "/v1/users", body, type);
    EXPECT_TRUE(IsRpcStatus(r, 415, kInvalidArgument, "application/json"));
  }
  EXPECT_TRUE(
      IsRpcStatus(rest().Login("judy", kPassword), 401, kUnauthenticated));
  // Parameters and case do not matter.
  RestResponse ok =
      rest().Send("POST", "/v1/users", body, "Application/JSON; charset=utf-8");
  EXPECT_EQ(ok.status, 200) << ok.Describe();
  ExpectAccountsAfterStop(1);
}

TEST_F(BlackboxRestErrors, RepeatedFailedLoginsAre429) {
  ASSERT_EQ(rest().Register("mallory").status, 200);
  ASSERT_EQ(rest().Register("trent").status, 200);
  // The limiter allows 5 failures per username per window.
  for (int i = 0; i < 5; ++i) {
    SCOPED_TRACE(i);
    EXPECT_TRUE(IsRpcStatus(rest().Login("mallory", "wrong password"), 401,
                            kUnauthenticated));
  }
  RestResponse limited = rest().Login("mallory", "wrong password");
  EXPECT_TRUE(IsRpcStatus(limited, 429, kResourceExhausted, "too many"));
  // Even the right password is refused now, without being checked...
  EXPECT_TRUE(
      IsRpcStatus(rest().Login("mallory", kPassword), 429, kResourceExhausted));
  // ...also with the username spelled differently.
  EXPECT_TRUE(
      IsRpcStatus(rest().Login("MALLORY", kPassword), 429, kResourceExhausted));
  // Other usernames are not affected.
  EXPECT_EQ(rest().Login("trent", kPassword).status, 200);
}

// A GET route takes no body: one sent anyway is refused (the transcoder's
// "this method takes no request body"), and in any case it must not stay on
// the connection to be read as the next request, which is HTTP request
// smuggling behind any proxy that forwards GET bodies.
TEST_F(BlackboxRestErrors, GetWithABodyIsRefusedNotSmuggled) {
  const std::string smuggled =
      "GET /healthz HTTP/1.1\r\nHost: localhost\r\n"
      "Connection: close\r\n\r\n";
  RawConnection connection(server().http_port());
  ASSERT_TRUE(connection.Send(
      absl::StrCat("GET /v1/users/abc HTTP/1.1\r\nHost: localhost\r\n"
                   "Content-Type: application/json\r\nContent-Length: ",
                   smuggled.size(), "\r\n\r\n")));
  // A server that reads the body answers only once it has it; one that
  // refuses bodies on GET may answer at once.
  RestResponse first = connection.ReadResponse(std::chrono::seconds(1));
  const bool answered_early = first.status != 0;
  connection.Send(smuggled);  // may fail if the server has closed: fine
  if (!answered_early) {
    first = connection.ReadResponse(std::chrono::seconds(10));
  }
  EXPECT_TRUE(IsRpcStatus(first, 400, kInvalidArgument, "body"));
  // Nothing more: the body was not served as a request of its own.
  RestResponse second = connection.ReadResponse(std::chrono::seconds(1));
  EXPECT_EQ(second.status, 0)
      << "the GET's body was served as a second request:\n"
      << second.Describe();
}

TEST_F(BlackboxRestErrors, ErrorsAreNeverHtml) {
  std::vector<std::pair<std::string, RestResponse>> answers = {
      {"404", rest().Get("/no/such/page")},
      {"405", rest().Send("DELETE", "/v1/users/me")},
      {"400 malformed",
       rest().Send("POST", "/v1/users", "{", "application/json")},
      {"401", rest().Get("/v1/users/me")},
      {"413",
       rest().Send("POST", "/v1/users", std::string(kMaxBodyBytes + 1, ' '),
                   "application/json")},
      {"415", rest().Send("POST", "/v1/users", "x", "text/plain")},
      {"bad method", RawHttp(server().http_port(),
                             "FOO /v1/users/me HTTP/1.1\r\nHost: localhost\r\n"
                             "Connection: close\r\n\r\n")},
      {"garbage request line",
       RawHttp(server().http_port(), "this is not HTTP\r\n\r\n")},
      {"bad percent-encoding", rest().Get("/v1/users/%zz")},
  };
  for (const auto& [what, r] : answers) {
    SCOPED_TRACE(what);
    EXPECT_GE(r.status, 400) << r.Describe();
    EXPECT_EQ(r.MediaType(), "application/json") << r.Describe();
    ASSERT_TRUE(r.is_json && r.json.is_object()) << r.Describe();
    EXPECT_TRUE(r.json["code"].is_number_integer()) << r.body;
    EXPECT_TRUE(r.json["message"].is_string()) << r.body;
    EXPECT_EQ(r.json["details"], Json::array()) << r.body;
    EXPECT_EQ(r.body.find("<html"), std::string::npos) << r.body;
  }
}

}  // namespace
}  // namespace rentwave::blackbox
