// The event log: an append-only `events` table written inside the business
// transaction (transactional outbox) and an in-process dispatcher that
// delivers committed events to subscribers in order, at least once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "modules/platform/clock.h"
#include "modules/platform/db.h"
#include "modules/platform/watchers.h"

namespace rentwave::platform {

struct Event {
  int64_t seq = 0;           // strictly increasing, gap-free
  std::string type;          // "<module>.<what>", e.g. "user.registered"
  std::string aggregate_id;  // the entity the event is about
  std::string actor_id;      // the user who caused it; empty for the system
  std::string payload;       // a JSON object; never secrets
  absl::Time time;
};

// A subscriber's handler. Returning an error stops delivery to that
// subscriber; the same event is offered again after a backoff. Handlers must
// be idempotent: after a crash, events since the last acknowledged one are
// delivered again.
using EventHandler = std::function<absl::Status(const Event&)>;

class EventLog {
 public:
  EventLog(Database& db, const Clock& clock);
  ~EventLog();  // Stops the dispatcher.

  // Appends an event inside `tx` (a write transaction); it exists only if tx
  // commits, and the dispatcher is woken when it does. Errors: those of the
  // insert. Thread-safe in the sense that Tx is used by one thread.
  absl::Status Append(Tx& tx, std::string type, std::string aggregate_id,
                      std::string actor_id, std::string payload);

  // Registers a named subscriber; its acknowledged position is stored under
  // `name`, so a restart resumes after the last delivered event. Call before
  // Start(). Not thread-safe.
  void Subscribe(std::string name, EventHandler handler);

  // Starts the dispatcher thread; it delivers everything past each
  // subscriber's stored position first. Idempotent.
  void Start();
  // Delivers what is committed, then stops the thread. Idempotent.
  void Stop();

  // Up to `limit` (1-1000) committed events with seq above `after_seq`, in
  // order; only those whose type is in `types`, unless it is empty. Errors:
  // INVALID_ARGUMENT (limit), those of the database. Thread-safe.
  absl::StatusOr<std::vector<Event>> Read(int64_t after_seq,
                                          const std::vector<std::string>& types,
                                          int limit) const;

  // Calls `listener` once for every transaction that appends events and
  // commits after this call, with the seq of its last event (those before
  // it are committed too), until the handle is destroyed. It runs on the
  // committing thread and must not block. Thread-safe.
  using Subscription = Watchers<int, int64_t>::Handle;
  std::unique_ptr<Subscription> Watch(std::function<void(int64_t)> listener);

  // Blocks until every subscriber has acknowledged every event committed
  // before the call, or `timeout` passes; returns whether it caught up. For
  // tests and orderly shutdown.
  bool WaitIdle(absl::Duration timeout);

 private:
  struct Subscriber {
    std::string name;
    EventHandler handler;
    int64_t position = -1;  // last acknowledged seq; -1 until loaded
    std::chrono::steady_clock::time_point retry_after{};
  };
  void Run();
  // Delivers one batch to `s`; returns true if it made progress.
  bool DeliverBatch(Subscriber& s);
  int64_t LastSeq();

  Database& db_;
  const Clock& clock_;
  std::vector<Subscriber> subscribers_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  bool stop_ = false;
  bool pending_ = true;    // woken since the last scan
  int64_t delivered_ = 0;  // min position over subscribers after a scan
  std::thread thread_;
  Watchers<int, int64_t> watchers_;  // one key: every event
};

// Checks the stored log (for `rentwave verify`): sequence numbers 1..N
// without a gap, subscriber positions within them. Returns what is wrong
// (empty: consistent). Errors: those of the database.
absl::StatusOr<std::vector<std::string>> VerifyEventLog(Database& db);

}  // namespace rentwave::platform
