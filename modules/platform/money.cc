#include "modules/platform/money.h"

#include "absl/strings/str_cat.h"

namespace rentwave::platform {

absl::Status ValidateCurrency(absl::string_view code, absl::string_view field) {
  bool ok = code.size() == 3;
  for (char c : code) ok = ok && c >= 'A' && c <= 'Z';
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      field, ": an ISO 4217 code of three upper-case letters, e.g. \"USD\""));
}

}  // namespace rentwave::platform
