// Tests for LogBufferVfs: other connections see each commit as soon as it
// returns, a commit's appends reach the log in one write, transactions
// bigger than the page cache come out whole, a rolled-back transaction's
// frames are never written, and a write that fails undoes its whole
// transaction and publishes nothing.
#include "modules/platform/log_buffer_vfs.h"

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <memory>
#include <string>

#include "modules/platform/scoped_temp_dir.h"

namespace rentwave::platform {
namespace {

class LogBufferVfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.File("db.sqlite");
    writer_ = std::make_unique<SQLite::Database>(
        path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 0, LogBufferVfs());
    writer_->exec("PRAGMA journal_mode=WAL");
    writer_->exec("PRAGMA synchronous=NORMAL");
    writer_->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB NOT NULL)");
  }

  // One commit of `rows` rows of about a page each.
  void Commit(int rows) {
    writer_->exec("BEGIN");
    for (int i = 0; i < rows; ++i) {
      writer_->exec("INSERT INTO t(b) VALUES (randomblob(3000))");
    }
    writer_->exec("COMMIT");
  }

  ScopedTempDir dir_;
  std::string path_;
  std::unique_ptr<SQLite::Database> writer_;
};

TEST_F(LogBufferVfsTest, ACommitIsVisibleToOtherConnectionsAtOnce) {
  SQLite::Database reader(path_, SQLite::OPEN_READONLY);
  for (int i = 1; i <= 50; ++i) {
    Commit(10);
    ASSERT_EQ(reader.execAndGet("SELECT count(*) FROM t").getInt(), i * 10);
  }
}

TEST_F(LogBufferVfsTest, ACommitReachesTheLogInOneWrite) {
  Commit(1);  // the log's header is written
  const LogBufferStats before = LogBufferTotals();
  Commit(10);
  const LogBufferStats after = LogBufferTotals();
  // Two appends a page, header and page, for the ten rows' pages and more.
  EXPECT_GE(after.appends - before.appends, 20);
  EXPECT_EQ(after.writes - before.writes, 1);
}

TEST_F(LogBufferVfsTest, ATransactionLargerThanTheCacheComesOutWhole) {
  // 20 pages of cache: the transaction's pages are spilled to the log and
  // read back from it before it commits.
  writer_->exec("PRAGMA cache_size=20");
  writer_->exec("BEGIN");
  for (int i = 0; i < 2000; ++i) {
    writer_->exec("INSERT INTO t(b) VALUES (zeroblob(3000))");
  }
  writer_->exec("UPDATE t SET b = randomblob(3000) WHERE id % 7 = 0");
  writer_->exec("COMMIT");
  SQLite::Database reader(path_, SQLite::OPEN_READONLY);
  EXPECT_EQ(reader.execAndGet("PRAGMA integrity_check").getString(), "ok");
  EXPECT_EQ(reader.execAndGet("SELECT count(*) FROM t").getInt(), 2000);
  EXPECT_EQ(reader.execAndGet("SELECT count(*) FROM t WHERE b = zeroblob(3000)")
                .getInt(),
            2000 - 2000 / 7);
}

// What survives a crash right after COMMIT returns: the database and log
// files as they are (a copy, opened afresh, recovers from the log).
int64_t RowsAfterACrash(const ScopedTempDir& dir, const std::string& path) {
  const std::string copy = dir.File("crashed.sqlite");
  std::filesystem::copy_file(path, copy);
  std::filesystem::copy_file(path + "-wal", copy + "-wal");
  SQLite::Database db(copy, SQLite::OPEN_READWRITE);
  EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
  return db.execAndGet("SELECT count(*) FROM t").getInt64();
}

TEST(LogBufferVfsCrashTest, ACommitIsInTheLogFileWhenItReturns) {
  // Spilled pages rewritten before the commit make SQLite rewrite frame
  // checksums after the commit frame; in exclusive locking mode no barrier
  // follows. Either way, the commit must be in the file.
  for (const bool exclusive : {false, true}) {
    ScopedTempDir dir;
    const std::string path = dir.File("db.sqlite");
    SQLite::Database writer(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE,
                            0, LogBufferVfs());
    if (exclusive) writer.exec("PRAGMA locking_mode=EXCLUSIVE");
    writer.exec("PRAGMA journal_mode=WAL");
    writer.exec("PRAGMA synchronous=NORMAL");  // as RentWave's writer
    writer.exec("PRAGMA wal_autocheckpoint=0");
    writer.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB NOT NULL)");
    writer.exec("PRAGMA cache_size=10");
    writer.exec("BEGIN");
    for (int i = 0; i < 60; ++i) {
      writer.exec("INSERT INTO t(b) VALUES (randomblob(3000))");
    }
    writer.exec("UPDATE t SET b = randomblob(2900) WHERE id <= 30");
    writer.exec("COMMIT");
    EXPECT_EQ(RowsAfterACrash(dir, path), 60) << "exclusive=" << exclusive;
  }
}

TEST_F(LogBufferVfsTest, ARolledBackTransactionsFramesAreNeverWritten) {
  writer_->exec("PRAGMA cache_size=10");  // its pages go to the log early
  writer_->exec("BEGIN");
  for (int i = 0; i < 60; ++i) {
    writer_->exec("INSERT INTO t(b) VALUES (randomblob(3000))");
  }
  const LogBufferStats before = LogBufferTotals();
  writer_->exec("ROLLBACK");
  Commit(5);
  EXPECT_EQ(LogBufferTotals().writes - before.writes, 1);  // the commit's
  SQLite::Database reader(path_, SQLite::OPEN_READONLY);
  EXPECT_EQ(reader.execAndGet("SELECT count(*) FROM t").getInt(), 5);
  EXPECT_EQ(reader.execAndGet("PRAGMA integrity_check").getString(), "ok");
}

TEST_F(LogBufferVfsTest, AWriteThatFailsFailsItsCommitAndPublishesNothing) {
  Commit(10);
  SQLite::Database reader(path_, SQLite::OPEN_READONLY);
  // A transaction whose pages go to the log before it commits...
  writer_->exec("PRAGMA cache_size=10");
  writer_->exec("BEGIN");
  for (int i = 0; i < 60; ++i) {
    writer_->exec("INSERT INTO t(b) VALUES (randomblob(3000))");
  }
  // ...meets a log that may not grow past its size (EFBIG) now.
  signal(SIGXFSZ, SIG_IGN);
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &limit), 0);
  const rlimit unlimited = limit;
  limit.rlim_cur = std::filesystem::file_size(path_ + "-wal");
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &limit), 0);
  bool failed = false;
  try {
    writer_->exec("UPDATE t SET b = zeroblob(3000) WHERE id > 0");
    for (int i = 0; i < 10; ++i) {
      writer_->exec("INSERT INTO t(b) VALUES (randomblob(3000))");
    }
    writer_->exec("COMMIT");
  } catch (const SQLite::Exception&) {
    failed = true;
  }
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &unlimited), 0);
  EXPECT_TRUE(failed);
  // The whole transaction is gone, not just the statement that failed.
  EXPECT_NE(sqlite3_get_autocommit(writer_->getHandle()), 0);
  EXPECT_EQ(reader.execAndGet("SELECT count(*) FROM t").getInt(), 10);
  // The writer goes on from the last good commit.
  Commit(5);
  EXPECT_EQ(reader.execAndGet("SELECT count(*) FROM t").getInt(), 15);
  EXPECT_EQ(reader.execAndGet("PRAGMA integrity_check").getString(), "ok");
}

}  // namespace
}  // namespace rentwave::platform
