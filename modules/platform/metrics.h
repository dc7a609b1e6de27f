// Request metrics for /metrics: counts and latency histograms by protocol,
// method and code, plus process figures, in the Prometheus text format.
#pragma once

#include <array>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace rentwave::platform {

class Metrics {
 public:
  // Records one finished request. `protocol` is "grpc" or "http"; `method`
  // the full gRPC method (or "unmatched"); `code` the gRPC code name or HTTP
  // status. Thread-safe.
  void Record(absl::string_view protocol, absl::string_view method,
              absl::string_view code, absl::Duration latency);

  // The exposition text: rentwave_requests_total,
  // rentwave_request_duration_seconds (histogram) and process_* figures
  // (resident memory, CPU seconds, open file descriptors, start time).
  // Thread-safe.
  std::string Prometheus() const;

 private:
  // Upper bounds in seconds of the latency buckets (+Inf is implicit).
  static constexpr std::array<double, 12> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};
  struct Series {
    std::array<uint64_t, kBuckets.size()> buckets{};  // non-cumulative
    uint64_t count = 0;
    double sum_seconds = 0;
  };
  // "protocol\x1fmethod\x1fcode": one string, so that recording a call
  // (twice per REST call, on every RPC) looks it up without allocating.
  static constexpr char kSeparator = '\x1f';

  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, Series> series_ ABSL_GUARDED_BY(mu_);
  const absl::Time started_ = absl::Now();
};

}  // namespace rentwave::platform
