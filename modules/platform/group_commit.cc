#include "modules/platform/group_commit.h"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>

#include "modules/platform/db.h"
#include "modules/platform/statement_cache.h"

namespace rentwave::platform {

struct GroupCommit::Request {
  explicit Request(absl::FunctionRef<absl::Status(Tx&)> f) : fn(f) {}
  absl::FunctionRef<absl::Status(Tx&)> fn;
  absl::Status status;
  std::vector<std::function<void()>> on_commit;
  bool queued = true;  // guarded by mu_: not yet taken into a group
  bool done = false;   // guarded by mu_
  // Wakes this request's caller alone (done, or its turn to lead): with one
  // shared condition variable every commit would wake every waiter.
  std::condition_variable wake;
};

GroupCommit::GroupCommit(SQLite::Database& writer, StatementCache& statements,
                         std::mutex& writer_mu, int max_group,
                         std::function<absl::Status()> sync_log)
    : writer_(writer),
      statements_(statements),
      writer_mu_(writer_mu),
      max_group_(static_cast<size_t>(std::max(1, max_group))),
      sync_log_(std::move(sync_log)) {
  // If SQLite rolls a group's transaction back (full disk, I/O error) and a
  // member goes on writing, its statements would each commit on their own
  // (autocommit) although the group fails: only RunGroup's COMMIT may
  // commit on this connection.
  sqlite3_commit_hook(
      writer_.getHandle(),
      [](void* self) -> int {
        return static_cast<GroupCommit*>(self)->committing_ ? 0 : 1;
      },
      this);
}

GroupCommit::~GroupCommit() {
  sqlite3_commit_hook(writer_.getHandle(), nullptr, nullptr);
}

absl::Status GroupCommit::Write(absl::FunctionRef<absl::Status(Tx&)> fn) {
  Request request(fn);
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(&request);
  while (!request.done) {
    // A request in a group whose log is syncing waits for its leader.
    if (leading_ || !request.queued) {
      request.wake.wait(lock);
      continue;
    }
    leading_ = true;
    // Its own request first: this thread syncs the group's log next, and
    // so cannot lead the group after it.
    queue_.erase(std::find(queue_.begin(), queue_.end(), &request));
    request.queued = false;
    std::vector<Request*> group{&request};
    while (!queue_.empty() && group.size() < max_group_) {
      group.push_back(queue_.front());
      group.back()->queued = false;
      queue_.pop_front();
    }
    lock.unlock();
    const uint64_t depends_on = RunGroup(group);
    lock.lock();
    leading_ = false;
    // Whoever queued first meanwhile leads the next group, while this
    // group's log syncs.
    if (!queue_.empty()) queue_.front()->wake.notify_one();
    lock.unlock();
    MakeDurable(depends_on);
    lock.lock();
    for (Request* r : group) {
      r->done = true;
      if (r != &request) r->wake.notify_one();
    }
  }
  lock.unlock();
  for (auto& hook : request.on_commit) hook();
  return request.status;
}

void GroupCommit::MakeDurable(uint64_t n) {
  if (!sync_log_ || durable_.load() >= n) return;
  std::unique_lock<std::mutex> lock(durable_mu_);
  while (durable_.load() < n) {
    if (syncing_) {
      durable_cv_.wait(lock);
      continue;
    }
    syncing_ = true;
    const uint64_t covered = logged_.load();
    lock.unlock();
    const absl::Status synced = sync_log_();
    if (!synced.ok()) {
      spdlog::critical(
          "syncing the write-ahead log failed, stopping: what it holds on "
          "disk is unknown, and recovery at the next start decides ({})",
          synced.ToString());
      spdlog::default_logger()->flush();
      std::abort();
    }
    ++log_syncs_;
    lock.lock();
    syncing_ = false;
    if (covered > durable_.load()) durable_.store(covered);
    durable_cv_.notify_all();
  }
}

int GroupCommit::PagesLogged() const {
  int current = 0, highwater = 0;
  sqlite3_db_status(writer_.getHandle(), SQLITE_DBSTATUS_CACHE_WRITE, &current,
                    &highwater, /*resetFlg=*/0);
  return current;
}

void GroupCommit::Exec(const char* sql) {
  // Prepared once: parsing these on every write showed in profiles.
  CachedStatement(writer_, statements_, sql)->exec();
}

void GroupCommit::FailGroup(const std::vector<Request*>& group,
                            const absl::Status& status) {
  for (Request* r : group) {
    if (r->status.ok()) r->status = status;
    r->on_commit.clear();
  }
  if (sqlite3_get_autocommit(writer_.getHandle()) == 0) {
    try {
      writer_.exec("ROLLBACK");
    } catch (const std::exception& e) {
      spdlog::error("rollback failed: {}", e.what());
    }
  }
}

GroupCommit::Run GroupCommit::RunMembers(const std::vector<Request*>& group,
                                         bool savepoints) {
  try {
    Exec("BEGIN IMMEDIATE");
  } catch (const std::exception& e) {
    FailGroup(group, StatusFromSqlite(e));
    return Run::kFailed;
  }
  sqlite3* db = writer_.getHandle();
  for (Request* r : group) {
    Tx tx(writer_, statements_, /*writable=*/true);
    const int64_t changes_before = sqlite3_total_changes64(db);
    try {
      if (savepoints) Exec("SAVEPOINT rw_write");
      r->status = r->fn(tx);
    } catch (const std::exception& e) {
      r->status = StatusFromSqlite(e);
    } catch (...) {
      r->status = absl::InternalError("unknown exception in a transaction");
    }
    // SQLite rolls the whole transaction back on some errors (a full disk,
    // an I/O error): everything the group wrote so far is gone.
    if (sqlite3_get_autocommit(db) != 0) {
      FailGroup(group, r->status.ok()
                           ? absl::UnavailableError("storage: transaction lost")
                           : r->status);
      return Run::kFailed;
    }
    if (r->status.ok() && tx.broken()) {
      r->status = absl::InternalError(
          "storage: a write failed halfway and the failure was ignored; "
          "rolled back");
    }
    try {
      if (r->status.ok()) {
        if (savepoints) Exec("RELEASE rw_write");
        r->on_commit = std::move(tx.on_commit_);
      } else if (savepoints) {
        Exec("ROLLBACK TO rw_write");
        Exec("RELEASE rw_write");
      } else if (group.size() > 1 &&
                 sqlite3_total_changes64(db) != changes_before) {
        // Its writes cannot be undone alone.
        Exec("ROLLBACK");
        return Run::kAgainWithSavepoints;
      }
    } catch (const std::exception& e) {
      FailGroup(group, StatusFromSqlite(e));
      return Run::kFailed;
    }
  }
  return Run::kOpen;
}

uint64_t GroupCommit::RunGroup(const std::vector<Request*>& group) {
  std::lock_guard<std::mutex> writer_lock(writer_mu_);
  // Every commit before this group has finished: what it reads.
  const uint64_t before = logged_.load();
  const int pages_before = PagesLogged();
  transactions_ += static_cast<int64_t>(group.size());
  Run run = RunMembers(group, /*savepoints=*/false);
  if (run == Run::kAgainWithSavepoints) {
    ++runs_again_;
    // Nothing of the first run counts, not even the answers of members the
    // second one does not reach.
    for (Request* r : group) {
      r->status = absl::OkStatus();
      r->on_commit.clear();
    }
    run = RunMembers(group, /*savepoints=*/true);
  }
  if (run != Run::kOpen) return before;
  const bool any_ok = std::any_of(group.begin(), group.end(),
                                  [](Request* r) { return r->status.ok(); });
  uint64_t last = before;
  try {
    if (any_ok) {
      committing_ = true;
      Exec("COMMIT");
      committing_ = false;
      ++commits_;
      // Nothing to sync if every member only read.
      if (PagesLogged() != pages_before) last = before + 1;
    } else {
      writer_.exec("ROLLBACK");
    }
  } catch (const std::exception& e) {
    committing_ = false;
    FailGroup(group, StatusFromSqlite(e));
  }
  logged_.store(last);
  return last;
}

}  // namespace rentwave::platform
