// Graceful shutdown: a call in flight when SIGTERM arrives still finishes.
//
// To have a call provably in flight, the test gives an account a password
// hash whose parameters make Login's verification take over a second (the
// server verifies with the parameters stored in the hash), and sends SIGTERM
// only once the otherwise idle server has burnt a quarter second of CPU time,
// i.e. while it is inside that verification.
#include <gtest/gtest.h>
#include <sodium.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <future>
#include <sstream>

#include "tests/blackbox/db_inspect.h"
#include "tests/blackbox/server_process.h"
#include "tests/blackbox/users_client.h"

namespace rentwave::blackbox {
namespace {

constexpr size_t kHashMemory = 16 << 20;

std::string HashWithOps(unsigned long long ops) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, kPassword, sizeof(kPassword) - 1, ops,
                            kHashMemory, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    ADD_FAILURE() << "crypto_pwhash_str_alg failed";
    return "";
  }
  return out;
}

// CPU seconds this thread has used.
double ThreadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + t.tv_nsec / 1e9;
}

// An Argon2id hash of kPassword that takes about `target` of CPU time to
// verify here. Calibrated on CPU time, not wall time: on a busy machine a
// wall-clock probe looks slow and the hash came out too cheap for the test
// to see the server working on it.
std::string SlowHash(std::chrono::milliseconds target) {
  constexpr unsigned long long kProbeOps = 3;
  const double start = ThreadCpuSeconds();
  HashWithOps(kProbeOps);
  double per_op = (ThreadCpuSeconds() - start) / kProbeOps;
  double ops = std::chrono::duration<double>(target).count() / per_op;
  return HashWithOps(std::max(kProbeOps, static_cast<unsigned long long>(ops)));
}

// User plus system CPU time of `pid` so far, in clock ticks.
long CpuTicks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  // Fields after the parenthesized command name; utime and stime are the
  // 14th and 15th fields overall, the 12th and 13th after it.
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 1; i <= 13 && rest >> field; ++i) {
    if (i == 12) utime = std::stol(field);
    if (i == 13) stime = std::stol(field);
  }
  return utime + stime;
}

TEST(BlackboxShutdown, InFlightCallFinishes) {
  ASSERT_EQ(sodium_init() >= 0, true);
  ServerProcess server(ServerOptions().WithArgs({"--shutdown-grace", "30"}));
  ASSERT_TRUE(server.Start().ok()) << server.StderrText();
  UsersClient(server.NewChannel()).SignUp("olivia");
  ASSERT_EQ(server.Stop(SIGTERM), 0);
  std::string hash = SlowHash(std::chrono::milliseconds(1500));
  ASSERT_EQ(hash.find('\''), std::string::npos);
  ExecSql(server.db_path(), "UPDATE users_accounts SET password_hash = '" +
                                hash + "' WHERE username = 'olivia'");

  ASSERT_TRUE(server.Start().ok()) << server.StderrText();
  const long idle = CpuTicks(server.pid());
  UsersClient client(server.NewChannel());
  v1::LoginResponse login;
  auto call = std::async(std::launch::async, [&] {
    return client.Login("olivia", kPassword, &login);
  });
  const long quarter_second = sysconf(_SC_CLK_TCK) / 4;
  ASSERT_TRUE(
      WaitFor([&] { return CpuTicks(server.pid()) - idle >= quarter_second; },
              std::chrono::seconds(20)))
      << "the server never started verifying the password";
  ASSERT_NE(call.wait_for(std::chrono::seconds(0)), std::future_status::ready)
      << "the call finished before the signal; make the hash slower";

  EXPECT_EQ(server.Stop(SIGTERM), 0) << server.StderrText();
  EXPECT_CODE(call.get(), OK);
  EXPECT_FALSE(login.access_token().empty());
  EXPECT_NE(server.StdoutText().find("shutting down"), std::string::npos);
  EXPECT_NE(server.StderrText().find("rpc /rentwave.v1.Users/Login code=OK"),
            std::string::npos)
      << server.StderrText();
}

}  // namespace
}  // namespace rentwave::blackbox
