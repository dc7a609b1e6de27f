// Shared by the bare SQLite baselines (sqlite_*_bench): a connection set up
// like RentWave's writer, and a timed loop of one-commit transactions.
#pragma once

#include <SQLiteCpp/Database.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace rentwave::bench {

// Opens (creating) `path` with the pragmas of RentWave's writer connection
// (modules/platform/db.cc): WAL, synchronous=FULL, foreign keys on.
std::unique_ptr<SQLite::Database> OpenLikeRentWave(const std::string& path);

// Calls `transaction(n)` for n = 0, 1, ... until `seconds` have passed, timing
// each call, and returns the line the benchmark scripts read:
// "calls_per_sec=N p50_us=N p99_us=N errors=0". Each call is meant to be
// one transaction with its own COMMIT; exceptions propagate.
std::string RunTimedTransactions(
    double seconds, const std::function<void(uint64_t)>& transaction);

}  // namespace rentwave::bench
