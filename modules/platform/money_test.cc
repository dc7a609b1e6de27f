// Tests for money helpers: currency codes and amounts for people.
#include "modules/platform/money.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace rentwave::platform {
namespace {

TEST(MoneyTest, FormatsWithTheCurrencysDecimals) {
  EXPECT_EQ(FormatMoney(500, "USD"), "5.00 USD");
  EXPECT_EQ(FormatMoney(7, "EUR"), "0.07 EUR");
  EXPECT_EQ(FormatMoney(0, "USD"), "0.00 USD");
  EXPECT_EQ(FormatMoney(-1250, "USD"), "-12.50 USD");
  EXPECT_EQ(FormatMoney(1500, "JPY"), "1500 JPY");
  EXPECT_EQ(FormatMoney(12345, "KWD"), "12.345 KWD");
  EXPECT_EQ(FormatMoney(5, "KWD"), "0.005 KWD");
  EXPECT_EQ(FormatMoney(std::numeric_limits<int64_t>::min(), "JPY"),
            "-9223372036854775808 JPY");
}

TEST(MoneyTest, CurrencyCodesAreThreeUpperCaseLetters) {
  EXPECT_TRUE(ValidateCurrency("USD", "currency").ok());
  for (const char* bad : {"usd", "US", "USDX", "U$D", ""}) {
    EXPECT_EQ(ValidateCurrency(bad, "price.currency").code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

}  // namespace
}  // namespace rentwave::platform
