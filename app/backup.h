// The `backup` subcommand: a consistent copy of a live database, taken while
// the server keeps running (SQLite's online backup API reads one snapshot;
// writers are not stopped).
#pragma once

#include <string>

namespace rentwave::app {

// Copies the database at `db_path` to `destination`, which must not exist:
// into a temporary file beside it first, checked with integrity_check, then
// renamed, so that `destination` is either a whole backup or absent.
// Prints a summary and returns 0, or prints why to stderr and returns 1.
int RunBackup(const std::string& db_path, const std::string& destination);

}  // namespace rentwave::app
