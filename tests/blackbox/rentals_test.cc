// Rentals against the real binary on the development clock (--dev-clock):
// rent and return on time, three periods late, too little money, a
// double-booking race, cancel before the start, SIGKILL while overdue, and
// the same over REST; `rentwave verify` after every scenario. Also the
// DevClock service itself, and its absence without the flag.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/blackbox/process.h"
#include "tests/blackbox/rentals_fixture.h"
#include "tests/blackbox/rest_client.h"
#include "tests/blackbox/server_process.h"
#include "tests/blackbox/users_client.h"

namespace rentwave::blackbox {
namespace {

using BlackboxRentals = RentalsFixture;

TEST_F(BlackboxRentals, RentNotifyOwnerReturnOnTime) {
  Deposit(renter_, 10'000);
  const std::string listing = NewListing();
  v1::Rental rental;
  ASSERT_CODE(Rent(renter_, listing, 2, &rental), OK);
  EXPECT_EQ(rental.status(), v1::RENTAL_STATUS_ACTIVE);
  EXPECT_EQ(rental.price().amount_minor(), 2 * kPrice);
  EXPECT_EQ(rental.deposit().amount_minor(), kDeposit);
  // The clock stands still: the rental starts exactly now.
  EXPECT_EQ(rental.start_time().seconds(), Now().seconds());
  EXPECT_EQ(rental.end_time().seconds(), Now().seconds() + 2 * kHour);
  // Price and deposit are held, not yet paid.
  EXPECT_EQ(Balance(renter_), "10000/1600/8400");

  // The owner was told, with a reference to the rental.
  v1::ListNotificationsRequest list;
  v1::ListNotificationsResponse notes;
  ASSERT_CODE(Call(*notifications_, &NotificationsStub::ListNotifications,
                   owner_, list, &notes),
              OK);
  ASSERT_EQ(notes.notifications_size(), 1);
  EXPECT_EQ(notes.notifications(0).kind(), "rental.created");
  EXPECT_EQ(notes.notifications(0).reference(),
            absl::StrCat("rental:", rental.id()));
  EXPECT_FALSE(notes.notifications(0).read());

  // Returned a minute before the end: on time.
  Advance(2 * kHour - 60);
  EXPECT_EQ(Get(renter_, rental.id()).status(), v1::RENTAL_STATUS_ACTIVE);
  v1::Rental returned;
  ASSERT_CODE(Return(renter_, rental.id(), &returned), OK);
  EXPECT_EQ(returned.status(), v1::RENTAL_STATUS_RETURNED);
  EXPECT_EQ(returned.late_periods_charged(), 0);
  EXPECT_EQ(Balance(renter_), "9400/0/9400");
  EXPECT_EQ(Balance(owner_), "600/0/600");
  // Repeating it (by the owner, much later) changes nothing.
  Advance(5 * kHour);
  ASSERT_CODE(Return(owner_, rental.id(), &returned), OK);
  EXPECT_EQ(returned.late_periods_charged(), 0);
  EXPECT_EQ(Balance(renter_), "9400/0/9400");
  EXPECT_EQ(Balance(owner_), "600/0/600");
  EXPECT_EQ(NotificationKinds(owner_),
            (std::vector<std::string>{"rental.returned", "rental.created"}));
  EXPECT_EQ(NotificationKinds(renter_),
            std::vector<std::string>{"rental.returned"});
}

TEST_F(BlackboxRentals, ThreePeriodsLateThreeChargesThenReturn) {
  Deposit(renter_, 10'000);
  v1::Rental rental;
  ASSERT_CODE(Rent(renter_, NewListing(), 2, &rental), OK);
  // Three whole periods past the end: the timer charges three, by itself.
  Advance(2 * kHour + 3 * kHour);
  EXPECT_EQ(WaitForCharges(rental.id(), 3), 3);
  v1::Rental overdue = Get(renter_, rental.id());
  EXPECT_EQ(overdue.status(), v1::RENTAL_STATUS_OVERDUE);
  EXPECT_EQ(overdue.late_fees_charged().amount_minor(), 3 * kLateFee);
  // Taken from the deposit first: the held amount shrank, available did
  // not.
  EXPECT_EQ(Balance(renter_), "9400/1000/8400");
  EXPECT_EQ(Balance(owner_), "600/0/600");

  v1::Rental returned;
  ASSERT_CODE(Return(renter_, rental.id(), &returned), OK);
  EXPECT_EQ(returned.status(), v1::RENTAL_STATUS_RETURNED);
  EXPECT_EQ(returned.late_periods_charged(), 3);
  EXPECT_EQ(Balance(renter_), "8800/0/8800");
  EXPECT_EQ(Balance(owner_), "1200/0/1200");
  // Nothing more once returned, however far the clock goes.
  Advance(10 * kHour);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(Get(renter_, rental.id()).late_periods_charged(), 3);
  EXPECT_EQ(Balance(renter_), "8800/0/8800");
  // Both parties heard of each late period.
  int late = 0;
  for (const std::string& kind : NotificationKinds(renter_)) {
    late += kind == "rental.late";
  }
  EXPECT_EQ(late, 3);
}

TEST_F(BlackboxRentals, TooLittleMoneyChangesNothing) {
  Deposit(renter_, 2 * kPrice + kDeposit - 1);
  const std::string listing = NewListing();
  v1::Rental rental;
  EXPECT_CODE(Rent(renter_, listing, 2, &rental), FAILED_PRECONDITION);
  EXPECT_EQ(Balance(renter_), "1599/0/1599");
  EXPECT_TRUE(NotificationKinds(owner_).empty());
  v1::ListRentalsRequest list;
  v1::ListRentalsResponse rentals;
  ASSERT_CODE(
      Call(*rentals_, &RentalsStub::ListRentals, renter_, list, &rentals), OK);
  EXPECT_EQ(rentals.rentals_size(), 0);
  // One period is affordable.
  ASSERT_CODE(Rent(renter_, listing, 1, &rental), OK);
  EXPECT_EQ(Balance(renter_), "1599/1300/299");
}

TEST_F(BlackboxRentals, DoubleBookingRaceExactlyOneWins) {
  constexpr int kRenters = 8;
  const std::string listing = NewListing();
  std::vector<std::string> renters;
  UsersClient users(server_.NewChannel());
  for (int i = 0; i < kRenters; ++i) {
    renters.push_back(Bearer(users.SignUp(absl::StrCat("racer", i))));
    Deposit(renters.back(), 5000);
  }
  std::atomic<int> ok{0}, lost{0}, other{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kRenters; ++i) {
    threads.emplace_back([&, i] {
      auto stub = v1::Rentals::NewStub(server_.NewChannel());
      v1::CreateRentalRequest r;
      r.set_request_id("race");
      r.set_listing_id(listing);
      r.mutable_duration()->set_seconds(3 * kHour);
      v1::Rental out;
      while (!go) std::this_thread::yield();
      grpc::Status s =
          Call(*stub, &RentalsStub::CreateRental, renters[i], r, &out);
      if (s.ok()) {
        ++ok;
      } else if (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION ||
                 s.error_code() == grpc::StatusCode::ABORTED) {
        ++lost;
      } else {
        ++other;
        ADD_FAILURE() << CodeName(s.error_code()) << ": " << s.error_message();
      }
    });
  }
  go = true;
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(lost.load(), kRenters - 1);
  EXPECT_EQ(other.load(), 0);
  // Only the winner's money is held.
  int holding = 0;
  for (const std::string& renter : renters) {
    const std::string balance = Balance(renter);
    if (balance == "5000/1900/3100") {
      ++holding;
    } else {
      EXPECT_EQ(balance, "5000/0/5000");
    }
  }
  EXPECT_EQ(holding, 1);
  EXPECT_EQ(NotificationKinds(owner_),
            std::vector<std::string>{"rental.created"});
}

TEST_F(BlackboxRentals, CancelBeforeStartRefundsEverything) {
  Deposit(renter_, 10'000);
  const std::string listing = NewListing();
  google::protobuf::Timestamp tomorrow = Now();
  tomorrow.set_seconds(tomorrow.seconds() + 24 * kHour);
  v1::Rental rental;
  ASSERT_CODE(Rent(renter_, listing, 2, &rental, &tomorrow), OK);
  EXPECT_EQ(rental.status(), v1::RENTAL_STATUS_BOOKED);
  EXPECT_EQ(Balance(renter_), "10000/1600/8400");
  Advance(23 * kHour);
  v1::CancelRentalRequest cancel;
  cancel.set_rental_id(rental.id());
  v1::Rental cancelled;
  ASSERT_CODE(
      Call(*rentals_, &RentalsStub::CancelRental, renter_, cancel, &cancelled),
      OK);
  EXPECT_EQ(cancelled.status(), v1::RENTAL_STATUS_CANCELLED);
  EXPECT_EQ(Balance(renter_), "10000/0/10000");
  EXPECT_EQ(Balance(owner_), "0/0/0");
  // The slot is free again; once another rental started it cannot be
  // cancelled.
  v1::Rental second;
  ASSERT_CODE(Rent(renter_, listing, 1, &second), OK);
  Advance(1);
  cancel.set_rental_id(second.id());
  EXPECT_CODE(
      Call(*rentals_, &RentalsStub::CancelRental, renter_, cancel, &cancelled),
      FAILED_PRECONDITION);
  EXPECT_EQ(Balance(renter_), "10000/1300/8700");
}

TEST_F(BlackboxRentals, KilledWhileOverdueEveryPeriodChargedOnce) {
  Deposit(renter_, 20'000);
  v1::Rental first, second;
  ASSERT_CODE(Rent(renter_, NewListing("Bike one"), 2, &first), OK);
  ASSERT_CODE(Rent(renter_, NewListing("Bike two"), 2, &second), OK);
  const google::protobuf::Timestamp end = first.end_time();
  ASSERT_EQ(second.end_time().seconds(), end.seconds());

  Advance(2 * kHour + 2 * kHour);
  EXPECT_EQ(WaitForCharges(first.id(), 2), 2);
  EXPECT_EQ(WaitForCharges(second.id(), 2), 2);
  // One more period falls due and the process dies at once: that charge may
  // or may not have been committed.
  Advance(kHour);
  server_.Kill();
  ASSERT_EQ(server_.exit_code().value_or(-1), 128 + SIGKILL);

  // The development clock restarts at the real time (before the due
  // periods); moving it to five periods past the end charges the rest.
  ASSERT_TRUE(server_.Restart().ok()) << server_.StderrText();
  Connect();
  google::protobuf::Timestamp target = end;
  target.set_seconds(end.seconds() + 5 * kHour);
  AdvanceTo(target);
  EXPECT_EQ(WaitForCharges(first.id(), 5), 5);
  EXPECT_EQ(WaitForCharges(second.id(), 5), 5);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (const v1::Rental* r : {&first, &second}) {
    v1::Rental now = Get(renter_, r->id());
    EXPECT_EQ(now.status(), v1::RENTAL_STATUS_OVERDUE);
    EXPECT_EQ(now.late_periods_charged(), 5);
    EXPECT_EQ(now.late_fees_charged().amount_minor(), 5 * kLateFee);
  }
  // 10 late fees of 200; each deposit (1000) is used up, the prices are
  // still held.
  EXPECT_EQ(Balance(renter_), "18000/1200/16800");
  EXPECT_EQ(Balance(owner_), "2000/0/2000");

  v1::Rental returned;
  ASSERT_CODE(Return(renter_, first.id(), &returned), OK);
  ASSERT_CODE(Return(owner_, second.id(), &returned), OK);
  EXPECT_EQ(Balance(renter_), "16800/0/16800");
  EXPECT_EQ(Balance(owner_), "3200/0/3200");
}

TEST_F(BlackboxRentals, DevClockRefusesBadStepsAndAnonymousCallers) {
  const google::protobuf::Timestamp start = Now();
  v1::AdvanceRequest r;
  v1::DevClockTime t;
  r.mutable_by()->set_seconds(-1);
  EXPECT_CODE(Call(*clock_, &ClockStub::Advance, renter_, r, &t),
              INVALID_ARGUMENT);
  r.mutable_by()->set_seconds(int64_t{100} * 365 * 24 * kHour);
  EXPECT_CODE(Call(*clock_, &ClockStub::Advance, renter_, r, &t),
              INVALID_ARGUMENT);
  r.mutable_by()->set_seconds(60);
  EXPECT_CODE(Call(*clock_, &ClockStub::Advance, "", r, &t), UNAUTHENTICATED);
  EXPECT_CODE(Call(*clock_, &ClockStub::GetTime, "", v1::GetTimeRequest(), &t),
              UNAUTHENTICATED);
  // Nothing moved; then a good step moves it by exactly that much.
  EXPECT_EQ(Now().seconds(), start.seconds());
  EXPECT_EQ(Now().nanos(), start.nanos());
  EXPECT_EQ(Advance(60).seconds(), start.seconds() + 60);
  EXPECT_EQ(Now().seconds(), start.seconds() + 60);
  EXPECT_TRUE(server_.WaitForStderr("DEVELOPMENT CLOCK ON"))
      << server_.StderrText();
}

TEST_F(BlackboxRentals, RentAndReturnOverRest) {
  RestClient rest(server_.http_port());
  const httplib::Headers renter = {{"Authorization", renter_}};
  const httplib::Headers owner = {{"Authorization", owner_}};
  Deposit(renter_, 10'000);
  const std::string listing = NewListing();

  RestResponse created = rest.Post(
      "/v1/rentals",
      {{"requestId", "rest-1"}, {"listingId", listing}, {"duration", "7200s"}},
      renter);
  ASSERT_EQ(created.status, 200) << created.Describe();
  EXPECT_EQ(created.json.value("status", ""), "RENTAL_STATUS_ACTIVE");
  EXPECT_EQ(created.json["price"].value("amountMinor", ""), "600");
  const std::string id = created.json.value("id", "");
  ASSERT_FALSE(id.empty()) << created.body;
  // A retry returns the same rental.
  RestResponse retried = rest.Post(
      "/v1/rentals",
      {{"requestId", "rest-1"}, {"listingId", listing}, {"duration", "7200s"}},
      renter);
  ASSERT_EQ(retried.status, 200) << retried.Describe();
  EXPECT_EQ(retried.json.value("id", ""), id);
  // Someone else cannot see it.
  UsersClient users(server_.NewChannel());
  const std::string stranger = Bearer(users.SignUp("stranger"));
  EXPECT_TRUE(IsRpcStatus(
      rest.Get("/v1/rentals/" + id, {{"Authorization", stranger}}), 404, 5));

  // One hour late, moved over REST too.
  RestResponse moved =
      rest.Post("/v1/devclock:advance", {{"by", "10800s"}}, renter);
  ASSERT_EQ(moved.status, 200) << moved.Describe();
  EXPECT_TRUE(moved.json.contains("now")) << moved.body;
  RestResponse now = rest.Get("/v1/devclock", renter);
  ASSERT_EQ(now.status, 200) << now.Describe();
  EXPECT_EQ(now.json.value("now", ""), moved.json.value("now", ""));
  EXPECT_EQ(WaitForCharges(id, 1), 1);
  RestResponse got = rest.Get("/v1/rentals/" + id, owner);
  ASSERT_EQ(got.status, 200) << got.Describe();
  EXPECT_EQ(got.json.value("status", ""), "RENTAL_STATUS_OVERDUE");

  RestResponse returned = rest.Post("/v1/rentals/" + id + ":return",
                                    nlohmann::json::object(), renter);
  ASSERT_EQ(returned.status, 200) << returned.Describe();
  EXPECT_EQ(returned.json.value("status", ""), "RENTAL_STATUS_RETURNED");
  EXPECT_EQ(returned.json.value("latePeriodsCharged", 0), 1);
  RestResponse wallet = rest.Get("/v1/wallet", renter);
  ASSERT_EQ(wallet.status, 200) << wallet.Describe();
  EXPECT_EQ(wallet.json["balance"].value("amountMinor", ""), "9200");
  EXPECT_EQ(Balance(owner_), "800/0/800");
  RestResponse list = rest.Get("/v1/rentals?role=RENTAL_ROLE_OWNER", owner);
  ASSERT_EQ(list.status, 200) << list.Describe();
  ASSERT_EQ(list.json["rentals"].size(), 1u) << list.body;
  EXPECT_EQ(list.json["rentals"][0].value("id", ""), id);
}

// Without --dev-clock the service does not exist.
TEST(BlackboxNoDevClock, ServiceAbsentOverGrpcAndRest) {
  ServerProcess server;
  ASSERT_TRUE(server.Start().ok()) << server.StderrText();
  UsersClient users(server.NewChannel());
  const std::string auth = Bearer(users.SignUp("nobody"));
  auto stub = v1::DevClock::NewStub(server.NewChannel());
  v1::AdvanceRequest r;
  r.mutable_by()->set_seconds(60);
  v1::DevClockTime t;
  EXPECT_CODE(Call(*stub, &ClockStub::Advance, auth, r, &t), UNIMPLEMENTED);
  EXPECT_CODE(Call(*stub, &ClockStub::GetTime, auth, v1::GetTimeRequest(), &t),
              UNIMPLEMENTED);
  RestClient rest(server.http_port());
  EXPECT_EQ(rest.Get("/v1/devclock", {{"Authorization", auth}}).status, 404);
  EXPECT_EQ(rest.Post("/v1/devclock:advance", {{"by", "60s"}},
                      {{"Authorization", auth}})
                .status,
            404);
  EXPECT_EQ(server.StderrText().find("DEVELOPMENT CLOCK"), std::string::npos);
  RunResult verify = Verify(server.db_path());
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

}  // namespace
}  // namespace rentwave::blackbox
