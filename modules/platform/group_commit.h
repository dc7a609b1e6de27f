// Group commit: write transactions submitted concurrently share one COMMIT
// (one fsync), and one failing does not undo the others. The fsync may run
// outside the writer lock (see sync_log), so that the next group executes
// while this one's log reaches the disk. Internal to Database.
#pragma once

#include <SQLiteCpp/Database.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"

namespace rentwave::platform {

class StatementCache;
class Tx;

struct WriteStats {
  int64_t transactions = 0;  // Write calls that reached the database
  int64_t commits = 0;       // COMMITs, each shared by a group
  // Syncs of the log outside the writer lock (synchronous=FULL on a file):
  // one per commit that wrote, or fewer when one sync covers several.
  int64_t log_syncs = 0;
  // Groups run a second time, each member in a savepoint, because one
  // failed after writing (see RunMembers).
  int64_t runs_again = 0;
};

class GroupCommit {
 public:
  // Writes on `writer` (whose prepared statements are `statements`),
  // holding `writer_mu` while a group runs. At most `max_group` transactions
  // share a commit. `sync_log`, if given, makes what COMMIT wrote durable
  // (the writer then commits without syncing): it runs outside the writer
  // lock, one call at a time, each covering every commit logged before it
  // began; callers are answered once a sync covers what they wrote or read.
  // If it fails the process aborts: what the log holds on disk is no longer
  // known, and recovery at the next start decides (PostgreSQL's answer to
  // a failed fsync).
  GroupCommit(SQLite::Database& writer, StatementCache& statements,
              std::mutex& writer_mu, int max_group,
              std::function<absl::Status()> sync_log = nullptr);
  ~GroupCommit();
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Queues `fn` and returns once it has been committed durably or rolled
  // back: its own error, or the commit's error for the whole group (then
  // nothing of the group was written); either way only once what it read
  // is durable too. Whichever caller finds no group running leads the next
  // one, running its own and then the queued transactions (other callers'
  // `fn` included; their callers are blocked meanwhile) in arrival order;
  // transactions queue up while a commit's fsync runs, so the busier the
  // database, the bigger the groups. `fn` may run twice (see RunMembers):
  // only the last run's writes, hooks and result count. OnCommit hooks run
  // on each caller's own thread after the commit. Thread-safe.
  absl::Status Write(absl::FunctionRef<absl::Status(Tx&)> fn);

  WriteStats stats() const {
    return {transactions_.load(), commits_.load(), log_syncs_.load(),
            runs_again_.load()};
  }

 private:
  struct Request;
  enum class Run { kOpen, kFailed, kAgainWithSavepoints };
  // Begins a transaction and runs each member of `group` in it, setting
  // its status and hooks. Without `savepoints` (SQLite copies every page a
  // savepoint touches: CreateRental ran ~6% faster without), a member that
  // fails before writing anything needs no undo, and one that fails having
  // written (a write failing halfway: rare) cannot be undone alone: the
  // transaction is rolled back and kAgainWithSavepoints returned, for the
  // whole group to run again, each member in a savepoint of its own (so
  // every write function must be safe to run twice, only the second run
  // counting). kOpen: the transaction is open with every member's writes
  // but the failed ones'. kFailed: it failed as a whole (FailGroup).
  Run RunMembers(const std::vector<Request*>& group, bool savepoints);
  // Fails every request of `group` that has not failed on its own (their
  // writes are not, or no longer, part of a transaction that will commit)
  // and rolls back the transaction if one is open.
  void FailGroup(const std::vector<Request*>& group,
                 const absl::Status& status);
  // Runs one statement on the writer, prepared once.
  void Exec(const char* sql);
  // Runs `group` in one transaction under writer_mu_ and sets each
  // request's status and hooks. Returns the last commit the group's answers
  // depend on: its own if it committed anything (see logged_), else the
  // last one before it, which it may have read; 0 if there is none.
  uint64_t RunGroup(const std::vector<Request*>& group);
  // Returns once commit `n` and every one before it are durable, syncing
  // the log unless a sync that covers `n` is running. `n` is in the log.
  void MakeDurable(uint64_t n);
  // Pages the writer has written to the log so far (a wrapping counter).
  int PagesLogged() const;

  SQLite::Database& writer_;
  StatementCache& statements_;
  std::mutex& writer_mu_;
  const size_t max_group_;
  const std::function<absl::Status()> sync_log_;
  std::mutex mu_;
  std::deque<Request*> queue_;  // guarded by mu_
  bool leading_ = false;        // guarded by mu_: a group is running
  bool committing_ = false;     // guarded by writer_mu_: COMMIT is ours
  // Commits that wrote to the log are numbered from 1. logged_: the last
  // one (commits run one at a time: every earlier one is in the log too);
  // written under writer_mu_. durable_: the last covered by a log sync;
  // written under durable_mu_. Both only grow.
  std::atomic<uint64_t> logged_{0};
  std::atomic<uint64_t> durable_{0};
  std::mutex durable_mu_;
  std::condition_variable durable_cv_;
  bool syncing_ = false;  // guarded by durable_mu_
  std::atomic<int64_t> transactions_{0};
  std::atomic<int64_t> commits_{0};
  std::atomic<int64_t> log_syncs_{0};
  std::atomic<int64_t> runs_again_{0};
};

}  // namespace rentwave::platform
