// Tests for the field rules of listings and searches (validate.h).
#include "modules/listings/validate.h"

#include <gtest/gtest.h>

#include <climits>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "modules/listings/listings.h"
#include "modules/platform/money.h"

namespace rentwave::listings {
namespace {

using platform::kMaxAmountMinor;

constexpr char kEAcute[] = "\xC3\xA9";    // é, 2 bytes
constexpr char kEuro[] = "\xE2\x82\xAC";  // €, 3 bytes

std::string Repeat(absl::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) absl::StrAppend(&out, s);
  return out;
}

// Expects INVALID_ARGUMENT with a message that starts with "<field>: " and
// contains `detail`.
void ExpectInvalid(const absl::Status& status, absl::string_view field,
                   absl::string_view detail = "") {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_TRUE(absl::StartsWith(status.message(), absl::StrCat(field, ": ")))
      << "message does not name " << field << ": " << status;
  EXPECT_TRUE(absl::StrContains(status.message(), detail))
      << "message lacks \"" << detail << "\": " << status;
}

// --- listings: one valid baseline per kind ---

Listing Baseline(Kind kind) {
  Listing l;
  l.id = "01HZZZZZZZZZZZZZZZZZZZZZZZ";
  l.owner_id = "01HYYYYYYYYYYYYYYYYYYYYYYY";
  l.kind = kind;
  l.active = true;
  l.version = 3;
  switch (kind) {
    case Kind::kBook:
      l.title = "Zen and the Art of Motorcycle Maintenance, first edition";
      l.description = "Well read.\nSome pencil notes\tin chapter 3.";
      l.price = {500, "EUR"};
      l.period = Period::kDay;
      l.max_duration = absl::Hours(24 * 14);
      l.book = Book{"0-8044-2957-X", "Zen and the Art", "Robert M. Pirsig"};
      break;
    case Kind::kVehicle:
      l.title = "Estate car for the weekend";
      l.description = "";
      l.price = {1500, "USD"};
      l.period = Period::kHour;
      l.max_duration = absl::Hours(48);
      l.vehicle = Vehicle{VehicleType::kCar, "Volvo", "V70", 5, 500};
      break;
    case Kind::kRoom:
      l.title = absl::StrCat("Caf", kEAcute, " room");
      l.description = "Quiet.";
      l.price = {9000, "GBP"};
      l.period = Period::kDay;
      l.max_duration = absl::Hours(24 * 30);
      l.room = Room{"Lisbon", "Rua das Flores 1", 2, 1};
      break;
    case Kind::kUnspecified:
      break;
  }
  return l;
}

// A change to a valid baseline listing that keeps it valid.
struct Edge {
  const char* name;
  Kind base;
  std::function<void(Listing&)> mutate;
};

// A change to a valid baseline listing that breaks one rule.
struct Case {
  const char* name;
  Kind base;
  std::function<void(Listing&)> mutate;
  const char* field;   // the field the error must name
  const char* detail;  // a substring of the error
};

template <typename T>
std::string CaseName(const testing::TestParamInfo<T>& info) {
  return info.param.name;
}

TEST(NormalizeListingTest, AcceptsEachBaseline) {
  for (Kind kind : {Kind::kBook, Kind::kVehicle, Kind::kRoom}) {
    Listing l = Baseline(kind);
    EXPECT_TRUE(NormalizeListing(l).ok())
        << static_cast<int>(kind) << ": " << NormalizeListing(l);
  }
}

// --- listings: values at the edge of what is allowed ---

class NormalizeListingAcceptsTest : public testing::TestWithParam<Edge> {};

TEST_P(NormalizeListingAcceptsTest, Accepts) {
  Listing l = Baseline(GetParam().base);
  GetParam().mutate(l);
  absl::Status status = NormalizeListing(l);
  EXPECT_TRUE(status.ok()) << status;
}

const Edge kAccepted[] = {
    {"Title200Multibyte", Kind::kBook,
     [](Listing& l) { l.title = Repeat(kEuro, 200); }},
    {"TitleOneChar", Kind::kBook, [](Listing& l) { l.title = "x"; }},
    {"TitleWithSpacesAround", Kind::kBook,
     [](Listing& l) { l.title = "  x  "; }},
    {"DescriptionEmpty", Kind::kBook, [](Listing& l) { l.description = ""; }},
    {"Description5000Multiline", Kind::kBook,
     [](Listing& l) {
       l.description = Repeat(absl::StrCat(kEAcute, "\n"), 2500);
     }},
    {"DescriptionBlank", Kind::kBook,
     [](Listing& l) { l.description = " \n\t "; }},
    {"PriceOne", Kind::kBook, [](Listing& l) { l.price.amount_minor = 1; }},
    {"PriceMax", Kind::kBook,
     [](Listing& l) { l.price.amount_minor = kMaxAmountMinor; }},
    {"MaxDuration366Days", Kind::kRoom,
     [](Listing& l) { l.max_duration = absl::Hours(24 * 366); }},
    {"MaxDurationOneMinute", Kind::kVehicle,
     [](Listing& l) {
       l.period = Period::kMinute;
       l.max_duration = absl::Minutes(1);
     }},
    {"MaxDurationOneHour", Kind::kVehicle,
     [](Listing& l) { l.max_duration = absl::Hours(1); }},
    {"MaxDuration366DaysInMinutes", Kind::kVehicle,
     [](Listing& l) {
       l.period = Period::kMinute;
       l.max_duration = absl::Minutes(366 * 24 * 60);
     }},
    {"LateFeeZeroInPriceCurrency", Kind::kBook,
     [](Listing& l) {
       l.late_fee = {0, "EUR"};
     }},
    {"LateFeeMax", Kind::kBook,
     [](Listing& l) {
       l.late_fee = {kMaxAmountMinor, "EUR"};
     }},
    {"DepositMax", Kind::kBook,
     [](Listing& l) {
       l.deposit = {kMaxAmountMinor, "EUR"};
     }},
    {"DepositZeroInPriceCurrency", Kind::kBook,
     [](Listing& l) {
       l.deposit = {0, "EUR"};
     }},
    {"BookIsbn13", Kind::kBook,
     [](Listing& l) { l.book->isbn = "979-10-90636-07-1"; }},
    {"BookTitle200", Kind::kBook,
     [](Listing& l) { l.book->title = Repeat(kEAcute, 200); }},
    {"BookAuthor200", Kind::kBook,
     [](Listing& l) { l.book->author = std::string(200, 'a'); }},
    {"VehicleEachType", Kind::kVehicle,
     [](Listing& l) {
       for (int t = 1; t <= 6; ++t) {
         Listing copy = l;
         copy.vehicle->type = static_cast<VehicleType>(t);
         EXPECT_TRUE(NormalizeListing(copy).ok()) << t;
       }
     }},
    {"VehicleMake100", Kind::kVehicle,
     [](Listing& l) { l.vehicle->make = Repeat(kEAcute, 100); }},
    {"VehicleModel100", Kind::kVehicle,
     [](Listing& l) { l.vehicle->model = std::string(100, 'm'); }},
    {"VehicleSeatsOne", Kind::kVehicle,
     [](Listing& l) { l.vehicle->seats = 1; }},
    {"VehicleSeats100", Kind::kVehicle,
     [](Listing& l) { l.vehicle->seats = 100; }},
    {"VehicleBootZero", Kind::kVehicle,
     [](Listing& l) { l.vehicle->boot_litres = 0; }},
    {"VehicleBootMax", Kind::kVehicle,
     [](Listing& l) { l.vehicle->boot_litres = 100000; }},
    {"RoomCity100", Kind::kRoom,
     [](Listing& l) { l.room->city = std::string(100, 'c'); }},
    {"RoomAddress300", Kind::kRoom,
     [](Listing& l) { l.room->address = Repeat(kEuro, 300); }},
    {"RoomGuestsAndBeds100", Kind::kRoom,
     [](Listing& l) {
       l.room->max_guests = 100;
       l.room->beds = 100;
     }},
    {"RoomOneGuestOneBed", Kind::kRoom,
     [](Listing& l) {
       l.room->max_guests = 1;
       l.room->beds = 1;
     }},
};

INSTANTIATE_TEST_SUITE_P(Edges, NormalizeListingAcceptsTest,
                         testing::ValuesIn(kAccepted), CaseName<Edge>);

// --- listings: every rule broken once ---

class NormalizeListingRejectsTest : public testing::TestWithParam<Case> {};

TEST_P(NormalizeListingRejectsTest, RejectsNamingTheField) {
  Listing l = Baseline(GetParam().base);
  GetParam().mutate(l);
  ExpectInvalid(NormalizeListing(l), GetParam().field, GetParam().detail);
}

const Case kRejected[] = {
    // kind
    {"KindUnspecified", Kind::kBook,
     [](Listing& l) { l.kind = Kind::kUnspecified; }, "kind", "required"},
    {"KindUnknown", Kind::kBook,
     [](Listing& l) { l.kind = static_cast<Kind>(99); }, "kind",
     "unknown value 99"},
    {"KindNegative", Kind::kBook,
     [](Listing& l) { l.kind = static_cast<Kind>(-1); }, "kind",
     "unknown value -1"},
    // details must match the kind
    {"RoomWithVehicle", Kind::kRoom,
     [](Listing& l) { l.vehicle = Baseline(Kind::kVehicle).vehicle; },
     "vehicle", "not allowed for a ROOM listing"},
    {"RoomWithoutRoom", Kind::kRoom, [](Listing& l) { l.room.reset(); }, "room",
     "required for a ROOM listing"},
    {"BookWithRoom", Kind::kBook,
     [](Listing& l) { l.room = Baseline(Kind::kRoom).room; }, "room",
     "not allowed for a BOOK listing"},
    {"VehicleWithBook", Kind::kVehicle,
     [](Listing& l) { l.book = Baseline(Kind::kBook).book; }, "book",
     "not allowed for a VEHICLE listing"},
    {"VehicleWithoutDetails", Kind::kVehicle,
     [](Listing& l) { l.vehicle.reset(); }, "vehicle",
     "required for a VEHICLE listing"},
    {"BookDetailsOnVehicleKind", Kind::kBook,
     [](Listing& l) { l.kind = Kind::kVehicle; }, "book",
     "not allowed for a VEHICLE listing"},
    {"AllThreeDetails", Kind::kRoom,
     [](Listing& l) {
       l.book = Baseline(Kind::kBook).book;
       l.vehicle = Baseline(Kind::kVehicle).vehicle;
     },
     "book", "not allowed for a ROOM listing"},
    // title
    {"TitleEmpty", Kind::kBook, [](Listing& l) { l.title = ""; }, "title",
     "required"},
    {"TitleSpaces", Kind::kBook, [](Listing& l) { l.title = "   "; }, "title",
     "blank"},
    {"Title201", Kind::kBook, [](Listing& l) { l.title = Repeat(kEuro, 201); },
     "title", "1-200 characters, not 201"},
    {"TitleBadUtf8", Kind::kBook, [](Listing& l) { l.title = "caf\xC3"; },
     "title", "UTF-8"},
    {"TitleOverlongUtf8", Kind::kBook, [](Listing& l) { l.title = "\xC0\xAF"; },
     "title", "UTF-8"},
    {"TitleNewline", Kind::kBook, [](Listing& l) { l.title = "a\nb"; }, "title",
     "control"},
    {"TitleTab", Kind::kBook, [](Listing& l) { l.title = "a\tb"; }, "title",
     "control"},
    {"TitleNul", Kind::kBook,
     [](Listing& l) { l.title = std::string("a\0b", 3); }, "title", "control"},
    {"TitleDel", Kind::kBook, [](Listing& l) { l.title = "a\x7F"; }, "title",
     "control"},
    // description
    {"Description5001", Kind::kBook,
     [](Listing& l) { l.description = Repeat(kEAcute, 5001); }, "description",
     "at most 5000 characters"},
    {"DescriptionControl", Kind::kBook,
     [](Listing& l) { l.description = "bell\x07"; }, "description", "control"},
    {"DescriptionCarriageReturn", Kind::kBook,
     [](Listing& l) { l.description = "a\r\nb"; }, "description", "control"},
    {"DescriptionBadUtf8", Kind::kBook,
     [](Listing& l) { l.description = "\xFF"; }, "description", "UTF-8"},
    {"DescriptionSurrogate", Kind::kBook,
     [](Listing& l) { l.description = "\xED\xA0\x80"; }, "description",
     "UTF-8"},
    // price
    {"PriceZero", Kind::kBook, [](Listing& l) { l.price.amount_minor = 0; },
     "price.amount_minor", "1-100000000"},
    {"PriceNegative", Kind::kBook,
     [](Listing& l) { l.price.amount_minor = -5; }, "price.amount_minor",
     "not -5"},
    {"PriceOverMax", Kind::kBook,
     [](Listing& l) { l.price.amount_minor = kMaxAmountMinor + 1; },
     "price.amount_minor", ""},
    {"PriceCurrencyEmpty", Kind::kBook,
     [](Listing& l) { l.price.currency = ""; }, "price.currency", ""},
    {"PriceCurrencyLowerCase", Kind::kBook,
     [](Listing& l) { l.price.currency = "eur"; }, "price.currency", ""},
    {"PriceCurrencyTooLong", Kind::kBook,
     [](Listing& l) { l.price.currency = "EURO"; }, "price.currency", ""},
    // billing_period
    {"PeriodUnspecified", Kind::kBook,
     [](Listing& l) { l.period = Period::kUnspecified; }, "billing_period",
     "required"},
    {"PeriodUnknown", Kind::kBook,
     [](Listing& l) { l.period = static_cast<Period>(7); }, "billing_period",
     "unknown value 7"},
    // max_duration
    {"MaxDurationZero", Kind::kBook,
     [](Listing& l) { l.max_duration = absl::ZeroDuration(); }, "max_duration",
     "positive"},
    {"MaxDurationNegative", Kind::kBook,
     [](Listing& l) { l.max_duration = -absl::Hours(24); }, "max_duration",
     "positive"},
    {"MaxDuration367Days", Kind::kBook,
     [](Listing& l) { l.max_duration = absl::Hours(24 * 367); }, "max_duration",
     "366 days"},
    {"MaxDurationInfinite", Kind::kBook,
     [](Listing& l) { l.max_duration = absl::InfiniteDuration(); },
     "max_duration", "366 days"},
    {"MaxDurationPartDay", Kind::kBook,
     [](Listing& l) { l.max_duration = absl::Hours(24 * 14 + 1); },
     "max_duration", "whole number"},
    {"MaxDurationPartHour", Kind::kVehicle,
     [](Listing& l) { l.max_duration = absl::Minutes(90); }, "max_duration",
     "whole number"},
    {"MaxDurationPartMinute", Kind::kVehicle,
     [](Listing& l) {
       l.period = Period::kMinute;
       l.max_duration = absl::Seconds(90);
     },
     "max_duration", "whole number"},
    {"MaxDurationPartSecond", Kind::kVehicle,
     [](Listing& l) {
       l.period = Period::kMinute;
       l.max_duration = absl::Minutes(5) + absl::Nanoseconds(1);
     },
     "max_duration", "whole number"},
    // late_fee
    {"LateFeeNegative", Kind::kBook,
     [](Listing& l) {
       l.late_fee = {-1, "EUR"};
     },
     "late_fee.amount_minor", ""},
    {"LateFeeNegativeNoCurrency", Kind::kBook,
     [](Listing& l) {
       l.late_fee = {-1, ""};
     },
     "late_fee.amount_minor", ""},
    {"LateFeeOverMax", Kind::kBook,
     [](Listing& l) {
       l.late_fee = {kMaxAmountMinor + 1, "EUR"};
     },
     "late_fee.amount_minor", ""},
    {"LateFeeOtherCurrency", Kind::kBook,
     [](Listing& l) {
       l.late_fee = {500, "USD"};
     },
     "late_fee.currency", "price's currency (EUR)"},
    {"LateFeeZeroOtherCurrency", Kind::kBook,
     [](Listing& l) {
       l.late_fee = {0, "USD"};
     },
     "late_fee.currency", "price's currency"},
    {"LateFeeNoCurrency", Kind::kBook,
     [](Listing& l) {
       l.late_fee = {500, ""};
     },
     "late_fee.currency", "required"},
    {"LateFeeBadCurrency", Kind::kBook,
     [](Listing& l) {
       l.late_fee = {500, "eur"};
     },
     "late_fee.currency", ""},
    // deposit
    {"DepositNegative", Kind::kBook,
     [](Listing& l) {
       l.deposit = {-1, "EUR"};
     },
     "deposit.amount_minor", ""},
    {"DepositNegativeNoCurrency", Kind::kBook,
     [](Listing& l) {
       l.deposit = {-1, ""};
     },
     "deposit.amount_minor", ""},
    {"DepositOverMax", Kind::kBook,
     [](Listing& l) {
       l.deposit = {kMaxAmountMinor + 1, "EUR"};
     },
     "deposit.amount_minor", ""},
    {"DepositOtherCurrency", Kind::kBook,
     [](Listing& l) {
       l.deposit = {1000, "USD"};
     },
     "deposit.currency", "price's currency (EUR)"},
    {"DepositZeroOtherCurrency", Kind::kBook,
     [](Listing& l) {
       l.deposit = {0, "USD"};
     },
     "deposit.currency", "price's currency"},
    {"DepositZeroBadCurrency", Kind::kBook,
     [](Listing& l) {
       l.deposit = {0, "e"};
     },
     "deposit.currency", ""},
    {"DepositNoCurrency", Kind::kBook,
     [](Listing& l) {
       l.deposit = {1000, ""};
     },
     "deposit.currency", "required"},
    // book
    {"BookIsbnEmpty", Kind::kBook, [](Listing& l) { l.book->isbn = ""; },
     "book.isbn", "required"},
    {"BookIsbnChecksum", Kind::kBook,
     [](Listing& l) { l.book->isbn = "9780306406158"; }, "book.isbn",
     "check digit is wrong"},
    {"BookIsbnLetters", Kind::kBook,
     [](Listing& l) { l.book->isbn = "978O306406157"; }, "book.isbn",
     "unexpected character"},
    {"BookIsbnPrefix", Kind::kBook,
     [](Listing& l) { l.book->isbn = "9771234567898"; }, "book.isbn",
     "978 or 979"},
    {"BookTitleEmpty", Kind::kBook, [](Listing& l) { l.book->title = ""; },
     "book.title", "required"},
    {"BookTitleBlank", Kind::kBook, [](Listing& l) { l.book->title = "  "; },
     "book.title", "blank"},
    {"BookTitle201", Kind::kBook,
     [](Listing& l) { l.book->title = std::string(201, 't'); }, "book.title",
     "1-200"},
    {"BookTitleControl", Kind::kBook,
     [](Listing& l) { l.book->title = "a\x1B[31m"; }, "book.title", "control"},
    {"BookAuthorEmpty", Kind::kBook, [](Listing& l) { l.book->author = ""; },
     "book.author", "required"},
    {"BookAuthor201", Kind::kBook,
     [](Listing& l) { l.book->author = Repeat(kEAcute, 201); }, "book.author",
     "1-200"},
    {"BookAuthorBadUtf8", Kind::kBook,
     [](Listing& l) { l.book->author = "\x80"; }, "book.author", "UTF-8"},
    // vehicle
    {"VehicleTypeUnspecified", Kind::kVehicle,
     [](Listing& l) { l.vehicle->type = VehicleType::kUnspecified; },
     "vehicle.vehicle_type", "required"},
    {"VehicleTypeUnknown", Kind::kVehicle,
     [](Listing& l) { l.vehicle->type = static_cast<VehicleType>(42); },
     "vehicle.vehicle_type", "unknown value 42"},
    {"VehicleMakeEmpty", Kind::kVehicle,
     [](Listing& l) { l.vehicle->make = ""; }, "vehicle.make", "required"},
    {"VehicleMakeBlank", Kind::kVehicle,
     [](Listing& l) { l.vehicle->make = " "; }, "vehicle.make", "blank"},
    {"VehicleMake101", Kind::kVehicle,
     [](Listing& l) { l.vehicle->make = std::string(101, 'm'); },
     "vehicle.make", "1-100"},
    {"VehicleMakeControl", Kind::kVehicle,
     [](Listing& l) { l.vehicle->make = "Vol\nvo"; }, "vehicle.make",
     "control"},
    {"VehicleModelEmpty", Kind::kVehicle,
     [](Listing& l) { l.vehicle->model = ""; }, "vehicle.model", "required"},
    {"VehicleModel101", Kind::kVehicle,
     [](Listing& l) { l.vehicle->model = Repeat(kEuro, 101); }, "vehicle.model",
     "1-100"},
    {"VehicleSeatsZero", Kind::kVehicle,
     [](Listing& l) { l.vehicle->seats = 0; }, "vehicle.seats", "1-100"},
    {"VehicleSeatsNegative", Kind::kVehicle,
     [](Listing& l) { l.vehicle->seats = -1; }, "vehicle.seats", ""},
    {"VehicleSeats101", Kind::kVehicle,
     [](Listing& l) { l.vehicle->seats = 101; }, "vehicle.seats", ""},
    {"VehicleBootNegative", Kind::kVehicle,
     [](Listing& l) { l.vehicle->boot_litres = -1; }, "vehicle.boot_litres",
     "0-100000"},
    {"VehicleBootOverMax", Kind::kVehicle,
     [](Listing& l) { l.vehicle->boot_litres = 100001; }, "vehicle.boot_litres",
     ""},
    // room
    {"RoomCityEmpty", Kind::kRoom, [](Listing& l) { l.room->city = ""; },
     "room.city", "required"},
    {"RoomCityBlank", Kind::kRoom, [](Listing& l) { l.room->city = "   "; },
     "room.city", "blank"},
    {"RoomCity101", Kind::kRoom,
     [](Listing& l) { l.room->city = Repeat(kEAcute, 101); }, "room.city",
     "1-100"},
    {"RoomCityBadUtf8", Kind::kRoom,
     [](Listing& l) { l.room->city = "Lisb\xF5"; }, "room.city", "UTF-8"},
    {"RoomAddressEmpty", Kind::kRoom, [](Listing& l) { l.room->address = ""; },
     "room.address", "required"},
    {"RoomAddress301", Kind::kRoom,
     [](Listing& l) { l.room->address = std::string(301, 'a'); },
     "room.address", "1-300"},
    {"RoomAddressControl", Kind::kRoom,
     [](Listing& l) { l.room->address = "Rua 1\nLisbon"; }, "room.address",
     "control"},
    {"RoomGuestsZero", Kind::kRoom, [](Listing& l) { l.room->max_guests = 0; },
     "room.max_guests", "1-100"},
    {"RoomGuests101", Kind::kRoom, [](Listing& l) { l.room->max_guests = 101; },
     "room.max_guests", ""},
    {"RoomBedsZero", Kind::kRoom, [](Listing& l) { l.room->beds = 0; },
     "room.beds", "1-100"},
    {"RoomBeds101", Kind::kRoom, [](Listing& l) { l.room->beds = 101; },
     "room.beds", ""},
};

INSTANTIATE_TEST_SUITE_P(Rules, NormalizeListingRejectsTest,
                         testing::ValuesIn(kRejected), CaseName<Case>);

// --- listings: normalization ---

TEST(NormalizeListingTest, TurnsAnIsbn10IntoTheIsbn13) {
  Listing l = Baseline(Kind::kBook);
  l.book->isbn = "0-8044-2957-X";
  ASSERT_TRUE(NormalizeListing(l).ok());
  EXPECT_EQ(l.book->isbn, "9780804429573");
}

TEST(NormalizeListingTest, StripsHyphensFromAnIsbn13) {
  Listing l = Baseline(Kind::kBook);
  l.book->isbn = "978-0-306-40615-7";
  ASSERT_TRUE(NormalizeListing(l).ok());
  EXPECT_EQ(l.book->isbn, "9780306406157");
}

TEST(NormalizeListingTest, AnUnsetLateFeeBecomesThePrice) {
  Listing l = Baseline(Kind::kVehicle);
  l.late_fee = {};
  ASSERT_TRUE(NormalizeListing(l).ok());
  EXPECT_EQ(l.late_fee, (platform::Money{1500, "USD"}));
}

TEST(NormalizeListingTest, KeepsAnExplicitZeroLateFee) {
  Listing l = Baseline(Kind::kVehicle);
  l.late_fee = {0, "USD"};
  ASSERT_TRUE(NormalizeListing(l).ok());
  EXPECT_EQ(l.late_fee, (platform::Money{0, "USD"}));
}

TEST(NormalizeListingTest, KeepsASetLateFee) {
  Listing l = Baseline(Kind::kVehicle);
  l.late_fee = {2500, "USD"};
  ASSERT_TRUE(NormalizeListing(l).ok());
  EXPECT_EQ(l.late_fee, (platform::Money{2500, "USD"}));
}

TEST(NormalizeListingTest, NoDepositIsZeroWithoutCurrency) {
  Listing unset = Baseline(Kind::kRoom);
  ASSERT_TRUE(NormalizeListing(unset).ok());
  EXPECT_EQ(unset.deposit, platform::Money{});

  Listing zero = Baseline(Kind::kRoom);
  zero.deposit = {0, "GBP"};
  ASSERT_TRUE(NormalizeListing(zero).ok());
  EXPECT_EQ(zero.deposit, platform::Money{});
}

TEST(NormalizeListingTest, KeepsASetDeposit) {
  Listing l = Baseline(Kind::kRoom);
  l.deposit = {20000, "GBP"};
  ASSERT_TRUE(NormalizeListing(l).ok());
  EXPECT_EQ(l.deposit, (platform::Money{20000, "GBP"}));
}

TEST(NormalizeListingTest, LeavesEverythingElseAlone) {
  for (Kind kind : {Kind::kBook, Kind::kVehicle, Kind::kRoom}) {
    Listing before = Baseline(kind);
    before.late_fee = before.price;
    if (before.book) before.book->isbn = "9780804429573";
    Listing after = before;
    ASSERT_TRUE(NormalizeListing(after).ok());
    EXPECT_EQ(after.id, before.id);
    EXPECT_EQ(after.owner_id, before.owner_id);
    EXPECT_EQ(after.title, before.title);
    EXPECT_EQ(after.description, before.description);
    EXPECT_EQ(after.price, before.price);
    EXPECT_EQ(after.late_fee, before.late_fee);
    EXPECT_EQ(after.period, before.period);
    EXPECT_EQ(after.max_duration, before.max_duration);
    EXPECT_EQ(after.active, before.active);
    EXPECT_EQ(after.version, before.version);
    EXPECT_EQ(after.book, before.book);
    EXPECT_EQ(after.vehicle, before.vehicle);
    EXPECT_EQ(after.room, before.room);
  }
}

TEST(NormalizeListingTest, IsIdempotent) {
  for (Kind kind : {Kind::kBook, Kind::kVehicle, Kind::kRoom}) {
    Listing once = Baseline(kind);
    ASSERT_TRUE(NormalizeListing(once).ok());
    Listing twice = once;
    ASSERT_TRUE(NormalizeListing(twice).ok());
    EXPECT_EQ(twice.book, once.book);
    EXPECT_EQ(twice.late_fee, once.late_fee);
    EXPECT_EQ(twice.deposit, once.deposit);
  }
}

// --- searches ---

struct SearchCase {
  const char* name;
  std::function<void(SearchQuery&)> mutate;
  const char* field;  // nullptr: valid
  const char* detail;
};

class NormalizeSearchTest : public testing::TestWithParam<SearchCase> {};

TEST_P(NormalizeSearchTest, AppliesTheRule) {
  SearchQuery q;
  GetParam().mutate(q);
  absl::Status status = NormalizeSearch(q);
  if (GetParam().field == nullptr) {
    EXPECT_TRUE(status.ok()) << status;
  } else {
    ExpectInvalid(status, GetParam().field, GetParam().detail);
  }
}

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

const SearchCase kSearchCases[] = {
    {"Empty", [](SearchQuery&) {}, nullptr, ""},
    {"Everything",
     [](SearchQuery& q) {
       q.text = "harr pot";
       q.kind = Kind::kRoom;
       q.min_price_minor = 100;
       q.max_price_minor = 900;
       q.currency = "EUR";
       q.period = Period::kDay;
       q.vehicle_type = VehicleType::kVan;
       q.min_seats = 2;
       q.city = "Lisbon";
       q.min_guests = 3;
       q.isbn = "0-8044-2957-X";
       q.owner_id = "01HYYYYYYYYYYYYYYYYYYYYYYY";
       q.available_from = kT0;
       q.available_to = kT0 + absl::Hours(1);
       q.order = SearchOrder::kNewest;
     },
     nullptr, ""},
    // query
    {"Query200Multibyte", [](SearchQuery& q) { q.text = Repeat(kEuro, 200); },
     nullptr, ""},
    {"QueryWithNewlineAndTab", [](SearchQuery& q) { q.text = "a\nb\tc"; },
     nullptr, ""},
    {"Query201", [](SearchQuery& q) { q.text = std::string(201, 'q'); },
     "query", "at most 200 characters"},
    {"QueryBadUtf8", [](SearchQuery& q) { q.text = "caf\xC3"; }, "query",
     "UTF-8"},
    {"QueryControl", [](SearchQuery& q) { q.text = std::string("a\0", 2); },
     "query", "control"},
    // kind
    {"KindEachKnown",
     [](SearchQuery& q) {
       for (int k = 0; k <= 3; ++k) {
         SearchQuery copy;
         copy.kind = static_cast<Kind>(k);
         EXPECT_TRUE(NormalizeSearch(copy).ok()) << k;
       }
     },
     nullptr, ""},
    {"KindUnknown", [](SearchQuery& q) { q.kind = static_cast<Kind>(4); },
     "kind", "unknown value 4"},
    // prices
    {"MinPriceOnly", [](SearchQuery& q) { q.min_price_minor = 500; }, nullptr,
     ""},
    {"MinEqualsMax",
     [](SearchQuery& q) { q.min_price_minor = q.max_price_minor = 500; },
     nullptr, ""},
    {"MinPriceNegative", [](SearchQuery& q) { q.min_price_minor = -1; },
     "price.min_minor", "negative"},
    {"MaxPriceNegative", [](SearchQuery& q) { q.max_price_minor = -1; },
     "price.max_minor", "negative"},
    {"MinAboveMax",
     [](SearchQuery& q) {
       q.min_price_minor = 500;
       q.max_price_minor = 100;
     },
     "price.max_minor", "price.min_minor"},
    {"CurrencyLowerCase", [](SearchQuery& q) { q.currency = "usd"; },
     "price.currency", ""},
    {"CurrencyTooLong", [](SearchQuery& q) { q.currency = "EURO"; },
     "price.currency", ""},
    // enums
    {"PeriodUnknown", [](SearchQuery& q) { q.period = static_cast<Period>(9); },
     "billing_period", "unknown value 9"},
    {"VehicleTypeUnknown",
     [](SearchQuery& q) { q.vehicle_type = static_cast<VehicleType>(99); },
     "vehicle_type", "unknown value 99"},
    {"OrderUnknown",
     [](SearchQuery& q) { q.order = static_cast<SearchOrder>(5); }, "order_by",
     "unknown value 5"},
    {"OrderNegative",
     [](SearchQuery& q) { q.order = static_cast<SearchOrder>(-1); }, "order_by",
     ""},
    // counts
    {"MinSeatsNegative", [](SearchQuery& q) { q.min_seats = -1; }, "min_seats",
     "negative"},
    {"MinGuestsNegative", [](SearchQuery& q) { q.min_guests = -1; },
     "min_guests", "negative"},
    // city, isbn, owner
    {"CityBadUtf8", [](SearchQuery& q) { q.city = "\xFF"; }, "city", "UTF-8"},
    {"CityControl", [](SearchQuery& q) { q.city = "Lis\nbon"; }, "city",
     "control"},
    {"City101", [](SearchQuery& q) { q.city = std::string(101, 'c'); }, "city",
     "at most 100"},
    {"IsbnBad", [](SearchQuery& q) { q.isbn = "12345"; }, "isbn",
     "10 or 13 digits"},
    {"IsbnChecksum", [](SearchQuery& q) { q.isbn = "9780306406158"; }, "isbn",
     "check digit"},
    {"OwnerIdControl", [](SearchQuery& q) { q.owner_id = "a\x01"; }, "owner_id",
     "control"},
    {"OwnerIdBadUtf8", [](SearchQuery& q) { q.owner_id = "\xC3"; }, "owner_id",
     "UTF-8"},
    // availability window
    {"FromOnly", [](SearchQuery& q) { q.available_from = kT0; }, "available_to",
     "required with available_from"},
    {"ToOnly", [](SearchQuery& q) { q.available_to = kT0; }, "available_from",
     "required with available_to"},
    {"FromEqualsTo",
     [](SearchQuery& q) { q.available_from = q.available_to = kT0; },
     "available_to", "after available_from"},
    {"FromAfterTo",
     [](SearchQuery& q) {
       q.available_from = kT0;
       q.available_to = kT0 - absl::Microseconds(1);
     },
     "available_to", "after available_from"},
};

INSTANTIATE_TEST_SUITE_P(Rules, NormalizeSearchTest,
                         testing::ValuesIn(kSearchCases), CaseName<SearchCase>);

TEST(NormalizeSearchNormalizationTest, IsbnBecomesThirteenDigits) {
  SearchQuery q;
  q.isbn = "0-8044-2957-X";
  ASSERT_TRUE(NormalizeSearch(q).ok());
  EXPECT_EQ(q.isbn, "9780804429573");
}

TEST(NormalizeSearchNormalizationTest, CityIsFolded) {
  SearchQuery q;
  q.city = absl::StrCat("S", "\xC3\xA3", "o PAULO");
  ASSERT_TRUE(NormalizeSearch(q).ok());
  EXPECT_EQ(q.city, absl::StrCat("s", "\xC3\xA3", "o paulo"));
}

TEST(NormalizeSearchNormalizationTest, LeavesTheRestAsGiven) {
  SearchQuery q;
  q.text = "  Harry  Potter ";
  q.currency = "EUR";
  q.owner_id = "01HYYYYYYYYYYYYYYYYYYYYYYY";
  SearchQuery before = q;
  ASSERT_TRUE(NormalizeSearch(q).ok());
  EXPECT_EQ(q.text, before.text);
  EXPECT_EQ(q.currency, before.currency);
  EXPECT_EQ(q.owner_id, before.owner_id);
  EXPECT_EQ(q.isbn, "");
  EXPECT_EQ(q.city, "");
}

// --- page sizes and cities ---

TEST(ResolvePageSizeTest, ZeroMeansTwenty) {
  auto size = ResolvePageSize(0);
  ASSERT_TRUE(size.ok()) << size.status();
  EXPECT_EQ(*size, 20);
}

TEST(ResolvePageSizeTest, AcceptsOneToHundred) {
  for (int n : {1, 2, 20, 99, 100}) {
    auto size = ResolvePageSize(n);
    ASSERT_TRUE(size.ok()) << n << ": " << size.status();
    EXPECT_EQ(*size, n);
  }
}

TEST(ResolvePageSizeTest, RejectsOthers) {
  for (int n : {-1, 101, 1000, INT_MIN, INT_MAX}) {
    ExpectInvalid(ResolvePageSize(n).status(), "page_size", "1-100");
  }
}

TEST(FoldCityTest, LowerCasesAsciiOnly) {
  EXPECT_EQ(FoldCity("Berlin"), "berlin");
  EXPECT_EQ(FoldCity("NEW YORK"), "new york");
  EXPECT_EQ(FoldCity("M\xC3\x9CNCHEN"), "m\xC3\x9Cnchen");  // Ü stays
  EXPECT_EQ(FoldCity(""), "");
}

}  // namespace
}  // namespace rentwave::listings
