// Tests for Notifications: stored inside the caller's transaction, paged
// newest first with an unread filter, marked read per user, and watched
// live after commit; on SQLite with the real migrations applied.
#include "modules/notifications/notifications.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "modules/platform/clock.h"
#include "modules/platform/db.h"
#include "modules/platform/event_log.h"
#include "modules/platform/scoped_temp_dir.h"
#include "modules/platform/test_database.h"

namespace rentwave::notifications {
namespace {

using platform::Tx;

constexpr char kAlice[] = "01ALICE";
constexpr char kBob[] = "01BOB";

class NotificationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    db_ = platform::OpenMigratedForTest(dir_.File("n.db"), clock_);
    ASSERT_NE(db_, nullptr);
    events_ = std::make_unique<platform::EventLog>(*db_, clock_);
    auto n = Notifications::Open(*db_, *events_, clock_);
    ASSERT_TRUE(n.ok()) << n.status();
    notifications_ = *std::move(n);
  }

  Notification MustNotify(const std::string& user, const std::string& text) {
    Notification made;
    absl::Status status = db_->Write([&](Tx& tx) -> absl::Status {
      auto n =
          notifications_->Notify(tx, user, "rental.created", text, "rental:1");
      if (n.ok()) made = *n;
      return n.status();
    });
    EXPECT_TRUE(status.ok()) << status;
    clock_.Advance(absl::Seconds(1));
    return made;
  }

  std::vector<std::string> Texts(const std::string& user, bool unread_only,
                                 int page_size = 2) {
    std::vector<std::string> texts;
    std::string token;
    do {
      auto page = notifications_->List(user, unread_only, {page_size, token});
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (const Notification& n : page->notifications) {
        texts.push_back(n.text);
      }
      token = page->next_page_token;
    } while (!token.empty());
    return texts;
  }

  platform::ScopedTempDir dir_;
  platform::ManualClock clock_;
  std::unique_ptr<platform::Database> db_;
  std::unique_ptr<platform::EventLog> events_;
  std::unique_ptr<Notifications> notifications_;
};

TEST_F(NotificationsTest, ListsNewestFirstAndMarksRead) {
  std::vector<Notification> made;
  for (int i = 0; i < 5; ++i)
    made.push_back(MustNotify(kAlice, absl::StrCat("n", i)));
  MustNotify(kBob, "bob's");
  EXPECT_EQ(Texts(kAlice, false),
            (std::vector<std::string>{"n4", "n3", "n2", "n1", "n0"}));
  EXPECT_EQ(Texts(kBob, false), std::vector<std::string>{"bob's"});
  // Bob cannot mark Alice's; unknown ids are ignored; repeats count once.
  auto bob = notifications_->MarkRead(kBob, {made[0].id});
  ASSERT_TRUE(bob.ok());
  EXPECT_EQ(*bob, 0);
  auto marked = notifications_->MarkRead(
      kAlice, {made[1].id, made[3].id, made[3].id, "nope"});
  ASSERT_TRUE(marked.ok()) << marked.status();
  EXPECT_EQ(*marked, 2);
  EXPECT_EQ(Texts(kAlice, true), (std::vector<std::string>{"n4", "n2", "n0"}));
  auto again = notifications_->MarkRead(kAlice, {made[1].id});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  // Each notification was an event.
  auto created = events_->Read(0, {"notification.created"}, 100);
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_EQ(created->size(), 6u);
  EXPECT_EQ((*created)[0].aggregate_id, made[0].id);
  EXPECT_NE((*created)[0].payload.find(kAlice), std::string::npos);
  // One event for the call that changed something, naming what it changed.
  auto events = events_->Read(0, {"notification.read"}, 10);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].aggregate_id, kAlice);
  EXPECT_NE((*events)[0].payload.find(made[3].id), std::string::npos);
  EXPECT_EQ((*events)[0].payload.find(made[0].id), std::string::npos);
  auto page = notifications_->List(kAlice, false, {1, ""});
  ASSERT_TRUE(page.ok());
  EXPECT_FALSE(page->notifications[0].read);
  EXPECT_EQ(page->notifications[0].kind, "rental.created");
  EXPECT_EQ(page->notifications[0].reference, "rental:1");
}

TEST_F(NotificationsTest, RejectsBadInput) {
  using C = absl::StatusCode;
  EXPECT_EQ(notifications_->List(kAlice, false, {101, ""}).status().code(),
            C::kInvalidArgument);
  EXPECT_EQ(notifications_->List(kAlice, false, {-1, ""}).status().code(),
            C::kInvalidArgument);
  EXPECT_EQ(notifications_->List(kAlice, false, {0, "garbage"}).status().code(),
            C::kInvalidArgument);
  // A token is bound to its user and filter.
  for (int i = 0; i < 3; ++i) MustNotify(kAlice, "x");
  auto page = notifications_->List(kAlice, false, {1, ""});
  ASSERT_TRUE(page.ok());
  ASSERT_FALSE(page->next_page_token.empty());
  EXPECT_EQ(notifications_->List(kBob, false, {1, page->next_page_token})
                .status()
                .code(),
            C::kInvalidArgument);
  EXPECT_EQ(notifications_->List(kAlice, true, {1, page->next_page_token})
                .status()
                .code(),
            C::kInvalidArgument);
  EXPECT_EQ(notifications_->MarkRead(kAlice, std::vector<std::string>(101, "a"))
                .status()
                .code(),
            C::kInvalidArgument);
  absl::Status empty = db_->Write([&](Tx& tx) {
    return notifications_->Notify(tx, kAlice, "k", "", "").status();
  });
  EXPECT_EQ(empty.code(), C::kInvalidArgument);
}

TEST_F(NotificationsTest, UnreadAfterReadsTheFeedOldestFirstFromAPosition) {
  std::vector<Notification> made;
  for (int i = 0; i < 5; ++i)
    made.push_back(MustNotify(kAlice, absl::StrCat("n", i)));
  MustNotify(kBob, "bob's");
  ASSERT_TRUE(notifications_->MarkRead(kAlice, {made[1].id}).ok());
  auto first = notifications_->UnreadAfter(kAlice, 0, 2);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].notification.text, "n0");
  EXPECT_EQ((*first)[1].notification.text, "n2");  // n1 is read
  EXPECT_LT((*first)[0].position, (*first)[1].position);
  auto rest = notifications_->UnreadAfter(kAlice, (*first)[1].position, 10);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ((*rest)[0].notification.text, "n3");
  EXPECT_EQ((*rest)[1].notification.text, "n4");
  auto none = notifications_->UnreadAfter(kAlice, (*rest)[1].position, 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(notifications_->UnreadAfter(kAlice, 0, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(notifications_->UnreadAfter("", 0, 1).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(NotificationsTest, WatchersHearOnlyCommittedNotificationsOfTheirUser) {
  std::vector<std::string> heard;
  auto watch = notifications_->Watch(
      kAlice, [&](const Notification& n) { heard.push_back(n.text); });
  MustNotify(kAlice, "one");
  MustNotify(kBob, "not alice's");
  // Rolled back: never heard of, never stored.
  absl::Status rolled_back = db_->Write([&](Tx& tx) -> absl::Status {
    auto n = notifications_->Notify(tx, kAlice, "k", "rolled back", "");
    if (!n.ok()) return n.status();
    return absl::AbortedError("changed my mind");
  });
  EXPECT_EQ(rolled_back.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(heard, std::vector<std::string>{"one"});
  EXPECT_EQ(Texts(kAlice, false), std::vector<std::string>{"one"});
  watch.reset();
  MustNotify(kAlice, "two");
  EXPECT_EQ(heard, std::vector<std::string>{"one"});
}

}  // namespace
}  // namespace rentwave::notifications
