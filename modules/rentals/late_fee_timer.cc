#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "modules/rentals/rentals.h"

namespace rentwave::rentals {

LateFeeTimer::LateFeeTimer(Rentals& rentals, const platform::Clock& clock,
                           LateFeeTimerOptions options)
    : rentals_(rentals), clock_(clock), options_(options) {
  rentals_.SetTimerHook([this](absl::Time due) { WakeBy(due); });
}

LateFeeTimer::~LateFeeTimer() {
  Stop();
  rentals_.SetTimerHook(nullptr);
}

void LateFeeTimer::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable() || stop_) return;
  thread_ = std::thread([this] { Run(); });
}

void LateFeeTimer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

// Wake and WakeBy notify under the lock: released first, the timer could be
// stopped and destroyed before the notify touched its condition variable.
void LateFeeTimer::Wake() {
  std::lock_guard<std::mutex> lock(mu_);
  woken_ = true;
  wake_.notify_all();
}

void LateFeeTimer::WakeBy(absl::Time due) {
  std::lock_guard<std::mutex> lock(mu_);
  // Under a stream of bookings this is nearly always false: each would
  // otherwise cost the timer two queries.
  if (asleep_ && due >= planned_) return;
  woken_ = true;
  wake_.notify_all();
}

bool LateFeeTimer::ChargeAllDue() {
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) return true;
    }
    absl::StatusOr<int> charged =
        rentals_.ChargeDue(clock_.Now(), options_.batch);
    if (!charged.ok()) {
      // Nothing was committed for the failing rental; it stays due and is
      // tried again after the poll interval.
      spdlog::error("late-fee timer: {}", charged.status().ToString());
      return false;
    }
    if (*charged > 0) spdlog::debug("late-fee timer: {} charges", *charged);
    if (*charged < options_.batch) return true;
  }
}

void LateFeeTimer::Run() {
  for (;;) {
    const bool ok = ChargeAllDue();
    // Sleep until the next charge falls due, but never longer than the poll
    // interval: the clock may be one that jumps. After a failure, a full
    // interval: what failed is still due and would fail again at once.
    absl::Duration wait = options_.poll;
    absl::StatusOr<std::optional<absl::Time>> next =
        std::optional<absl::Time>();
    if (ok) next = rentals_.NextDue();
    if (!next.ok()) {
      spdlog::error("late-fee timer: {}", next.status().ToString());
    } else if (next->has_value()) {
      wait = std::clamp(**next - clock_.Now(), absl::ZeroDuration(),
                        options_.poll);
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (stop_) return;
    if (!woken_ && wait > absl::ZeroDuration()) {
      planned_ = clock_.Now() + wait;
      asleep_ = true;
      wake_.wait_for(lock, absl::ToChronoMicroseconds(wait),
                     [this] { return stop_ || woken_; });
      // Until it sleeps again, any booking may be due before what it reads
      // next.
      asleep_ = false;
    }
    woken_ = false;
    if (stop_) return;
  }
}

}  // namespace rentwave::rentals
