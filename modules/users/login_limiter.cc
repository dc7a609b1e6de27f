#include "modules/users/login_limiter.h"

namespace rentwave::users {
namespace {

// Above this many tracked usernames, entries whose failures all fell out of
// the window are dropped.
constexpr size_t kMaxTracked = 100000;

}  // namespace

bool LoginLimiter::TryAttempt(const std::string& username, absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = failures_.find(username);
  if (it != failures_.end() &&
      static_cast<int>(it->second.size()) >= limits_.max_failures &&
      now - it->second.front() < limits_.window) {
    return false;
  }
  if (failures_.size() >= kMaxTracked) PruneLocked(now);
  std::deque<absl::Time>& times = failures_[username];
  times.push_back(now);
  while (static_cast<int>(times.size()) > limits_.max_failures) {
    times.pop_front();
  }
  return true;
}

void LoginLimiter::RecordSuccess(const std::string& username) {
  std::lock_guard<std::mutex> lock(mu_);
  failures_.erase(username);
}

void LoginLimiter::PruneLocked(absl::Time now) {
  absl::erase_if(failures_, [&](const auto& entry) {
    return now - entry.second.back() >= limits_.window;
  });
}

}  // namespace rentwave::users
