#include "modules/platform/rate_limiter.h"

#include <algorithm>
#include <functional>

namespace rentwave::platform {

RateLimiter::Shard& RateLimiter::ShardOf(const std::string& key) {
  return shards_[std::hash<std::string>()(key) % kShards];
}

RateLimiter::Bucket& RateLimiter::Refill(Shard& shard, const std::string& key,
                                         absl::Time now) {
  if (shard.buckets.size() > shard.prune_above &&
      !shard.buckets.contains(key)) {
    // Full buckets carry no state: forgetting them changes nothing.
    absl::erase_if(shard.buckets, [&](const auto& entry) {
      const Bucket& b = entry.second;
      return b.tokens +
                 absl::ToDoubleSeconds(now - b.updated) * limit_.per_second >=
             limit_.burst;
    });
    shard.prune_above = std::max(kPruneAbove, 2 * shard.buckets.size());
  }
  auto [it, inserted] =
      shard.buckets.try_emplace(key, Bucket{limit_.burst, now});
  Bucket& b = it->second;
  if (!inserted && now > b.updated) {
    b.tokens = std::min(
        limit_.burst,
        b.tokens + absl::ToDoubleSeconds(now - b.updated) * limit_.per_second);
    b.updated = now;
  }
  return b;
}

bool RateLimiter::Allow(const std::string& key, absl::Time now) {
  if (limit_.per_second <= 0) return true;
  Shard& shard = ShardOf(key);
  std::lock_guard<std::mutex> lock(shard.mu);
  Bucket& b = Refill(shard, key, now);
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

absl::Duration RateLimiter::RetryAfter(const std::string& key, absl::Time now) {
  if (limit_.per_second <= 0) return absl::ZeroDuration();
  Shard& shard = ShardOf(key);
  std::lock_guard<std::mutex> lock(shard.mu);
  const Bucket& b = Refill(shard, key, now);
  if (b.tokens >= 1) return absl::ZeroDuration();
  return absl::Seconds((1 - b.tokens) / limit_.per_second);
}

}  // namespace rentwave::platform
