// Tests for Listings: lifecycle, ownership, optimistic concurrency, events,
// search paging through tokens and availability, on SQLite with the real
// migrations applied.
#include "modules/listings/listings.h"

#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "modules/platform/clock.h"
#include "modules/platform/db.h"
#include "modules/platform/event_log.h"
#include "modules/platform/scoped_temp_dir.h"
#include "modules/platform/test_database.h"

namespace rentwave::listings {
namespace {

using platform::Tx;

constexpr char kOwner[] = "01OWNER";
constexpr char kOther[] = "01OTHER";

// A calendar the test sets: which listings have open rentals, which are
// booked in any window.
class FakeCalendar final : public RentalCalendar {
 public:
  absl::StatusOr<bool> HasOpenRentals(
      Tx&, const std::string& listing_id) const override {
    return open.contains(listing_id);
  }
  absl::StatusOr<absl::flat_hash_set<std::string>> BookedBetween(
      Tx&, absl::Time, absl::Time) const override {
    return booked;
  }
  absl::flat_hash_set<std::string> open;
  absl::flat_hash_set<std::string> booked;
};

Listing Vehicle(std::string title, int64_t price) {
  Listing l;
  l.kind = Kind::kVehicle;
  l.title = std::move(title);
  l.description = "A reliable ride.";
  l.price = {price, "EUR"};
  l.period = Period::kHour;
  l.max_duration = absl::Hours(48);
  l.vehicle =
      listings::Vehicle{VehicleType::kCar, "Volkswagen", "Golf", 5, 380};
  return l;
}

Listing BookListing(std::string isbn, std::string title) {
  Listing l;
  l.kind = Kind::kBook;
  l.title = title;
  l.price = {150, "EUR"};
  l.period = Period::kDay;
  l.max_duration = absl::Hours(24 * 14);
  l.book = Book{std::move(isbn), std::move(title), "Some Author"};
  return l;
}

class ListingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = platform::OpenMigratedForTest(dir_.File("test.db"), clock_);
    ASSERT_NE(db_, nullptr);
    events_ = std::make_unique<platform::EventLog>(*db_, clock_);
    auto listings = Listings::Open(*db_, *events_, clock_, calendar_);
    ASSERT_TRUE(listings.ok()) << listings.status();
    listings_ = *std::move(listings);
  }

  Listing MustCreate(Listing draft, const std::string& owner = kOwner) {
    auto created = listings_->CreateListing(owner, std::move(draft));
    EXPECT_TRUE(created.ok()) << created.status();
    clock_.Advance(absl::Seconds(1));
    return created.ok() ? *created : Listing{};
  }

  // The types of the events about `id`, in order.
  std::vector<std::string> EventTypes(const std::string& id) {
    std::vector<std::string> types;
    EXPECT_TRUE(db_->Read([&](Tx& tx) {
                     SQLite::Statement q(tx.db(),
                                         "SELECT type FROM events WHERE "
                                         "aggregate_id = ? ORDER BY seq");
                     q.bind(1, id);
                     while (q.executeStep()) types.push_back(q.getColumn(0));
                     return absl::OkStatus();
                   })
                    .ok());
    return types;
  }

  // Every page of `query`, following next_page_token.
  std::vector<std::string> AllIds(const SearchQuery& query, int page_size) {
    std::vector<std::string> ids;
    PageRequest page{page_size, ""};
    for (int pages = 0; pages < 1000; ++pages) {
      auto result = listings_->Search(query, page);
      EXPECT_TRUE(result.ok()) << result.status();
      if (!result.ok()) break;
      EXPECT_LE(result->listings.size(), static_cast<size_t>(page_size));
      for (const Listing& l : result->listings) ids.push_back(l.id);
      if (result->next_page_token.empty()) break;
      page.page_token = result->next_page_token;
    }
    return ids;
  }

  platform::ScopedTempDir dir_;
  platform::ManualClock clock_;
  FakeCalendar calendar_;
  std::unique_ptr<platform::Database> db_;
  std::unique_ptr<platform::EventLog> events_;
  std::unique_ptr<Listings> listings_;
};

TEST_F(ListingsTest, CreateSetsServerFieldsAndRecordsAnEvent) {
  Listing draft = Vehicle("Golf", 1200);
  draft.id = "chosen-by-client";
  draft.owner_id = kOther;
  draft.version = 42;
  Listing l = MustCreate(draft);
  EXPECT_NE(l.id, "chosen-by-client");
  EXPECT_EQ(l.owner_id, kOwner);
  EXPECT_TRUE(l.active);
  EXPECT_FALSE(l.archived);
  EXPECT_EQ(l.version, 1);
  EXPECT_EQ(l.late_fee, l.price);  // defaults to the price
  auto got = listings_->Get("", l.id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->title, "Golf");
  EXPECT_EQ(got->vehicle, l.vehicle);
  EXPECT_EQ(EventTypes(l.id), std::vector<std::string>{"listing.created"});
}

TEST_F(ListingsTest, InvalidDraftChangesNothing) {
  Listing bad = Vehicle("", 1200);
  auto created = listings_->CreateListing(kOwner, bad);
  EXPECT_EQ(created.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(created.status().message(), "title"))
      << created.status();
  SearchQuery all;
  EXPECT_TRUE(AllIds(all, 10).empty());
}

TEST_F(ListingsTest, BooksShareOneCatalogueEntryAndTheFirstTitleWins) {
  Listing first = MustCreate(BookListing("0-8044-2957-X", "Dune"));
  Listing second = MustCreate(BookListing("9780804429573", "Dune (copy)"));
  EXPECT_EQ(first.book->isbn, "9780804429573");
  EXPECT_EQ(second.book->title, "Dune");
  auto book = listings_->GetBook("080442957X", {});
  ASSERT_TRUE(book.ok()) << book.status();
  EXPECT_EQ(book->first.title, "Dune");
  ASSERT_EQ(book->second.listings.size(), 2u);
  EXPECT_EQ(book->second.listings[0].id, second.id);  // newest first
  EXPECT_EQ(listings_->GetBook("9780306406157", {}).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(listings_->GetBook("12345", {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ListingsTest, UpdateAppliesTheMaskAndBumpsTheVersion) {
  Listing l = MustCreate(Vehicle("Golf", 1200));
  Listing patch;
  patch.id = l.id;
  patch.version = l.version;
  patch.title = "Golf GTI";
  patch.description = "ignored: not in the mask";
  patch.vehicle = listings::Vehicle{};
  patch.vehicle->seats = 4;
  auto updated = listings_->Update(kOwner, patch, {"title", "vehicle.seats"});
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->title, "Golf GTI");
  EXPECT_EQ(updated->description, l.description);
  EXPECT_EQ(updated->vehicle->seats, 4);
  EXPECT_EQ(updated->vehicle->make, "Volkswagen");
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(EventTypes(l.id),
            (std::vector<std::string>{"listing.created", "listing.updated"}));
}

TEST_F(ListingsTest, ADefaultLateFeeFollowsThePrice) {
  Listing l = MustCreate(Vehicle("Golf", 1200));
  Listing patch;
  patch.id = l.id;
  patch.price = {900, "USD"};
  auto updated = listings_->Update(kOwner, patch, {"price"});
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->late_fee, (platform::Money{900, "USD"}));
  patch.late_fee = {2000, "USD"};
  ASSERT_TRUE(listings_->Update(kOwner, patch, {"late_fee"}).ok());
  patch.price = {1000, "USD"};
  updated = listings_->Update(kOwner, patch, {"price"});
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->late_fee, (platform::Money{2000, "USD"}));  // set: kept
}

TEST_F(ListingsTest, UpdateChangesTheListingsOwnBookTitleAndAuthorOnly) {
  Listing l = MustCreate(BookListing("9780306406157", "Dune"));
  Listing patch;
  patch.id = l.id;
  patch.book = Book{"9780000000002", "Dune (annotated)", "F. Herbert"};
  auto updated =
      listings_->Update(kOwner, patch, {"book.title", "book.author"});
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->book,
            (Book{"9780306406157", "Dune (annotated)", "F. Herbert"}));
  EXPECT_EQ(listings_->Get("", l.id)->book, updated->book);
  // The catalogue keeps the first listing's; search sees the new text.
  auto book = listings_->GetBook("9780306406157", {});
  ASSERT_TRUE(book.ok()) << book.status();
  EXPECT_EQ(book->first, (Book{"9780306406157", "Dune", "Some Author"}));
  SearchQuery annotated;
  annotated.text = "annotat herbert";
  EXPECT_EQ(AllIds(annotated, 10), std::vector<std::string>{l.id});

  patch.book->title = "";
  EXPECT_EQ(listings_->Update(kOwner, patch, {"book.title"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  Listing car = MustCreate(Vehicle("Golf", 1200));
  patch.id = car.id;
  auto wrong_kind = listings_->Update(kOwner, patch, {"book.title"});
  EXPECT_EQ(wrong_kind.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      absl::StrContains(wrong_kind.status().message(), "does not apply"))
      << wrong_kind.status();
  EXPECT_EQ(listings_->Get("", l.id)->version, 2);
}

TEST_F(ListingsTest, UpdateRejectionsChangeNothing) {
  Listing l = MustCreate(Vehicle("Golf", 1200));
  Listing patch;
  patch.id = l.id;
  patch.title = "New title";
  struct Case {
    std::string caller;
    int64_t version;
    std::vector<std::string> paths;
    absl::StatusCode code;
    std::string message;
  } cases[] = {
      {kOther, 0, {"title"}, absl::StatusCode::kPermissionDenied, "owner"},
      {kOwner, 7, {"title"}, absl::StatusCode::kAborted, "stale"},
      {kOwner, 0, {}, absl::StatusCode::kInvalidArgument, "update_mask"},
      {kOwner, 0, {"owner_id"}, absl::StatusCode::kInvalidArgument, "owner_id"},
      {kOwner, 0, {"kind"}, absl::StatusCode::kInvalidArgument, "kind"},
      {kOwner,
       0,
       {"book.isbn"},
       absl::StatusCode::kInvalidArgument,
       "catalogue"},
      {kOwner,
       0,
       {"room.city"},
       absl::StatusCode::kInvalidArgument,
       "does not apply"},
      {kOwner,
       0,
       {"title", "price"},
       absl::StatusCode::kInvalidArgument,
       "price"},
  };
  for (const Case& c : cases) {
    patch.version = c.version;
    auto result = listings_->Update(c.caller, patch, c.paths);
    EXPECT_EQ(result.status().code(), c.code) << result.status();
    EXPECT_TRUE(absl::StrContains(result.status().message(), c.message))
        << result.status();
  }
  auto unchanged = listings_->Get("", l.id);
  ASSERT_TRUE(unchanged.ok());
  EXPECT_EQ(unchanged->title, "Golf");
  EXPECT_EQ(unchanged->version, 1);
  EXPECT_EQ(EventTypes(l.id), std::vector<std::string>{"listing.created"});
  patch.id = "no-such-listing";
  EXPECT_EQ(listings_->Update(kOwner, patch, {"title"}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ListingsTest, DeactivatedListingsLeaveSearchAndComeBack) {
  Listing l = MustCreate(Vehicle("Golf", 1200));
  EXPECT_EQ(listings_->SetActive(kOther, l.id, false).status().code(),
            absl::StatusCode::kPermissionDenied);
  auto off = listings_->SetActive(kOwner, l.id, false);
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_FALSE(off->active);
  EXPECT_TRUE(AllIds({}, 10).empty());
  ASSERT_TRUE(listings_->SetActive(kOwner, l.id, false).ok());  // no-op
  ASSERT_TRUE(listings_->SetActive(kOwner, l.id, true).ok());
  EXPECT_EQ(AllIds({}, 10), std::vector<std::string>{l.id});
  EXPECT_EQ(EventTypes(l.id),
            (std::vector<std::string>{"listing.created", "listing.deactivated",
                                      "listing.activated"}));
}

TEST_F(ListingsTest, ArchiveHidesTheListingFromEveryoneButItsOwner) {
  Listing l = MustCreate(Vehicle("Golf", 1200));
  calendar_.open.insert(l.id);
  EXPECT_EQ(listings_->Archive(kOwner, l.id).code(),
            absl::StatusCode::kFailedPrecondition);
  calendar_.open.clear();
  EXPECT_EQ(listings_->Archive(kOther, l.id).code(),
            absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(listings_->Archive(kOwner, l.id).ok());
  ASSERT_TRUE(listings_->Archive(kOwner, l.id).ok());  // idempotent
  EXPECT_EQ(listings_->Get(kOther, l.id).status().code(),
            absl::StatusCode::kNotFound);
  auto own = listings_->Get(kOwner, l.id);
  ASSERT_TRUE(own.ok());
  EXPECT_TRUE(own->archived);
  EXPECT_FALSE(own->active);
  EXPECT_EQ(listings_->SetActive(kOwner, l.id, true).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(AllIds({}, 10).empty());
  auto mine = listings_->ListOwned(kOwner, {}, /*show_archived=*/false);
  ASSERT_TRUE(mine.ok());
  EXPECT_TRUE(mine->listings.empty());
  mine = listings_->ListOwned(kOwner, {}, /*show_archived=*/true);
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->listings.size(), 1u);
  EXPECT_EQ(EventTypes(l.id),
            (std::vector<std::string>{"listing.created", "listing.archived"}));
}

TEST_F(ListingsTest, ListOwnedPagesThroughOnlyTheOwnersListings) {
  std::vector<std::string> mine;
  for (int i = 0; i < 7; ++i) {
    mine.insert(mine.begin(),
                MustCreate(Vehicle(absl::StrCat("Car ", i), 100 + i)).id);
    MustCreate(Vehicle("Someone else's", 100), kOther);
  }
  std::vector<std::string> seen;
  PageRequest page{3, ""};
  do {
    auto result = listings_->ListOwned(kOwner, page, false);
    ASSERT_TRUE(result.ok()) << result.status();
    for (const Listing& l : result->listings) seen.push_back(l.id);
    page.page_token = result->next_page_token;
  } while (!page.page_token.empty());
  EXPECT_EQ(seen, mine);
}

TEST_F(ListingsTest, SearchPagesAreDisjointAndComplete) {
  std::vector<std::string> expected;
  for (int i = 0; i < 25; ++i) {
    expected.push_back(
        MustCreate(Vehicle(absl::StrCat("Car ", i), 1000 - i)).id);
  }
  SearchQuery query;
  query.order = SearchOrder::kPriceAscending;
  std::vector<std::string> ids = AllIds(query, 4);
  std::reverse(expected.begin(), expected.end());  // cheapest first
  EXPECT_EQ(ids, expected);
}

TEST_F(ListingsTest, SearchSkipsListingsBookedInTheWindow) {
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) {
    ids.push_back(MustCreate(Vehicle(absl::StrCat("Car ", i), 500)).id);
  }
  calendar_.booked = {ids[1], ids[2], ids[3], ids[4], ids[8]};
  SearchQuery query;
  query.order = SearchOrder::kNewest;
  query.available_from = clock_.Now();
  query.available_to = clock_.Now() + absl::Hours(2);
  std::vector<std::string> got = AllIds(query, 2);
  EXPECT_EQ(got,
            (std::vector<std::string>{ids[9], ids[7], ids[6], ids[5], ids[0]}));
  query.available_to.reset();
  EXPECT_EQ(listings_->Search(query, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ListingsTest, PageTokensAreBoundToTheirQuery) {
  for (int i = 0; i < 5; ++i) MustCreate(Vehicle(absl::StrCat("Car ", i), 500));
  SearchQuery query;
  query.kind = Kind::kVehicle;
  auto first = listings_->Search(query, {2, ""});
  ASSERT_TRUE(first.ok());
  ASSERT_FALSE(first->next_page_token.empty());
  std::string token = first->next_page_token;

  SearchQuery other = query;
  other.min_seats = 2;
  auto mismatched = listings_->Search(other, {2, token});
  EXPECT_EQ(mismatched.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(mismatched.status().message(), "page_token"));

  std::string forged = token;
  forged[forged.size() / 2] = forged[forged.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(listings_->Search(query, {2, forged}).status().code(),
            absl::StatusCode::kInvalidArgument);

  clock_.Advance(absl::Hours(25));
  auto stale = listings_->Search(query, {2, token});
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(listings_->Search(query, {101, ""}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ListingsTest, PageTokensSurviveARestart) {
  for (int i = 0; i < 3; ++i) MustCreate(Vehicle(absl::StrCat("Car ", i), 500));
  auto first = listings_->Search({}, {2, ""});
  ASSERT_TRUE(first.ok());
  auto reopened = Listings::Open(*db_, *events_, clock_, calendar_);
  ASSERT_TRUE(reopened.ok());
  auto second = (*reopened)->Search({}, {2, first->next_page_token});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->listings.size(), 1u);
}

}  // namespace
}  // namespace rentwave::listings
