// The part of VerifyLedger that replays the ledger: every entry, in order,
// against what the wallet allows at that point, and the result against the
// stored state. No SQL: store::Verify feeds it. Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "modules/wallet/wallet.h"
#include "modules/wallet/wallet_store.h"

namespace rentwave::wallet {

class LedgerReplay {
 public:
  // Problems are appended to `problems`; at most `max_entry_problems` about
  // single entries (a badly corrupted ledger would otherwise report one per
  // row), then one line saying how many more there were.
  explicit LedgerReplay(std::vector<LedgerProblem>& problems,
                        int max_entry_problems = 100);

  // The stored state, before any Apply.
  void AddAccount(const store::Account& account);
  void AddHold(const store::Hold& hold);

  // Each ledger entry, in seq order. Checks that the entry has its kind's
  // shape (which accounts, which ids), that it belongs to a hold it may
  // touch, that a hold is never settled for more than it had left (posted
  // or voided twice), and that a withdrawal, transfer or hold left its
  // payer's available money at zero or more.
  void Apply(const Transaction& t);

  // Compares the replay with the stored state: every balance with its
  // entries, the sum of all balances with zero, every hold's remaining
  // amount and state with its entries.
  void Finish();

 private:
  struct AccountState {
    bool stored = false;
    int64_t stored_balance = 0;
    __int128 balance = 0;  // replayed
    __int128 held = 0;     // replayed
  };
  struct HoldReplay {
    store::Hold stored;
    bool reserved = false;   // its HOLD entry was seen
    bool settled = false;    // a PAYMENT, FEE or RELEASE was seen
    bool paid = false;       // a PAYMENT or FEE was seen
    __int128 remaining = 0;  // replayed
  };

  void EntryProblem(const std::string& account, std::string what);
  // The hold an entry names, or null (reported) if there is none.
  HoldReplay* HoldOf(const Transaction& t);
  // After `t` spent from its debit account: its available money must not
  // be below zero.
  void CheckSpendable(const Transaction& t);

  std::vector<LedgerProblem>& problems_;
  const int max_entry_problems_;
  int entry_problems_ = 0;
  std::map<std::string, AccountState> accounts_;
  std::map<std::string, HoldReplay> holds_;
};

}  // namespace rentwave::wallet
