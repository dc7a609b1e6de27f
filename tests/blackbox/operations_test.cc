// Operating the binary: signals, the healthcheck and migrate subcommands.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "tests/blackbox/db_inspect.h"
#include "tests/blackbox/net.h"
#include "tests/blackbox/process.h"
#include "tests/blackbox/server_process.h"
#include "tests/blackbox/users_client.h"

namespace rentwave::blackbox {
namespace {

TEST(BlackboxOperations, SigtermAndSigintShutDownCleanly) {
  for (int signal : {SIGTERM, SIGINT}) {
    SCOPED_TRACE(strsignal(signal));
    ServerProcess server;
    ASSERT_TRUE(server.Start().ok()) << server.StderrText();
    UsersClient(server.NewChannel()).SignUp("mallory");
    EXPECT_EQ(server.Stop(signal), 0) << server.StderrText();
    EXPECT_NE(server.StderrText().find("shut down cleanly"), std::string::npos)
        << server.StderrText();
    // The access log of the calls made it out before the exit.
    EXPECT_NE(server.StderrText().find("rpc /rentwave.v1.Users/Login code=OK"),
              std::string::npos)
        << server.StderrText();
  }
}

TEST(BlackboxOperations, HealthcheckSubcommand) {
  ServerProcess server;
  ASSERT_TRUE(server.Start().ok()) << server.StderrText();
  RunResult up = RunProgram(
      {BinaryPath(), "healthcheck", "--grpc-listen", server.address()});
  EXPECT_EQ(up.exit_code, 0) << up.err;

  // Bound but not listening: connections are refused, and nobody else can
  // take the port meanwhile.
  HeldPort closed(/*listen=*/false);
  RunResult down = RunProgram({BinaryPath(), "healthcheck", "--grpc-listen",
                               "127.0.0.1:" + std::to_string(closed.port())});
  EXPECT_NE(down.exit_code, 0);
  EXPECT_NE(down.exit_code, -1) << "healthcheck hung";
  EXPECT_NE(down.err.find("rentwave healthcheck"), std::string::npos)
      << down.err;

  ASSERT_EQ(server.Stop(SIGTERM), 0);
  RunResult stopped = RunProgram(
      {BinaryPath(), "healthcheck", "--grpc-listen", server.address()});
  EXPECT_NE(stopped.exit_code, 0);
  EXPECT_NE(stopped.exit_code, -1) << "healthcheck hung";
}

TEST(BlackboxOperations, MigrateIsIdempotent) {
  TempDir dir;
  const std::string db = dir.File("fresh.db");
  RunResult first = RunProgram({BinaryPath(), "migrate", "--db", db});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const int64_t applied = CountRows(db, "schema_migrations");
  EXPECT_GT(applied, 0);
  EXPECT_EQ(CountRows(db, "users_accounts"), 0);

  RunResult second = RunProgram({BinaryPath(), "migrate", "--db", db});
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(CountRows(db, "schema_migrations"), applied);

  // A migrated database serves.
  ServerProcess server(ServerOptions().WithDb(db));
  ASSERT_TRUE(server.Start().ok()) << server.StderrText();
  UsersClient(server.NewChannel()).SignUp("niaj");
  EXPECT_EQ(server.Stop(SIGTERM), 0);
  EXPECT_EQ(CountRows(db, "schema_migrations"), applied);
}

}  // namespace
}  // namespace rentwave::blackbox
