// Credentials and tokens the server must refuse, each with UNAUTHENTICATED.
#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "modules/users/tokens.h"
#include "tests/blackbox/server_process.h"
#include "tests/blackbox/users_client.h"

namespace rentwave::blackbox {
namespace {

class BlackboxBadAuth : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok()) << server_.StderrText();
    client_ = std::make_unique<UsersClient>(server_.NewChannel());
    token_ = client_->SignUp("grace", &user_id_);
    ASSERT_FALSE(token_.empty());
  }

  // A token for grace signed with the server's secret.
  std::string Forge(absl::Time issued, absl::Time expires,
                    const std::string& secret = kTokenSecret) {
    users::TokenClaims claims{user_id_, "forged-" + std::to_string(++forged_),
                              issued, expires};
    return users::TokenCodec(secret).Sign(claims);
  }

  ServerProcess server_;
  std::unique_ptr<UsersClient> client_;
  std::string token_;
  std::string user_id_;
  int forged_ = 0;
};

TEST_F(BlackboxBadAuth, WrongPasswordAndUnknownUser) {
  EXPECT_CODE(client_->Login("grace", "wrong password"), UNAUTHENTICATED);
  EXPECT_CODE(client_->Login("grace", ""), UNAUTHENTICATED);
  EXPECT_CODE(client_->Login("nobody", kPassword), UNAUTHENTICATED);
  EXPECT_CODE(client_->Login("not a name", kPassword), UNAUTHENTICATED);
  EXPECT_CODE(client_->Login("GRACE", kPassword), OK);
}

TEST_F(BlackboxBadAuth, MissingOrMalformedAuthorization) {
  std::string tampered = token_;
  // A character in the middle of the signature: it carries 6 whole bits, so
  // the decoded signature changes (the last character may be padding bits).
  size_t i = tampered.rfind('.') + 10;
  ASSERT_LT(i, tampered.size());
  tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
  std::string tampered_payload = token_;
  size_t j = tampered_payload.find('.') + 5;
  tampered_payload[j] = tampered_payload[j] == 'A' ? 'B' : 'A';

  const std::pair<const char*, std::string> cases[] = {
      {"no header", ""},
      {"garbage token", "Bearer garbage"},
      {"garbage JWT", "Bearer a.b.c"},
      {"Bearer without token", "Bearer"},
      {"Bearer and space", "Bearer  "},
      {"wrong scheme", "Basic x"},
      {"wrong scheme, valid token", "Basic " + token_},
      {"token without scheme", token_},
      {"tampered signature", Bearer(tampered)},
      {"tampered payload", Bearer(tampered_payload)},
      {"signature stripped", Bearer(token_.substr(0, token_.rfind('.') + 1))},
  };
  for (const auto& [what, auth] : cases) {
    SCOPED_TRACE(what);
    EXPECT_CODE(client_->GetMe(auth), UNAUTHENTICATED);
    EXPECT_CODE(client_->Logout(auth), UNAUTHENTICATED);
  }
  // The scheme is case-insensitive (RFC 7235) and the real token still works.
  EXPECT_CODE(client_->GetMe("bearer " + token_), OK);
  EXPECT_CODE(client_->GetMe(Bearer(token_)), OK);
}

TEST_F(BlackboxBadAuth, BadAuthorizationFailsEvenOnPublicMethods) {
  // A public method ignores a missing token but not a bad one.
  EXPECT_CODE(client_->GetUser("", user_id_), OK);
  EXPECT_CODE(client_->GetUser("Bearer garbage", user_id_), UNAUTHENTICATED);
}

TEST_F(BlackboxBadAuth, ForgedTokens) {
  absl::Time now = absl::Now();
  // The forging itself is right: a current token is accepted...
  EXPECT_CODE(client_->GetMe(Bearer(Forge(now, now + absl::Minutes(5)))), OK);
  // ...an expired one is not...
  EXPECT_CODE(
      client_->GetMe(Bearer(Forge(now - absl::Hours(2), now - absl::Hours(1)))),
      UNAUTHENTICATED);
  EXPECT_CODE(client_->GetMe(Bearer(
                  Forge(now - absl::Minutes(10), now - absl::Seconds(5)))),
              UNAUTHENTICATED);
  // ...nor one signed with another secret.
  EXPECT_CODE(
      client_->GetMe(Bearer(Forge(now, now + absl::Minutes(5),
                                  "another-secret-0123456789abcdef012345"))),
      UNAUTHENTICATED);
}

TEST_F(BlackboxBadAuth, RepeatedFailedLoginsAreThrottled) {
  for (int i = 0; i < 5; ++i) {
    SCOPED_TRACE(i);
    EXPECT_CODE(client_->Login("grace", "wrong password"), UNAUTHENTICATED);
  }
  // Blocked now, even with the right password and in another case.
  EXPECT_CODE(client_->Login("grace", "wrong password"), RESOURCE_EXHAUSTED);
  EXPECT_CODE(client_->Login("grace", kPassword), RESOURCE_EXHAUSTED);
  EXPECT_CODE(client_->Login("Grace", kPassword), RESOURCE_EXHAUSTED);
  // Per username: others log in; existing tokens keep working.
  client_->SignUp("heidi");
  EXPECT_CODE(client_->GetMe(Bearer(token_)), OK);
}

}  // namespace
}  // namespace rentwave::blackbox
