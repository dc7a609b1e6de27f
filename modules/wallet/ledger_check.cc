#include "modules/wallet/ledger_check.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "modules/wallet/validate.h"

namespace rentwave::wallet {
namespace {

// Sums are kept in 128 bits: a corrupted ledger may overflow 64, and that
// must be reported, not wrapped.
std::string Str(__int128 v) {
  if (v >= std::numeric_limits<int64_t>::min() &&
      v <= std::numeric_limits<int64_t>::max()) {
    return absl::StrCat(static_cast<int64_t>(v));
  }
  const bool negative = v < 0;
  unsigned __int128 u = negative ? -static_cast<unsigned __int128>(v)
                                 : static_cast<unsigned __int128>(v);
  std::string digits;
  while (u > 0) {
    digits.push_back(static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  if (negative) digits.push_back('-');
  std::reverse(digits.begin(), digits.end());
  return digits;
}

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kDeposit:
      return "DEPOSIT";
    case Kind::kWithdrawal:
      return "WITHDRAWAL";
    case Kind::kTransfer:
      return "TRANSFER";
    case Kind::kHold:
      return "HOLD";
    case Kind::kPayment:
      return "PAYMENT";
    case Kind::kRelease:
      return "RELEASE";
    case Kind::kCharge:
      return "CHARGE";
    case Kind::kFee:
      return "FEE";
    case Kind::kUnspecified:
      break;
  }
  return "UNKNOWN";
}

const char* StateName(store::HoldState state) {
  switch (state) {
    case store::HoldState::kOpen:
      return "open";
    case store::HoldState::kPosted:
      return "posted";
    case store::HoldState::kVoided:
      return "voided";
  }
  return "open";
}

bool IsUser(const std::string& id) {
  return !id.empty() && !IsSystemAccount(id);
}

// Whether `t` is an entry the wallet makes: the accounts its kind moves
// money between, and the request id (user operations) or hold id (holds
// and their settlement) it carries. A transfer from kWorld, say, would be a
// deposit nobody asked for that every balance check still agrees with.
bool HasItsKindsShape(const Transaction& t) {
  const std::string& from = t.debit_account;
  const std::string& to = t.credit_account;
  const bool request = !t.request_id.empty();
  const bool hold = !t.hold_id.empty();
  switch (t.kind) {
    case Kind::kDeposit:
      return from == kWorld && IsUser(to) && request && !hold;
    case Kind::kWithdrawal:
      return IsUser(from) && to == kWorld && request && !hold;
    case Kind::kTransfer:
      return IsUser(from) && IsUser(to) && request && !hold;
    case Kind::kHold:
    case Kind::kRelease:
      return IsUser(from) && to == kEscrow && !request && hold;
    case Kind::kPayment:
      return IsUser(from) && (IsUser(to) || to == kFees) && !request && hold;
    case Kind::kFee:
      return IsUser(from) && to == kFees && !request && hold;
    case Kind::kCharge:
      return IsUser(from) && (IsUser(to) || to == kFees) && !request;
    case Kind::kUnspecified:
      break;
  }
  return false;
}

}  // namespace

LedgerReplay::LedgerReplay(std::vector<LedgerProblem>& problems,
                           int max_entry_problems)
    : problems_(problems), max_entry_problems_(max_entry_problems) {}

void LedgerReplay::AddAccount(const store::Account& account) {
  AccountState& a = accounts_[account.id];
  a.stored = true;
  a.stored_balance = account.balance_minor;
}

void LedgerReplay::AddHold(const store::Hold& hold) {
  holds_[hold.id].stored = hold;
}

void LedgerReplay::EntryProblem(const std::string& account, std::string what) {
  if (++entry_problems_ > max_entry_problems_) return;
  problems_.push_back({account, std::move(what)});
}

LedgerReplay::HoldReplay* LedgerReplay::HoldOf(const Transaction& t) {
  if (t.hold_id.empty()) return nullptr;  // reported as a shape problem
  auto it = holds_.find(t.hold_id);
  if (it == holds_.end()) {
    EntryProblem(
        t.debit_account,
        absl::StrCat("entry ", t.id, " (", KindName(t.kind), ") names hold ",
                     t.hold_id, ", which does not exist"));
    return nullptr;
  }
  HoldReplay& h = it->second;
  if (t.debit_account != h.stored.account_id) {
    EntryProblem(t.debit_account,
                 absl::StrCat("entry ", t.id, " (", KindName(t.kind),
                              ") takes from hold ", t.hold_id, " of ",
                              h.stored.account_id));
  }
  if (!h.reserved && t.kind != Kind::kHold) {
    EntryProblem(t.debit_account,
                 absl::StrCat("entry ", t.id, " (", KindName(t.kind),
                              ") comes before hold ", t.hold_id, " was made"));
  }
  return &h;
}

void LedgerReplay::CheckSpendable(const Transaction& t) {
  // A system account as payer is a shape problem, reported as such.
  if (!IsUser(t.debit_account)) return;
  const AccountState& a = accounts_[t.debit_account];
  const __int128 available = a.balance - a.held;
  if (available < 0) {
    EntryProblem(
        t.debit_account,
        absl::StrCat("entry ", t.id, " (", KindName(t.kind), " of ",
                     t.amount_minor, ") left available at ", Str(available),
                     ": it spent money that was not available"));
  }
}

void LedgerReplay::Apply(const Transaction& t) {
  if (!HasItsKindsShape(t)) {
    EntryProblem(
        t.debit_account,
        absl::StrCat("entry ", t.id, " is a ", KindName(t.kind), " from '",
                     t.debit_account, "' to '", t.credit_account,
                     "' with request id '", t.request_id, "' and hold id '",
                     t.hold_id, "': not an entry the wallet makes"));
  }
  const __int128 amount = t.amount_minor;
  if (t.kind != Kind::kHold && t.kind != Kind::kRelease) {
    accounts_[t.debit_account].balance -= amount;
    accounts_[t.credit_account].balance += amount;
  }
  AccountState& payer = accounts_[t.debit_account];
  switch (t.kind) {
    case Kind::kWithdrawal:
    case Kind::kTransfer:
      CheckSpendable(t);
      break;
    case Kind::kHold: {
      payer.held += amount;
      if (HoldReplay* h = HoldOf(t)) {
        if (h->reserved) {
          EntryProblem(t.debit_account,
                       absl::StrCat("hold ", t.hold_id,
                                    " has a second HOLD entry, ", t.id));
        } else if (t.amount_minor != h->stored.amount_minor) {
          EntryProblem(
              t.debit_account,
              absl::StrCat("hold ", t.hold_id, " reserved ",
                           h->stored.amount_minor,
                           " but its HOLD entry is for ", t.amount_minor));
        }
        h->reserved = true;
        h->remaining += amount;
      }
      CheckSpendable(t);
      break;
    }
    case Kind::kPayment:
    case Kind::kFee:
    case Kind::kRelease: {
      // Settling moves what was held: the payer's available money stays.
      payer.held -= amount;
      if (HoldReplay* h = HoldOf(t)) {
        h->settled = true;
        if (t.kind != Kind::kRelease) h->paid = true;
        h->remaining -= amount;
        if (h->remaining < 0) {
          EntryProblem(t.debit_account,
                       absl::StrCat("hold ", t.hold_id, " is settled for ",
                                    Str(-h->remaining),
                                    " more than it had left (by entry ", t.id,
                                    "): posted or voided twice?"));
        }
      }
      break;
    }
    case Kind::kCharge: {
      HoldReplay* h = HoldOf(t);
      if (h == nullptr) break;
      if (h->settled) {
        EntryProblem(t.debit_account,
                     absl::StrCat("entry ", t.id, " charges hold ", t.hold_id,
                                  " after it was settled"));
      }
      // As Wallet::Charge: what the hold has left above its keep first.
      const __int128 from_hold = std::min(
          std::max<__int128>(h->remaining - h->stored.keep_minor, 0), amount);
      h->remaining -= from_hold;
      payer.held -= from_hold;
      break;
    }
    case Kind::kDeposit:
    case Kind::kUnspecified:
      break;
  }
}

void LedgerReplay::Finish() {
  if (entry_problems_ > max_entry_problems_) {
    problems_.push_back(
        {"", absl::StrCat("... and ", entry_problems_ - max_entry_problems_,
                          " more problems with single entries")});
  }
  __int128 total = 0;
  for (const auto& [id, a] : accounts_) {
    if (!a.stored) {
      problems_.push_back({id, "has ledger entries but no account"});
      continue;
    }
    total += a.stored_balance;
    if (a.stored_balance != a.balance) {
      problems_.push_back(
          {id, absl::StrCat("balance is ", a.stored_balance,
                            " but its posted transfers add up to ",
                            Str(a.balance))});
    }
  }
  if (total != 0) {
    problems_.push_back({"", absl::StrCat("the balances of all accounts add "
                                          "up to ",
                                          Str(total), ", not 0")});
  }
  for (const auto& [id, h] : holds_) {
    const store::Hold& s = h.stored;
    const std::string where =
        absl::StrCat("hold ", id, " (", StateName(s.state), ", reserved ",
                     s.amount_minor, ")");
    if (!h.reserved) {
      problems_.push_back(
          {s.account_id, absl::StrCat(where, " has no HOLD entry")});
      continue;
    }
    if (s.state == store::HoldState::kOpen) {
      if (h.settled) {
        problems_.push_back(
            {s.account_id, absl::StrCat(where, " has settlement entries")});
      } else if (s.remaining_minor != h.remaining) {
        problems_.push_back(
            {s.account_id,
             absl::StrCat(where, " has ", s.remaining_minor,
                          " left but its entries leave ", Str(h.remaining))});
      }
      continue;
    }
    if (h.remaining > 0) {
      problems_.push_back(
          {s.account_id, absl::StrCat(where, " has ", Str(h.remaining),
                                      " that no entry settled")});
    }
    if (s.remaining_minor != 0) {
      problems_.push_back(
          {s.account_id,
           absl::StrCat(where, " still has ", s.remaining_minor, " left")});
    }
    if (s.state == store::HoldState::kVoided && h.paid) {
      problems_.push_back(
          {s.account_id, absl::StrCat(where, " has payment entries")});
    }
  }
}

}  // namespace rentwave::wallet
