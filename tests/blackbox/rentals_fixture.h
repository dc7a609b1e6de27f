// The fixture of the black-box rentals scenarios: a real server on the
// development clock with an owner and a renter signed in, typed stubs, and
// helpers to list, deposit, rent, return and move the clock; `rentwave
// verify` after every test.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "rentwave/v1/dev_clock.grpc.pb.h"
#include "rentwave/v1/listings.grpc.pb.h"
#include "rentwave/v1/notifications.grpc.pb.h"
#include "rentwave/v1/rentals.grpc.pb.h"
#include "rentwave/v1/wallet.grpc.pb.h"
#include "tests/blackbox/process.h"
#include "tests/blackbox/server_process.h"
#include "tests/blackbox/users_client.h"

namespace rentwave::blackbox {

using ClockStub = v1::DevClock::Stub;
using ListingsStub = v1::Listings::Stub;
using NotificationsStub = v1::Notifications::Stub;
using RentalsStub = v1::Rentals::Stub;
using WalletStub = v1::Wallet::Stub;

constexpr int64_t kHour = 3600;
// Every listing: 300 per hour, a deposit of 1000, 200 per late hour.
constexpr int64_t kPrice = 300;
constexpr int64_t kDeposit = 1000;
constexpr int64_t kLateFee = 200;

inline v1::Money Usd(int64_t minor) {
  v1::Money m;
  m.set_amount_minor(minor);
  m.set_currency("USD");
  return m;
}

inline v1::Listing Bike(const std::string& title) {
  v1::Listing l;
  l.set_kind(v1::LISTING_KIND_VEHICLE);
  l.set_title(title);
  *l.mutable_price() = Usd(kPrice);
  l.set_billing_period(v1::BILLING_PERIOD_HOUR);
  l.mutable_max_duration()->set_seconds(72 * kHour);
  *l.mutable_deposit() = Usd(kDeposit);
  *l.mutable_late_fee() = Usd(kLateFee);
  v1::VehicleDetails* v = l.mutable_vehicle();
  v->set_vehicle_type(v1::VEHICLE_TYPE_BICYCLE);
  v->set_make("Brompton");
  v->set_model("C Line");
  v->set_seats(1);
  return l;
}

// `rentwave verify` on `db`.
inline RunResult Verify(const std::string& db) {
  return RunProgram({BinaryPath(), "verify", "--db", db});
}

// The server flags of every scenario: the development clock, and tokens
// that outlive the days the clock is moved.
inline std::vector<std::string> Concat(std::vector<std::string> a,
                                       const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

inline std::vector<std::string> DevClockArgs() {
  return {"--dev-clock", "--token-ttl", absl::StrCat(30 * 24 * kHour)};
}

class RentalsFixture : public ::testing::Test {
 protected:
  // `extra_args` go to the server after the development-clock flags.
  explicit RentalsFixture(const std::vector<std::string>& extra_args = {})
      : server_(ServerOptions().WithArgs(Concat(DevClockArgs(), extra_args))) {}

  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok()) << server_.StderrText();
    Connect();
    UsersClient users(server_.NewChannel());
    owner_ = Bearer(users.SignUp("olivia", &owner_id_));
    renter_ = Bearer(users.SignUp("rick", &renter_id_));
  }
  void TearDown() override {
    RunResult verify = Verify(server_.db_path());
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  }
  // Drops every stub (and so its channel).
  void Disconnect() {
    clock_.reset();
    listings_.reset();
    notifications_.reset();
    rentals_.reset();
    wallet_.reset();
  }
  void Connect() {
    auto channel = server_.NewChannel();
    clock_ = v1::DevClock::NewStub(channel);
    listings_ = v1::Listings::NewStub(channel);
    notifications_ = v1::Notifications::NewStub(channel);
    rentals_ = v1::Rentals::NewStub(channel);
    wallet_ = v1::Wallet::NewStub(channel);
  }

  std::string NewListing(const std::string& title = "Folding bike") {
    v1::CreateListingRequest request;
    *request.mutable_listing() = Bike(title);
    v1::Listing created;
    grpc::Status status = Call(*listings_, &ListingsStub::CreateListing, owner_,
                               request, &created);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return created.id();
  }
  void Deposit(const std::string& auth, int64_t minor) {
    v1::DepositRequest r;
    r.set_request_id(absl::StrCat("dep-", ++requests_));
    *r.mutable_amount() = Usd(minor);
    v1::Transaction out;
    ASSERT_CODE(Call(*wallet_, &WalletStub::Deposit, auth, r, &out), OK);
  }
  // "balance/held/available" of the caller's wallet.
  std::string Balance(const std::string& auth) {
    v1::WalletSummary s;
    grpc::Status status = Call(*wallet_, &WalletStub::GetWallet, auth,
                               v1::GetWalletRequest(), &s);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return absl::StrCat(s.balance().amount_minor(), "/",
                        s.held().amount_minor(), "/",
                        s.available().amount_minor());
  }

  grpc::Status Rent(const std::string& auth, const std::string& listing_id,
                    int64_t hours, v1::Rental* out,
                    const google::protobuf::Timestamp* start = nullptr,
                    RentalsStub* stub = nullptr) {
    v1::CreateRentalRequest r;
    r.set_request_id(absl::StrCat("rent-", ++requests_));
    r.set_listing_id(listing_id);
    r.mutable_duration()->set_seconds(hours * kHour);
    if (start != nullptr) *r.mutable_start_time() = *start;
    return Call(stub ? *stub : *rentals_, &RentalsStub::CreateRental, auth, r,
                out);
  }
  v1::Rental Get(const std::string& auth, const std::string& rental_id) {
    v1::GetRentalRequest r;
    r.set_rental_id(rental_id);
    v1::Rental out;
    grpc::Status status =
        Call(*rentals_, &RentalsStub::GetRental, auth, r, &out);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return out;
  }
  grpc::Status Return(const std::string& auth, const std::string& rental_id,
                      v1::Rental* out) {
    v1::ReturnRentalRequest r;
    r.set_rental_id(rental_id);
    return Call(*rentals_, &RentalsStub::ReturnRental, auth, r, out);
  }

  // The dev clock's time, in seconds since the epoch (it stands still, so
  // this is exact).
  google::protobuf::Timestamp Now() {
    v1::DevClockTime t;
    grpc::Status status =
        Call(*clock_, &ClockStub::GetTime, renter_, v1::GetTimeRequest(), &t);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return t.now();
  }
  google::protobuf::Timestamp Advance(int64_t seconds, int32_t nanos = 0) {
    v1::AdvanceRequest r;
    r.mutable_by()->set_seconds(seconds);
    r.mutable_by()->set_nanos(nanos);
    v1::DevClockTime t;
    grpc::Status status = Call(*clock_, &ClockStub::Advance, renter_, r, &t);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return t.now();
  }
  // Moves the clock to exactly `target` (not before now).
  void AdvanceTo(const google::protobuf::Timestamp& target) {
    const google::protobuf::Timestamp now = Now();
    int64_t seconds = target.seconds() - now.seconds();
    int32_t nanos = target.nanos() - now.nanos();
    if (nanos < 0) {
      nanos += 1'000'000'000;
      --seconds;
    }
    ASSERT_GE(seconds, 0);
    const google::protobuf::Timestamp reached = Advance(seconds, nanos);
    EXPECT_EQ(reached.seconds(), target.seconds());
    EXPECT_EQ(reached.nanos(), target.nanos());
  }
  // Waits (up to 10 s) until the timer has charged `periods` late periods
  // of the rental; returns what it has charged by then.
  int WaitForCharges(const std::string& rental_id, int periods) {
    int charged = -1;
    WaitFor(
        [&] {
          charged = Get(renter_, rental_id).late_periods_charged();
          return charged >= periods;
        },
        std::chrono::seconds(10));
    return charged;
  }

  // The kinds of the caller's notifications, newest first.
  std::vector<std::string> NotificationKinds(const std::string& auth) {
    v1::ListNotificationsRequest r;
    r.set_page_size(100);
    v1::ListNotificationsResponse out;
    EXPECT_CODE(Call(*notifications_, &NotificationsStub::ListNotifications,
                     auth, r, &out),
                OK);
    std::vector<std::string> kinds;
    for (const v1::Notification& n : out.notifications()) {
      kinds.push_back(n.kind());
    }
    return kinds;
  }

  ServerProcess server_;
  std::unique_ptr<ClockStub> clock_;
  std::unique_ptr<ListingsStub> listings_;
  std::unique_ptr<NotificationsStub> notifications_;
  std::unique_ptr<RentalsStub> rentals_;
  std::unique_ptr<WalletStub> wallet_;
  std::string owner_, owner_id_, renter_, renter_id_;
  int requests_ = 0;
};

}  // namespace rentwave::blackbox
