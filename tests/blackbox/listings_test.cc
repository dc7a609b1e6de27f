// Listings against the real binary over gRPC: the whole lifecycle, search by
// keyword + filters + pages, bad input, and a restart.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "rentwave/v1/listings.grpc.pb.h"
#include "tests/blackbox/server_process.h"
#include "tests/blackbox/users_client.h"

namespace rentwave::blackbox {
namespace {

using Stub = v1::Listings::Stub;

v1::Listing Book(const std::string& isbn, const std::string& title,
                 int64_t price) {
  v1::Listing l;
  l.set_kind(v1::LISTING_KIND_BOOK);
  l.set_title(title);
  l.set_description("Paperback, lightly used.");
  l.mutable_price()->set_amount_minor(price);
  l.mutable_price()->set_currency("EUR");
  l.set_billing_period(v1::BILLING_PERIOD_DAY);
  l.mutable_max_duration()->set_seconds(14 * 86400);
  l.mutable_book()->set_isbn(isbn);
  l.mutable_book()->set_title(title);
  l.mutable_book()->set_author("J. K. Rowling");
  return l;
}

v1::Listing Car(const std::string& title, int64_t price, int seats) {
  v1::Listing l;
  l.set_kind(v1::LISTING_KIND_VEHICLE);
  l.set_title(title);
  l.mutable_price()->set_amount_minor(price);
  l.mutable_price()->set_currency("EUR");
  l.set_billing_period(v1::BILLING_PERIOD_HOUR);
  l.mutable_max_duration()->set_seconds(72 * 3600);
  v1::VehicleDetails* v = l.mutable_vehicle();
  v->set_vehicle_type(v1::VEHICLE_TYPE_CAR);
  v->set_make("Toyota");
  v->set_model("Yaris");
  v->set_seats(seats);
  v->set_boot_litres(286);
  return l;
}

v1::Listing Room(const std::string& city) {
  v1::Listing l;
  l.set_kind(v1::LISTING_KIND_ROOM);
  l.set_title("Quiet room near the station");
  l.mutable_price()->set_amount_minor(4500);
  l.mutable_price()->set_currency("EUR");
  l.set_billing_period(v1::BILLING_PERIOD_DAY);
  l.mutable_max_duration()->set_seconds(30 * 86400);
  l.mutable_deposit()->set_amount_minor(10000);
  l.mutable_deposit()->set_currency("EUR");
  v1::RoomDetails* r = l.mutable_room();
  r->set_city(city);
  r->set_address("12 Rue Exemple");
  r->set_max_guests(2);
  r->set_beds(1);
  return l;
}

class BlackboxListings : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok()) << server_.StderrText();
    Connect();
    UsersClient users(server_.NewChannel());
    alice_ = Bearer(users.SignUp("alice", &alice_id_));
    bob_ = Bearer(users.SignUp("bob"));
  }
  void Connect() { stub_ = v1::Listings::NewStub(server_.NewChannel()); }

  v1::Listing Create(const v1::Listing& listing, const std::string& auth = "") {
    v1::CreateListingRequest request;
    *request.mutable_listing() = listing;
    v1::Listing created;
    grpc::Status status = Call(*stub_, &Stub::CreateListing,
                               auth.empty() ? alice_ : auth, request, &created);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return created;
  }
  grpc::Status Get(const std::string& auth, const std::string& id,
                   v1::Listing* out) {
    v1::GetListingRequest request;
    request.set_listing_id(id);
    return Call(*stub_, &Stub::GetListing, auth, request, out);
  }
  // Every page of `request`, following next_page_token.
  std::vector<std::string> SearchAll(v1::SearchListingsRequest request) {
    std::vector<std::string> ids;
    for (int pages = 0; pages < 100; ++pages) {
      v1::ListListingsResponse response;
      grpc::Status status =
          Call(*stub_, &Stub::SearchListings, "", request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      for (const auto& l : response.listings()) ids.push_back(l.id());
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    return ids;
  }
  size_t MyListingCount() {
    v1::ListMyListingsRequest request;
    request.set_show_archived(true);
    request.set_page_size(100);
    v1::ListListingsResponse response;
    EXPECT_CODE(Call(*stub_, &Stub::ListMyListings, alice_, request, &response),
                OK);
    return response.listings_size();
  }

  ServerProcess server_;
  std::unique_ptr<Stub> stub_;
  std::string alice_, alice_id_, bob_;
};

TEST_F(BlackboxListings, Lifecycle) {
  v1::Listing book = Create(Book("0-7475-3269-9", "Harry Potter", 200));
  EXPECT_EQ(book.owner_id(), alice_id_);
  EXPECT_EQ(book.book().isbn(), "9780747532699");
  EXPECT_TRUE(book.active());
  EXPECT_EQ(book.version(), 1);
  EXPECT_EQ(book.late_fee().amount_minor(), 200);  // defaults to the price

  v1::Listing got;
  ASSERT_CODE(Get("", book.id(), &got), OK);  // public
  EXPECT_EQ(got.title(), "Harry Potter");

  // Update: only the owner, only with the current version.
  v1::UpdateListingRequest update;
  update.set_listing_id(book.id());
  update.mutable_listing()->set_title("Harry Potter (1st ed.)");
  update.mutable_listing()->set_version(1);
  update.mutable_update_mask()->add_paths("title");
  v1::Listing updated;
  EXPECT_CODE(Call(*stub_, &Stub::UpdateListing, bob_, update, &updated),
              PERMISSION_DENIED);
  ASSERT_CODE(Call(*stub_, &Stub::UpdateListing, alice_, update, &updated), OK);
  EXPECT_EQ(updated.version(), 2);
  EXPECT_CODE(Call(*stub_, &Stub::UpdateListing, alice_, update, &updated),
              ABORTED);  // version 1 is stale now

  // Deactivate: gone from search; activate: back.
  v1::SetListingActiveRequest active;
  active.set_listing_id(book.id());
  active.set_active(false);
  v1::Listing toggled;
  EXPECT_CODE(Call(*stub_, &Stub::SetListingActive, bob_, active, &toggled),
              PERMISSION_DENIED);
  ASSERT_CODE(Call(*stub_, &Stub::SetListingActive, alice_, active, &toggled),
              OK);
  EXPECT_FALSE(toggled.active());
  v1::SearchListingsRequest search;
  search.set_query("harry");
  EXPECT_TRUE(SearchAll(search).empty());
  active.set_active(true);
  ASSERT_CODE(Call(*stub_, &Stub::SetListingActive, alice_, active, &toggled),
              OK);
  EXPECT_EQ(SearchAll(search), std::vector<std::string>{book.id()});

  // The catalogue: a second copy links to the same book.
  v1::Listing copy =
      Create(Book("978-0-7475-3269-9", "Another title", 150), bob_);
  EXPECT_EQ(copy.book().title(), "Harry Potter");  // the catalogue's
  v1::GetBookRequest get_book;
  get_book.set_isbn("0747532699");
  v1::GetBookResponse book_response;
  ASSERT_CODE(Call(*stub_, &Stub::GetBook, "", get_book, &book_response), OK);
  EXPECT_EQ(book_response.book().isbn(), "9780747532699");
  EXPECT_EQ(book_response.listings_size(), 2);

  // Delete archives: the owner still sees it, nobody else does.
  v1::DeleteListingRequest del;
  del.set_listing_id(book.id());
  v1::DeleteListingResponse deleted;
  EXPECT_CODE(Call(*stub_, &Stub::DeleteListing, bob_, del, &deleted),
              PERMISSION_DENIED);
  ASSERT_CODE(Call(*stub_, &Stub::DeleteListing, alice_, del, &deleted), OK);
  EXPECT_CODE(Get(bob_, book.id(), &got), NOT_FOUND);
  ASSERT_CODE(Get(alice_, book.id(), &got), OK);
  EXPECT_TRUE(got.archived());
  EXPECT_CODE(Call(*stub_, &Stub::SetListingActive, alice_, active, &toggled),
              FAILED_PRECONDITION);
  EXPECT_EQ(SearchAll(search), std::vector<std::string>{copy.id()});
  EXPECT_EQ(MyListingCount(), 1u);
  EXPECT_TRUE(
      server_.WaitForStderr("rpc /rentwave.v1.Listings/DeleteListing code=OK"))
      << server_.StderrText();
}

TEST_F(BlackboxListings, SearchWithKeywordFiltersAndPages) {
  std::set<std::string> cheap_potter;
  for (int i = 0; i < 9; ++i) {
    v1::Listing l = Create(Book(
        "9780747532699", absl::StrCat("Harry Potter copy ", i), 100 + 50 * i));
    if (100 + 50 * i <= 400) cheap_potter.insert(l.id());
  }
  Create(Book("9780261103573", "The Fellowship of the Ring", 100));
  Create(Car("Harry's car", 900, 5));
  Create(Car("Family van", 1500, 7));
  v1::Listing paris = Create(Room("Paris"));
  Create(Room("Lyon"));

  v1::SearchListingsRequest search;
  search.set_query("harr pott");
  search.set_kind(v1::LISTING_KIND_BOOK);
  search.mutable_price()->set_max_minor(400);
  search.set_order_by(v1::SEARCH_ORDER_PRICE_ASCENDING);
  search.set_page_size(2);
  std::vector<std::string> ids = SearchAll(search);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), cheap_potter);
  EXPECT_EQ(ids.size(), cheap_potter.size());  // no duplicates

  v1::SearchListingsRequest seats;
  seats.set_vehicle_type(v1::VEHICLE_TYPE_CAR);
  seats.set_min_seats(6);
  EXPECT_EQ(SearchAll(seats).size(), 1u);

  v1::SearchListingsRequest city;
  city.set_city("PARIS");
  city.set_min_guests(2);
  EXPECT_EQ(SearchAll(city), std::vector<std::string>{paris.id()});

  // A page token only works with the filters it was issued for.
  v1::ListListingsResponse first;
  ASSERT_CODE(Call(*stub_, &Stub::SearchListings, "", search, &first), OK);
  ASSERT_FALSE(first.next_page_token().empty());
  search.set_page_token(first.next_page_token());
  search.mutable_price()->set_max_minor(500);
  v1::ListListingsResponse other;
  EXPECT_CODE(Call(*stub_, &Stub::SearchListings, "", search, &other),
              INVALID_ARGUMENT);
  search.set_page_token("forged");
  EXPECT_CODE(Call(*stub_, &Stub::SearchListings, "", search, &other),
              INVALID_ARGUMENT);
}

TEST_F(BlackboxListings, BadInputIsRejectedAndChangesNothing) {
  v1::CreateListingRequest request;
  *request.mutable_listing() = Car("Car", 900, 5);
  v1::Listing out;
  EXPECT_CODE(Call(*stub_, &Stub::CreateListing, "", request, &out),
              UNAUTHENTICATED);

  struct Case {
    std::string name;
    std::function<void(v1::Listing&)> mutate;
    std::string field;
  } cases[] = {
      {"empty title", [](v1::Listing& l) { l.set_title(""); }, "title"},
      {"long title", [](v1::Listing& l) { l.set_title(std::string(201, 'x')); },
       "title"},
      {"long description",
       [](v1::Listing& l) { l.set_description(std::string(5001, 'x')); },
       "description"},
      {"zero price",
       [](v1::Listing& l) { l.mutable_price()->set_amount_minor(0); }, "price"},
      {"absurd price",
       [](v1::Listing& l) {
         l.mutable_price()->set_amount_minor(int64_t{1} << 60);
       },
       "price"},
      {"bad currency",
       [](v1::Listing& l) { l.mutable_price()->set_currency("euro"); },
       "price.currency"},
      {"unknown kind",
       [](v1::Listing& l) { l.set_kind(static_cast<v1::ListingKind>(42)); },
       "kind"},
      {"unknown period",
       [](v1::Listing& l) {
         l.set_billing_period(static_cast<v1::BillingPeriod>(9));
       },
       "billing_period"},
      {"room fields on a vehicle",
       [](v1::Listing& l) { l.mutable_room()->set_city("Paris"); }, "room"},
      {"partial periods",
       [](v1::Listing& l) { l.mutable_max_duration()->set_seconds(5400); },
       "max_duration"},
      {"zero seats", [](v1::Listing& l) { l.mutable_vehicle()->set_seats(0); },
       "vehicle.seats"},
      {"bad isbn",
       [](v1::Listing& l) {
         l = Book("978-0-7475-3269-8", "Wrong check digit", 100);
       },
       "book.isbn"},
  };
  for (const Case& c : cases) {
    *request.mutable_listing() = Car("Car", 900, 5);
    c.mutate(*request.mutable_listing());
    grpc::Status status =
        Call(*stub_, &Stub::CreateListing, alice_, request, &out);
    EXPECT_EQ(CodeName(status.error_code()), "INVALID_ARGUMENT") << c.name;
    EXPECT_EQ(status.error_message().rfind(c.field, 0), 0u)
        << c.name << ": " << status.error_message();
  }
  EXPECT_EQ(MyListingCount(), 0u);

  v1::SearchListingsRequest search;
  search.set_page_size(101);
  v1::ListListingsResponse response;
  EXPECT_CODE(Call(*stub_, &Stub::SearchListings, "", search, &response),
              INVALID_ARGUMENT);
}

TEST_F(BlackboxListings, UpdatesThatFailChangeNothing) {
  v1::Listing car = Create(Car("Car", 900, 5));
  struct Case {
    std::string name;
    std::string auth;
    std::vector<std::string> paths;
    int64_t version;
    std::function<void(v1::Listing&)> mutate;
    std::string code;
    std::string field;  // the message starts with it
  } cases[] = {
      {"not the owner",
       bob_,
       {"title"},
       1,
       nullptr,
       "PERMISSION_DENIED",
       "listing"},
      {"stale version", alice_, {"title"}, 7, nullptr, "ABORTED", "listing"},
      {"no mask", alice_, {}, 1, nullptr, "INVALID_ARGUMENT", "update_mask"},
      {"unknown path",
       alice_,
       {"colour"},
       1,
       nullptr,
       "INVALID_ARGUMENT",
       "update_mask"},
      {"immutable path",
       alice_,
       {"kind"},
       1,
       nullptr,
       "INVALID_ARGUMENT",
       "update_mask"},
      {"book path on a car",
       alice_,
       {"book.title"},
       1,
       nullptr,
       "INVALID_ARGUMENT",
       "update_mask"},
      {"bad value after a good one",
       alice_,
       {"title", "vehicle.seats"},
       1,
       [](v1::Listing& l) { l.mutable_vehicle()->set_seats(0); },
       "INVALID_ARGUMENT",
       "vehicle.seats"},
      {"late fee in another currency",
       alice_,
       {"late_fee"},
       1,
       [](v1::Listing& l) {
         l.mutable_late_fee()->set_amount_minor(100);
         l.mutable_late_fee()->set_currency("USD");
       },
       "INVALID_ARGUMENT",
       "late_fee.currency"},
  };
  for (const Case& c : cases) {
    v1::UpdateListingRequest update;
    update.set_listing_id(car.id());
    *update.mutable_listing() = car;
    update.mutable_listing()->set_title("Changed");
    update.mutable_listing()->set_version(c.version);
    if (c.mutate) c.mutate(*update.mutable_listing());
    for (const std::string& path : c.paths) {
      update.mutable_update_mask()->add_paths(path);
    }
    v1::Listing out;
    grpc::Status status =
        Call(*stub_, &Stub::UpdateListing, c.auth, update, &out);
    EXPECT_EQ(CodeName(status.error_code()), c.code) << c.name;
    EXPECT_EQ(status.error_message().rfind(c.field, 0), 0u)
        << c.name << ": " << status.error_message();
  }
  v1::Listing got;
  ASSERT_CODE(Get("", car.id(), &got), OK);
  EXPECT_EQ(got.title(), "Car");
  EXPECT_EQ(got.version(), 1);
  EXPECT_EQ(got.vehicle().seats(), 5);
}

TEST_F(BlackboxListings, ABookListingsOwnTitleAndAuthorCanChange) {
  v1::Listing book = Create(Book("0-7475-3269-9", "Harry Potter", 200));
  v1::UpdateListingRequest update;
  update.set_listing_id(book.id());
  update.mutable_listing()->mutable_book()->set_title("HP and the Stone");
  update.mutable_listing()->mutable_book()->set_author("Rowling, J. K.");
  update.mutable_update_mask()->add_paths("book.title");
  update.mutable_update_mask()->add_paths("book.author");
  v1::Listing updated;
  ASSERT_CODE(Call(*stub_, &Stub::UpdateListing, alice_, update, &updated), OK);
  EXPECT_EQ(updated.book().title(), "HP and the Stone");
  EXPECT_EQ(updated.book().author(), "Rowling, J. K.");
  EXPECT_EQ(updated.book().isbn(), "9780747532699");
  v1::SearchListingsRequest search;
  search.set_query("stone");
  EXPECT_EQ(SearchAll(search), std::vector<std::string>{book.id()});

  update.mutable_update_mask()->Clear();
  update.mutable_update_mask()->add_paths("book.isbn");
  EXPECT_CODE(Call(*stub_, &Stub::UpdateListing, alice_, update, &updated),
              INVALID_ARGUMENT);
  // The catalogue keeps the first listing's title and author.
  v1::GetBookRequest get_book;
  get_book.set_isbn("9780747532699");
  v1::GetBookResponse response;
  ASSERT_CODE(Call(*stub_, &Stub::GetBook, "", get_book, &response), OK);
  EXPECT_EQ(response.book().title(), "Harry Potter");
  EXPECT_EQ(response.book().author(), "J. K. Rowling");
}

TEST_F(BlackboxListings, RepeatedKeywordsFindWhatOneFinds) {
  v1::Listing potter = Create(Book("0-7475-3269-9", "Harry Potter", 200));
  Create(Car("Harrier", 900, 5));
  std::string repeated;
  for (int i = 0; i < 27; ++i) repeated += "h harr ";
  repeated += "potter";  // 195 characters; 200 is the maximum
  v1::SearchListingsRequest search;
  search.set_query(repeated);
  EXPECT_EQ(SearchAll(search), std::vector<std::string>{potter.id()});
}

TEST_F(BlackboxListings, ListingsAndPageTokensSurviveARestart) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(Create(Car(absl::StrCat("Car ", i), 900, 5)).id());
  }
  v1::SearchListingsRequest search;
  search.set_page_size(2);
  v1::ListListingsResponse first;
  ASSERT_CODE(Call(*stub_, &Stub::SearchListings, "", search, &first), OK);
  ASSERT_EQ(first.listings_size(), 2);

  ASSERT_TRUE(server_.Restart().ok()) << server_.StderrText();
  Connect();
  search.set_page_token(first.next_page_token());
  v1::ListListingsResponse second;
  ASSERT_CODE(Call(*stub_, &Stub::SearchListings, "", search, &second), OK);
  ASSERT_EQ(second.listings_size(), 1);
  EXPECT_EQ(second.listings(0).id(), ids[0]);  // newest first
  EXPECT_TRUE(second.next_page_token().empty());
}

}  // namespace
}  // namespace rentwave::blackbox
