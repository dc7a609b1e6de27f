// The modules a rentals workload needs, built in process on one database as
// app/server.cc builds them (without gRPC, the event dispatcher or the
// late-fee timer): for seeding benchmark databases through the public APIs.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "modules/listings/listings.h"
#include "modules/notifications/notifications.h"
#include "modules/platform/clock.h"
#include "modules/platform/db.h"
#include "modules/platform/event_log.h"
#include "modules/rentals/rentals.h"
#include "modules/users/users.h"
#include "modules/wallet/wallet.h"

namespace rentwave::bench {

struct TimerModules {
  // Opens (creating and migrating) the database at `path` with
  // synchronous=NORMAL and seeding-speed pragmas, and builds the modules on
  // `clock`, which must outlive them: users with the minimum password cost,
  // wallet in USD (the server's default currency), default rentals options.
  // Errors: those of the database and of the modules' Open.
  static absl::StatusOr<std::unique_ptr<TimerModules>> Open(
      const std::string& path, const platform::Clock& clock);

  // Declared in construction order: destroyed in reverse, database last.
  std::unique_ptr<platform::Database> db;
  std::unique_ptr<platform::EventLog> events;
  std::unique_ptr<users::Users> users;
  std::unique_ptr<rentals::Calendar> calendar;
  std::unique_ptr<listings::Listings> listings;
  std::unique_ptr<wallet::Wallet> wallet;
  std::unique_ptr<notifications::Notifications> notifications;
  std::unique_ptr<rentals::Rentals> rentals;
};

}  // namespace rentwave::bench
