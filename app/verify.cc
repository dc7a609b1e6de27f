#include "app/verify.h"

#include <cstdio>
#include <filesystem>

#include "modules/platform/db.h"
#include "modules/platform/migrations.h"
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
  auto problems = wallet::VerifyLedger(**db);
  if (!problems.ok()) {
    std::fprintf(stderr, "rentwave verify: %s\n",
                 std::string(problems.status().message()).c_str());
    return 1;
  }
  for (const wallet::LedgerProblem& p : *problems) {
    std::string where = p.account.empty() ? "" : "account " + p.account + ": ";
    std::fprintf(stderr, "rentwave verify: ledger: %s%s\n", where.c_str(),
                 p.what.c_str());
  }
  if (!problems->empty()) {
    std::fprintf(stderr, "rentwave verify: %zu problem(s) in %s\n",
                 problems->size(), db_path.c_str());
    return 1;
  }
  std::printf("rentwave verify: %s is consistent (wallet ledger)\n",
              db_path.c_str());
  return 0;
}

}  // namespace rentwave::app
