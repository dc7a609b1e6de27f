// Runs the real `rentwave` binary as a child process for black-box tests: a
// fresh temporary directory and database, a free port, output captured to
// files, and clients that talk to it.
#pragma once

#include <grpcpp/channel.h>
#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "rentwave/v1/users.grpc.pb.h"
#include "tests/blackbox/process.h"

namespace rentwave::blackbox {

// The path of the binary under test (from the build).
const char* BinaryPath();

// The token secret servers get unless ServerOptions says otherwise; tests
// forge tokens with it.
inline constexpr char kTokenSecret[] = "blackbox-secret-0123456789abcdef0123";

struct ServerOptions {
  // --grpc-listen; port 0 picks a free port.
  std::string listen = "127.0.0.1:0";
  // --http-listen (the REST facade); port 0 picks a free port.
  std::string http_listen = "127.0.0.1:0";
  // --token-secret; empty: not passed (the server keeps its own in the db).
  std::string token_secret = kTokenSecret;
  // --db; empty: rentwave.db in the server's temporary directory.
  std::string db_path;
  // --log-level.
  std::string log_level = "info";
  // Appended to the command line (e.g. {"--max-message-bytes", "1024"}).
  std::vector<std::string> extra_args;

  // Fluent setters: ServerProcess server(ServerOptions().WithDb(path));
  ServerOptions& WithListen(std::string v) {
    listen = std::move(v);
    return *this;
  }
  ServerOptions& WithTokenSecret(std::string v) {
    token_secret = std::move(v);
    return *this;
  }
  ServerOptions& WithDb(std::string v) {
    db_path = std::move(v);
    return *this;
  }
  ServerOptions& WithArgs(std::vector<std::string> v) {
    extra_args = std::move(v);
    return *this;
  }
};

// One server process. Not thread-safe. The destructor kills a child that is
// still running.
class ServerProcess {
 public:
  explicit ServerProcess(ServerOptions options = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts the binary and waits (up to 20 s) for its ready line. Errors:
  // FAILED_PRECONDITION if already running; UNAVAILABLE if it exits or stays
  // silent (the message includes its exit code and stderr).
  absl::Status Start();
  // Sends `signal` and waits (up to 20 s, then SIGKILL) for the exit.
  // Returns the exit code (128 + n if killed by signal n). Destroy channels
  // first: a graceful shutdown waits (up to --shutdown-grace) for connected
  // clients to leave, and an idle gRPC C++ client only reads the GOAWAY at
  // its next backup poll, up to 5 s later.
  int Stop(int signal = SIGTERM);
  // SIGKILL and reap; no-op if not running.
  void Kill();
  // Stop(SIGTERM) (if running) then Start() on the same database. The port
  // may change.
  absl::Status Restart();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // The exit code of the last run that ended (128 + n if killed by signal
  // n), or nullopt if none has.
  std::optional<int> exit_code() const { return exit_code_; }
  int port() const { return port_; }
  int http_port() const { return http_port_; }
  // "127.0.0.1:<port>".
  std::string address() const;
  const std::string& db_path() const { return db_path_; }
  const TempDir& dir() const { return dir_; }

  // What the current (or last) run wrote so far.
  std::string StdoutText() const;
  std::string StderrText() const;
  // Waits (bounded) until the current run's stderr contains `needle`. Logs
  // are flushed asynchronously, so use this rather than StderrText() to look
  // for a log line of a call that just finished.
  bool WaitForStderr(
      const std::string& needle,
      std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

  // A new channel to the server.
  std::shared_ptr<grpc::Channel> NewChannel() const;
  std::unique_ptr<v1::Users::Stub> NewUsersStub() const;

  // The command line Start() uses (for tests that run other subcommands).
  std::vector<std::string> CommandLine(const std::string& subcommand) const;

 private:
  std::string StdoutPath() const;
  std::string StderrPath() const;

  ServerOptions options_;
  TempDir dir_;
  std::string db_path_;
  pid_t pid_ = -1;
  int port_ = 0;
  int http_port_ = 0;
  std::optional<int> exit_code_;
  int generation_ = 0;  // numbers the log files of successive runs
};

}  // namespace rentwave::blackbox
