// The binary refuses to start, with one `rentwave: <reason>` line on stderr
// and a non-zero exit code, when it cannot serve safely.
#include <gtest/gtest.h>

#include <string>

#include "tests/blackbox/db_inspect.h"
#include "tests/blackbox/net.h"
#include "tests/blackbox/process.h"
#include "tests/blackbox/server_process.h"

namespace rentwave::blackbox {
namespace {

// Starts a server with `options` and expects it to fail with exactly one
// reason line on stderr containing `reason`.
void ExpectStartupFailure(ServerOptions options, const std::string& reason) {
  ServerProcess server(std::move(options));
  ASSERT_FALSE(server.Start().ok())
      << "started (port " << server.port() << ") but should not have";
  ASSERT_TRUE(server.exit_code().has_value());
  EXPECT_NE(*server.exit_code(), 0);
  EXPECT_LT(*server.exit_code(), 128) << "crashed rather than exiting";
  std::vector<std::string> reasons;
  for (const std::string& line : Lines(server.StderrText())) {
    if (line.rfind("rentwave: ", 0) == 0) reasons.push_back(line);
  }
  ASSERT_EQ(reasons.size(), 1u) << server.StderrText();
  EXPECT_NE(reasons[0].find(reason), std::string::npos) << reasons[0];
  EXPECT_EQ(server.StdoutText().find("serving"), std::string::npos);
}

TEST(BlackboxStartupFailure, PortHeldByAnotherProgram) {
  HeldPort held(/*listen=*/true);
  ExpectStartupFailure(
      ServerOptions().WithListen("127.0.0.1:" + std::to_string(held.port())),
      "cannot listen on 127.0.0.1:" + std::to_string(held.port()));
}

TEST(BlackboxStartupFailure, PortHeldByAnotherRentwave) {
  ServerProcess first;
  ASSERT_TRUE(first.Start().ok()) << first.StderrText();
  ExpectStartupFailure(ServerOptions().WithListen(first.address()),
                       "cannot listen on " + first.address());
  // The first server is unaffected.
  EXPECT_EQ(first.Stop(SIGTERM), 0);
}

TEST(BlackboxStartupFailure, DatabaseUnderMissingDirectory) {
  TempDir dir;
  ExpectStartupFailure(
      ServerOptions().WithDb(dir.File("no/such/dir/rentwave.db")),
      "cannot open database");
}

TEST(BlackboxStartupFailure, DatabaseUnderProc) {
  ExpectStartupFailure(ServerOptions().WithDb("/proc/rentwave.db"),
                       "cannot open database");
}

TEST(BlackboxStartupFailure, DatabaseFromANewerBinary) {
  TempDir dir;
  const std::string db = dir.File("newer.db");
  RunResult migrated = RunProgram({BinaryPath(), "migrate", "--db", db});
  ASSERT_EQ(migrated.exit_code, 0) << migrated.err;
  ExecSql(db,
          "INSERT INTO schema_migrations(version, name, applied_at_us) "
          "VALUES (9999, 'from_the_future', 0)");
  ExpectStartupFailure(ServerOptions().WithDb(db), "newer");
  // `migrate` refuses it too, and neither touched it.
  RunResult again = RunProgram({BinaryPath(), "migrate", "--db", db});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("newer"), std::string::npos) << again.err;
  EXPECT_EQ(CountRows(db, "schema_migrations WHERE version = 9999"), 1);
}

TEST(BlackboxStartupFailure, ShortTokenSecret) {
  ServerProcess server(ServerOptions().WithTokenSecret("too-short"));
  EXPECT_FALSE(server.Start().ok());
  ASSERT_TRUE(server.exit_code().has_value());
  EXPECT_NE(*server.exit_code(), 0);
  EXPECT_NE(server.StderrText().find("32 bytes"), std::string::npos)
      << server.StderrText();
}

}  // namespace
}  // namespace rentwave::blackbox
