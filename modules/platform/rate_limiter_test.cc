// Tests for RateLimiter: token buckets by key, refilled with time.
#include "modules/platform/rate_limiter.h"

#include <gtest/gtest.h>

#include <string>

namespace rentwave::platform {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1000);

TEST(RateLimiterTest, BurstThenRateAndKeysAreIndependent) {
  RateLimiter limiter({/*per_second=*/10, /*burst=*/3});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Allow("a", kT0)) << i;
  EXPECT_FALSE(limiter.Allow("a", kT0));
  EXPECT_EQ(limiter.RetryAfter("a", kT0), absl::Milliseconds(100));
  EXPECT_TRUE(limiter.Allow("b", kT0));  // another key has its own bucket
  // One token per 100 ms.
  EXPECT_FALSE(limiter.Allow("a", kT0 + absl::Milliseconds(99)));
  EXPECT_TRUE(limiter.Allow("a", kT0 + absl::Milliseconds(100)));
  EXPECT_FALSE(limiter.Allow("a", kT0 + absl::Milliseconds(100)));
  // Never more than the burst, however long the pause.
  const absl::Time later = kT0 + absl::Hours(1);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Allow("a", later)) << i;
  EXPECT_FALSE(limiter.Allow("a", later));
  EXPECT_EQ(limiter.RetryAfter("b", later), absl::ZeroDuration());
}

TEST(RateLimiterTest, ZeroRateIsUnlimited) {
  RateLimiter limiter({0, 1});
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(limiter.Allow("a", kT0));
  EXPECT_EQ(limiter.RetryAfter("a", kT0), absl::ZeroDuration());
}

TEST(RateLimiterTest, TimeGoingBackwardsGrantsNothing) {
  RateLimiter limiter({1, 1});
  EXPECT_TRUE(limiter.Allow("a", kT0));
  EXPECT_FALSE(limiter.Allow("a", kT0 - absl::Seconds(10)));
  EXPECT_TRUE(limiter.Allow("a", kT0 + absl::Seconds(1)));
}

TEST(RateLimiterTest, ForgetsOnlyFullBucketsWhenManyKeysAreTracked) {
  RateLimiter limiter({1, 2});
  EXPECT_TRUE(limiter.Allow("busy", kT0));
  EXPECT_TRUE(limiter.Allow("busy", kT0));
  // Far more keys than a shard keeps before pruning, all at kT0.
  for (int i = 0; i < 100000; ++i) limiter.Allow("k" + std::to_string(i), kT0);
  // Half a second later the busy key's bucket is not full: it was kept.
  EXPECT_FALSE(limiter.Allow("busy", kT0 + absl::Milliseconds(500)));
  EXPECT_TRUE(limiter.Allow("busy", kT0 + absl::Seconds(1)));
}

}  // namespace
}  // namespace rentwave::platform
