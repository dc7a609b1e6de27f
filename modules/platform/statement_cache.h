// Prepared statements cached per SQLite connection, so that a hot query is
// parsed and planned once per connection instead of on every call (for a
// point lookup such as users' FindById, preparing costs several times more
// than running the statement). Database keeps one cache per connection and
// hands it out through Tx; stores borrow statements with CachedStatement.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "modules/platform/db.h"

namespace rentwave::platform {

// The statements prepared on one connection, by SQL text. Not thread-safe:
// like its connection, it is used by one thread at a time. Destroying it
// finalizes its statements, so it must go before its connection closes.
class StatementCache {
 public:
  struct Entry {
    SQLite::Statement statement;
    bool in_use = false;  // borrowed by a CachedStatement
  };

  StatementCache() = default;
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  // The entry for `sql` on `db` (the connection this cache belongs to),
  // prepared on first use. Throws SQLite::Exception if `sql` does not
  // prepare, as SQLite::Statement does.
  Entry& Find(const SQLite::Database& db, absl::string_view sql) {
    auto it = entries_.find(sql);
    if (it == entries_.end()) {
      auto entry = std::make_unique<Entry>(
          Entry{SQLite::Statement(db, std::string(sql))});
      it = entries_.emplace(std::string(sql), std::move(entry)).first;
    }
    return *it->second;
  }

  size_t size() const { return entries_.size(); }

 private:
  absl::flat_hash_map<std::string, std::unique_ptr<Entry>> entries_;
};

// A prepared statement borrowed from the cache of its connection for one
// use, e.g. in a store:
//   CachedStatement q(tx, "SELECT ... WHERE id = ?");
//   q->bind(1, id);
//   if (q->executeStep()) ...
// Going out of scope resets it (ending its read of the snapshot) and clears
// its bindings. Not thread-safe, like the connection.
class CachedStatement {
 public:
  // Throws SQLite::Exception if `sql` does not prepare. If the cached
  // statement for `sql` is already borrowed (a nested use on the same
  // connection), this one is prepared afresh and finalized at the end.
  CachedStatement(Tx& tx, absl::string_view sql)
      : CachedStatement(tx.db(), tx.statements(), sql) {}
  // The same on `db` with its cache `cache`.
  CachedStatement(const SQLite::Database& db, StatementCache& cache,
                  absl::string_view sql) {
    StatementCache::Entry& entry = cache.Find(db, sql);
    if (entry.in_use) {
      own_ = std::make_unique<SQLite::Statement>(db, std::string(sql));
      statement_ = own_.get();
    } else {
      entry.in_use = true;
      entry_ = &entry;
      statement_ = &entry.statement;
    }
  }
  CachedStatement(const CachedStatement&) = delete;
  CachedStatement& operator=(const CachedStatement&) = delete;

  ~CachedStatement() {
    if (entry_ == nullptr) return;
    entry_->statement.tryReset();  // its error was reported by the last step
    try {
      entry_->statement.clearBindings();
    } catch (...) {
      // sqlite3_clear_bindings cannot fail; nothing to do if it ever does.
    }
    entry_->in_use = false;
  }

  SQLite::Statement& operator*() const { return *statement_; }
  SQLite::Statement* operator->() const { return statement_; }

 private:
  StatementCache::Entry* entry_ = nullptr;  // when borrowed from the cache
  std::unique_ptr<SQLite::Statement> own_;  // when the cached one was busy
  SQLite::Statement* statement_ = nullptr;
};

}  // namespace rentwave::platform
