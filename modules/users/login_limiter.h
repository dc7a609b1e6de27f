// Throttles password guessing: too many failed logins for one username within
// a window block further attempts for that username until the window passes.
#pragma once

#include <deque>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"

namespace rentwave::users {

struct LoginLimits {
  int max_failures = 5;
  absl::Duration window = absl::Minutes(15);
};

// In memory: a restart forgets failures (an attacker cannot restart the
// server). Entries whose failures all fell out of the window are pruned once
// many usernames are tracked, so memory grows only with the usernames that
// failed within one window. Thread-safe.
class LoginLimiter {
 public:
  explicit LoginLimiter(LoginLimits limits) : limits_(limits) {}

  // Starts a login attempt: false if `username` already has max_failures
  // failures within the window before `now` (refuse without checking the
  // password); otherwise counts the attempt as a failure at once, so that
  // concurrent guesses cannot all pass the check before any is counted.
  bool TryAttempt(const std::string& username, absl::Time now);
  // The attempt succeeded: forgets the username's failures.
  void RecordSuccess(const std::string& username);

 private:
  void PruneLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const LoginLimits limits_;
  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, std::deque<absl::Time>> failures_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace rentwave::users
