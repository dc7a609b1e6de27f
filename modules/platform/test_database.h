// Test helper: a database with the real migrations applied. Tests only; link
// rentwave_migrations.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "modules/platform/clock.h"
#include "modules/platform/db.h"
#include "modules/platform/migrations.h"

namespace rentwave::platform {

// Opens `path` (":memory:" or a file) with synchronous=NORMAL and applies
// the embedded migrations; on failure records a test failure and returns
// null.
inline std::unique_ptr<Database> OpenMigratedForTest(const std::string& path,
                                                     const Clock& clock) {
  DatabaseOptions options;
  options.path = path;
  options.synchronous_full = false;
  auto db = Database::Open(options);
  EXPECT_TRUE(db.ok()) << db.status();
  if (!db.ok()) return nullptr;
  absl::Status migrated = ApplyMigrations(**db, EmbeddedMigrations(), clock);
  EXPECT_TRUE(migrated.ok()) << migrated;
  if (!migrated.ok()) return nullptr;
  return std::move(*db);
}

}  // namespace rentwave::platform
