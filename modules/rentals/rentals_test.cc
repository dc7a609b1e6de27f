// Tests for Rentals: pricing, every rule of renting, overlaps, returns,
// cancellations, extensions, the late-penalty timer (grace, cap, catch-up,
// exactly once) and the calendar listings ask, on SQLite with the real
// migrations applied, a manual clock and the real wallet and listings.
#include "modules/rentals/rentals.h"

#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "modules/listings/listings.h"
#include "modules/notifications/notifications.h"
#include "modules/platform/clock.h"
#include "modules/platform/db.h"
#include "modules/platform/event_log.h"
#include "modules/platform/scoped_temp_dir.h"
#include "modules/platform/status.h"
#include "modules/platform/test_database.h"
#include "modules/rentals/rentals_store.h"
#include "modules/wallet/wallet.h"

namespace rentwave::rentals {
namespace {

using platform::Tx;

constexpr char kOwner[] = "01OWNER";
constexpr char kRenter[] = "01RENTER";
constexpr char kOther[] = "01OTHER";
constexpr char kPoor[] = "01POOR";

constexpr int64_t kPrice = 100;    // per hour
constexpr int64_t kDeposit = 500;  // held during a rental
constexpr int64_t kLateFee = 200;  // per started late hour

class RentalsTest : public ::testing::Test {
 protected:
  void SetUp() override { Build(RentalsOptions{}); }

  void TearDown() override {
    if (rentals_ != nullptr && !forged_) ExpectConsistent();
  }

  void Build(RentalsOptions options) {
    rentals_.reset();
    ASSERT_TRUE(dir_.ok());
    if (db_ == nullptr) {
      db_ = platform::OpenMigratedForTest(dir_.File("rentals.db"), clock_);
      ASSERT_NE(db_, nullptr);
      events_ = std::make_unique<platform::EventLog>(*db_, clock_);
      calendar_ = std::make_unique<Calendar>(clock_);
      auto listings =
          listings::Listings::Open(*db_, *events_, clock_, *calendar_);
      ASSERT_TRUE(listings.ok()) << listings.status();
      listings_ = *std::move(listings);
      wallet::WalletOptions wallet_options;
      wallet_options.currency = "USD";
      wallet_options.max_amount_minor = 1'000'000;
      wallet_options.user_exists = [](const std::string&) {
        return absl::OkStatus();
      };
      auto wallet = wallet::Wallet::Open(*db_, *events_, clock_,
                                         std::move(wallet_options));
      ASSERT_TRUE(wallet.ok()) << wallet.status();
      wallet_ = *std::move(wallet);
      auto notifications =
          notifications::Notifications::Open(*db_, *events_, clock_);
      ASSERT_TRUE(notifications.ok()) << notifications.status();
      notifications_ = *std::move(notifications);
    }
    auto rentals = Rentals::Open(*db_, *events_, clock_, *listings_, *wallet_,
                                 *notifications_, options);
    ASSERT_TRUE(rentals.ok()) << rentals.status();
    rentals_ = *std::move(rentals);
  }

  // An active hourly listing of kOwner: kPrice per hour, kDeposit,
  // kLateFee, at most 48 hours.
  listings::Listing MustList(int64_t deposit = kDeposit,
                             const std::string& currency = "USD",
                             const std::string& owner = kOwner) {
    listings::Listing l;
    l.kind = listings::Kind::kVehicle;
    l.title = absl::StrCat("Golf ", ++listings_made_);
    l.description = "A reliable ride.";
    l.price = {kPrice, currency};
    l.period = listings::Period::kHour;
    l.max_duration = absl::Hours(48);
    l.late_fee = {kLateFee, currency};
    l.deposit = {deposit, deposit > 0 ? currency : ""};
    l.vehicle = listings::Vehicle{listings::VehicleType::kCar, "Volkswagen",
                                  "Golf", 5, 380};
    auto created = listings_->CreateListing(owner, l);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : listings::Listing{};
  }

  void MustDeposit(const std::string& user, int64_t amount) {
    auto t = wallet_->Deposit(user, absl::StrCat("dep-", ++requests_),
                              {amount, "USD"});
    ASSERT_TRUE(t.ok()) << t.status();
  }

  wallet::Summary Wallet(const std::string& user) {
    auto s = wallet_->Get(user);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : wallet::Summary{};
  }

  RentalRequest For(const std::string& listing_id, absl::Duration duration,
                    std::optional<absl::Time> start = std::nullopt) {
    RentalRequest r;
    r.request_id = absl::StrCat("rent-", ++requests_);
    r.listing_id = listing_id;
    r.start = start;
    r.duration = duration;
    return r;
  }

  Rental MustRent(const std::string& listing_id, absl::Duration duration,
                  std::optional<absl::Time> start = std::nullopt,
                  const std::string& renter = kRenter) {
    auto r = rentals_->Create(renter, For(listing_id, duration, start));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : Rental{};
  }

  Rental MustGet(const std::string& id, const std::string& viewer = kRenter) {
    auto r = rentals_->Get(viewer, id);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : Rental{};
  }

  int Charge(absl::Time now, int limit = 1000) {
    auto charged = rentals_->ChargeDue(now, limit);
    EXPECT_TRUE(charged.ok()) << charged.status();
    return charged.ok() ? *charged : -1;
  }

  int64_t Count(const std::string& sql) {
    int64_t n = -1;
    EXPECT_TRUE(db_->Read([&](Tx& tx) {
                     SQLite::Statement q(tx.db(), sql);
                     q.executeStep();
                     n = q.getColumn(0).getInt64();
                     return absl::OkStatus();
                   })
                    .ok());
    return n;
  }

  int64_t Events(const std::string& type) {
    return Count(
        absl::StrCat("SELECT count(*) FROM events WHERE type = '", type, "'"));
  }

  std::vector<std::string> NotificationKinds(const std::string& user) {
    auto page = notifications_->List(user, false, {100, ""});
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> kinds;
    if (page.ok()) {
      for (const auto& n : page->notifications) kinds.push_back(n.kind);
    }
    return kinds;
  }

  // What `rentwave verify` checks: the ledger and the rentals.
  void ExpectConsistent() {
    auto problems = wallet::VerifyLedger(*db_);
    ASSERT_TRUE(problems.ok()) << problems.status();
    for (const wallet::LedgerProblem& p : *problems) {
      ADD_FAILURE() << "ledger problem: [" << p.account << "] " << p.what;
    }
    auto rentals = VerifyRentals(*db_);
    ASSERT_TRUE(rentals.ok()) << rentals.status();
    for (const std::string& p : *rentals) ADD_FAILURE() << p;
  }

  platform::ScopedTempDir dir_;
  platform::ManualClock clock_;
  std::unique_ptr<platform::Database> db_;
  std::unique_ptr<platform::EventLog> events_;
  std::unique_ptr<Calendar> calendar_;
  std::unique_ptr<listings::Listings> listings_;
  std::unique_ptr<wallet::Wallet> wallet_;
  std::unique_ptr<notifications::Notifications> notifications_;
  std::unique_ptr<Rentals> rentals_;
  int requests_ = 0;
  int listings_made_ = 0;
  bool forged_ = false;  // the test wrote inconsistent rows on purpose
};

TEST_F(RentalsTest, PriceIsWholePeriodsRoundedUp) {
  MustDeposit(kRenter, 10'000);
  const listings::Listing listing = MustList();
  Rental r = MustRent(listing.id, absl::Minutes(90));
  EXPECT_EQ(r.price_minor, 2 * kPrice);
  EXPECT_EQ(r.deposit_minor, kDeposit);
  EXPECT_EQ(r.late_fee_minor, kLateFee);
  EXPECT_EQ(r.period, absl::Hours(1));
  EXPECT_EQ(r.end - r.start, absl::Minutes(90));
  EXPECT_EQ(r.owner_id, kOwner);
  EXPECT_EQ(r.StatusAt(clock_.Now()), Status::kActive);
  const wallet::Summary w = Wallet(kRenter);
  EXPECT_EQ(w.balance_minor, 10'000);
  EXPECT_EQ(w.held_minor, 2 * kPrice + kDeposit);
  EXPECT_EQ(Events("rental.created"), 1);
  EXPECT_EQ(NotificationKinds(kOwner),
            std::vector<std::string>{"rental.created"});

  // Exactly one period, and an end time instead of a duration.
  RentalRequest exact =
      For(listing.id, absl::Hours(1), clock_.Now() + absl::Hours(2));
  exact.duration.reset();
  exact.end = *exact.start + absl::Hours(1);
  auto one = rentals_->Create(kRenter, exact);
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->price_minor, kPrice);
  EXPECT_EQ(one->StatusAt(clock_.Now()), Status::kBooked);
}

TEST_F(RentalsTest, EveryCreateRuleFailsWithItsCodeAndWritesNothing) {
  MustDeposit(kRenter, 10'000);
  MustDeposit(kPoor, 100);
  const listings::Listing listing = MustList();
  const listings::Listing inactive = MustList();
  ASSERT_TRUE(listings_->SetActive(kOwner, inactive.id, false).ok());
  const listings::Listing archived = MustList();
  ASSERT_TRUE(listings_->Archive(kOwner, archived.id).ok());
  const listings::Listing euro = MustList(kDeposit, "EUR");
  const listings::Listing mine = MustList(kDeposit, "USD", kRenter);
  const absl::Time now = clock_.Now();

  struct Case {
    std::string name;
    std::string renter;
    RentalRequest request;
    absl::StatusCode code;
  };
  std::vector<Case> cases;
  auto add = [&](std::string name, absl::StatusCode code,
                 std::function<void(RentalRequest&)> change,
                 std::string renter = kRenter) {
    RentalRequest r = For(listing.id, absl::Hours(2));
    change(r);
    cases.push_back({std::move(name), std::move(renter), std::move(r), code});
  };
  using C = absl::StatusCode;
  add("no request id", C::kInvalidArgument,
      [](RentalRequest& r) { r.request_id.clear(); });
  add("bad request id", C::kInvalidArgument,
      [](RentalRequest& r) { r.request_id = "a b"; });
  add("no listing", C::kInvalidArgument,
      [](RentalRequest& r) { r.listing_id.clear(); });
  add("end and duration", C::kInvalidArgument,
      [&](RentalRequest& r) { r.end = now + absl::Hours(2); });
  add("neither end nor duration", C::kInvalidArgument,
      [](RentalRequest& r) { r.duration.reset(); });
  add("negative duration", C::kInvalidArgument,
      [](RentalRequest& r) { r.duration = -absl::Hours(1); });
  add("start in the past", C::kInvalidArgument,
      [&](RentalRequest& r) { r.start = now - absl::Hours(1); });
  add("end before start", C::kInvalidArgument, [&](RentalRequest& r) {
    r.duration.reset();
    r.start = now + absl::Hours(3);
    r.end = now + absl::Hours(2);
  });
  add("unknown listing", C::kNotFound,
      [](RentalRequest& r) { r.listing_id = "01NOSUCHLISTING"; });
  add("inactive listing", C::kFailedPrecondition,
      [&](RentalRequest& r) { r.listing_id = inactive.id; });
  add("archived listing", C::kFailedPrecondition,
      [&](RentalRequest& r) { r.listing_id = archived.id; });
  add("other currency", C::kFailedPrecondition,
      [&](RentalRequest& r) { r.listing_id = euro.id; });
  add("own listing", C::kFailedPrecondition,
      [&](RentalRequest& r) { r.listing_id = mine.id; });
  add("shorter than a period", C::kFailedPrecondition,
      [](RentalRequest& r) { r.duration = absl::Minutes(59); });
  add("longer than the maximum", C::kFailedPrecondition,
      [](RentalRequest& r) { r.duration = absl::Hours(49); });
  add(
      "insufficient funds", C::kFailedPrecondition, [](RentalRequest&) {},
      kPoor);

  const wallet::Summary renter_before = Wallet(kRenter);
  const wallet::Summary poor_before = Wallet(kPoor);
  const int64_t events_before = Count("SELECT count(*) FROM events");
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = rentals_->Create(c.renter, c.request);
    EXPECT_EQ(r.status().code(), c.code) << r.status();
  }
  EXPECT_EQ(Count("SELECT count(*) FROM rentals_items"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM rentals_requests"), 0);
  EXPECT_TRUE(NotificationKinds(kOwner).empty());
  EXPECT_EQ(Count("SELECT count(*) FROM events"), events_before);
  EXPECT_EQ(Wallet(kRenter).balance_minor, renter_before.balance_minor);
  EXPECT_EQ(Wallet(kRenter).held_minor, 0);
  EXPECT_EQ(Wallet(kPoor).balance_minor, poor_before.balance_minor);
  EXPECT_EQ(Wallet(kPoor).held_minor, 0);

  // In debt: a charge took the poor renter below zero.
  ASSERT_TRUE(
      db_->Write([&](Tx& tx) {
           return wallet_->Charge(tx, kPoor, 150, kOwner, "test", {}).status();
         })
          .ok());
  MustDeposit(kPoor, 10'000);
  ASSERT_EQ(Wallet(kPoor).debt_minor, 0);
  ASSERT_TRUE(db_->Write([&](Tx& tx) {
                   return wallet_->Charge(tx, kPoor, 20'000, kOwner, "test", {})
                       .status();
                 })
                  .ok());
  ASSERT_GT(Wallet(kPoor).debt_minor, 0);
  auto in_debt = rentals_->Create(kPoor, For(listing.id, absl::Hours(1)));
  EXPECT_EQ(in_debt.status().code(), C::kFailedPrecondition)
      << in_debt.status();
  EXPECT_EQ(Count("SELECT count(*) FROM rentals_items"), 0);
}

TEST_F(RentalsTest, OverlapsAreRefusedAndOverdueRentalsBlockUntilReturned) {
  MustDeposit(kRenter, 10'000);
  MustDeposit(kOther, 10'000);
  const listings::Listing listing = MustList();
  const absl::Time t0 = clock_.Now();
  MustRent(listing.id, absl::Hours(2), t0 + absl::Hours(1));  // [1h, 3h)
  auto overlapping = rentals_->Create(
      kOther, For(listing.id, absl::Hours(2), t0 + absl::Hours(2)));
  EXPECT_EQ(overlapping.status().code(), absl::StatusCode::kFailedPrecondition);
  auto inside = rentals_->Create(
      kOther, For(listing.id, absl::Hours(1), t0 + absl::Minutes(90)));
  EXPECT_EQ(inside.status().code(), absl::StatusCode::kFailedPrecondition);
  auto around = rentals_->Create(kOther, For(listing.id, absl::Hours(5), t0));
  EXPECT_EQ(around.status().code(), absl::StatusCode::kFailedPrecondition);
  // Touching ends do not overlap.
  Rental before = MustRent(listing.id, absl::Hours(1), t0, kOther);  // [0, 1h)
  Rental after = MustRent(listing.id, absl::Hours(1), t0 + absl::Hours(3),
                          kOther);  // [3h, 4h)
  ASSERT_TRUE(rentals_->Cancel(kOther, after.id).ok());
  // Returned, cancelled: no longer in the way.
  clock_.Set(t0 + absl::Hours(1));
  ASSERT_TRUE(rentals_->Return(kOther, before.id).ok());
  MustRent(listing.id, absl::Hours(1), t0 + absl::Hours(3));

  // One rental is not returned: overdue, it blocks the listing for any time
  // after its start, however far ahead.
  clock_.Set(t0 + absl::Hours(8));
  auto blocked = rentals_->Create(
      kOther, For(listing.id, absl::Hours(1), t0 + absl::Hours(30)));
  EXPECT_EQ(blocked.status().code(), absl::StatusCode::kFailedPrecondition);
  auto mine = rentals_->List(kRenter, Role::kRenter, Status::kOverdue, {});
  ASSERT_TRUE(mine.ok()) << mine.status();
  ASSERT_EQ(mine->rentals.size(), 2u);
  for (const Rental& r : mine->rentals) {
    ASSERT_TRUE(rentals_->Return(kRenter, r.id).ok());
  }
  MustRent(listing.id, absl::Hours(1), t0 + absl::Hours(30), kOther);
  ExpectConsistent();
}

// The overlap check probes only a booking's neighbours: among many bookings
// of one listing, every kind of clash is still found, wherever it is.
TEST_F(RentalsTest, OverlapsAreFoundAmongManyBookings) {
  MustDeposit(kRenter, 100'000);
  MustDeposit(kOther, 100'000);
  const listings::Listing listing = MustList();
  const absl::Time t0 = clock_.Now();
  auto at = [&](int hours) { return t0 + absl::Hours(hours); };
  std::vector<Rental> booked;  // [2h, 3h), [4h, 5h), ..., [16h, 17h)
  for (int h = 2; h <= 16; h += 2) {
    booked.push_back(MustRent(listing.id, absl::Hours(1), at(h)));
  }
  auto refused = [&](absl::Time start, absl::Duration duration) {
    auto r = rentals_->Create(kOther, For(listing.id, duration, start));
    return r.status().code() == absl::StatusCode::kFailedPrecondition;
  };
  EXPECT_TRUE(refused(at(6) + absl::Minutes(30), absl::Hours(1)));   // middle
  EXPECT_TRUE(refused(at(1) + absl::Minutes(30), absl::Hours(1)));   // first
  EXPECT_TRUE(refused(at(16) + absl::Minutes(30), absl::Hours(1)));  // last
  EXPECT_TRUE(refused(at(3), absl::Hours(9)));   // covers several
  EXPECT_TRUE(refused(at(0), absl::Hours(20)));  // covers all
  // Every gap between them is free, touching both neighbours.
  std::vector<Rental> gaps;  // [3h, 4h), [5h, 6h), ..., [15h, 16h)
  for (int h = 3; h <= 15; h += 2) {
    gaps.push_back(MustRent(listing.id, absl::Hours(1), at(h), kOther));
  }
  EXPECT_TRUE(refused(at(9) + absl::Minutes(1), absl::Hours(1)));

  // Extending into the next booking is refused, up to it is not; a
  // cancelled booking is out of the way.
  auto extend = [&](const Rental& r, absl::Time end) {
    return rentals_
        ->Extend(kRenter, r.id, end,
                 absl::StrCat("ext-", absl::ToUnixMicros(end)))
        .status()
        .code();
  };
  EXPECT_EQ(extend(booked[1], at(5) + absl::Minutes(1)),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(rentals_->Cancel(kOther, gaps[1].id).ok());  // [5h, 6h)
  EXPECT_EQ(extend(booked[1], at(6)), absl::StatusCode::kOk);
  EXPECT_EQ(extend(booked[1], at(6) + absl::Minutes(1)),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(extend(booked.back(), at(18)), absl::StatusCode::kOk);

  // The first one not returned blocks everything after it, far ahead too,
  // extensions included.
  clock_.Set(at(3) + absl::Minutes(1));
  EXPECT_TRUE(refused(at(30), absl::Hours(1)));
  EXPECT_EQ(extend(booked.back(), at(19)),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(rentals_->Return(kRenter, booked.front().id).ok());
  MustRent(listing.id, absl::Hours(1), at(30), kOther);
  EXPECT_EQ(extend(booked.back(), at(19)), absl::StatusCode::kOk);
  ExpectConsistent();
}

TEST_F(RentalsTest, VerifyFindsOverlapsAndStrayCharges) {
  MustDeposit(kRenter, 10'000);
  const listings::Listing listing = MustList();
  const absl::Time t0 = clock_.Now();
  Rental first = MustRent(listing.id, absl::Hours(2), t0);
  clock_.Set(t0 + absl::Hours(3));  // first is overdue
  ASSERT_EQ(Charge(clock_.Now()), 1);
  Rental open = MustRent(MustList().id, absl::Hours(2));  // not overdue
  ExpectConsistent();
  // Forged rows: one booked over `first` while it was overdue, one over
  // `open` (an hour into it), and a charge `first` does not know of.
  forged_ = true;
  ASSERT_TRUE(db_->Write([&](Tx& tx) {
                   tx.db().exec(absl::StrCat(
                       "INSERT INTO rentals_items(id, listing_id, renter_id, "
                       "owner_id, start_us, end_us, unit_price_minor, "
                       "price_minor, deposit_minor, late_fee_minor, period_s, "
                       "currency, hold_id, created_at_us, "
                       "updated_at_us) SELECT 'forged', listing_id, "
                       "renter_id, owner_id, start_us + 60000000, end_us, 1, "
                       "1, 0, 0, 3600, 'USD', 'h', ",
                       platform::ToMicros(clock_.Now()),
                       ", 0 FROM "
                       "rentals_items WHERE id = '",
                       first.id, "'"));
                   tx.db().exec(absl::StrCat(
                       "INSERT INTO rentals_items(id, listing_id, renter_id, "
                       "owner_id, start_us, end_us, unit_price_minor, "
                       "price_minor, deposit_minor, late_fee_minor, period_s, "
                       "currency, hold_id, created_at_us, "
                       "updated_at_us) SELECT 'forged2', listing_id, "
                       "renter_id, owner_id, start_us + 3600000000, "
                       "end_us + 3600000000, 1, 1, 0, 0, 3600, 'USD', 'h', "
                       "created_at_us + 1, 0 FROM rentals_items WHERE id = '",
                       open.id, "'"));
                   tx.db().exec(
                       absl::StrCat("INSERT INTO rentals_charges VALUES ('",
                                    first.id, "', 5, 1, 't', 0)"));
                   return absl::OkStatus();
                 })
                  .ok());
  auto problems = VerifyRentals(*db_);
  ASSERT_TRUE(problems.ok()) << problems.status();
  std::string all;
  for (const std::string& p : *problems) all += p + "\n";
  EXPECT_NE(all.find(first.id + " and forged overlap"), std::string::npos)
      << all;
  EXPECT_NE(all.find(first.id + " records 1 late periods"), std::string::npos)
      << all;
  EXPECT_NE(all.find(open.id + " and forged2 overlap"), std::string::npos)
      << all;
  EXPECT_EQ(problems->size(), 3u) << all;
}

TEST_F(RentalsTest, CreateIsIdempotentByRequestId) {
  MustDeposit(kRenter, 10'000);
  const listings::Listing listing = MustList();
  RentalRequest request = For(listing.id, absl::Hours(2));
  auto first = rentals_->Create(kRenter, request);
  ASSERT_TRUE(first.ok()) << first.status();
  clock_.Advance(absl::Minutes(5));
  auto retry = rentals_->Create(kRenter, request);
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->id, first->id);
  EXPECT_EQ(Wallet(kRenter).held_minor, 2 * kPrice + kDeposit);
  EXPECT_EQ(Count("SELECT count(*) FROM rentals_items"), 1);
  EXPECT_EQ(Events("rental.created"), 1);
  request.duration = absl::Hours(3);
  EXPECT_EQ(rentals_->Create(kRenter, request).status().code(),
            absl::StatusCode::kAlreadyExists);
  // Another renter's request id space is its own.
  MustDeposit(kOther, 10'000);
  RentalRequest same_id =
      For(listing.id, absl::Hours(1), clock_.Now() + absl::Hours(10));
  same_id.request_id = request.request_id;
  EXPECT_TRUE(rentals_->Create(kOther, same_id).ok());
}

TEST_F(RentalsTest, ReturnOnTimePaysTheOwnerMinusTheFeeAndReleasesDeposit) {
  RentalsOptions options;
  options.fee_basis_points = 1000;  // 10%
  Build(options);
  MustDeposit(kRenter, 10'000);
  const listings::Listing listing = MustList();
  Rental r = MustRent(listing.id, absl::Hours(2));
  clock_.Advance(absl::Hours(2));  // exactly the end: on time
  EXPECT_EQ(Charge(clock_.Now()), 0);
  auto returned = rentals_->Return(kRenter, r.id);
  ASSERT_TRUE(returned.ok()) << returned.status();
  EXPECT_EQ(returned->StatusAt(clock_.Now()), Status::kReturned);
  EXPECT_EQ(returned->returned, clock_.Now());
  EXPECT_EQ(returned->late_periods_charged, 0);
  const wallet::Summary renter = Wallet(kRenter);
  EXPECT_EQ(renter.balance_minor, 10'000 - 200);
  EXPECT_EQ(renter.held_minor, 0);
  EXPECT_EQ(Wallet(kOwner).balance_minor, 180);
  // The other 20 went to the fees account (the ledger sums to zero).
  EXPECT_EQ(Events("rental.returned"), 1);
  EXPECT_EQ(NotificationKinds(kRenter),
            std::vector<std::string>{"rental.returned"});
  EXPECT_EQ(NotificationKinds(kOwner),
            (std::vector<std::string>{"rental.returned", "rental.created"}));
  // Repeating it is harmless, by either party.
  clock_.Advance(absl::Hours(5));
  auto again = rentals_->Return(kOwner, r.id);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->returned, returned->returned);
  EXPECT_EQ(Wallet(kRenter).balance_minor, 10'000 - 200);
  EXPECT_EQ(Events("rental.returned"), 1);
  EXPECT_EQ(Charge(clock_.Now()), 0);
  auto next = rentals_->NextDue();
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->has_value());
}

TEST_F(RentalsTest, ReturnThreePeriodsLateChargesDepositThenWallet) {
  MustDeposit(kRenter, 10'000);
  const listings::Listing listing = MustList();
  Rental r = MustRent(listing.id, absl::Hours(2));
  clock_.Advance(absl::Hours(2) + absl::Minutes(150));  // 2.5 h late: 3
  EXPECT_EQ(MustGet(r.id).StatusAt(clock_.Now()), Status::kOverdue);
  auto returned = rentals_->Return(kOwner, r.id);
  ASSERT_TRUE(returned.ok()) << returned.status();
  EXPECT_EQ(returned->late_periods_charged, 3);
  EXPECT_EQ(returned->late_fees_charged_minor, 3 * kLateFee);
  EXPECT_EQ(Wallet(kRenter).balance_minor, 10'000 - 200 - 600);
  EXPECT_EQ(Wallet(kRenter).held_minor, 0);
  EXPECT_EQ(Wallet(kOwner).balance_minor, 200 + 600);
  EXPECT_EQ(Events("rental.late"), 3);
  EXPECT_EQ(Count("SELECT count(*) FROM rentals_charges"), 3);
  // Nothing more once returned.
  clock_.Advance(absl::Hours(10));
  EXPECT_EQ(Charge(clock_.Now()), 0);
  EXPECT_EQ(MustGet(r.id).late_periods_charged, 3);
}

TEST_F(RentalsTest, PriceAndDepositAreOneHoldThatKeepsThePriceFromLateFees) {
  MustDeposit(kRenter, 10'000);
  Rental r = MustRent(MustList().id, absl::Hours(2));
  EXPECT_EQ(Events("wallet.held"), 1);
  EXPECT_EQ(Wallet(kRenter).held_minor, 2 * kPrice + kDeposit);
  // Four periods late: the deposit covers two and a half, the wallet the
  // rest, and the price is still held for the owner.
  clock_.Set(r.end + absl::Hours(4));
  EXPECT_EQ(Charge(clock_.Now()), 4);
  EXPECT_EQ(Wallet(kRenter).held_minor, 2 * kPrice);
  EXPECT_EQ(Wallet(kRenter).balance_minor, 10'000 - 4 * kLateFee);
}

TEST_F(RentalsTest, ARentalBookedWithTwoHoldsIsChargedAndReturnedAsBefore) {
  MustDeposit(kRenter, 10'000);
  Rental r = MustRent(MustList().id, absl::Hours(2));
  // As rentals were booked before migration 0009: the price and the
  // deposit in holds of their own, the price's keeping nothing.
  ASSERT_TRUE(db_->Write([&](Tx& tx) -> absl::Status {
                   std::optional<store::Record> record = store::Find(tx, r.id);
                   if (!record) return absl::NotFoundError(r.id);
                   RW_RETURN_IF_ERROR(wallet_->Void(tx, record->hold_id));
                   const std::string reference = RentalReference(r.id);
                   RW_ASSIGN_OR_RETURN(
                       record->hold_id,
                       wallet_->Hold(tx, kRenter, 2 * kPrice, reference));
                   RW_ASSIGN_OR_RETURN(
                       record->deposit_hold_id,
                       wallet_->Hold(tx, kRenter, kDeposit, reference));
                   store::Update(tx, *record);
                   SQLite::Statement q(tx.db(),
                                       "UPDATE rentals_items SET "
                                       "deposit_hold_id = ? WHERE id = ?");
                   q.bind(1, record->deposit_hold_id);
                   q.bind(2, r.id);
                   q.exec();
                   return absl::OkStatus();
                 })
                  .ok());
  EXPECT_EQ(Wallet(kRenter).held_minor, 2 * kPrice + kDeposit);
  // Three periods late: the deposit's hold first, then the wallet; the
  // price's hold is left alone.
  clock_.Set(r.end + absl::Minutes(150));
  EXPECT_EQ(Charge(clock_.Now()), 3);
  EXPECT_EQ(Wallet(kRenter).held_minor, 2 * kPrice);
  auto returned = rentals_->Return(kRenter, r.id);
  ASSERT_TRUE(returned.ok()) << returned.status();
  EXPECT_EQ(Wallet(kRenter).balance_minor, 10'000 - 2 * kPrice - 3 * kLateFee);
  EXPECT_EQ(Wallet(kRenter).held_minor, 0);
  EXPECT_EQ(Wallet(kOwner).balance_minor, 2 * kPrice + 3 * kLateFee);
}

TEST_F(RentalsTest, TimerChargesEachStartedPeriodOnceAtItsTime) {
  MustDeposit(kRenter, 10'000);
  const listings::Listing listing = MustList();
  Rental r = MustRent(listing.id, absl::Hours(1));
  auto next = rentals_->NextDue();
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_EQ(**next, r.end + absl::Microseconds(1));
  // Returned at the end itself is on time: still active then, listed so.
  EXPECT_EQ(r.StatusAt(r.end), Status::kActive);
  EXPECT_EQ(r.StatusAt(r.end + absl::Microseconds(1)), Status::kOverdue);
  clock_.Set(r.end);
  auto active = rentals_->List(kRenter, Role::kRenter, Status::kActive, {});
  ASSERT_TRUE(active.ok()) << active.status();
  EXPECT_EQ(active->rentals.size(), 1u);
  EXPECT_EQ(Charge(r.end), 0);  // at the end itself, not late yet
  EXPECT_EQ(Charge(r.end + absl::Microseconds(1)), 1);
  EXPECT_EQ(Charge(r.end + absl::Minutes(59)), 0);
  EXPECT_EQ(Charge(r.end + absl::Hours(1)), 0);
  EXPECT_EQ(Charge(r.end + absl::Hours(1) + absl::Microseconds(1)), 1);
  // The same instant twice charges nothing more.
  EXPECT_EQ(Charge(r.end + absl::Hours(1) + absl::Microseconds(1)), 0);
  EXPECT_EQ(MustGet(r.id).late_periods_charged, 2);
  // Deposit first (500 covers two fees of 200 and half a third).
  EXPECT_EQ(Wallet(kRenter).held_minor, 100 + 100);
  EXPECT_EQ(Wallet(kRenter).balance_minor, 10'000 - 400);
}

TEST_F(RentalsTest, CatchUpAfterDowntimeChargesEveryMissedPeriodOnce) {
  MustDeposit(kRenter, 10'000);
  const listings::Listing listing = MustList();
  Rental r = MustRent(listing.id, absl::Hours(1));
  clock_.Advance(absl::Hours(1) + absl::Hours(5));  // down for 5 periods
  EXPECT_EQ(Charge(clock_.Now()), 5);
  EXPECT_EQ(Charge(clock_.Now()), 0);
  EXPECT_EQ(MustGet(r.id).late_periods_charged, 5);
  EXPECT_EQ(Events("rental.late"), 5);
  EXPECT_EQ(Count("SELECT count(*) FROM rentals_charges"), 5);
  EXPECT_EQ(NotificationKinds(kRenter).size(), 5u);
  EXPECT_EQ(Wallet(kOwner).balance_minor, 5 * kLateFee);
  // A limit spreads the work over calls without losing any.
  Rental other = MustRent(MustList().id, absl::Hours(1));
  clock_.Advance(absl::Hours(1) + absl::Hours(4));
  EXPECT_EQ(Charge(clock_.Now(), 3), 3);
  EXPECT_EQ(Charge(clock_.Now(), 3), 3);
  EXPECT_EQ(Charge(clock_.Now(), 3), 3);
  EXPECT_EQ(Charge(clock_.Now(), 3), 0);
  EXPECT_EQ(MustGet(r.id).late_periods_charged, 10);
  EXPECT_EQ(MustGet(other.id).late_periods_charged, 4);
}

TEST_F(RentalsTest, APeriodCanNeverBeChargedTwice) {
  MustDeposit(kRenter, 10'000);
  Rental r = MustRent(MustList().id, absl::Hours(1));
  clock_.Advance(absl::Hours(2));
  EXPECT_EQ(Charge(clock_.Now()), 1);
  const wallet::Summary before = Wallet(kRenter);
  // Even if the bookkeeping were lost, the charge row's key refuses a
  // second charge of the period, and the wallet charge goes with it.
  absl::Status again = db_->Write([&](Tx& tx) -> absl::Status {
    auto t = wallet_->Charge(tx, kRenter, kLateFee, kOwner, "rental", {});
    if (!t.ok()) return t.status();
    store::InsertCharge(tx, r.id, 1, kLateFee, t->id, clock_.Now());
    return absl::OkStatus();
  });
  EXPECT_FALSE(again.ok());
  EXPECT_EQ(Wallet(kRenter).balance_minor, before.balance_minor);
  EXPECT_EQ(Count("SELECT count(*) FROM rentals_charges"), 1);
}

TEST_F(RentalsTest, ARentalWhoseChargeFailsHoldsUpNoOther) {
  MustDeposit(kRenter, 10'000);
  Rental bad = MustRent(MustList().id, absl::Hours(1));
  Rental good = MustRent(MustList().id, absl::Hours(1));
  forged_ = true;
  // A charge row for bad's first period without its bookkeeping: charging
  // that period fails on the row's key. Both are in one chunk: its first
  // write fails on bad, and the retry charges each in its own savepoint.
  ASSERT_TRUE(db_->Write([&](Tx& tx) {
                   store::InsertCharge(tx, bad.id, 1, kLateFee, "t",
                                       clock_.Now());
                   return absl::OkStatus();
                 })
                  .ok());
  const wallet::Summary before = Wallet(kRenter);
  clock_.Advance(absl::Hours(1) + absl::Minutes(1));
  EXPECT_FALSE(rentals_->ChargeDue(clock_.Now(), 1000).ok());
  EXPECT_EQ(MustGet(good.id).late_periods_charged, 1);
  EXPECT_EQ(MustGet(bad.id).late_periods_charged, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM rentals_charges"), 2);
  // Only good's fee left the renter (from the deposit in its hold).
  EXPECT_EQ(Wallet(kRenter).balance_minor, before.balance_minor - kLateFee);
}

TEST_F(RentalsTest, GraceDelaysChargesWhichStayRetroactiveUpToTheCap) {
  RentalsOptions options;
  options.grace = absl::Minutes(90);
  options.max_late_periods = 3;
  Build(options);
  MustDeposit(kRenter, 10'000);
  Rental r = MustRent(MustList().id, absl::Hours(1));
  EXPECT_EQ(Charge(r.end + absl::Minutes(89)), 0);
  // At the end of the grace, two periods have started: both are charged.
  EXPECT_EQ(Charge(r.end + absl::Minutes(90)), 2);
  EXPECT_EQ(Charge(r.end + absl::Hours(100)), 1);  // the cap
  EXPECT_EQ(Charge(r.end + absl::Hours(200)), 0);
  EXPECT_EQ(MustGet(r.id).late_periods_charged, 3);
  auto next = rentals_->NextDue();
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->has_value());
  // Returned within the grace: nothing charged.
  Rental within = MustRent(MustList().id, absl::Hours(1));
  clock_.Set(within.end + absl::Minutes(80));
  auto returned = rentals_->Return(kRenter, within.id);
  ASSERT_TRUE(returned.ok()) << returned.status();
  EXPECT_EQ(returned->late_periods_charged, 0);
}

TEST_F(RentalsTest, LateFeesTakeTheDepositThenTheWalletThenGoIntoDebt) {
  MustDeposit(kRenter, 700);  // exactly price (200) + deposit (500)
  const listings::Listing listing = MustList();
  Rental r = MustRent(listing.id, absl::Hours(2));
  EXPECT_EQ(Wallet(kRenter).available_minor, 0);
  clock_.Set(r.end + absl::Hours(2));
  EXPECT_EQ(Charge(clock_.Now()), 2);  // 400 of the deposit's 500
  EXPECT_EQ(Wallet(kRenter).held_minor, 200 + 100);
  EXPECT_EQ(Wallet(kRenter).debt_minor, 0);
  clock_.Set(r.end + absl::Hours(4));
  EXPECT_EQ(Charge(clock_.Now()), 2);  // 100 of deposit, then 300 of debt
  EXPECT_EQ(Wallet(kRenter).balance_minor, 700 - 800);
  EXPECT_EQ(Wallet(kRenter).held_minor, 200);
  EXPECT_EQ(Wallet(kRenter).debt_minor, 300);
  auto returned = rentals_->Return(kRenter, r.id);
  ASSERT_TRUE(returned.ok()) << returned.status();
  EXPECT_EQ(Wallet(kRenter).balance_minor, 700 - 800 - 200);
  EXPECT_EQ(Wallet(kRenter).debt_minor, 300);
  EXPECT_EQ(Wallet(kOwner).balance_minor, 200 + 800);
  // In debt: no more renting.
  MustDeposit(kRenter, 100);
  EXPECT_EQ(rentals_->Create(kRenter, For(listing.id, absl::Hours(1)))
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(RentalsTest, ManyRentersAtOnceExactlyOneWins) {
  const listings::Listing listing = MustList();
  constexpr int kRenters = 16;
  for (int i = 0; i < kRenters; ++i) {
    MustDeposit(absl::StrCat("01R", i), 10'000);
  }
  std::atomic<int> won{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kRenters; ++i) {
    threads.emplace_back([&, i] {
      RentalRequest r;
      r.request_id = "race";
      r.listing_id = listing.id;
      r.duration = absl::Hours(2);
      auto result = rentals_->Create(absl::StrCat("01R", i), r);
      if (result.ok()) {
        ++won;
      } else if (absl::IsFailedPrecondition(result.status())) {
        ++refused;
      } else {
        ++other;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(won, 1);
  EXPECT_EQ(refused, kRenters - 1);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM rentals_items"), 1);
  int64_t held = 0;
  for (int i = 0; i < kRenters; ++i) {
    held += Wallet(absl::StrCat("01R", i)).held_minor;
  }
  EXPECT_EQ(held, 2 * kPrice + kDeposit);
}

TEST_F(RentalsTest, CancelBeforeStartRefundsEverythingNotAfter) {
  MustDeposit(kRenter, 10'000);
  const listings::Listing listing = MustList();
  Rental r =
      MustRent(listing.id, absl::Hours(2), clock_.Now() + absl::Hours(3));
  EXPECT_EQ(MustGet(r.id).StatusAt(clock_.Now()), Status::kBooked);
  // Not started: cannot be returned.
  EXPECT_EQ(rentals_->Return(kRenter, r.id).status().code(),
            absl::StatusCode::kFailedPrecondition);
  auto cancelled = rentals_->Cancel(kRenter, r.id);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->StatusAt(clock_.Now()), Status::kCancelled);
  EXPECT_EQ(Wallet(kRenter).balance_minor, 10'000);
  EXPECT_EQ(Wallet(kRenter).held_minor, 0);
  EXPECT_EQ(Events("rental.cancelled"), 1);
  EXPECT_EQ(NotificationKinds(kOwner),
            (std::vector<std::string>{"rental.cancelled", "rental.created"}));
  EXPECT_EQ(rentals_->Return(kRenter, r.id).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // The slot is free again.
  MustRent(listing.id, absl::Hours(2), clock_.Now() + absl::Hours(3));

  Rental started = MustRent(listing.id, absl::Hours(1));
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(rentals_->Cancel(kOwner, started.id).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(rentals_->Cancel(kOther, started.id).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(RentalsTest, AnExtensionTheRenterCannotPayForIsRefusedBeforeWriting) {
  MustDeposit(kRenter, kPrice + kDeposit);
  Rental r = MustRent(MustList().id, absl::Hours(1));
  auto refused = rentals_->Extend(kRenter, r.id, r.end + absl::Hours(1), "e");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  // Its own check, not the wallet's refusal after the hold was released (a
  // write that fails after writing makes its group commit run again).
  EXPECT_TRUE(
      absl::StrContains(refused.status().message(), "the extension costs"))
      << refused.status();
  EXPECT_EQ(Wallet(kRenter).held_minor, kPrice + kDeposit);
  EXPECT_EQ(MustGet(r.id).end, r.end);
}

TEST_F(RentalsTest, ExtendHoldsTheExtraPriceAndMovesTheTimer) {
  MustDeposit(kRenter, 10'000);
  MustDeposit(kOther, 10'000);
  const listings::Listing listing = MustList();
  Rental r = MustRent(listing.id, absl::Hours(2));
  MustRent(listing.id, absl::Hours(1), r.start + absl::Hours(6), kOther);
  auto extended =
      rentals_->Extend(kRenter, r.id, r.end + absl::Minutes(30), "ext-1");
  ASSERT_TRUE(extended.ok()) << extended.status();
  EXPECT_EQ(extended->end, r.end + absl::Minutes(30));
  EXPECT_EQ(extended->price_minor, 3 * kPrice);
  EXPECT_EQ(Wallet(kRenter).held_minor, 3 * kPrice + kDeposit);
  // A retry changes nothing; a reuse of its id for another end is refused.
  auto retry =
      rentals_->Extend(kRenter, r.id, r.end + absl::Minutes(30), "ext-1");
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->price_minor, 3 * kPrice);
  EXPECT_EQ(Wallet(kRenter).held_minor, 3 * kPrice + kDeposit);
  EXPECT_EQ(rentals_->Extend(kRenter, r.id, r.end + absl::Hours(1), "ext-1")
                .status()
                .code(),
            absl::StatusCode::kAlreadyExists);
  using C = absl::StatusCode;
  EXPECT_EQ(rentals_->Extend(kOwner, r.id, r.end + absl::Hours(3), "o-1")
                .status()
                .code(),
            C::kPermissionDenied);
  EXPECT_EQ(rentals_->Extend(kRenter, r.id, r.end, "ext-2").status().code(),
            C::kInvalidArgument);
  EXPECT_EQ(rentals_->Extend(kRenter, r.id, r.start + absl::Hours(7), "ext-3")
                .status()
                .code(),
            C::kFailedPrecondition);  // the other booking
  EXPECT_EQ(rentals_->Extend(kRenter, r.id, r.start + absl::Hours(49), "e-4")
                .status()
                .code(),
            C::kFailedPrecondition);  // over the maximum
  auto next = rentals_->NextDue();
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_EQ(**next, extended->end + absl::Microseconds(1));
  // On time by the new end: the owner gets the extended price.
  clock_.Set(extended->end);
  EXPECT_EQ(Charge(clock_.Now()), 0);
  ASSERT_TRUE(rentals_->Return(kRenter, r.id).ok());
  EXPECT_EQ(Wallet(kOwner).balance_minor, 3 * kPrice);
  EXPECT_EQ(Wallet(kRenter).balance_minor, 10'000 - 3 * kPrice);
  // Overdue rentals cannot be extended.
  Rental late = MustRent(listing.id, absl::Hours(1));
  clock_.Advance(absl::Hours(2));
  EXPECT_EQ(
      rentals_->Extend(kRenter, late.id, late.end + absl::Hours(5), "ext-5")
          .status()
          .code(),
      C::kFailedPrecondition);
  ASSERT_TRUE(rentals_->Return(kRenter, late.id).ok());
}

TEST_F(RentalsTest, OnlyTheRenterAndOwnerSeeARental) {
  MustDeposit(kRenter, 10'000);
  const listings::Listing listing = MustList();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(MustRent(listing.id, absl::Hours(1),
                           clock_.Now() + absl::Hours(2 * i + 1))
                      .id);
    clock_.Advance(absl::Seconds(1));
  }
  EXPECT_TRUE(rentals_->Get(kOwner, ids[0]).ok());
  EXPECT_EQ(rentals_->Get(kOther, ids[0]).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(rentals_->Get(kRenter, "nope").status().code(),
            absl::StatusCode::kNotFound);

  auto collect = [&](const std::string& viewer, Role role, Status status) {
    std::vector<std::string> seen;
    std::string token;
    do {
      auto page = rentals_->List(viewer, role, status, {1, token});
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (const Rental& r : page->rentals) seen.push_back(r.id);
      token = page->next_page_token;
    } while (!token.empty());
    return seen;
  };
  const std::vector<std::string> newest_first = {ids[2], ids[1], ids[0]};
  EXPECT_EQ(collect(kRenter, Role::kRenter, Status::kUnspecified),
            newest_first);
  EXPECT_EQ(collect(kRenter, Role::kAny, Status::kUnspecified), newest_first);
  EXPECT_EQ(collect(kOwner, Role::kOwner, Status::kUnspecified), newest_first);
  EXPECT_EQ(collect(kOwner, Role::kAny, Status::kBooked), newest_first);
  EXPECT_TRUE(collect(kOwner, Role::kRenter, Status::kUnspecified).empty());
  EXPECT_TRUE(collect(kOther, Role::kAny, Status::kUnspecified).empty());
  clock_.Set(MustGet(ids[0]).start);
  EXPECT_EQ(collect(kRenter, Role::kAny, Status::kActive),
            std::vector<std::string>{ids[0]});
  EXPECT_EQ(collect(kRenter, Role::kAny, Status::kBooked),
            (std::vector<std::string>{ids[2], ids[1]}));
  ASSERT_TRUE(rentals_->Cancel(kRenter, ids[1]).ok());
  EXPECT_EQ(collect(kOwner, Role::kOwner, Status::kCancelled),
            std::vector<std::string>{ids[1]});
  EXPECT_EQ(
      rentals_->List(kRenter, static_cast<Role>(7), Status::kUnspecified, {})
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(rentals_->List(kRenter, Role::kAny, static_cast<Status>(9), {})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(rentals_->List(kRenter, Role::kAny, Status::kUnspecified, {101, ""})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(rentals_->Return(kRenter, ids[0]).ok());
  ASSERT_TRUE(rentals_->Cancel(kRenter, ids[2]).ok());
}

TEST_F(RentalsTest, ListingsSeeOpenAndBookedRentalsThroughTheCalendar) {
  MustDeposit(kRenter, 10'000);
  const listings::Listing rented = MustList();
  const listings::Listing free = MustList();
  const absl::Time t0 = clock_.Now();
  Rental r = MustRent(rented.id, absl::Hours(2), t0 + absl::Hours(1));
  EXPECT_EQ(listings_->Archive(kOwner, rented.id).code(),
            absl::StatusCode::kFailedPrecondition);

  auto available = [&](absl::Time from, absl::Time to) {
    listings::SearchQuery query;
    query.available_from = from;
    query.available_to = to;
    auto page = listings_->Search(query, {});
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> ids;
    if (page.ok()) {
      for (const auto& l : page->listings) ids.push_back(l.id);
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  std::vector<std::string> both = {rented.id, free.id};
  std::sort(both.begin(), both.end());
  EXPECT_EQ(available(t0 + absl::Hours(2), t0 + absl::Hours(4)),
            std::vector<std::string>{free.id});
  EXPECT_EQ(available(t0 + absl::Hours(3), t0 + absl::Hours(4)), both);
  // Overdue: booked for any window after its start.
  clock_.Set(t0 + absl::Hours(5));
  EXPECT_EQ(available(t0 + absl::Hours(50), t0 + absl::Hours(51)),
            std::vector<std::string>{free.id});
  ASSERT_TRUE(rentals_->Return(kRenter, r.id).ok());
  EXPECT_EQ(available(t0 + absl::Hours(50), t0 + absl::Hours(51)), both);
  EXPECT_TRUE(listings_->Archive(kOwner, rented.id).ok());
}

TEST_F(RentalsTest, TheTimerThreadChargesWhenWoken) {
  MustDeposit(kRenter, 10'000);
  Rental r = MustRent(MustList().id, absl::Hours(1));
  LateFeeTimerOptions options;
  options.poll = absl::Milliseconds(50);
  LateFeeTimer timer(*rentals_, clock_, options);
  timer.Start();
  clock_.Advance(absl::Hours(3));
  timer.Wake();
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (MustGet(r.id).late_periods_charged < 2 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(MustGet(r.id).late_periods_charged, 2);
  // A rental created while it runs is charged too.
  Rental second = MustRent(MustList().id, absl::Hours(1));
  clock_.Advance(absl::Hours(1) + absl::Minutes(1));
  while (MustGet(second.id).late_periods_charged < 1 &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(MustGet(second.id).late_periods_charged, 1);
  timer.Stop();
  // The first rental was charged in the same pass: 3 h 1 min late.
  EXPECT_EQ(MustGet(r.id).late_periods_charged, 4);
}

}  // namespace
}  // namespace rentwave::rentals
