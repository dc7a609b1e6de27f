#include "modules/listings/listings_store.h"

#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "modules/listings/full_text.h"
#include "modules/platform/clock.h"
#include "modules/platform/db.h"
#include "modules/platform/scoped_temp_dir.h"
#include "modules/platform/test_database.h"

namespace rentwave::listings::store {
namespace {

using platform::Tx;

// The ISBN-13 "978" + `n` (9 digits) + its check digit.
std::string Isbn13(int n) {
  std::string digits = absl::StrFormat("978%09d", n);
  int sum = 0;
  for (int i = 0; i < 12; ++i) sum += (digits[i] - '0') * (i % 2 ? 3 : 1);
  return digits + static_cast<char>('0' + (10 - sum % 10) % 10);
}

constexpr char kPotterIsbn[] = "9780306406157";  // ISBN-10 0-306-40615-2

// A listing with every common field set to something other than its default.
Listing Base(const std::string& id, Kind kind, const std::string& title) {
  Listing l;
  l.id = id;
  l.owner_id = "owner-1";
  l.kind = kind;
  l.title = title;
  l.description = "";
  l.price = {1500, "EUR"};
  l.period = Period::kDay;
  l.max_duration = absl::Hours(24 * 14);
  l.late_fee = {2000, "EUR"};
  l.deposit = {5000, "EUR"};
  l.active = true;
  l.archived = false;
  l.created = l.updated = absl::FromUnixMicros(1'700'000'000'000'001);
  l.version = 1;
  return l;
}

Listing BookListing(const std::string& id, const std::string& title,
                    const std::string& isbn = kPotterIsbn,
                    const std::string& author = "J. K. Rowling") {
  Listing l = Base(id, Kind::kBook, title);
  l.book = Book{isbn, title, author};
  return l;
}

Listing VehicleListing(const std::string& id, const std::string& title) {
  Listing l = Base(id, Kind::kVehicle, title);
  l.period = Period::kHour;
  l.vehicle = Vehicle{VehicleType::kCar, "Volvo", "V70", 5, 540};
  return l;
}

Listing RoomListing(const std::string& id, const std::string& title) {
  Listing l = Base(id, Kind::kRoom, title);
  l.room = Room{"Malmö", "Storgatan 1", 2, 1};
  return l;
}

void ExpectSameListing(const Listing& got, const Listing& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.owner_id, want.owner_id);
  EXPECT_EQ(got.kind, want.kind);
  EXPECT_EQ(got.title, want.title);
  EXPECT_EQ(got.description, want.description);
  EXPECT_EQ(got.price, want.price);
  EXPECT_EQ(got.period, want.period);
  EXPECT_EQ(got.max_duration, want.max_duration);
  EXPECT_EQ(got.late_fee, want.late_fee);
  EXPECT_EQ(got.deposit, want.deposit);
  EXPECT_EQ(got.active, want.active);
  EXPECT_EQ(got.archived, want.archived);
  EXPECT_EQ(got.created, want.created);
  EXPECT_EQ(got.updated, want.updated);
  EXPECT_EQ(got.version, want.version);
  EXPECT_TRUE(got.book == want.book) << got.id;
  EXPECT_TRUE(got.vehicle == want.vehicle) << got.id;
  EXPECT_TRUE(got.room == want.room) << got.id;
}

std::vector<std::string> Ids(const std::vector<Row>& rows) {
  std::vector<std::string> ids;
  for (const Row& row : rows) ids.push_back(row.listing.id);
  return ids;
}

std::vector<std::string> Sorted(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  return ids;
}

SearchQuery Text(const std::string& text) {
  SearchQuery q;
  q.text = text;
  return q;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(":memory:"); }

  void Open(const std::string& path) {
    db_ = platform::OpenMigratedForTest(path, clock_);
    ASSERT_NE(db_, nullptr);
    ASSERT_TRUE(db_->ForEachConnection(RegisterSqlFunctions).ok());
  }

  void Write(const std::function<void(Tx&)>& fn) {
    absl::Status status = db_->Write([&](Tx& tx) {
      fn(tx);
      return absl::OkStatus();
    });
    ASSERT_TRUE(status.ok()) << status;
  }

  void Read(const std::function<void(Tx&)>& fn) {
    absl::Status status = db_->Read([&](Tx& tx) {
      fn(tx);
      return absl::OkStatus();
    });
    ASSERT_TRUE(status.ok()) << status;
  }

  // Catalogues a book listing's ISBN, then inserts the listing.
  void Add(const Listing& l) {
    Write([&](Tx& tx) {
      if (l.book) CatalogueBook(tx, *l.book, clock_.Now());
      Insert(tx, l);
    });
  }

  std::optional<Listing> Get(const std::string& id) {
    std::optional<Listing> found;
    Read([&](Tx& tx) { found = Find(tx, id); });
    return found;
  }

  std::vector<Row> Run(const SearchQuery& query,
                       SearchOrder order = SearchOrder::kNewest,
                       Scope scope = {},
                       const std::optional<SortKey>& after = std::nullopt,
                       int limit = 1000) {
    std::vector<Row> rows;
    absl::Status status = db_->Read([&](Tx& tx) {
      rows = Search(tx, query, scope, order, after, limit);
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status << " for query [" << query.text << "]";
    return rows;
  }

  std::vector<std::string> Found(const SearchQuery& query, Scope scope = {}) {
    return Sorted(Ids(Run(query, SearchOrder::kNewest, scope)));
  }

  // The relevance score of each listing matching `text`.
  std::map<std::string, int64_t> Scores(const std::string& text) {
    std::map<std::string, int64_t> scores;
    for (const Row& row : Run(Text(text), SearchOrder::kRelevance)) {
      scores[row.listing.id] = row.key.primary;
    }
    return scores;
  }

  platform::ManualClock clock_;
  std::unique_ptr<platform::Database> db_;
};

// --- Rows -------------------------------------------------------------------

TEST_F(StoreTest, EveryFieldOfEveryKindSurvivesTheRoundTrip) {
  Listing book = BookListing("b1", "Harry Potter", kPotterIsbn, "Rowling");
  book.description = "Line one\nline two";
  Listing vehicle = VehicleListing("v1", "Family car");
  vehicle.price = {123456, "SEK"};
  vehicle.late_fee = {0, ""};
  vehicle.deposit = {0, ""};
  vehicle.max_duration = absl::Hours(36);
  vehicle.vehicle->type = VehicleType::kTruck;
  vehicle.vehicle->boot_litres = 0;
  vehicle.active = false;
  vehicle.version = 7;
  Listing room = RoomListing("r1", "Room with a view");
  room.owner_id = "owner-2";
  room.period = Period::kMinute;
  room.max_duration = absl::Minutes(90);
  room.archived = true;
  room.created = absl::FromUnixMicros(1'600'000'000'123'456);
  room.updated = absl::FromUnixMicros(1'650'000'000'654'321);
  for (const Listing& l : {book, vehicle, room}) Add(l);

  for (const Listing& l : {book, vehicle, room}) {
    std::optional<Listing> got = Get(l.id);
    ASSERT_TRUE(got.has_value()) << l.id;
    ExpectSameListing(*got, l);
  }
  EXPECT_FALSE(Get("missing").has_value());
}

TEST_F(StoreTest, TheFirstCataloguedTitleAndAuthorWin) {
  const absl::Time t0 = clock_.Now();
  Write([&](Tx& tx) {
    EXPECT_EQ(CatalogueBook(tx, {kPotterIsbn, "First", "Ann"}, t0),
              (Book{kPotterIsbn, "First", "Ann"}));
    EXPECT_EQ(CatalogueBook(tx, {kPotterIsbn, "Second", "Bob"}, t0),
              (Book{kPotterIsbn, "First", "Ann"}));
  });
  Read([&](Tx& tx) {
    EXPECT_EQ(FindBook(tx, kPotterIsbn), (Book{kPotterIsbn, "First", "Ann"}));
    EXPECT_FALSE(FindBook(tx, Isbn13(1)).has_value());
  });
}

TEST_F(StoreTest, ABookListingNeedsItsCatalogueEntry) {
  absl::Status status = db_->Write([&](Tx& tx) {
    Insert(tx, BookListing("b1", "Uncatalogued", Isbn13(5)));
    return absl::OkStatus();
  });
  EXPECT_FALSE(status.ok());
  EXPECT_FALSE(Get("b1").has_value());
}

TEST_F(StoreTest, RowsWithTheWrongDetailsAreRejected) {
  Listing both = VehicleListing("v1", "Car");
  both.room = Room{"Oslo", "Gate 1", 1, 1};
  Listing free = VehicleListing("v2", "Car");
  free.price.amount_minor = 0;
  for (const Listing& l : {both, free}) {
    absl::Status status = db_->Write([&](Tx& tx) {
      Insert(tx, l);
      return absl::OkStatus();
    });
    EXPECT_FALSE(status.ok()) << l.id;
    EXPECT_FALSE(Get(l.id).has_value());
  }
  EXPECT_TRUE(Run(Text("car")).empty());
}

TEST_F(StoreTest, DuplicateIdsAreRejected) {
  Add(VehicleListing("v1", "Car"));
  absl::Status status = db_->Write([&](Tx& tx) {
    Insert(tx, VehicleListing("v1", "Bike"));
    return absl::OkStatus();
  });
  EXPECT_FALSE(status.ok());
  EXPECT_TRUE(Run(Text("bike")).empty());
}

TEST_F(StoreTest, UpdateOverwritesOnlyTheExpectedVersion) {
  Listing original = BookListing("b1", "Harry Potter");
  Add(original);

  Listing changed = original;
  changed.title = "Goblet of Fire";
  changed.description = "Fourth book";
  changed.price = {999, "USD"};
  changed.period = Period::kHour;
  changed.max_duration = absl::Hours(5);
  changed.late_fee = {111, "USD"};
  changed.deposit = {0, ""};
  changed.active = false;
  changed.archived = true;
  changed.book->title = "HP4";
  changed.book->author = "Jo";
  changed.updated = original.updated + absl::Seconds(3);
  changed.version = 2;
  bool applied = false;
  Write([&](Tx& tx) { applied = Update(tx, changed, 1); });
  EXPECT_TRUE(applied);
  ExpectSameListing(*Get("b1"), changed);

  Listing stale = original;
  stale.title = "Stale";
  stale.version = 2;
  Write([&](Tx& tx) { applied = Update(tx, stale, 1); });
  EXPECT_FALSE(applied);
  ExpectSameListing(*Get("b1"), changed);

  Listing missing = VehicleListing("nope", "Car");
  Write([&](Tx& tx) { applied = Update(tx, missing, 1); });
  EXPECT_FALSE(applied);

  // The search text follows the update.
  const Scope all{true, true};
  EXPECT_TRUE(Found(Text("harry"), all).empty());
  EXPECT_EQ(Found(Text("goblet fourth jo"), all),
            std::vector<std::string>{"b1"});
}

TEST_F(StoreTest, UpdatingARoomRefoldsItsCity) {
  Add(RoomListing("r1", "Room"));
  Listing moved = *Get("r1");
  moved.room->city = "GÖTEBORG";
  moved.version = 2;
  Write([&](Tx& tx) { ASSERT_TRUE(Update(tx, moved, 1)); });
  SearchQuery q;
  q.city = "göteborg";  // what FoldCity makes of it: ASCII lower-cased
  EXPECT_TRUE(Found(q).empty());
  q.city = "gÖteborg";
  EXPECT_EQ(Found(q), std::vector<std::string>{"r1"});
}

TEST_F(StoreTest, TheTokenKeyIsStoredOnce) {
  const std::string first("\0key\xff one", 9);
  std::string got;
  Write([&](Tx& tx) { got = LoadOrStoreTokenKey(tx, first, clock_.Now()); });
  EXPECT_EQ(got, first);
  Write([&](Tx& tx) { got = LoadOrStoreTokenKey(tx, "other", clock_.Now()); });
  EXPECT_EQ(got, first);
}

// --- Text search ------------------------------------------------------------

TEST_F(StoreTest, WordsMatchAsPrefixesInAnyOrderAndCase) {
  Add(BookListing("hp", "Harry Potter"));
  Add(VehicleListing("car", "Harrier jet"));
  const std::vector<std::string> hp = {"hp"};
  EXPECT_EQ(Found(Text("harr pot")), hp);
  EXPECT_EQ(Found(Text("POT HARR")), hp);
  EXPECT_EQ(Found(Text("  harry\tpotter  ")), hp);
  EXPECT_EQ(Found(Text("härry")), hp);  // diacritics are ignored
  EXPECT_EQ(Found(Text("rowl")), hp);   // the author
  EXPECT_EQ(Found(Text("harr")), (std::vector<std::string>{"car", "hp"}));
  EXPECT_TRUE(Found(Text("arry")).empty());  // prefixes, not infixes
}

TEST_F(StoreTest, EveryWordMustMatch) {
  Add(BookListing("hp", "Harry Potter"));
  Add(VehicleListing("hs", "Harry Smith's van"));
  EXPECT_EQ(Found(Text("harry potter")), std::vector<std::string>{"hp"});
  EXPECT_EQ(Found(Text("harry smith")), std::vector<std::string>{"hs"});
  EXPECT_TRUE(Found(Text("harry potter smith")).empty());
}

TEST_F(StoreTest, AnIsbnMatchesHoweverItIsTyped) {
  Add(BookListing("hp", "Some book", kPotterIsbn));
  Add(BookListing("other", "Other book", Isbn13(123)));
  const std::vector<std::string> hp = {"hp"};
  EXPECT_EQ(Found(Text("978-0-306-40615-7")), hp);
  EXPECT_EQ(Found(Text("978 0 306 40615 7")), hp);
  EXPECT_EQ(Found(Text("9780306406157")), hp);
  EXPECT_EQ(Found(Text("0-306-40615-2")), hp);  // its ISBN-10
  EXPECT_EQ(Found(Text("0306406152")), hp);
  EXPECT_EQ(Found(Text("book 978-0-306-40615-7")), hp);
  EXPECT_EQ(Found(Text("97803064")), hp);                 // a prefix
  EXPECT_TRUE(Found(Text("978-0-306-40615-8")).empty());  // bad checksum
}

TEST_F(StoreTest, AnIsbnTypedInADescriptionIsFoundToo) {
  Listing l = VehicleListing("v1", "Van");
  l.description = "Comes with manual 0-306-40615-2";
  Add(l);
  EXPECT_EQ(Found(Text("0-306-40615-2")), std::vector<std::string>{"v1"});
}

TEST_F(StoreTest, Fts5SyntaxInTheQueryIsPlainText) {
  Listing l = BookListing("hp", "Harry Potter");
  l.description = "near mint";
  Add(l);
  Add(VehicleListing("van", "Unrelated van"));
  // What a query finds: the book, nothing, or (no words at all, so no text
  // filter) everything.
  enum Finds { kBook, kNothing, kAll };
  struct Case {
    std::string text;
    Finds finds;
  };
  const std::vector<Case> cases = {
      {"\"harry potter\"", kBook},
      {"harry\"", kBook},
      {"\"", kAll},
      {"\"\"", kAll},
      {"harry*", kBook},
      {"*", kAll},
      {"harry -potter", kBook},
      {"-", kAll},
      {"(harry", kBook},
      {"harry)", kBook},
      {"()", kAll},
      {"title:harry", kNothing},  // "title" is a word that must match
      {"harry:", kBook},
      {"{title description}: harry", kNothing},
      {"harry NEAR potter", kBook},  // "near" is in the description
      {"NEAR(harry potter)", kBook},
      {"NEAR(harry potter, 2)", kNothing},  // so is "2"
      {"harry OR zzz", kNothing},
      {"harry AND", kNothing},
      {"NOT", kNothing},
      {"^harry", kBook},
      {"harry + potter", kBook},
      {"«harry» — potter…", kBook},
      {"harry — ", kBook},
      {"—", kAll},
      {"'", kAll},
      {"\\", kAll},
      {"%_", kAll},
      {"harry'); DROP TABLE listings_items; --", kNothing},
  };
  for (const Case& c : cases) {
    std::vector<std::string> found =
        Sorted(Ids(Run(Text(c.text), SearchOrder::kRelevance)));
    switch (c.finds) {
      case kBook:
        EXPECT_EQ(found, std::vector<std::string>{"hp"})
            << "[" << c.text << "]";
        break;
      case kNothing:
        EXPECT_TRUE(found.empty()) << "[" << c.text << "]";
        break;
      case kAll:
        EXPECT_EQ(found, (std::vector<std::string>{"hp", "van"}))
            << "[" << c.text << "]";
        break;
    }
  }
  EXPECT_TRUE(Get("hp").has_value());
}

TEST_F(StoreTest, RepeatedAndPrefixWordsAreQueriedOnce) {
  // A public query of 100 copies of one letter once read most of the index
  // 100 times (seconds at 100k listings).
  auto match = [&](const std::string& text) {
    std::optional<std::string> expression;
    Read([&](Tx& tx) {
      expression = full_text::MatchExpression(tx.db().getHandle(), text);
    });
    return expression.value_or("<none>");
  };
  std::string many;
  for (int i = 0; i < 100; ++i) absl::StrAppend(&many, "k ");
  EXPECT_EQ(match(many), "\"k\"*");
  EXPECT_EQ(match("k-k-k-k-K-k"), "\"k\"*");
  EXPECT_EQ(match("pot harr harry h Potter"), "\"harry\"* AND \"potter\"*");
  EXPECT_EQ(match("harry potter harry"), "\"harry\"* AND \"potter\"*");
  // Digits that are not a valid ISBN stay separate words.
  EXPECT_EQ(match("12345 67890"), "\"12345\"* AND \"67890\"*");
  EXPECT_EQ(match("0306406152 0306406152"),
            "(\"9780306406157\"* OR \"0306406152\"*)");

  Add(BookListing("hp", "Harry Potter"));
  Add(VehicleListing("car", "Harrier jet"));
  EXPECT_EQ(Found(Text("h harr harry h")), std::vector<std::string>{"hp"});
  EXPECT_EQ(Scores("harry harry potter"), Scores("potter harry"));
}

TEST_F(StoreTest, QueryWithoutWordsMatchesEverythingNewestFirst) {
  Listing a = VehicleListing("a", "Old car");
  Listing b = VehicleListing("b", "New car");
  b.created += absl::Seconds(1);
  Add(a);
  Add(b);
  for (const std::string text : {"", "   ", "—", "\"\" ()"}) {
    std::vector<Row> rows = Run(Text(text), SearchOrder::kRelevance);
    EXPECT_EQ(Ids(rows), (std::vector<std::string>{"b", "a"})) << text;
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].key.primary, platform::ToMicros(b.created));
  }
}

// --- Ranking ----------------------------------------------------------------

TEST_F(StoreTest, TitleHitsOutrankDescriptionHits) {
  Listing in_title = VehicleListing("t", std::string(190, 'x') + " rust");
  Listing in_description = VehicleListing("d", "Bike");
  in_description.description = "rust rust rust rusty rusted, rust everywhere";
  Listing in_both = VehicleListing("b", "Rust bucket");
  in_both.description = "some rust";
  Listing short_title = VehicleListing("s", "Rust");
  for (const Listing& l : {in_title, in_description, in_both, short_title}) {
    Add(l);
  }
  std::vector<Row> rows = Run(Text("rust"), SearchOrder::kRelevance);
  EXPECT_EQ(Ids(rows), (std::vector<std::string>{"b", "s", "t", "d"}));
  for (size_t i = 1; i < rows.size(); ++i) {
    EXPECT_GT(rows[i - 1].key.primary, rows[i].key.primary);
  }
}

TEST_F(StoreTest, AuthorAndIsbnHitsCount) {
  Add(BookListing("author", "A novel", Isbn13(1), "Tolkien"));
  Listing mention = VehicleListing("mention", "Van");
  mention.description = "tolkien audiobooks in the glovebox";
  Add(mention);
  EXPECT_EQ(Ids(Run(Text("tolkien"), SearchOrder::kRelevance)),
            (std::vector<std::string>{"author", "mention"}));
}

TEST_F(StoreTest, EqualScoresAreOrderedById) {
  for (const std::string id : {"c", "a", "b"}) {
    Add(VehicleListing(id, "Same title"));
  }
  std::vector<Row> rows = Run(Text("same"), SearchOrder::kRelevance);
  EXPECT_EQ(Ids(rows), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(rows[0].key.primary, rows[2].key.primary);
}

TEST_F(StoreTest, ScoresDoNotDependOnOtherListings) {
  Add(BookListing("b1", "The garden book", Isbn13(1), "Gardener"));
  Listing v = VehicleListing("v1", "Garden van");
  v.description = "carries garden waste";
  Add(v);
  Listing r = RoomListing("r1", "Room");
  r.description = "overlooks the garden";
  Add(r);
  const std::map<std::string, int64_t> before = Scores("garden");
  const std::map<std::string, int64_t> before_two = Scores("garden van");
  ASSERT_EQ(before.size(), 3u);

  Write([&](Tx& tx) {
    for (int i = 0; i < 100; ++i) {
      Insert(tx, VehicleListing(absl::StrCat("unrelated", i),
                                absl::StrCat("Tractor number ", i)));
      Listing related = RoomListing(absl::StrCat("related", i),
                                    absl::StrCat("Garden room garden ", i));
      related.description = std::string(i, 'g') + " garden van garden";
      Insert(tx, related);
    }
  });

  std::map<std::string, int64_t> after = Scores("garden");
  EXPECT_EQ(after.size(), 103u);
  for (const auto& [id, score] : before) EXPECT_EQ(after[id], score) << id;
  after = Scores("garden van");
  for (const auto& [id, score] : before_two) {
    EXPECT_EQ(after[id], score) << id;
  }
}

// --- Filters, scope, orders -------------------------------------------------

class StoreFilterTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    Listing b1 = BookListing("b1", "Dune", Isbn13(1), "Herbert");
    b1.price = {300, "EUR"};
    Listing b2 = BookListing("b2", "Dune Messiah", Isbn13(2), "Herbert");
    b2.price = {500, "USD"};
    b2.owner_id = "owner-2";
    b2.period = Period::kHour;
    Listing v1 = VehicleListing("v1", "Bike");
    v1.vehicle = Vehicle{VehicleType::kBicycle, "Brompton", "C", 1, 0};
    v1.price = {200, "EUR"};
    Listing v2 = VehicleListing("v2", "Van");
    v2.vehicle = Vehicle{VehicleType::kVan, "Ford", "Transit", 3, 6000};
    v2.price = {9000, "EUR"};
    Listing r1 = RoomListing("r1", "Attic");
    r1.room = Room{"Berlin", "Hauptstr. 1", 2, 1};
    r1.period = Period::kMinute;
    Listing r2 = RoomListing("r2", "Loft");
    r2.room = Room{"berlin", "Nebenstr. 2", 4, 2};
    r2.owner_id = "owner-2";
    Listing r3 = RoomListing("r3", "Flat");
    r3.room = Room{"Paris", "Rue 3", 6, 3};
    Listing off = VehicleListing("off", "Inactive bike");
    off.active = false;
    Listing gone = VehicleListing("gone", "Archived bike");
    gone.archived = true;
    Listing both = VehicleListing("both", "Inactive archived bike");
    both.active = false;
    both.archived = true;
    for (const Listing& l : {b1, b2, v1, v2, r1, r2, r3, off, gone, both}) {
      Add(l);
    }
  }
};

TEST_F(StoreFilterTest, EveryFilterNarrowsTheResults) {
  using V = std::vector<std::string>;
  SearchQuery q;
  EXPECT_EQ(Found(q), (V{"b1", "b2", "r1", "r2", "r3", "v1", "v2"}));

  q = {};
  q.kind = Kind::kBook;
  EXPECT_EQ(Found(q), (V{"b1", "b2"}));
  q = {};
  q.min_price_minor = 500;
  EXPECT_EQ(Found(q), (V{"b2", "r1", "r2", "r3", "v2"}));
  q = {};
  q.max_price_minor = 500;
  EXPECT_EQ(Found(q), (V{"b1", "b2", "v1"}));
  q.min_price_minor = 300;
  EXPECT_EQ(Found(q), (V{"b1", "b2"}));
  q = {};
  q.currency = "USD";
  EXPECT_EQ(Found(q), (V{"b2"}));
  q = {};
  q.period = Period::kMinute;
  EXPECT_EQ(Found(q), (V{"r1"}));
  q = {};
  q.vehicle_type = VehicleType::kVan;
  EXPECT_EQ(Found(q), (V{"v2"}));
  q = {};
  q.min_seats = 2;
  EXPECT_EQ(Found(q), (V{"v2"}));
  q = {};
  q.city = "berlin";
  EXPECT_EQ(Found(q), (V{"r1", "r2"}));
  q = {};
  q.min_guests = 4;
  EXPECT_EQ(Found(q), (V{"r2", "r3"}));
  q.city = "berlin";
  EXPECT_EQ(Found(q), (V{"r2"}));
  q = {};
  q.isbn = Isbn13(2);
  EXPECT_EQ(Found(q), (V{"b2"}));
  q = {};
  q.owner_id = "owner-2";
  EXPECT_EQ(Found(q), (V{"b2", "r2"}));
  q = Text("dune");
  q.currency = "EUR";
  EXPECT_EQ(Found(q), (V{"b1"}));
  q.currency = "SEK";
  EXPECT_TRUE(Found(q).empty());
  // Availability is the caller's business: ignored here.
  q = {};
  q.available_from = absl::UnixEpoch();
  q.available_to = absl::UnixEpoch() + absl::Hours(1);
  EXPECT_EQ(Found(q).size(), 7u);
}

TEST_F(StoreFilterTest, ScopeAddsInactiveAndArchivedListings) {
  using V = std::vector<std::string>;
  const SearchQuery bikes = Text("bike");
  EXPECT_EQ(Found(bikes), (V{"v1"}));
  EXPECT_EQ(Found(bikes, {.include_inactive = true}), (V{"off", "v1"}));
  EXPECT_EQ(Found(bikes, {.include_archived = true}), (V{"gone", "v1"}));
  EXPECT_EQ(Found(bikes, {true, true}), (V{"both", "gone", "off", "v1"}));
  SearchQuery all;
  EXPECT_EQ(Found(all, {true, true}).size(), 10u);
}

TEST_F(StoreFilterTest, EveryOrderSortsAndReportsItsKey) {
  SearchQuery q;
  q.kind = Kind::kVehicle;
  // Same price: the id breaks the tie, in the order's direction.
  std::vector<Row> rows = Run(q, SearchOrder::kPriceAscending);
  EXPECT_EQ(Ids(rows), (std::vector<std::string>{"v1", "v2"}));
  EXPECT_EQ(rows[0].key.primary, 200);
  EXPECT_EQ(rows[0].key.listing_id, "v1");
  EXPECT_EQ(Ids(Run(q, SearchOrder::kPriceDescending)),
            (std::vector<std::string>{"v2", "v1"}));

  q = {};
  rows = Run(q, SearchOrder::kPriceAscending);
  ASSERT_EQ(rows.size(), 7u);
  for (size_t i = 1; i < rows.size(); ++i) {
    EXPECT_LE(rows[i - 1].listing.price.amount_minor,
              rows[i].listing.price.amount_minor);
    EXPECT_EQ(rows[i].key.primary, rows[i].listing.price.amount_minor);
  }
  // All were created at the same instant: newest first is by id, descending.
  rows = Run(q, SearchOrder::kNewest);
  EXPECT_EQ(Ids(rows), (std::vector<std::string>{"v2", "v1", "r3", "r2", "r1",
                                                 "b2", "b1"}));
  EXPECT_EQ(rows[0].key.primary, platform::ToMicros(rows[0].listing.created));
  // The default order is relevance with words, newest without.
  EXPECT_EQ(Ids(Run(q, SearchOrder::kDefault)), Ids(rows));
  EXPECT_EQ(Ids(Run(Text("dune"), SearchOrder::kDefault)),
            (std::vector<std::string>{"b1", "b2"}));
  // Text with a non-relevance order.
  EXPECT_EQ(Ids(Run(Text("dune"), SearchOrder::kPriceDescending)),
            (std::vector<std::string>{"b2", "b1"}));
  rows = Run(Text("dune"), SearchOrder::kNewest);
  ASSERT_EQ(Ids(rows), (std::vector<std::string>{"b2", "b1"}));
  ExpectSameListing(rows[0].listing, *Get("b2"));
  EXPECT_EQ(rows[0].key.primary, platform::ToMicros(rows[0].listing.created));
  EXPECT_EQ(Ids(Run(Text("dune"), SearchOrder::kNewest, {}, rows[0].key)),
            std::vector<std::string>{"b1"});
}

TEST_F(StoreFilterTest, ResultsStartStrictlyAfterTheKey) {
  SearchQuery q;
  std::vector<Row> all = Run(q, SearchOrder::kPriceAscending);
  std::vector<Row> rest =
      Run(q, SearchOrder::kPriceAscending, {}, all[2].key, 2);
  EXPECT_EQ(Ids(rest),
            (std::vector<std::string>{all[3].listing.id, all[4].listing.id}));
}

// --- Keyset pagination under concurrent writes ------------------------------

struct PagingCase {
  const char* name;
  SearchOrder order;
  const char* text;
};

class StorePagingTest : public StoreTest,
                        public ::testing::WithParamInterface<PagingCase> {
 protected:
  // A file, so that reads go through the read connections.
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    Open(dir_.File("listings.db"));
  }

  // Listing number `n`: prices, creation times and scores with many ties;
  // ids not in creation order; most but not all match "alpha".
  Listing Make(int n) {
    const std::string id = absl::StrFormat("L%05d", (n * 7919) % 100000);
    Listing l;
    switch (n % 3) {
      case 0:
        l = VehicleListing(id, n % 6 == 0 ? "Alpha van" : "Beta van");
        break;
      case 1:
        l = RoomListing(id, "Room");
        break;
      default:
        l = BookListing(id, "Book", Isbn13(n % 5));
        break;
    }
    l.description = n % 7 == 0 ? "nothing to see"
                               : absl::StrCat(std::string(n % 4, 'z'),
                                              " alpha ", n % 2 ? "alpha" : "");
    // "gamma" is rarer, in varied amounts and lengths, and in every listing
    // added while paging: a corpus-dependent score (bm25) would drift.
    if (n % 4 == 0 || n >= 300) {
      for (int k = 0; k <= n % 3; ++k)
        absl::StrAppend(&l.description, " gamma");
      for (int k = 0; k < n % 9; ++k)
        absl::StrAppend(&l.description, " filler");
    }
    l.price.amount_minor = 100 + (n * 37) % 23;
    l.created = l.updated = clock_.Now();
    if (n % 3 == 0) clock_.Advance(absl::Microseconds(1));
    return l;
  }

  void AddMany(Tx& tx, int from, int to) {
    for (int n = from; n < to; ++n) {
      Listing l = Make(n);
      if (l.book) CatalogueBook(tx, *l.book, clock_.Now());
      Insert(tx, l);
    }
  }

  platform::ScopedTempDir dir_;
};

TEST_P(StorePagingTest, PagesNeitherSkipNorRepeatWhileListingsChange) {
  const PagingCase& c = GetParam();
  const SearchQuery query = Text(c.text);
  Write([&](Tx& tx) { AddMany(tx, 0, 300); });
  std::vector<std::string> at_start = Ids(Run(query, c.order, {}, {}, 10000));
  ASSERT_GE(at_start.size(), 75u);

  std::vector<Row> walked;
  std::optional<SortKey> after;
  int next = 300;
  for (int page = 0; page < 200; ++page) {
    std::vector<Row> rows = Run(query, c.order, {}, after, 7);
    ASSERT_LE(rows.size(), 7u);
    for (Row& row : rows) walked.push_back(std::move(row));
    if (rows.size() < 7) break;
    after = walked.back().key;
    // Between pages: new listings (which land anywhere in the order) and
    // changes to fields no order depends on.
    Write([&](Tx& tx) {
      AddMany(tx, next, next + 3);
      next += 3;
      for (int k = 0; k < 2; ++k) {
        std::optional<Listing> l =
            Find(tx, at_start[(page * 5 + k) % at_start.size()]);
        ASSERT_TRUE(l.has_value());
        l->deposit.amount_minor += 1;
        l->updated += absl::Seconds(1);
        if (l->vehicle) l->vehicle->seats += 1;
        ++l->version;
        ASSERT_TRUE(Update(tx, *l, l->version - 1));
      }
    });
  }

  std::set<std::string> seen;
  for (const Row& row : walked) {
    EXPECT_TRUE(seen.insert(row.listing.id).second)
        << row.listing.id << " twice";
  }
  for (const std::string& id : at_start) {
    EXPECT_TRUE(seen.contains(id)) << id << " skipped";
  }
  // Keys never go back.
  for (size_t i = 1; i < walked.size(); ++i) {
    const SortKey& a = walked[i - 1].key;
    const SortKey& b = walked[i].key;
    switch (c.order) {
      case SearchOrder::kPriceAscending:
        EXPECT_TRUE(a.primary < b.primary ||
                    (a.primary == b.primary && a.listing_id < b.listing_id));
        break;
      case SearchOrder::kRelevance:
        EXPECT_TRUE(a.primary > b.primary ||
                    (a.primary == b.primary && a.listing_id < b.listing_id));
        break;
      default:
        EXPECT_TRUE(a.primary > b.primary ||
                    (a.primary == b.primary && a.listing_id > b.listing_id));
        break;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Orders, StorePagingTest,
    ::testing::Values(
        PagingCase{"Relevance", SearchOrder::kRelevance, "alph"},
        PagingCase{"RelevanceRareWord", SearchOrder::kRelevance, "gamm"},
        PagingCase{"Newest", SearchOrder::kNewest, ""},
        PagingCase{"PriceAscending", SearchOrder::kPriceAscending, ""},
        PagingCase{"PriceDescending", SearchOrder::kPriceDescending, ""},
        PagingCase{"NewestWithText", SearchOrder::kNewest, "alpha"},
        PagingCase{"PriceAscendingWithText", SearchOrder::kPriceAscending,
                   "alpha"},
        PagingCase{"PriceDescendingWithText", SearchOrder::kPriceDescending,
                   "al"}),
    [](const ::testing::TestParamInfo<PagingCase>& info) {
      return std::string(info.param.name);
    });

// --- Query plans ------------------------------------------------------------

// The SQL of each statement run on a connection, with whether it sorted.
class StatementLog {
 public:
  explicit StatementLog(sqlite3* db) : db_(db) {
    sqlite3_trace_v2(db_, SQLITE_TRACE_PROFILE, &StatementLog::Trace, this);
  }
  ~StatementLog() { sqlite3_trace_v2(db_, 0, nullptr, nullptr); }

  struct Entry {
    std::string sql;
    int sorts;
  };
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  static int Trace(unsigned, void* self, void* stmt, void*) {
    auto* s = static_cast<sqlite3_stmt*>(stmt);
    static_cast<StatementLog*>(self)->entries_.push_back(
        {sqlite3_sql(s), sqlite3_stmt_status(s, SQLITE_STMTSTATUS_SORT, 0)});
    return 0;
  }

  sqlite3* db_;
  std::vector<Entry> entries_;
};

std::vector<std::string> QueryPlan(Tx& tx, const std::string& sql) {
  SQLite::Statement q(tx.db(), "EXPLAIN QUERY PLAN " + sql);
  std::vector<std::string> plan;
  while (q.executeStep()) plan.push_back(q.getColumn(3).getString());
  return plan;
}

TEST_F(StoreFilterTest, SearchesWithoutWordsUseAnIndexForTheirOrder) {
  struct Case {
    const char* name;
    SearchQuery query;
    Scope scope;
    SearchOrder order;
    const char* index;
  };
  SearchQuery owner;
  owner.owner_id = "owner-2";
  SearchQuery isbn;
  isbn.isbn = Isbn13(1);
  SearchQuery city;
  city.city = "berlin";
  SearchQuery kind;
  kind.kind = Kind::kRoom;
  const std::vector<Case> cases = {
      {"newest",
       {},
       {},
       SearchOrder::kNewest,
       "listings_items_searchable_newest"},
      {"kind newest",
       kind,
       {},
       SearchOrder::kNewest,
       "listings_items_searchable_newest"},
      {"price ascending",
       {},
       {},
       SearchOrder::kPriceAscending,
       "listings_items_searchable_price"},
      {"price descending",
       {},
       {},
       SearchOrder::kPriceDescending,
       "listings_items_searchable_price"},
      {"owned",
       owner,
       {true, true},
       SearchOrder::kNewest,
       "listings_items_by_owner"},
      {"owned unarchived",
       owner,
       {true, false},
       SearchOrder::kNewest,
       "listings_items_by_owner"},
      {"owner's public",
       owner,
       {},
       SearchOrder::kNewest,
       "listings_items_by_owner"},
      {"book", isbn, {}, SearchOrder::kNewest, "listings_items_by_isbn"},
      {"city", city, {}, SearchOrder::kNewest, "listings_items_by_city"},
  };
  for (const Case& c : cases) {
    for (bool paged : {false, true}) {
      SCOPED_TRACE(absl::StrCat(c.name, paged ? " after a key" : ""));
      std::optional<SortKey> after;
      if (paged) after = SortKey{300, "m"};
      Read([&](Tx& tx) {
        std::vector<StatementLog::Entry> run;
        {
          StatementLog log(tx.db().getHandle());
          Search(tx, c.query, c.scope, c.order, after, 3);
          run = log.entries();
        }
        ASSERT_EQ(run.size(), 1u);
        EXPECT_EQ(run[0].sorts, 0) << run[0].sql;
        const std::vector<std::string> plan = QueryPlan(tx, run[0].sql);
        const std::string text = absl::StrJoin(plan, "\n");
        EXPECT_EQ(text.find("TEMP B-TREE"), std::string::npos) << text;
        EXPECT_NE(text.find(absl::StrCat("INDEX ", c.index)), std::string::npos)
            << text;
        // With a key the index is entered at it, not scanned from the top.
        if (paged) {
          EXPECT_EQ(text.rfind("SEARCH", 0), 0u) << text;
        }
      });
    }
  }
}

}  // namespace
}  // namespace rentwave::listings::store
