#include "modules/platform/db.h"

#include <SQLiteCpp/Exception.h>
#include <errno.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "modules/platform/log_buffer_vfs.h"
#include "modules/platform/statement_cache.h"

namespace rentwave::platform {
namespace {

bool IsMemory(const std::string& path) { return path == ":memory:"; }

// Growth of the write-ahead log that wakes the background checkpoint (16 MiB
// with 4 KiB pages; SQLite checkpoints at 1000 pages by default); a commit
// checkpoints itself at 4 times that.
constexpr int kCheckpointPages = 4000;

// Process-wide SQLite settings, before its first connection opens.
void ConfigureSqliteOnce() {
  static const bool configured = [] {
    // Memory statistics (unused here) take a global mutex around every
    // allocation SQLite makes: about 5% of a write transaction's
    // instructions, and contention between the readers.
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
}

// Whether commits are made durable by syncing the log outside the writer
// (see GroupCommit): for synchronous=FULL on a file.
bool SyncsLogItself(const DatabaseOptions& o) {
  return o.synchronous_full && !IsMemory(o.path) && !o.read_only;
}

std::unique_ptr<SQLite::Database> OpenConnection(const DatabaseOptions& o,
                                                 bool writer) {
  writer = writer && !o.read_only;
  int flags = writer ? SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE
                     : SQLite::OPEN_READONLY;
  // The writer's commits reach the log in few writes (LogBufferVfs).
  auto conn = std::make_unique<SQLite::Database>(
      o.path, flags | SQLite::OPEN_NOMUTEX,
      static_cast<int>(absl::ToInt64Milliseconds(o.busy_timeout)),
      writer && !IsMemory(o.path) ? LogBufferVfs() : "");
  conn->exec("PRAGMA foreign_keys=ON");
  if (writer) {
    if (!IsMemory(o.path)) conn->exec("PRAGMA journal_mode=WAL");
    // NORMAL still syncs before every checkpoint, so a power loss never
    // corrupts; FULL's sync at every commit GroupCommit does itself.
    conn->exec(o.synchronous_full && !SyncsLogItself(o)
                   ? "PRAGMA synchronous=FULL"
                   : "PRAGMA synchronous=NORMAL");
    // A group of commits dirties more pages than the default 2 MB cache
    // holds, and savepoint journals default to temp files: both spilled to
    // disk mid-transaction and more than halved the timer's charge rate.
    conn->exec("PRAGMA cache_size=-65536");  // KiB: 64 MiB
    conn->exec("PRAGMA temp_store=MEMORY");
    if (o.max_bytes > 0) {
      const int64_t page_size = conn->execAndGet("PRAGMA page_size").getInt64();
      conn->exec(absl::StrCat("PRAGMA max_page_count=",
                              std::max<int64_t>(1, o.max_bytes / page_size)));
    }
  }
  return conn;
}

// The write-ahead log of a connection's database, opened to sync it (the
// file exists while a connection in WAL mode is open, and is never
// replaced meanwhile). Its directory is synced once, so that the log's
// entry survives a power loss too. The constructor throws on failure.
class LogFile {
 public:
  explicit LogFile(SQLite::Database& conn)
      : path_(sqlite3_filename_wal(
            sqlite3_db_filename(conn.getHandle(), "main"))) {
    fd_ = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) Fail("opening ", path_);
    const std::string dir = path_.substr(0, path_.rfind('/') + 1);
    const int dir_fd = open(dir.empty() ? "." : dir.c_str(),
                            O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    const bool synced = dir_fd >= 0 && fsync(dir_fd) == 0;
    const int error = errno;
    if (dir_fd >= 0) close(dir_fd);
    errno = error;
    if (!synced) Fail("syncing the directory of ", path_);
  }
  ~LogFile() {
    if (fd_ >= 0) close(fd_);
  }
  LogFile(const LogFile&) = delete;
  LogFile& operator=(const LogFile&) = delete;

  absl::Status Sync() const {
    int rc;
    do {
      rc = fdatasync(fd_);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      return absl::UnavailableError(
          absl::StrCat("fdatasync of ", path_, ": ", strerror(errno)));
    }
    return absl::OkStatus();
  }

 private:
  [[noreturn]] void Fail(absl::string_view what, const std::string& path) {
    const std::string message = absl::StrCat(what, path, ": ", strerror(errno));
    if (fd_ >= 0) close(fd_);
    throw std::runtime_error(message);
  }

  const std::string path_;
  int fd_ = -1;
};

}  // namespace

absl::Status StatusFromSqlite(const std::exception& e) {
  const auto* sql = dynamic_cast<const SQLite::Exception*>(&e);
  int code = sql != nullptr ? sql->getErrorCode() : SQLITE_ERROR;
  switch (code) {
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      // Operators need this line: writes stop until it is fixed.
      spdlog::error(
          "storage unavailable, writes refused until fixed (disk full, "
          "--db-max-bytes reached, read-only file or I/O error): {}",
          e.what());
      return absl::UnavailableError("storage unavailable");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::AbortedError("storage busy; retry");
    default:
      return absl::InternalError(absl::StrCat("sqlite: ", e.what()));
  }
}

namespace {

// `op`'s status, or the status of what it threw.
absl::Status Run(absl::FunctionRef<absl::Status()> op) {
  try {
    return op();
  } catch (const std::exception& e) {
    return StatusFromSqlite(e);
  } catch (...) {
    return absl::InternalError("unknown exception in a transaction");
  }
}

}  // namespace

Tx::HookMark Tx::MarkHooks() const {
  HookMark mark{on_commit_.size(), {}};
  for (const auto& [owner, index] : owned_hooks_) {
    mark.owned.push_back(on_commit_[index]);
  }
  return mark;
}

void Tx::RollBackHooks(HookMark mark) {
  on_commit_.resize(mark.hooks);
  owned_hooks_.resize(mark.owned.size());
  for (size_t i = 0; i < mark.owned.size(); ++i) {
    on_commit_[owned_hooks_[i].second] = std::move(mark.owned[i]);
  }
}

absl::Status InSavepoint(Tx& tx, absl::FunctionRef<absl::Status()> op) {
  try {
    CachedStatement(tx, "SAVEPOINT rw_op")->exec();
  } catch (const std::exception& e) {
    return StatusFromSqlite(e);
  }
  const bool was_broken = tx.broken_;
  Tx::HookMark hooks = tx.MarkHooks();
  absl::Status status = Run(op);
  try {
    // Savepoints may nest under the same name: these act on the innermost.
    if (!status.ok()) {
      CachedStatement(tx, "ROLLBACK TO rw_op")->exec();
      tx.broken_ = was_broken;             // what broke it is undone
      tx.RollBackHooks(std::move(hooks));  // and what it registered
    }
    CachedStatement(tx, "RELEASE rw_op")->exec();
  } catch (const std::exception& e) {
    if (status.ok()) status = StatusFromSqlite(e);
  }
  return status;
}

absl::Status AllOrNothing(Tx& tx, absl::FunctionRef<absl::Status()> op) {
  sqlite3* db = tx.db().getHandle();
  const int64_t changes_before = sqlite3_total_changes64(db);
  absl::Status status = Run(op);
  if (!status.ok() && sqlite3_total_changes64(db) != changes_before) {
    tx.broken_ = true;
  }
  return status;
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(
    const DatabaseOptions& options) {
  ConfigureSqliteOnce();
  std::unique_ptr<Database> db(new Database(options));
  try {
    db->writer_ = OpenConnection(options, /*writer=*/true);
    // A write proves the file is writable now rather than at the first RPC.
    if (!options.read_only) db->writer_->exec("BEGIN IMMEDIATE; COMMIT;");
    if (!IsMemory(options.path)) {
      for (int i = 0; i < std::max(1, options.read_connections); ++i) {
        db->readers_.push_back(OpenConnection(options, /*writer=*/false));
      }
    }
    db->statements_[db->writer_.get()] = std::make_unique<StatementCache>();
    for (const auto& reader : db->readers_) {
      db->statements_[reader.get()] = std::make_unique<StatementCache>();
    }
    std::function<absl::Status()> sync_log;
    if (SyncsLogItself(options)) {
      sync_log = [log = std::make_shared<LogFile>(*db->writer_)] {
        return log->Sync();
      };
    }
    db->group_commit_ = std::make_unique<GroupCommit>(
        *db->writer_, *db->statements_[db->writer_.get()], db->writer_mu_,
        options.max_group_commit, std::move(sync_log));
    if (!IsMemory(options.path) && !options.read_only) {
      db->checkpointer_ = std::make_unique<Checkpointer>(
          *db->writer_, options.path, options.synchronous_full,
          kCheckpointPages, 4 * kCheckpointPages);
      db->checkpointer_->Start();
    }
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot open database ", options.path, ": ", e.what()));
  }
  return db;
}

Database::Database(DatabaseOptions options) : options_(std::move(options)) {}

Database::~Database() = default;

absl::Status Database::Read(SQLite::Database& conn,
                            absl::FunctionRef<absl::Status(Tx&)> fn) {
  StatementCache& statements = *statements_.at(&conn);
  Tx tx(conn, statements, /*writable=*/false);
  absl::Status status;
  try {
    // Prepared once: parsing BEGIN and ROLLBACK was a tenth of a GetUser.
    CachedStatement(conn, statements, "BEGIN")->exec();
    status = fn(tx);
  } catch (const std::exception& e) {
    status = StatusFromSqlite(e);
  } catch (...) {
    status = absl::InternalError("unknown exception in a transaction");
  }
  if (sqlite3_get_autocommit(conn.getHandle()) == 0) {
    try {
      CachedStatement(conn, statements, "ROLLBACK")
          ->exec();  // nothing to commit
    } catch (const std::exception& e) {
      spdlog::error("ending a read failed: {}", e.what());
    }
  }
  return status;
}

absl::Status Database::Write(absl::FunctionRef<absl::Status(Tx&)> fn) {
  return group_commit_->Write(fn);
}

absl::Status Database::Read(absl::FunctionRef<absl::Status(Tx&)> fn) {
  if (IsMemory(options_.path)) {
    std::lock_guard<std::mutex> lock(writer_mu_);
    return Read(*writer_, fn);
  }
  auto conn = AcquireReader();
  absl::Status status = Read(*conn, fn);
  ReleaseReader(std::move(conn));
  return status;
}

absl::Status Database::ForEachConnection(
    absl::FunctionRef<absl::Status(SQLite::Database&)> fn) {
  std::lock_guard<std::mutex> writer_lock(writer_mu_);
  std::unique_lock<std::mutex> lock(readers_mu_);
  size_t total =
      IsMemory(options_.path)
          ? 0
          : static_cast<size_t>(std::max(1, options_.read_connections));
  readers_cv_.wait(lock, [&] { return readers_.size() == total; });
  try {
    absl::Status status = fn(*writer_);
    for (auto& reader : readers_) {
      if (!status.ok()) break;
      status = fn(*reader);
    }
    return status;
  } catch (const std::exception& e) {
    return StatusFromSqlite(e);
  }
}

std::unique_ptr<SQLite::Database> Database::AcquireReader() {
  std::unique_lock<std::mutex> lock(readers_mu_);
  readers_cv_.wait(lock, [this] { return !readers_.empty(); });
  auto conn = std::move(readers_.back());
  readers_.pop_back();
  return conn;
}

void Database::ReleaseReader(std::unique_ptr<SQLite::Database> conn) {
  {
    std::lock_guard<std::mutex> lock(readers_mu_);
    readers_.push_back(std::move(conn));
  }
  readers_cv_.notify_all();  // ForEachConnection waits for all of them
}

}  // namespace rentwave::platform
