#include "modules/platform/log_buffer_vfs.h"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <new>
#include <string>
#include <vector>

namespace rentwave::platform {
namespace {

// The write-ahead log's layout (https://www.sqlite.org/fileformat2.html):
// a 32-byte file header, then frames of a 24-byte header and a page. A
// frame header's bytes 4-7 hold, for a commit's last frame, the database
// size in pages after the commit, and 0 otherwise.
constexpr sqlite3_int64 kLogHeaderBytes = 32;
constexpr int kFrameHeaderBytes = 24;
constexpr int kWriteLock = 0;  // the log's write lock, in the wal-index
// Appends are written out at the latest once this many bytes gather (a
// commit of a thousand pages needs no 4 MiB of memory).
constexpr size_t kMaxPendingBytes = 1 << 20;
// The default VFS writes at most 128 KiB - 1 bytes a call (it masks the
// length): larger writes go out in pieces of this size.
constexpr size_t kMaxWriteBytes = 124 * 1024;

std::atomic<int64_t> appends{0};
std::atomic<int64_t> writes{0};

// A log's appends not yet in the file: `bytes`, to go at offset `start`.
struct Pending {
  sqlite3_int64 start = 0;
  std::string bytes;
  bool commit_frame = false;  // the last append was a commit frame's header
  // The transaction's commit frame is written: what it writes until it
  // ends (checksums rewritten, padding) goes straight to the file, so that
  // nothing of a commit waits for the barrier (nor, in exclusive locking
  // mode, where there is none, is left out).
  bool committed = false;

  // Forgets what was gathered (keeping the memory for the next commit).
  void Drop() {
    bytes.clear();
    commit_frame = committed = false;
  }
};

// What SQLite allocates for each file opened through the VFS (szOsFile):
// this, then the default VFS's own file.
struct File {
  sqlite3_file base;
  sqlite3_file* real;
  // Log files whose main database is open through the VFS: their appends
  // not yet written. Null for every other file.
  Pending* pending;
  // Main database files: the name SQLite opened them by, and their log
  // while it is open (through the VFS).
  const char* name;
  File* log;
  File* main;  // log files: their main database file
};

sqlite3_vfs* default_vfs = nullptr;
std::mutex mains_mu;
std::vector<File*> mains;  // guarded by mains_mu: main files open

const sqlite3_io_methods* Real(File* f) { return f->real->pMethods; }

File* Of(sqlite3_file* file) { return reinterpret_cast<File*>(file); }

// Writes what a log has gathered to its file. A failure keeps it all
// gathered, to be written before the commit it belongs to is published or
// dropped when its transaction ends (see ShmLock), and is reported as a
// failed write, whichever call met it: SQLite then rolls the whole
// transaction back (SQLITE_FULL from a read would undo only the statement,
// and a later commit would publish frames never written).
int Flush(File* f) {
  Pending& p = *f->pending;
  for (size_t done = 0; done < p.bytes.size();) {
    const size_t n = std::min(kMaxWriteBytes, p.bytes.size() - done);
    ++writes;
    if (Real(f)->xWrite(f->real, p.bytes.data() + done, static_cast<int>(n),
                        p.start + static_cast<sqlite3_int64>(done)) !=
        SQLITE_OK) {
      return SQLITE_IOERR_WRITE;
    }
    done += n;
  }
  p.bytes.clear();
  p.commit_frame = false;
  return SQLITE_OK;
}

int Close(sqlite3_file* file) {
  File* f = Of(file);
  int rc = SQLITE_OK;
  if (f->pending != nullptr) {
    rc = Flush(f);
    std::lock_guard<std::mutex> lock(mains_mu);
    if (f->main != nullptr) f->main->log = nullptr;
    delete f->pending;
  }
  if (f->name != nullptr) {
    std::lock_guard<std::mutex> lock(mains_mu);
    if (auto it = std::find(mains.begin(), mains.end(), f); it != mains.end()) {
      mains.erase(it);
    }
  }
  const int closed = Real(f)->xClose(f->real);
  return rc != SQLITE_OK ? rc : closed;
}

// Reads what was gathered from memory, and the rest from the file: a read
// never writes (so never fails for want of space).
int Read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  File* f = Of(file);
  if (f->pending != nullptr && !f->pending->bytes.empty()) {
    const Pending& p = *f->pending;
    const sqlite3_int64 end =
        p.start + static_cast<sqlite3_int64>(p.bytes.size());
    if (offset >= p.start && offset + amount <= end) {
      p.bytes.copy(static_cast<char*>(out), static_cast<size_t>(amount),
                   static_cast<size_t>(offset - p.start));
      return SQLITE_OK;
    }
    if (offset < end && offset + amount > p.start) {
      // Part in memory, part in the file: never seen from SQLite.
      if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
    }
  }
  return Real(f)->xRead(f->real, out, amount, offset);
}

int Write(sqlite3_file* file, const void* data, int amount,
          sqlite3_int64 offset) {
  File* f = Of(file);
  if (f->pending == nullptr) {
    return Real(f)->xWrite(f->real, data, amount, offset);
  }
  ++appends;
  Pending& p = *f->pending;
  if (p.committed) {
    if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
    return Real(f)->xWrite(f->real, data, amount, offset);
  }
  if (!p.bytes.empty() &&
      offset != p.start + static_cast<sqlite3_int64>(p.bytes.size())) {
    if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
  }
  if (p.bytes.empty()) p.start = offset;
  const auto* bytes = static_cast<const unsigned char*>(data);
  try {
    p.bytes.append(reinterpret_cast<const char*>(bytes),
                   static_cast<size_t>(amount));
  } catch (const std::bad_alloc&) {
    return SQLITE_IOERR_NOMEM;
  }
  // The page after a commit frame's header completes the commit: it goes
  // out now, so that a failure is this write's (and the commit's) error.
  const bool completes_commit = p.commit_frame;
  p.commit_frame = amount == kFrameHeaderBytes && offset >= kLogHeaderBytes &&
                   (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
  p.committed = completes_commit;
  if (completes_commit || p.bytes.size() >= kMaxPendingBytes) return Flush(f);
  return SQLITE_OK;
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  File* f = Of(file);
  if (f->pending != nullptr && !f->pending->bytes.empty()) {
    if (size <= f->pending->start) {
      f->pending->bytes.clear();  // all of it past the new end
    } else if (const int rc = Flush(f); rc != SQLITE_OK) {
      return rc;
    }
  }
  return Real(f)->xTruncate(f->real, size);
}

int Sync(sqlite3_file* file, int flags) {
  File* f = Of(file);
  if (f->pending != nullptr) {
    if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
  }
  return Real(f)->xSync(f->real, flags);
}

// The size the file will have once what was gathered is written.
int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  File* f = Of(file);
  const int rc = Real(f)->xFileSize(f->real, size);
  if (rc == SQLITE_OK && f->pending != nullptr && !f->pending->bytes.empty()) {
    *size = std::max(*size, f->pending->start + static_cast<sqlite3_int64>(
                                                    f->pending->bytes.size()));
  }
  return rc;
}

int Lock(sqlite3_file* file, int level) {
  return Real(Of(file))->xLock(Of(file)->real, level);
}
int Unlock(sqlite3_file* file, int level) {
  return Real(Of(file))->xUnlock(Of(file)->real, level);
}
int CheckReservedLock(sqlite3_file* file, int* out) {
  return Real(Of(file))->xCheckReservedLock(Of(file)->real, out);
}
int FileControl(sqlite3_file* file, int op, void* arg) {
  return Real(Of(file))->xFileControl(Of(file)->real, op, arg);
}
int SectorSize(sqlite3_file* file) {
  return Real(Of(file))->xSectorSize(Of(file)->real);
}
int DeviceCharacteristics(sqlite3_file* file) {
  return Real(Of(file))->xDeviceCharacteristics(Of(file)->real);
}
int ShmMap(sqlite3_file* file, int region, int size, int extend,
           void volatile** out) {
  return Real(Of(file))->xShmMap(Of(file)->real, region, size, extend, out);
}
int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  File* f = Of(file);
  // The first lock is the log's write lock (WAL_WRITE_LOCK, see
  // https://www.sqlite.org/walformat.html): released, the transaction has
  // ended. Its frames went out when it committed, so whatever is still
  // gathered belongs to one rolled back, past the end of the log.
  if (offset == kWriteLock && (flags & SQLITE_SHM_UNLOCK) != 0 &&
      f->log != nullptr) {
    f->log->pending->Drop();
  }
  return Real(f)->xShmLock(f->real, offset, n, flags);
}

void ShmBarrier(sqlite3_file* file) {
  // SQLite publishes a commit to other connections right after this
  // barrier. The commit's frames went out with its last one; should any
  // append still wait, it must reach the file first, and if it cannot, the
  // commit must never be published.
  File* f = Of(file);
  if (f->log != nullptr && Flush(f->log) != SQLITE_OK) {
    spdlog::critical(
        "writing the write-ahead log failed at a commit, stopping: the "
        "commit must not be published");
    spdlog::default_logger()->flush();
    std::abort();
  }
  Real(f)->xShmBarrier(f->real);
}

int ShmUnmap(sqlite3_file* file, int delete_flag) {
  return Real(Of(file))->xShmUnmap(Of(file)->real, delete_flag);
}
int Fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  return Real(Of(file))->xFetch(Of(file)->real, offset, amount, out);
}
int Unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  return Real(Of(file))->xUnfetch(Of(file)->real, offset, page);
}

const sqlite3_io_methods kMethods = {
    3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    ShmMap,
    ShmLock,
    ShmBarrier,
    ShmUnmap,
    Fetch,
    Unfetch,
};

int Open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags,
         int* out_flags) {
  File* f = Of(file);
  *f = File{};
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  const int rc =
      default_vfs->xOpen(default_vfs, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK) return rc;  // base.pMethods stays null: no xClose
  if (Real(f)->iVersion < 3) {
    // Shared memory is what the log needs; a default VFS without it would
    // not run a log at all.
    Real(f)->xClose(f->real);
    return SQLITE_CANTOPEN;
  }
  f->base.pMethods = &kMethods;
  if ((flags & SQLITE_OPEN_MAIN_DB) != 0 && name != nullptr) {
    std::lock_guard<std::mutex> lock(mains_mu);
    try {
      mains.push_back(f);
    } catch (const std::bad_alloc&) {
      Real(f)->xClose(f->real);
      f->base.pMethods = nullptr;
      return SQLITE_NOMEM;
    }
    f->name = name;
  } else if ((flags & SQLITE_OPEN_WAL) != 0 && name != nullptr) {
    // SQLite names a log by the very pointer sqlite3_filename_wal returns
    // for its database. Appends are gathered only for a log whose
    // database's barrier can write them out.
    std::lock_guard<std::mutex> lock(mains_mu);
    for (File* m : mains) {
      if (m->log == nullptr && sqlite3_filename_wal(m->name) == name) {
        f->pending = new (std::nothrow) Pending;
        if (f->pending == nullptr) return SQLITE_OK;  // writes unbuffered
        f->main = m;
        m->log = f;
        break;
      }
    }
  }
  return SQLITE_OK;
}

}  // namespace

const char* LogBufferVfs() {
  static const char* const name = [] {
    default_vfs = sqlite3_vfs_find(nullptr);
    static sqlite3_vfs vfs = *default_vfs;
    vfs.pNext = nullptr;
    vfs.zName = "rentwave-log-buffer";
    vfs.szOsFile = static_cast<int>(sizeof(File)) + default_vfs->szOsFile;
    vfs.xOpen = Open;
    sqlite3_vfs_register(&vfs, /*makeDflt=*/0);
    return vfs.zName;
  }();
  return name;
}

LogBufferStats LogBufferTotals() { return {appends.load(), writes.load()}; }

}  // namespace rentwave::platform
