#include "tests/blackbox/server_process.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <sys/wait.h>

#include <regex>

#include "absl/strings/str_cat.h"

namespace rentwave::blackbox {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(20);
constexpr auto kStopTimeout = std::chrono::seconds(20);

// The port from the ready line for `protocol` ("gRPC" or "HTTP"), or 0 if
// it has not been printed yet.
int ReadyPort(const std::string& out, const std::string& protocol) {
  const std::regex kReady("^rentwave: serving " + protocol +
                          " on port ([0-9]+)$");
  for (const std::string& line : Lines(out)) {
    std::smatch m;
    if (std::regex_match(line, m, kReady)) return std::stoi(m[1].str());
  }
  return 0;
}

}  // namespace

const char* BinaryPath() { return RENTWAVE_BINARY; }

ServerProcess::ServerProcess(ServerOptions options)
    : options_(std::move(options)),
      db_path_(options_.db_path.empty() ? dir_.File("rentwave.db")
                                        : options_.db_path) {}

ServerProcess::~ServerProcess() { Kill(); }

std::vector<std::string> ServerProcess::CommandLine(
    const std::string& subcommand) const {
  std::vector<std::string> argv = {
      BinaryPath(),      subcommand,      "--db",          db_path_,
      "--grpc-listen",   options_.listen, "--http-listen", options_.http_listen,
      "--password-cost", "minimum",       "--log-level",   options_.log_level};
  if (!options_.token_secret.empty()) {
    argv.insert(argv.end(), {"--token-secret", options_.token_secret});
  }
  argv.insert(argv.end(), options_.extra_args.begin(),
              options_.extra_args.end());
  return argv;
}

absl::Status ServerProcess::Start() {
  if (running()) return absl::FailedPreconditionError("already running");
  ++generation_;
  port_ = 0;
  http_port_ = 0;
  exit_code_.reset();
  pid_ = Spawn(CommandLine("serve"), StdoutPath(), StderrPath());
  bool ready = WaitFor(
      [&] {
        // The HTTP line is printed after the gRPC one, when all is up.
        http_port_ = ReadyPort(StdoutText(), "HTTP");
        port_ = ReadyPort(StdoutText(), "gRPC");
        if (http_port_ != 0 && port_ != 0) return true;
        exit_code_ = WaitForExit(pid_, std::chrono::milliseconds(0));
        return exit_code_.has_value();
      },
      kStartTimeout);
  if (ready && port_ != 0 && http_port_ != 0) return absl::OkStatus();
  bool exited = exit_code_.has_value();
  if (exited) {
    pid_ = -1;
  } else {
    Kill();
  }
  return absl::UnavailableError(absl::StrCat(
      "rentwave did not become ready (",
      exited ? absl::StrCat("exit code ", *exit_code_) : "timed out",
      "); stderr:\n", StderrText()));
}

int ServerProcess::Stop(int signal) {
  if (!running()) return -1;
  kill(pid_, signal);
  exit_code_ = WaitForExit(pid_, kStopTimeout);
  if (!exit_code_) {
    Kill();
    return -1;
  }
  pid_ = -1;
  return *exit_code_;
}

void ServerProcess::Kill() {
  if (!running()) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  exit_code_ = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
  pid_ = -1;
}

absl::Status ServerProcess::Restart() {
  if (running()) {
    int code = Stop(SIGTERM);
    if (code != 0) {
      return absl::InternalError(
          absl::StrCat("stopping for a restart exited ", code));
    }
  }
  return Start();
}

std::string ServerProcess::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

std::string ServerProcess::StdoutPath() const {
  return dir_.File(absl::StrCat("stdout.", generation_, ".log"));
}

std::string ServerProcess::StderrPath() const {
  return dir_.File(absl::StrCat("stderr.", generation_, ".log"));
}

std::string ServerProcess::StdoutText() const { return ReadFile(StdoutPath()); }

std::string ServerProcess::StderrText() const { return ReadFile(StderrPath()); }

bool ServerProcess::WaitForStderr(const std::string& needle,
                                  std::chrono::milliseconds timeout) const {
  return WaitFor([&] { return StderrText().find(needle) != std::string::npos; },
                 timeout);
}

std::shared_ptr<grpc::Channel> ServerProcess::NewChannel() const {
  return grpc::CreateChannel(address(), grpc::InsecureChannelCredentials());
}

std::unique_ptr<v1::Users::Stub> ServerProcess::NewUsersStub() const {
  return v1::Users::NewStub(NewChannel());
}

}  // namespace rentwave::blackbox
