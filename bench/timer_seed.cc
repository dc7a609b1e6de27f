// timer_seed: fills a RentWave database for the late-fee timer benchmark
// (bench/timer_bench.sh) through the modules' public APIs, built in process
// as app/server.cc builds them, on a manual clock:
//   timer_seed --db PATH [--rentals 1000000] [--due 10000] [--lead 20]
//              [--threads 32] [--same-instant]
// Creates owners, renters (funded by Deposit) and hourly vehicle listings,
// then `rentals - due` rentals booked a month ahead (in the timer's index,
// not due: the table a busy server has), then `due` rentals that end within
// the one second from D, a whole second about `lead` seconds after seeding
// ends (evenly spread, or all at D with --same-instant), on distinct
// listings. The clock is set to D - 1 h for those, so they are ordinary
// one-hour rentals. Many threads call at once so that group commit
// batches them (synchronous=NORMAL: seeding need not survive a power cut).
// Nothing is late-charged here: no LateFeeTimer runs. Prints:
//   rentals=N seconds=S per_sec=R due_us=D
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "bench/timer_modules.h"
#include "modules/platform/status.h"

namespace rentwave::bench {
namespace {

constexpr int kOwners = 100;
// Rentals booked per listing: each booking's overlap check reads the
// listing's open rentals, so a listing gets about as many as a busy real
// one would.
constexpr int64_t kRentalsPerListing = 20;
constexpr int64_t kPrice = 100, kDeposit = 500;  // minor units, per rental

// Calls fn(i) for i in [0, count) from `threads` threads; returns the number
// of failures, printing the first few.
int64_t RunParallel(int64_t count, int threads, const char* what,
                    const std::function<absl::Status(int64_t)>& fn) {
  std::atomic<int64_t> next{0}, failures{0};
  std::mutex print_mu;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int64_t i = next++; i < count; i = next++) {
        absl::Status status = fn(i);
        if (!status.ok() && failures++ < 5) {
          std::lock_guard<std::mutex> lock(print_mu);
          std::fprintf(stderr, "%s %lld: %s\n", what, static_cast<long long>(i),
                       status.ToString().c_str());
        }
        if ((i + 1) % 100000 == 0) {
          std::lock_guard<std::mutex> lock(print_mu);
          std::fprintf(stderr, "  %s: %lld\n", what,
                       static_cast<long long>(i + 1));
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  return failures;
}

listings::Listing Car(int64_t n) {
  listings::Listing l;
  l.kind = listings::Kind::kVehicle;
  l.title = absl::StrCat("timer car ", n);
  l.description = "a car for the late-fee timer benchmark";
  l.price = {kPrice, "USD"};
  l.late_fee = {kPrice, "USD"};
  l.deposit = {kDeposit, "USD"};
  l.period = listings::Period::kHour;
  l.max_duration = absl::Hours(72);
  l.vehicle =
      listings::Vehicle{listings::VehicleType::kCar, "bench", "timer", 4, 0};
  return l;
}

}  // namespace
}  // namespace rentwave::bench

int main(int argc, char** argv) {
  using namespace rentwave;
  CLI::App app{"Seeds a database for the late-fee timer benchmark"};
  std::string path;
  int64_t total = 1'000'000, due = 10'000;
  int threads = 32;
  double lead = 20;
  app.add_option("--db", path, "database file (created)")->required();
  app.add_option("--rentals", total, "rentals in all")
      ->check(CLI::PositiveNumber);
  app.add_option("--due", due, "rentals falling due in the same second")
      ->check(CLI::PositiveNumber);
  app.add_option("--lead", lead, "seconds from the end of seeding to D");
  app.add_option("--threads", threads, "concurrent callers")
      ->check(CLI::PositiveNumber);
  bool same_instant = false;
  app.add_flag("--same-instant", same_instant,
               "all due rentals end at D exactly (default: spread over the "
               "second from D)");
  CLI11_PARSE(app, argc, argv);
  due = std::min(due, total);
  spdlog::set_level(spdlog::level::warn);  // stdout is the result line

  // Whole microseconds, as every Clock returns.
  platform::ManualClock clock(
      absl::FromUnixMicros(absl::ToUnixMicros(absl::Now())));
  const absl::Time t0 = clock.Now();
  absl::StatusOr<std::unique_ptr<bench::TimerModules>> built =
      bench::TimerModules::Open(path, clock);
  if (!built.ok()) {
    std::fprintf(stderr, "%s\n", built.status().ToString().c_str());
    return 1;
  }
  bench::TimerModules& m = **built;
  const auto started = std::chrono::steady_clock::now();

  const int64_t renters = std::clamp<int64_t>(total / 100, 1, 1000);
  const int64_t far = total - due;
  const int64_t listing_count = std::max(
      due, (far + bench::kRentalsPerListing - 1) / bench::kRentalsPerListing);
  const int64_t per_renter = (total + renters - 1) / renters;
  std::vector<std::string> owner_ids(bench::kOwners), renter_ids(renters),
      listing_ids(listing_count);
  auto user = [&](const std::string& name, std::string* id) -> absl::Status {
    users::Registration r;
    r.username = name;
    r.password = "benchmark-password";
    absl::StatusOr<users::Profile> p = m.users->Register(r);
    if (p.ok()) *id = p->id;
    return p.status();
  };
  int64_t failed =
      bench::RunParallel(bench::kOwners, threads, "owner", [&](int64_t i) {
        return user(absl::StrCat("timer-owner", i), &owner_ids[i]);
      });
  failed += bench::RunParallel(renters, threads, "renter", [&](int64_t i) {
    RW_RETURN_IF_ERROR(user(absl::StrCat("timer-renter", i), &renter_ids[i]));
    return m.wallet
        ->Deposit(renter_ids[i], absl::StrCat("fund-", i),
                  {per_renter * (bench::kPrice + bench::kDeposit), "USD"})
        .status();
  });
  failed +=
      bench::RunParallel(listing_count, threads, "listing", [&](int64_t i) {
        absl::StatusOr<listings::Listing> l = m.listings->CreateListing(
            owner_ids[i % bench::kOwners], bench::Car(i));
        if (l.ok()) listing_ids[i] = l->id;
        return l.status();
      });
  if (failed > 0) return 1;

  auto rent = [&](int64_t i, const std::string& listing, absl::Time start) {
    rentals::RentalRequest r;
    r.request_id = absl::StrCat("seed-", i);
    r.listing_id = listing;
    r.start = start;
    r.end = start + absl::Hours(1);
    // Time moves on as it would in a server (10 us a rental, an hour per
    // 360,000): ids, which begin with their millisecond, then grow as they
    // do in production instead of landing at random places in the indexes.
    clock.Advance(absl::Microseconds(10));
    return m.rentals->Create(renter_ids[i % renters], r).status();
  };
  // Far rentals: listing i % L, its (i / L)-th hour a month ahead.
  const auto far_started = std::chrono::steady_clock::now();
  failed = bench::RunParallel(far, threads, "rental", [&](int64_t i) {
    return rent(i, listing_ids[i % listing_count],
                t0 + absl::Hours(24 * 30 + i / listing_count));
  });
  const double far_seconds = std::chrono::duration<double>(
                                 std::chrono::steady_clock::now() - far_started)
                                 .count();
  // D: after the due rentals are in (estimated from the rate so far, with a
  // margin) plus the lead, on a whole second.
  const double rate = far > 0 ? far / std::max(far_seconds, 1e-3) : 1000;
  const absl::Time d = absl::FromUnixSeconds(absl::ToUnixSeconds(
      absl::Now() + absl::Seconds(2 + 1.5 * due / rate + lead) +
      absl::Seconds(1)));
  // Due rental j ends at D + j/due s: evenly over one second, or all at D
  // itself with --same-instant (the worst case: one backlog at once).
  clock.Set(d - absl::Hours(1));
  failed += bench::RunParallel(due, threads, "due rental", [&](int64_t j) {
    const absl::Duration offset = same_instant
                                      ? absl::ZeroDuration()
                                      : absl::Microseconds(j * 1'000'000 / due);
    return rent(far + j, listing_ids[j % listing_count],
                d - absl::Hours(1) + offset);
  });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count();
  if (absl::Now() > d - absl::Seconds(5)) {
    std::fprintf(stderr, "seeding overran D; raise --lead\n");
    return 1;
  }
  std::printf("rentals=%lld seconds=%.1f per_sec=%.0f due_us=%lld\n",
              static_cast<long long>(total), seconds, far / far_seconds,
              static_cast<long long>(absl::ToUnixMicros(d)));
  return failed == 0 ? 0 : 1;
}
