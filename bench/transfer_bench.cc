// transfer_bench: closed-loop load of wallet Transfers between random
// wallets through the public gRPC API:
//   transfer_bench --target 127.0.0.1:50051 [--senders 8] [--users 64]
//                  [--inflight 64] [--seconds 3]
// Registers `users` accounts (the server should run with --password-cost
// minimum), funds the senders by Deposit, then keeps `inflight` Transfers
// outstanding, split evenly over `senders` (each call is authenticated as
// its sender), every call with a fresh request_id, to a random other user.
// Prints one line: calls_per_sec=N p50_us=N p99_us=N errors=N, where
// calls_per_sec is the senders' sum and the percentiles are the worst
// sender's (an upper bound on the whole run's).
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "bench/bench_users.h"
#include "bench/load_client.h"
#include "rentwave/v1/users.grpc.pb.h"
#include "rentwave/v1/wallet.grpc.pb.h"

int main(int argc, char** argv) {
  using namespace rentwave;
  CLI::App app{"Closed-loop wallet transfers between random wallets"};
  std::string target;
  int senders = 8, user_count = 64, inflight = 64;
  double seconds = 3, warmup = 1;
  app.add_option("--target", target, "server HOST:PORT")->required();
  app.add_option("--senders", senders, "wallets sending money");
  app.add_option("--users", user_count, "wallets in all (senders included)");
  app.add_option("--inflight", inflight, "calls in flight in all");
  app.add_option("--seconds", seconds, "measured seconds");
  app.add_option("--warmup", warmup, "warm-up seconds");
  CLI11_PARSE(app, argc, argv);
  senders = std::clamp(senders, 1, std::min(inflight, user_count - 1));

  auto channel =
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  auto users_stub = v1::Users::NewStub(channel);
  auto wallet = v1::Wallet::NewStub(channel);
  std::vector<bench::User> users(user_count);
  for (int i = 0; i < user_count; ++i) {
    if (!bench::SignIn(*users_stub, "payer" + std::to_string(i), &users[i])) {
      std::fprintf(stderr, "cannot sign in user %d\n", i);
      return 1;
    }
  }
  std::string currency;
  for (int i = 0; i < senders; ++i) {
    if (!bench::Fund(*wallet, users[i], 10'000'000, &currency)) return 1;
  }

  std::vector<bench::LoadResult> results(senders);
  std::vector<std::thread> runs;
  const std::string run_id = std::to_string(
      std::chrono::system_clock::now().time_since_epoch().count());
  for (int s = 0; s < senders; ++s) {
    runs.emplace_back([&, s] {
      bench::LoadOptions options;
      options.method = "/rentwave.v1.Wallet/Transfer";
      options.inflight = std::max(1, inflight / senders);
      options.warmup =
          std::chrono::milliseconds(static_cast<int>(warmup * 1000));
      options.duration =
          std::chrono::milliseconds(static_cast<int>(seconds * 1000));
      options.metadata = {{"authorization", "Bearer " + users[s].token}};
      options.make_request = bench::SerializeMessages([&, s](uint64_t call) {
        // A cheap deterministic "random" recipient other than the sender.
        uint64_t pick = (call * 0x9E3779B97F4A7C15ull) >> 33;
        int to = static_cast<int>(pick % (user_count - 1));
        if (to >= s) ++to;
        v1::TransferRequest request;
        request.set_request_id(run_id + "-" + std::to_string(s) + "-" +
                               std::to_string(call));
        request.set_to_user_id(users[to].id);
        request.mutable_amount()->set_amount_minor(1 + call % 100);
        request.mutable_amount()->set_currency(currency);
        return request;
      });
      results[s] = bench::RunClosedLoop(channel, options);
    });
  }
  for (auto& r : runs) r.join();
  bench::LoadResult total;
  for (const bench::LoadResult& r : results) {
    total.ok_calls += r.ok_calls;
    total.failed_calls += r.failed_calls;
    total.calls_per_sec += r.calls_per_sec;
    total.p50 = std::max(total.p50, r.p50);
    total.p99 = std::max(total.p99, r.p99);
  }
  std::printf("%s\n", bench::FormatResult(total).c_str());
  return total.failed_calls == 0 ? 0 : 1;
}
