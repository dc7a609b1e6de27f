#include "modules/platform/checkpointer.h"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

namespace rentwave::platform {

Checkpointer::Checkpointer(SQLite::Database& writer, const std::string& path,
                           bool synchronous_full, int wake_pages,
                           int inline_pages)
    : writer_(writer),
      own_(path, SQLite::OPEN_READWRITE | SQLite::OPEN_NOMUTEX),
      wake_pages_(wake_pages),
      inline_pages_(inline_pages) {
  // The checkpoint fsyncs the database file per this setting.
  own_.exec(synchronous_full ? "PRAGMA synchronous=FULL"
                             : "PRAGMA synchronous=NORMAL");
  // A first read opens the connection's view of the log, which a
  // checkpoint needs.
  own_.exec("SELECT count(*) FROM sqlite_master");
  // Replaces SQLite's automatic checkpoint, which is itself a WAL hook.
  sqlite3_wal_hook(writer_.getHandle(), &Checkpointer::OnCommit, this);
}

Checkpointer::~Checkpointer() {
  sqlite3_wal_autocheckpoint(writer_.getHandle(), 1000);  // its default
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Checkpointer::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!thread_.joinable() && !stop_) thread_ = std::thread([this] { Run(); });
}

int Checkpointer::OnCommit(void* self, sqlite3* db, const char* schema,
                           int pages) {
  auto* me = static_cast<Checkpointer*>(self);
  if (pages >= me->inline_pages_) {
    // The writer holds the write lock: nothing appends meanwhile, so this
    // copies everything and the next write starts the log over. Busy
    // (the thread is mid-checkpoint) just means next commit tries again.
    const int rc = sqlite3_wal_checkpoint_v2(
        db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    if (rc == SQLITE_OK) ++me->by_writer_;
    return SQLITE_OK;
  }
  // The log grows until it starts over: the thread is woken each time it
  // has grown by wake_pages, not after every commit past them.
  if (pages < me->last_pages_) me->woken_at_ = 0;  // the log started over
  me->last_pages_ = pages;
  if (pages - me->woken_at_ >= me->wake_pages_) {
    me->woken_at_ = pages;
    {
      std::lock_guard<std::mutex> lock(me->mu_);
      me->pending_ = true;
    }
    me->wake_.notify_one();
  }
  return SQLITE_OK;
}

void Checkpointer::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stop_ || pending_; });
    if (stop_) return;
    pending_ = false;
    lock.unlock();
    const int rc = sqlite3_wal_checkpoint_v2(
        own_.getHandle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    if (rc == SQLITE_OK) {
      ++background_;
    } else if (rc != SQLITE_BUSY) {
      // The log keeps growing until a commit checkpoints it inline.
      spdlog::warn("background checkpoint failed: {}",
                   sqlite3_errmsg(own_.getHandle()));
    }
    lock.lock();
  }
}

}  // namespace rentwave::platform
