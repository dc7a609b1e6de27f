// Tests for GroupCommit with a log sync of its own (synchronous=FULL on a
// file): when callers are answered, what runs meanwhile, and what a failed
// sync does. The sync here is a stand-in the test controls;
// db_test covers the real one.
#include "modules/platform/group_commit.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "modules/platform/db.h"
#include "modules/platform/scoped_temp_dir.h"
#include "modules/platform/statement_cache.h"

namespace rentwave::platform {
namespace {

using std::chrono::milliseconds;

// A log sync that blocks until released, counting its calls.
class FakeSync {
 public:
  absl::Status operator()() {
    std::unique_lock<std::mutex> lock(mu_);
    ++calls_;
    called_.notify_all();
    released_cv_.wait(lock, [&] { return released_; });
    return absl::OkStatus();
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    released_cv_.notify_all();
  }
  // Waits until the sync has been called `n` times in all.
  void AwaitCalls(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    called_.wait(lock, [&] { return calls_ >= n; });
  }
  int calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::condition_variable called_, released_cv_;
  int calls_ = 0;
  bool released_ = false;
};

// A database file in WAL mode, as GroupCommit writes in production (an
// in-memory one writes no log, so nothing would be synced).
SQLite::Database OpenLogged(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("PRAGMA journal_mode=WAL");
  db.exec("CREATE TABLE kv (k TEXT PRIMARY KEY)");
  return db;
}

class GroupCommitSyncTest : public ::testing::Test {
 protected:
  GroupCommitSyncTest() : db_(OpenLogged(dir_.File("test.db"))) {
    commits_ = std::make_unique<GroupCommit>(db_, statements_, writer_mu_, 64,
                                             [this] { return sync_(); });
  }
  ~GroupCommitSyncTest() override {
    sync_.Release();  // whatever a failed assertion left waiting
    commits_.reset();
  }

  // Writes key `k` on another thread.
  std::future<absl::Status> Insert(const std::string& k) {
    return std::async(std::launch::async, [this, k] {
      return commits_->Write([&](Tx& tx) {
        tx.db().exec("INSERT INTO kv VALUES ('" + k + "')");
        return absl::OkStatus();
      });
    });
  }

  int Count() {
    std::lock_guard<std::mutex> lock(writer_mu_);
    return db_.execAndGet("SELECT count(*) FROM kv").getInt();
  }

  // A write that only reads the table.
  std::future<absl::Status> ReadOnlyWrite() {
    return std::async(std::launch::async, [this] {
      return commits_->Write([](Tx& tx) {
        tx.db().execAndGet("SELECT count(*) FROM kv");
        return absl::OkStatus();
      });
    });
  }

  // Whether `f` is still running after a while.
  template <typename T>
  static bool Waiting(const std::future<T>& f) {
    return f.wait_for(milliseconds(100)) == std::future_status::timeout;
  }

  ScopedTempDir dir_;
  SQLite::Database db_;
  StatementCache statements_;
  std::mutex writer_mu_;
  FakeSync sync_;
  std::unique_ptr<GroupCommit> commits_;
};

TEST_F(GroupCommitSyncTest, AWriteIsAnsweredOnlyOnceItsLogIsSynced) {
  std::future<absl::Status> write = Insert("a");
  sync_.AwaitCalls(1);
  EXPECT_EQ(Count(), 1);  // committed: other connections could see it
  EXPECT_TRUE(Waiting(write));
  sync_.Release();
  EXPECT_TRUE(write.get().ok());
  EXPECT_EQ(commits_->stats().log_syncs, 1);
}

TEST_F(GroupCommitSyncTest, TheNextGroupCommitsWhileALogSyncs) {
  std::future<absl::Status> first = Insert("a");
  sync_.AwaitCalls(1);
  std::future<absl::Status> second = Insert("b");
  // It commits at once; its sync waits for the one running.
  while (Count() < 2) std::this_thread::sleep_for(milliseconds(1));
  EXPECT_TRUE(Waiting(first));
  EXPECT_TRUE(Waiting(second));
  EXPECT_EQ(sync_.calls(), 1);
  sync_.Release();
  EXPECT_TRUE(first.get().ok());
  EXPECT_TRUE(second.get().ok());
  EXPECT_EQ(sync_.calls(), 2);  // the first began before b committed
}

// A write refused because of what it read is answered only once that is
// durable: a power loss must not take back the reason for a refusal.
TEST_F(GroupCommitSyncTest, AnAnswerBasedOnAnUnsyncedCommitWaitsForIt) {
  std::future<absl::Status> write = Insert("a");
  sync_.AwaitCalls(1);
  std::future<absl::Status> refused = std::async(std::launch::async, [this] {
    return commits_->Write([](Tx& tx) -> absl::Status {
      if (tx.db().execAndGet("SELECT count(*) FROM kv").getInt() > 0) {
        return absl::AlreadyExistsError("a exists");
      }
      return absl::OkStatus();
    });
  });
  EXPECT_TRUE(Waiting(refused));
  sync_.Release();
  EXPECT_EQ(refused.get().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(write.get().ok());
}

// A COMMIT that fails does not count what came before it as durable: a
// write after it that read the earlier commit still waits for its sync.
TEST_F(GroupCommitSyncTest, AFailedCommitDoesNotMakeEarlierOnesDurable) {
  commits_.reset();
  db_.exec("PRAGMA foreign_keys=ON");
  db_.exec("CREATE TABLE parent (id INTEGER PRIMARY KEY)");
  db_.exec(
      "CREATE TABLE child (parent INTEGER REFERENCES parent(id) "
      "DEFERRABLE INITIALLY DEFERRED)");
  commits_ = std::make_unique<GroupCommit>(db_, statements_, writer_mu_, 64,
                                           [this] { return sync_(); });
  std::future<absl::Status> write = Insert("a");
  sync_.AwaitCalls(1);
  std::future<absl::Status> failing = std::async(std::launch::async, [this] {
    return commits_->Write([](Tx& tx) {
      tx.db().exec("INSERT INTO child VALUES (42)");  // refused at COMMIT
      return absl::OkStatus();
    });
  });
  EXPECT_TRUE(Waiting(failing));
  std::future<absl::Status> read = ReadOnlyWrite();
  EXPECT_TRUE(Waiting(read));
  sync_.Release();
  EXPECT_FALSE(failing.get().ok());
  EXPECT_TRUE(write.get().ok());
  EXPECT_TRUE(read.get().ok());
}

TEST_F(GroupCommitSyncTest, NothingCommittedNothingSynced) {
  absl::Status status = commits_->Write(
      [](Tx&) { return absl::FailedPreconditionError("rule"); });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(ReadOnlyWrite().get().ok());
  EXPECT_EQ(sync_.calls(), 0);
}

TEST(GroupCommitSyncDeathTest, AFailedSyncStopsTheProcess) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        // Death tests read stderr; spdlog's default logger writes stdout.
        spdlog::set_default_logger(spdlog::stderr_logger_st("death"));
        ScopedTempDir dir;
        SQLite::Database db = OpenLogged(dir.File("test.db"));
        StatementCache statements;
        std::mutex writer_mu;
        GroupCommit commits(db, statements, writer_mu, 64,
                            [] { return absl::UnavailableError("EIO"); });
        (void)commits.Write([](Tx& tx) {
          tx.db().exec("INSERT INTO kv VALUES ('a')");
          return absl::OkStatus();
        });
      },
      "syncing the write-ahead log failed, stopping.*EIO");
}

}  // namespace
}  // namespace rentwave::platform
