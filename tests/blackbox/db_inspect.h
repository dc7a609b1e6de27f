// Direct access to a stopped server's SQLite file, to check what was (not)
// written and to stage databases the binary must refuse.
#pragma once

#include <cstdint>
#include <string>

namespace rentwave::blackbox {

// SELECT COUNT(*) FROM `table`, on a read-only connection.
int64_t CountRows(const std::string& db_path, const std::string& table);

// Runs `sql` on a read-write connection.
void ExecSql(const std::string& db_path, const std::string& sql);

}  // namespace rentwave::blackbox
