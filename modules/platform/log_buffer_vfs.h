// A SQLite VFS for the writer connection that writes each commit's log
// frames with few system calls. SQLite appends a commit to the write-ahead
// log with two pwrite calls per page (frame header, then page): under
// CreateRental load, 23 system calls per rental inside the writer lock.
// Here the log's appends gather in memory and reach the file in writes of
// up to 124 KiB once the commit's last frame is complete, before the commit
// is published to other connections (so every reader, the checkpoint and
// the log sync find them in the file, as before). What SQLite writes, and
// where, is unchanged: only the number of system calls differs. A write
// that fails fails the transaction, as it would without the VFS. Internal
// to Database.
#pragma once

#include <cstdint>

namespace rentwave::platform {

// The name of the VFS, registered on first use (thread-safe). It wraps
// SQLite's default VFS; files other than write-ahead logs pass straight
// through. Pass it when opening a connection.
const char* LogBufferVfs();

struct LogBufferStats {
  int64_t appends = 0;  // log writes SQLite made through the VFS
  int64_t writes = 0;   // writes the VFS made to log files
};

// Totals over every connection opened with the VFS so far.
LogBufferStats LogBufferTotals();

}  // namespace rentwave::platform
