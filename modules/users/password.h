// Password hashing: Argon2id via libsodium, salted, in the PHC string format.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rentwave::users {

// How expensive a hash is. kInteractive (64 MiB, 2 passes) is libsodium's
// recommendation for online logins; kMinimum exists for tests only.
enum class PasswordCost { kMinimum, kInteractive, kModerate };

// Parses "minimum", "interactive" or "moderate". Errors: INVALID_ARGUMENT.
absl::StatusOr<PasswordCost> ParsePasswordCost(absl::string_view name);

// Hashes a password with a fresh random salt. Errors: INTERNAL if libsodium
// runs out of memory. Thread-safe; takes tens of milliseconds by design.
absl::StatusOr<std::string> HashPassword(absl::string_view password,
                                         PasswordCost cost);

// True if `password` matches `hash` (constant time in the password).
// Thread-safe.
bool VerifyPassword(absl::string_view hash, absl::string_view password);

}  // namespace rentwave::users
