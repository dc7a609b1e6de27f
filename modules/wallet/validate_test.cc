// Tests for the wallet's input rules.
#include "modules/wallet/validate.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/strings/match.h"

namespace rentwave::wallet {
namespace {

TEST(ValidateTest, TokensAreShortPlainIdentifiers) {
  EXPECT_TRUE(IsToken("a"));
  EXPECT_TRUE(IsToken("01HZX3Y4Z5-retry_2"));
  EXPECT_TRUE(IsToken(std::string(64, 'x')));
  EXPECT_FALSE(IsToken(""));
  EXPECT_FALSE(IsToken(std::string(65, 'x')));
  for (const char* bad : {"a b", "a.b", "a/b", "a\nb", "caf\xc3\xa9", "a:b"}) {
    EXPECT_FALSE(IsToken(bad)) << bad;
  }
}

TEST(ValidateTest, SystemAccountsAreNeitherUsersNorPayees) {
  for (const char* system : {kWorld, kEscrow, kFees}) {
    EXPECT_TRUE(IsSystemAccount(system));
    EXPECT_FALSE(ValidateUserId(system).ok()) << system;
  }
  EXPECT_FALSE(IsSystemAccount("World"));
  EXPECT_TRUE(ValidateUserId("01ALICE").ok());
  EXPECT_TRUE(ValidateCreditAccount(kFees, "01ALICE", "to").ok());
  EXPECT_TRUE(ValidateCreditAccount("01BOB", "01ALICE", "to").ok());
  for (const char* bad : {kWorld, kEscrow, "01ALICE", "", "no way"}) {
    absl::Status s = ValidateCreditAccount(bad, "01ALICE", "to");
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(absl::StartsWith(s.message(), "to: ")) << s;
  }
}

TEST(ValidateTest, AmountsArePositiveAndWithinTheLimit) {
  EXPECT_TRUE(ValidateAmount(1, 10, "a").ok());
  EXPECT_TRUE(ValidateAmount(10, 10, "a").ok());
  EXPECT_FALSE(ValidateAmount(11, 10, "a").ok());
  EXPECT_FALSE(ValidateAmount(0, 10, "a").ok());
  EXPECT_FALSE(ValidateAmount(-1, 10, "a").ok());
  WalletOptions options;
  options.currency = "EUR";
  options.max_amount_minor = 100;
  EXPECT_TRUE(ValidateMoney({100, "EUR"}, options).ok());
  EXPECT_TRUE(absl::StartsWith(ValidateMoney({100, "USD"}, options).message(),
                               "amount.currency: "));
  EXPECT_TRUE(absl::StartsWith(ValidateMoney({101, "EUR"}, options).message(),
                               "amount.amount_minor: "));
}

TEST(ValidateTest, TextIsOneLineOfValidUtf8WithinItsLength) {
  EXPECT_TRUE(ValidateText("", 3, "memo").ok());
  EXPECT_TRUE(ValidateText("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", 3, "memo")
                  .ok());  // three code points, nine bytes
  EXPECT_FALSE(ValidateText("abcd", 3, "memo").ok());
  EXPECT_FALSE(ValidateText("a\tb", 3, "memo").ok());
  EXPECT_FALSE(ValidateText("\x7f", 3, "memo").ok());
  EXPECT_FALSE(ValidateText("\xc3", 3, "memo").ok());          // truncated
  EXPECT_FALSE(ValidateText("\xc0\xaf", 3, "memo").ok());      // overlong
  EXPECT_FALSE(ValidateText("\xed\xa0\x80", 3, "memo").ok());  // surrogate
}

TEST(ValidateTest, PageSizes) {
  EXPECT_EQ(*ResolvePageSize(0), 20);
  EXPECT_EQ(*ResolvePageSize(1), 1);
  EXPECT_EQ(*ResolvePageSize(100), 100);
  EXPECT_FALSE(ResolvePageSize(101).ok());
  EXPECT_FALSE(ResolvePageSize(-1).ok());
  EXPECT_TRUE(
      absl::StartsWith(ResolvePageSize(-1).status().message(), "page_size: "));
}

}  // namespace
}  // namespace rentwave::wallet
