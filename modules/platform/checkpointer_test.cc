// Tests for Checkpointer: the thread moves committed pages into the
// database file without the writer, woken as the log grows rather than
// by every commit, and a log the thread cannot keep up with is
// checkpointed by the committing writer.
#include "modules/platform/checkpointer.h"

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "modules/platform/scoped_temp_dir.h"

namespace rentwave::platform {
namespace {

class CheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.File("db.sqlite");
    writer_ = std::make_unique<SQLite::Database>(
        path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    writer_->exec("PRAGMA journal_mode=WAL");
    writer_->exec("CREATE TABLE blobs (b BLOB NOT NULL)");
    writer_->exec("PRAGMA wal_checkpoint(TRUNCATE)");  // the table, in the file
  }

  // One commit of about `pages` pages (4 KiB each) of new rows.
  void CommitPages(int pages) {
    writer_->exec("BEGIN");
    for (int i = 0; i < pages; ++i) {
      writer_->exec("INSERT INTO blobs VALUES (randomblob(4000))");
    }
    writer_->exec("COMMIT");
  }

  // Commits `pages` pages at a time until the thread has checkpointed, or
  // for 10 s. Waiting without committing could wait forever: a checkpoint
  // that meets a commit mid-way (SQLITE_BUSY) is not retried until the log
  // grows again.
  void CommitUntilBackgroundCheckpoint(const Checkpointer& checkpointer,
                                       int pages) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (checkpointer.stats().background == 0 &&
           std::chrono::steady_clock::now() < deadline) {
      CommitPages(pages);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  // Rows in the database file alone, without the log: what checkpoints
  // have copied into it.
  int64_t RowsInDatabaseFile() {
    const std::string copy = dir_.File("copy.sqlite");
    std::filesystem::copy_file(
        path_, copy, std::filesystem::copy_options::overwrite_existing);
    SQLite::Database db(copy, SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT count(*) FROM blobs").getInt64();
  }

  ScopedTempDir dir_;
  std::string path_;
  std::unique_ptr<SQLite::Database> writer_;
};

TEST_F(CheckpointerTest, TheThreadCopiesCommittedPagesWithoutTheWriter) {
  {
    Checkpointer checkpointer(*writer_, path_, /*synchronous_full=*/true,
                              /*wake_pages=*/20, /*inline_pages=*/1'000'000);
    checkpointer.Start();
    for (int i = 0; i < 5; ++i) CommitPages(10);
    CommitUntilBackgroundCheckpoint(checkpointer, 10);
    EXPECT_GE(checkpointer.stats().background, 1);
    EXPECT_EQ(checkpointer.stats().by_writer, 0);
  }  // the thread stopped: no checkpoint runs while the file is copied
  EXPECT_GE(RowsInDatabaseFile(), 20);
}

TEST_F(CheckpointerTest, TheThreadWakesOncePerGrowthNotPerCommit) {
  Checkpointer checkpointer(*writer_, path_, /*synchronous_full=*/false,
                            /*wake_pages=*/20, /*inline_pages=*/1'000'000);
  checkpointer.Start();
  for (int i = 0; i < 200; ++i) CommitPages(1);
  CommitUntilBackgroundCheckpoint(checkpointer, 1);
  int frames = 0, unused = 0;
  sqlite3_db_status(writer_->getHandle(), SQLITE_DBSTATUS_CACHE_WRITE, &frames,
                    &unused, /*resetFlg=*/0);
  EXPECT_GE(checkpointer.stats().background, 1);
  // Every commit from the 20th page on would wake it otherwise.
  EXPECT_LE(checkpointer.stats().background, frames / 20);
}

TEST_F(CheckpointerTest, ALogTooLongIsCheckpointedByTheCommittingWriter) {
  // No thread started: only the writer can checkpoint.
  Checkpointer checkpointer(*writer_, path_, /*synchronous_full=*/true,
                            /*wake_pages=*/20, /*inline_pages=*/40);
  CommitPages(10);
  EXPECT_EQ(checkpointer.stats().by_writer, 0);
  EXPECT_EQ(RowsInDatabaseFile(), 0);
  for (int i = 0; i < 4; ++i) CommitPages(10);
  EXPECT_GE(checkpointer.stats().by_writer, 1);
  EXPECT_EQ(checkpointer.stats().background, 0);
  EXPECT_GE(RowsInDatabaseFile(), 40);
}

TEST_F(CheckpointerTest, WithoutItSqliteCheckpointsAsBefore) {
  {
    Checkpointer checkpointer(*writer_, path_, /*synchronous_full=*/true,
                              /*wake_pages=*/1'000'000,
                              /*inline_pages=*/1'000'000);
    CommitPages(10);
  }
  // SQLite's own automatic checkpoint, at its default 1000 pages.
  CommitPages(1100);
  EXPECT_GE(RowsInDatabaseFile(), 1000);
}

}  // namespace
}  // namespace rentwave::platform
