#include "app/backup.h"

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

namespace rentwave::app {
namespace {

int Fail(const std::string& why) {
  std::fprintf(stderr, "rentwave backup: %s\n", why.c_str());
  return 1;
}

}  // namespace

int RunBackup(const std::string& db_path, const std::string& destination) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::is_regular_file(db_path, error)) {
    return Fail("no database at " + db_path);
  }
  if (fs::exists(destination, error)) {
    return Fail(destination + " exists; not overwriting it");
  }
  const std::string partial = destination + ".partial";
  fs::remove(partial, error);
  try {
    int pages = 0;
    {
      SQLite::Database source(db_path, SQLite::OPEN_READONLY);
      source.setBusyTimeout(5000);
      SQLite::Database copy(partial,
                            SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      SQLite::Backup backup(copy, source);
      // All pages in one step: one read transaction, so one snapshot. A
      // writer holding the lock only delays it.
      int result = SQLITE_BUSY;
      for (int attempt = 0; attempt < 100; ++attempt) {
        result = backup.executeStep(-1);
        if (result != SQLITE_BUSY && result != SQLITE_LOCKED) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (result != SQLITE_DONE) {
        fs::remove(partial, error);
        return Fail("the database stayed busy; try again");
      }
      pages = backup.getTotalPageCount();
      SQLite::Statement check(copy, "PRAGMA integrity_check");
      if (!check.executeStep() || check.getColumn(0).getString() != "ok") {
        fs::remove(partial, error);
        return Fail("the copy failed its integrity check");
      }
    }
    fs::rename(partial, destination);
    std::printf("rentwave backup: %s -> %s (%d pages)\n", db_path.c_str(),
                destination.c_str(), pages);
    return 0;
  } catch (const std::exception& e) {
    fs::remove(partial, error);
    return Fail(e.what());
  }
}

}  // namespace rentwave::app
