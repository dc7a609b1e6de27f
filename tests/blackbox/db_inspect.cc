#include "tests/blackbox/db_inspect.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

namespace rentwave::blackbox {

int64_t CountRows(const std::string& db_path, const std::string& from) {
  SQLite::Database db(db_path, SQLite::OPEN_READONLY);
  SQLite::Statement q(db, "SELECT COUNT(*) FROM " + from);
  q.executeStep();
  return q.getColumn(0).getInt64();
}

void ExecSql(const std::string& db_path, const std::string& sql) {
  SQLite::Database db(db_path, SQLite::OPEN_READWRITE);
  db.exec(sql);
}

}  // namespace rentwave::blackbox
