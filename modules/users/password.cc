#include "modules/users/password.h"

#include <sodium.h>

#include "absl/strings/str_cat.h"
#include "modules/platform/random.h"

namespace rentwave::users {

absl::StatusOr<PasswordCost> ParsePasswordCost(absl::string_view name) {
  if (name == "minimum") return PasswordCost::kMinimum;
  if (name == "interactive") return PasswordCost::kInteractive;
  if (name == "moderate") return PasswordCost::kModerate;
  return absl::InvalidArgumentError(absl::StrCat(
      "password cost: '", name, "' is not minimum, interactive or moderate"));
}

absl::StatusOr<std::string> HashPassword(absl::string_view password,
                                         PasswordCost cost) {
  platform::EnsureSodium();
  unsigned long long ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
  size_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
  if (cost == PasswordCost::kMinimum) {
    ops = crypto_pwhash_OPSLIMIT_MIN;
    mem = crypto_pwhash_MEMLIMIT_MIN;
  } else if (cost == PasswordCost::kModerate) {
    ops = crypto_pwhash_OPSLIMIT_MODERATE;
    mem = crypto_pwhash_MEMLIMIT_MODERATE;
  }
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), ops, mem,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::InternalError("password hashing ran out of memory");
  }
  return std::string(out);
}

bool VerifyPassword(absl::string_view hash, absl::string_view password) {
  platform::EnsureSodium();
  std::string terminated(hash);  // libsodium wants a C string
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(),
                                  password.size()) == 0;
}

}  // namespace rentwave::users
