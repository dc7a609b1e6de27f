// REST and gRPC are one service: accounts and tokens work across both, and a
// REST call goes through the same gRPC stack (auth, access log, metrics).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/blackbox/process.h"
#include "tests/blackbox/rest_client.h"
#include "tests/blackbox/rest_fixture.h"
#include "tests/blackbox/users_client.h"

namespace rentwave::blackbox {
namespace {

using Json = nlohmann::json;

// The lines of `text` that contain `needle`.
std::vector<std::string> LinesWith(const std::string& text,
                                   const std::string& needle) {
  std::vector<std::string> found;
  for (const std::string& line : Lines(text)) {
    if (absl::StrContains(line, needle)) found.push_back(line);
  }
  return found;
}

using BlackboxRestCrossProtocol = RestServerTest;

TEST_F(BlackboxRestCrossProtocol, RestAccountLogsInOverGrpc) {
  RestResponse registered =
      rest().Post("/v1/users", {{"username", "alice"},
                                {"password", kPassword},
                                {"displayName", "Alice"},
                                {"email", "alice@example.com"}});
  ASSERT_EQ(registered.status, 200) << registered.Describe();
  UsersClient grpc(server().NewChannel());

  v1::LoginResponse login;
  ASSERT_CODE(grpc.Login("alice", kPassword, &login), OK);
  EXPECT_EQ(login.user_id(), registered.json["user"].value("id", ""));
  v1::User me;
  ASSERT_CODE(grpc.GetMe(Bearer(login.access_token()), &me), OK);
  EXPECT_EQ(me.display_name(), "Alice");
  EXPECT_EQ(me.email(), "alice@example.com");

  // A token from gRPC works over REST, and a REST change shows over gRPC.
  RestResponse patched = rest().Patch("/v1/users/me?updateMask=displayName",
                                      {{"displayName", "Alice R."}},
                                      AuthHeaders(login.access_token()));
  ASSERT_EQ(patched.status, 200) << patched.Describe();
  ASSERT_CODE(grpc.GetMe(Bearer(login.access_token()), &me), OK);
  EXPECT_EQ(me.display_name(), "Alice R.");

  // Logging out over REST revokes the token for gRPC too.
  RestResponse logout = rest().Send("POST", "/v1/auth:logout", "", "",
                                    AuthHeaders(login.access_token()));
  ASSERT_EQ(logout.status, 200) << logout.Describe();
  EXPECT_CODE(grpc.GetMe(Bearer(login.access_token())), UNAUTHENTICATED);
}

TEST_F(BlackboxRestCrossProtocol, GrpcAccountLogsInOverRest) {
  UsersClient grpc(server().NewChannel());
  v1::RegisterRequest request;
  request.set_username("bob");
  request.set_password(kPassword);
  request.set_display_name("Bob");
  request.mutable_address()->set_city("Oslo");
  v1::RegisterResponse registered;
  ASSERT_CODE(grpc.Register(request, &registered), OK);

  RestResponse login = rest().Login("bob", kPassword);
  ASSERT_EQ(login.status, 200) << login.Describe();
  EXPECT_EQ(login.json.value("userId", ""), registered.user().id());
  const std::string token = login.json.value("accessToken", "");

  RestResponse me = rest().Get("/v1/users/me", AuthHeaders(token));
  ASSERT_EQ(me.status, 200) << me.Describe();
  EXPECT_EQ(me.json.value("displayName", ""), "Bob");
  EXPECT_EQ(me.json["address"].value("city", ""), "Oslo");

  // The REST token works over gRPC; a gRPC logout ends it for REST.
  v1::User grpc_me;
  ASSERT_CODE(grpc.GetMe(Bearer(token), &grpc_me), OK);
  EXPECT_EQ(grpc_me.id(), registered.user().id());
  ASSERT_CODE(grpc.Logout(Bearer(token)), OK);
  EXPECT_TRUE(IsRpcStatus(rest().Get("/v1/users/me", AuthHeaders(token)), 401,
                          16, "revoked"));

  // Both protocols share one username space.
  EXPECT_TRUE(IsRpcStatus(rest().Register("bob"), 409, 6));
  ASSERT_EQ(rest().Register("carol").status, 200);
  EXPECT_CODE(grpc.Register("carol", kPassword), ALREADY_EXISTS);
}

TEST_F(BlackboxRestCrossProtocol, RequestIdReachesTheGrpcAccessLog) {
  std::string user_id;
  const std::string token = rest().SignUp("dave", &user_id);
  const std::string request_id = "rest-req-4f1c2a";
  httplib::Headers headers = AuthHeaders(token);
  headers.emplace("X-Request-Id", request_id);
  ASSERT_EQ(rest().Get("/v1/users/me", headers).status, 200);
  const std::string needle = "request_id=" + request_id;
  ASSERT_TRUE(server().WaitForStderr(needle)) << server().StderrText();

  // One access-log line, written by the gRPC interceptor, for the call.
  std::vector<std::string> lines =
      LinesWith(server().StderrText(), needle + " ");
  ASSERT_EQ(lines.size(), 1u) << server().StderrText();
  EXPECT_TRUE(
      absl::StrContains(lines[0], "rpc /rentwave.v1.Users/GetMe code=OK"))
      << lines[0];
  EXPECT_TRUE(absl::StrContains(lines[0], "user=" + user_id)) << lines[0];

  // A refused call is logged with its code and request id too.
  const std::string refused_id = "rest-req-refused";
  ASSERT_EQ(rest().Get("/v1/users/me", {{"X-Request-Id", refused_id}}).status,
            401);
  ASSERT_TRUE(server().WaitForStderr("request_id=" + refused_id))
      << server().StderrText();
  lines = LinesWith(server().StderrText(), "request_id=" + refused_id);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(absl::StrContains(
      lines[0], "rpc /rentwave.v1.Users/GetMe code=UNAUTHENTICATED"))
      << lines[0];
}

// The facade forwards the HTTP client's address (x-forwarded-for over the
// in-process channel) and the access log names it as "peer=http:<address>"
// (modules/platform/rpc.cc, Peer()).
TEST_F(BlackboxRestCrossProtocol, AccessLogNamesTheHttpClient) {
  ASSERT_EQ(
      rest().Get("/v1/users/me", {{"X-Request-Id", "rest-req-peer"}}).status,
      401);
  ASSERT_TRUE(server().WaitForStderr("request_id=rest-req-peer"))
      << server().StderrText();
  std::vector<std::string> lines =
      LinesWith(server().StderrText(), "request_id=rest-req-peer");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(absl::StrContains(lines[0], "peer=http:127.0.0.1")) << lines[0];
}

TEST_F(BlackboxRestCrossProtocol, AccessLogHasNoPasswordsOrTokens) {
  const std::string password = "Sup3r-Secret-Pa55phrase";
  ASSERT_EQ(rest()
                .Post("/v1/users", {{"username", "erin"},
                                    {"password", password},
                                    {"email", "erin@example.com"}})
                .status,
            200);
  // A failed login with a near miss of the password, then a good one.
  EXPECT_EQ(rest().Login("erin", password + "x").status, 401);
  RestResponse login = rest().Login("erin", password);
  ASSERT_EQ(login.status, 200) << login.Describe();
  const std::string token = login.json.value("accessToken", "");
  ASSERT_GT(token.size(), 20u);
  httplib::Headers auth = AuthHeaders(token);
  EXPECT_EQ(rest().Get("/v1/users/me", auth).status, 200);
  EXPECT_EQ(rest()
                .Patch("/v1/users/me?updateMask=displayName",
                       {{"displayName", "Erin"}}, auth)
                .status,
            200);
  EXPECT_EQ(rest()
                .Get("/v1/users/me",
                     {{"Authorization", "Bearer " + token + "tampered"}})
                .status,
            401);
  auth.emplace("X-Request-Id", "last-call-of-the-test");
  EXPECT_EQ(rest().Send("POST", "/v1/auth:logout", "", "", auth).status, 200);
  // The log is written in order: once the last call's line is there, every
  // earlier one is too.
  ASSERT_TRUE(server().WaitForStderr("request_id=last-call-of-the-test"))
      << server().StderrText();

  const std::string log = server().StderrText() + server().StdoutText();
  EXPECT_FALSE(absl::StrContains(log, password)) << log;
  EXPECT_FALSE(absl::StrContains(log, token)) << log;
  // Not even the signature part of the token.
  EXPECT_FALSE(absl::StrContains(log, token.substr(token.size() - 16))) << log;
  EXPECT_EQ(LinesWith(log, "rpc /rentwave.v1.Users/").size(), 7u) << log;
}

}  // namespace
}  // namespace rentwave::blackbox
