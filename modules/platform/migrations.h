// Schema migrations: numbered SQL scripts embedded in the binary, applied in
// order, each in its own transaction, recorded in schema_migrations.
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "modules/platform/clock.h"
#include "modules/platform/db.h"

namespace rentwave::platform {

struct Migration {
  int version;             // NNNN from the file name; strictly increasing
  absl::string_view name;  // the rest of the file name, e.g. "users__accounts"
  absl::string_view sql;   // the script
};

// The migrations in migrations/*.sql, in version order; generated at build
// time (library rentwave_migrations).
const std::vector<Migration>& EmbeddedMigrations();

// Applies every migration of `all` that `db` has not recorded yet, in order,
// each in one transaction together with its schema_migrations row. Re-running
// is a no-op. Errors: FAILED_PRECONDITION if the database records a version
// this binary does not know (it was written by a newer binary); the SQLite
// error of a failing script, after which nothing of that script is applied.
// Not thread-safe: run before serving.
absl::Status ApplyMigrations(Database& db, const std::vector<Migration>& all,
                             const Clock& clock);

// OK if `db` records exactly the newest version of `all` (readiness).
// Errors: UNAVAILABLE if it cannot be read or is behind or ahead.
absl::Status CheckSchemaCurrent(Database& db,
                                const std::vector<Migration>& all);

}  // namespace rentwave::platform
