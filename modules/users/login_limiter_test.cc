// Tests for LoginLimiter: login attempts per username within a window.
#include "modules/users/login_limiter.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"

namespace rentwave::users {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1700000000);
const LoginLimits kLimits{/*max_failures=*/3, /*window=*/absl::Minutes(10)};

// Makes `n` failed attempts at `t`, asserting each was allowed.
void Fail(LoginLimiter& limiter, const std::string& user, int n, absl::Time t) {
  for (int i = 0; i < n; ++i) ASSERT_TRUE(limiter.TryAttempt(user, t));
}

TEST(LoginLimiterTest, AllowsMaxFailuresThenRefuses) {
  LoginLimiter limiter(kLimits);
  EXPECT_TRUE(limiter.TryAttempt("alice", kStart));
  EXPECT_TRUE(limiter.TryAttempt("alice", kStart + absl::Seconds(1)));
  EXPECT_TRUE(limiter.TryAttempt("alice", kStart + absl::Seconds(2)));
  EXPECT_FALSE(limiter.TryAttempt("alice", kStart + absl::Seconds(3)));
  EXPECT_FALSE(limiter.TryAttempt("alice", kStart + absl::Minutes(5)));
}

TEST(LoginLimiterTest, DefaultLimitsAllowFiveFailuresIn15Minutes) {
  LoginLimiter limiter(LoginLimits{});
  Fail(limiter, "alice", 5, kStart);
  EXPECT_FALSE(limiter.TryAttempt(
      "alice", kStart + absl::Minutes(15) - absl::Seconds(1)));
  EXPECT_TRUE(limiter.TryAttempt("alice", kStart + absl::Minutes(15)));
}

TEST(LoginLimiterTest, RefusedAttemptsDoNotExtendTheBlock) {
  LoginLimiter limiter(kLimits);
  Fail(limiter, "alice", 3, kStart);
  for (int i = 1; i < 10; ++i) {
    EXPECT_FALSE(limiter.TryAttempt("alice", kStart + absl::Minutes(i)));
  }
  EXPECT_TRUE(limiter.TryAttempt("alice", kStart + kLimits.window));
}

TEST(LoginLimiterTest, FailuresSpreadWiderThanTheWindowDoNotBlock) {
  LoginLimiter limiter(kLimits);
  Fail(limiter, "alice", 1, kStart);
  Fail(limiter, "alice", 1, kStart + absl::Minutes(6));
  Fail(limiter, "alice", 1, kStart + absl::Minutes(12));
  // The oldest of the last three (minute 0) is out of the window: allowed,
  // and this fourth attempt makes minutes 6, 12, 13 the last three.
  EXPECT_TRUE(limiter.TryAttempt("alice", kStart + absl::Minutes(13)));
  EXPECT_FALSE(limiter.TryAttempt(
      "alice", kStart + absl::Minutes(16) - absl::Seconds(1)));
  EXPECT_TRUE(limiter.TryAttempt("alice", kStart + absl::Minutes(16)));
}

TEST(LoginLimiterTest, SuccessResetsTheCount) {
  LoginLimiter limiter(kLimits);
  Fail(limiter, "alice", 2, kStart);
  limiter.RecordSuccess("alice");
  Fail(limiter, "alice", 3, kStart);
  EXPECT_FALSE(limiter.TryAttempt("alice", kStart));
  limiter.RecordSuccess("nobody");  // harmless
  EXPECT_FALSE(limiter.TryAttempt("alice", kStart));
}

TEST(LoginLimiterTest, UsernamesAreIndependentAndComparedExactly) {
  LoginLimiter limiter(kLimits);
  Fail(limiter, "alice", 3, kStart);
  EXPECT_FALSE(limiter.TryAttempt("alice", kStart));
  EXPECT_TRUE(limiter.TryAttempt("bob", kStart));
  EXPECT_TRUE(limiter.TryAttempt("alice2", kStart));
  EXPECT_TRUE(limiter.TryAttempt("alic", kStart));
}

TEST(LoginLimiterTest, ConcurrentAttemptsGetExactlyMaxFailuresThrough) {
  LoginLimiter limiter(kLimits);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&] {
      for (int k = 0; k < 50; ++k)
        allowed += limiter.TryAttempt("alice", kStart);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), kLimits.max_failures);
}

}  // namespace
}  // namespace rentwave::users
