// Rejected registrations and profile updates: exact codes, nothing written.
#include <gtest/gtest.h>

#include <future>
#include <string>
#include <vector>

#include "tests/blackbox/db_inspect.h"
#include "tests/blackbox/server_process.h"
#include "tests/blackbox/users_client.h"

namespace rentwave::blackbox {
namespace {

class BlackboxBadRegistration : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok()) << server_.StderrText();
    client_ = std::make_unique<UsersClient>(server_.NewChannel());
  }

  // Stops the server and counts rows in the tables a registration writes.
  void ExpectRowsAfterStop(int64_t accounts, int64_t events) {
    client_.reset();  // see ServerProcess::Stop
    ASSERT_EQ(server_.Stop(SIGTERM), 0) << server_.StderrText();
    EXPECT_EQ(CountRows(server_.db_path(), "users_accounts"), accounts);
    EXPECT_EQ(CountRows(server_.db_path(), "events"), events);
  }

  ServerProcess server_;
  std::unique_ptr<UsersClient> client_;
};

TEST_F(BlackboxBadRegistration, BadUsernamesAndPasswordsAreRejected) {
  struct Case {
    std::string what, username, password, field;
  };
  const Case cases[] = {
      {"empty username", "", kPassword, "username"},
      {"too short username", "ab", kPassword, "username"},
      {"33-character username", std::string(33, 'a'), kPassword, "username"},
      {"username with a space", "bad name", kPassword, "username"},
      {"username with @", "bad@name", kPassword, "username"},
      {"non-ASCII username", "b\xc3\xa4r", kPassword, "username"},
      {"7-character password", "shortpw", "1234567", "password"},
      {"empty password", "emptypw", "", "password"},
      {"129-character password", "longpw", std::string(129, 'p'), "password"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    grpc::Status status = client_->Register(c.username, c.password);
    EXPECT_CODE(status, INVALID_ARGUMENT);
    // The message names the field.
    EXPECT_EQ(status.error_message().rfind(c.field, 0), 0u)
        << status.error_message();
    // Nothing was created that could log in.
    EXPECT_CODE(client_->Login(c.username, c.password), UNAUTHENTICATED);
  }
  ExpectRowsAfterStop(0, 0);
}

TEST_F(BlackboxBadRegistration, LimitsAreInclusive) {
  EXPECT_CODE(client_->Register(std::string(32, 'a'), kPassword), OK);
  EXPECT_CODE(client_->Register("abc", "12345678"), OK);
  EXPECT_CODE(client_->Register("a_b.c-9", std::string(128, 'p')), OK);
  ExpectRowsAfterStop(3, 3);
}

TEST_F(BlackboxBadRegistration, ConcurrentDuplicatesCreateOneAccount) {
  constexpr int kClients = 8;
  std::vector<std::future<grpc::Status>> calls;
  for (int i = 0; i < kClients; ++i) {
    calls.push_back(std::async(std::launch::async, [this, i] {
      // Different cases and passwords: exactly one of them wins.
      return client_->Register(i % 2 == 0 ? "oscar" : "OSCAR",
                               std::string(kPassword) + std::to_string(i));
    }));
  }
  int ok = 0;
  for (auto& call : calls) {
    grpc::Status status = call.get();
    if (status.ok()) {
      ++ok;
    } else {
      EXPECT_CODE(status, ALREADY_EXISTS);
    }
  }
  EXPECT_EQ(ok, 1);
  ExpectRowsAfterStop(1, 1);
}

TEST_F(BlackboxBadRegistration, BadProfileFieldsAreRejected) {
  v1::RegisterRequest r;
  r.set_username("dave");
  r.set_password(kPassword);
  r.set_email("not-an-email");
  EXPECT_CODE(client_->Register(r), INVALID_ARGUMENT);
  r.set_email("");
  r.set_display_name(std::string(101, 'd'));
  EXPECT_CODE(client_->Register(r), INVALID_ARGUMENT);
  r.clear_display_name();
  r.mutable_address()->set_country_code("usa");
  EXPECT_CODE(client_->Register(r), INVALID_ARGUMENT);
  EXPECT_CODE(client_->Login("dave", kPassword), UNAUTHENTICATED);
  ExpectRowsAfterStop(0, 0);
}

TEST_F(BlackboxBadRegistration, DuplicateUsernameInAnyCase) {
  v1::RegisterResponse first;
  ASSERT_CODE(client_->Register("Erin", kPassword, &first), OK);
  EXPECT_CODE(client_->Register("erin", "another password"), ALREADY_EXISTS);
  EXPECT_CODE(client_->Register("ERIN", "another password"), ALREADY_EXISTS);
  // The first account is intact: its password still works, the other not.
  v1::LoginResponse login;
  EXPECT_CODE(client_->Login("erin", kPassword, &login), OK);
  EXPECT_EQ(login.user_id(), first.user().id());
  EXPECT_CODE(client_->Login("erin", "another password"), UNAUTHENTICATED);
  ExpectRowsAfterStop(1, 1);
}

TEST_F(BlackboxBadRegistration, BadUpdatesChangeNothing) {
  const std::string auth = Bearer(client_->SignUp("frank"));
  v1::User before;
  ASSERT_CODE(client_->GetMe(auth, &before), OK);

  v1::UpdateMeRequest unknown;
  unknown.mutable_user()->set_display_name("Changed");
  unknown.mutable_update_mask()->add_paths("display_name");
  unknown.mutable_update_mask()->add_paths("username");
  EXPECT_CODE(client_->UpdateMe(auth, unknown), INVALID_ARGUMENT);

  v1::UpdateMeRequest empty_mask;
  empty_mask.mutable_user()->set_display_name("Changed");
  EXPECT_CODE(client_->UpdateMe(auth, empty_mask), INVALID_ARGUMENT);

  v1::UpdateMeRequest bad_email;
  bad_email.mutable_user()->set_display_name("Changed");
  bad_email.mutable_user()->set_email("frank at example");
  bad_email.mutable_update_mask()->add_paths("display_name");
  bad_email.mutable_update_mask()->add_paths("email");
  EXPECT_CODE(client_->UpdateMe(auth, bad_email), INVALID_ARGUMENT);

  v1::UpdateMeRequest blank_name;
  blank_name.mutable_user()->set_display_name("   ");
  blank_name.mutable_update_mask()->add_paths("display_name");
  EXPECT_CODE(client_->UpdateMe(auth, blank_name), INVALID_ARGUMENT);

  v1::User after;
  ASSERT_CODE(client_->GetMe(auth, &after), OK);
  EXPECT_EQ(after.SerializeAsString(), before.SerializeAsString());
  ExpectRowsAfterStop(1, 1);  // only user.registered, no user.updated
}

}  // namespace
}  // namespace rentwave::blackbox
