// Field rules for accounts. Every error is INVALID_ARGUMENT naming the field.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rentwave::users {

struct Address;

// Folds upper case to lower case and checks 3-32 characters of a-z 0-9 _ . -.
absl::StatusOr<std::string> NormalizeUsername(absl::string_view username);

// 8-128 characters of valid UTF-8.
absl::Status ValidatePassword(absl::string_view password);

// 1-100 characters of valid UTF-8, no control characters, not blank.
absl::Status ValidateDisplayName(absl::string_view display_name);

// Empty (none) or a plausible address: one '@', non-empty local part, a dot
// in the domain, at most 254 bytes, no spaces or control characters.
absl::Status ValidateEmail(absl::string_view email);

// Each line at most 200 characters of UTF-8 without control characters;
// country_code empty or two upper-case letters.
absl::Status ValidateAddress(const Address& address);

}  // namespace rentwave::users
