// The assembled process: database, modules, gRPC server. Construction order
// is the dependency order; destruction reverses it.
#pragma once

#include <grpcpp/server.h>

#include <memory>

#include "absl/status/statusor.h"
#include "app/config.h"
#include "modules/platform/clock.h"
#include "modules/platform/db.h"
#include "modules/platform/event_log.h"
#include "modules/platform/rpc.h"
#include "modules/users/users.h"
#include "modules/users/users_grpc.h"

namespace rentwave::app {

// Opens the database and applies migrations. Errors: UNAVAILABLE (cannot
// open or write the file), FAILED_PRECONDITION (database from a newer
// binary), a failing migration's error.
absl::StatusOr<std::unique_ptr<platform::Database>> OpenDatabase(
    const Config& config, const platform::Clock& clock);

class Server {
 public:
  // Builds every module, starts the event dispatcher and listens. Errors:
  // those of OpenDatabase; UNAVAILABLE if the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<Server>> Start(const Config& config);
  ~Server();

  int grpc_port() const { return grpc_port_; }

  // Stops accepting calls, lets in-flight ones finish for up to the
  // configured grace period (then cancels them), drains the event log and
  // closes the database. Idempotent.
  void Shutdown();

 private:
  explicit Server(const Config& config) : config_(config) {}

  const Config config_;
  platform::SystemClock clock_;
  std::unique_ptr<platform::Database> db_;
  std::unique_ptr<platform::EventLog> events_;
  std::unique_ptr<users::Users> users_;
  std::unique_ptr<platform::RpcGate> gate_;
  std::unique_ptr<users::UsersGrpc> users_grpc_;
  std::unique_ptr<grpc::Server> grpc_;
  int grpc_port_ = 0;
};

}  // namespace rentwave::app
