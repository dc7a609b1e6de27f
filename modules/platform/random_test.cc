// Tests for RandomBytes and NewId (ULID).
#include "modules/platform/random.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/string_view.h"
#include "modules/platform/clock.h"

namespace rentwave::platform {
namespace {

constexpr absl::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// Decodes the first 10 characters (48 bits) of a ULID: its millisecond time.
int64_t DecodeMillis(const std::string& id) {
  int64_t ms = 0;
  for (int i = 0; i < 10; ++i) {
    size_t digit = kCrockford.find(id[i]);
    if (digit == absl::string_view::npos) return -1;
    ms = ms * 32 + static_cast<int64_t>(digit);
  }
  return ms;
}

TEST(NewIdTest, IsTwentySixCrockfordBase32Characters) {
  ManualClock clock;
  for (int i = 0; i < 200; ++i) {
    std::string id = NewId(clock.Now());
    ASSERT_EQ(id.size(), 26u) << id;
    for (char c : id) {
      EXPECT_NE(kCrockford.find(c), absl::string_view::npos) << id;
    }
    // 128 bits in 26 digits: the first digit carries only 3 bits.
    EXPECT_LE(id[0], '7') << id;
    clock.Advance(absl::Milliseconds(37));
  }
}

TEST(NewIdTest, EncodesTheMillisecondTimeFirst) {
  ManualClock clock(absl::FromUnixMillis(1700000000123));
  std::string id = NewId(clock.Now());
  EXPECT_EQ(DecodeMillis(id), 1700000000123) << id;

  EXPECT_EQ(NewId(absl::UnixEpoch()).substr(0, 10), "0000000000");
  EXPECT_EQ(NewId(absl::FromUnixMillis((int64_t{1} << 48) - 1)).substr(0, 10),
            "7ZZZZZZZZZ");
  // Sub-millisecond parts are truncated, not rounded.
  EXPECT_EQ(DecodeMillis(NewId(absl::FromUnixMicros(1700000000123999))),
            1700000000123);
}

TEST(NewIdTest, IdsMadeAtIncreasingTimesSortInTimeOrder) {
  ManualClock clock;
  std::vector<std::string> ids;
  for (int i = 0; i < 2000; ++i) {
    ids.push_back(NewId(clock.Now()));
    // Mostly one millisecond apart, sometimes far apart.
    clock.Advance(i % 100 == 99 ? absl::Hours(24 * 400)
                                : absl::Milliseconds(1));
  }
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
  std::vector<std::string> shuffled(ids.rbegin(), ids.rend());
  std::sort(shuffled.begin(), shuffled.end());
  EXPECT_EQ(shuffled, ids);
}

TEST(NewIdTest, TenThousandIdsAtTheSameTimeAreUnique) {
  ManualClock clock;
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) ids.insert(NewId(clock.Now()));
  EXPECT_EQ(ids.size(), 10000u);
}

TEST(NewIdTest, UniqueAcrossThreads) {
  ManualClock clock;
  std::mutex mu;
  std::set<std::string> ids;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      std::vector<std::string> mine;
      for (int i = 0; i < 2500; ++i) mine.push_back(NewId(clock.Now()));
      std::lock_guard<std::mutex> lock(mu);
      ids.insert(mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ids.size(), 10000u);
}

TEST(RandomBytesTest, TwoCallsFillDifferently) {
  std::array<uint8_t, 32> a{}, b{};
  RandomBytes(a.data(), a.size());
  RandomBytes(b.data(), b.size());
  EXPECT_NE(a, b);
  EXPECT_NE(a, (std::array<uint8_t, 32>{}));
  EXPECT_NE(b, (std::array<uint8_t, 32>{}));
}

TEST(RandomBytesTest, WritesExactlyTheRequestedBytes) {
  std::array<uint8_t, 64> buf;
  buf.fill(0xAB);
  RandomBytes(buf.data() + 8, 0);
  for (uint8_t byte : buf) ASSERT_EQ(byte, 0xAB);

  // Fill 40 bytes in the middle; the guards around them stay untouched.
  RandomBytes(buf.data() + 8, 40);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(buf[i], 0xAB) << i;
  for (int i = 48; i < 64; ++i) EXPECT_EQ(buf[i], 0xAB) << i;
  int unchanged = 0;
  for (int i = 8; i < 48; ++i) unchanged += buf[i] == 0xAB;
  EXPECT_LT(unchanged, 10);  // 40 random bytes: ~0.16 expected to match
}

}  // namespace
}  // namespace rentwave::platform
