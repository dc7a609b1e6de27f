// The wallet against the real binary over gRPC and REST: deposits,
// transfers, withdrawals, idempotent retries, bad input that changes
// nothing, concurrent clients, and `rentwave verify` after each scenario.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rentwave/v1/wallet.grpc.pb.h"
#include "tests/blackbox/db_inspect.h"
#include "tests/blackbox/process.h"
#include "tests/blackbox/rest_client.h"
#include "tests/blackbox/server_process.h"
#include "tests/blackbox/users_client.h"

namespace rentwave::blackbox {
namespace {

using Stub = v1::Wallet::Stub;

v1::Money Usd(int64_t minor) {
  v1::Money m;
  m.set_amount_minor(minor);
  m.set_currency("USD");
  return m;
}

// `rentwave verify` on `db`.
RunResult Verify(const std::string& db) {
  return RunProgram({BinaryPath(), "verify", "--db", db});
}

class BlackboxWallet : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok()) << server_.StderrText();
    stub_ = v1::Wallet::NewStub(server_.NewChannel());
    UsersClient users(server_.NewChannel());
    alice_ = Bearer(users.SignUp("alice", &alice_id_));
    bob_ = Bearer(users.SignUp("bob", &bob_id_));
  }
  void TearDown() override {
    RunResult verify = Verify(server_.db_path());
    EXPECT_EQ(verify.exit_code, 0) << verify.err;
  }

  grpc::Status Deposit(const std::string& auth, const std::string& request_id,
                       int64_t minor, v1::Transaction* out = nullptr) {
    v1::DepositRequest r;
    r.set_request_id(request_id);
    *r.mutable_amount() = Usd(minor);
    v1::Transaction scratch;
    return Call(*stub_, &Stub::Deposit, auth, r, out ? out : &scratch);
  }
  grpc::Status Send(const std::string& auth, const std::string& request_id,
                    const std::string& to, v1::Money amount,
                    v1::Transaction* out = nullptr) {
    v1::TransferRequest r;
    r.set_request_id(request_id);
    r.set_to_user_id(to);
    *r.mutable_amount() = amount;
    v1::Transaction scratch;
    return Call(*stub_, &Stub::Transfer, auth, r, out ? out : &scratch);
  }
  // The caller's balance and available amount, "balance/available".
  std::string Balance(const std::string& auth) {
    v1::WalletSummary summary;
    grpc::Status status =
        Call(*stub_, &Stub::GetWallet, auth, v1::GetWalletRequest(), &summary);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return absl::StrCat(summary.balance().amount_minor(), "/",
                        summary.available().amount_minor());
  }

  // Unlimited calls per user: the concurrency test sends 320 at once.
  ServerProcess server_{ServerOptions().WithArgs({"--user-rate", "0"})};
  std::unique_ptr<Stub> stub_;
  std::string alice_, alice_id_, bob_, bob_id_;
};

TEST_F(BlackboxWallet, DepositTransferWithdrawWithRetries) {
  v1::Transaction deposit;
  ASSERT_CODE(Deposit(alice_, "d-1", 10000, &deposit), OK);
  EXPECT_EQ(deposit.kind(), v1::TRANSACTION_KIND_DEPOSIT);
  EXPECT_EQ(deposit.balance_change_minor(), 10000);

  v1::Transaction sent, retried;
  ASSERT_CODE(Send(alice_, "t-1", bob_id_, Usd(2500), &sent), OK);
  EXPECT_EQ(sent.balance_change_minor(), -2500);
  // A retry returns the first transfer and moves nothing.
  ASSERT_CODE(Send(alice_, "t-1", bob_id_, Usd(2500), &retried), OK);
  EXPECT_EQ(retried.id(), sent.id());
  // The same id for another request is refused.
  EXPECT_CODE(Send(alice_, "t-1", bob_id_, Usd(2600)), ALREADY_EXISTS);
  EXPECT_EQ(Balance(alice_), "7500/7500");
  EXPECT_EQ(Balance(bob_), "2500/2500");

  v1::WithdrawRequest withdraw;
  withdraw.set_request_id("w-1");
  *withdraw.mutable_amount() = Usd(1000);
  v1::Transaction withdrawn;
  ASSERT_CODE(Call(*stub_, &Stub::Withdraw, bob_, withdraw, &withdrawn), OK);
  EXPECT_EQ(Balance(bob_), "1500/1500");

  // Bob sees his two transactions, newest first, one per page.
  v1::ListTransactionsRequest list;
  list.set_page_size(1);
  v1::ListTransactionsResponse page;
  ASSERT_CODE(Call(*stub_, &Stub::ListTransactions, bob_, list, &page), OK);
  ASSERT_EQ(page.transactions_size(), 1);
  EXPECT_EQ(page.transactions(0).id(), withdrawn.id());
  list.set_page_token(page.next_page_token());
  ASSERT_CODE(Call(*stub_, &Stub::ListTransactions, bob_, list, &page), OK);
  ASSERT_EQ(page.transactions_size(), 1);
  EXPECT_EQ(page.transactions(0).id(), sent.id());
  EXPECT_EQ(page.transactions(0).balance_change_minor(), 2500);
  // Alice cannot read Bob's withdrawal.
  v1::GetTransactionRequest get;
  get.set_transaction_id(withdrawn.id());
  v1::Transaction got;
  EXPECT_CODE(Call(*stub_, &Stub::GetTransaction, alice_, get, &got),
              NOT_FOUND);
  ASSERT_CODE(Call(*stub_, &Stub::GetTransaction, bob_, get, &got), OK);
}

TEST_F(BlackboxWallet, BadInputIsRejectedAndChangesNothing) {
  ASSERT_CODE(Deposit(alice_, "d-1", 5000), OK);
  struct Case {
    std::string name;
    std::string request_id;
    std::string to;
    v1::Money amount;
    std::string code;
    std::string field;
  } cases[] = {
      {"zero", "t-a", bob_id_, Usd(0), "INVALID_ARGUMENT", "amount"},
      {"negative", "t-b", bob_id_, Usd(-5), "INVALID_ARGUMENT", "amount"},
      {"over the limit", "t-c", bob_id_, Usd(int64_t{1} << 62),
       "INVALID_ARGUMENT", "amount"},
      {"other currency", "t-d", bob_id_,
       [] {
         v1::Money m = Usd(100);
         m.set_currency("EUR");
         return m;
       }(),
       "INVALID_ARGUMENT", "amount.currency"},
      {"no request id", "", bob_id_, Usd(100), "INVALID_ARGUMENT",
       "request_id"},
      {"to self", "t-e", alice_id_, Usd(100), "INVALID_ARGUMENT", "to_user_id"},
      {"unknown user", "t-f", "01HZZZZZZZZZZZZZZZZZZZZZZZ", Usd(100),
       "NOT_FOUND", "to_user_id"},
      {"insufficient funds", "t-g", bob_id_, Usd(5001), "FAILED_PRECONDITION",
       ""},
  };
  for (const Case& c : cases) {
    grpc::Status status = Send(alice_, c.request_id, c.to, c.amount);
    EXPECT_EQ(CodeName(status.error_code()), c.code) << c.name;
    EXPECT_TRUE(absl::StartsWith(status.error_message(), c.field))
        << c.name << ": " << status.error_message();
  }
  v1::TransferRequest anonymous;
  anonymous.set_request_id("t-h");
  anonymous.set_to_user_id(bob_id_);
  *anonymous.mutable_amount() = Usd(1);
  v1::Transaction out;
  EXPECT_CODE(Call(*stub_, &Stub::Transfer, "", anonymous, &out),
              UNAUTHENTICATED);
  EXPECT_EQ(Balance(alice_), "5000/5000");
  EXPECT_EQ(Balance(bob_), "0/0");
  // A refused request id stays free for a good request.
  ASSERT_CODE(Send(alice_, "t-g", bob_id_, Usd(5000)), OK);
  EXPECT_EQ(Balance(alice_), "0/0");
}

TEST_F(BlackboxWallet, ConcurrentClientsNeverOverspend) {
  ASSERT_CODE(Deposit(alice_, "fund", 1000), OK);
  std::atomic<int> ok{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      auto stub = v1::Wallet::NewStub(server_.NewChannel());
      for (int i = 0; i < 40; ++i) {
        grpc::Status s;
        v1::TransferRequest r;
        r.set_request_id(absl::StrCat("c-", t, "-", i));
        r.set_to_user_id(bob_id_);
        *r.mutable_amount() = Usd(7 + i);
        v1::Transaction out;
        s = Call(*stub, &Stub::Transfer, alice_, r, &out);
        if (s.ok()) {
          ++ok;
        } else if (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
          ++refused;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  // 8 x 40 transfers of 7..46 ask for 8,480 of the 1,000 Alice has.
  EXPECT_EQ(other.load(), 0);
  EXPECT_GT(ok.load(), 0);
  EXPECT_GT(refused.load(), 0);
  v1::WalletSummary a, b;
  ASSERT_CODE(
      Call(*stub_, &Stub::GetWallet, alice_, v1::GetWalletRequest(), &a), OK);
  ASSERT_CODE(Call(*stub_, &Stub::GetWallet, bob_, v1::GetWalletRequest(), &b),
              OK);
  EXPECT_GE(a.available().amount_minor(), 0);
  EXPECT_EQ(a.balance().amount_minor() + b.balance().amount_minor(), 1000);
}

TEST_F(BlackboxWallet, OverRest) {
  RestClient rest(server_.http_port());
  httplib::Headers auth = {{"Authorization", alice_}};
  RestResponse deposit =
      rest.Post("/v1/wallet:deposit",
                {{"requestId", "r-1"},
                 {"amount", {{"amountMinor", "700"}, {"currency", "USD"}}}},
                auth);
  ASSERT_EQ(deposit.status, 200) << deposit.Describe();
  EXPECT_EQ(deposit.json.value("kind", ""), "TRANSACTION_KIND_DEPOSIT");
  nlohmann::json transfer = {
      {"requestId", "r-2"},
      {"toUserId", bob_id_},
      {"amount", {{"amountMinor", "200"}, {"currency", "USD"}}},
      {"memo", "lunch"}};
  ASSERT_EQ(rest.Post("/v1/wallet:transfer", transfer, auth).status, 200);
  transfer["amount"]["amountMinor"] = "300";
  EXPECT_TRUE(IsRpcStatus(rest.Post("/v1/wallet:transfer", transfer, auth), 409,
                          6, "request_id"));
  transfer["requestId"] = "r-3";
  transfer["amount"]["amountMinor"] = "9999";
  EXPECT_TRUE(
      IsRpcStatus(rest.Post("/v1/wallet:transfer", transfer, auth), 400, 9));
  RestResponse wallet = rest.Get("/v1/wallet", auth);
  ASSERT_EQ(wallet.status, 200) << wallet.Describe();
  EXPECT_EQ(wallet.json["available"].value("amountMinor", ""), "500");
  RestResponse history =
      rest.Get("/v1/wallet/transactions?kind=TRANSACTION_KIND_TRANSFER", auth);
  ASSERT_EQ(history.status, 200) << history.Describe();
  ASSERT_EQ(history.json["transactions"].size(), 1u) << history.body;
  EXPECT_EQ(history.json["transactions"][0].value("memo", ""), "lunch");
  EXPECT_TRUE(IsRpcStatus(rest.Get("/v1/wallet"), 401, 16));
}

TEST(BlackboxVerify, ReportsACorruptLedgerAndAMissingDatabase) {
  ServerProcess server;
  ASSERT_TRUE(server.Start().ok()) << server.StderrText();
  UsersClient users(server.NewChannel());
  std::string alice_id;
  const std::string alice = Bearer(users.SignUp("alice", &alice_id));
  auto stub = v1::Wallet::NewStub(server.NewChannel());
  v1::DepositRequest deposit;
  deposit.set_request_id("d-1");
  *deposit.mutable_amount() = Usd(1234);
  v1::Transaction out;
  ASSERT_CODE(Call(*stub, &Stub::Deposit, alice, deposit, &out), OK);
  RunResult clean = Verify(server.db_path());
  EXPECT_EQ(clean.exit_code, 0) << clean.err;
  EXPECT_TRUE(absl::StrContains(clean.out, "consistent")) << clean.out;
  ASSERT_EQ(server.Stop(SIGTERM), 0);

  // Money out of nowhere: a balance its transfers do not explain.
  ExecSql(server.db_path(),
          "UPDATE wallet_accounts SET balance_minor = balance_minor + 1 "
          "WHERE id = '" +
              alice_id + "'");
  RunResult corrupt = Verify(server.db_path());
  EXPECT_EQ(corrupt.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(corrupt.err, alice_id)) << corrupt.err;

  RunResult missing = Verify(server.db_path() + ".nope");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(missing.err, "no database")) << missing.err;

  // A database that was only migrated has an empty ledger: consistent.
  const std::string fresh = server.db_path() + ".fresh";
  RunResult migrated = RunProgram({BinaryPath(), "migrate", "--db", fresh});
  ASSERT_EQ(migrated.exit_code, 0) << migrated.err;
  RunResult empty = Verify(fresh);
  EXPECT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_TRUE(absl::StrContains(empty.out, "consistent")) << empty.out;
}

}  // namespace
}  // namespace rentwave::blackbox
