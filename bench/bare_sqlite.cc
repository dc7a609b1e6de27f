#include "bench/bare_sqlite.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

namespace rentwave::bench {

std::unique_ptr<SQLite::Database> OpenLikeRentWave(const std::string& path) {
  auto db = std::make_unique<SQLite::Database>(
      path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db->exec("PRAGMA foreign_keys=ON");
  db->exec("PRAGMA journal_mode=WAL");
  db->exec("PRAGMA synchronous=FULL");
  return db;
}

std::string RunTimedTransactions(
    double seconds, const std::function<void(uint64_t)>& transaction) {
  using Clock = std::chrono::steady_clock;
  std::vector<double> latencies_us;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  for (uint64_t n = 0; Clock::now() < end; ++n) {
    const auto t0 = Clock::now();
    transaction(n);
    latencies_us.push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  const double elapsed =
      std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(latencies_us.begin(), latencies_us.end());
  // Nearest rank, as the gRPC load client computes it.
  auto percentile = [&](double q) {
    if (latencies_us.empty()) return 0.0;
    const auto rank = static_cast<size_t>(std::ceil(q * latencies_us.size()));
    return latencies_us[std::clamp<size_t>(rank, 1, latencies_us.size()) - 1];
  };
  char line[160];
  std::snprintf(
      line, sizeof(line), "calls_per_sec=%.0f p50_us=%.0f p99_us=%.0f errors=0",
      latencies_us.size() / elapsed, percentile(0.5), percentile(0.99));
  return line;
}

}  // namespace rentwave::bench
