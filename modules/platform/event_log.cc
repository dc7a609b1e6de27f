#include "modules/platform/event_log.h"

#include <SQLiteCpp/Statement.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "modules/platform/statement_cache.h"
#include "modules/platform/status.h"

namespace rentwave::platform {
namespace {

constexpr int kBatch = 256;
constexpr auto kRetryBackoff = std::chrono::seconds(1);
constexpr int kEveryEvent = 0;  // the one key of watchers_

// Up to `limit` events after `after_seq` in order, of `types` unless empty.
std::vector<Event> ReadEvents(Tx& tx, int64_t after_seq,
                              const std::vector<std::string>& types,
                              int limit) {
  std::string sql =
      "SELECT seq, type, aggregate_id, actor_id, payload, created_at_us "
      "FROM events WHERE seq > ?";
  if (!types.empty()) {
    sql += " AND type IN (?";
    for (size_t i = 1; i < types.size(); ++i) sql += ", ?";
    sql += ")";
  }
  sql += " ORDER BY seq LIMIT ?";
  SQLite::Statement q(tx.db(), sql);
  int param = 0;
  q.bind(++param, static_cast<int64_t>(after_seq));
  for (const std::string& type : types) q.bind(++param, type);
  q.bind(++param, limit);
  std::vector<Event> events;
  while (q.executeStep()) {
    events.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString(),
                      q.getColumn(2).getString(), q.getColumn(3).getString(),
                      q.getColumn(4).getString(),
                      FromMicros(q.getColumn(5).getInt64())});
  }
  return events;
}

}  // namespace

EventLog::EventLog(Database& db, const Clock& clock) : db_(db), clock_(clock) {}

EventLog::~EventLog() { Stop(); }

absl::Status EventLog::Append(Tx& tx, std::string type,
                              std::string aggregate_id, std::string actor_id,
                              std::string payload) {
  if (!tx.writable()) {
    return absl::InternalError("EventLog::Append needs a write transaction");
  }
  CachedStatement insert(
      tx,
      "INSERT INTO events(type, aggregate_id, actor_id, payload, "
      "created_at_us) VALUES (?, ?, ?, ?, ?)");
  insert->bind(1, type);
  insert->bind(2, aggregate_id);
  insert->bind(3, actor_id);
  insert->bind(4, payload);
  insert->bind(5, static_cast<int64_t>(ToMicros(clock_.Now())));
  insert->exec();
  const int64_t seq = tx.db().getLastInsertRowid();
  // One wake-up per transaction, however many events it appends.
  tx.OnCommit(this, [this, seq] {
    {
      std::lock_guard<std::mutex> lock(mu_);
      pending_ = true;
    }
    wake_.notify_one();
    watchers_.Publish(kEveryEvent, seq);
  });
  return absl::OkStatus();
}

void EventLog::Subscribe(std::string name, EventHandler handler) {
  subscribers_.push_back({std::move(name), std::move(handler)});
}

void EventLog::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable() || stop_) return;
  thread_ = std::thread([this] { Run(); });
}

void EventLog::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

int64_t EventLog::LastSeq() {
  int64_t last = 0;
  absl::Status status = db_.Read([&](Tx& tx) {
    SQLite::Statement q(tx.db(), "SELECT COALESCE(MAX(seq), 0) FROM events");
    q.executeStep();
    last = q.getColumn(0).getInt64();
    return absl::OkStatus();
  });
  if (!status.ok()) spdlog::error("event log: {}", status.ToString());
  return last;
}

bool EventLog::WaitIdle(absl::Duration timeout) {
  if (subscribers_.empty()) return true;  // nothing is owed to anyone
  int64_t target = LastSeq();
  std::unique_lock<std::mutex> lock(mu_);
  return idle_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                        [&] { return delivered_ >= target; });
}

void EventLog::Run() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_for(lock, kRetryBackoff, [&] { return pending_ || stop_; });
      pending_ = false;
    }
    bool progress = false;
    // The least acknowledged position; with no subscribers nothing is owed,
    // so a wake-up costs no read.
    int64_t delivered = INT64_MAX;
    auto now = std::chrono::steady_clock::now();
    for (Subscriber& s : subscribers_) {
      if (now >= s.retry_after) progress |= DeliverBatch(s);
      delivered = std::min(delivered, s.position);
    }
    std::lock_guard<std::mutex> lock(mu_);
    delivered_ = delivered;
    idle_.notify_all();
    if (progress) {
      pending_ = true;  // there may be more than one batch
    } else if (stop_ && !pending_) {
      // pending_ is set if something committed during this scan: scan again
      // so that Stop() delivers everything committed before it.
      return;
    }
  }
}

absl::StatusOr<std::vector<Event>> EventLog::Read(
    int64_t after_seq, const std::vector<std::string>& types, int limit) const {
  if (limit < 1 || limit > 1000) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit: must be 1-1000, not ", limit));
  }
  std::vector<Event> events;
  RW_RETURN_IF_ERROR(db_.Read([&](Tx& tx) {
    events = ReadEvents(tx, after_seq, types, limit);
    return absl::OkStatus();
  }));
  return events;
}

std::unique_ptr<EventLog::Subscription> EventLog::Watch(
    std::function<void(int64_t)> listener) {
  return watchers_.Add(kEveryEvent, std::move(listener));
}

bool EventLog::DeliverBatch(Subscriber& s) {
  std::vector<Event> batch;
  absl::Status status = db_.Read([&](Tx& tx) {
    if (s.position < 0) {
      SQLite::Statement cursor(
          tx.db(), "SELECT position FROM event_cursors WHERE subscriber = ?");
      cursor.bind(1, s.name);
      s.position = cursor.executeStep() ? cursor.getColumn(0).getInt64() : 0;
    }
    batch = ReadEvents(tx, s.position, {}, kBatch);
    return absl::OkStatus();
  });
  if (!status.ok()) {
    spdlog::error("event log: reading events for {}: {}", s.name,
                  status.ToString());
    return false;
  }
  int64_t acked = s.position;
  for (const Event& e : batch) {
    absl::Status handled = s.handler(e);
    if (!handled.ok()) {
      spdlog::warn("event log: subscriber {} failed on event {} ({}): {}",
                   s.name, e.seq, e.type, handled.ToString());
      s.retry_after = std::chrono::steady_clock::now() + kRetryBackoff;
      break;
    }
    acked = e.seq;
  }
  if (acked == s.position) return false;
  status = db_.Write([&](Tx& tx) {
    SQLite::Statement save(
        tx.db(),
        "INSERT INTO event_cursors(subscriber, position) VALUES (?, ?) "
        "ON CONFLICT(subscriber) DO UPDATE SET position = excluded.position");
    save.bind(1, s.name);
    save.bind(2, static_cast<int64_t>(acked));
    save.exec();
    return absl::OkStatus();
  });
  if (!status.ok()) {
    spdlog::error("event log: saving position of {}: {}", s.name,
                  status.ToString());
  }
  s.position = acked;
  return true;
}

absl::StatusOr<std::vector<std::string>> VerifyEventLog(Database& db) {
  std::vector<std::string> problems;
  RW_RETURN_IF_ERROR(db.Read([&](Tx& tx) {
    SQLite::Statement seqs(
        tx.db(),
        "SELECT COUNT(*), COALESCE(MIN(seq), 1), COALESCE(MAX(seq), 0) "
        "FROM events");
    seqs.executeStep();
    const int64_t count = seqs.getColumn(0).getInt64();
    const int64_t first = seqs.getColumn(1).getInt64();
    const int64_t last = seqs.getColumn(2).getInt64();
    if (first != 1 || count != last) {
      problems.push_back(absl::StrCat("events: ", count,
                                      " events but sequence numbers run from ",
                                      first, " to ", last, " (a gap)"));
    }
    SQLite::Statement cursors(tx.db(),
                              "SELECT subscriber, position FROM event_cursors "
                              "WHERE position < 0 OR position > ?");
    cursors.bind(1, static_cast<int64_t>(last));
    while (cursors.executeStep()) {
      problems.push_back(
          absl::StrCat("events: subscriber ", cursors.getColumn(0).getString(),
                       " acknowledged ", cursors.getColumn(1).getInt64(),
                       ", beyond the last event ", last));
    }
    return absl::OkStatus();
  }));
  return problems;
}

}  // namespace rentwave::platform
