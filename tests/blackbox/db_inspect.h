// Direct access to a stopped server's SQLite file, to check what was (not)
// written and to stage databases the binary must refuse.
#pragma once

#include <cstdint>
#include <string>

namespace rentwave::blackbox {

// SELECT COUNT(*) FROM `from` on a read-only connection; `from` is a table
// name, optionally followed by a WHERE clause.
int64_t CountRows(const std::string& db_path, const std::string& from);

// Runs `sql` on a read-write connection.
void ExecSql(const std::string& db_path, const std::string& sql);

}  // namespace rentwave::blackbox
