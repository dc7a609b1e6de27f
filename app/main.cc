// rentwave: the whole backend in one process. See README.md.
#include <grpc/support/log.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdio>
#include <memory>

#include "absl/synchronization/mutex.h"
#include "app/backup.h"
#include "app/config.h"
#include "app/healthcheck.h"
#include "app/server.h"
#include "app/verify.h"
#include "modules/platform/logging.h"

namespace {

using rentwave::app::Command;

// gRPC's own log goes through spdlog. Until the server is up it is only
// debug detail: startup failures are reported as one line by Fail().
std::atomic<bool> serving{false};

void GrpcLog(gpr_log_func_args* args) {
  if (serving && args->severity == GPR_LOG_SEVERITY_ERROR) {
    spdlog::warn("grpc: {}", args->message);
  } else {
    spdlog::debug("grpc: {}", args->message);
  }
}
using rentwave::app::Config;

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "rentwave: %s\n", std::string(status.message()).c_str());
  rentwave::platform::ShutdownLogging();
  return 1;
}

int Migrate(const Config& config) {
  rentwave::platform::SystemClock clock;
  auto db = rentwave::app::OpenDatabase(config, clock);
  if (!db.ok()) return Fail(db.status());
  std::printf("rentwave: database %s is up to date\n", config.db_path.c_str());
  return 0;
}

int Serve(const Config& config, const sigset_t& shutdown_signals) {
  // The system clock, or with --dev-clock one that starts at the real time
  // and then moves only when rentwave.v1.DevClock says so.
  rentwave::platform::SystemClock system_clock;
  const rentwave::platform::Clock* clock = &system_clock;
  std::unique_ptr<rentwave::platform::ManualClock> dev_clock;
  if (config.dev_clock) {
    dev_clock =
        std::make_unique<rentwave::platform::ManualClock>(system_clock.Now());
    clock = dev_clock.get();
  }
  auto server = rentwave::app::Server::Start(config, *clock, dev_clock.get());
  if (!server.ok()) return Fail(server.status());
  // Tests and scripts wait for this line (and read the port from it).
  serving = true;
  std::printf("rentwave: serving gRPC on port %d\n", (*server)->grpc_port());
  std::printf("rentwave: serving HTTP on port %d\n", (*server)->http_port());
  std::fflush(stdout);
  int signal = 0;
  sigwait(&shutdown_signals, &signal);
  std::printf("rentwave: %s received, shutting down\n", strsignal(signal));
  std::fflush(stdout);
  (*server)->Shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Blocked before any thread starts, so every thread inherits the mask and
  // only sigwait() below sees SIGINT/SIGTERM.
  sigset_t shutdown_signals;
  sigemptyset(&shutdown_signals);
  sigaddset(&shutdown_signals, SIGINT);
  sigaddset(&shutdown_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &shutdown_signals, nullptr);
  // Debian's abseil checks every Mutex acquisition for lock-order cycles
  // (gRPC's mutexes too); that graph bookkeeping cost ~5% of a small RPC.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  Config config;
  if (int code = rentwave::app::ParseConfig(argc, argv, &config); code >= 0) {
    return code;
  }
  if (auto status = rentwave::platform::InitLogging(config.log_level);
      !status.ok()) {
    return Fail(status);
  }
  gpr_set_log_function(GrpcLog);
  int code = 0;
  switch (config.command) {
    case Command::kHealthcheck:
      code = rentwave::app::RunHealthcheck(config.grpc_listen, config.tls_cert,
                                           config.tls_server_name);
      break;
    case Command::kMigrate:
      code = Migrate(config);
      break;
    case Command::kServe:
      code = Serve(config, shutdown_signals);
      break;
    case Command::kVerify:
      code = rentwave::app::RunVerify(config.db_path);
      break;
    case Command::kBackup:
      code = rentwave::app::RunBackup(config.db_path, config.backup_path);
      break;
  }
  rentwave::platform::ShutdownLogging();
  return code;
}
