#include "modules/platform/clock.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <vector>

namespace rentwave::platform {
namespace {

TEST(ManualClockTest, StandsStillUntilAdvanced) {
  const absl::Time start = absl::FromUnixMicros(1'700'000'000'123'456);
  ManualClock clock(start);
  EXPECT_EQ(clock.Now(), start);
  EXPECT_EQ(clock.Now(), start);
  EXPECT_EQ(clock.Advance(absl::Hours(3)), start + absl::Hours(3));
  EXPECT_EQ(clock.Now(), start + absl::Hours(3));
  clock.Set(start);
  EXPECT_EQ(clock.Now(), start);
}

TEST(ManualClockTest, ReturnsWholeMicroseconds) {
  ManualClock clock(absl::FromUnixMicros(10));
  EXPECT_EQ(clock.Advance(absl::Nanoseconds(1500)), absl::FromUnixMicros(11));
  EXPECT_EQ(clock.Now(), absl::FromUnixMicros(11));
}

TEST(ManualClockTest, ConcurrentAdvancesAllCount) {
  const absl::Time start = absl::FromUnixSeconds(1'700'000'000);
  ManualClock clock(start);
  std::vector<std::thread> threads;
  std::vector<absl::Time> seen(8 * 100);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        seen[t * 100 + i] = clock.Advance(absl::Seconds(1));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(clock.Now(), start + absl::Seconds(800));
  // Each step returned its own time: no two callers saw the same one.
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end());
}

TEST(SystemClockTest, ReturnsWholeMicrosecondsNearNow) {
  SystemClock clock;
  const absl::Time now = clock.Now();
  EXPECT_EQ(absl::FromUnixMicros(absl::ToUnixMicros(now)), now);
  EXPECT_LT(absl::AbsDuration(now - absl::Now()), absl::Seconds(5));
}

}  // namespace
}  // namespace rentwave::platform
