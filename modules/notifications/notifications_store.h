// All SQL of the notifications module; the only code naming notifications_*
// tables (notifications_items, notifications_settings). Functions throw
// SQLiteCpp exceptions on failure, which Database::Write/Read turn into
// statuses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "modules/notifications/notifications.h"
#include "modules/platform/db.h"

namespace rentwave::notifications::store {

// The stored page-token key, storing `fresh` first if there is none.
std::string LoadOrStoreTokenKey(platform::Tx& tx, const std::string& fresh,
                                absl::Time now);

// Inserts a new notification (its id must be new); returns its seq.
int64_t Insert(platform::Tx& tx, const Notification& notification);

// Up to `limit` of the user's notifications, newest first, unread ones only
// if asked, with a position (seq) below `before_seq` if given.
std::vector<FeedItem> List(platform::Tx& tx, const std::string& user_id,
                           bool unread_only, std::optional<int64_t> before_seq,
                           int limit);

// Up to `limit` of the user's unread notifications with a position (seq)
// above `after_seq`, oldest first.
std::vector<FeedItem> UnreadAfter(platform::Tx& tx, const std::string& user_id,
                                  int64_t after_seq, int limit);

// Marks the user's notification `id` read; returns whether it changed.
bool MarkRead(platform::Tx& tx, const std::string& user_id,
              const std::string& id);

}  // namespace rentwave::notifications::store
