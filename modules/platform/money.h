// Money: integer minor units and an ISO 4217 currency code. Never a float.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace rentwave::platform {

struct Money {
  int64_t amount_minor = 0;
  std::string currency;  // three upper-case letters, e.g. "USD"
  bool operator==(const Money&) const = default;
};

// The largest amount any single price, fee or deposit may have (one million
// major units of a two-decimal currency); far below int64 overflow even when
// multiplied by a year of minutes.
inline constexpr int64_t kMaxAmountMinor = 100'000'000;

// OK if `code` is three upper-case ASCII letters. Errors: INVALID_ARGUMENT
// naming `field`.
absl::Status ValidateCurrency(absl::string_view code, absl::string_view field);

// An amount for people: "5.00 USD", "-12.5 KWD"... with the currency's
// ISO 4217 number of decimals (0 for JPY, 3 for KWD, 2 for most).
std::string FormatMoney(int64_t amount_minor, absl::string_view currency);

}  // namespace rentwave::platform
