// `rentwave backup FILE` beside a running server that keeps writing: the
// copy passes `rentwave verify`, a server started on it has the data, and
// the command refuses to overwrite a file or to copy a missing database.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "rentwave/v1/wallet.grpc.pb.h"
#include "tests/blackbox/process.h"
#include "tests/blackbox/server_process.h"
#include "tests/blackbox/users_client.h"

namespace rentwave::blackbox {
namespace {

using WalletStub = v1::Wallet::Stub;

grpc::Status Deposit(WalletStub& wallet, const std::string& auth,
                     const std::string& request_id) {
  v1::DepositRequest r;
  r.set_request_id(request_id);
  r.mutable_amount()->set_amount_minor(100);
  r.mutable_amount()->set_currency("USD");
  v1::Transaction out;
  return Call(wallet, &WalletStub::Deposit, auth, r, &out);
}

int64_t Balance(WalletStub& wallet, const std::string& auth) {
  v1::WalletSummary s;
  EXPECT_CODE(
      Call(wallet, &WalletStub::GetWallet, auth, v1::GetWalletRequest(), &s),
      OK);
  return s.balance().amount_minor();
}

TEST(BlackboxBackup, ConsistentCopyWhileWritesGoOn) {
  ServerProcess server(ServerOptions().WithArgs({"--user-rate", "0"}));
  ASSERT_TRUE(server.Start().ok()) << server.StderrText();
  TempDir out;
  const std::string copy = out.File("copy.db");
  std::string auth;
  int64_t deposited_before = 0;
  {
    UsersClient users(server.NewChannel());
    auth = Bearer(users.SignUp("bea"));
    auto wallet = v1::Wallet::NewStub(server.NewChannel());
    for (int i = 0; i < 20; ++i) {
      ASSERT_CODE(Deposit(*wallet, auth, absl::StrCat("before-", i)), OK);
    }
    deposited_before = Balance(*wallet, auth);
    std::atomic<bool> stop{false};
    std::atomic<int> during{0};
    std::thread writer([&] {
      for (int i = 0; !stop; ++i) {
        if (Deposit(*wallet, auth, absl::StrCat("during-", i)).ok()) ++during;
      }
    });
    WaitFor([&] { return during > 5; }, std::chrono::seconds(10));
    RunResult backup =
        RunProgram({BinaryPath(), "backup", "--db", server.db_path(), copy});
    stop = true;
    writer.join();
    EXPECT_EQ(backup.exit_code, 0) << backup.err;
    EXPECT_NE(backup.out.find("pages"), std::string::npos) << backup.out;
    EXPECT_GT(during.load(), 5);
  }
  ASSERT_EQ(server.Stop(SIGTERM), 0);

  RunResult verify = RunProgram({BinaryPath(), "verify", "--db", copy});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  // A server on the copy has everything committed before the backup began.
  ServerProcess restored(ServerOptions().WithDb(copy));
  ASSERT_TRUE(restored.Start().ok()) << restored.StderrText();
  {
    auto wallet = v1::Wallet::NewStub(restored.NewChannel());
    EXPECT_GE(Balance(*wallet, auth), deposited_before);
  }
  EXPECT_EQ(restored.Stop(SIGTERM), 0);

  // Never over an existing file; never from a missing database.
  RunResult again =
      RunProgram({BinaryPath(), "backup", "--db", server.db_path(), copy});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("not overwriting"), std::string::npos) << again.err;
  RunResult missing = RunProgram(
      {BinaryPath(), "backup", "--db", out.File("none.db"), out.File("x.db")});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no database"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace rentwave::blackbox
