// Tests for LoginLimiter: failed logins per username within a window.
#include "modules/users/login_limiter.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/time/time.h"

namespace rentwave::users {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1700000000);
const LoginLimits kLimits{/*max_failures=*/3, /*window=*/absl::Minutes(10)};

TEST(LoginLimiterTest, UnknownUsernameIsNotBlocked) {
  LoginLimiter limiter(kLimits);
  EXPECT_FALSE(limiter.Blocked("alice", kStart));
}

TEST(LoginLimiterTest, BlocksAtMaxFailuresNotBefore) {
  LoginLimiter limiter(kLimits);
  limiter.RecordFailure("alice", kStart);
  EXPECT_FALSE(limiter.Blocked("alice", kStart));
  limiter.RecordFailure("alice", kStart + absl::Seconds(1));
  EXPECT_FALSE(limiter.Blocked("alice", kStart + absl::Seconds(1)));
  limiter.RecordFailure("alice", kStart + absl::Seconds(2));
  EXPECT_TRUE(limiter.Blocked("alice", kStart + absl::Seconds(2)));
  EXPECT_TRUE(limiter.Blocked("alice", kStart + absl::Minutes(5)));
}

TEST(LoginLimiterTest, DefaultLimitsAllowFiveFailures) {
  LoginLimiter limiter(LoginLimits{});
  for (int i = 0; i < 4; ++i) limiter.RecordFailure("alice", kStart);
  EXPECT_FALSE(limiter.Blocked("alice", kStart));
  limiter.RecordFailure("alice", kStart);
  EXPECT_TRUE(limiter.Blocked("alice", kStart));
  EXPECT_TRUE(
      limiter.Blocked("alice", kStart + absl::Minutes(15) - absl::Seconds(1)));
  EXPECT_FALSE(limiter.Blocked("alice", kStart + absl::Minutes(15)));
}

TEST(LoginLimiterTest, UnblocksOnceTheWindowHasPassed) {
  LoginLimiter limiter(kLimits);
  for (int i = 0; i < 3; ++i) limiter.RecordFailure("alice", kStart);
  EXPECT_TRUE(
      limiter.Blocked("alice", kStart + kLimits.window - absl::Seconds(1)));
  EXPECT_FALSE(limiter.Blocked("alice", kStart + kLimits.window));
  EXPECT_FALSE(limiter.Blocked("alice", kStart + absl::Hours(5)));
}

TEST(LoginLimiterTest, FailuresSpreadWiderThanTheWindowDoNotBlock) {
  LoginLimiter limiter(kLimits);
  limiter.RecordFailure("alice", kStart);
  limiter.RecordFailure("alice", kStart + absl::Minutes(6));
  limiter.RecordFailure("alice", kStart + absl::Minutes(12));
  // Only two of the three fall within the 10 minutes before now.
  EXPECT_FALSE(limiter.Blocked("alice", kStart + absl::Minutes(12)));
  // A third within the window of the last two blocks.
  limiter.RecordFailure("alice", kStart + absl::Minutes(13));
  EXPECT_TRUE(limiter.Blocked("alice", kStart + absl::Minutes(13)));
  // ... until the oldest of those three (minute 6) is 10 minutes old.
  EXPECT_TRUE(
      limiter.Blocked("alice", kStart + absl::Minutes(16) - absl::Seconds(1)));
  EXPECT_FALSE(limiter.Blocked("alice", kStart + absl::Minutes(16)));
}

TEST(LoginLimiterTest, AFailureAfterTheWindowDoesNotReblockAtOnce) {
  LoginLimiter limiter(kLimits);
  for (int i = 0; i < 3; ++i) limiter.RecordFailure("alice", kStart);
  absl::Time later = kStart + kLimits.window;
  ASSERT_FALSE(limiter.Blocked("alice", later));
  limiter.RecordFailure("alice", later);
  EXPECT_FALSE(limiter.Blocked("alice", later));
  limiter.RecordFailure("alice", later);
  limiter.RecordFailure("alice", later);
  EXPECT_TRUE(limiter.Blocked("alice", later));
}

TEST(LoginLimiterTest, SuccessResetsTheCount) {
  LoginLimiter limiter(kLimits);
  limiter.RecordFailure("alice", kStart);
  limiter.RecordFailure("alice", kStart);
  limiter.RecordSuccess("alice");
  limiter.RecordFailure("alice", kStart);
  limiter.RecordFailure("alice", kStart);
  EXPECT_FALSE(limiter.Blocked("alice", kStart));
  limiter.RecordFailure("alice", kStart);
  EXPECT_TRUE(limiter.Blocked("alice", kStart));
  // A success clears even a block.
  limiter.RecordSuccess("alice");
  EXPECT_FALSE(limiter.Blocked("alice", kStart));
  // Success for a username never seen is harmless.
  limiter.RecordSuccess("nobody");
  EXPECT_FALSE(limiter.Blocked("nobody", kStart));
}

TEST(LoginLimiterTest, UsernamesAreIndependent) {
  LoginLimiter limiter(kLimits);
  for (int i = 0; i < 3; ++i) limiter.RecordFailure("alice", kStart);
  limiter.RecordFailure("bob", kStart);
  limiter.RecordFailure("bob", kStart);
  EXPECT_TRUE(limiter.Blocked("alice", kStart));
  EXPECT_FALSE(limiter.Blocked("bob", kStart));
  EXPECT_FALSE(limiter.Blocked("carol", kStart));
  limiter.RecordSuccess("bob");
  EXPECT_TRUE(limiter.Blocked("alice", kStart));
  limiter.RecordSuccess("alice");
  limiter.RecordFailure("bob", kStart);
  EXPECT_FALSE(limiter.Blocked("bob", kStart));
}

TEST(LoginLimiterTest, UsernamesAreComparedExactly) {
  // The limiter sees usernames as given; Users normalizes them first.
  LoginLimiter limiter(kLimits);
  for (int i = 0; i < 3; ++i) limiter.RecordFailure("alice", kStart);
  EXPECT_FALSE(limiter.Blocked("alice2", kStart));
  EXPECT_FALSE(limiter.Blocked("alic", kStart));
}

}  // namespace
}  // namespace rentwave::users
