// Token buckets by key (a user, a client address): each key may make `rate`
// requests per second on average and `burst` at once. In memory: a restart
// refills every bucket. Buckets that have refilled completely are dropped
// once many keys are tracked, so memory grows only with the keys active
// within the time a bucket takes to refill. Thread-safe.
#pragma once

#include <array>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"

namespace rentwave::platform {

struct RateLimit {
  double per_second = 0;  // 0: unlimited
  double burst = 1;       // the most requests at once (>= 1)
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimit limit) : limit_(limit) {}

  // Takes one token from `key`'s bucket at `now` (a monotonic time): true
  // if there was one. Always true when unlimited.
  bool Allow(const std::string& key, absl::Time now);

  // How long until `key` has a token again at `now` (zero if it has one).
  absl::Duration RetryAfter(const std::string& key, absl::Time now);

 private:
  struct Bucket {
    double tokens;
    absl::Time updated;
  };
  static constexpr size_t kShards = 16;
  static constexpr size_t kPruneAbove = 4096;  // keys per shard, at first
  struct Shard {
    std::mutex mu;
    absl::flat_hash_map<std::string, Bucket> buckets ABSL_GUARDED_BY(mu);
    // Prune when the map grows past this; doubled after a prune that kept
    // most, so pruning stays amortized O(1) per new key.
    size_t prune_above ABSL_GUARDED_BY(mu) = kPruneAbove;
  };
  Shard& ShardOf(const std::string& key);
  // The bucket of `key` refilled up to `now`.
  Bucket& Refill(Shard& shard, const std::string& key, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);

  const RateLimit limit_;
  std::array<Shard, kShards> shards_;
};

}  // namespace rentwave::platform
