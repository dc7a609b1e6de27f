// rental_bench: closed-loop CreateRental load through the public gRPC API,
// one call at a time per renter:
//   rental_bench --target 127.0.0.1:50051 [--renters 64]
//                [--listings-per-renter 16] [--seconds 3] [--warmup 1]
// Signs in `renters` renters and a few owners (the server should run with
// --password-cost minimum), creates fresh hourly vehicle listings for this
// run (`listings-per-renter` per renter, so no two renters ever book the
// same listing), funds the renters by Deposit, then keeps every renter
// renting: renter r's call n books its listing n % K for the n / K-th
// one-hour window after a base a day ahead. Windows never overlap, so every
// call should succeed; spreading a renter over K listings keeps each
// listing's open rentals (what an overlap check reads) as few as a real
// listing has. Prints: calls_per_sec=N p50_us=N p99_us=N errors=N
#include <google/protobuf/util/time_util.h>
#include <grpcpp/create_channel.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "bench/bench_users.h"
#include "bench/load_client.h"
#include "rentwave/v1/listings.grpc.pb.h"
#include "rentwave/v1/rentals.grpc.pb.h"

namespace rentwave::bench {
namespace {

constexpr int kOwners = 8;
constexpr int64_t kHour = 3600;

// An hourly car, priced in `currency`, with a deposit (held with the price,
// as most rentals have).
v1::Listing Car(const std::string& currency, int n) {
  v1::Listing l;
  l.set_kind(v1::LISTING_KIND_VEHICLE);
  l.set_title("bench car " + std::to_string(n));
  l.set_description("a car for the rentals benchmark");
  l.mutable_price()->set_amount_minor(100);
  l.mutable_price()->set_currency(currency);
  l.mutable_deposit()->set_amount_minor(500);
  l.mutable_deposit()->set_currency(currency);
  l.set_billing_period(v1::BILLING_PERIOD_HOUR);
  l.mutable_max_duration()->set_seconds(24 * kHour);
  v1::VehicleDetails* v = l.mutable_vehicle();
  v->set_vehicle_type(v1::VEHICLE_TYPE_CAR);
  v->set_make("bench");
  v->set_model("rental");
  v->set_seats(4);
  return l;
}

}  // namespace
}  // namespace rentwave::bench

int main(int argc, char** argv) {
  using namespace rentwave;
  CLI::App app{"Closed-loop CreateRental, one call at a time per renter"};
  std::string target;
  int renters = 64, per_renter = 16;
  double seconds = 3, warmup = 1;
  app.add_option("--target", target, "server HOST:PORT")->required();
  app.add_option("--renters", renters, "renters, each one call at a time")
      ->check(CLI::PositiveNumber);
  app.add_option("--listings-per-renter", per_renter,
                 "listings each renter books in turn")
      ->check(CLI::PositiveNumber);
  app.add_option("--seconds", seconds, "measured seconds");
  app.add_option("--warmup", warmup, "warm-up seconds");
  CLI11_PARSE(app, argc, argv);

  auto channel =
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  auto users_stub = v1::Users::NewStub(channel);
  auto wallet = v1::Wallet::NewStub(channel);
  std::vector<bench::User> owners(bench::kOwners), tenants(renters);
  for (int i = 0; i < bench::kOwners; ++i) {
    if (!bench::SignIn(*users_stub, "lessor" + std::to_string(i), &owners[i])) {
      std::fprintf(stderr, "cannot sign in owner %d\n", i);
      return 1;
    }
  }
  std::string currency;
  for (int i = 0; i < renters; ++i) {
    if (!bench::SignIn(*users_stub, "renter" + std::to_string(i),
                       &tenants[i]) ||
        !bench::Fund(*wallet, tenants[i], 10'000'000, &currency)) {
      std::fprintf(stderr, "cannot sign in or fund renter %d\n", i);
      return 1;
    }
  }

  // listings[r * per_renter + k]: renter r's k-th listing, fresh this run.
  const int listing_count = renters * per_renter;
  std::vector<std::string> listings(listing_count);
  std::atomic<int> next{0}, failed{0};
  std::vector<std::thread> creators;
  for (int t = 0; t < 16; ++t) {
    creators.emplace_back([&] {
      auto stub = v1::Listings::NewStub(channel);
      for (int i = next++; i < listing_count; i = next++) {
        v1::CreateListingRequest request;
        *request.mutable_listing() = bench::Car(currency, i);
        v1::Listing created;
        grpc::Status status = stub->CreateListing(
            bench::Context(owners[i % bench::kOwners].token).get(), request,
            &created);
        if (!status.ok() && failed++ == 0) {
          std::fprintf(stderr, "CreateListing: %s\n",
                       status.error_message().c_str());
        }
        listings[i] = created.id();
      }
    });
  }
  for (auto& c : creators) c.join();
  if (failed > 0) return 1;

  // Windows start on a whole hour a day ahead: BOOKED rentals, all valid.
  const int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  const int64_t base_s = (now_s / bench::kHour + 24) * bench::kHour;
  const std::string run_id = std::to_string(now_s);
  auto make_request = [&](int renter, int64_t call) {
    v1::CreateRentalRequest request;
    request.set_request_id(run_id + "-" + std::to_string(renter) + "-" +
                           std::to_string(call));
    request.set_listing_id(listings[renter * per_renter + call % per_renter]);
    *request.mutable_start_time() =
        google::protobuf::util::TimeUtil::SecondsToTimestamp(
            base_s + call / per_renter * bench::kHour);
    request.mutable_duration()->set_seconds(bench::kHour);
    return request;
  };

  // One call first, outside the measurement, so that a broken setup says
  // why (the load client only counts failures). Window -1 is used by no
  // measured call.
  auto rentals = v1::Rentals::NewStub(channel);
  v1::Rental probe;
  grpc::Status status =
      rentals->CreateRental(bench::Context(tenants[0].token).get(),
                            make_request(0, -per_renter), &probe);
  if (!status.ok()) {
    std::fprintf(stderr, "CreateRental: %s\n", status.error_message().c_str());
    return 1;
  }

  bench::LoadOptions options;
  options.method = "/rentwave.v1.Rentals/CreateRental";
  options.inflight = renters;
  options.warmup = std::chrono::milliseconds(static_cast<int>(warmup * 1000));
  options.duration =
      std::chrono::milliseconds(static_cast<int>(seconds * 1000));
  for (const bench::User& u : tenants) {
    options.slot_metadata.push_back({{"authorization", "Bearer " + u.token}});
  }
  options.make_slot_request = [&](int slot, uint64_t call) {
    return bench::SerializeMessage(
        make_request(slot, static_cast<int64_t>(call)));
  };
  const bench::LoadResult result = bench::RunClosedLoop(channel, options);
  std::printf("%s\n", bench::FormatResult(result).c_str());
  return result.failed_calls == 0 ? 0 : 1;
}
