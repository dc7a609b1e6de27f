#include "modules/platform/migrations.h"

#include <SQLiteCpp/Statement.h>
#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "modules/platform/logging.h"
#include "modules/platform/status.h"

namespace rentwave::platform {
namespace {

constexpr char kCreateTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at_us INTEGER NOT NULL)";

absl::StatusOr<int> AppliedVersion(Database& db) {
  int version = 0;
  RW_RETURN_IF_ERROR(db.Write([&](Tx& tx) {
    tx.db().exec(kCreateTable);
    SQLite::Statement q(
        tx.db(), "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    q.executeStep();
    version = q.getColumn(0).getInt();
    return absl::OkStatus();
  }));
  return version;
}

}  // namespace

absl::Status ApplyMigrations(Database& db, const std::vector<Migration>& all,
                             const Clock& clock) {
  RW_ASSIGN_OR_RETURN(int applied, AppliedVersion(db));
  int known = all.empty() ? 0 : all.back().version;
  if (applied > known) {
    return absl::FailedPreconditionError(
        absl::StrCat("database ", db.path(), " has schema version ", applied,
                     ", newer than this binary supports (", known,
                     "); run a newer rentwave"));
  }
  for (const Migration& m : all) {
    if (m.version <= applied) continue;
    absl::Status status = db.Write([&](Tx& tx) {
      tx.db().exec(std::string(m.sql));
      SQLite::Statement record(
          tx.db(),
          "INSERT INTO schema_migrations(version, name, applied_at_us) "
          "VALUES (?, ?, ?)");
      record.bind(1, m.version);
      record.bind(2, std::string(m.name));
      record.bind(3, static_cast<int64_t>(ToMicros(clock.Now())));
      record.exec();
      return absl::OkStatus();
    });
    if (!status.ok()) {
      return absl::Status(status.code(),
                          absl::StrCat("migration ", m.version, "_", m.name,
                                       " failed: ", status.message()));
    }
    spdlog::info("applied migration {:04d}_{}", m.version, m.name);
  }
  return absl::OkStatus();
}

absl::Status CheckSchemaCurrent(Database& db,
                                const std::vector<Migration>& all) {
  int version = -1;
  absl::Status read = db.Read([&](Tx& tx) {
    SQLite::Statement q(tx.db(), "SELECT MAX(version) FROM schema_migrations");
    q.executeStep();
    version = q.getColumn(0).getInt();
    return absl::OkStatus();
  });
  if (!read.ok()) return absl::UnavailableError("database unreachable");
  int want = all.empty() ? 0 : all.back().version;
  if (version != want) {
    return absl::UnavailableError(
        absl::StrCat("database schema version ", version, ", expected ", want));
  }
  return absl::OkStatus();
}

}  // namespace rentwave::platform
