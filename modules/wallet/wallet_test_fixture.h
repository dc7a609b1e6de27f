// Test fixture for the wallet: a migrated file database, an event log, a
// manual clock and a wallet whose known users are kAlice, kBob and kCarol.
// No SQL here: only *_test.cc files may name the wallet's tables.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "modules/platform/clock.h"
#include "modules/platform/db.h"
#include "modules/platform/event_log.h"
#include "modules/platform/scoped_temp_dir.h"
#include "modules/platform/test_database.h"
#include "modules/wallet/wallet.h"

namespace rentwave::wallet {

inline constexpr char kAlice[] = "01ALICE";
inline constexpr char kBob[] = "01BOB";
inline constexpr char kCarol[] = "01CAROL";

class WalletFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    db_ = platform::OpenMigratedForTest(dir_.File("wallet.db"), clock_);
    ASSERT_NE(db_, nullptr);
    events_ = std::make_unique<platform::EventLog>(*db_, clock_);
    for (const char* user : {kAlice, kBob, kCarol}) AddUser(user);
    auto wallet = Wallet::Open(*db_, *events_, clock_, Options());
    ASSERT_TRUE(wallet.ok()) << wallet.status();
    wallet_ = *std::move(wallet);
  }

  void AddUser(const std::string& id) {
    std::lock_guard<std::mutex> lock(users_mu_);
    users_.insert(id);
  }

  // Options whose user_exists answers from the users added so far.
  WalletOptions Options() {
    WalletOptions options;
    options.currency = "USD";
    options.max_amount_minor = 1'000'000;
    options.user_exists = [this](const std::string& id) -> absl::Status {
      std::lock_guard<std::mutex> lock(users_mu_);
      if (users_.contains(id)) return absl::OkStatus();
      return absl::NotFoundError("user: not found");
    };
    return options;
  }

  static platform::Money Usd(int64_t amount) { return {amount, "USD"}; }

  std::string NextRequestId() { return absl::StrCat("req-", ++requests_); }

  Transaction MustDeposit(const std::string& user, int64_t amount) {
    auto t = wallet_->Deposit(user, NextRequestId(), Usd(amount));
    EXPECT_TRUE(t.ok()) << t.status();
    return t.ok() ? *t : Transaction{};
  }

  Summary MustGet(const std::string& user) {
    auto s = wallet_->Get(user);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : Summary{};
  }

  // Runs `fn` in a write transaction that commits whatever `fn` wrote, even
  // if the wallet call inside failed: shows that a failing call wrote
  // nothing. Returns fn's status.
  absl::Status InTx(std::function<absl::Status(platform::Tx&)> fn) {
    absl::Status result;
    absl::Status committed = db_->Write([&](platform::Tx& tx) {
      result = fn(tx);
      return absl::OkStatus();
    });
    EXPECT_TRUE(committed.ok()) << committed;
    return result;
  }

  std::string MustHold(const std::string& user, int64_t amount,
                       const std::string& reference = "rental:1") {
    std::string id;
    absl::Status status = InTx([&](platform::Tx& tx) -> absl::Status {
      auto hold = wallet_->Hold(tx, user, amount, reference);
      if (hold.ok()) id = *hold;
      return hold.status();
    });
    EXPECT_TRUE(status.ok()) << status;
    return id;
  }

  void ExpectLedgerClean() {
    auto problems = VerifyLedger(*db_);
    ASSERT_TRUE(problems.ok()) << problems.status();
    for (const LedgerProblem& p : *problems) {
      ADD_FAILURE() << "ledger problem: [" << p.account << "] " << p.what;
    }
  }

  platform::ScopedTempDir dir_;
  platform::ManualClock clock_;
  std::unique_ptr<platform::Database> db_;
  std::unique_ptr<platform::EventLog> events_;
  std::mutex users_mu_;
  absl::flat_hash_set<std::string> users_ ABSL_GUARDED_BY(users_mu_);
  std::unique_ptr<Wallet> wallet_;
  int requests_ = 0;
};

}  // namespace rentwave::wallet
