// The SQLite database: one serialized writer, a pool of readers, and RAII
// transactions. Every module reaches storage through this.
#pragma once

#include <SQLiteCpp/Database.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/platform/checkpointer.h"
#include "modules/platform/group_commit.h"

namespace rentwave::platform {

class StatementCache;

// One open transaction. Stores run their statements on db(). A Tx never
// outlives the Database::Write/Read call that created it. Not thread-safe.
class Tx {
 public:
  Tx(const Tx&) = delete;
  Tx& operator=(const Tx&) = delete;

  SQLite::Database& db() { return db_; }
  // The connection's prepared statements (see CachedStatement).
  StatementCache& statements() { return statements_; }
  bool writable() const { return writable_; }
  // Whether a write that failed halfway (see AllOrNothing) is in this
  // transaction: then it cannot commit.
  bool broken() const { return broken_; }
  // Runs `fn` after this transaction has committed durably (never if it rolls
  // back), on the committing thread, outside the writer lock.
  void OnCommit(std::function<void()> fn) {
    on_commit_.push_back(std::move(fn));
  }
  // The same, but one hook per `owner`: registering again replaces the
  // owner's earlier hook (in its place), so a module that needs only the
  // last word of a transaction (e.g. "events up to seq N committed") wakes
  // its listeners once per commit rather than once per row.
  void OnCommit(const void* owner, std::function<void()> fn) {
    for (auto& [hook_owner, index] : owned_hooks_) {
      if (hook_owner == owner) {
        on_commit_[index] = std::move(fn);
        return;
      }
    }
    owned_hooks_.emplace_back(owner, on_commit_.size());
    on_commit_.push_back(std::move(fn));
  }

 private:
  friend class Database;
  friend class GroupCommit;
  Tx(SQLite::Database& db, StatementCache& statements, bool writable)
      : db_(db), statements_(statements), writable_(writable) {}

  friend absl::Status InSavepoint(Tx&, absl::FunctionRef<absl::Status()>);
  friend absl::Status AllOrNothing(Tx&, absl::FunctionRef<absl::Status()>);

  // The hooks as they are now, to go back to when a savepoint rolls back
  // what registered the later ones.
  struct HookMark {
    size_t hooks = 0;
    std::vector<std::function<void()>> owned;  // per owned_hooks_ entry
  };
  HookMark MarkHooks() const;
  void RollBackHooks(HookMark mark);

  SQLite::Database& db_;
  StatementCache& statements_;
  bool writable_;
  bool broken_ = false;
  std::vector<std::function<void()>> on_commit_;
  // (owner, index in on_commit_) of the hooks registered with an owner.
  std::vector<std::pair<const void*, size_t>> owned_hooks_;
};

struct DatabaseOptions {
  // A file path, or ":memory:" for a private in-memory database (tests).
  std::string path;
  // synchronous=FULL (durable at every commit) or NORMAL (faster; a power
  // loss may drop the last commits, never corrupt).
  bool synchronous_full = true;
  int read_connections = 4;  // at least 1 is used
  // Open an existing database without changing anything (offline checks):
  // nothing is created, Write fails with UNAVAILABLE.
  bool read_only = false;
  // The most write transactions that share one commit (group commit).
  int max_group_commit = 128;
  // The largest the database file may grow (rounded down to whole pages);
  // writes that need more fail with UNAVAILABLE, as on a full disk. 0: no
  // limit but the disk's.
  int64_t max_bytes = 0;
  absl::Duration busy_timeout = absl::Seconds(5);
};

class Database {
 public:
  // Opens (creating if needed) the database with WAL, foreign keys and the
  // busy timeout on. Errors: UNAVAILABLE naming the path if it cannot be
  // opened or written.
  static absl::StatusOr<std::unique_ptr<Database>> Open(
      const DatabaseOptions& options);
  ~Database();

  // Runs `fn` in a write transaction: commits if it returns OK, rolls back
  // and returns its error otherwise. Concurrent writes share one commit
  // (group commit, see GroupCommit); Write returns only once what it wrote
  // and what it read are durable (per synchronous). `fn` may run on
  // another caller's thread while this one waits, and may run twice (when
  // another write of its group failed halfway): it must not depend on
  // running once, and only its last run's writes, hooks and result count.
  // It must not change the schema (migrations do, alone, at startup): a
  // failed write's undo is decided by the rows it changed.
  // SQLite failures become statuses: UNAVAILABLE for a full, read-only or
  // failing disk (then the whole group fails), ABORTED for contention, INTERNAL
  // otherwise. Thread-safe; must not be called from inside another Write or
  // Read.
  absl::Status Write(absl::FunctionRef<absl::Status(Tx&)> fn);

  // Runs `fn` in a read transaction: one consistent snapshot that sees every
  // write committed before it began. With synchronous=FULL a commit is
  // visible while its log is being synced (about a millisecond, before its
  // writer is answered): it survives the process crashing, but a power
  // loss in that moment takes it back. Never blocks writers (except for an
  // in-memory database, which has a single connection). Thread-safe.
  absl::Status Read(absl::FunctionRef<absl::Status(Tx&)> fn);

  // Runs `fn` once on every connection (the writer and each reader), e.g. to
  // register SQL functions a module needs; waits for busy readers to come
  // back. Stops at the first error. Thread-safe; connections are never
  // reopened, so this need only be called once.
  absl::Status ForEachConnection(
      absl::FunctionRef<absl::Status(SQLite::Database&)> fn);

  const std::string& path() const { return options_.path; }
  WriteStats write_stats() const { return group_commit_->stats(); }
  // Checkpoints so far (none for an in-memory or read-only database): many
  // by the writer means the background thread cannot keep up.
  CheckpointStats checkpoint_stats() const {
    return checkpointer_ ? checkpointer_->stats() : CheckpointStats{};
  }

 private:
  explicit Database(DatabaseOptions options);
  // Runs `fn` in a read transaction on `conn`.
  absl::Status Read(SQLite::Database& conn,
                    absl::FunctionRef<absl::Status(Tx&)> fn);
  std::unique_ptr<SQLite::Database> AcquireReader();
  void ReleaseReader(std::unique_ptr<SQLite::Database> conn);

  DatabaseOptions options_;
  std::mutex writer_mu_;
  std::unique_ptr<SQLite::Database> writer_;
  std::unique_ptr<GroupCommit> group_commit_;
  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<SQLite::Database>> readers_;
  // Each connection's prepared statements; filled by Open, then read-only.
  // Declared after the connections: destroyed (finalized) before they close.
  absl::flat_hash_map<const SQLite::Database*, std::unique_ptr<StatementCache>>
      statements_;
  std::unique_ptr<Checkpointer> checkpointer_;  // files written in WAL mode
};

// Converts a SQLite/SQLiteCpp failure into a status (see Database::Write).
absl::Status StatusFromSqlite(const std::exception& e);

// Runs `op` in a savepoint of `tx` (a write transaction), so that whatever
// fails inside it, an error status or a SQLite exception (a failed insert, a
// full disk), rolls back what `op` wrote and the OnCommit hooks it
// registered, and nothing else; the exception
// becomes a status rather than unwinding through the caller. For callers
// that go on after a failure (e.g. the late-fee timer skipping one rental).
// If SQLite has rolled back the whole transaction (I/O error), the
// savepoint is gone with it and Database::Write fails the caller.
absl::Status InSavepoint(Tx& tx, absl::FunctionRef<absl::Status()> op);

// Runs `op` so that it either completes or leaves nothing behind that can
// commit, without the cost of a savepoint (SQLite copies every page a
// savepoint touches): an error status or SQLite exception comes back as a
// status, and if `op` had already changed rows when it failed, `tx` is
// marked broken: Database::Write then rolls the whole write back and fails
// it with INTERNAL, unless an enclosing InSavepoint rolls the part back
// first. For in-process APIs that promise "a failure writes nothing": they
// check everything before their first write, so only storage failures can
// break a transaction.
absl::Status AllOrNothing(Tx& tx, absl::FunctionRef<absl::Status()> op);

}  // namespace rentwave::platform
