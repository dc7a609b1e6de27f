// The wallet module's public API: every user's money as a double-entry
// ledger of immutable transfers (TigerBeetle's model): accounts, posted
// transfers, pending transfers (holds) that are later posted or voided, and
// idempotent payments by a client-chosen request id. The only header of this
// module other modules include.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/platform/clock.h"
#include "modules/platform/db.h"
#include "modules/platform/event_log.h"
#include "modules/platform/money.h"
#include "modules/platform/page_token.h"

namespace rentwave::wallet {

// The system accounts. Every other account id is a user id.
inline constexpr char kWorld[] = "world";    // money entering and leaving
inline constexpr char kEscrow[] = "escrow";  // the other side of holds
inline constexpr char kFees[] = "fees";      // platform commission

// Numeric values are rentwave.v1.TransactionKind's.
enum class Kind {
  kUnspecified = 0,
  kDeposit = 1,
  kWithdrawal = 2,
  kTransfer = 3,
  kHold = 4,
  kPayment = 5,
  kRelease = 6,
  kCharge = 7,
  kFee = 8,
};

struct Summary {
  std::string user_id;
  int64_t balance_minor = 0;    // posted; below zero only through charges
  int64_t held_minor = 0;       // reserved by open holds
  int64_t available_minor = 0;  // balance - held
  int64_t debt_minor = 0;       // max(0, -available)
  std::string currency;
};

// One ledger entry: `amount_minor` (> 0) moves from `debit_account` to
// `credit_account`. Holds and releases are recorded too but move nothing:
// they change the debit account's held amount (a release is written in the
// hold's direction, holder to kEscrow).
struct Transaction {
  std::string id;
  Kind kind = Kind::kUnspecified;
  std::string debit_account;
  std::string credit_account;
  int64_t amount_minor = 0;
  std::string currency;
  std::string reference;  // e.g. "rental:<id>"
  std::string memo;
  std::string request_id;  // deposits, withdrawals, transfers
  std::string hold_id;     // holds, payments, releases, charges from a hold
  absl::Time created;
  // The effect on `account`'s balance: -amount if it is the debit account,
  // +amount if the credit account, 0 for holds and releases.
  int64_t BalanceChangeFor(const std::string& account) const;
};

struct WalletOptions {
  std::string currency = "USD";
  // The most a single deposit, withdrawal, transfer, hold or charge may
  // move.
  int64_t max_amount_minor = 10'000'000;
  // Answers whether a user exists: OK, NOT_FOUND, or another error. Called
  // before a transfer (outside any transaction). Required.
  std::function<absl::Status(const std::string& user_id)> user_exists;
};

using platform::PageRequest;

struct TransactionPage {
  std::vector<Transaction> transactions;
  std::string next_page_token;  // empty on the last page
};

// A consistency problem found by VerifyLedger.
struct LedgerProblem {
  std::string account;  // "" for ledger-wide problems
  std::string what;
};

// How a hold is settled by Post.
struct Settlement {
  int64_t amount_minor = 0;    // 0..remaining of the hold; the rest released
  std::string credit_account;  // who receives amount - fee
  int64_t fee_minor = 0;       // 0..amount, to kFees
};

class Wallet {
 public:
  // Creates the system accounts if missing, and loads (or creates) the
  // page-token key. The first Open of a database fixes its currency.
  // Errors: INVALID_ARGUMENT for a bad currency or limit or a missing
  // user_exists; FAILED_PRECONDITION if the ledger is kept in another
  // currency; those of the database.
  static absl::StatusOr<std::unique_ptr<Wallet>> Open(
      platform::Database& db, platform::EventLog& events,
      const platform::Clock& clock, WalletOptions options);

  // --- Operations for the user (each its own transaction) ---

  // The user's wallet; a user who never used it has zeros. Errors: those of
  // the database.
  absl::StatusOr<Summary> Get(const std::string& user_id) const;

  // Moves `amount_minor` from kWorld to the user (wallet.deposited).
  // `request_id` makes it idempotent: a retry returns the first
  // transaction; the same id with other parameters is ALREADY_EXISTS.
  // Errors: INVALID_ARGUMENT (request_id, amount: zero, negative, over the
  // limit, wrong currency), FAILED_PRECONDITION (the balance would
  // overflow).
  absl::StatusOr<Transaction> Deposit(const std::string& user_id,
                                      const std::string& request_id,
                                      const platform::Money& amount);

  // Moves money from the user to kWorld (wallet.withdrawn). Errors: as
  // Deposit, plus FAILED_PRECONDITION if more than available or in debt.
  absl::StatusOr<Transaction> Withdraw(const std::string& user_id,
                                       const std::string& request_id,
                                       const platform::Money& amount);

  // Moves money to another user (wallet.transferred). Errors: as Withdraw,
  // plus INVALID_ARGUMENT (to self, memo over 200 characters), NOT_FOUND
  // (unknown recipient).
  absl::StatusOr<Transaction> Transfer(const std::string& user_id,
                                       const std::string& request_id,
                                       const std::string& to_user_id,
                                       const platform::Money& amount,
                                       const std::string& memo);

  // The user's transactions, newest first, optionally of one kind. Errors:
  // INVALID_ARGUMENT (page size, page token, kind).
  absl::StatusOr<TransactionPage> List(const std::string& user_id, Kind kind,
                                       const PageRequest& page) const;

  // One transaction the user is a party to. Errors: NOT_FOUND (also when
  // it is someone else's).
  absl::StatusOr<Transaction> GetTransaction(
      const std::string& user_id, const std::string& transaction_id) const;

  // --- In-process API for other modules, inside the caller's write
  // transaction, so that e.g. renting is atomic. Thread-safe as Tx is. A
  // call that fails has written nothing to `tx`: every rule is checked
  // before the first write, and a storage failure after it marks `tx`
  // broken so that it cannot commit (platform::AllOrNothing). SQLite
  // failures come back as statuses, as from Database::Write, never as
  // exceptions; a call given a read transaction fails with INTERNAL. ---

  // The user's wallet as seen inside `tx`.
  absl::StatusOr<Summary> GetInTx(platform::Tx& tx,
                                  const std::string& user_id) const;

  // Reserves `amount_minor` of the user's available money (wallet.held);
  // returns the hold id. Charges from the hold never take its last
  // `keep_minor` (0..amount): what its post is meant to pay. Errors:
  // INVALID_ARGUMENT (amount, keep, a reference over 200 characters),
  // FAILED_PRECONDITION (insufficient available funds, or in debt).
  absl::StatusOr<std::string> Hold(platform::Tx& tx, const std::string& user_id,
                                   int64_t amount_minor,
                                   const std::string& reference,
                                   int64_t keep_minor = 0);

  // Settles a hold once: moves settlement.amount_minor from the holder
  // (amount - fee to credit_account, fee to kFees) and releases the rest
  // (wallet.posted). The credit account is any user but the holder (their
  // account is created if need be) or kFees; it is not checked when nothing
  // goes to it (amount == fee). Errors: NOT_FOUND (no such hold),
  // FAILED_PRECONDITION (already posted or voided), INVALID_ARGUMENT
  // (empty hold id, amounts, unusable account).
  absl::Status Post(platform::Tx& tx, const std::string& hold_id,
                    const Settlement& settlement);

  // Releases what remains of a hold, once (wallet.voided). Errors:
  // NOT_FOUND, FAILED_PRECONDITION (already posted or voided).
  absl::Status Void(platform::Tx& tx, const std::string& hold_id);

  // Charges the user `amount_minor` for `credit_account` (wallet.charged):
  // first from what remains of `from_hold` above its keep (if given; the
  // hold stays open with less in it), the rest from the balance, even below
  // zero (debt). Either way it is one CHARGE entry from the user for the whole
  // amount. Errors: INVALID_ARGUMENT (amount, account, reference), NOT_FOUND
  // (hold), FAILED_PRECONDITION (hold closed or another user's).
  absl::StatusOr<Transaction> Charge(
      platform::Tx& tx, const std::string& user_id, int64_t amount_minor,
      const std::string& credit_account, const std::string& reference,
      const std::optional<std::string>& from_hold);

  const std::string& currency() const { return options_.currency; }

  // All methods are thread-safe.

 private:
  Wallet(platform::Database& db, platform::EventLog& events,
         const platform::Clock& clock, WalletOptions options,
         std::string token_key);

  // Runs `make` in a write transaction unless `user_id` already used
  // `request_id`: then returns the transaction made the first time if
  // `fingerprint` (of the request's parameters) matches, ALREADY_EXISTS if
  // not. Records the request with the transaction `make` returns.
  absl::StatusOr<Transaction> Idempotent(
      const std::string& user_id, const std::string& request_id,
      const std::string& fingerprint,
      absl::FunctionRef<absl::StatusOr<Transaction>(platform::Tx&, absl::Time)>
          make);

  // The in-process operations without their input checks and AllOrNothing.
  absl::StatusOr<std::string> DoHold(platform::Tx& tx,
                                     const std::string& user_id,
                                     int64_t amount_minor,
                                     const std::string& reference,
                                     int64_t keep_minor);
  absl::Status DoPost(platform::Tx& tx, const std::string& hold_id,
                      const Settlement& settlement);
  absl::Status DoVoid(platform::Tx& tx, const std::string& hold_id);
  absl::StatusOr<Transaction> DoCharge(
      platform::Tx& tx, const std::string& user_id, int64_t amount_minor,
      const std::string& credit_account, const std::string& reference,
      const std::optional<std::string>& from_hold);

  platform::Database& db_;
  platform::EventLog& events_;
  const platform::Clock& clock_;
  const WalletOptions options_;
  const platform::PageTokenCodec tokens_;
};

// Checks the ledger's invariants on `db`, in one read snapshot: every
// balance equals the sum of its posted transfers and all balances sum to
// zero; every entry has its kind's shape (e.g. only deposits and
// withdrawals touch kWorld, nothing posted touches kEscrow); replayed in
// order, no withdrawal, transfer or hold spent more than was available,
// and every hold was reserved once, settled at most once and for exactly
// what it had left, its stored remaining amount and state agreeing with
// its entries; every held amount is the sum of its open holds and escrow's
// pending credits their total; no user is below zero available without a
// charge; every deposit, withdrawal and transfer is the one entry recorded
// for its request id; one currency. An empty ledger (the wallet never
// opened the database) is consistent. Returns the problems (none:
// consistent). Errors: those of the database.
absl::StatusOr<std::vector<LedgerProblem>> VerifyLedger(platform::Database& db);

}  // namespace rentwave::wallet
