// A full disk, simulated with --db-max-bytes (SQLite's max_page_count):
// writes fail with UNAVAILABLE and one clear log line, reads go on, nothing
// is half-written, and the same database works again once there is room.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/blackbox/db_inspect.h"
#include "tests/blackbox/process.h"
#include "tests/blackbox/server_process.h"
#include "tests/blackbox/users_client.h"

namespace rentwave::blackbox {
namespace {

TEST(BlackboxStorageFull, WritesFailCleanlyReadsGoOnAndItRecovers) {
  TempDir dir;
  const std::string db = dir.File("full.db");
  std::string alice;
  {
    ServerProcess first(ServerOptions().WithDb(db));
    ASSERT_TRUE(first.Start().ok()) << first.StderrText();
    alice = Bearer(UsersClient(first.NewChannel()).SignUp("alice"));
    ASSERT_EQ(first.Stop(SIGTERM), 0);
  }
  const auto size = std::filesystem::file_size(db);
  ServerProcess server(ServerOptions().WithDb(db).WithArgs(
      {"--db-max-bytes", std::to_string(size + 16 * 1024)}));
  ASSERT_TRUE(server.Start().ok()) << server.StderrText();
  int registered = 0;
  grpc::Status refused;
  {
    UsersClient users(server.NewChannel());
    for (int i = 0; i < 2000; ++i) {
      grpc::Status s = users.Register(absl::StrCat("user", i), kPassword);
      if (!s.ok()) {
        refused = s;
        break;
      }
      ++registered;
    }
    EXPECT_CODE(refused, UNAVAILABLE);
    EXPECT_GT(registered, 0) << "the cap left no room at all";
    // Still full; reads go on.
    EXPECT_CODE(users.Register("late", kPassword), UNAVAILABLE);
    v1::User me;
    EXPECT_CODE(users.GetMe(alice, &me), OK);
    EXPECT_EQ(me.username(), "alice");
    EXPECT_CODE(users.Login("user0", kPassword), OK);
    EXPECT_TRUE(server.WaitForStderr("storage unavailable, writes refused"));
  }
  ASSERT_EQ(server.Stop(SIGTERM), 0);
  // Nothing half-written: every account has its event, and no more.
  EXPECT_EQ(CountRows(db, "users_accounts"), 1 + registered);
  EXPECT_EQ(CountRows(db, "events"), 1 + registered);
  RunResult verify = RunProgram({BinaryPath(), "verify", "--db", db});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  // With room again, the same database takes writes.
  ServerProcess roomy(ServerOptions().WithDb(db));
  ASSERT_TRUE(roomy.Start().ok()) << roomy.StderrText();
  {
    UsersClient users(roomy.NewChannel());
    EXPECT_CODE(users.Register("late", kPassword), OK);
  }
  EXPECT_EQ(roomy.Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace rentwave::blackbox
