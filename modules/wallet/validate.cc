#include "modules/wallet/validate.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "modules/platform/status.h"
#include "modules/platform/text.h"

namespace rentwave::wallet {
namespace {

constexpr size_t kMaxIdChars = 64;
constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;

}  // namespace

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

bool IsSystemAccount(absl::string_view id) {
  return id == kWorld || id == kEscrow || id == kFees;
}

bool IsToken(absl::string_view s) {
  if (s.empty() || s.size() > kMaxIdChars) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

absl::Status ValidateRequestId(const std::string& request_id) {
  if (request_id.empty()) return Invalid("request_id", "required");
  if (!IsToken(request_id)) {
    return Invalid("request_id", "1-64 characters of A-Z, a-z, 0-9, _ and -");
  }
  return absl::OkStatus();
}

absl::Status ValidateAmount(int64_t amount, int64_t max,
                            absl::string_view field) {
  if (amount <= 0) {
    return Invalid(field, absl::StrCat("must be positive, not ", amount));
  }
  if (amount > max) {
    return Invalid(field, absl::StrCat("at most ", max, " per operation"));
  }
  return absl::OkStatus();
}

absl::Status ValidateMoney(const platform::Money& money,
                           const WalletOptions& options) {
  RW_RETURN_IF_ERROR(ValidateAmount(
      money.amount_minor, options.max_amount_minor, "amount.amount_minor"));
  if (money.currency != options.currency) {
    return Invalid("amount.currency",
                   absl::StrCat("must be ", options.currency));
  }
  return absl::OkStatus();
}

// Ids come from authentication or from other modules, never from a
// client's request body; still, a system account here would let someone
// spend the world's money, so it is refused outright.
absl::Status ValidateUserId(const std::string& user_id) {
  if (!IsToken(user_id) || IsSystemAccount(user_id)) {
    return Invalid("user_id", "not a user id");
  }
  return absl::OkStatus();
}

absl::Status ValidateCreditAccount(const std::string& account,
                                   const std::string& payer,
                                   absl::string_view field) {
  if (account.empty()) return Invalid(field, "required");
  if (!IsToken(account)) return Invalid(field, "not an account id");
  if (account == kWorld || account == kEscrow) {
    return Invalid(field, absl::StrCat("cannot be ", account));
  }
  if (account == payer) return Invalid(field, "cannot be the payer");
  return absl::OkStatus();
}

absl::Status ValidateText(const std::string& text, size_t max_chars,
                          absl::string_view field) {
  if (!platform::IsValidUtf8(text)) return Invalid(field, "not valid UTF-8");
  if (platform::HasControlChars(text)) {
    return Invalid(field, "must not contain control characters");
  }
  if (platform::Utf8Length(text) > max_chars) {
    return Invalid(field, absl::StrCat("at most ", max_chars, " characters"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> ResolvePageSize(int page_size) {
  if (page_size == 0) return kDefaultPageSize;
  if (page_size < 1 || page_size > kMaxPageSize) {
    return Invalid("page_size",
                   absl::StrCat("must be 1-", kMaxPageSize, " (0 means ",
                                kDefaultPageSize, "), not ", page_size));
  }
  return page_size;
}

}  // namespace rentwave::wallet
