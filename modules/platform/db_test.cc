// Tests for Database: commit/rollback, OnCommit hooks, connection settings,
// read snapshots, concurrent writers and storage failures.
#include "modules/platform/db.h"

#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "modules/platform/scoped_temp_dir.h"

namespace rentwave::platform {
namespace {

DatabaseOptions Options(const std::string& path, bool synchronous_full = true) {
  DatabaseOptions options;
  options.path = path;
  options.synchronous_full = synchronous_full;
  return options;
}

constexpr char kCreateKv[] =
    "CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL)";

void Exec(Database& db, const std::string& sql) {
  absl::Status status = db.Write([&](Tx& tx) {
    tx.db().exec(sql);
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << sql << ": " << status;
}

// Runs a single-value query in a Read; -1 if the Read fails.
int64_t QueryInt(Database& db, const std::string& sql) {
  int64_t out = -1;
  absl::Status status = db.Read([&](Tx& tx) {
    out = tx.db().execAndGet(sql).getInt64();
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << sql << ": " << status;
  return out;
}

int64_t CountKey(Database& db, const std::string& key) {
  return QueryInt(db, "SELECT COUNT(*) FROM kv WHERE k = '" + key + "'");
}

void InsertKv(Tx& tx, const std::string& key, int64_t value) {
  SQLite::Statement insert(tx.db(), "INSERT INTO kv(k, v) VALUES (?, ?)");
  insert.bind(1, key);
  insert.bind(2, value);
  insert.exec();
}

class MemoryDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(Options(":memory:"));
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    Exec(*db_, kCreateKv);
  }

  std::unique_ptr<Database> db_;
};

class FileDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    OpenDb(Options(dir_.File("test.db"), /*synchronous_full=*/false));
    Exec(*db_, kCreateKv);
  }

  void OpenDb(const DatabaseOptions& options) {
    db_.reset();
    auto db = Database::Open(options);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
  }

  ScopedTempDir dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(MemoryDbTest, WriteCommitsWhenFnReturnsOk) {
  absl::Status status = db_->Write([](Tx& tx) {
    EXPECT_TRUE(tx.writable());
    InsertKv(tx, "a", 7);
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(QueryInt(*db_, "SELECT v FROM kv WHERE k = 'a'"), 7);
}

TEST_F(MemoryDbTest, WriteRollsBackAndReturnsTheErrorUnchanged) {
  absl::Status error = absl::NotFoundError("listing 42 not found");
  error.SetPayload("type.example/detail", absl::Cord("kept"));
  absl::Status status = db_->Write([&](Tx& tx) {
    InsertKv(tx, "a", 1);
    return error;
  });
  EXPECT_EQ(status, error);  // code, message and payload
  EXPECT_EQ(CountKey(*db_, "a"), 0);

  // The writer is usable afterwards: no transaction was left open.
  ASSERT_TRUE(db_->Write([](Tx& tx) {
                   InsertKv(tx, "a", 2);
                   return absl::OkStatus();
                 })
                  .ok());
  EXPECT_EQ(QueryInt(*db_, "SELECT v FROM kv WHERE k = 'a'"), 2);
}

TEST_F(MemoryDbTest, SqliteExceptionInsideWriteBecomesStatusAndRollsBack) {
  ASSERT_TRUE(db_->Write([](Tx& tx) {
                   InsertKv(tx, "existing", 1);
                   return absl::OkStatus();
                 })
                  .ok());

  // A constraint violation thrown by a SQLite::Statement.
  absl::Status status = db_->Write([](Tx& tx) {
    InsertKv(tx, "b", 1);
    InsertKv(tx, "existing", 2);  // duplicate primary key: throws
    ADD_FAILURE() << "the duplicate insert did not throw";
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  EXPECT_EQ(CountKey(*db_, "b"), 0);
  EXPECT_EQ(QueryInt(*db_, "SELECT v FROM kv WHERE k = 'existing'"), 1);

  // Bad SQL thrown by Database::exec.
  status = db_->Write([](Tx& tx) {
    InsertKv(tx, "c", 1);
    tx.db().exec("INSERT INTO no_such_table VALUES (1)");
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  EXPECT_EQ(CountKey(*db_, "c"), 0);
  EXPECT_EQ(QueryInt(*db_, "SELECT COUNT(*) FROM kv"), 1);
}

TEST_F(MemoryDbTest, StdExceptionInsideWriteBecomesInternalAndRollsBack) {
  absl::Status status = db_->Write([](Tx& tx) -> absl::Status {
    InsertKv(tx, "a", 1);
    throw std::runtime_error("boom");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  EXPECT_EQ(CountKey(*db_, "a"), 0);
}

TEST_F(MemoryDbTest, OnCommitHooksDoNotRunOnRollback) {
  int runs = 0;
  absl::Status status = db_->Write([&](Tx& tx) {
    tx.OnCommit([&] { ++runs; });
    InsertKv(tx, "a", 1);
    return absl::AbortedError("changed my mind");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  status = db_->Write([&](Tx& tx) -> absl::Status {
    tx.OnCommit([&] { ++runs; });
    tx.db().exec("INSERT INTO no_such_table VALUES (1)");
    return absl::OkStatus();
  });
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(runs, 0);
}

TEST_F(MemoryDbTest, AnOwnersOnCommitHookReplacesItsEarlierOneInPlace) {
  std::vector<std::string> ran;
  int owner_a = 0;
  int owner_b = 0;
  absl::Status status = db_->Write([&](Tx& tx) {
    tx.OnCommit(&owner_a, [&] { ran.push_back("a1"); });
    tx.OnCommit([&] { ran.push_back("plain"); });
    tx.OnCommit(&owner_b, [&] { ran.push_back("b1"); });
    tx.OnCommit(&owner_a, [&] { ran.push_back("a2"); });
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(ran, (std::vector<std::string>{"a2", "plain", "b1"}));
}

TEST_F(MemoryDbTest, InSavepointUndoesOnlyItsOwnPartAndGoesOn) {
  absl::Status inner;
  absl::Status status = db_->Write([&](Tx& tx) {
    InsertKv(tx, "kept", 1);
    inner = InSavepoint(tx, [&]() -> absl::Status {
      InsertKv(tx, "undone", 2);
      InsertKv(tx, "kept", 3);  // duplicate key: SQLite throws
      return absl::OkStatus();
    });
    InsertKv(tx, "after", 4);
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(inner.code(), absl::StatusCode::kInternal) << inner;
  EXPECT_EQ(CountKey(*db_, "kept"), 1);
  EXPECT_EQ(CountKey(*db_, "undone"), 0);
  EXPECT_EQ(CountKey(*db_, "after"), 1);
}

TEST_F(MemoryDbTest, AllOrNothingFailingBeforeWritingLeavesTheCallerFree) {
  absl::Status inner;
  absl::Status status = db_->Write([&](Tx& tx) {
    inner = AllOrNothing(
        tx, [] { return absl::FailedPreconditionError("insufficient funds"); });
    EXPECT_FALSE(tx.broken());
    InsertKv(tx, "a", 1);
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(inner.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CountKey(*db_, "a"), 1);
}

TEST_F(MemoryDbTest, AllOrNothingFailingHalfwayCannotBeCommittedByIgnoringIt) {
  absl::Status inner;
  absl::Status status = db_->Write([&](Tx& tx) {
    InsertKv(tx, "before", 1);
    inner = AllOrNothing(tx, [&]() -> absl::Status {
      InsertKv(tx, "half", 2);
      InsertKv(tx, "before", 3);  // throws: comes back as a status
      return absl::OkStatus();
    });
    EXPECT_TRUE(tx.broken());
    return absl::OkStatus();  // the failure ignored
  });
  EXPECT_EQ(inner.code(), absl::StatusCode::kInternal) << inner;
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "ignored")) << status;
  EXPECT_EQ(CountKey(*db_, "before"), 0);
  EXPECT_EQ(CountKey(*db_, "half"), 0);
}

TEST_F(MemoryDbTest, AnEnclosingSavepointMendsWhatAllOrNothingBroke) {
  absl::Status status = db_->Write([&](Tx& tx) {
    InsertKv(tx, "kept", 1);
    absl::Status part = InSavepoint(tx, [&] {
      return AllOrNothing(tx, [&]() -> absl::Status {
        InsertKv(tx, "half", 2);
        return absl::InternalError("storage failed");
      });
    });
    EXPECT_EQ(part.code(), absl::StatusCode::kInternal);
    EXPECT_FALSE(tx.broken());
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(CountKey(*db_, "kept"), 1);
  EXPECT_EQ(CountKey(*db_, "half"), 0);
}

TEST_F(FileDbTest, OnCommitHooksRunAfterCommitOutsideTheWriterLock) {
  std::vector<std::string> log;
  absl::Status status = db_->Write([&](Tx& tx) {
    InsertKv(tx, "a", 1);
    tx.OnCommit([&] {
      log.push_back("first hook");
      // A reader connection sees the row: the data is committed. A Write
      // from the hook proves the writer lock is no longer held.
      log.push_back("visible=" + std::to_string(CountKey(*db_, "a")));
      absl::Status nested = db_->Write([](Tx& tx) {
        InsertKv(tx, "from-hook", 1);
        return absl::OkStatus();
      });
      log.push_back(nested.ok() ? "nested write ok" : nested.ToString());
    });
    tx.OnCommit([&] { log.push_back("second hook"); });
    log.push_back("fn returns");
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(log,
            (std::vector<std::string>{"fn returns", "first hook", "visible=1",
                                      "nested write ok", "second hook"}));
  EXPECT_EQ(CountKey(*db_, "from-hook"), 1);
}

TEST_F(FileDbTest, ConnectionSettingsWithSynchronousFull) {
  OpenDb(Options(dir_.File("full.db")));
  std::string journal_mode;
  int64_t foreign_keys = -1, synchronous = -1, busy_timeout = -1;
  absl::Status status = db_->Write([&](Tx& tx) {
    journal_mode = tx.db().execAndGet("PRAGMA journal_mode").getString();
    foreign_keys = tx.db().execAndGet("PRAGMA foreign_keys").getInt64();
    synchronous = tx.db().execAndGet("PRAGMA synchronous").getInt64();
    busy_timeout = tx.db().execAndGet("PRAGMA busy_timeout").getInt64();
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(journal_mode, "wal");
  EXPECT_EQ(foreign_keys, 1);
  // NORMAL: FULL's sync at every commit is the group commit's own, outside
  // the writer lock.
  EXPECT_EQ(synchronous, 1);
  EXPECT_EQ(busy_timeout, 5000);
  const WriteStats before = db_->write_stats();
  Exec(*db_, "CREATE TABLE t (x)");
  Exec(*db_, "INSERT INTO t VALUES (1)");
  const WriteStats after = db_->write_stats();
  EXPECT_EQ(after.commits - before.commits, 2);
  EXPECT_EQ(after.log_syncs - before.log_syncs, 2);

  // Reader connections enforce foreign keys too and see WAL mode.
  EXPECT_EQ(QueryInt(*db_, "PRAGMA foreign_keys"), 1);
  status = db_->Read([&](Tx& tx) {
    EXPECT_FALSE(tx.writable());
    journal_mode = tx.db().execAndGet("PRAGMA journal_mode").getString();
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(journal_mode, "wal");
}

// SQLite keeps the log beside the file a symlink points to: that is the log
// synced.
TEST_F(FileDbTest, ASymlinkedPathSyncsTheLogBesideTheRealFile) {
  std::filesystem::create_directory(dir_.File("real"));
  std::filesystem::create_directory(dir_.File("link"));
  std::filesystem::create_symlink(dir_.File("real/x.db"),
                                  dir_.File("link/x.db"));
  OpenDb(Options(dir_.File("link/x.db")));
  Exec(*db_, kCreateKv);
  EXPECT_EQ(db_->write_stats().log_syncs, 1);
  EXPECT_TRUE(std::filesystem::exists(dir_.File("real/x.db-wal")));
  EXPECT_FALSE(std::filesystem::exists(dir_.File("link/x.db-wal")));
}

TEST_F(FileDbTest, SynchronousNormalWhenNotFull) {
  // The fixture opened its database with synchronous_full = false.
  int64_t synchronous = -1;
  absl::Status status = db_->Write([&](Tx& tx) {
    synchronous = tx.db().execAndGet("PRAGMA synchronous").getInt64();
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(synchronous, 1);  // NORMAL
  Exec(*db_, "INSERT INTO kv(k, v) VALUES ('a', 1)");
  EXPECT_EQ(db_->write_stats().log_syncs, 0);  // nor synced at commit
}

TEST_F(FileDbTest, ForeignKeysAreEnforced) {
  Exec(*db_,
       "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
       "CREATE TABLE child (id INTEGER PRIMARY KEY,"
       " parent_id INTEGER NOT NULL REFERENCES parent(id))");
  absl::Status status = db_->Write([](Tx& tx) {
    tx.db().exec("INSERT INTO child(id, parent_id) VALUES (1, 99)");
    return absl::OkStatus();
  });
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(QueryInt(*db_, "SELECT COUNT(*) FROM child"), 0);
}

TEST_F(FileDbTest, ReadSeesDataCommittedBeforeIt) {
  ASSERT_TRUE(db_->Write([](Tx& tx) {
                   InsertKv(tx, "a", 5);
                   return absl::OkStatus();
                 })
                  .ok());
  // Several reads, so more than one pooled reader connection is exercised.
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(QueryInt(*db_, "SELECT v FROM kv WHERE k = 'a'"), 5);
  }
  ASSERT_TRUE(db_->Write([](Tx& tx) {
                   tx.db().exec("UPDATE kv SET v = 6 WHERE k = 'a'");
                   return absl::OkStatus();
                 })
                  .ok());
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(QueryInt(*db_, "SELECT v FROM kv WHERE k = 'a'"), 6);
  }
}

TEST_F(FileDbTest, ReadIsASnapshotThatIgnoresConcurrentCommits) {
  ASSERT_TRUE(db_->Write([](Tx& tx) {
                   InsertKv(tx, "before", 1);
                   return absl::OkStatus();
                 })
                  .ok());
  int64_t first = -1, second = -1;
  absl::Status write_status = absl::UnknownError("not run");
  absl::Status status = db_->Read([&](Tx& tx) {
    first = tx.db().execAndGet("SELECT COUNT(*) FROM kv").getInt64();
    // Another thread commits while this snapshot is open; it must not block.
    std::thread writer([&] {
      write_status = db_->Write([](Tx& tx) {
        InsertKv(tx, "during", 1);
        return absl::OkStatus();
      });
    });
    writer.join();
    second = tx.db().execAndGet("SELECT COUNT(*) FROM kv").getInt64();
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  ASSERT_TRUE(write_status.ok()) << write_status;
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 1);
  // A Read that begins afterwards sees it.
  EXPECT_EQ(QueryInt(*db_, "SELECT COUNT(*) FROM kv"), 2);
}

TEST_F(FileDbTest, ReadCannotWrite) {
  absl::Status status = db_->Read([](Tx& tx) {
    InsertKv(tx, "sneaky", 1);
    return absl::OkStatus();
  });
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(CountKey(*db_, "sneaky"), 0);
}

TEST_F(FileDbTest, ConcurrentWritersAllLand) {
  Exec(*db_, "INSERT INTO kv(k, v) VALUES ('counter', 0)");
  constexpr int kThreads = 4;
  constexpr int kIncrements = 150;
  std::atomic<int> failures{0};
  std::atomic<bool> done{false};
  std::atomic<int> went_backwards{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        // Read-modify-write: only correct if writers are serialized.
        absl::Status status = db_->Write([](Tx& tx) {
          int64_t v = tx.db()
                          .execAndGet("SELECT v FROM kv WHERE k = 'counter'")
                          .getInt64();
          SQLite::Statement update(tx.db(),
                                   "UPDATE kv SET v = ? WHERE k = 'counter'");
          update.bind(1, v + 1);
          update.exec();
          return absl::OkStatus();
        });
        if (!status.ok()) ++failures;
      }
    });
  }
  // A concurrent reader only ever sees the counter grow.
  std::thread reader([&] {
    int64_t last = 0;
    while (!done.load()) {
      int64_t v = QueryInt(*db_, "SELECT v FROM kv WHERE k = 'counter'");
      if (v < last) ++went_backwards;
      last = v;
    }
  });
  for (auto& t : threads) t.join();
  done = true;
  reader.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(went_backwards.load(), 0);
  EXPECT_EQ(QueryInt(*db_, "SELECT v FROM kv WHERE k = 'counter'"),
            kThreads * kIncrements);
}

// What each follower of RunGroupBehindALeader got, and its thread.
struct GroupRun {
  std::vector<absl::Status> statuses;
  std::vector<std::thread::id> callers;
};

// Holds the writer inside a first Write until `followers` more writers have
// queued behind it, so that they form one group. `body(i)` is follower i's
// transaction.
GroupRun RunGroupBehindALeader(Database& db, int followers,
                               std::function<absl::Status(Tx&, int)> body) {
  std::atomic<int> started{0};
  const int64_t before = db.write_stats().transactions;
  GroupRun run{std::vector<absl::Status>(followers),
               std::vector<std::thread::id>(followers)};
  std::thread leader([&] {
    absl::Status status = db.Write([&](Tx& tx) {
      while (started.load() < followers) std::this_thread::yield();
      // Followers have called Write; give them time to queue.
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      InsertKv(tx, "leader", 0);
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
  });
  std::vector<std::thread> threads;
  for (int i = 0; i < followers; ++i) {
    threads.emplace_back([&, i] {
      // Wait until the leader's transaction is running.
      while (db.write_stats().transactions == before) {
        std::this_thread::yield();
      }
      ++started;
      run.callers[i] = std::this_thread::get_id();
      run.statuses[i] = db.Write([&](Tx& tx) { return body(tx, i); });
    });
  }
  leader.join();
  for (auto& t : threads) t.join();
  return run;
}

TEST_F(FileDbTest, ConcurrentWritesShareOneCommit) {
  OpenDb(Options(dir_.File("group.db"), /*synchronous_full=*/true));
  Exec(*db_, kCreateKv);
  const WriteStats before = db_->write_stats();
  GroupRun run = RunGroupBehindALeader(*db_, 10, [](Tx& tx, int i) {
    InsertKv(tx, "k" + std::to_string(i), i);
    return absl::OkStatus();
  });
  for (const absl::Status& s : run.statuses) EXPECT_TRUE(s.ok()) << s;
  const WriteStats after = db_->write_stats();
  EXPECT_EQ(after.transactions - before.transactions, 11);
  // The leader's commit, then the ten followers' (rarely split in two).
  EXPECT_LE(after.commits - before.commits, 3);
  EXPECT_EQ(QueryInt(*db_, "SELECT COUNT(*) FROM kv"), 11);
}

TEST_F(FileDbTest, AFailingWriteInAGroupUndoesOnlyItself) {
  std::vector<absl::Status> statuses =
      RunGroupBehindALeader(*db_, 6, [](Tx& tx, int i) -> absl::Status {
        InsertKv(tx, "k" + std::to_string(i), i);
        if (i == 1) return absl::FailedPreconditionError("no");
        if (i == 3) InsertKv(tx, "leader", 0);  // duplicate key: throws
        if (i == 4) throw std::runtime_error("boom");
        return absl::OkStatus();
      }).statuses;
  EXPECT_TRUE(statuses[0].ok());
  EXPECT_EQ(statuses[1].code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(statuses[2].ok());
  EXPECT_EQ(statuses[3].code(), absl::StatusCode::kInternal);
  EXPECT_EQ(statuses[4].code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(statuses[5].ok());
  for (const char* key : {"leader", "k0", "k2", "k5"}) {
    EXPECT_EQ(CountKey(*db_, key), 1) << key;
  }
  for (const char* key : {"k1", "k3", "k4"}) {
    EXPECT_EQ(CountKey(*db_, key), 0) << key;
  }
}

// Without savepoints, a write that fails before writing costs the others
// nothing; one that fails having written makes the group run again, each
// write in a savepoint, and only that run's writes and hooks count.
TEST_F(FileDbTest, AGroupRunsAgainOnlyWhenAWriteFailsHavingWritten) {
  std::atomic<int> runs{0}, hooks{0};
  auto group = [&](int failing, bool after_writing) {
    runs = 0;
    hooks = 0;
    Exec(*db_, "DELETE FROM kv WHERE k = 'leader'");  // the last group's
    const int64_t before = db_->write_stats().runs_again;
    GroupRun run = RunGroupBehindALeader(
        *db_, 4, [&, failing, after_writing](Tx& tx, int i) -> absl::Status {
          ++runs;
          const std::string key = absl::StrCat("g", failing, "k", i);
          if (i == failing && !after_writing) {
            return absl::FailedPreconditionError("checked first");
          }
          InsertKv(tx, key, i);
          tx.OnCommit([&] { ++hooks; });
          if (i == failing) return absl::FailedPreconditionError("too late");
          return absl::OkStatus();
        });
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(run.statuses[i].ok(), i != failing) << run.statuses[i];
      EXPECT_EQ(CountKey(*db_, absl::StrCat("g", failing, "k", i)),
                i == failing ? 0 : 1);
    }
    EXPECT_EQ(hooks.load(), 3);
    return db_->write_stats().runs_again - before;
  };
  EXPECT_EQ(group(1, /*after_writing=*/false), 0);
  EXPECT_EQ(runs.load(), 4);
  EXPECT_EQ(group(2, /*after_writing=*/true), 1);
  EXPECT_GT(runs.load(), 4);
}

TEST_F(MemoryDbTest, HooksRegisteredInARolledBackSavepointNeverRun) {
  int plain = 0, owned = 0;
  const int kOwner = 0;
  absl::Status status = db_->Write([&](Tx& tx) {
    tx.OnCommit(&kOwner, [&] { owned = 1; });
    EXPECT_FALSE(InSavepoint(tx, [&] {
                   InsertKv(tx, "undone", 1);
                   tx.OnCommit([&] { plain = 2; });
                   tx.OnCommit(&kOwner, [&] { owned = 2; });
                   return absl::InternalError("undone");
                 }).ok());
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(plain, 0);
  EXPECT_EQ(owned, 1);  // the hook it replaced is back
}

TEST_F(FileDbTest, AWriteThatLostItsTransactionCannotCommitOnItsOwn) {
  // As when SQLite rolls the transaction back on an I/O error and the code
  // goes on writing: without a transaction each statement would commit.
  absl::Status status = db_->Write([](Tx& tx) {
    tx.db().exec("ROLLBACK");
    InsertKv(tx, "stray", 1);
    return absl::OkStatus();
  });
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(CountKey(*db_, "stray"), 0);
  Exec(*db_, "INSERT INTO kv(k, v) VALUES ('after', 1)");  // still writable
  EXPECT_EQ(CountKey(*db_, "after"), 1);
}

TEST_F(FileDbTest, OnCommitHooksRunOnTheCallersThread) {
  std::vector<std::thread::id> ran_on(4);
  GroupRun run = RunGroupBehindALeader(*db_, 4, [&](Tx& tx, int i) {
    InsertKv(tx, "k" + std::to_string(i), i);
    tx.OnCommit([&ran_on, i] { ran_on[i] = std::this_thread::get_id(); });
    return absl::OkStatus();
  });
  // `fn` may run on the leader's thread; its hooks run on the caller's.
  EXPECT_EQ(ran_on, run.callers);
}

TEST(DatabaseOpenTest, UnopenablePathIsUnavailableNamingThePath) {
  ScopedTempDir dir;
  ASSERT_TRUE(dir.ok());
  std::string path = dir.File("no/such/dir/rentwave.db");
  auto db = Database::Open(Options(path));
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kUnavailable) << db.status();
  EXPECT_TRUE(absl::StrContains(db.status().message(), path)) << db.status();
}

TEST(DatabaseOpenTest, ContendedWriteLockIsAborted) {
  ScopedTempDir dir;
  ASSERT_TRUE(dir.ok());
  DatabaseOptions options = Options(dir.File("busy.db"));
  options.busy_timeout = absl::Milliseconds(50);
  auto db = Database::Open(options);
  ASSERT_TRUE(db.ok()) << db.status();
  Exec(**db, kCreateKv);
  // Another process (here: another connection) holds the write lock.
  SQLite::Database other(dir.File("busy.db"), SQLite::OPEN_READWRITE);
  other.exec("BEGIN IMMEDIATE");
  absl::Status status = (*db)->Write([](Tx& tx) {
    InsertKv(tx, "a", 1);
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted) << status;
  other.exec("ROLLBACK");
  // Once the lock is released writes go through again.
  EXPECT_TRUE((*db)
                  ->Write([](Tx& tx) {
                    InsertKv(tx, "a", 1);
                    return absl::OkStatus();
                  })
                  .ok());
}

TEST_F(FileDbTest, FullDatabaseIsUnavailableAndKeepsEarlierData) {
  Exec(*db_, "CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB)");
  Exec(*db_, "INSERT INTO kv(k, v) VALUES ('earlier', 1)");
  // Limit the writer connection to a few more pages than it has now.
  Exec(*db_, "PRAGMA max_page_count = " +
                 std::to_string(QueryInt(*db_, "PRAGMA page_count") + 8));

  absl::Status status;
  int committed = 0;
  for (int i = 0; i < 100; ++i) {
    status = db_->Write([&](Tx& tx) {
      InsertKv(tx, "row" + std::to_string(i), i);
      tx.db().exec("INSERT INTO blobs(data) VALUES (zeroblob(8192))");
      return absl::OkStatus();
    });
    if (!status.ok()) break;
    ++committed;
  }
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_GT(committed, 0);
  EXPECT_LT(committed, 100);

  // Earlier data is intact, and the failed write left nothing behind.
  EXPECT_EQ(CountKey(*db_, "earlier"), 1);
  EXPECT_EQ(QueryInt(*db_, "SELECT COUNT(*) FROM blobs"), committed);
  EXPECT_EQ(QueryInt(*db_, "SELECT COUNT(*) FROM kv"), committed + 1);
  EXPECT_EQ(CountKey(*db_, "row" + std::to_string(committed)), 0);

  // With space again the same writer connection works.
  Exec(*db_, "PRAGMA max_page_count = 1000000");
  EXPECT_TRUE(db_->Write([](Tx& tx) {
                   InsertKv(tx, "after", 1);
                   return absl::OkStatus();
                 })
                  .ok());
  EXPECT_EQ(CountKey(*db_, "after"), 1);
}

TEST(StatusFromSqliteTest, MapsErrorCodes) {
  struct Case {
    int sqlite_code;
    absl::StatusCode want;
  };
  for (const Case& c : std::vector<Case>{
           {SQLITE_FULL, absl::StatusCode::kUnavailable},
           {SQLITE_READONLY, absl::StatusCode::kUnavailable},
           {SQLITE_IOERR, absl::StatusCode::kUnavailable},
           {SQLITE_CANTOPEN, absl::StatusCode::kUnavailable},
           {SQLITE_BUSY, absl::StatusCode::kAborted},
           {SQLITE_LOCKED, absl::StatusCode::kAborted},
           {SQLITE_CONSTRAINT, absl::StatusCode::kInternal},
           {SQLITE_ERROR, absl::StatusCode::kInternal},
       }) {
    EXPECT_EQ(StatusFromSqlite(SQLite::Exception("x", c.sqlite_code)).code(),
              c.want)
        << "sqlite code " << c.sqlite_code;
  }
  EXPECT_EQ(StatusFromSqlite(std::runtime_error("x")).code(),
            absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace rentwave::platform
