// A user's whole journey against the real binary, across a restart.
#include <gtest/gtest.h>

#include "tests/blackbox/server_process.h"
#include "tests/blackbox/users_client.h"

namespace rentwave::blackbox {
namespace {

v1::RegisterRequest FullRegistration(const std::string& username) {
  v1::RegisterRequest r;
  r.set_username(username);
  r.set_password(kPassword);
  r.set_display_name("Alice A.");
  r.set_email("alice@example.com");
  r.mutable_address()->set_line1("1 Main St");
  r.mutable_address()->set_city("Springfield");
  r.mutable_address()->set_country_code("US");
  return r;
}

TEST(BlackboxLifecycle, RegisterLoginProfileLogout) {
  ServerProcess server;
  ASSERT_TRUE(server.Start().ok()) << server.StderrText();
  UsersClient client(server.NewChannel());

  v1::RegisterResponse registered;
  ASSERT_CODE(client.Register(FullRegistration("Alice"), &registered), OK);
  EXPECT_EQ(registered.user().username(), "alice");  // folded to lower case
  EXPECT_FALSE(registered.user().id().empty());

  v1::LoginResponse login;
  ASSERT_CODE(client.Login("ALICE", kPassword, &login), OK);
  EXPECT_EQ(login.user_id(), registered.user().id());
  ASSERT_FALSE(login.access_token().empty());
  const std::string auth = Bearer(login.access_token());

  v1::User me;
  ASSERT_CODE(client.GetMe(auth, &me), OK);
  EXPECT_EQ(me.display_name(), "Alice A.");
  EXPECT_EQ(me.email(), "alice@example.com");
  EXPECT_EQ(me.address().city(), "Springfield");

  v1::UpdateMeRequest update;
  update.mutable_user()->set_display_name("Alice B.");
  update.mutable_user()->set_email("alice@example.org");
  update.mutable_user()->mutable_address()->set_city("Not applied");
  update.mutable_update_mask()->add_paths("display_name");
  update.mutable_update_mask()->add_paths("email");
  v1::User updated;
  ASSERT_CODE(client.UpdateMe(auth, update, &updated), OK);
  EXPECT_EQ(updated.display_name(), "Alice B.");
  ASSERT_CODE(client.GetMe(auth, &me), OK);
  EXPECT_EQ(me.display_name(), "Alice B.");
  EXPECT_EQ(me.email(), "alice@example.org");
  EXPECT_EQ(me.address().city(), "Springfield");  // not in the mask

  ASSERT_CODE(client.Logout(auth), OK);
  EXPECT_CODE(client.GetMe(auth), UNAUTHENTICATED);
  EXPECT_CODE(client.Logout(auth), UNAUTHENTICATED);
  // Other sessions are unaffected.
  ASSERT_CODE(client.Login("alice", kPassword, &login), OK);
  EXPECT_CODE(client.GetMe(Bearer(login.access_token())), OK);
  // One access-log line per call.
  EXPECT_TRUE(server.WaitForStderr("rpc /rentwave.v1.Users/Logout code=OK"))
      << server.StderrText();
}

TEST(BlackboxLifecycle, GetUserShowsPrivateFieldsOnlyToTheOwner) {
  ServerProcess server;
  ASSERT_TRUE(server.Start().ok()) << server.StderrText();
  UsersClient client(server.NewChannel());
  v1::RegisterResponse alice;
  ASSERT_CODE(client.Register(FullRegistration("alice"), &alice), OK);
  const std::string alice_id = alice.user().id();
  v1::LoginResponse login;
  ASSERT_CODE(client.Login("alice", kPassword, &login), OK);
  const std::string alice_auth = Bearer(login.access_token());
  const std::string bob_auth = Bearer(client.SignUp("bob"));

  for (const std::string& auth : {std::string(), bob_auth}) {
    SCOPED_TRACE(auth.empty() ? "anonymous" : "another user");
    v1::User seen;
    ASSERT_CODE(client.GetUser(auth, alice_id, &seen), OK);
    EXPECT_EQ(seen.id(), alice_id);
    EXPECT_EQ(seen.username(), "alice");
    EXPECT_EQ(seen.display_name(), "Alice A.");
    EXPECT_EQ(seen.email(), "");
    EXPECT_FALSE(seen.has_address());
  }
  v1::User self;
  ASSERT_CODE(client.GetUser(alice_auth, alice_id, &self), OK);
  EXPECT_EQ(self.email(), "alice@example.com");
  EXPECT_EQ(self.address().line1(), "1 Main St");

  EXPECT_CODE(client.GetUser("", "no-such-user"), NOT_FOUND);
  EXPECT_CODE(client.GetUser("", ""), INVALID_ARGUMENT);
}

// Without --token-secret the server generates one and keeps it in the
// database, so tokens (and revocations) survive a restart.
TEST(BlackboxLifecycle, RestartKeepsAccountsTokensAndRevocations) {
  ServerProcess server(ServerOptions().WithTokenSecret(""));
  ASSERT_TRUE(server.Start().ok()) << server.StderrText();
  std::string kept, revoked;
  {
    UsersClient client(server.NewChannel());
    kept = client.SignUp("carol");
    v1::LoginResponse login;
    ASSERT_CODE(client.Login("carol", kPassword, &login), OK);
    revoked = login.access_token();
    ASSERT_CODE(client.Logout(Bearer(revoked)), OK);
  }
  EXPECT_EQ(server.Stop(SIGTERM), 0) << server.StderrText();
  EXPECT_NE(server.StderrText().find("shut down cleanly"), std::string::npos)
      << server.StderrText();

  ASSERT_TRUE(server.Start().ok()) << server.StderrText();
  UsersClient client(server.NewChannel());
  EXPECT_CODE(client.Login("carol", kPassword), OK);
  v1::User me;
  EXPECT_CODE(client.GetMe(Bearer(kept), &me), OK);
  EXPECT_EQ(me.username(), "carol");
  EXPECT_CODE(client.GetMe(Bearer(revoked)), UNAUTHENTICATED);
  EXPECT_CODE(client.Register("Carol", kPassword), ALREADY_EXISTS);
}

}  // namespace
}  // namespace rentwave::blackbox
