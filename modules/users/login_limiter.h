// Throttles password guessing: too many failed logins for one username within
// a window block further attempts for that username until the window passes.
#pragma once

#include <deque>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace rentwave::users {

struct LoginLimits {
  int max_failures = 5;
  absl::Duration window = absl::Minutes(15);
};

// In memory: a restart forgets failures (an attacker cannot restart the
// server). Memory is bounded; see kMaxTracked in the .cc. Thread-safe.
class LoginLimiter {
 public:
  explicit LoginLimiter(LoginLimits limits) : limits_(limits) {}

  // True if `username` has max_failures failures within the window before
  // `now`; such attempts are refused without checking the password.
  bool Blocked(const std::string& username, absl::Time now) const;
  void RecordFailure(const std::string& username, absl::Time now);
  void RecordSuccess(const std::string& username);

 private:
  void PruneLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const LoginLimits limits_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::deque<absl::Time>> failures_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace rentwave::users
