#include "bench/timer_modules.h"

#include "modules/platform/migrations.h"
#include "modules/platform/status.h"

namespace rentwave::bench {

absl::StatusOr<std::unique_ptr<TimerModules>> TimerModules::Open(
    const std::string& path, const platform::Clock& clock) {
  auto m = std::make_unique<TimerModules>();
  platform::DatabaseOptions db_options;
  db_options.path = path;
  db_options.synchronous_full = false;
  RW_ASSIGN_OR_RETURN(m->db, platform::Database::Open(db_options));
  // Seeding only, for speed: the savepoints of a group commit keep their
  // undo pages in a statement journal, by default a temporary file (a
  // pwrite per first change of a page in each savepoint); a group dirties
  // more pages than the default 2 MB cache holds; fewer checkpoints copy a
  // hot page fewer times.
  RW_RETURN_IF_ERROR(m->db->ForEachConnection([](SQLite::Database& c) {
    c.exec("PRAGMA temp_store=MEMORY");
    c.exec("PRAGMA cache_size=-262144");  // 256 MiB
    c.exec("PRAGMA wal_autocheckpoint=16384");
    return absl::OkStatus();
  }));
  RW_RETURN_IF_ERROR(
      platform::ApplyMigrations(*m->db, platform::EmbeddedMigrations(), clock));
  m->events = std::make_unique<platform::EventLog>(*m->db, clock);
  users::UsersOptions users_options;
  users_options.password_cost = users::PasswordCost::kMinimum;
  RW_ASSIGN_OR_RETURN(
      m->users, users::Users::Create(*m->db, *m->events, clock, users_options));
  m->calendar = std::make_unique<rentals::Calendar>(clock);
  RW_ASSIGN_OR_RETURN(
      m->listings,
      listings::Listings::Open(*m->db, *m->events, clock, *m->calendar));
  wallet::WalletOptions wallet_options;
  users::Users* users = m->users.get();
  wallet_options.user_exists = [users](const std::string& user_id) {
    return users->GetProfile(user_id).status();
  };
  RW_ASSIGN_OR_RETURN(m->wallet,
                      wallet::Wallet::Open(*m->db, *m->events, clock,
                                           std::move(wallet_options)));
  RW_ASSIGN_OR_RETURN(m->notifications, notifications::Notifications::Open(
                                            *m->db, *m->events, clock));
  RW_ASSIGN_OR_RETURN(m->rentals, rentals::Rentals::Open(
                                      *m->db, *m->events, clock, *m->listings,
                                      *m->wallet, *m->notifications, {}));
  return m;
}

}  // namespace rentwave::bench
