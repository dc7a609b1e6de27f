// Tests for the wallet: posting, holds, charges and debt, idempotency, bad
// input (exact status, nothing written), paging, events and VerifyLedger, on
// SQLite with the real migrations applied.
#include "modules/wallet/wallet.h"

#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include <limits>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "modules/wallet/wallet_test_fixture.h"

namespace rentwave::wallet {
namespace {

using platform::Tx;
using ::testing::TestWithParam;

// The fixture plus raw views of the stored ledger.
class WalletTest : public WalletFixture {
 protected:
  // One integer from `sql` (with `arg` bound to ?1 if given).
  int64_t QueryInt(const std::string& sql, const std::string& arg = "") {
    int64_t value = 0;
    EXPECT_TRUE(db_->Read([&](platform::Tx& tx) {
                     SQLite::Statement q(tx.db(), sql);
                     if (!arg.empty()) q.bind(1, arg);
                     if (q.executeStep()) value = q.getColumn(0).getInt64();
                     return absl::OkStatus();
                   })
                    .ok());
    return value;
  }

  int64_t EscrowPending() {
    return QueryInt(
        "SELECT pending_credit_minor FROM wallet_accounts WHERE id = ?",
        kEscrow);
  }
  int64_t AccountBalance(const std::string& id) {
    return QueryInt("SELECT balance_minor FROM wallet_accounts WHERE id = ?",
                    id);
  }
  int64_t TransferCount() {
    return QueryInt("SELECT COUNT(*) FROM wallet_transfers");
  }

  // Everything the wallet stores, as text: a failed call must leave it
  // exactly as it was.
  std::string State() {
    std::string state;
    EXPECT_TRUE(
        db_->Read([&](platform::Tx& tx) {
             for (const char* sql :
                  {"SELECT id, balance_minor, held_minor, "
                   "pending_credit_minor FROM wallet_accounts ORDER BY id",
                   "SELECT id, remaining_minor, state FROM wallet_holds "
                   "ORDER BY id",
                   "SELECT COUNT(*) FROM wallet_transfers",
                   "SELECT COUNT(*) FROM wallet_requests",
                   "SELECT COUNT(*) FROM events"}) {
               SQLite::Statement q(tx.db(), sql);
               while (q.executeStep()) {
                 for (int i = 0; i < q.getColumnCount(); ++i) {
                   absl::StrAppend(&state, q.getColumn(i).getString(), "|");
                 }
                 state += "\n";
               }
             }
             return absl::OkStatus();
           })
            .ok());
    return state;
  }

  // Runs `sql` in a write transaction, failing the test if it fails.
  void Exec(const std::string& sql) {
    absl::Status status = db_->Write([&](platform::Tx& tx) {
      tx.db().exec(sql);
      return absl::OkStatus();
    });
    ASSERT_TRUE(status.ok()) << status << " running " << sql;
  }

  // The problems VerifyLedger reports, as "account: what".
  std::vector<std::string> Problems() {
    auto problems = VerifyLedger(*db_);
    EXPECT_TRUE(problems.ok()) << problems.status();
    std::vector<std::string> out;
    if (!problems.ok()) return out;
    for (const LedgerProblem& p : *problems) {
      out.push_back(p.account + ": " + p.what);
    }
    return out;
  }

  // Whether some problem contains every one of `parts`.
  bool HasProblem(const std::vector<std::string>& problems,
                  std::vector<std::string> parts) {
    for (const std::string& p : problems) {
      bool all = true;
      for (const std::string& part : parts) {
        all = all && absl::StrContains(p, part);
      }
      if (all) return true;
    }
    return false;
  }

  std::vector<std::string> EventTypes() {
    std::vector<std::string> types;
    EXPECT_TRUE(db_->Read([&](platform::Tx& tx) {
                     SQLite::Statement q(tx.db(),
                                         "SELECT type FROM events ORDER BY "
                                         "seq");
                     while (q.executeStep()) types.push_back(q.getColumn(0));
                     return absl::OkStatus();
                   })
                    .ok());
    return types;
  }
};

// ---------------------------------------------------------------------------
// Open.

TEST_F(WalletTest, OpenCreatesTheSystemAccounts) {
  EXPECT_EQ(
      QueryInt("SELECT COUNT(*) FROM wallet_accounts WHERE is_system = 1"), 3);
  for (const char* id : {kWorld, kEscrow, kFees}) {
    EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM wallet_accounts WHERE id = ?", id),
              1)
        << id;
  }
  ExpectLedgerClean();
}

TEST_F(WalletTest, OpenRejectsBadOptions) {
  WalletOptions options = Options();
  options.currency = "usd";
  EXPECT_EQ(Wallet::Open(*db_, *events_, clock_, options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = Options();
  options.max_amount_minor = 0;
  EXPECT_EQ(Wallet::Open(*db_, *events_, clock_, options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = Options();
  options.user_exists = nullptr;
  EXPECT_EQ(Wallet::Open(*db_, *events_, clock_, options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(WalletTest, ReopeningKeepsTheCurrencyAndThePageTokenKey) {
  for (int i = 0; i < 3; ++i) MustDeposit(kAlice, 10);
  auto first = wallet_->List(kAlice, Kind::kUnspecified, {2, ""});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_FALSE(first->next_page_token.empty());

  WalletOptions euro = Options();
  euro.currency = "EUR";
  auto refused = Wallet::Open(*db_, *events_, clock_, euro);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "USD"))
      << refused.status();

  auto reopened = Wallet::Open(*db_, *events_, clock_, Options());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  auto second = (*reopened)->List(kAlice, Kind::kUnspecified,
                                  {2, first->next_page_token});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->transactions.size(), 1u);
  EXPECT_EQ(MustGet(kAlice).balance_minor, 30);
}

// ---------------------------------------------------------------------------
// Posting.

TEST_F(WalletTest, ANewUserHasAnEmptyWalletAndNoAccountRow) {
  Summary s = MustGet(kAlice);
  EXPECT_EQ(s.user_id, kAlice);
  EXPECT_EQ(s.balance_minor, 0);
  EXPECT_EQ(s.held_minor, 0);
  EXPECT_EQ(s.available_minor, 0);
  EXPECT_EQ(s.debt_minor, 0);
  EXPECT_EQ(s.currency, "USD");
  EXPECT_EQ(
      QueryInt("SELECT COUNT(*) FROM wallet_accounts WHERE id = ?", kAlice), 0);
}

TEST_F(WalletTest, DepositMovesMoneyFromTheWorld) {
  auto t = wallet_->Deposit(kAlice, "dep-1", Usd(1500));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_FALSE(t->id.empty());
  EXPECT_EQ(t->kind, Kind::kDeposit);
  EXPECT_EQ(t->debit_account, kWorld);
  EXPECT_EQ(t->credit_account, kAlice);
  EXPECT_EQ(t->amount_minor, 1500);
  EXPECT_EQ(t->currency, "USD");
  EXPECT_EQ(t->request_id, "dep-1");
  EXPECT_EQ(t->created, clock_.Now());
  EXPECT_EQ(t->BalanceChangeFor(kAlice), 1500);
  EXPECT_EQ(t->BalanceChangeFor(kWorld), -1500);
  EXPECT_EQ(t->BalanceChangeFor(kBob), 0);

  Summary s = MustGet(kAlice);
  EXPECT_EQ(s.balance_minor, 1500);
  EXPECT_EQ(s.available_minor, 1500);
  EXPECT_EQ(AccountBalance(kWorld), -1500);
  EXPECT_EQ(EventTypes(), std::vector<std::string>{"wallet.deposited"});
  auto read = wallet_->GetTransaction(kAlice, t->id);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->request_id, "dep-1");
  EXPECT_EQ(read->created, t->created);
  ExpectLedgerClean();
}

TEST_F(WalletTest, WithdrawMovesMoneyToTheWorld) {
  MustDeposit(kAlice, 1000);
  auto t = wallet_->Withdraw(kAlice, "w-1", Usd(300));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->kind, Kind::kWithdrawal);
  EXPECT_EQ(t->debit_account, kAlice);
  EXPECT_EQ(t->credit_account, kWorld);
  EXPECT_EQ(t->BalanceChangeFor(kAlice), -300);
  EXPECT_EQ(MustGet(kAlice).balance_minor, 700);
  EXPECT_EQ(AccountBalance(kWorld), -700);

  // All of it may go, and then nothing more.
  ASSERT_TRUE(wallet_->Withdraw(kAlice, "w-2", Usd(700)).ok());
  EXPECT_EQ(MustGet(kAlice).balance_minor, 0);
  std::string before = State();
  auto refused = wallet_->Withdraw(kAlice, "w-3", Usd(1));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "insufficient"))
      << refused.status();
  EXPECT_EQ(State(), before);
  ExpectLedgerClean();
}

TEST_F(WalletTest, TransferMovesMoneyBetweenUsers) {
  MustDeposit(kAlice, 1000);
  auto t = wallet_->Transfer(kAlice, "t-1", kBob, Usd(250), "for the bike");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->kind, Kind::kTransfer);
  EXPECT_EQ(t->debit_account, kAlice);
  EXPECT_EQ(t->credit_account, kBob);
  EXPECT_EQ(t->memo, "for the bike");
  EXPECT_EQ(MustGet(kAlice).balance_minor, 750);
  EXPECT_EQ(MustGet(kBob).balance_minor, 250);

  // Both parties see it, each with their own balance change; nobody else.
  auto for_bob = wallet_->GetTransaction(kBob, t->id);
  ASSERT_TRUE(for_bob.ok()) << for_bob.status();
  EXPECT_EQ(for_bob->BalanceChangeFor(kBob), 250);
  EXPECT_EQ(for_bob->memo, "for the bike");
  EXPECT_EQ(wallet_->GetTransaction(kCarol, t->id).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(EventTypes(), (std::vector<std::string>{"wallet.deposited",
                                                    "wallet.transferred"}));
  ExpectLedgerClean();
}

TEST_F(WalletTest, TransferMayTakeEverythingAvailableButNotMore) {
  MustDeposit(kAlice, 100);
  EXPECT_EQ(
      wallet_->Transfer(kAlice, "t-1", kBob, Usd(101), "").status().code(),
      absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(wallet_->Transfer(kAlice, "t-2", kBob, Usd(100), "").ok());
  EXPECT_EQ(MustGet(kAlice).available_minor, 0);
  EXPECT_EQ(MustGet(kBob).available_minor, 100);
}

TEST_F(WalletTest, GetTransactionNeedsAnIdAndHidesWhatIsNotYours) {
  Transaction t = MustDeposit(kAlice, 10);
  EXPECT_EQ(wallet_->GetTransaction(kAlice, "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(wallet_->GetTransaction(kAlice, "01NOSUCH").status().code(),
            absl::StatusCode::kNotFound);
  auto other = wallet_->GetTransaction(kBob, t.id);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kNotFound);
  // The same answer as for an id that does not exist.
  EXPECT_EQ(other.status().message(),
            wallet_->GetTransaction(kBob, "01NOSUCH").status().message());
}

TEST_F(WalletTest, TransactionsAreImmutable) {
  Transaction t = MustDeposit(kAlice, 10);
  absl::Status update = db_->Write([&](Tx& tx) {
    SQLite::Statement q(tx.db(),
                        "UPDATE wallet_transfers SET amount_minor = 1 "
                        "WHERE id = ?");
    q.bind(1, t.id);
    q.exec();
    return absl::OkStatus();
  });
  EXPECT_FALSE(update.ok());
  absl::Status remove = db_->Write([&](Tx& tx) {
    SQLite::Statement(tx.db(), "DELETE FROM wallet_transfers").exec();
    return absl::OkStatus();
  });
  EXPECT_FALSE(remove.ok());
  ExpectLedgerClean();
}

// ---------------------------------------------------------------------------
// Idempotency.

TEST_F(WalletTest, ARetriedDepositReturnsTheFirstTransactionOnce) {
  auto first = wallet_->Deposit(kAlice, "same", Usd(500));
  ASSERT_TRUE(first.ok()) << first.status();
  clock_.Advance(absl::Minutes(5));
  int64_t transfers = TransferCount();
  auto retry = wallet_->Deposit(kAlice, "same", Usd(500));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->id, first->id);
  EXPECT_EQ(retry->created, first->created);
  EXPECT_EQ(MustGet(kAlice).balance_minor, 500);
  EXPECT_EQ(TransferCount(), transfers);
  EXPECT_EQ(EventTypes().size(), 1u);
  ExpectLedgerClean();
}

TEST_F(WalletTest, ARetryAnswersTheSameEvenAfterTheBalanceChanged) {
  MustDeposit(kAlice, 500);
  auto withdrawn = wallet_->Withdraw(kAlice, "w", Usd(400));
  ASSERT_TRUE(withdrawn.ok()) << withdrawn.status();
  auto sent = wallet_->Transfer(kAlice, "t", kBob, Usd(100), "rent");
  ASSERT_TRUE(sent.ok()) << sent.status();
  ASSERT_EQ(MustGet(kAlice).available_minor, 0);
  // Neither could happen now, but both are retries of what did.
  auto withdraw_retry = wallet_->Withdraw(kAlice, "w", Usd(400));
  ASSERT_TRUE(withdraw_retry.ok()) << withdraw_retry.status();
  EXPECT_EQ(withdraw_retry->id, withdrawn->id);
  auto transfer_retry = wallet_->Transfer(kAlice, "t", kBob, Usd(100), "rent");
  ASSERT_TRUE(transfer_retry.ok()) << transfer_retry.status();
  EXPECT_EQ(transfer_retry->id, sent->id);
  EXPECT_EQ(MustGet(kAlice).balance_minor, 0);
  EXPECT_EQ(MustGet(kBob).balance_minor, 100);
  ExpectLedgerClean();
}

TEST_F(WalletTest, AReusedRequestIdWithOtherParametersIsAlreadyExists) {
  MustDeposit(kAlice, 1000);
  ASSERT_TRUE(wallet_->Deposit(kAlice, "d", Usd(100)).ok());
  ASSERT_TRUE(wallet_->Transfer(kAlice, "t", kBob, Usd(50), "memo").ok());
  std::string before = State();
  auto expect_reused = [&](absl::StatusOr<Transaction> result) {
    EXPECT_EQ(result.status().code(), absl::StatusCode::kAlreadyExists)
        << result.status();
    EXPECT_EQ(result.status().message(),
              "request_id: already used for a different request");
  };
  expect_reused(wallet_->Deposit(kAlice, "d", Usd(101)));
  expect_reused(wallet_->Withdraw(kAlice, "d", Usd(100)));  // another kind
  expect_reused(wallet_->Transfer(kAlice, "d", kBob, Usd(100), ""));
  expect_reused(wallet_->Transfer(kAlice, "t", kCarol, Usd(50), "memo"));
  expect_reused(wallet_->Transfer(kAlice, "t", kBob, Usd(51), "memo"));
  expect_reused(wallet_->Transfer(kAlice, "t", kBob, Usd(50), "other memo"));
  EXPECT_EQ(State(), before);
}

TEST_F(WalletTest, RequestIdsBelongToTheirUser) {
  auto alice = wallet_->Deposit(kAlice, "mine", Usd(100));
  auto bob = wallet_->Deposit(kBob, "mine", Usd(200));
  ASSERT_TRUE(alice.ok() && bob.ok());
  EXPECT_NE(alice->id, bob->id);
  EXPECT_EQ(MustGet(kAlice).balance_minor, 100);
  EXPECT_EQ(MustGet(kBob).balance_minor, 200);
}

TEST_F(WalletTest, AFailedRequestDoesNotUseUpItsId) {
  auto refused = wallet_->Withdraw(kAlice, "w", Usd(100));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  MustDeposit(kAlice, 100);
  auto retried = wallet_->Withdraw(kAlice, "w", Usd(100));
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(MustGet(kAlice).balance_minor, 0);
}

// ---------------------------------------------------------------------------
// Bad input: the exact status, the field named, nothing written.

struct BadInput {
  std::string name;
  std::function<absl::Status(Wallet&)> call;
  absl::StatusCode code;
  std::string message_prefix;
};

class WalletBadInputTest : public WalletTest,
                           public ::testing::WithParamInterface<BadInput> {};

TEST_P(WalletBadInputTest, IsRejectedAndChangesNothing) {
  MustDeposit(kAlice, 5000);
  MustDeposit(kBob, 5000);
  std::string before = State();
  absl::Status status = GetParam().call(*wallet_);
  EXPECT_EQ(status.code(), GetParam().code) << status;
  EXPECT_TRUE(absl::StartsWith(status.message(), GetParam().message_prefix))
      << status;
  EXPECT_EQ(State(), before);
  EXPECT_EQ(MustGet(kAlice).balance_minor, 5000);
  EXPECT_EQ(MustGet(kBob).balance_minor, 5000);
}

platform::Money Money(int64_t amount, std::string currency = "USD") {
  return {amount, std::move(currency)};
}

absl::Status DepositOf(Wallet& w, std::string id, platform::Money m) {
  return w.Deposit(kAlice, id, m).status();
}
absl::Status WithdrawOf(Wallet& w, std::string id, platform::Money m) {
  return w.Withdraw(kAlice, id, m).status();
}
absl::Status TransferOf(Wallet& w, std::string id, std::string to,
                        platform::Money m, std::string memo = "") {
  return w.Transfer(kAlice, id, to, m, memo).status();
}

std::vector<BadInput> BadInputs() {
  using C = absl::StatusCode;
  const C kInvalid = C::kInvalidArgument;
  std::vector<BadInput> cases;
  // The three money-moving calls share their request and amount rules.
  using Call =
      std::function<absl::Status(Wallet&, std::string, platform::Money)>;
  std::vector<std::pair<std::string, Call>> calls = {
      {"Deposit", DepositOf},
      {"Withdraw", WithdrawOf},
      {"Transfer", [](Wallet& w, std::string id, platform::Money m) {
         return TransferOf(w, id, kBob, m);
       }}};
  for (const auto& [name, call] : calls) {
    auto add = [&, call = call, name = name](std::string what, std::string id,
                                             platform::Money m, C code,
                                             std::string prefix) {
      cases.push_back({name + "_" + what,
                       [call, id, m](Wallet& w) { return call(w, id, m); },
                       code, prefix});
    };
    add("MissingRequestId", "", Money(10), kInvalid, "request_id:");
    add("RequestIdWithSpace", "a b", Money(10), kInvalid, "request_id:");
    add("RequestIdNonAscii", "r\xc3\xa9q", Money(10), kInvalid, "request_id:");
    add("RequestIdTooLong", std::string(65, 'r'), Money(10), kInvalid,
        "request_id:");
    add("ZeroAmount", "r", Money(0), kInvalid, "amount.amount_minor:");
    add("NegativeAmount", "r", Money(-10), kInvalid, "amount.amount_minor:");
    add("MinimumAmount", "r", Money(std::numeric_limits<int64_t>::min()),
        kInvalid, "amount.amount_minor:");
    add("OverTheLimit", "r", Money(1'000'001), kInvalid,
        "amount.amount_minor:");
    add("MaximumAmount", "r", Money(std::numeric_limits<int64_t>::max()),
        kInvalid, "amount.amount_minor:");
    add("OtherCurrency", "r", Money(10, "EUR"), kInvalid, "amount.currency:");
    add("NoCurrency", "r", Money(10, ""), kInvalid, "amount.currency:");
    add("LowerCaseCurrency", "r", Money(10, "usd"), kInvalid,
        "amount.currency:");
  }
  cases.push_back({"Withdraw_MoreThanAvailable",
                   [](Wallet& w) { return WithdrawOf(w, "r", Money(5001)); },
                   C::kFailedPrecondition, "wallet: insufficient funds"});
  cases.push_back(
      {"Transfer_MoreThanAvailable",
       [](Wallet& w) { return TransferOf(w, "r", kBob, Money(5001)); },
       C::kFailedPrecondition, "wallet: insufficient funds"});
  cases.push_back(
      {"Transfer_ToSelf",
       [](Wallet& w) { return TransferOf(w, "r", kAlice, Money(1)); }, kInvalid,
       "to_user_id:"});
  cases.push_back({"Transfer_NoRecipient",
                   [](Wallet& w) { return TransferOf(w, "r", "", Money(1)); },
                   kInvalid, "to_user_id:"});
  cases.push_back(
      {"Transfer_UnknownRecipient",
       [](Wallet& w) { return TransferOf(w, "r", "01NOBODY", Money(1)); },
       C::kNotFound, "to_user_id:"});
  for (const char* system : {kWorld, kEscrow, kFees}) {
    cases.push_back(
        {absl::StrCat("Transfer_ToSystemAccount_", system),
         [system](Wallet& w) { return TransferOf(w, "r", system, Money(1)); },
         C::kNotFound, "to_user_id:"});
  }
  cases.push_back({"Transfer_MemoTooLong",
                   [](Wallet& w) {
                     return TransferOf(w, "r", kBob, Money(1),
                                       std::string(201, 'm'));
                   },
                   kInvalid, "memo:"});
  cases.push_back(
      {"Transfer_MemoInvalidUtf8",
       [](Wallet& w) { return TransferOf(w, "r", kBob, Money(1), "bad \xff"); },
       kInvalid, "memo:"});
  cases.push_back({"Transfer_MemoControlCharacter",
                   [](Wallet& w) {
                     return TransferOf(w, "r", kBob, Money(1), "line\nbreak");
                   },
                   kInvalid, "memo:"});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AllCalls, WalletBadInputTest,
                         ::testing::ValuesIn(BadInputs()),
                         [](const ::testing::TestParamInfo<BadInput>& info) {
                           return info.param.name;
                         });

TEST_F(WalletTest, AMemoOf200CharactersOfAnyScriptIsFine) {
  MustDeposit(kAlice, 10);
  std::string memo;
  for (int i = 0; i < 200; ++i) memo += "\xc3\xa9";  // é: 2 bytes each
  auto t = wallet_->Transfer(kAlice, "r", kBob, Usd(1), memo);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->memo, memo);
}

TEST_F(WalletTest, TheRecipientCheckFailingIsPassedOn) {
  MustDeposit(kAlice, 10);
  WalletOptions options = Options();
  options.user_exists = [](const std::string&) {
    return absl::UnavailableError("users: down");
  };
  auto wallet = Wallet::Open(*db_, *events_, clock_, options);
  ASSERT_TRUE(wallet.ok()) << wallet.status();
  std::string before = State();
  EXPECT_EQ((*wallet)->Transfer(kAlice, "r", kBob, Usd(1), "").status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(State(), before);
}

TEST_F(WalletTest, SystemAccountsAreNotUsers) {
  for (const char* system : {kWorld, kEscrow, kFees}) {
    EXPECT_EQ(wallet_->Get(system).status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(wallet_->Withdraw(system, "r", Usd(1)).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(wallet_->Get("").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(WalletTest, ABalanceThatWouldOverflowIsRefused) {
  WalletOptions options = Options();
  options.max_amount_minor = std::numeric_limits<int64_t>::max();
  auto wallet = Wallet::Open(*db_, *events_, clock_, options);
  ASSERT_TRUE(wallet.ok()) << wallet.status();
  const int64_t max = std::numeric_limits<int64_t>::max();
  ASSERT_TRUE((*wallet)->Deposit(kAlice, "a", Usd(max)).ok());
  std::string before = State();
  auto overflow = (*wallet)->Deposit(kAlice, "b", Usd(1));
  EXPECT_EQ(overflow.status().code(), absl::StatusCode::kFailedPrecondition)
      << overflow.status();
  EXPECT_EQ(State(), before);
  // The world is at -max; one more unit is its limit, two overflow it.
  ASSERT_TRUE((*wallet)->Deposit(kBob, "c", Usd(1)).ok());
  before = State();
  EXPECT_EQ((*wallet)->Deposit(kCarol, "d", Usd(1)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(State(), before);
  ExpectLedgerClean();
}

// ---------------------------------------------------------------------------
// Holds.

TEST_F(WalletTest, AHoldReservesMoneyWithoutMovingIt) {
  MustDeposit(kAlice, 1000);
  std::string hold = MustHold(kAlice, 400, "rental:7");
  ASSERT_FALSE(hold.empty());
  Summary s = MustGet(kAlice);
  EXPECT_EQ(s.balance_minor, 1000);
  EXPECT_EQ(s.held_minor, 400);
  EXPECT_EQ(s.available_minor, 600);
  EXPECT_EQ(EscrowPending(), 400);
  EXPECT_EQ(AccountBalance(kEscrow), 0);

  auto page = wallet_->List(kAlice, Kind::kHold, {});
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->transactions.size(), 1u);
  const Transaction& t = page->transactions[0];
  EXPECT_EQ(t.debit_account, kAlice);
  EXPECT_EQ(t.credit_account, kEscrow);
  EXPECT_EQ(t.amount_minor, 400);
  EXPECT_EQ(t.hold_id, hold);
  EXPECT_EQ(t.reference, "rental:7");
  EXPECT_EQ(t.BalanceChangeFor(kAlice), 0);

  // What is held cannot be spent.
  EXPECT_EQ(wallet_->Withdraw(kAlice, "w", Usd(601)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(wallet_->Withdraw(kAlice, "w", Usd(600)).ok());
  EXPECT_EQ(EventTypes().back(), "wallet.withdrawn");
  ExpectLedgerClean();
}

TEST_F(WalletTest, AHoldNeedsAvailableMoney) {
  MustDeposit(kAlice, 100);
  MustHold(kAlice, 60);
  std::string before = State();
  absl::Status over =
      InTx([&](Tx& tx) { return wallet_->Hold(tx, kAlice, 41, "r").status(); });
  EXPECT_EQ(over.code(), absl::StatusCode::kFailedPrecondition) << over;
  // A user who never used the wallet has nothing to hold, and gets no
  // account from trying.
  absl::Status none =
      InTx([&](Tx& tx) { return wallet_->Hold(tx, kCarol, 1, "r").status(); });
  EXPECT_EQ(none.code(), absl::StatusCode::kFailedPrecondition) << none;
  for (int64_t bad : {int64_t{0}, int64_t{-1}, int64_t{1'000'001}}) {
    absl::Status invalid = InTx(
        [&](Tx& tx) { return wallet_->Hold(tx, kAlice, bad, "r").status(); });
    EXPECT_EQ(invalid.code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  absl::Status system =
      InTx([&](Tx& tx) { return wallet_->Hold(tx, kWorld, 1, "r").status(); });
  EXPECT_EQ(system.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(State(), before);
}

TEST_F(WalletTest, HoldingNeedsAWriteTransaction) {
  MustDeposit(kAlice, 100);
  std::string before = State();
  absl::Status status = db_->Read(
      [&](Tx& tx) { return wallet_->Hold(tx, kAlice, 10, "r").status(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(State(), before);
}

TEST_F(WalletTest, PostingAHoldInFullPaysTheCreditAccount) {
  MustDeposit(kAlice, 1000);
  std::string hold = MustHold(kAlice, 400, "rental:9");
  ASSERT_TRUE(InTx([&](Tx& tx) {
                return wallet_->Post(tx, hold, {400, kBob, 0});
              }).ok());
  Summary alice = MustGet(kAlice);
  EXPECT_EQ(alice.balance_minor, 600);
  EXPECT_EQ(alice.held_minor, 0);
  EXPECT_EQ(alice.available_minor, 600);
  EXPECT_EQ(MustGet(kBob).balance_minor, 400);
  EXPECT_EQ(EscrowPending(), 0);
  EXPECT_EQ(AccountBalance(kFees), 0);

  auto page = wallet_->List(kBob, Kind::kUnspecified, {});
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->transactions.size(), 1u);
  EXPECT_EQ(page->transactions[0].kind, Kind::kPayment);
  EXPECT_EQ(page->transactions[0].hold_id, hold);
  EXPECT_EQ(page->transactions[0].reference, "rental:9");
  EXPECT_EQ(page->transactions[0].BalanceChangeFor(kBob), 400);
  // Nothing released: no RELEASE entry.
  EXPECT_EQ(wallet_->List(kAlice, Kind::kRelease, {})->transactions.size(), 0u);
  EXPECT_EQ(EventTypes().back(), "wallet.posted");
  ExpectLedgerClean();
}

TEST_F(WalletTest, PostingPartOfAHoldTakesTheFeeAndReleasesTheRest) {
  MustDeposit(kAlice, 1000);
  std::string hold = MustHold(kAlice, 500);
  ASSERT_TRUE(InTx([&](Tx& tx) {
                return wallet_->Post(tx, hold, {300, kBob, 30});
              }).ok());
  Summary alice = MustGet(kAlice);
  EXPECT_EQ(alice.balance_minor, 700);
  EXPECT_EQ(alice.held_minor, 0);
  EXPECT_EQ(MustGet(kBob).balance_minor, 270);
  EXPECT_EQ(AccountBalance(kFees), 30);
  EXPECT_EQ(EscrowPending(), 0);

  auto page = wallet_->List(kAlice, Kind::kUnspecified, {});
  ASSERT_TRUE(page.ok()) << page.status();
  std::multiset<std::pair<int, int64_t>> entries;
  for (const Transaction& t : page->transactions) {
    entries.insert({static_cast<int>(t.kind), t.amount_minor});
  }
  EXPECT_EQ(entries, (std::multiset<std::pair<int, int64_t>>{
                         {static_cast<int>(Kind::kDeposit), 1000},
                         {static_cast<int>(Kind::kHold), 500},
                         {static_cast<int>(Kind::kPayment), 270},
                         {static_cast<int>(Kind::kFee), 30},
                         {static_cast<int>(Kind::kRelease), 200}}));
  int64_t change = 0;
  for (const Transaction& t : page->transactions) {
    change += t.BalanceChangeFor(kAlice);
  }
  EXPECT_EQ(change, 700);  // the history explains the balance
  ExpectLedgerClean();
}

TEST_F(WalletTest, PostingAllAsFeeOrNothingAtAll) {
  MustDeposit(kAlice, 1000);
  std::string all_fee = MustHold(kAlice, 100);
  ASSERT_TRUE(InTx([&](Tx& tx) {
                return wallet_->Post(tx, all_fee, {100, "", 100});
              }).ok());
  EXPECT_EQ(AccountBalance(kFees), 100);
  std::string nothing = MustHold(kAlice, 100);
  ASSERT_TRUE(InTx([&](Tx& tx) {
                return wallet_->Post(tx, nothing, {0, kBob, 0});
              }).ok());
  Summary alice = MustGet(kAlice);
  EXPECT_EQ(alice.balance_minor, 900);
  EXPECT_EQ(alice.held_minor, 0);
  ExpectLedgerClean();
}

TEST_F(WalletTest, AHoldIsSettledExactlyOnce) {
  MustDeposit(kAlice, 1000);
  std::string posted = MustHold(kAlice, 100);
  std::string voided = MustHold(kAlice, 100);
  ASSERT_TRUE(InTx([&](Tx& tx) {
                return wallet_->Post(tx, posted, {100, kBob, 0});
              }).ok());
  ASSERT_TRUE(InTx([&](Tx& tx) { return wallet_->Void(tx, voided); }).ok());
  std::string before = State();
  for (const std::string& hold : {posted, voided}) {
    absl::Status again_post = InTx([&](Tx& tx) {
      return wallet_->Post(tx, hold, {100, kBob, 0});
    });
    EXPECT_EQ(again_post.code(), absl::StatusCode::kFailedPrecondition)
        << again_post;
    absl::Status again_void =
        InTx([&](Tx& tx) { return wallet_->Void(tx, hold); });
    EXPECT_EQ(again_void.code(), absl::StatusCode::kFailedPrecondition)
        << again_void;
  }
  EXPECT_EQ(State(), before);
  EXPECT_EQ(MustGet(kBob).balance_minor, 100);
  ExpectLedgerClean();
}

TEST_F(WalletTest, VoidingReleasesTheHold) {
  MustDeposit(kAlice, 1000);
  std::string hold = MustHold(kAlice, 500);
  ASSERT_TRUE(InTx([&](Tx& tx) { return wallet_->Void(tx, hold); }).ok());
  Summary alice = MustGet(kAlice);
  EXPECT_EQ(alice.balance_minor, 1000);
  EXPECT_EQ(alice.held_minor, 0);
  EXPECT_EQ(alice.available_minor, 1000);
  EXPECT_EQ(EscrowPending(), 0);
  auto releases = wallet_->List(kAlice, Kind::kRelease, {});
  ASSERT_TRUE(releases.ok()) << releases.status();
  ASSERT_EQ(releases->transactions.size(), 1u);
  EXPECT_EQ(releases->transactions[0].amount_minor, 500);
  EXPECT_EQ(releases->transactions[0].BalanceChangeFor(kAlice), 0);
  EXPECT_EQ(EventTypes(),
            (std::vector<std::string>{"wallet.deposited", "wallet.held",
                                      "wallet.voided"}));
  ExpectLedgerClean();
}

TEST_F(WalletTest, BadSettlementsChangeNothing) {
  MustDeposit(kAlice, 1000);
  std::string hold = MustHold(kAlice, 500);
  std::string before = State();
  struct Case {
    std::string hold;
    Settlement settlement;
    absl::StatusCode code;
  };
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  for (const Case& c : std::vector<Case>{
           {hold, {501, kBob, 0}, kInvalid},
           {hold, {-1, kBob, 0}, kInvalid},
           {hold, {100, kBob, 101}, kInvalid},
           {hold, {100, kBob, -1}, kInvalid},
           {hold, {100, "", 0}, kInvalid},
           {hold, {100, kAlice, 0}, kInvalid},
           {hold, {100, kEscrow, 0}, kInvalid},
           {hold, {100, kWorld, 0}, kInvalid},
           {hold, {100, "not an id", 0}, kInvalid},
           {"", {100, kBob, 0}, kInvalid},
           {"01NOSUCHHOLD", {100, kBob, 0}, absl::StatusCode::kNotFound}}) {
    absl::Status status =
        InTx([&](Tx& tx) { return wallet_->Post(tx, c.hold, c.settlement); });
    EXPECT_EQ(status.code(), c.code)
        << status << " for " << c.settlement.amount_minor << " to '"
        << c.settlement.credit_account << "' fee " << c.settlement.fee_minor;
  }
  EXPECT_EQ(
      InTx([&](Tx& tx) { return wallet_->Void(tx, "01NOSUCHHOLD"); }).code(),
      absl::StatusCode::kNotFound);
  EXPECT_EQ(State(), before);
}

TEST_F(WalletTest, PostingToAUserWhoNeverUsedTheWalletCreatesTheirAccount) {
  MustDeposit(kAlice, 1000);
  std::string hold = MustHold(kAlice, 100);
  ASSERT_TRUE(InTx([&](Tx& tx) {
                return wallet_->Post(tx, hold, {100, kCarol, 0});
              }).ok());
  EXPECT_EQ(MustGet(kCarol).balance_minor, 100);
  ExpectLedgerClean();
}

// ---------------------------------------------------------------------------
// Charges and debt.

TEST_F(WalletTest, AChargeTakesFromTheHoldThenTheWalletThenIntoDebt) {
  MustDeposit(kAlice, 1000);
  std::string hold = MustHold(kAlice, 600);  // available 400

  // From the hold only: it keeps 400; nothing else changes for alice.
  absl::StatusOr<Transaction> charged;
  ASSERT_TRUE(InTx([&](Tx& tx) {
                charged =
                    wallet_->Charge(tx, kAlice, 200, kBob, "late:1", hold);
                return charged.status();
              }).ok())
      << charged.status();
  EXPECT_EQ(charged->kind, Kind::kCharge);
  EXPECT_EQ(charged->hold_id, hold);
  EXPECT_EQ(charged->BalanceChangeFor(kAlice), -200);
  Summary s = MustGet(kAlice);
  EXPECT_EQ(s.balance_minor, 800);
  EXPECT_EQ(s.held_minor, 400);
  EXPECT_EQ(s.available_minor, 400);
  EXPECT_EQ(EscrowPending(), 400);
  ExpectLedgerClean();

  // More than the hold has left: the hold is emptied, the rest comes from
  // the wallet; the hold stays open.
  ASSERT_TRUE(
      InTx([&](Tx& tx) {
        return wallet_->Charge(tx, kAlice, 700, kBob, "late:2", hold).status();
      }).ok());
  s = MustGet(kAlice);
  EXPECT_EQ(s.balance_minor, 100);
  EXPECT_EQ(s.held_minor, 0);
  EXPECT_EQ(s.available_minor, 100);
  EXPECT_EQ(EscrowPending(), 0);
  ExpectLedgerClean();

  // Without a hold, below zero: debt.
  ASSERT_TRUE(InTx([&](Tx& tx) {
                return wallet_
                    ->Charge(tx, kAlice, 300, kBob, "late:3", std::nullopt)
                    .status();
              }).ok());
  s = MustGet(kAlice);
  EXPECT_EQ(s.balance_minor, -200);
  EXPECT_EQ(s.available_minor, -200);
  EXPECT_EQ(s.debt_minor, 200);
  EXPECT_EQ(MustGet(kBob).balance_minor, 1200);

  // The emptied hold can still be closed, once, moving nothing.
  ASSERT_TRUE(InTx([&](Tx& tx) {
                return wallet_->Post(tx, hold, {0, kBob, 0});
              }).ok());
  EXPECT_EQ(MustGet(kAlice).balance_minor, -200);
  EXPECT_EQ(EventTypes(),
            (std::vector<std::string>{"wallet.deposited", "wallet.held",
                                      "wallet.charged", "wallet.charged",
                                      "wallet.charged", "wallet.posted"}));
  ExpectLedgerClean();
}

TEST_F(WalletTest, AChargeLeavesWhatTheHoldKeeps) {
  MustDeposit(kAlice, 1000);
  // Say a rental: a price of 450 kept for the owner, a deposit of 150.
  std::string hold;
  ASSERT_TRUE(InTx([&](Tx& tx) -> absl::Status {
                auto made = wallet_->Hold(tx, kAlice, 600, "rental:1", 450);
                if (made.ok()) hold = *made;
                return made.status();
              }).ok());
  auto charge = [&](int64_t amount) {
    return InTx([&](Tx& tx) {
      return wallet_->Charge(tx, kAlice, amount, kBob, "late", hold).status();
    });
  };
  ASSERT_TRUE(charge(100).ok());  // from the hold: 500 left in it
  EXPECT_EQ(MustGet(kAlice).held_minor, 500);
  EXPECT_EQ(MustGet(kAlice).balance_minor, 900);
  ASSERT_TRUE(charge(100).ok());  // 50 above the 450 kept, 50 free money
  EXPECT_EQ(MustGet(kAlice).held_minor, 450);
  EXPECT_EQ(MustGet(kAlice).balance_minor, 800);
  ASSERT_TRUE(charge(100).ok());  // nothing above the kept part: all free
  EXPECT_EQ(MustGet(kAlice).held_minor, 450);
  EXPECT_EQ(MustGet(kAlice).balance_minor, 700);
  EXPECT_EQ(MustGet(kAlice).available_minor, 250);
  ExpectLedgerClean();
  // What was kept is all there for the post.
  ASSERT_TRUE(InTx([&](Tx& tx) {
                return wallet_->Post(tx, hold, {450, kBob, 0});
              }).ok());
  EXPECT_EQ(MustGet(kAlice).balance_minor, 250);
  EXPECT_EQ(MustGet(kAlice).held_minor, 0);
  EXPECT_EQ(MustGet(kBob).balance_minor, 300 + 450);
  ExpectLedgerClean();
}

TEST_F(WalletTest, AHoldCannotKeepMoreThanItsAmountOrLessThanNothing) {
  MustDeposit(kAlice, 1000);
  const std::string before = State();
  for (int64_t keep : {int64_t{-1}, int64_t{101}}) {
    absl::Status status = InTx([&](Tx& tx) {
      return wallet_->Hold(tx, kAlice, 100, "r", keep).status();
    });
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
        << status << " keeping " << keep;
  }
  EXPECT_EQ(State(), before);
}

TEST_F(WalletTest, AChargeToTheFeesAccount) {
  MustDeposit(kAlice, 100);
  ASSERT_TRUE(InTx([&](Tx& tx) {
                return wallet_
                    ->Charge(tx, kAlice, 30, kFees, "penalty", std::nullopt)
                    .status();
              }).ok());
  EXPECT_EQ(AccountBalance(kFees), 30);
  EXPECT_EQ(MustGet(kAlice).balance_minor, 70);
  ExpectLedgerClean();
}

TEST_F(WalletTest, BadChargesChangeNothing) {
  MustDeposit(kAlice, 1000);
  MustDeposit(kBob, 1000);
  std::string alices = MustHold(kAlice, 100);
  std::string bobs = MustHold(kBob, 100);
  std::string closed = MustHold(kAlice, 100);
  ASSERT_TRUE(InTx([&](Tx& tx) { return wallet_->Void(tx, closed); }).ok());
  std::string before = State();
  struct Case {
    std::string user;
    int64_t amount;
    std::string credit;
    std::optional<std::string> hold;
    absl::StatusCode code;
  };
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  const auto kPrecondition = absl::StatusCode::kFailedPrecondition;
  for (const Case& c :
       std::vector<Case>{{kAlice, 0, kBob, std::nullopt, kInvalid},
                         {kAlice, -5, kBob, std::nullopt, kInvalid},
                         {kAlice, 1'000'001, kBob, std::nullopt, kInvalid},
                         {kAlice, 10, kAlice, std::nullopt, kInvalid},
                         {kAlice, 10, "", std::nullopt, kInvalid},
                         {kAlice, 10, kEscrow, std::nullopt, kInvalid},
                         {kWorld, 10, kBob, std::nullopt, kInvalid},
                         {kAlice, 10, kBob, std::string("01NOSUCHHOLD"),
                          absl::StatusCode::kNotFound},
                         {kAlice, 10, kCarol, bobs, kPrecondition},
                         {kAlice, 10, kBob, closed, kPrecondition},
                         {kAlice, 10, kBob, std::string(""), kInvalid}}) {
    absl::Status status = InTx([&](Tx& tx) {
      return wallet_->Charge(tx, c.user, c.amount, c.credit, "r", c.hold)
          .status();
    });
    EXPECT_EQ(status.code(), c.code) << status << " charging " << c.user << " "
                                     << c.amount << " for '" << c.credit << "'";
  }
  EXPECT_EQ(State(), before);
  (void)alices;
}

TEST_F(WalletTest, InDebtNothingCanBeSpentUntilADepositSettlesIt) {
  MustDeposit(kAlice, 100);
  ASSERT_TRUE(InTx([&](Tx& tx) {
                return wallet_
                    ->Charge(tx, kAlice, 500, kBob, "late", std::nullopt)
                    .status();
              }).ok());
  ASSERT_EQ(MustGet(kAlice).debt_minor, 400);

  auto expect_in_debt = [&] {
    std::string before = State();
    auto withdraw = wallet_->Withdraw(kAlice, NextRequestId(), Usd(1));
    EXPECT_EQ(withdraw.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_TRUE(absl::StrContains(withdraw.status().message(), "debt"))
        << withdraw.status();
    auto transfer =
        wallet_->Transfer(kAlice, NextRequestId(), kBob, Usd(1), "");
    EXPECT_EQ(transfer.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_TRUE(absl::StrContains(transfer.status().message(), "debt"))
        << transfer.status();
    absl::Status hold = InTx(
        [&](Tx& tx) { return wallet_->Hold(tx, kAlice, 1, "r").status(); });
    EXPECT_EQ(hold.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_TRUE(absl::StrContains(hold.message(), "debt")) << hold;
    EXPECT_EQ(State(), before);
  };
  expect_in_debt();
  // Receiving money is always fine; part of the debt remains.
  MustDeposit(kAlice, 300);
  ASSERT_TRUE(wallet_->Transfer(kBob, "gift", kAlice, Usd(50), "").ok());
  EXPECT_EQ(MustGet(kAlice).debt_minor, 50);
  expect_in_debt();
  // Settled, with 25 to spare.
  MustDeposit(kAlice, 75);
  Summary s = MustGet(kAlice);
  EXPECT_EQ(s.debt_minor, 0);
  EXPECT_EQ(s.available_minor, 25);
  EXPECT_TRUE(wallet_->Withdraw(kAlice, NextRequestId(), Usd(25)).ok());
  ExpectLedgerClean();
}

TEST_F(WalletTest, GetInTxSeesTheCallersUncommittedChanges) {
  MustDeposit(kAlice, 1000);
  ASSERT_TRUE(db_->Write([&](Tx& tx) -> absl::Status {
                   auto hold = wallet_->Hold(tx, kAlice, 300, "r");
                   if (!hold.ok()) return hold.status();
                   auto inside = wallet_->GetInTx(tx, kAlice);
                   if (!inside.ok()) return inside.status();
                   EXPECT_EQ(inside->held_minor, 300);
                   EXPECT_EQ(inside->available_minor, 700);
                   // A failure later in the caller's transaction undoes
                   // the hold too.
                   return absl::AbortedError("caller changed its mind");
                 })
                  .code() == absl::StatusCode::kAborted);
  EXPECT_EQ(MustGet(kAlice).held_minor, 0);
  ExpectLedgerClean();
}

// ---------------------------------------------------------------------------
// Listing.

TEST_F(WalletTest, ListPagesNewestFirstAcrossBothSides) {
  std::vector<std::string> expected;  // newest first
  for (int i = 0; i < 12; ++i) {
    expected.insert(expected.begin(), MustDeposit(kAlice, 100).id);
    auto sent = wallet_->Transfer(kAlice, NextRequestId(), kBob, Usd(10), "");
    ASSERT_TRUE(sent.ok());
    expected.insert(expected.begin(), sent->id);
    auto received =
        wallet_->Transfer(kBob, NextRequestId(), kAlice, Usd(5), "");
    ASSERT_TRUE(received.ok());
    expected.insert(expected.begin(), received->id);
  }
  std::vector<std::string> seen;
  PageRequest page{10, ""};
  int pages = 0;
  while (true) {
    auto result = wallet_->List(kAlice, Kind::kUnspecified, page);
    ASSERT_TRUE(result.ok()) << result.status();
    ++pages;
    EXPECT_LE(result->transactions.size(), 10u);
    for (const Transaction& t : result->transactions) seen.push_back(t.id);
    if (result->next_page_token.empty()) break;
    page.page_token = result->next_page_token;
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 4);
  EXPECT_EQ(seen, expected);

  // Default page size 20.
  auto first = wallet_->List(kAlice, Kind::kUnspecified, {});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->transactions.size(), 20u);
}

TEST_F(WalletTest, ListFiltersByKind) {
  for (int i = 0; i < 5; ++i) {
    MustDeposit(kAlice, 100);
    ASSERT_TRUE(
        wallet_->Transfer(kAlice, NextRequestId(), kBob, Usd(1), "").ok());
  }
  auto deposits = wallet_->List(kAlice, Kind::kDeposit, {2, ""});
  ASSERT_TRUE(deposits.ok()) << deposits.status();
  std::vector<std::string> ids;
  while (true) {
    for (const Transaction& t : deposits->transactions) {
      EXPECT_EQ(t.kind, Kind::kDeposit);
      ids.push_back(t.id);
    }
    if (deposits->next_page_token.empty()) break;
    deposits =
        wallet_->List(kAlice, Kind::kDeposit, {2, deposits->next_page_token});
    ASSERT_TRUE(deposits.ok()) << deposits.status();
  }
  EXPECT_EQ(ids.size(), 5u);
  auto bobs = wallet_->List(kBob, Kind::kTransfer, {});
  ASSERT_TRUE(bobs.ok());
  EXPECT_EQ(bobs->transactions.size(), 5u);
  EXPECT_EQ(wallet_->List(kBob, Kind::kDeposit, {})->transactions.size(), 0u);
}

TEST_F(WalletTest, APageTokenContinuesWhereItLeftOffDespiteNewEntries) {
  for (int i = 0; i < 6; ++i) MustDeposit(kAlice, 1);
  auto first = wallet_->List(kAlice, Kind::kUnspecified, {3, ""});
  ASSERT_TRUE(first.ok());
  for (int i = 0; i < 4; ++i) MustDeposit(kAlice, 1);
  auto second =
      wallet_->List(kAlice, Kind::kUnspecified, {3, first->next_page_token});
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->transactions.size(), 3u);
  EXPECT_TRUE(second->next_page_token.empty());
  EXPECT_LT(second->transactions[0].created, clock_.Now() + absl::Seconds(1));
  std::set<std::string> ids;
  for (const auto* page : {&*first, &*second}) {
    for (const Transaction& t : page->transactions) ids.insert(t.id);
  }
  EXPECT_EQ(ids.size(), 6u);
}

TEST_F(WalletTest, BadListRequestsAreInvalidArgument) {
  for (int i = 0; i < 3; ++i) MustDeposit(kAlice, 1);
  auto first = wallet_->List(kAlice, Kind::kUnspecified, {1, ""});
  ASSERT_TRUE(first.ok());
  const std::string token = first->next_page_token;
  struct Case {
    std::string user;
    Kind kind;
    PageRequest page;
    std::string prefix;
  };
  for (const Case& c : std::vector<Case>{
           {kAlice, Kind::kUnspecified, {-1, ""}, "page_size:"},
           {kAlice, Kind::kUnspecified, {101, ""}, "page_size:"},
           {kAlice, static_cast<Kind>(9), {}, "kind:"},
           {kAlice, static_cast<Kind>(-1), {}, "kind:"},
           {kAlice, Kind::kUnspecified, {1, "garbage"}, "page_token:"},
           {kAlice, Kind::kDeposit, {1, token}, "page_token:"},
           {kBob, Kind::kUnspecified, {1, token}, "page_token:"}}) {
    auto result = wallet_->List(c.user, c.kind, c.page);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument)
        << c.prefix;
    EXPECT_TRUE(absl::StartsWith(result.status().message(), c.prefix))
        << result.status();
  }
  EXPECT_TRUE(wallet_->List(kAlice, Kind::kUnspecified, {100, ""}).ok());
  clock_.Advance(absl::Hours(25));
  EXPECT_EQ(
      wallet_->List(kAlice, Kind::kUnspecified, {1, token}).status().code(),
      absl::StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------
// VerifyLedger.

TEST_F(WalletTest, VerifyFindsACorruptedBalance) {
  MustDeposit(kAlice, 1000);
  ASSERT_TRUE(wallet_->Transfer(kAlice, "t", kBob, Usd(100), "").ok());
  MustHold(kAlice, 200);
  ExpectLedgerClean();
  ASSERT_TRUE(db_->Write([&](Tx& tx) {
                   SQLite::Statement q(
                       tx.db(),
                       "UPDATE wallet_accounts SET balance_minor = "
                       "balance_minor + 7 WHERE id = ?");
                   q.bind(1, kBob);
                   q.exec();
                   return absl::OkStatus();
                 })
                  .ok());
  auto problems = VerifyLedger(*db_);
  ASSERT_TRUE(problems.ok()) << problems.status();
  ASSERT_EQ(problems->size(), 2u);
  EXPECT_EQ((*problems)[0].account, kBob);
  EXPECT_TRUE(absl::StrContains((*problems)[0].what, "balance is 107"))
      << (*problems)[0].what;
  EXPECT_TRUE(absl::StrContains((*problems)[0].what, "add up to 100"))
      << (*problems)[0].what;
  EXPECT_EQ((*problems)[1].account, "");
  EXPECT_TRUE(absl::StrContains((*problems)[1].what, "add up to 7"))
      << (*problems)[1].what;
}

TEST_F(WalletTest, VerifyFindsCorruptedHoldsAndUnexplainedDebt) {
  MustDeposit(kAlice, 1000);
  std::string hold = MustHold(kAlice, 200);
  ASSERT_TRUE(db_->Write([&](Tx& tx) {
                   // Alice's held amount and escrow's pending credits drift
                   // from the open holds; bob's available goes below zero
                   // (balance 0, held 5) without a charge, and the money
                   // sum stays zero.
                   tx.db().exec(
                       "UPDATE wallet_accounts SET held_minor = 150 "
                       "WHERE id = '01ALICE'");
                   tx.db().exec(
                       "UPDATE wallet_accounts SET pending_credit_minor = 1 "
                       "WHERE id = 'fees'");
                   tx.db().exec(
                       "INSERT INTO wallet_accounts(id, is_system, "
                       "held_minor, created_at_us) VALUES ('01BOB', 0, 5, 0)");
                   return absl::OkStatus();
                 })
                  .ok());
  auto problems = VerifyLedger(*db_);
  ASSERT_TRUE(problems.ok()) << problems.status();
  std::set<std::string> found;
  for (const LedgerProblem& p : *problems) {
    found.insert(p.account + ": " + p.what);
  }
  EXPECT_EQ(found,
            (std::set<std::string>{
                "01ALICE: held amount is 150 but its open holds have 200 "
                "left",
                "01BOB: held amount is 5 but its open holds have 0 left",
                "01BOB: available is below zero (balance 0, held 5) without "
                "any charge to explain it",
                "fees: pending credits are 1 but should be 0 (what the open "
                "holds have left)"}));
  (void)hold;
}

// ---------------------------------------------------------------------------
// A failure while writing (here: the event insert, forced by a trigger)
// comes back as a status rather than an exception, and even a caller that
// ignores it cannot commit half of the call.

TEST_F(WalletTest, AnInProcessCallThatFailsWhileWritingWritesNothing) {
  MustDeposit(kAlice, 1000);
  std::string to_post = MustHold(kAlice, 100);
  std::string to_void = MustHold(kAlice, 100);
  std::string to_charge = MustHold(kAlice, 100);
  Exec(
      "CREATE TEMP TRIGGER wallet_test_fail BEFORE INSERT ON main.events "
      "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
  const std::string before = State();
  std::vector<std::pair<std::string, std::function<absl::Status(Tx&)>>> calls =
      {{"Hold",
        [&](Tx& tx) { return wallet_->Hold(tx, kAlice, 10, "r").status(); }},
       {"Post",
        [&](Tx& tx) {
          return wallet_->Post(tx, to_post, {60, kBob, 5});
        }},
       {"Void", [&](Tx& tx) { return wallet_->Void(tx, to_void); }},
       {"Charge", [&](Tx& tx) {
          return wallet_->Charge(tx, kAlice, 150, kBob, "late", to_charge)
              .status();
        }}};
  for (const auto& [name, call] : calls) {
    absl::Status status;
    absl::Status committed;
    EXPECT_NO_THROW(committed = db_->Write([&](Tx& tx) {
      status = call(tx);
      return absl::OkStatus();  // tries to commit what the call left
    })) << name;
    EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << name << status;
    EXPECT_EQ(committed.code(), absl::StatusCode::kInternal)
        << name << committed;
    EXPECT_EQ(State(), before) << name;
  }
  Exec("DROP TRIGGER temp.wallet_test_fail");
  ExpectLedgerClean();
  // And nothing is stuck: the same calls work now.
  EXPECT_TRUE(InTx([&](Tx& tx) {
                return wallet_->Post(tx, to_post, {60, kBob, 5});
              }).ok());
  EXPECT_TRUE(InTx([&](Tx& tx) { return wallet_->Void(tx, to_void); }).ok());
  ExpectLedgerClean();
}

TEST_F(WalletTest, PostingNothingIgnoresAnUnusedCreditAccount) {
  MustDeposit(kAlice, 100);
  std::string hold = MustHold(kAlice, 50);
  // Not checked when nothing goes to it, so not even UTF-8.
  absl::Status status = InTx([&](Tx& tx) {
    return wallet_->Post(tx, hold, {10, "bad \xff", 10});
  });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(AccountBalance(kFees), 10);
  ExpectLedgerClean();
}

// ---------------------------------------------------------------------------
// VerifyLedger: corruption that every balance still agrees with.

TEST_F(WalletTest, VerifyAcceptsALedgerTheWalletNeverOpened) {
  platform::ScopedTempDir dir;
  auto fresh = platform::OpenMigratedForTest(dir.File("fresh.db"), clock_);
  ASSERT_NE(fresh, nullptr);
  auto problems = VerifyLedger(*fresh);
  ASSERT_TRUE(problems.ok()) << problems.status();
  EXPECT_TRUE(problems->empty()) << (*problems)[0].what;
}

TEST_F(WalletTest, VerifyFindsAHoldSettledTwice) {
  MustDeposit(kAlice, 1000);
  std::string hold = MustHold(kAlice, 300);
  ASSERT_TRUE(InTx([&](Tx& tx) {
                return wallet_->Post(tx, hold, {300, kBob, 0});
              }).ok());
  ExpectLedgerClean();
  // A second payment from the posted hold, with balances to match.
  Exec(absl::StrCat(
      "INSERT INTO wallet_transfers(id, kind, debit_account, credit_account, "
      "amount_minor, currency, hold_id, created_at_us) VALUES ('01TWICE', 5, "
      "'01ALICE', '01BOB', 300, 'USD', '",
      hold,
      "', 0); UPDATE wallet_accounts SET balance_minor = balance_minor - 300 "
      "WHERE id = '01ALICE'; UPDATE wallet_accounts SET balance_minor = "
      "balance_minor + 300 WHERE id = '01BOB';"));
  std::vector<std::string> problems = Problems();
  EXPECT_TRUE(HasProblem(
      problems, {"01ALICE", hold, "posted or voided twice", "01TWICE"}))
      << absl::StrJoin(problems, "\n");
}

TEST_F(WalletTest, VerifyFindsAVoidedHoldThatAlsoPaid) {
  MustDeposit(kAlice, 1000);
  MustDeposit(kBob, 1);
  std::string hold = MustHold(kAlice, 300);
  ASSERT_TRUE(InTx([&](Tx& tx) { return wallet_->Void(tx, hold); }).ok());
  // A payment from the hold besides its release, with balances to match.
  Exec(absl::StrCat(
      "INSERT INTO wallet_transfers(id, kind, debit_account, credit_account, "
      "amount_minor, currency, hold_id, created_at_us) VALUES ('01PAID', 5, "
      "'01ALICE', '01BOB', 1, 'USD', '",
      hold,
      "', 0); UPDATE wallet_accounts SET balance_minor = balance_minor - 1 "
      "WHERE id = '01ALICE'; UPDATE wallet_accounts SET balance_minor = "
      "balance_minor + 1 WHERE id = '01BOB';"));
  std::vector<std::string> problems = Problems();
  EXPECT_TRUE(HasProblem(problems, {hold, "voided", "payment entries"}))
      << absl::StrJoin(problems, "\n");
  EXPECT_TRUE(HasProblem(problems, {hold, "more than it had left"}))
      << absl::StrJoin(problems, "\n");
}

TEST_F(WalletTest, VerifyFindsMoneyFromTheWorldDisguisedAsATransfer) {
  MustDeposit(kAlice, 10);
  Exec(
      "INSERT INTO wallet_transfers(id, kind, debit_account, credit_account, "
      "amount_minor, currency, request_id, created_at_us) VALUES ('01GIFT', "
      "3, 'world', '01ALICE', 500, 'USD', 'gift', 0); "
      "INSERT INTO wallet_requests(account_id, request_id, fingerprint, "
      "transfer_id, created_at_us) VALUES ('world', 'gift', x'00', "
      "'01GIFT', 0); "
      "UPDATE wallet_accounts SET balance_minor = balance_minor - 500 "
      "WHERE id = 'world'; UPDATE wallet_accounts SET balance_minor = "
      "balance_minor + 500 WHERE id = '01ALICE';");
  std::vector<std::string> problems = Problems();
  ASSERT_EQ(problems.size(), 1u) << absl::StrJoin(problems, "\n");
  EXPECT_TRUE(HasProblem(problems, {"01GIFT", "TRANSFER", "world",
                                    "not an entry the wallet makes"}))
      << problems[0];
}

TEST_F(WalletTest, VerifyFindsARequestThatMovedMoneyTwice) {
  Transaction first = MustDeposit(kAlice, 100);
  // The retry's second deposit, under the same request id.
  Exec(absl::StrCat(
      "INSERT INTO wallet_transfers(id, kind, debit_account, credit_account, "
      "amount_minor, currency, request_id, created_at_us) VALUES ('01AGAIN', "
      "1, 'world', '01ALICE', 100, 'USD', '",
      first.request_id,
      "', 0); UPDATE wallet_accounts SET balance_minor = balance_minor - 100 "
      "WHERE id = 'world'; UPDATE wallet_accounts SET balance_minor = "
      "balance_minor + 100 WHERE id = '01ALICE';"));
  std::vector<std::string> problems = Problems();
  ASSERT_EQ(problems.size(), 1u) << absl::StrJoin(problems, "\n");
  EXPECT_TRUE(HasProblem(problems, {"01ALICE", "01AGAIN", first.request_id,
                                    absl::StrCat("records entry ", first.id)}))
      << problems[0];
}

TEST_F(WalletTest, VerifyFindsASpendBeyondWhatWasAvailable) {
  MustDeposit(kAlice, 100);
  MustHold(kAlice, 60);
  // A charge makes alice's debt explainable; the withdrawal before it
  // still took held money.
  Exec(
      "INSERT INTO wallet_transfers(id, kind, debit_account, credit_account, "
      "amount_minor, currency, request_id, created_at_us) VALUES ('01OVER', "
      "2, '01ALICE', 'world', 90, 'USD', 'over', 0); "
      "INSERT INTO wallet_requests(account_id, request_id, fingerprint, "
      "transfer_id, created_at_us) VALUES ('01ALICE', 'over', x'00', "
      "'01OVER', 0); "
      "UPDATE wallet_accounts SET balance_minor = balance_minor - 90 "
      "WHERE id = '01ALICE'; UPDATE wallet_accounts SET balance_minor = "
      "balance_minor + 90 WHERE id = 'world';");
  ASSERT_TRUE(InTx([&](Tx& tx) {
                return wallet_
                    ->Charge(tx, kAlice, 1, kBob, "late", std::nullopt)
                    .status();
              }).ok());
  std::vector<std::string> problems = Problems();
  ASSERT_EQ(problems.size(), 1u) << absl::StrJoin(problems, "\n");
  EXPECT_TRUE(HasProblem(problems, {"01ALICE", "01OVER",
                                    "left available at "
                                    "-50"}))
      << problems[0];
}

TEST_F(WalletTest, VerifyFindsAHoldWhoseRemainderDisagreesWithItsEntries) {
  MustDeposit(kAlice, 1000);
  std::string hold = MustHold(kAlice, 300);
  // Hold, held amount and escrow all agree on 200; the entries say 300.
  Exec(absl::StrCat(
      "UPDATE wallet_holds SET remaining_minor = 200 WHERE id = '", hold,
      "'; UPDATE wallet_accounts SET held_minor = 200 WHERE id = '01ALICE'; "
      "UPDATE wallet_accounts SET pending_credit_minor = 200 WHERE id = "
      "'escrow';"));
  std::vector<std::string> problems = Problems();
  ASSERT_EQ(problems.size(), 1u) << absl::StrJoin(problems, "\n");
  EXPECT_TRUE(
      HasProblem(problems, {hold, "has 200 left but its entries leave 300"}))
      << problems[0];
}

}  // namespace
}  // namespace rentwave::wallet
