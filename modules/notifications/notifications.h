// The notifications module's public API: messages to users ("your item has
// been rented"), stored so that nothing is lost while a user is offline. The
// only header of this module other modules include.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/platform/clock.h"
#include "modules/platform/db.h"
#include "modules/platform/event_log.h"
#include "modules/platform/page_token.h"
#include "modules/platform/watchers.h"

namespace rentwave::notifications {

struct Notification {
  std::string id;
  std::string user_id;
  std::string kind;       // e.g. "rental.created"
  std::string text;       // for people
  std::string reference;  // e.g. "rental:<id>"
  bool read = false;
  absl::Time created;
};

using platform::PageRequest;

// A notification with its position in the user's feed (increasing in
// commit order).
struct FeedItem {
  int64_t position = 0;
  Notification notification;
};

struct NotificationPage {
  std::vector<Notification> notifications;
  std::string next_page_token;
};

class Notifications {
 public:
  // Loads (or creates) the page-token key. Errors: those of the database.
  static absl::StatusOr<std::unique_ptr<Notifications>> Open(
      platform::Database& db, platform::EventLog& events,
      const platform::Clock& clock);

  // Stores a notification for `user_id` inside the caller's write
  // transaction, with a notification.created event; live watchers hear of
  // it once the transaction commits.
  // Errors: INVALID_ARGUMENT (empty user, kind or text), those of the insert.
  absl::StatusOr<Notification> Notify(platform::Tx& tx,
                                      const std::string& user_id,
                                      const std::string& kind,
                                      const std::string& text,
                                      const std::string& reference);

  // The user's notifications, newest first; only unread ones if asked.
  // Errors: INVALID_ARGUMENT (page).
  absl::StatusOr<NotificationPage> List(const std::string& user_id,
                                        bool unread_only,
                                        const PageRequest& page) const;

  // Marks the user's notifications `ids` read (others' and unknown ids are
  // ignored), with a notification.read event if any changed; returns how
  // many changed. Errors: INVALID_ARGUMENT (more than 100 ids).
  absl::StatusOr<int> MarkRead(const std::string& user_id,
                               const std::vector<std::string>& ids);

  // The user's unread notifications with a feed position after `after`
  // (0: from the first), oldest first, at most `limit` (1-1000), each with
  // its position: what WatchNotifications replays, then reads again each
  // time Watch's listener fires. Errors: INVALID_ARGUMENT (user, limit).
  absl::StatusOr<std::vector<FeedItem>> UnreadAfter(const std::string& user_id,
                                                    int64_t after,
                                                    int limit) const;

  // Calls `listener` with every notification for `user_id` committed after
  // this call, until the returned handle is destroyed. `listener` runs on
  // the committing thread and must not block. Thread-safe.
  using Subscription = platform::Watchers<std::string, Notification>::Handle;
  std::unique_ptr<Subscription> Watch(
      const std::string& user_id,
      std::function<void(const Notification&)> listener);

  // All methods are thread-safe.

 private:
  Notifications(platform::Database& db, platform::EventLog& events,
                const platform::Clock& clock, std::string token_key);

  platform::Database& db_;
  platform::EventLog& events_;
  const platform::Clock& clock_;
  const platform::PageTokenCodec tokens_;
  platform::Watchers<std::string, Notification> watchers_;
};

}  // namespace rentwave::notifications
