#include "app/verify.h"

#include <cstdio>
#include <filesystem>

#include "modules/platform/db.h"
#include "modules/platform/event_log.h"
#include "modules/platform/migrations.h"
#include "modules/rentals/rentals.h"
#include "modules/wallet/wallet.h"

namespace rentwave::app {

int RunVerify(const std::string& db_path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(db_path, error)) {
    std::fprintf(stderr, "rentwave verify: no database at %s\n",
                 db_path.c_str());
    return 1;
  }
  platform::DatabaseOptions options;
  options.path = db_path;
  options.read_connections = 1;
  options.read_only = true;
  auto db = platform::Database::Open(options);
  absl::Status status = db.ok() ? platform::CheckSchemaCurrent(
                                      **db, platform::EmbeddedMigrations())
                                : db.status();
  if (!status.ok()) {
    std::fprintf(stderr, "rentwave verify: %s\n",
                 std::string(status.message()).c_str());
    return 1;
  }
  // Every check's problems, one line each.
  std::vector<std::string> problems;
  auto ledger = wallet::VerifyLedger(**db);
  auto events = platform::VerifyEventLog(**db);
  auto rentals = rentals::VerifyRentals(**db);
  for (const absl::Status& failed :
       {ledger.status(), events.status(), rentals.status()}) {
    if (!failed.ok()) {
      std::fprintf(stderr, "rentwave verify: %s\n",
                   std::string(failed.message()).c_str());
      return 1;
    }
  }
  for (const wallet::LedgerProblem& p : *ledger) {
    std::string where = p.account.empty() ? "" : "account " + p.account + ": ";
    problems.push_back("ledger: " + where + p.what);
  }
  problems.insert(problems.end(), events->begin(), events->end());
  problems.insert(problems.end(), rentals->begin(), rentals->end());
  for (const std::string& p : problems) {
    std::fprintf(stderr, "rentwave verify: %s\n", p.c_str());
  }
  if (!problems.empty()) {
    std::fprintf(stderr, "rentwave verify: %zu problem(s) in %s\n",
                 problems.size(), db_path.c_str());
    return 1;
  }
  std::printf(
      "rentwave verify: %s is consistent (wallet ledger, event log, "
      "rentals)\n",
      db_path.c_str());
  return 0;
}

}  // namespace rentwave::app
