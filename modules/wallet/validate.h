// Input rules of the wallet. Every error is INVALID_ARGUMENT naming the
// field (request_id, amount.amount_minor, amount.currency, memo, ...).
// Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "modules/platform/money.h"
#include "modules/wallet/wallet.h"

namespace rentwave::wallet {

// INVALID_ARGUMENT "<field>: <why>".
absl::Status Invalid(absl::string_view field, absl::string_view why);

// Whether `id` is kWorld, kEscrow or kFees.
bool IsSystemAccount(absl::string_view id);

// Whether `s` is 1-64 characters of [A-Za-z0-9_-], the form of request ids
// and account ids.
bool IsToken(absl::string_view s);

// A client's idempotency key: required, IsToken.
absl::Status ValidateRequestId(const std::string& request_id);

// 1 to `max`.
absl::Status ValidateAmount(int64_t amount, int64_t max,
                            absl::string_view field);

// A request's amount: ValidateAmount against the options' limit, in the
// options' currency (amount.amount_minor, amount.currency).
absl::Status ValidateMoney(const platform::Money& money,
                           const WalletOptions& options);

// The user a user operation acts for: an id, never a system account (user_id).
absl::Status ValidateUserId(const std::string& user_id);

// Who may receive a payment or charge: a user other than `payer`, or kFees
// (never kWorld or kEscrow).
absl::Status ValidateCreditAccount(const std::string& account,
                                   const std::string& payer,
                                   absl::string_view field);

// Free text on one line: valid UTF-8, no control characters, at most
// `max_chars` code points.
absl::Status ValidateText(const std::string& text, size_t max_chars,
                          absl::string_view field);

// The page size to use: 20 for 0, else 1-100 (page_size).
absl::StatusOr<int> ResolvePageSize(int page_size);

}  // namespace rentwave::wallet
