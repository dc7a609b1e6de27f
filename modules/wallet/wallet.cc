#include "modules/wallet/wallet.h"

#include <SQLiteCpp/Database.h>
#include <sodium.h>

#include <algorithm>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>

#include "absl/strings/str_cat.h"
#include "modules/platform/json_object.h"
#include "modules/platform/money.h"
#include "modules/platform/random.h"
#include "modules/platform/status.h"
#include "modules/wallet/validate.h"
#include "modules/wallet/wallet_store.h"

namespace rentwave::wallet {
namespace {

using platform::Tx;

constexpr size_t kTokenKeyBytes = 32;
constexpr size_t kMaxMemoChars = 200;
constexpr size_t kMaxReferenceChars = 200;
// The one sort order of transaction pages (PageCursor::order).
constexpr int kNewestFirst = 0;

// A request's parameters in a fixed-size form: the idempotency record keeps
// this, so a retry can be told from a reuse of its id for something else.
std::string Fingerprint(const nlohmann::json& parameters) {
  const std::string canonical = parameters.dump();
  std::string hash(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(hash.data()),
                     reinterpret_cast<const unsigned char*>(canonical.data()),
                     canonical.size());
  return hash;
}

absl::Status Overflow() {
  return absl::FailedPreconditionError(
      "wallet: the amount would overflow an account's balance");
}

Summary Summarize(const std::string& user_id,
                  const std::optional<store::Account>& account,
                  const std::string& currency) {
  Summary s;
  s.user_id = user_id;
  s.currency = currency;
  if (!account) return s;
  s.balance_minor = account->balance_minor;
  s.held_minor = account->held_minor;
  // Both are far from the limits in any ledger that passes validation;
  // saturate rather than wrap if one ever is not.
  if (__builtin_sub_overflow(s.balance_minor, s.held_minor,
                             &s.available_minor)) {
    s.available_minor = std::numeric_limits<int64_t>::min();
  }
  s.debt_minor = s.available_minor >= 0 ? 0
                 : s.available_minor == std::numeric_limits<int64_t>::min()
                     ? std::numeric_limits<int64_t>::max()
                     : -s.available_minor;
  return s;
}

// Whether `user` may spend `amount` (withdraw, send, hold): never while in
// debt, never more than available.
absl::Status CheckSpendable(const Summary& user, int64_t amount) {
  if (user.debt_minor > 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("wallet: in debt by ",
                     platform::FormatMoney(user.debt_minor, user.currency),
                     "; a deposit must settle it first"));
  }
  if (amount > user.available_minor) {
    return absl::FailedPreconditionError(
        absl::StrCat("wallet: insufficient funds: ", user.available_minor,
                     " available, ", amount, " needed"));
  }
  return absl::OkStatus();
}

// The account changes of one operation. Every account is loaded once and
// changed in memory, with overflow checks, and nothing is written until
// Save(): an operation checks everything first, so that on any error it
// leaves the caller's transaction as it was.
class Changes {
 public:
  explicit Changes(Tx& tx) : tx_(tx) {}

  // The account as changed so far; a user account that does not exist yet
  // starts at zero (it is created by Save).
  const store::Account& Get(const std::string& id) { return Load(id); }

  // A posted transfer: `amount` leaves `debit`'s balance for `credit`'s.
  absl::Status Move(const std::string& debit, const std::string& credit,
                    int64_t amount) {
    store::Account& from = Load(debit);
    store::Account& to = Load(credit);
    int64_t from_balance, to_balance;
    if (__builtin_sub_overflow(from.balance_minor, amount, &from_balance) ||
        __builtin_add_overflow(to.balance_minor, amount, &to_balance)) {
      return Overflow();
    }
    from.balance_minor = from_balance;
    to.balance_minor = to_balance;
    return absl::OkStatus();
  }

  // A pending transfer of `delta` (negative: released) from `holder` to
  // kEscrow.
  absl::Status Reserve(const std::string& holder, int64_t delta) {
    store::Account& from = Load(holder);
    store::Account& escrow = Load(kEscrow);
    int64_t held, pending;
    if (__builtin_add_overflow(from.held_minor, delta, &held) ||
        __builtin_add_overflow(escrow.pending_credit_minor, delta, &pending)) {
      return Overflow();
    }
    if (held < 0 || pending < 0) {
      return absl::InternalError(
          absl::StrCat("wallet: releasing ", -delta, " from ", holder,
                       " would leave a negative held amount"));
    }
    from.held_minor = held;
    escrow.pending_credit_minor = pending;
    return absl::OkStatus();
  }

  void Save(absl::Time now) {
    for (const auto& [id, account] : accounts_) {
      store::SaveAccount(tx_, account, now);
    }
  }

 private:
  store::Account& Load(const std::string& id) {
    auto it = accounts_.find(id);
    if (it != accounts_.end()) return it->second;
    std::optional<store::Account> found = store::FindAccount(tx_, id);
    store::Account account =
        found ? *std::move(found)
              : store::Account{id, IsSystemAccount(id), 0, 0, 0};
    return accounts_.emplace(id, std::move(account)).first->second;
  }

  Tx& tx_;
  std::map<std::string, store::Account> accounts_;
};

const char* StateWord(store::HoldState state) {
  return state == store::HoldState::kPosted ? "posted" : "voided";
}

// The hold `hold_id`, open. Errors: INVALID_ARGUMENT (empty id), NOT_FOUND,
// FAILED_PRECONDITION (closed).
absl::StatusOr<store::Hold> LoadOpenHold(Tx& tx, const std::string& hold_id) {
  if (hold_id.empty()) return Invalid("hold_id", "required");
  std::optional<store::Hold> hold = store::FindHold(tx, hold_id);
  if (!hold) return absl::NotFoundError("hold: not found");
  if (hold->state != store::HoldState::kOpen) {
    return absl::FailedPreconditionError(
        absl::StrCat("hold: already ", StateWord(hold->state)));
  }
  return *std::move(hold);
}

// A new ledger entry made at `now`.
Transaction NewTransaction(Kind kind, std::string debit, std::string credit,
                           int64_t amount, const std::string& currency,
                           absl::Time now) {
  Transaction t;
  t.id = platform::NewId(now);
  t.kind = kind;
  t.debit_account = std::move(debit);
  t.credit_account = std::move(credit);
  t.amount_minor = amount;
  t.currency = currency;
  t.created = now;
  return t;
}

// An event payload about `t`, for more fields to be added.
platform::JsonObject MoneyPayload(const Transaction& t) {
  platform::JsonObject payload;
  payload.Add("transaction_id", t.id)
      .Add("amount_minor", t.amount_minor)
      .Add("currency", t.currency);
  return payload;
}

absl::Status RequireWritable(const Tx& tx) {
  if (tx.writable()) return absl::OkStatus();
  return absl::InternalError("wallet: needs a write transaction");
}

}  // namespace

int64_t Transaction::BalanceChangeFor(const std::string& account) const {
  if (kind == Kind::kHold || kind == Kind::kRelease) return 0;
  if (account == debit_account) return -amount_minor;
  if (account == credit_account) return amount_minor;
  return 0;
}

absl::StatusOr<std::unique_ptr<Wallet>> Wallet::Open(
    platform::Database& db, platform::EventLog& events,
    const platform::Clock& clock, WalletOptions options) {
  RW_RETURN_IF_ERROR(platform::ValidateCurrency(options.currency, "currency"));
  if (options.max_amount_minor <= 0) {
    return Invalid("max_amount_minor", "must be positive");
  }
  if (!options.user_exists) return Invalid("user_exists", "required");
  platform::EnsureSodium();
  std::string fresh(kTokenKeyBytes, '\0');
  platform::RandomBytes(fresh.data(), fresh.size());
  store::Settings settings;
  RW_RETURN_IF_ERROR(db.Write([&](Tx& tx) -> absl::Status {
    absl::Time now = clock.Now();
    settings = store::LoadOrStoreSettings(tx, fresh, options.currency, now);
    // Balances carry no currency of their own: reading a EUR ledger as
    // USD would silently change every amount's meaning.
    if (settings.currency != options.currency) {
      return absl::FailedPreconditionError(
          absl::StrCat("currency: the wallet ledger is kept in ",
                       settings.currency, ", not ", options.currency));
    }
    store::EnsureSystemAccounts(tx, now);
    return absl::OkStatus();
  }));
  return std::unique_ptr<Wallet>(
      new Wallet(db, events, clock, std::move(options),
                 std::move(settings.page_token_key)));
}

Wallet::Wallet(platform::Database& db, platform::EventLog& events,
               const platform::Clock& clock, WalletOptions options,
               std::string token_key)
    : db_(db),
      events_(events),
      clock_(clock),
      options_(std::move(options)),
      tokens_(std::move(token_key)) {}

absl::StatusOr<Summary> Wallet::Get(const std::string& user_id) const {
  RW_RETURN_IF_ERROR(ValidateUserId(user_id));
  absl::StatusOr<Summary> summary;
  RW_RETURN_IF_ERROR(db_.Read([&](Tx& tx) {
    summary = GetInTx(tx, user_id);
    return absl::OkStatus();
  }));
  return summary;
}

absl::StatusOr<Summary> Wallet::GetInTx(Tx& tx,
                                        const std::string& user_id) const {
  RW_RETURN_IF_ERROR(ValidateUserId(user_id));
  return Summarize(user_id, store::FindAccount(tx, user_id), options_.currency);
}

absl::StatusOr<Transaction> Wallet::Idempotent(
    const std::string& user_id, const std::string& request_id,
    const std::string& fingerprint,
    absl::FunctionRef<absl::StatusOr<Transaction>(Tx&, absl::Time)> make) {
  Transaction result;
  RW_RETURN_IF_ERROR(db_.Write([&](Tx& tx) -> absl::Status {
    // Checked before anything else, balances included: a retry gets the
    // first answer even if the money has moved since.
    if (std::optional<store::Request> earlier =
            store::FindRequest(tx, user_id, request_id)) {
      if (earlier->fingerprint != fingerprint) {
        return absl::AlreadyExistsError(
            "request_id: already used for a different request");
      }
      std::optional<Transaction> first =
          store::FindTransfer(tx, earlier->transfer_id);
      if (!first) {
        return absl::InternalError(
            absl::StrCat("wallet: request ", request_id, " of ", user_id,
                         " refers to a missing transfer"));
      }
      result = *std::move(first);
      return absl::OkStatus();
    }
    absl::Time now = clock_.Now();
    RW_ASSIGN_OR_RETURN(result, make(tx, now));
    // In the same transaction as the transfer: both or neither.
    store::InsertRequest(tx, user_id, request_id, fingerprint, result.id, now);
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<Transaction> Wallet::Deposit(const std::string& user_id,
                                            const std::string& request_id,
                                            const platform::Money& amount) {
  RW_RETURN_IF_ERROR(ValidateUserId(user_id));
  RW_RETURN_IF_ERROR(ValidateRequestId(request_id));
  RW_RETURN_IF_ERROR(ValidateMoney(amount, options_));
  return Idempotent(
      user_id, request_id,
      Fingerprint(nlohmann::json::array(
          {"deposit", amount.amount_minor, amount.currency})),
      [&](Tx& tx, absl::Time now) -> absl::StatusOr<Transaction> {
        Changes changes(tx);
        RW_RETURN_IF_ERROR(changes.Move(kWorld, user_id, amount.amount_minor));
        Transaction t =
            NewTransaction(Kind::kDeposit, kWorld, user_id, amount.amount_minor,
                           options_.currency, now);
        t.request_id = request_id;
        changes.Save(now);
        store::InsertTransfer(tx, t);
        RW_RETURN_IF_ERROR(events_.Append(tx, "wallet.deposited", user_id,
                                          user_id, MoneyPayload(t).Done()));
        return t;
      });
}

absl::StatusOr<Transaction> Wallet::Withdraw(const std::string& user_id,
                                             const std::string& request_id,
                                             const platform::Money& amount) {
  RW_RETURN_IF_ERROR(ValidateUserId(user_id));
  RW_RETURN_IF_ERROR(ValidateRequestId(request_id));
  RW_RETURN_IF_ERROR(ValidateMoney(amount, options_));
  return Idempotent(
      user_id, request_id,
      Fingerprint(nlohmann::json::array(
          {"withdraw", amount.amount_minor, amount.currency})),
      [&](Tx& tx, absl::Time now) -> absl::StatusOr<Transaction> {
        Changes changes(tx);
        RW_RETURN_IF_ERROR(CheckSpendable(
            Summarize(user_id, changes.Get(user_id), options_.currency),
            amount.amount_minor));
        RW_RETURN_IF_ERROR(changes.Move(user_id, kWorld, amount.amount_minor));
        Transaction t =
            NewTransaction(Kind::kWithdrawal, user_id, kWorld,
                           amount.amount_minor, options_.currency, now);
        t.request_id = request_id;
        changes.Save(now);
        store::InsertTransfer(tx, t);
        RW_RETURN_IF_ERROR(events_.Append(tx, "wallet.withdrawn", user_id,
                                          user_id, MoneyPayload(t).Done()));
        return t;
      });
}

absl::StatusOr<Transaction> Wallet::Transfer(const std::string& user_id,
                                             const std::string& request_id,
                                             const std::string& to_user_id,
                                             const platform::Money& amount,
                                             const std::string& memo) {
  RW_RETURN_IF_ERROR(ValidateUserId(user_id));
  RW_RETURN_IF_ERROR(ValidateRequestId(request_id));
  RW_RETURN_IF_ERROR(ValidateMoney(amount, options_));
  if (to_user_id.empty()) return Invalid("to_user_id", "required");
  if (to_user_id == user_id) {
    return Invalid("to_user_id", "cannot send money to yourself");
  }
  RW_RETURN_IF_ERROR(ValidateText(memo, kMaxMemoChars, "memo"));
  // Outside the write transaction: the users module reads the database
  // itself, and a write transaction must not wait on another connection.
  if (!IsToken(to_user_id) || IsSystemAccount(to_user_id)) {
    return absl::NotFoundError("to_user_id: no such user");
  }
  if (absl::Status exists = options_.user_exists(to_user_id); !exists.ok()) {
    if (absl::IsNotFound(exists)) {
      return absl::NotFoundError("to_user_id: no such user");
    }
    return exists;
  }
  return Idempotent(
      user_id, request_id,
      Fingerprint(
          nlohmann::json::array({"transfer", to_user_id, amount.amount_minor,
                                 amount.currency, memo})),
      [&](Tx& tx, absl::Time now) -> absl::StatusOr<Transaction> {
        Changes changes(tx);
        RW_RETURN_IF_ERROR(CheckSpendable(
            Summarize(user_id, changes.Get(user_id), options_.currency),
            amount.amount_minor));
        RW_RETURN_IF_ERROR(
            changes.Move(user_id, to_user_id, amount.amount_minor));
        Transaction t =
            NewTransaction(Kind::kTransfer, user_id, to_user_id,
                           amount.amount_minor, options_.currency, now);
        t.request_id = request_id;
        t.memo = memo;
        changes.Save(now);
        store::InsertTransfer(tx, t);
        RW_RETURN_IF_ERROR(events_.Append(
            tx, "wallet.transferred", user_id, user_id,
            MoneyPayload(t).Add("to_user_id", to_user_id).Done()));
        return t;
      });
}

absl::StatusOr<TransactionPage> Wallet::List(const std::string& user_id,
                                             Kind kind,
                                             const PageRequest& page) const {
  RW_RETURN_IF_ERROR(ValidateUserId(user_id));
  RW_ASSIGN_OR_RETURN(int size, ResolvePageSize(page.page_size));
  const int kind_value = static_cast<int>(kind);
  if (kind_value < static_cast<int>(Kind::kUnspecified) ||
      kind_value > static_cast<int>(Kind::kFee)) {
    return Invalid("kind", absl::StrCat("unknown value ", kind_value));
  }
  const std::string context = absl::StrCat(user_id, "/", kind_value);
  std::optional<int64_t> before;
  if (!page.page_token.empty()) {
    RW_ASSIGN_OR_RETURN(platform::PageCursor cursor,
                        tokens_.Decode(page.page_token, context, clock_.Now()));
    if (cursor.order != kNewestFirst) {
      return Invalid("page_token", "not issued for this request");
    }
    before = cursor.primary;
  }
  std::vector<store::Entry> entries;
  RW_RETURN_IF_ERROR(db_.Read([&](Tx& tx) {
    // One more than a page tells whether another page follows.
    entries = store::ListTransfers(tx, user_id, kind, before, size + 1);
    return absl::OkStatus();
  }));
  TransactionPage result;
  if (entries.size() > static_cast<size_t>(size)) {
    entries.pop_back();
    const store::Entry& last = entries.back();
    result.next_page_token =
        tokens_.Encode(platform::PageCursor{kNewestFirst, last.seq,
                                            last.transaction.id, clock_.Now()},
                       context);
  }
  for (store::Entry& e : entries) {
    result.transactions.push_back(std::move(e.transaction));
  }
  return result;
}

absl::StatusOr<Transaction> Wallet::GetTransaction(
    const std::string& user_id, const std::string& transaction_id) const {
  RW_RETURN_IF_ERROR(ValidateUserId(user_id));
  if (transaction_id.empty()) return Invalid("transaction_id", "required");
  std::optional<Transaction> found;
  RW_RETURN_IF_ERROR(db_.Read([&](Tx& tx) {
    found = store::FindTransfer(tx, transaction_id);
    return absl::OkStatus();
  }));
  // Someone else's transaction is as absent as one that never existed.
  if (!found ||
      (found->debit_account != user_id && found->credit_account != user_id)) {
    return absl::NotFoundError("transaction: not found");
  }
  return *std::move(found);
}

absl::StatusOr<std::string> Wallet::Hold(Tx& tx, const std::string& user_id,
                                         int64_t amount_minor,
                                         const std::string& reference,
                                         int64_t keep_minor) {
  RW_RETURN_IF_ERROR(RequireWritable(tx));
  RW_RETURN_IF_ERROR(ValidateUserId(user_id));
  RW_RETURN_IF_ERROR(
      ValidateAmount(amount_minor, options_.max_amount_minor, "amount_minor"));
  RW_RETURN_IF_ERROR(ValidateText(reference, kMaxReferenceChars, "reference"));
  if (keep_minor < 0 || keep_minor > amount_minor) {
    return absl::InvalidArgumentError(
        "keep_minor: must be between 0 and the amount");
  }
  std::string hold_id;
  RW_RETURN_IF_ERROR(platform::AllOrNothing(tx, [&]() -> absl::Status {
    RW_ASSIGN_OR_RETURN(
        hold_id, DoHold(tx, user_id, amount_minor, reference, keep_minor));
    return absl::OkStatus();
  }));
  return hold_id;
}

absl::StatusOr<std::string> Wallet::DoHold(Tx& tx, const std::string& user_id,
                                           int64_t amount_minor,
                                           const std::string& reference,
                                           int64_t keep_minor) {
  absl::Time now = clock_.Now();
  Changes changes(tx);
  RW_RETURN_IF_ERROR(CheckSpendable(
      Summarize(user_id, changes.Get(user_id), options_.currency),
      amount_minor));
  RW_RETURN_IF_ERROR(changes.Reserve(user_id, amount_minor));
  store::Hold hold;
  hold.id = platform::NewId(now);
  hold.account_id = user_id;
  hold.amount_minor = hold.remaining_minor = amount_minor;
  hold.keep_minor = keep_minor;
  hold.reference = reference;
  hold.created = now;
  Transaction t = NewTransaction(Kind::kHold, user_id, kEscrow, amount_minor,
                                 options_.currency, now);
  t.reference = reference;
  t.hold_id = hold.id;
  changes.Save(now);
  store::InsertHold(tx, hold);
  store::InsertTransfer(tx, t);
  RW_RETURN_IF_ERROR(events_.Append(tx, "wallet.held", user_id, "",
                                    MoneyPayload(t)
                                        .Add("hold_id", hold.id)
                                        .Add("keep_minor", keep_minor)
                                        .Add("reference", reference)
                                        .Done()));
  return hold.id;
}

absl::Status Wallet::Post(Tx& tx, const std::string& hold_id,
                          const Settlement& settlement) {
  RW_RETURN_IF_ERROR(RequireWritable(tx));
  return platform::AllOrNothing(
      tx, [&] { return DoPost(tx, hold_id, settlement); });
}

absl::Status Wallet::DoPost(Tx& tx, const std::string& hold_id,
                            const Settlement& settlement) {
  RW_ASSIGN_OR_RETURN(store::Hold hold, LoadOpenHold(tx, hold_id));
  const std::string& user = hold.account_id;
  if (settlement.amount_minor < 0 ||
      settlement.amount_minor > hold.remaining_minor) {
    return Invalid("settlement.amount_minor",
                   absl::StrCat("must be 0-", hold.remaining_minor,
                                " (what the hold has left), not ",
                                settlement.amount_minor));
  }
  if (settlement.fee_minor < 0 ||
      settlement.fee_minor > settlement.amount_minor) {
    return Invalid("settlement.fee_minor",
                   absl::StrCat("must be 0-", settlement.amount_minor, ", not ",
                                settlement.fee_minor));
  }
  const int64_t payment = settlement.amount_minor - settlement.fee_minor;
  const int64_t released = hold.remaining_minor - settlement.amount_minor;
  if (payment > 0) {
    RW_RETURN_IF_ERROR(ValidateCreditAccount(settlement.credit_account, user,
                                             "settlement.credit_account"));
  }
  absl::Time now = clock_.Now();
  Changes changes(tx);
  RW_RETURN_IF_ERROR(changes.Reserve(user, -hold.remaining_minor));
  std::vector<Transaction> entries;
  auto entry = [&](Kind kind, const std::string& credit, int64_t amount) {
    Transaction t =
        NewTransaction(kind, user, credit, amount, options_.currency, now);
    t.reference = hold.reference;
    t.hold_id = hold.id;
    entries.push_back(std::move(t));
  };
  if (payment > 0) {
    RW_RETURN_IF_ERROR(changes.Move(user, settlement.credit_account, payment));
    entry(Kind::kPayment, settlement.credit_account, payment);
  }
  if (settlement.fee_minor > 0) {
    RW_RETURN_IF_ERROR(changes.Move(user, kFees, settlement.fee_minor));
    entry(Kind::kFee, kFees, settlement.fee_minor);
  }
  if (released > 0) entry(Kind::kRelease, kEscrow, released);
  hold.remaining_minor = 0;
  hold.state = store::HoldState::kPosted;
  changes.Save(now);
  store::UpdateHold(tx, hold, now);
  for (const Transaction& t : entries) store::InsertTransfer(tx, t);
  std::string payload =
      platform::JsonObject()
          .Add("hold_id", hold.id)
          .Add("amount_minor", settlement.amount_minor)
          .Add("fee_minor", settlement.fee_minor)
          .Add("released_minor", released)
          .Add("currency", options_.currency)
          // Not checked when nothing goes to it: it may not even be UTF-8,
          // which the payload cannot hold.
          .Add("credit_account",
               payment > 0 ? settlement.credit_account : std::string())
          .Done();
  return events_.Append(tx, "wallet.posted", user, "", std::move(payload));
}

absl::Status Wallet::Void(Tx& tx, const std::string& hold_id) {
  RW_RETURN_IF_ERROR(RequireWritable(tx));
  return platform::AllOrNothing(tx, [&] { return DoVoid(tx, hold_id); });
}

absl::Status Wallet::DoVoid(Tx& tx, const std::string& hold_id) {
  RW_ASSIGN_OR_RETURN(store::Hold hold, LoadOpenHold(tx, hold_id));
  absl::Time now = clock_.Now();
  Changes changes(tx);
  const int64_t released = hold.remaining_minor;
  RW_RETURN_IF_ERROR(changes.Reserve(hold.account_id, -released));
  hold.remaining_minor = 0;
  hold.state = store::HoldState::kVoided;
  changes.Save(now);
  store::UpdateHold(tx, hold, now);
  if (released > 0) {
    Transaction t = NewTransaction(Kind::kRelease, hold.account_id, kEscrow,
                                   released, options_.currency, now);
    t.reference = hold.reference;
    t.hold_id = hold.id;
    store::InsertTransfer(tx, t);
  }
  return events_.Append(tx, "wallet.voided", hold.account_id, "",
                        platform::JsonObject()
                            .Add("hold_id", hold.id)
                            .Add("released_minor", released)
                            .Add("currency", options_.currency)
                            .Done());
}

absl::StatusOr<Transaction> Wallet::Charge(
    Tx& tx, const std::string& user_id, int64_t amount_minor,
    const std::string& credit_account, const std::string& reference,
    const std::optional<std::string>& from_hold) {
  RW_RETURN_IF_ERROR(RequireWritable(tx));
  RW_RETURN_IF_ERROR(ValidateUserId(user_id));
  RW_RETURN_IF_ERROR(
      ValidateAmount(amount_minor, options_.max_amount_minor, "amount_minor"));
  RW_RETURN_IF_ERROR(
      ValidateCreditAccount(credit_account, user_id, "credit_account"));
  RW_RETURN_IF_ERROR(ValidateText(reference, kMaxReferenceChars, "reference"));
  Transaction charged;
  RW_RETURN_IF_ERROR(platform::AllOrNothing(tx, [&]() -> absl::Status {
    RW_ASSIGN_OR_RETURN(
        charged, DoCharge(tx, user_id, amount_minor, credit_account, reference,
                          from_hold));
    return absl::OkStatus();
  }));
  return charged;
}

absl::StatusOr<Transaction> Wallet::DoCharge(
    Tx& tx, const std::string& user_id, int64_t amount_minor,
    const std::string& credit_account, const std::string& reference,
    const std::optional<std::string>& from_hold) {
  std::optional<store::Hold> hold;
  if (from_hold) {
    RW_ASSIGN_OR_RETURN(hold, LoadOpenHold(tx, *from_hold));
    if (hold->account_id != user_id) {
      return absl::FailedPreconditionError(
          "hold: belongs to another user's wallet");
    }
  }
  absl::Time now = clock_.Now();
  Changes changes(tx);
  // The part covered by the hold (above what it keeps) stops being held;
  // the whole amount then leaves the balance as one charge, below zero if
  // need be.
  const int64_t from_held =
      hold ? std::clamp(hold->remaining_minor - hold->keep_minor, int64_t{0},
                        amount_minor)
           : 0;
  if (from_held > 0) {
    RW_RETURN_IF_ERROR(changes.Reserve(user_id, -from_held));
  }
  RW_RETURN_IF_ERROR(changes.Move(user_id, credit_account, amount_minor));
  Transaction t = NewTransaction(Kind::kCharge, user_id, credit_account,
                                 amount_minor, options_.currency, now);
  t.reference = reference;
  if (hold) t.hold_id = hold->id;
  changes.Save(now);
  if (hold) {
    hold->remaining_minor -= from_held;
    store::UpdateHold(tx, *hold, now);
  }
  store::InsertTransfer(tx, t);
  RW_RETURN_IF_ERROR(events_.Append(tx, "wallet.charged", user_id, "",
                                    MoneyPayload(t)
                                        .Add("credit_account", credit_account)
                                        .Add("reference", reference)
                                        .Add("hold_id", t.hold_id)
                                        .Add("from_hold_minor", from_held)
                                        .Done()));
  return t;
}

absl::StatusOr<std::vector<LedgerProblem>> VerifyLedger(
    platform::Database& db) {
  std::vector<LedgerProblem> problems;
  RW_RETURN_IF_ERROR(db.Read([&](Tx& tx) {
    problems = store::Verify(tx);
    return absl::OkStatus();
  }));
  return problems;
}

}  // namespace rentwave::wallet
