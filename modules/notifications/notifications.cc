#include "modules/notifications/notifications.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "modules/notifications/notifications_store.h"
#include "modules/platform/json_object.h"
#include "modules/platform/random.h"
#include "modules/platform/status.h"

namespace rentwave::notifications {
namespace {

using platform::Tx;

constexpr size_t kTokenKeyBytes = 32;
constexpr size_t kMaxMarkRead = 100;
// The one sort order of notification pages (PageCursor::order).
constexpr int kNewestFirst = 0;

absl::StatusOr<int> ResolvePageSize(int page_size) {
  if (page_size == 0) return 20;
  if (page_size < 0 || page_size > 100) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: must be 0-100, not ", page_size));
  }
  return page_size;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Notifications>> Notifications::Open(
    platform::Database& db, platform::EventLog& events,
    const platform::Clock& clock) {
  platform::EnsureSodium();
  std::string fresh(kTokenKeyBytes, '\0');
  platform::RandomBytes(fresh.data(), fresh.size());
  std::string key;
  RW_RETURN_IF_ERROR(db.Write([&](Tx& tx) {
    key = store::LoadOrStoreTokenKey(tx, fresh, clock.Now());
    return absl::OkStatus();
  }));
  return std::unique_ptr<Notifications>(
      new Notifications(db, events, clock, std::move(key)));
}

Notifications::Notifications(platform::Database& db, platform::EventLog& events,
                             const platform::Clock& clock,
                             std::string token_key)
    : db_(db), events_(events), clock_(clock), tokens_(std::move(token_key)) {}

absl::StatusOr<Notification> Notifications::Notify(
    Tx& tx, const std::string& user_id, const std::string& kind,
    const std::string& text, const std::string& reference) {
  if (user_id.empty()) return absl::InvalidArgumentError("user_id: required");
  if (kind.empty()) return absl::InvalidArgumentError("kind: required");
  if (text.empty()) return absl::InvalidArgumentError("text: required");
  if (!tx.writable()) {
    return absl::InternalError("notifications: needs a write transaction");
  }
  Notification n;
  n.created = clock_.Now();
  n.id = platform::NewId(n.created);
  n.user_id = user_id;
  n.kind = kind;
  n.text = text;
  n.reference = reference;
  store::Insert(tx, n);
  RW_RETURN_IF_ERROR(events_.Append(tx, "notification.created", n.id, "",
                                    platform::JsonObject()
                                        .Add("user_id", n.user_id)
                                        .Add("kind", n.kind)
                                        .Add("reference", n.reference)
                                        .Done()));
  // Watchers hear only of what is durable.
  tx.OnCommit([this, n] { watchers_.Publish(n.user_id, n); });
  return n;
}

absl::StatusOr<NotificationPage> Notifications::List(
    const std::string& user_id, bool unread_only,
    const PageRequest& page) const {
  if (user_id.empty()) return absl::InvalidArgumentError("user_id: required");
  RW_ASSIGN_OR_RETURN(int size, ResolvePageSize(page.page_size));
  const std::string context =
      absl::StrCat(user_id, "/", unread_only ? "unread" : "all");
  std::optional<int64_t> before;
  if (!page.page_token.empty()) {
    RW_ASSIGN_OR_RETURN(platform::PageCursor cursor,
                        tokens_.Decode(page.page_token, context, clock_.Now()));
    if (cursor.order != kNewestFirst) {
      return absl::InvalidArgumentError(
          "page_token: not issued for this request");
    }
    before = cursor.primary;
  }
  std::vector<FeedItem> rows;
  RW_RETURN_IF_ERROR(db_.Read([&](Tx& tx) {
    // One more than a page tells whether another page follows.
    rows = store::List(tx, user_id, unread_only, before, size + 1);
    return absl::OkStatus();
  }));
  NotificationPage result;
  if (rows.size() > static_cast<size_t>(size)) {
    rows.pop_back();
    result.next_page_token = tokens_.Encode(
        platform::PageCursor{kNewestFirst, rows.back().position,
                             rows.back().notification.id, clock_.Now()},
        context);
  }
  for (FeedItem& row : rows) {
    result.notifications.push_back(std::move(row.notification));
  }
  return result;
}

absl::StatusOr<int> Notifications::MarkRead(
    const std::string& user_id, const std::vector<std::string>& ids) {
  if (user_id.empty()) return absl::InvalidArgumentError("user_id: required");
  if (ids.size() > kMaxMarkRead) {
    return absl::InvalidArgumentError(
        absl::StrCat("ids: at most ", kMaxMarkRead, " at once"));
  }
  const absl::flat_hash_set<std::string> unique(ids.begin(), ids.end());
  int changed = 0;
  RW_RETURN_IF_ERROR(db_.Write([&](Tx& tx) {
    nlohmann::json marked = nlohmann::json::array();
    for (const std::string& id : unique) {
      if (!id.empty() && store::MarkRead(tx, user_id, id)) marked.push_back(id);
    }
    changed = static_cast<int>(marked.size());
    if (marked.empty()) return absl::OkStatus();
    return events_.Append(tx, "notification.read", user_id, user_id,
                          nlohmann::json{{"ids", marked}}.dump());
  }));
  return changed;
}

absl::StatusOr<std::vector<FeedItem>> Notifications::UnreadAfter(
    const std::string& user_id, int64_t after, int limit) const {
  if (user_id.empty()) return absl::InvalidArgumentError("user_id: required");
  if (limit < 1 || limit > 1000) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit: must be 1-1000, not ", limit));
  }
  std::vector<FeedItem> items;
  RW_RETURN_IF_ERROR(db_.Read([&](Tx& tx) {
    items = store::UnreadAfter(tx, user_id, after, limit);
    return absl::OkStatus();
  }));
  return items;
}

std::unique_ptr<Notifications::Subscription> Notifications::Watch(
    const std::string& user_id,
    std::function<void(const Notification&)> listener) {
  return watchers_.Add(user_id, std::move(listener));
}

}  // namespace rentwave::notifications
