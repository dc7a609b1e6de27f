// All SQL of the wallet module; the only code naming wallet_* tables
// (wallet_accounts, wallet_transfers, wallet_holds, wallet_requests,
// wallet_settings). Functions throw SQLiteCpp exceptions on failure, which
// Database::Write/Read turn into statuses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "modules/platform/db.h"
#include "modules/wallet/wallet.h"

namespace rentwave::wallet::store {

// The materialized state of one account.
struct Account {
  std::string id;
  bool is_system = false;
  int64_t balance_minor = 0;
  int64_t held_minor = 0;
  int64_t pending_credit_minor = 0;
};

enum class HoldState { kOpen, kPosted, kVoided };

struct Hold {
  std::string id;
  std::string account_id;
  int64_t amount_minor = 0;
  int64_t remaining_minor = 0;
  int64_t keep_minor = 0;  // 0..amount: charges never take it
  HoldState state = HoldState::kOpen;
  std::string reference;
  absl::Time created;
};

// What an idempotency record says about an earlier request.
struct Request {
  std::string fingerprint;
  std::string transfer_id;
};

// The stored settings; `fresh_key` and `currency` are stored first if there
// are none.
struct Settings {
  std::string page_token_key;
  std::string currency;
};
Settings LoadOrStoreSettings(platform::Tx& tx, const std::string& fresh_key,
                             const std::string& currency, absl::Time now);

// Creates the system accounts (kWorld, kEscrow, kFees) if missing.
void EnsureSystemAccounts(platform::Tx& tx, absl::Time now);

std::optional<Account> FindAccount(platform::Tx& tx, const std::string& id);

// Inserts `account` or overwrites its amounts.
void SaveAccount(platform::Tx& tx, const Account& account, absl::Time now);

// Appends a ledger entry (transaction.id must be new).
void InsertTransfer(platform::Tx& tx, const Transaction& transaction);

std::optional<Transaction> FindTransfer(platform::Tx& tx,
                                        const std::string& id);

// Up to `limit` entries with `account` on either side, of `kind` unless
// kUnspecified, with seq below `before_seq` if given, newest first; each
// with its seq.
struct Entry {
  int64_t seq = 0;
  Transaction transaction;
};
std::vector<Entry> ListTransfers(platform::Tx& tx, const std::string& account,
                                 Kind kind, std::optional<int64_t> before_seq,
                                 int limit);

std::optional<Request> FindRequest(platform::Tx& tx, const std::string& account,
                                   const std::string& request_id);
void InsertRequest(platform::Tx& tx, const std::string& account,
                   const std::string& request_id,
                   const std::string& fingerprint,
                   const std::string& transfer_id, absl::Time now);

std::optional<Hold> FindHold(platform::Tx& tx, const std::string& id);
void InsertHold(platform::Tx& tx, const Hold& hold);
// Stores a hold's remaining amount and state (closing it at `now` unless
// open).
void UpdateHold(platform::Tx& tx, const Hold& hold, absl::Time now);

// Every violated invariant of the ledger (see wallet::VerifyLedger).
std::vector<LedgerProblem> Verify(platform::Tx& tx);

}  // namespace rentwave::wallet::store
