// WAL checkpoints on a thread of their own. SQLite's automatic checkpoint
// runs inside the COMMIT that takes the log past its threshold: it copies
// the logged pages back into the database file and fsyncs it while every
// writer waits (a fifth of the late-fee timer's time in profiles). Here
// commits only signal; a thread with its own connection copies the pages
// without blocking the writer. Internal to Database.
#pragma once

#include <SQLiteCpp/Database.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace rentwave::platform {

struct CheckpointStats {
  int64_t background = 0;  // checkpoints run by the thread
  int64_t by_writer = 0;   // run by a commit because the log grew too long
};

class Checkpointer {
 public:
  // Takes over checkpointing for `writer`, a connection in WAL mode to the
  // database file `path`: each time the log has grown by `wake_pages`, the
  // thread checkpoints (PASSIVE: it never blocks the writer or readers),
  // copying each page once however often it changed meanwhile (waking
  // after every commit past the mark instead, it took a fifth of the
  // server's CPU under CreateRental load). A checkpoint cannot restart the log
  // while writes keep appending to it, so once it holds `inline_pages` the
  // committing writer checkpoints itself, as SQLite would by default, and
  // the log starts over. `synchronous_full` as for the writer. The thread
  // runs from Start(). Throws SQLite::Exception if the connection for the
  // thread cannot be opened.
  Checkpointer(SQLite::Database& writer, const std::string& path,
               bool synchronous_full, int wake_pages, int inline_pages);
  // Stops the thread and gives checkpointing back to SQLite.
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  void Start();

  CheckpointStats stats() const {
    return {background_.load(), by_writer_.load()};
  }

 private:
  // sqlite3_wal_hook's callback, on the committing thread.
  static int OnCommit(void* self, sqlite3* db, const char* schema, int pages);
  void Run();

  SQLite::Database& writer_;
  SQLite::Database own_;  // the thread's connection
  const int wake_pages_;
  const int inline_pages_;
  // The log's length at the last wake and at the last commit; writer's only.
  int woken_at_ = 0;
  int last_pages_ = 0;
  std::mutex mu_;
  std::condition_variable wake_;
  bool pending_ = false;  // guarded by mu_
  bool stop_ = false;     // guarded by mu_
  std::atomic<int64_t> background_{0};
  std::atomic<int64_t> by_writer_{0};
  std::thread thread_;
};

}  // namespace rentwave::platform
