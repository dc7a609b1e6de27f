// Every REST route of rentwave.v1.Users over real HTTP: register, login,
// profile reads and updates, logout, with the proto3 JSON mapping.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "tests/blackbox/rest_client.h"
#include "tests/blackbox/rest_fixture.h"
#include "tests/blackbox/users_client.h"

namespace rentwave::blackbox {
namespace {

using Json = nlohmann::json;

// The first key anywhere in `j` that is not lowerCamelCase (has a '_'), or
// "" if there is none.
std::string SnakeCaseKey(const Json& j) {
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      if (absl::StrContains(key, '_')) return key;
      if (std::string inner = SnakeCaseKey(value); !inner.empty()) return inner;
    }
  } else if (j.is_array()) {
    for (const Json& value : j) {
      if (std::string inner = SnakeCaseKey(value); !inner.empty()) return inner;
    }
  }
  return "";
}

// An RFC 3339 UTC timestamp as proto3 JSON renders it.
bool IsTimestamp(const Json& j) {
  if (!j.is_string()) return false;
  const std::string s = j.get<std::string>();
  return s.size() >= 20 && s[4] == '-' && s[10] == 'T' && s.back() == 'Z';
}

using BlackboxRestUsers = RestServerTest;

TEST_F(BlackboxRestUsers, RegisterTakesSnakeAndCamelCaseAndAnswersCamelCase) {
  // Proto names in, including nested ones.
  RestResponse alice = rest().Post(
      "/v1/users", {{"username", "Alice"},
                    {"password", kPassword},
                    {"display_name", "Alice A."},
                    {"email", "alice@example.com"},
                    {"address", {{"city", "Oslo"}, {"country_code", "NO"}}}});
  ASSERT_EQ(alice.status, 200) << alice.Describe();
  EXPECT_EQ(alice.MediaType(), "application/json");
  ASSERT_TRUE(alice.json.contains("user")) << alice.body;
  const Json& user = alice.json["user"];
  EXPECT_EQ(user.value("username", ""), "alice");  // folded to lower case
  EXPECT_EQ(user.value("displayName", ""), "Alice A.");
  EXPECT_EQ(user.value("email", ""), "alice@example.com");
  EXPECT_EQ(user["address"].value("city", ""), "Oslo");
  EXPECT_EQ(user["address"].value("countryCode", ""), "NO");
  EXPECT_EQ(user.value("id", "").size(), 26u) << user;
  EXPECT_TRUE(IsTimestamp(user["createTime"])) << user;
  EXPECT_TRUE(IsTimestamp(user["updateTime"])) << user;
  EXPECT_EQ(SnakeCaseKey(alice.json), "") << alice.body;
  EXPECT_FALSE(user.contains("password")) << alice.body;

  // JSON names in.
  RestResponse bob =
      rest().Post("/v1/users", {{"username", "bob"},
                                {"password", kPassword},
                                {"displayName", "Bobby"},
                                {"address", {{"postalCode", "0150"}}}});
  ASSERT_EQ(bob.status, 200) << bob.Describe();
  EXPECT_EQ(bob.json["user"].value("displayName", ""), "Bobby");
  EXPECT_EQ(bob.json["user"]["address"].value("postalCode", ""), "0150");
  EXPECT_EQ(SnakeCaseKey(bob.json), "") << bob.body;

  // Without a display name it defaults to the username.
  RestResponse carol = rest().Register("carol");
  ASSERT_EQ(carol.status, 200) << carol.Describe();
  EXPECT_EQ(carol.json["user"].value("displayName", ""), "carol");
}

TEST_F(BlackboxRestUsers, FullLifecycle) {
  RestResponse registered = rest().Post(
      "/v1/users", {{"username", "dave"},
                    {"password", kPassword},
                    {"displayName", "Dave"},
                    {"email", "dave@example.com"},
                    {"address", {{"line1", "1 Main St"}, {"city", "Oslo"}}}});
  ASSERT_EQ(registered.status, 200) << registered.Describe();
  const std::string id = registered.json["user"].value("id", "");

  RestResponse login = rest().Login("DAVE", kPassword);
  ASSERT_EQ(login.status, 200) << login.Describe();
  EXPECT_EQ(login.json.value("userId", ""), id);
  EXPECT_TRUE(IsTimestamp(login.json["expireTime"])) << login.body;
  EXPECT_EQ(SnakeCaseKey(login.json), "") << login.body;
  const std::string token = login.json.value("accessToken", "");
  ASSERT_FALSE(token.empty()) << login.body;
  const httplib::Headers auth = AuthHeaders(token);

  RestResponse me = rest().Get("/v1/users/me", auth);
  ASSERT_EQ(me.status, 200) << me.Describe();
  EXPECT_EQ(me.json.value("id", ""), id);
  EXPECT_EQ(me.json.value("username", ""), "dave");
  EXPECT_EQ(me.json.value("displayName", ""), "Dave");
  EXPECT_EQ(me.json.value("email", ""), "dave@example.com");
  EXPECT_EQ(me.json["address"].value("line1", ""), "1 Main St");

  // The body is the User; the mask (JSON names, comma-separated) says which
  // of its fields apply: the address is not in it.
  RestResponse patched =
      rest().Patch("/v1/users/me?updateMask=displayName,email",
                   {{"displayName", "David"},
                    {"email", "david@example.org"},
                    {"address", {{"city", "Not applied"}}}},
                   auth);
  ASSERT_EQ(patched.status, 200) << patched.Describe();
  EXPECT_EQ(patched.json.value("displayName", ""), "David");
  EXPECT_EQ(patched.json.value("email", ""), "david@example.org");
  EXPECT_EQ(patched.json["address"].value("city", ""), "Oslo");
  EXPECT_EQ(SnakeCaseKey(patched.json), "") << patched.body;

  me = rest().Get("/v1/users/me", auth);
  ASSERT_EQ(me.status, 200) << me.Describe();
  EXPECT_EQ(me.json.value("displayName", ""), "David");
  EXPECT_EQ(me.json.value("email", ""), "david@example.org");
  EXPECT_EQ(me.json["address"].value("city", ""), "Oslo");
  EXPECT_EQ(me.json["address"].value("line1", ""), "1 Main St");

  RestResponse logout = rest().Send("POST", "/v1/auth:logout", "", "", auth);
  ASSERT_EQ(logout.status, 200) << logout.Describe();
  EXPECT_EQ(logout.json, Json::object()) << logout.body;

  me = rest().Get("/v1/users/me", auth);
  EXPECT_TRUE(IsRpcStatus(me, 401, 16, "revoked"));
  EXPECT_EQ(me.Header("WWW-Authenticate"), "Bearer");
  // Logging out twice is refused the same way.
  EXPECT_TRUE(IsRpcStatus(
      rest().Send("POST", "/v1/auth:logout", "{}", "application/json", auth),
      401, 16));

  // A new login works again and sees the changes.
  RestResponse again = rest().Login("dave", kPassword);
  ASSERT_EQ(again.status, 200) << again.Describe();
  me = rest().Get("/v1/users/me", AuthHeaders(again.json["accessToken"]));
  ASSERT_EQ(me.status, 200) << me.Describe();
  EXPECT_EQ(me.json.value("displayName", ""), "David");
}

TEST_F(BlackboxRestUsers, PatchTakesTheProtoNameOfTheMaskAndSnakeCaseBody) {
  const httplib::Headers auth = AuthHeaders(rest().SignUp("erin"));

  RestResponse patched =
      rest().Patch("/v1/users/me?update_mask=display_name,address",
                   {{"display_name", "Erin E."},
                    {"email", "not-applied@example.com"},
                    {"address", {{"city", "Bergen"}, {"country_code", "NO"}}}},
                   auth);
  ASSERT_EQ(patched.status, 200) << patched.Describe();
  EXPECT_EQ(patched.json.value("displayName", ""), "Erin E.");
  EXPECT_EQ(patched.json.value("email", ""), "");  // not in the mask
  EXPECT_EQ(patched.json["address"].value("city", ""), "Bergen");
  EXPECT_EQ(patched.json["address"].value("countryCode", ""), "NO");

  // A field the mask cannot name, an empty mask, a field that fails
  // validation: nothing changes.
  EXPECT_TRUE(IsRpcStatus(rest().Patch("/v1/users/me?updateMask=username",
                                       {{"username", "mallory"}}, auth),
                          400, 3, "update_mask"));
  EXPECT_TRUE(
      IsRpcStatus(rest().Patch("/v1/users/me", {{"displayName", "X"}}, auth),
                  400, 3, "update_mask"));
  EXPECT_TRUE(IsRpcStatus(rest().Patch("/v1/users/me?updateMask=email",
                                       {{"email", "no-at-sign"}}, auth),
                          400, 3, "email"));
  // The mask names fields of the User, so the mask belongs in the query, not
  // the body.
  EXPECT_TRUE(IsRpcStatus(
      rest().Patch("/v1/users/me",
                   {{"displayName", "X"}, {"updateMask", "displayName"}}, auth),
      400, 3, "updateMask"));

  RestResponse me = rest().Get("/v1/users/me", auth);
  ASSERT_EQ(me.status, 200) << me.Describe();
  EXPECT_EQ(me.json.value("username", ""), "erin");
  EXPECT_EQ(me.json.value("displayName", ""), "Erin E.");
  EXPECT_EQ(me.json.value("email", ""), "");
}

TEST_F(BlackboxRestUsers, GetUserShowsPrivateFieldsOnlyToTheOwner) {
  RestResponse registered =
      rest().Post("/v1/users", {{"username", "frank"},
                                {"password", kPassword},
                                {"displayName", "Frank"},
                                {"email", "frank@example.com"},
                                {"address", {{"city", "Oslo"}}}});
  ASSERT_EQ(registered.status, 200) << registered.Describe();
  const std::string id = registered.json["user"].value("id", "");
  const std::string path = "/v1/users/" + id;

  // Anonymous: the public profile only.
  RestResponse anonymous = rest().Get(path);
  ASSERT_EQ(anonymous.status, 200) << anonymous.Describe();
  EXPECT_EQ(anonymous.json.value("id", ""), id);
  EXPECT_EQ(anonymous.json.value("username", ""), "frank");
  EXPECT_EQ(anonymous.json.value("displayName", ""), "Frank");
  EXPECT_TRUE(IsTimestamp(anonymous.json["createTime"])) << anonymous.body;
  EXPECT_FALSE(anonymous.json.contains("email")) << anonymous.body;
  EXPECT_FALSE(anonymous.json.contains("address")) << anonymous.body;

  // Another user: the same.
  const std::string grace = rest().SignUp("grace");
  RestResponse other = rest().Get(path, AuthHeaders(grace));
  ASSERT_EQ(other.status, 200) << other.Describe();
  EXPECT_FALSE(other.json.contains("email")) << other.body;
  EXPECT_FALSE(other.json.contains("address")) << other.body;

  // The owner: everything.
  RestResponse login = rest().Login("frank", kPassword);
  ASSERT_EQ(login.status, 200) << login.Describe();
  RestResponse owner = rest().Get(path, AuthHeaders(login.json["accessToken"]));
  ASSERT_EQ(owner.status, 200) << owner.Describe();
  EXPECT_EQ(owner.json.value("email", ""), "frank@example.com");
  EXPECT_EQ(owner.json["address"].value("city", ""), "Oslo");

  // The path variable is percent-decoded: every character escaped still
  // names the same user.
  std::string escaped = "/v1/users/";
  for (unsigned char c : id) {
    escaped += '%';
    escaped += "0123456789ABCDEF"[c >> 4];
    escaped += "0123456789ABCDEF"[c & 0xF];
  }
  RestResponse decoded = rest().Get(escaped);
  ASSERT_EQ(decoded.status, 200) << escaped << "\n" << decoded.Describe();
  EXPECT_EQ(decoded.json.value("id", ""), id);
}

TEST_F(BlackboxRestUsers, UnknownUserIdIsNotFoundFromTheServiceNotTheRouter) {
  // A routing 404 names the route it could not find...
  RestResponse unrouted = rest().Get("/v1/nothing/here");
  EXPECT_TRUE(IsRpcStatus(unrouted, 404, 5, "no route"));
  // ...a percent-encoded id is routed, decoded and looked up: the 404 is the
  // service's.
  RestResponse missing = rest().Get("/v1/users/abc%20def");
  EXPECT_TRUE(IsRpcStatus(missing, 404, 5, "user: not found"));
  EXPECT_FALSE(absl::StrContains(missing.body, "no route")) << missing.body;
  RestResponse missing_slash = rest().Get("/v1/users/abc%2Fdef");
  EXPECT_TRUE(IsRpcStatus(missing_slash, 404, 5, "user: not found"));
}

TEST_F(BlackboxRestUsers, TrailingSlashIsTheSameRoute) {
  const httplib::Headers auth = AuthHeaders(rest().SignUp("heidi"));
  RestResponse plain = rest().Get("/v1/users/me", auth);
  RestResponse slash = rest().Get("/v1/users/me/", auth);
  ASSERT_EQ(plain.status, 200) << plain.Describe();
  ASSERT_EQ(slash.status, 200) << slash.Describe();
  EXPECT_EQ(slash.json, plain.json);
  EXPECT_TRUE(IsRpcStatus(rest().Get("/v1/users/me/"), 401, 16));

  RestResponse registered = rest().Post(
      "/v1/users/", {{"username", "ivan"}, {"password", kPassword}});
  EXPECT_EQ(registered.status, 200) << registered.Describe();
}

}  // namespace
}  // namespace rentwave::blackbox
