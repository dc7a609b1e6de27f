// The notifications module's public API: messages to users ("your item has
// been rented"), stored so that nothing is lost while a user is offline. The
// only header of this module other modules include.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "modules/platform/clock.h"
#include "modules/platform/db.h"
#include "modules/platform/page_token.h"

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

struct NotificationPage {
  std::vector<Notification> notifications;
  std::string next_page_token;
};

class Notifications {
 public:
  // Loads (or creates) the page-token key. Errors: those of the database.
  static absl::StatusOr<std::unique_ptr<Notifications>> Open(
      platform::Database& db, const platform::Clock& clock);

  // Stores a notification for `user_id` inside the caller's write
  // transaction; live watchers hear of it once the transaction commits.
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
  // ignored); returns how many changed. Errors: INVALID_ARGUMENT (more than
  // 100 ids).
  absl::StatusOr<int> MarkRead(const std::string& user_id,
                               const std::vector<std::string>& ids);

  // Calls `listener` with every notification for `user_id` committed after
  // this call, until the returned handle is destroyed. `listener` runs on
  // the committing thread and must not block. Thread-safe.
  class Subscription;
  std::unique_ptr<Subscription> Watch(
      const std::string& user_id,
      std::function<void(const Notification&)> listener);

  // All methods are thread-safe.

 private:
  Notifications(platform::Database& db, const platform::Clock& clock,
                std::string token_key);
  void Unwatch(const std::string& user_id, int64_t watch_id);
  // Delivers a committed notification to its user's watchers.
  void Publish(const Notification& notification);

  platform::Database& db_;
  const platform::Clock& clock_;
  const platform::PageTokenCodec tokens_;
  absl::Mutex mu_;
  int64_t next_watch_id_ ABSL_GUARDED_BY(mu_) = 0;
  // user id -> watch id -> listener.
  absl::flat_hash_map<
      std::string,
      absl::flat_hash_map<int64_t, std::function<void(const Notification&)>>>
      watchers_ ABSL_GUARDED_BY(mu_);
};

// A live Watch; destroying it stops the listener (waiting for a call in
// progress to finish). Must not outlive the Notifications that made it.
class Notifications::Subscription {
 public:
  ~Subscription() { owner_.Unwatch(user_id_, id_); }
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

 private:
  friend class Notifications;
  Subscription(Notifications& owner, std::string user_id, int64_t id)
      : owner_(owner), user_id_(std::move(user_id)), id_(id) {}
  Notifications& owner_;
  std::string user_id_;
  int64_t id_;
};

}  // namespace rentwave::notifications
