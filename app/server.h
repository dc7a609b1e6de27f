// The assembled process: database, modules, gRPC server. Construction order
// is the dependency order; destruction reverses it.
#pragma once

#include <grpcpp/server.h>

#include <memory>

#include "absl/status/statusor.h"
#include "app/config.h"
#include "app/dev_clock_grpc.h"
#include "app/rest/http_gateway.h"
#include "app/rest/route_table.h"
#include "modules/events/events_grpc.h"
#include "modules/listings/listings.h"
#include "modules/listings/listings_grpc.h"
#include "modules/notifications/notifications.h"
#include "modules/notifications/notifications_grpc.h"
#include "modules/platform/clock.h"
#include "modules/platform/db.h"
#include "modules/platform/event_log.h"
#include "modules/platform/metrics.h"
#include "modules/platform/rpc.h"
#include "modules/rentals/rentals.h"
#include "modules/rentals/rentals_grpc.h"
#include "modules/users/users.h"
#include "modules/users/users_grpc.h"
#include "modules/wallet/wallet.h"
#include "modules/wallet/wallet_grpc.h"

namespace rentwave::app {

// Opens the database and applies migrations. Errors: UNAVAILABLE (cannot
// open or write the file), FAILED_PRECONDITION (database from a newer
// binary), a failing migration's error.
absl::StatusOr<std::unique_ptr<platform::Database>> OpenDatabase(
    const Config& config, const platform::Clock& clock);

class Server {
 public:
  // Builds every module, starts the event dispatcher and listens for gRPC
  // and REST. Every module reads the time from `clock`, which must outlive
  // the server. With `dev_clock` (which must then be `clock` itself; the
  // --dev-clock mode) the server also serves rentwave.v1.DevClock, which
  // moves it, and warns in the log. Errors: those of OpenDatabase;
  // INVALID_ARGUMENT for a malformed google.api.http rule, or a `dev_clock`
  // that is not `clock`; UNAVAILABLE if an address cannot be bound.
  static absl::StatusOr<std::unique_ptr<Server>> Start(
      const Config& config, const platform::Clock& clock,
      platform::ManualClock* dev_clock = nullptr);
  ~Server();

  int grpc_port() const { return grpc_port_; }
  int http_port() const { return gateway_->port(); }

  // Stops accepting calls (REST first), lets in-flight ones finish for up to
  // the configured grace period (then cancels them), drains the event log and
  // closes the database. Idempotent.
  void Shutdown();

 private:
  Server(const Config& config, const platform::Clock& clock)
      : config_(config), clock_(clock) {}
  // The second half of Shutdown, once grpc::Server::Wait has returned: every
  // call has finished, on whichever thread it ran.
  void DestroyModules();

  const Config config_;
  const platform::Clock& clock_;
  std::unique_ptr<platform::Database> db_;
  std::unique_ptr<platform::EventLog> events_;
  platform::Metrics metrics_;
  std::unique_ptr<users::Users> users_;
  std::unique_ptr<platform::RpcGate> gate_;
  std::unique_ptr<users::UsersGrpc> users_grpc_;
  // What listings know of rentals; built before listings, which rentals
  // in turn depend on.
  std::unique_ptr<rentals::Calendar> calendar_;
  std::unique_ptr<listings::Listings> listings_;
  std::unique_ptr<listings::ListingsGrpc> listings_grpc_;
  std::unique_ptr<wallet::Wallet> wallet_;
  std::unique_ptr<wallet::WalletGrpc> wallet_grpc_;
  std::unique_ptr<notifications::Notifications> notifications_;
  std::unique_ptr<notifications::NotificationsGrpc> notifications_grpc_;
  std::unique_ptr<rentals::Rentals> rentals_;
  std::unique_ptr<rentals::RentalsGrpc> rentals_grpc_;
  std::unique_ptr<events::EventsGrpc> events_grpc_;
  std::unique_ptr<rentals::LateFeeTimer> late_fee_timer_;
  std::unique_ptr<DevClockGrpc> dev_clock_grpc_;  // --dev-clock only
  std::unique_ptr<grpc::Server> grpc_;
  int grpc_port_ = 0;
  std::unique_ptr<rest::RouteTable> routes_;
  std::unique_ptr<rest::HttpGateway> gateway_;
};

}  // namespace rentwave::app
