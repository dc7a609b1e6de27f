#include "modules/platform/clock.h"

namespace rentwave::platform {

absl::Time SystemClock::Now() const {
  return FromMicros(ToMicros(absl::Now()));
}

absl::Time ManualClock::Now() const {
  std::lock_guard<std::mutex> lock(mu_);
  return FromMicros(ToMicros(now_));
}

absl::Time ManualClock::Advance(absl::Duration d) {
  std::lock_guard<std::mutex> lock(mu_);
  now_ += d;
  return FromMicros(ToMicros(now_));
}

void ManualClock::Set(absl::Time t) {
  std::lock_guard<std::mutex> lock(mu_);
  now_ = t;
}

}  // namespace rentwave::platform
