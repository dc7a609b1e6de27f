// Concurrency tests for the wallet on a file database: many threads moving
// money among the same wallets at once must leave a consistent ledger (no
// negative available balance, balances equal to their transfers, sum zero,
// money conserved), and concurrent retries of one request move money once.
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "modules/wallet/wallet.h"
#include "modules/wallet/wallet_test_fixture.h"

namespace rentwave::wallet {
namespace {

using platform::Tx;

class WalletConcurrencyTest : public WalletFixture {};

TEST_F(WalletConcurrencyTest, ManyThreadsMovingMoneyKeepTheLedgerConsistent) {
  constexpr int kUsers = 5;
  constexpr int kThreads = 8;
  constexpr int kOpsPerThread = 200;
  constexpr int64_t kFunding = 100'000;
  std::vector<std::string> users;
  for (int i = 0; i < kUsers; ++i) {
    users.push_back(absl::StrCat("01USER", i));
    AddUser(users.back());
    MustDeposit(users.back(), kFunding);
  }

  std::atomic<int64_t> withdrawn{0};
  std::atomic<int> succeeded{0};
  std::atomic<int> refused{0};
  std::atomic<int> unexpected{0};
  std::atomic<int> posted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(1234 + t);
      auto pick = [&](int n) {
        return std::uniform_int_distribution<int>(0, n - 1)(rng);
      };
      for (int op = 0; op < kOpsPerThread; ++op) {
        const int from_index = pick(kUsers);
        const std::string& from = users[from_index];
        // Anyone but `from`.
        const std::string& to =
            users[(from_index + 1 + pick(kUsers - 1)) % kUsers];
        const int64_t amount =
            std::uniform_int_distribution<int64_t>(1, 2'000)(rng);
        const std::string request = absl::StrCat("t", t, "-", op);
        absl::Status status;
        const int what = pick(10);
        if (what < 4) {
          auto result = wallet_->Withdraw(from, request, Usd(amount));
          status = result.status();
          if (result.ok()) withdrawn += amount;
        } else if (what < 8) {
          status =
              wallet_->Transfer(from, request, to, Usd(amount), "").status();
        } else {
          // A hold and its settlement in two transactions, as a rental
          // would: held, then partly posted (with a fee of 1) or voided.
          absl::StatusOr<std::string> hold;
          status = db_->Write([&](Tx& tx) {
            hold = wallet_->Hold(tx, from, amount, request);
            return hold.status();
          });
          if (status.ok()) {
            const bool post = pick(2) == 0;
            status = db_->Write([&](Tx& tx) {
              return post ? wallet_->Post(tx, *hold, {amount / 2 + 1, to, 1})
                          : wallet_->Void(tx, *hold);
            });
            if (status.ok() && post) ++posted;
          }
        }
        if (status.ok()) {
          ++succeeded;
        } else if (absl::IsFailedPrecondition(status)) {
          ++refused;  // insufficient funds: expected under contention
        } else {
          ++unexpected;
          ADD_FAILURE() << status;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(unexpected.load(), 0);
  // Withdrawals drain the wallets faster than they were funded, so both
  // outcomes happen: most calls succeed, later ones run out of money.
  EXPECT_GT(succeeded.load(), kThreads * kOpsPerThread / 2);
  EXPECT_GT(refused.load(), 0);
  int64_t total = 0;
  for (const std::string& user : users) {
    Summary s = MustGet(user);
    EXPECT_GE(s.available_minor, 0) << user;
    EXPECT_EQ(s.held_minor, 0) << user;
    total += s.balance_minor;
  }
  int64_t fees = 0;
  ASSERT_TRUE(db_->Read([&](Tx& tx) {
                   SQLite::Statement q(tx.db(),
                                       "SELECT balance_minor FROM "
                                       "wallet_accounts WHERE id = ?");
                   q.bind(1, kFees);
                   if (q.executeStep()) fees = q.getColumn(0).getInt64();
                   return absl::OkStatus();
                 })
                  .ok());
  EXPECT_EQ(fees, posted.load());
  // Money is conserved: what was deposited is in the users' wallets, was
  // withdrawn, or was paid as fees.
  EXPECT_EQ(total + withdrawn.load() + fees, kUsers * kFunding);
  ExpectLedgerClean();
}

TEST_F(WalletConcurrencyTest, ConcurrentRetriesOfOneRequestMoveMoneyOnce) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 20;
  MustDeposit(kBob, 1'000'000);
  for (int round = 0; round < kRounds; ++round) {
    const std::string deposit_id = absl::StrCat("dep-", round);
    const std::string transfer_id = absl::StrCat("xfer-", round);
    std::vector<std::string> deposit_ids(kThreads), transfer_ids(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        auto d = wallet_->Deposit(kAlice, deposit_id, Usd(100));
        EXPECT_TRUE(d.ok()) << d.status();
        if (d.ok()) deposit_ids[t] = d->id;
        auto x = wallet_->Transfer(kBob, transfer_id, kCarol, Usd(7), "");
        EXPECT_TRUE(x.ok()) << x.status();
        if (x.ok()) transfer_ids[t] = x->id;
      });
    }
    for (std::thread& thread : threads) thread.join();
    for (int t = 1; t < kThreads; ++t) {
      EXPECT_EQ(deposit_ids[t], deposit_ids[0]);
      EXPECT_EQ(transfer_ids[t], transfer_ids[0]);
    }
  }
  EXPECT_EQ(MustGet(kAlice).balance_minor, 100 * kRounds);
  EXPECT_EQ(MustGet(kCarol).balance_minor, 7 * kRounds);
  EXPECT_EQ(MustGet(kBob).balance_minor, 1'000'000 - 7 * kRounds);
  ExpectLedgerClean();
}

}  // namespace
}  // namespace rentwave::wallet
