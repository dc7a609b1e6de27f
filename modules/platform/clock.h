// Time source injected into every component that reads the time.
#pragma once

#include <mutex>

#include "absl/base/thread_annotations.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace rentwave::platform {

// Where all code reads the current time. Implementations are thread-safe
// and return whole microseconds, the precision of storage, so that a time
// returned to a client equals the one later read back.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// The real wall clock (UTC).
class SystemClock final : public Clock {
 public:
  absl::Time Now() const override;
};

// A clock that moves only when told to: for unit tests, and for the
// development clock (`rentwave serve --dev-clock`, started at the real time
// and only ever advanced).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(absl::Time start = absl::FromUnixSeconds(1700000000))
      : now_(start) {}
  absl::Time Now() const override;
  // Moves the clock by `d` (backwards if negative: only tests should) and
  // returns the new time, atomically: concurrent calls each see their own
  // step.
  absl::Time Advance(absl::Duration d);
  void Set(absl::Time t);

 private:
  mutable std::mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

// Storage representation of time: integer microseconds since the Unix epoch.
inline int64_t ToMicros(absl::Time t) { return absl::ToUnixMicros(t); }
inline absl::Time FromMicros(int64_t us) { return absl::FromUnixMicros(us); }

}  // namespace rentwave::platform
