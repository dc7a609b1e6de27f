// Group commit: write transactions submitted concurrently share one COMMIT
// (one fsync), each in its own SAVEPOINT so that one failing does not undo
// the others. Internal to Database.
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
};

class GroupCommit {
 public:
  // Writes on `writer` (whose prepared statements are `statements`),
  // holding `writer_mu` while a group runs. At most `max_group` transactions
  // share a commit.
  GroupCommit(SQLite::Database& writer, StatementCache& statements,
              std::mutex& writer_mu, int max_group);
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

  WriteStats stats() const { return {transactions_.load(), commits_.load()}; }

 private:
  struct Request;
  // Runs `group` in one transaction under writer_mu_ and sets each
  // request's status and hooks.
  void RunGroup(const std::vector<Request*>& group);

  SQLite::Database& writer_;
  StatementCache& statements_;
  std::mutex& writer_mu_;
  const size_t max_group_;
  std::mutex mu_;
  std::deque<Request*> queue_;  // guarded by mu_
  bool leading_ = false;        // guarded by mu_: a group is running
  bool committing_ = false;     // guarded by writer_mu_: COMMIT is ours
  std::atomic<int64_t> transactions_{0};
  std::atomic<int64_t> commits_{0};
};

}  // namespace rentwave::platform
