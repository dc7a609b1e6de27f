// The live streams against the real binary: WatchNotifications (replay of
// unread ones, then live pushes) and the administrators' event log
// (ListEvents pages, TailEvents replay then live, in commit order), over
// gRPC and REST (NDJSON); who may read them; cancellation and shutdown
// ending them.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "rentwave/v1/events.grpc.pb.h"
#include "tests/blackbox/rentals_fixture.h"
#include "tests/blackbox/rest_client.h"

namespace rentwave::blackbox {
namespace {

using EventsStub = v1::Events::Stub;
using std::chrono::seconds;

// Reads a server stream on its own thread; the test polls what arrived.
template <typename Message>
class StreamReader {
 public:
  using Open = std::function<std::unique_ptr<grpc::ClientReader<Message>>(
      grpc::ClientContext*)>;
  StreamReader(const std::string& authorization, const Open& open) {
    context_.AddMetadata("authorization", authorization);
    reader_ = open(&context_);
    thread_ = std::thread([this] {
      Message m;
      while (reader_->Read(&m)) {
        std::lock_guard<std::mutex> lock(mu_);
        messages_.push_back(m);
      }
      grpc::Status status = reader_->Finish();
      std::lock_guard<std::mutex> lock(mu_);
      status_ = status;
      done_ = true;
    });
  }
  ~StreamReader() {
    context_.TryCancel();
    thread_.join();
  }
  std::vector<Message> messages() {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_;
  }
  // Waits (up to 10 s) for at least `n` messages; returns what came.
  std::vector<Message> WaitForCount(size_t n) {
    WaitFor([&] { return messages().size() >= n; }, seconds(10));
    return messages();
  }
  // Waits (up to 10 s) for the end of the stream; returns its status.
  grpc::Status WaitForEnd() {
    bool ended = WaitFor(
        [&] {
          std::lock_guard<std::mutex> lock(mu_);
          return done_;
        },
        seconds(10));
    EXPECT_TRUE(ended);
    std::lock_guard<std::mutex> lock(mu_);
    return status_;
  }
  void Cancel() { context_.TryCancel(); }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<Message>> reader_;
  std::mutex mu_;
  std::vector<Message> messages_;
  grpc::Status status_;
  bool done_ = false;
  std::thread thread_;
};

std::vector<std::string> Texts(const std::vector<v1::Notification>& ns) {
  std::vector<std::string> out;
  for (const v1::Notification& n : ns) out.push_back(n.reference());
  return out;
}

std::vector<int64_t> Seqs(const std::vector<v1::Event>& events) {
  std::vector<int64_t> out;
  for (const v1::Event& e : events) out.push_back(e.seq());
  return out;
}

std::vector<int64_t> OneTo(int64_t n) {
  std::vector<int64_t> out;
  for (int64_t i = 1; i <= n; ++i) out.push_back(i);
  return out;
}

// The owner ("olivia") is an administrator; the renter is not.
class BlackboxStreams : public RentalsFixture {
 protected:
  BlackboxStreams() : RentalsFixture({"--admins", "Olivia"}) {}

  void SetUp() override {
    RentalsFixture::SetUp();
    events_ = v1::Events::NewStub(server_.NewChannel());
  }

  std::unique_ptr<StreamReader<v1::Notification>> Watch(
      const std::string& auth) {
    return std::make_unique<StreamReader<v1::Notification>>(
        auth, [&](grpc::ClientContext* ctx) {
          return notifications_->WatchNotifications(
              ctx, v1::WatchNotificationsRequest());
        });
  }
  std::unique_ptr<StreamReader<v1::Event>> Tail(
      const std::string& auth, int64_t after_seq,
      const std::vector<std::string>& types = {}) {
    v1::TailEventsRequest request;
    request.set_after_seq(after_seq);
    for (const std::string& t : types) request.add_types(t);
    return std::make_unique<StreamReader<v1::Event>>(
        auth, [this, request](grpc::ClientContext* ctx) {
          return events_->TailEvents(ctx, request);
        });
  }
  // Every event, read page by page.
  std::vector<v1::Event> AllEvents(int page_size) {
    std::vector<v1::Event> all;
    v1::ListEventsRequest request;
    request.set_page_size(page_size);
    for (;;) {
      v1::ListEventsResponse page;
      EXPECT_CODE(
          Call(*events_, &EventsStub::ListEvents, owner_, request, &page), OK);
      if (page.events().empty()) break;
      all.insert(all.end(), page.events().begin(), page.events().end());
      request.set_after_seq(page.next_after_seq());
    }
    return all;
  }

  std::unique_ptr<EventsStub> events_;
};

TEST_F(BlackboxStreams, WatchReplaysUnreadThenPushesNewOnesLive) {
  Deposit(renter_, 100'000);
  const std::string first = NewListing("first");
  const std::string second = NewListing("second");
  v1::Rental r1, r2;
  ASSERT_CODE(Rent(renter_, first, 1, &r1), OK);

  auto watch = Watch(owner_);
  EXPECT_EQ(Texts(watch->WaitForCount(1)),
            std::vector<std::string>{"rental:" + r1.id()});
  ASSERT_CODE(Rent(renter_, second, 1, &r2), OK);
  std::vector<v1::Notification> heard = watch->WaitForCount(2);
  EXPECT_EQ(Texts(heard), (std::vector<std::string>{"rental:" + r1.id(),
                                                    "rental:" + r2.id()}));
  EXPECT_EQ(heard[1].kind(), "rental.created");
  // The renter's own watch hears nothing of the owner's notifications.
  auto renter_watch = Watch(renter_);

  // Read ones are not replayed to the next watcher.
  v1::MarkReadRequest mark;
  mark.add_ids(heard[0].id());
  v1::MarkReadResponse marked;
  ASSERT_CODE(Call(*notifications_, &NotificationsStub::MarkRead, owner_, mark,
                   &marked),
              OK);
  EXPECT_EQ(marked.updated(), 1);
  watch->Cancel();
  EXPECT_CODE(watch->WaitForEnd(), CANCELLED);
  EXPECT_TRUE(server_.WaitForStderr(
      "rpc /rentwave.v1.Notifications/WatchNotifications code=CANCELLED"));
  auto again = Watch(owner_);
  EXPECT_EQ(Texts(again->WaitForCount(1)),
            std::vector<std::string>{"rental:" + r2.id()});
  // Returning notifies both parties: each watcher hears its own.
  v1::Rental returned;
  ASSERT_CODE(Return(renter_, r1.id(), &returned), OK);
  EXPECT_EQ(again->WaitForCount(2).back().kind(), "rental.returned");
  std::vector<v1::Notification> renters = renter_watch->WaitForCount(1);
  ASSERT_EQ(renters.size(), 1u);
  EXPECT_EQ(renters[0].kind(), "rental.returned");
  EXPECT_EQ(again->messages().size(), 2u);
}

TEST_F(BlackboxStreams, EventLogInCommitOrderForAdministratorsOnly) {
  auto tail = Tail(owner_, 0);
  auto rentals_only = Tail(owner_, 0, {"rental.created", "rental.returned"});
  Deposit(renter_, 100'000);
  v1::Rental rental, returned;
  ASSERT_CODE(Rent(renter_, NewListing(), 1, &rental), OK);
  ASSERT_CODE(Return(renter_, rental.id(), &returned), OK);

  // Every page and the tail agree: seq 1..N with no gap, in order.
  std::vector<v1::Event> listed = AllEvents(3);
  ASSERT_GE(listed.size(), 7u);
  EXPECT_EQ(Seqs(listed), OneTo(static_cast<int64_t>(listed.size())));
  std::vector<v1::Event> tailed = tail->WaitForCount(listed.size());
  EXPECT_EQ(Seqs(tailed), Seqs(listed));
  std::vector<std::string> types;
  for (const v1::Event& e : listed) types.push_back(e.type());
  EXPECT_EQ(types[0], "user.registered");
  EXPECT_NE(std::find(types.begin(), types.end(), "wallet.deposited"),
            types.end());
  std::vector<v1::Event> filtered = rentals_only->WaitForCount(2);
  ASSERT_EQ(filtered.size(), 2u);
  EXPECT_EQ(filtered[0].type(), "rental.created");
  EXPECT_EQ(filtered[0].aggregate_id(), rental.id());
  EXPECT_EQ(filtered[0].actor_id(), renter_id_);
  EXPECT_EQ(filtered[1].type(), "rental.returned");
  // Resuming from an offset replays only what follows it.
  auto resumed = Tail(owner_, listed[4].seq());
  const std::vector<int64_t> seqs = Seqs(listed);
  EXPECT_EQ(Seqs(resumed->WaitForCount(listed.size() - 5)),
            std::vector<int64_t>(seqs.begin() + 5, seqs.end()));
  // No secret in any event: neither a token nor the password.
  for (const v1::Event& e : listed) {
    std::string text = e.DebugString();
    EXPECT_EQ(text.find(kPassword), std::string::npos) << text;
    EXPECT_EQ(text.find(renter_.substr(7, 40)), std::string::npos) << text;
    EXPECT_EQ(text.find(owner_.substr(7, 40)), std::string::npos) << text;
  }

  // Only administrators, and only valid requests.
  v1::ListEventsRequest list;
  v1::ListEventsResponse page;
  EXPECT_CODE(Call(*events_, &EventsStub::ListEvents, renter_, list, &page),
              PERMISSION_DENIED);
  EXPECT_CODE(Call(*events_, &EventsStub::ListEvents, "", list, &page),
              UNAUTHENTICATED);
  EXPECT_CODE(Tail(renter_, 0)->WaitForEnd(), PERMISSION_DENIED);
  EXPECT_CODE(Tail("", 0)->WaitForEnd(), UNAUTHENTICATED);
  EXPECT_CODE(Tail(owner_, -1)->WaitForEnd(), INVALID_ARGUMENT);
  list.set_page_size(1001);
  EXPECT_CODE(Call(*events_, &EventsStub::ListEvents, owner_, list, &page),
              INVALID_ARGUMENT);
  list.set_page_size(0);
  list.add_types("");
  EXPECT_CODE(Call(*events_, &EventsStub::ListEvents, owner_, list, &page),
              INVALID_ARGUMENT);
}

TEST_F(BlackboxStreams, RestStreamsAreNdjsonOpenedBeforeTheFirstMessage) {
  Deposit(renter_, 100'000);
  const std::string listing = NewListing();
  httplib::Client http("127.0.0.1", server_.http_port());
  http.set_read_timeout(10, 0);
  std::mutex mu;
  std::string received;
  int status = 0;
  std::string content_type;
  bool cancel = false;
  std::thread reader([&] {
    http.Get(
        "/v1/notifications:watch", {{"Authorization", owner_}},
        [&](const httplib::Response& response) {
          std::lock_guard<std::mutex> lock(mu);
          status = response.status;
          content_type = response.get_header_value("Content-Type");
          return true;
        },
        [&](const char* data, size_t size) {
          std::lock_guard<std::mutex> lock(mu);
          received.append(data, size);
          return !cancel;
        });
  });
  // The headers come before any notification exists.
  EXPECT_TRUE(WaitFor(
      [&] {
        std::lock_guard<std::mutex> lock(mu);
        return status != 0;
      },
      seconds(10)));
  v1::Rental rental;
  ASSERT_CODE(Rent(renter_, listing, 1, &rental), OK);
  EXPECT_TRUE(WaitFor(
      [&] {
        std::lock_guard<std::mutex> lock(mu);
        return received.find('\n') != std::string::npos;
      },
      seconds(10)));
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(status, 200);
    EXPECT_EQ(content_type, "application/x-ndjson");
    nlohmann::json line = nlohmann::json::parse(
        received.substr(0, received.find('\n')), nullptr, false);
    EXPECT_EQ(line["kind"], "rental.created") << received;
    EXPECT_EQ(line["reference"], "rental:" + rental.id());
    cancel = true;  // the client goes away...
  }
  // ...which ends the call on the server once it notices (within ~1 s).
  ASSERT_CODE(Return(renter_, rental.id(), &rental), OK);
  reader.join();
  EXPECT_TRUE(server_.WaitForStderr(
      "rpc /rentwave.v1.Notifications/WatchNotifications code=CANCELLED"));

  // A refused stream is a plain HTTP error with a Status body.
  RestClient rest(server_.http_port());
  RestResponse refused =
      rest.Get("/v1/events:tail", {{"Authorization", renter_}});
  EXPECT_EQ(refused.status, 403) << refused.Describe();
  EXPECT_EQ(refused.json["code"], 7);
  RestResponse page = rest.Get("/v1/events?pageSize=2&types=user.registered",
                               {{"Authorization", owner_}});
  ASSERT_EQ(page.status, 200) << page.Describe();
  ASSERT_EQ(page.json["events"].size(), 2u);
  EXPECT_EQ(page.json["events"][0]["type"], "user.registered");
  EXPECT_EQ(page.json["events"][0]["payload"]["username"], "olivia");
  EXPECT_EQ(page.json["nextAfterSeq"], page.json["events"][1]["seq"]);
}

TEST_F(BlackboxStreams, ShutdownEndsOpenStreamsAtOnce) {
  auto tail = Tail(owner_, 0);
  auto watch = Watch(renter_);
  tail->WaitForCount(2);  // both users registered
  const auto start = std::chrono::steady_clock::now();
  std::thread stop([&] { EXPECT_EQ(server_.Stop(SIGTERM), 0); });
  // Ended well inside the 10 s grace period the server would otherwise
  // wait out for them.
  EXPECT_CODE(tail->WaitForEnd(), UNAVAILABLE);
  EXPECT_CODE(watch->WaitForEnd(), UNAVAILABLE);
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(2));
  // Idle channels would hold the graceful shutdown up (see Stop).
  tail.reset();
  watch.reset();
  events_.reset();
  Disconnect();
  stop.join();
}

}  // namespace
}  // namespace rentwave::blackbox
