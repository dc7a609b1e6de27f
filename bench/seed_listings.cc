// seed_listings: fills a running server with generated listings through the
// public gRPC API (one CreateListing per listing, like real owners):
//   seed_listings --target 127.0.0.1:50051 --count 100000 [--threads 8]
// Titles and descriptions are drawn from a fixed vocabulary of made-up words
// ("word0".."word999" spelled as syllables), so a benchmark can pick a
// keyword of known frequency: vocabulary word i appears in about
// 15/1000 of the listings. Prints: listings=N seconds=S per_sec=R errors=E
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "bench/bench_users.h"
#include "rentwave/v1/listings.grpc.pb.h"
#include "rentwave/v1/users.grpc.pb.h"

namespace rentwave::bench {
namespace {

constexpr int kVocabulary = 1000;
constexpr int kOwners = 100;
const char* const kCities[] = {"Paris", "Lyon", "Berlin", "Madrid",
                               "Rome",  "Oslo", "Vienna", "Lisbon"};

// Vocabulary word `i`: three syllables, unique per i.
std::string Word(int i) {
  static const char* const kSyllables[] = {"ka", "lo", "mi", "ne", "ru",
                                           "sa", "to", "vi", "be", "du"};
  return std::string(kSyllables[i / 100 % 10]) + kSyllables[i / 10 % 10] +
         kSyllables[i % 10];
}

std::string Words(std::mt19937_64& rng, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (i > 0) out += ' ';
    out += Word(static_cast<int>(rng() % kVocabulary));
  }
  return out;
}

// An ISBN-13 with a valid check digit from 12 digits of `n`.
std::string Isbn(uint64_t n) {
  std::string digits = "978" + std::to_string(100000000 + n % 900000000);
  int sum = 0;
  for (int i = 0; i < 12; ++i) sum += (digits[i] - '0') * (i % 2 ? 3 : 1);
  return digits + static_cast<char>('0' + (10 - sum % 10) % 10);
}

v1::Listing Generate(std::mt19937_64& rng) {
  v1::Listing l;
  l.set_title(Words(rng, 3));
  l.set_description(Words(rng, 12));
  l.mutable_price()->set_amount_minor(100 + static_cast<int64_t>(rng() % 9900));
  l.mutable_price()->set_currency("EUR");
  switch (rng() % 3) {
    case 0:
      l.set_kind(v1::LISTING_KIND_BOOK);
      l.set_billing_period(v1::BILLING_PERIOD_DAY);
      l.mutable_max_duration()->set_seconds(14 * 86400);
      l.mutable_book()->set_isbn(Isbn(rng() % 20000));  // shared copies
      l.mutable_book()->set_title(l.title());
      l.mutable_book()->set_author(Words(rng, 2));
      break;
    case 1: {
      l.set_kind(v1::LISTING_KIND_VEHICLE);
      l.set_billing_period(v1::BILLING_PERIOD_HOUR);
      l.mutable_max_duration()->set_seconds(72 * 3600);
      v1::VehicleDetails* v = l.mutable_vehicle();
      v->set_vehicle_type(static_cast<v1::VehicleType>(1 + rng() % 6));
      v->set_make(Word(static_cast<int>(rng() % kVocabulary)));
      v->set_model(Word(static_cast<int>(rng() % kVocabulary)));
      v->set_seats(1 + static_cast<int>(rng() % 8));
      v->set_boot_litres(static_cast<int>(rng() % 800));
      break;
    }
    default: {
      l.set_kind(v1::LISTING_KIND_ROOM);
      l.set_billing_period(v1::BILLING_PERIOD_DAY);
      l.mutable_max_duration()->set_seconds(30 * 86400);
      v1::RoomDetails* r = l.mutable_room();
      r->set_city(kCities[rng() % 8]);
      r->set_address(Words(rng, 2) + " street");
      r->set_max_guests(1 + static_cast<int>(rng() % 6));
      r->set_beds(1 + static_cast<int>(rng() % 4));
    }
  }
  return l;
}

}  // namespace
}  // namespace rentwave::bench

int main(int argc, char** argv) {
  using namespace rentwave;
  CLI::App app{"Seeds a RentWave server with generated listings"};
  std::string target;
  int count = 100000, threads = 8;
  uint64_t seed = 1;
  app.add_option("--target", target, "server HOST:PORT")->required();
  app.add_option("--count", count, "listings to create");
  app.add_option("--threads", threads, "concurrent callers");
  app.add_option("--seed", seed, "random seed");
  CLI11_PARSE(app, argc, argv);

  auto channel =
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  auto users = v1::Users::NewStub(channel);
  std::vector<std::string> tokens;
  for (int i = 0; i < bench::kOwners; ++i) {
    bench::User owner;
    if (!bench::SignIn(*users, "owner" + std::to_string(i), &owner)) {
      std::fprintf(stderr, "cannot log in owner %d\n", i);
      return 1;
    }
    tokens.push_back(owner.token);
  }

  std::atomic<int> next{0}, errors{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto stub = v1::Listings::NewStub(channel);
      std::mt19937_64 rng(seed * 1000 + t);
      for (int i = next++; i < count; i = next++) {
        v1::CreateListingRequest request;
        *request.mutable_listing() = bench::Generate(rng);
        v1::Listing created;
        grpc::Status status = stub->CreateListing(
            bench::Context(tokens[i % bench::kOwners]).get(), request,
            &created);
        if (!status.ok() && errors++ < 5) {
          std::fprintf(stderr, "CreateListing: %s\n",
                       status.error_message().c_str());
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::printf("listings=%d seconds=%.1f per_sec=%.0f errors=%d\n", count,
              seconds, count / seconds, errors.load());
  return errors == 0 ? 0 : 1;
}
