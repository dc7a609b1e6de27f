// Group commit: write transactions submitted concurrently share one COMMIT
// (one fsync), each in its own SAVEPOINT so that one failing does not undo
// the others. The fsync may run outside the writer lock (see sync_log), so
// that the next group executes while this one's log reaches the disk.
// Internal to Database.
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
  int64_t commits = 0;       // COMMITs (each one fsync with synchronous=FULL)
  int64_t log_syncs = 0;     // of them, synced outside the writer lock
};

class GroupCommit {
 public:
  // Writes on `writer` (whose prepared statements are `statements`),
  // holding `writer_mu` while a group runs. At most `max_group` transactions
  // share a commit. `sync_log`, if given, makes what a COMMIT wrote durable
  // (the writer then commits without syncing): it runs after each commit
  // outside the writer lock, and callers are answered once it succeeded.
  // Its failure fails the group and every later Write: what the log holds
  // on disk is no longer known.
  GroupCommit(SQLite::Database& writer, StatementCache& statements,
              std::mutex& writer_mu, int max_group,
              std::function<absl::Status()> sync_log = nullptr);
  ~GroupCommit();
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Queues `fn` and returns once it has been committed durably or rolled
  // back: its own error, or the commit's error for the whole group (then
  // nothing of the group was written). Whichever caller finds no group
  // running leads the next one, running the queued transactions (other
  // callers' `fn` included; their callers are blocked meanwhile) in
  // arrival order; transactions queue up while a commit's fsync runs, so
  // the busier the database, the bigger the groups. OnCommit hooks run on
  // each caller's own thread after the commit. Thread-safe.
  absl::Status Write(absl::FunctionRef<absl::Status(Tx&)> fn);

  // Waits until every transaction committed so far is durable: other
  // connections see a commit before its log is synced, and a reader must
  // not answer with what a power loss could still take back. Immediate
  // without sync_log or when no sync is pending. UNAVAILABLE once syncing
  // the log has failed (what readers see may not be on disk). Thread-safe.
  absl::Status AwaitDurable();

  WriteStats stats() const {
    return {transactions_.load(), commits_.load(), log_syncs_.load()};
  }

 private:
  struct Request;
  // Runs `group` in one transaction under writer_mu_ and sets each
  // request's status and hooks. Returns the commit's number (see
  // committed_), 0 if it did not try to commit.
  uint64_t RunGroup(const std::vector<Request*>& group);
  // After commit number `commit` (its group `group`): syncs the log if the
  // commit wrote anything, then publishes it as durable. Fails the group's
  // requests if the sync fails. Takes and releases mu_.
  void MakeDurable(uint64_t commit, const std::vector<Request*>& group);

  SQLite::Database& writer_;
  StatementCache& statements_;
  std::mutex& writer_mu_;
  const size_t max_group_;
  const std::function<absl::Status()> sync_log_;
  std::mutex mu_;
  std::deque<Request*> queue_;  // guarded by mu_
  bool leading_ = false;        // guarded by mu_: a group is running
  bool committing_ = false;     // guarded by writer_mu_: COMMIT is ours
  // Commits are numbered: committed_ is the last one begun (counted before
  // COMMIT runs, so a reader that sees a commit also sees its number),
  // durable_ the highest number known durable (or failed, so nothing to
  // wait for). Both only grow.
  std::atomic<uint64_t> committed_{0};
  std::atomic<uint64_t> durable_{0};
  absl::Status sync_failure_;             // guarded by mu_: sticky
  std::atomic<bool> sync_failed_{false};  // !sync_failure_.ok(), unlocked
  std::condition_variable durable_cv_;
  std::atomic<int64_t> transactions_{0};
  std::atomic<int64_t> commits_{0};
  std::atomic<int64_t> log_syncs_{0};
};

}  // namespace rentwave::platform
