// Tests for EventLog: the transactional outbox and its dispatcher.
#include "modules/platform/event_log.h"

#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "modules/platform/clock.h"
#include "modules/platform/db.h"
#include "modules/platform/migrations.h"
#include "modules/platform/scoped_temp_dir.h"
#include "modules/platform/test_database.h"

namespace rentwave::platform {
namespace {

constexpr absl::Duration kWait = absl::Seconds(5);

std::string Describe(const Event& e) {
  return std::to_string(e.seq) + " " + e.type + " " + e.aggregate_id + " " +
         e.actor_id + " " + e.payload + " @" + std::to_string(ToMicros(e.time));
}

std::vector<std::string> Describe(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const Event& e : events) out.push_back(Describe(e));
  return out;
}

// Collects what a subscriber receives; thread-safe.
class Recorder {
 public:
  EventHandler Handler() {
    return [this](const Event& e) {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back(e);
      return absl::OkStatus();
    };
  }
  std::vector<Event> events() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  std::vector<int64_t> seqs() {
    std::vector<int64_t> out;
    for (const Event& e : events()) out.push_back(e.seq);
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<Event> events_;
};

// All rows of the events table, in seq order.
std::vector<Event> StoredEvents(Database& db) {
  std::vector<Event> out;
  absl::Status status = db.Read([&](Tx& tx) {
    SQLite::Statement q(tx.db(),
                        "SELECT seq, type, aggregate_id, actor_id, payload, "
                        "created_at_us FROM events ORDER BY seq");
    while (q.executeStep()) {
      out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString(),
                     q.getColumn(2).getString(), q.getColumn(3).getString(),
                     q.getColumn(4).getString(),
                     FromMicros(q.getColumn(5).getInt64())});
    }
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
  return out;
}

std::vector<int64_t> Seqs(const std::vector<Event>& events) {
  std::vector<int64_t> out;
  for (const Event& e : events) out.push_back(e.seq);
  return out;
}

class EventLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = OpenMigratedForTest(":memory:", clock_);
    ASSERT_NE(db_, nullptr);
    log_ = std::make_unique<EventLog>(*db_, clock_);
  }
  void TearDown() override { log_.reset(); }

  // Appends one event per type in a single committed transaction.
  void AppendCommitted(const std::vector<std::string>& types) {
    absl::Status status = db_->Write([&](Tx& tx) -> absl::Status {
      for (const std::string& type : types) {
        absl::Status s = log_->Append(tx, type, "agg-" + type, "user-1",
                                      "{\"t\":\"" + type + "\"}");
        if (!s.ok()) return s;
      }
      return absl::OkStatus();
    });
    ASSERT_TRUE(status.ok()) << status;
  }

  ManualClock clock_;
  std::unique_ptr<Database> db_;
  // Subscribers' state outlives the log (and so its dispatcher thread).
  Recorder recorder_, other_recorder_;
  std::unique_ptr<EventLog> log_;
};

TEST_F(EventLogTest, AppendInCommittedWriteStoresGapFreeIncreasingSeq) {
  absl::Status status = db_->Write([&](Tx& tx) -> absl::Status {
    EXPECT_TRUE(log_->Append(tx, "user.registered", "u1", "", "{}").ok());
    clock_.Advance(absl::Milliseconds(1));
    return log_->Append(tx, "user.renamed", "u1", "u1", "{\"name\":\"A\"}");
  });
  ASSERT_TRUE(status.ok()) << status;
  clock_.Advance(absl::Seconds(1));
  AppendCommitted({"a.one", "a.two", "a.three"});

  std::vector<Event> stored = StoredEvents(*db_);
  EXPECT_EQ(Seqs(stored), (std::vector<int64_t>{1, 2, 3, 4, 5}));
  ASSERT_EQ(stored.size(), 5u);
  absl::Time t0 = absl::FromUnixSeconds(1700000000);
  EXPECT_EQ(Describe(stored[0]),
            Describe(Event{1, "user.registered", "u1", "", "{}", t0}));
  EXPECT_EQ(Describe(stored[1]),
            Describe(Event{2, "user.renamed", "u1", "u1", "{\"name\":\"A\"}",
                           t0 + absl::Milliseconds(1)}));
  EXPECT_EQ(stored[4].time, t0 + absl::Milliseconds(1) + absl::Seconds(1));
}

TEST_F(EventLogTest, ReadPagesAfterASeqFilteredByType) {
  AppendCommitted({"a.one", "b.two", "a.three", "c.four", "a.five"});
  auto all = log_->Read(0, {}, 1000);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(Describe(*all), Describe(StoredEvents(*db_)));
  auto page = log_->Read(1, {}, 2);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Seqs(*page), (std::vector<int64_t>{2, 3}));
  auto typed = log_->Read(1, {"a.three", "a.five", "c.four"}, 2);
  ASSERT_TRUE(typed.ok());
  EXPECT_EQ(Seqs(*typed), (std::vector<int64_t>{3, 4}));
  auto rest = log_->Read(4, {"a.three", "a.five", "c.four"}, 2);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(Seqs(*rest), (std::vector<int64_t>{5}));
  auto none = log_->Read(5, {}, 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(log_->Read(0, {}, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(log_->Read(0, {}, 1001).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(EventLogTest, ReadByTypeUsesTheTypeIndex) {
  absl::Status status = db_->Read([&](Tx& tx) {
    SQLite::Statement plan(
        tx.db(),
        "EXPLAIN QUERY PLAN SELECT seq FROM events WHERE seq > 0 AND type IN "
        "('a') ORDER BY seq LIMIT 10");
    std::string details;
    while (plan.executeStep()) details += plan.getColumn(3).getString() + ";";
    EXPECT_NE(details.find("events_by_type"), std::string::npos) << details;
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
}

TEST_F(EventLogTest, VerifyFindsGapsAndStrayCursors) {
  auto clean = VerifyEventLog(*db_);
  ASSERT_TRUE(clean.ok()) << clean.status();
  EXPECT_TRUE(clean->empty());
  AppendCommitted({"a.one", "a.two"});
  clean = VerifyEventLog(*db_);
  ASSERT_TRUE(clean.ok());
  EXPECT_TRUE(clean->empty());
  ASSERT_TRUE(db_->Write([&](Tx& tx) {
                   tx.db().exec(
                       "INSERT INTO events(seq, type, aggregate_id, "
                       "created_at_us) VALUES (5, 'x.y', 'a', 0)");
                   tx.db().exec(
                       "INSERT INTO event_cursors VALUES ('stray', 9)");
                   return absl::OkStatus();
                 })
                  .ok());
  auto problems = VerifyEventLog(*db_);
  ASSERT_TRUE(problems.ok());
  ASSERT_EQ(problems->size(), 2u);
  EXPECT_NE(
      (*problems)[0].find("3 events but sequence numbers run from 1 to 5"),
      std::string::npos)
      << (*problems)[0];
  EXPECT_NE((*problems)[1].find("stray"), std::string::npos) << (*problems)[1];
}

TEST_F(EventLogTest, WatchersHearEachCommitsLastSeqUntilReleased) {
  std::vector<int64_t> heard;  // the listener runs on the committing thread
  auto watch = log_->Watch([&](int64_t seq) { heard.push_back(seq); });
  AppendCommitted({"a.one"});
  AppendCommitted({"a.two", "a.three", "a.four"});  // one call: its last seq
  absl::Status rolled_back = db_->Write([&](Tx& tx) -> absl::Status {
    EXPECT_TRUE(log_->Append(tx, "a.lost", "x", "", "{}").ok());
    return absl::AbortedError("no");
  });
  EXPECT_EQ(rolled_back.code(), absl::StatusCode::kAborted);
  AppendCommitted({"a.five"});
  EXPECT_EQ(heard, (std::vector<int64_t>{1, 4, 5}));
  watch.reset();
  AppendCommitted({"a.six"});
  EXPECT_EQ(heard, (std::vector<int64_t>{1, 4, 5}));
}

TEST_F(EventLogTest, RolledBackAppendLeavesNothingAndNoGap) {
  AppendCommitted({"a.one", "a.two"});
  absl::Status status = db_->Write([&](Tx& tx) -> absl::Status {
    EXPECT_TRUE(log_->Append(tx, "a.lost", "x", "", "{}").ok());
    EXPECT_TRUE(log_->Append(tx, "a.lost", "y", "", "{}").ok());
    return absl::FailedPreconditionError("insufficient funds");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  status = db_->Write([&](Tx& tx) -> absl::Status {
    EXPECT_TRUE(log_->Append(tx, "a.lost", "z", "", "{}").ok());
    tx.db().exec("INSERT INTO no_such_table VALUES (1)");
    return absl::OkStatus();
  });
  EXPECT_FALSE(status.ok());
  AppendCommitted({"a.three"});

  std::vector<Event> stored = StoredEvents(*db_);
  EXPECT_EQ(Seqs(stored), (std::vector<int64_t>{1, 2, 3}));
  ASSERT_EQ(stored.size(), 3u);
  EXPECT_EQ(stored[2].type, "a.three");
}

TEST_F(EventLogTest, SubscriberReceivesCommittedEventsInOrder) {
  Recorder& recorder = recorder_;
  log_->Subscribe("audit", recorder.Handler());
  AppendCommitted({"h.before_start"});  // history is delivered on Start
  log_->Start();
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(absl::Seconds(1));
    AppendCommitted({"b.first" + std::to_string(i), "b.second"});
    // A rolled back transaction in between is never seen.
    ASSERT_EQ(
        db_->Write([&](Tx& tx) -> absl::Status {
             EXPECT_TRUE(log_->Append(tx, "b.rolled_back", "r", "", "{}").ok());
             return absl::AbortedError("conflict");
           })
            .code(),
        absl::StatusCode::kAborted);
  }
  ASSERT_TRUE(log_->WaitIdle(kWait));
  log_->Stop();
  std::vector<Event> stored = StoredEvents(*db_);
  ASSERT_EQ(stored.size(), 11u);
  EXPECT_EQ(Describe(recorder.events()), Describe(stored));
}

TEST_F(EventLogTest, EveryEventIsDeliveredToEverySubscriber) {
  Recorder& a = recorder_;
  Recorder& b = other_recorder_;
  log_->Subscribe("a", a.Handler());
  log_->Subscribe("b", b.Handler());
  log_->Start();
  // More than one dispatcher batch.
  std::vector<std::string> types(300, "bulk.event");
  AppendCommitted(types);
  ASSERT_TRUE(log_->WaitIdle(kWait));
  log_->Stop();
  std::vector<int64_t> want;
  for (int64_t i = 1; i <= 300; ++i) want.push_back(i);
  EXPECT_EQ(a.seqs(), want);
  EXPECT_EQ(b.seqs(), want);
}

TEST_F(EventLogTest, WaitIdleIsFalseWhileEventsAreUndelivered) {
  Recorder& recorder = recorder_;
  log_->Subscribe("audit", recorder.Handler());
  AppendCommitted({"w.one"});
  // Not started: nothing can be delivered.
  EXPECT_FALSE(log_->WaitIdle(absl::Milliseconds(50)));
  log_->Start();
  EXPECT_TRUE(log_->WaitIdle(kWait));
  log_->Stop();
  EXPECT_EQ(recorder.seqs(), (std::vector<int64_t>{1}));
}

TEST_F(EventLogTest, FailedEventIsRetriedAfterBackoffInOrder) {
  std::mutex mu;
  std::vector<int64_t> attempts;
  std::vector<std::chrono::steady_clock::time_point> attempt_times;
  size_t healthy_seen_at_retry = 0;
  Recorder& healthy = recorder_;
  bool failed_once = false;
  log_->Subscribe("flaky", [&](const Event& e) {
    std::lock_guard<std::mutex> lock(mu);
    attempts.push_back(e.seq);
    attempt_times.push_back(std::chrono::steady_clock::now());
    if (e.seq == 2 && !failed_once) {
      failed_once = true;
      return absl::UnavailableError("mail server down");
    }
    if (e.seq == 2) healthy_seen_at_retry = healthy.events().size();
    return absl::OkStatus();
  });
  log_->Subscribe("healthy", healthy.Handler());
  AppendCommitted({"r.one", "r.two", "r.three"});
  log_->Start();
  ASSERT_TRUE(log_->WaitIdle(kWait));
  log_->Stop();

  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(attempts, (std::vector<int64_t>{1, 2, 2, 3}));
  ASSERT_EQ(attempt_times.size(), 4u);
  EXPECT_GE(attempt_times[2] - attempt_times[1],
            std::chrono::milliseconds(900));
  // The failing subscriber does not hold back the others.
  EXPECT_EQ(healthy_seen_at_retry, 3u);
  EXPECT_EQ(healthy.seqs(), (std::vector<int64_t>{1, 2, 3}));
}

TEST_F(EventLogTest, WaitIdleTimesOutWhileASubscriberKeepsFailing) {
  log_->Subscribe("broken", [](const Event&) {
    return absl::InternalError("always fails");
  });
  AppendCommitted({"f.one"});
  log_->Start();
  EXPECT_FALSE(log_->WaitIdle(absl::Milliseconds(200)));
}

TEST_F(EventLogTest, StopDeliversWhatIsCommitted) {
  Recorder& recorder = recorder_;
  log_->Subscribe("audit", recorder.Handler());
  log_->Start();
  AppendCommitted({"s.one", "s.two"});
  AppendCommitted({"s.three"});
  log_->Stop();
  EXPECT_EQ(recorder.seqs(), (std::vector<int64_t>{1, 2, 3}));
}

// An event committed while the dispatcher is in the middle of a scan that
// makes no progress must still be delivered before Stop() returns.
TEST_F(EventLogTest, StopDeliversEventCommittedDuringAnIdleScan) {
  Recorder& recorder = recorder_;
  std::mutex mu;
  std::condition_variable cv;
  int calls = 0;
  bool entered = false, release = false;
  log_->Subscribe("audit", recorder.Handler());
  // Fails event 1 twice; the second time it blocks until released, so the
  // dispatcher sits in a scan in which no subscriber makes progress.
  log_->Subscribe("slow", [&](const Event&) {
    std::unique_lock<std::mutex> lock(mu);
    if (++calls == 2) {
      entered = true;
      cv.notify_all();
      cv.wait(lock, [&] { return release; });
    }
    return absl::UnavailableError("not now");
  });
  AppendCommitted({"i.one"});
  log_->Start();
  bool in_scan;
  {
    std::unique_lock<std::mutex> lock(mu);
    in_scan =
        cv.wait_for(lock, std::chrono::seconds(5), [&] { return entered; });
  }
  EXPECT_TRUE(in_scan) << "the retry of event 1 never came";
  AppendCommitted({"i.two"});  // committed before Stop() is called
  std::thread stopper([&] { log_->Stop(); });
  // Let Stop() set its flag while the scan is still blocked.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  stopper.join();
  EXPECT_EQ(recorder.seqs(), (std::vector<int64_t>{1, 2}));
}

TEST(EventLogRestartTest, ResumesAfterAcknowledgedPositionAndNewNamesGetAll) {
  ScopedTempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.File("events.db");
  ManualClock clock;

  {
    auto db = OpenMigratedForTest(path, clock);
    ASSERT_NE(db, nullptr);
    // Declared before the log, so they outlive its dispatcher thread.
    std::mutex mu;
    std::condition_variable cv;
    std::vector<int64_t> seen;
    EventLog log(*db, clock);
    // Acknowledges 1 and 2, then fails on 3 (as if the process died there).
    log.Subscribe("mailer", [&](const Event& e) {
      std::lock_guard<std::mutex> lock(mu);
      seen.push_back(e.seq);
      cv.notify_all();
      return e.seq >= 3 ? absl::UnavailableError("down") : absl::OkStatus();
    });
    log.Start();
    ASSERT_TRUE(db->Write([&](Tx& tx) -> absl::Status {
                    for (const char* type : {"p.one", "p.two", "p.three"}) {
                      absl::Status s = log.Append(tx, type, "a", "", "{}");
                      if (!s.ok()) return s;
                    }
                    return absl::OkStatus();
                  }).ok());
    {
      std::unique_lock<std::mutex> lock(mu);
      ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(5),
                              [&] { return seen.size() >= 3; }));
    }
    log.Stop();
    EXPECT_EQ(seen[0], 1);
    EXPECT_EQ(seen[1], 2);
    EXPECT_EQ(seen[2], 3);
  }

  auto db = OpenMigratedForTest(path, clock);
  ASSERT_NE(db, nullptr);
  int64_t position = -1;
  ASSERT_TRUE(db->Read([&](Tx& tx) {
                  position = tx.db()
                                 .execAndGet(
                                     "SELECT position FROM event_cursors "
                                     "WHERE subscriber = 'mailer'")
                                 .getInt64();
                  return absl::OkStatus();
                }).ok());
  EXPECT_EQ(position, 2);

  Recorder mailer, newcomer;  // outlive the log's dispatcher thread
  EventLog log(*db, clock);
  // Events committed while no dispatcher ran.
  ASSERT_TRUE(db->Write([&](Tx& tx) -> absl::Status {
                  absl::Status s = log.Append(tx, "p.four", "a", "", "{}");
                  if (!s.ok()) return s;
                  return log.Append(tx, "p.five", "a", "", "{}");
                }).ok());
  log.Subscribe("mailer", mailer.Handler());
  log.Subscribe("newcomer", newcomer.Handler());
  log.Start();
  ASSERT_TRUE(log.WaitIdle(kWait));
  EXPECT_EQ(mailer.seqs(), (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(newcomer.seqs(), (std::vector<int64_t>{1, 2, 3, 4, 5}));
  std::vector<Event> got = newcomer.events();
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0].type, "p.one");
  EXPECT_EQ(got[4].type, "p.five");
}

TEST_F(EventLogTest, EventsCannotBeUpdatedOrDeleted) {
  AppendCommitted({"x.one", "x.two"});
  std::vector<std::string> before = Describe(StoredEvents(*db_));

  absl::Status status = db_->Write([](Tx& tx) {
    tx.db().exec("UPDATE events SET type = 'x.forged' WHERE seq = 1");
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  status = db_->Write([](Tx& tx) {
    tx.db().exec("DELETE FROM events WHERE seq = 2");
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  status = db_->Write([](Tx& tx) {
    tx.db().exec("DELETE FROM events");
    return absl::OkStatus();
  });
  EXPECT_FALSE(status.ok());

  EXPECT_EQ(Describe(StoredEvents(*db_)), before);
}

}  // namespace
}  // namespace rentwave::platform
