#include "modules/notifications/notifications_store.h"

#include <SQLiteCpp/Statement.h>

#include "absl/strings/str_cat.h"
#include "modules/platform/statement_cache.h"

namespace rentwave::notifications::store {

using platform::FromMicros;
using platform::ToMicros;

std::string LoadOrStoreTokenKey(platform::Tx& tx, const std::string& fresh,
                                absl::Time now) {
  SQLite::Statement insert(
      tx.db(),
      "INSERT INTO notifications_settings(id, page_token_key, created_at_us) "
      "VALUES (1, ?, ?) ON CONFLICT(id) DO NOTHING");
  insert.bind(1, fresh.data(), static_cast<int>(fresh.size()));
  insert.bind(2, static_cast<int64_t>(ToMicros(now)));
  insert.exec();
  SQLite::Statement q(
      tx.db(),
      "SELECT page_token_key FROM notifications_settings WHERE id = 1");
  q.executeStep();
  const SQLite::Column key = q.getColumn(0);
  return std::string(static_cast<const char*>(key.getBlob()), key.getBytes());
}

int64_t Insert(platform::Tx& tx, const Notification& n) {
  platform::CachedStatement q(
      tx,
      "INSERT INTO notifications_items(id, user_id, kind, text, reference, "
      "read, created_at_us) VALUES (?, ?, ?, ?, ?, ?, ?)");
  q->bind(1, n.id);
  q->bind(2, n.user_id);
  q->bind(3, n.kind);
  q->bind(4, n.text);
  q->bind(5, n.reference);
  q->bind(6, n.read ? 1 : 0);
  q->bind(7, static_cast<int64_t>(ToMicros(n.created)));
  q->exec();
  return tx.db().getLastInsertRowid();
}

namespace {

// Reads rows of SELECT seq, id, kind, text, reference, read, created_at_us.
std::vector<FeedItem> ReadItems(SQLite::Statement& q,
                                const std::string& user_id) {
  std::vector<FeedItem> items;
  while (q.executeStep()) {
    FeedItem item;
    item.position = q.getColumn(0).getInt64();
    Notification& n = item.notification;
    n.id = q.getColumn(1).getString();
    n.user_id = user_id;
    n.kind = q.getColumn(2).getString();
    n.text = q.getColumn(3).getString();
    n.reference = q.getColumn(4).getString();
    n.read = q.getColumn(5).getInt() != 0;
    n.created = FromMicros(q.getColumn(6).getInt64());
    items.push_back(std::move(item));
  }
  return items;
}

constexpr char kColumns[] =
    "SELECT seq, id, kind, text, reference, read, created_at_us "
    "FROM notifications_items ";

}  // namespace

std::vector<FeedItem> List(platform::Tx& tx, const std::string& user_id,
                           bool unread_only, std::optional<int64_t> before_seq,
                           int limit) {
  // `read = 0` literally, so that the partial index applies.
  std::string sql = absl::StrCat(
      kColumns, "WHERE user_id = ?1", unread_only ? " AND read = 0" : "",
      before_seq ? " AND seq < ?2" : "", " ORDER BY seq DESC LIMIT ?3");
  SQLite::Statement q(tx.db(), sql);
  q.bind(1, user_id);
  if (before_seq) q.bind(2, static_cast<int64_t>(*before_seq));
  q.bind(3, limit);
  return ReadItems(q, user_id);
}

std::vector<FeedItem> UnreadAfter(platform::Tx& tx, const std::string& user_id,
                                  int64_t after_seq, int limit) {
  platform::CachedStatement q(
      tx, absl::StrCat(kColumns,
                       "WHERE user_id = ? AND read = 0 AND seq > ? "
                       "ORDER BY seq LIMIT ?"));
  q->bind(1, user_id);
  q->bind(2, static_cast<int64_t>(after_seq));
  q->bind(3, limit);
  return ReadItems(*q, user_id);
}

bool MarkRead(platform::Tx& tx, const std::string& user_id,
              const std::string& id) {
  SQLite::Statement q(tx.db(),
                      "UPDATE notifications_items SET read = 1 "
                      "WHERE id = ? AND user_id = ? AND read = 0");
  q.bind(1, id);
  q.bind(2, user_id);
  return q.exec() > 0;
}

}  // namespace rentwave::notifications::store
