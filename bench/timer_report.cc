// timer_report: reads the outcome of the late-fee timer benchmark
// (bench/timer_bench.sh) from its database, read-only:
//   timer_report wait --db PATH --due-us D --count N [--timeout 120]
//     polls (every 20 ms, beside the running server; WAL readers never block
//     its writer) until N first-period charges are committed; prints
//     all_committed_after_ms=T (wall time past D when it saw them) or fails
//     at the timeout.
//   timer_report lag --db PATH --due-us D
//     after the server stopped: for each first-period charge of a rental
//     ending in the second from D, charged_at - end (charged_at is when the
//     timer wrote the charge, in the transaction that commits it). Prints
//     charges=N lag_p50_ms=X lag_p99_ms=X lag_max_ms=X charges_per_sec=R
//     where charges_per_sec is N over the time from D to the last charge.
// Only reads what the rentals module's migration documents
// (rentals_charges.charged_at_us, rentals_items.end_us).
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"

namespace {

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int Wait(const std::string& path, int64_t due_us, int64_t count,
         double timeout) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  const int64_t deadline = NowMicros() + static_cast<int64_t>(timeout * 1e6);
  SQLite::Statement q(db,
                      "SELECT count(*) FROM rentals_charges WHERE period = 1 "
                      "AND charged_at_us >= ?");
  q.bind(1, due_us);
  for (;;) {
    q.executeStep();
    const int64_t done = q.getColumn(0).getInt64();
    q.reset();
    const int64_t now = NowMicros();
    if (done >= count) {
      std::printf("all_committed_after_ms=%.0f\n", (now - due_us) / 1e3);
      return 0;
    }
    if (now > deadline) {
      std::fprintf(stderr, "only %lld of %lld charges after %.0f s\n",
                   static_cast<long long>(done), static_cast<long long>(count),
                   timeout);
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int Lag(const std::string& path, int64_t due_us) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  SQLite::Statement q(db,
                      "SELECT c.charged_at_us - r.end_us, c.charged_at_us "
                      "FROM rentals_charges "
                      "AS c JOIN rentals_items AS r ON r.id = c.rental_id "
                      "WHERE c.period = 1 AND r.end_us >= ?1 AND "
                      "r.end_us < ?1 + 1000000");
  q.bind(1, due_us);
  std::vector<int64_t> lags;
  int64_t last_us = due_us;
  while (q.executeStep()) {
    lags.push_back(q.getColumn(0).getInt64());
    last_us = std::max(last_us, q.getColumn(1).getInt64());
  }
  if (lags.empty()) {
    std::fprintf(stderr, "no charges\n");
    return 1;
  }
  std::sort(lags.begin(), lags.end());
  auto percentile = [&](double p) {  // nearest rank, in ms
    const auto rank = static_cast<size_t>(std::ceil(p * lags.size()));
    return lags[std::clamp<size_t>(rank, 1, lags.size()) - 1] / 1e3;
  };
  std::printf(
      "charges=%zu lag_p50_ms=%.1f lag_p99_ms=%.1f lag_max_ms=%.1f "
      "charges_per_sec=%.0f\n",
      lags.size(), percentile(0.5), percentile(0.99), lags.back() / 1e3,
      lags.size() / std::max((last_us - due_us) / 1e6, 1e-6));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Reads the late-fee timer benchmark's results"};
  std::string path;
  int64_t due_us = 0, count = 0;
  double timeout = 120;
  app.require_subcommand(1);
  auto* wait = app.add_subcommand("wait", "wait until all are charged");
  auto* lag = app.add_subcommand("lag", "the charges' lag");
  for (CLI::App* sub : {wait, lag}) {
    sub->add_option("--db", path, "the benchmark's database")->required();
    sub->add_option("--due-us", due_us, "D, microseconds")->required();
  }
  wait->add_option("--count", count, "charges to wait for")->required();
  wait->add_option("--timeout", timeout, "seconds");
  CLI11_PARSE(app, argc, argv);
  try {
    return wait->parsed() ? Wait(path, due_us, count, timeout)
                          : Lag(path, due_us);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "timer_report: %s\n", e.what());
    return 1;
  }
}
