// Tests for GroupCommit with a log sync of its own (synchronous=FULL on a
// file): when callers and readers are answered, what runs meanwhile, and
// what a failed sync does. The sync here is a stand-in the test controls.
#include "modules/platform/group_commit.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "modules/platform/db.h"
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
    return result_;
  }
  void Release(absl::Status result = absl::OkStatus()) {
    std::lock_guard<std::mutex> lock(mu_);
    result_ = std::move(result);
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
  absl::Status result_;
};

class GroupCommitSyncTest : public ::testing::Test {
 protected:
  GroupCommitSyncTest()
      : db_(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE) {
    db_.exec("CREATE TABLE kv (k TEXT PRIMARY KEY)");
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

  static bool Waiting(std::future<absl::Status>& f) {
    return f.wait_for(milliseconds(100)) == std::future_status::timeout;
  }

  SQLite::Database db_;
  StatementCache statements_;
  std::mutex writer_mu_;
  FakeSync sync_;
  std::unique_ptr<GroupCommit> commits_;
};

TEST_F(GroupCommitSyncTest,
       WritersAndReadersAreAnsweredOnlyOnceTheLogIsSynced) {
  std::future<absl::Status> write = Insert("a");
  sync_.AwaitCalls(1);
  EXPECT_EQ(Count(), 1);  // committed: other connections could see it
  std::future<absl::Status> read = std::async(
      std::launch::async, [this] { return commits_->AwaitDurable(); });
  EXPECT_TRUE(Waiting(write));
  EXPECT_TRUE(Waiting(read));
  sync_.Release();
  EXPECT_TRUE(write.get().ok());
  EXPECT_TRUE(read.get().ok());
  EXPECT_EQ(commits_->stats().log_syncs, 1);
  EXPECT_TRUE(commits_->AwaitDurable().ok());  // nothing pending: immediate
}

TEST_F(GroupCommitSyncTest, TheNextGroupCommitsWhileALogSyncs) {
  std::future<absl::Status> first = Insert("a");
  sync_.AwaitCalls(1);
  std::future<absl::Status> second = Insert("b");
  sync_.AwaitCalls(2);  // the second group committed and syncs too
  EXPECT_EQ(Count(), 2);
  EXPECT_TRUE(Waiting(first));
  sync_.Release();
  EXPECT_TRUE(first.get().ok());
  EXPECT_TRUE(second.get().ok());
}

TEST_F(GroupCommitSyncTest, NothingCommittedNothingSynced) {
  absl::Status status = commits_->Write(
      [](Tx&) { return absl::FailedPreconditionError("rule"); });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(sync_.calls(), 0);
  EXPECT_TRUE(commits_->AwaitDurable().ok());
}

TEST_F(GroupCommitSyncTest, AFailedSyncFailsTheGroupAndEveryWriteAfter) {
  bool hook_ran = false;
  std::future<absl::Status> write = std::async(std::launch::async, [&] {
    return commits_->Write([&](Tx& tx) {
      tx.db().exec("INSERT INTO kv VALUES ('a')");
      tx.OnCommit([&] { hook_ran = true; });
      return absl::OkStatus();
    });
  });
  sync_.AwaitCalls(1);
  sync_.Release(absl::UnavailableError("disk gone"));
  EXPECT_EQ(write.get().code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(hook_ran);
  EXPECT_EQ(commits_->AwaitDurable().code(), absl::StatusCode::kUnavailable);
  bool ran = false;
  absl::Status later = commits_->Write([&](Tx&) {
    ran = true;
    return absl::OkStatus();
  });
  EXPECT_EQ(later.code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace rentwave::platform
