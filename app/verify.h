// The `verify` subcommand: checks a database's invariants offline or beside a
// running server. It opens the file read-only and reads one snapshot.
#pragma once

#include <string>

namespace rentwave::app {

// Opens the existing database at `db_path` and checks the wallet ledger
// (wallet::VerifyLedger), the event log (platform::VerifyEventLog) and the
// rentals (rentals::VerifyRentals). Prints a one-line summary to stdout when it
// is consistent and returns 0; otherwise prints every problem to stderr and
// returns 1 (also when the file is missing or its schema is not current).
int RunVerify(const std::string& db_path);

}  // namespace rentwave::app
