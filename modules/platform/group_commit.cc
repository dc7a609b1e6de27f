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

uint64_t GroupCommit::RunGroup(const std::vector<Request*>& group) {
  std::lock_guard<std::mutex> writer_lock(writer_mu_);
  // Every commit before this group has finished: what it reads.
  const uint64_t before = logged_.load();
  const int pages_before = PagesLogged();
  // Prepared once: parsing these on every write showed in profiles.
  auto run = [this](const char* sql) {
    CachedStatement(writer_, statements_, sql)->exec();
  };
  transactions_ += static_cast<int64_t>(group.size());
  // Fails every request that has not failed on its own: their writes are
  // not (or no longer) part of a transaction that will commit.
  auto fail_group = [&](const absl::Status& status) {
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
  };
  try {
    run("BEGIN IMMEDIATE");
  } catch (const std::exception& e) {
    fail_group(StatusFromSqlite(e));
    return before;
  }
  // A write alone in its group needs no savepoint (SQLite copies every page
  // a savepoint touches): if it fails, the whole transaction rolls back.
  const bool alone = group.size() == 1;
  bool any_ok = false;
  for (Request* r : group) {
    Tx tx(writer_, statements_, /*writable=*/true);
    try {
      if (!alone) run("SAVEPOINT rw_write");
      r->status = r->fn(tx);
    } catch (const std::exception& e) {
      r->status = StatusFromSqlite(e);
    } catch (...) {
      r->status = absl::InternalError("unknown exception in a transaction");
    }
    // SQLite rolls the whole transaction back on some errors (a full disk,
    // an I/O error): everything the group wrote so far is gone.
    if (sqlite3_get_autocommit(writer_.getHandle()) != 0) {
      fail_group(r->status.ok()
                     ? absl::UnavailableError("storage: transaction lost")
                     : r->status);
      return before;
    }
    if (r->status.ok() && tx.broken()) {
      r->status = absl::InternalError(
          "storage: a write failed halfway and the failure was ignored; "
          "rolled back");
    }
    try {
      if (r->status.ok()) {
        if (!alone) run("RELEASE rw_write");
        r->on_commit = std::move(tx.on_commit_);
        any_ok = true;
      } else if (!alone) {
        run("ROLLBACK TO rw_write");
        run("RELEASE rw_write");
      }
    } catch (const std::exception& e) {
      fail_group(StatusFromSqlite(e));
      return before;
    }
  }
  uint64_t last = before;
  try {
    if (any_ok) {
      committing_ = true;
      run("COMMIT");
      committing_ = false;
      ++commits_;
      // Nothing to sync if every member only read.
      if (PagesLogged() != pages_before) last = before + 1;
    } else {
      writer_.exec("ROLLBACK");
    }
  } catch (const std::exception& e) {
    committing_ = false;
    fail_group(StatusFromSqlite(e));
  }
  logged_.store(last);
  return last;
}

}  // namespace rentwave::platform
