// Closed-loop unary gRPC load generator shared by RentWave benchmarks.
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/channel.h>
#include <grpcpp/support/byte_buffer.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace rentwave::bench {

// Returns the serialized request for call number `call_index` (0-based,
// counted over warm-up and measurement). It is invoked concurrently from gRPC
// callback threads, so it must be thread-safe, and it must not throw.
using RequestFactory = std::function<grpc::ByteBuffer(uint64_t call_index)>;

struct LoadOptions {
  // Full method path, e.g. "/helloworld.Greeter/SayHello".
  std::string method;
  RequestFactory make_request;
  // Number of calls kept in flight at all times.
  int inflight = 64;
  // Completions during warm-up are discarded.
  std::chrono::milliseconds warmup{1000};
  // Length of the measured window that follows the warm-up.
  std::chrono::milliseconds duration{3000};
  // Per-call deadline; a call that exceeds it counts as an error.
  std::chrono::milliseconds call_timeout{5000};
  // Metadata sent with every call, e.g. {"authorization", "Bearer ..."}.
  std::vector<std::pair<std::string, std::string>> metadata;
  // For load from distinct callers (e.g. one user each): slot s, one of the
  // `inflight` calls kept outstanding (0-based), also sends
  // slot_metadata[s], so each slot acts as one caller making one call at a
  // time. Empty, or exactly `inflight` entries.
  std::vector<std::vector<std::pair<std::string, std::string>>> slot_metadata;
  // Instead of make_request: the serialized request of call number `call`
  // (0-based, warm-up included) of slot `slot`. Same thread-safety and
  // no-throw requirements as RequestFactory.
  std::function<grpc::ByteBuffer(int slot, uint64_t call)> make_slot_request;
};

// Counts and latencies of the calls that completed inside the measured window.
struct LoadResult {
  uint64_t ok_calls = 0;
  uint64_t failed_calls = 0;
  // OK completions per second of measured window.
  double calls_per_sec = 0;
  // Latency percentiles of OK calls; zero when there were none.
  std::chrono::nanoseconds p50{0};
  std::chrono::nanoseconds p99{0};
};

// One line for scripts: "calls_per_sec=N p50_us=N p99_us=N errors=N".
std::string FormatResult(const LoadResult& result);

// Serializes `message` to its protobuf wire format.
// Thread-safe as long as `message` is not modified concurrently.
grpc::ByteBuffer SerializeMessage(const google::protobuf::Message& message);

// Adapts `make_message`, a callable taking the call index and returning a
// protobuf message, into a RequestFactory that serializes each message. The
// same thread-safety and no-throw requirements as RequestFactory apply.
template <typename MakeMessage>
RequestFactory SerializeMessages(MakeMessage make_message) {
  return [make_message = std::move(make_message)](uint64_t call_index) {
    return SerializeMessage(make_message(call_index));
  };
}

// Issues unary calls to `options.method` on `channel` through
// grpc::GenericStub's callback API, starting a new call as soon as one
// completes so that exactly `options.inflight` calls are outstanding, for
// `options.warmup` plus `options.duration`. Blocks until every call has
// completed, then returns statistics for the calls that completed inside the
// measured window. RPC failures are counted in `failed_calls`, never thrown.
// Throws std::invalid_argument if `channel` is null, `options.method` is
// empty, not exactly one of `options.make_request` and
// `options.make_slot_request` is set, `options.slot_metadata` is neither
// empty nor `options.inflight` long, `options.inflight` < 1,
// `options.warmup` < 0 or `options.duration` or `options.call_timeout` <= 0.
// Thread-safe: concurrent runs, even on the same channel, share no state.
LoadResult RunClosedLoop(const std::shared_ptr<grpc::Channel>& channel,
                         const LoadOptions& options);

}  // namespace rentwave::bench
