#include "modules/listings/validate.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "modules/listings/isbn.h"
#include "modules/platform/money.h"
#include "modules/platform/status.h"
#include "modules/platform/text.h"

namespace rentwave::listings {
namespace {

using platform::HasControlChars;
using platform::IsValidUtf8;
using platform::kMaxAmountMinor;
using platform::Money;
using platform::Utf8Length;
using platform::ValidateCurrency;

constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;
constexpr size_t kMaxQueryChars = 200;
constexpr absl::Duration kMaxRental = absl::Hours(24 * 366);

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

// The enums arrive as casts of wire integers, so any value may show up.
bool KnownKind(Kind v) { return v >= Kind::kUnspecified && v <= Kind::kRoom; }
bool KnownPeriod(Period v) {
  return v >= Period::kUnspecified && v <= Period::kDay;
}
bool KnownVehicleType(VehicleType v) {
  return v >= VehicleType::kUnspecified && v <= VehicleType::kTruck;
}
bool KnownOrder(SearchOrder v) {
  return v >= SearchOrder::kDefault && v <= SearchOrder::kNewest;
}

template <typename Enum>
absl::Status UnknownValue(absl::string_view field, Enum value) {
  return Invalid(field,
                 absl::StrCat("unknown value ", static_cast<int>(value)));
}

enum class Text {
  kRequired,   // 1..max characters, not all whitespace, one line
  kOptional,   // 0..max characters, one line
  kMultiline,  // 0..max characters, \n and \t allowed
};

absl::Status ValidateText(absl::string_view field, absl::string_view value,
                          size_t max_chars, Text kind) {
  if (!IsValidUtf8(value)) return Invalid(field, "must be valid UTF-8");
  if (HasControlChars(value, /*allow_newlines=*/kind == Text::kMultiline)) {
    return Invalid(field, kind == Text::kMultiline
                              ? "must not contain control characters other "
                                "than newlines and tabs"
                              : "must not contain control characters");
  }
  size_t chars = Utf8Length(value);
  if (kind == Text::kRequired) {
    if (chars == 0) {
      return Invalid(field,
                     absl::StrCat("required: 1-", max_chars, " characters"));
    }
    if (absl::StripAsciiWhitespace(value).empty()) {
      return Invalid(field, "must not be blank");
    }
    if (chars > max_chars) {
      return Invalid(field, absl::StrCat("must be 1-", max_chars,
                                         " characters, not ", chars));
    }
  } else if (chars > max_chars) {
    return Invalid(field, absl::StrCat("must be at most ", max_chars,
                                       " characters, not ", chars));
  }
  return absl::OkStatus();
}

absl::Status ValidateRange(absl::string_view field, int64_t value, int64_t min,
                           int64_t max) {
  if (value >= min && value <= max) return absl::OkStatus();
  return Invalid(field,
                 absl::StrCat("must be ", min, "-", max, ", not ", value));
}

// A late fee or deposit: `prefix` is its proto field (late_fee, deposit).
// Callers have already replaced the "unset" forms.
absl::Status ValidateExtraCharge(absl::string_view prefix, const Money& money,
                                 const Money& price) {
  RW_RETURN_IF_ERROR(ValidateRange(absl::StrCat(prefix, ".amount_minor"),
                                   money.amount_minor, 0, kMaxAmountMinor));
  std::string currency_field = absl::StrCat(prefix, ".currency");
  if (money.currency.empty()) {
    return Invalid(currency_field,
                   absl::StrCat("required when ", prefix,
                                ".amount_minor is set; use the price's (",
                                price.currency, ")"));
  }
  RW_RETURN_IF_ERROR(ValidateCurrency(money.currency, currency_field));
  if (money.currency != price.currency) {
    return Invalid(currency_field,
                   absl::StrCat("must be the price's currency (",
                                price.currency, "), not ", money.currency));
  }
  return absl::OkStatus();
}

absl::Status ValidateBook(Book& book) {
  RW_ASSIGN_OR_RETURN(book.isbn, NormalizeIsbn(book.isbn, "book.isbn"));
  RW_RETURN_IF_ERROR(
      ValidateText("book.title", book.title, 200, Text::kRequired));
  return ValidateText("book.author", book.author, 200, Text::kRequired);
}

absl::Status ValidateVehicle(const Vehicle& vehicle) {
  if (!KnownVehicleType(vehicle.type)) {
    return UnknownValue("vehicle.vehicle_type", vehicle.type);
  }
  if (vehicle.type == VehicleType::kUnspecified) {
    return Invalid("vehicle.vehicle_type",
                   "required: BICYCLE, SCOOTER, MOTORCYCLE, CAR, VAN or TRUCK");
  }
  RW_RETURN_IF_ERROR(
      ValidateText("vehicle.make", vehicle.make, 100, Text::kRequired));
  RW_RETURN_IF_ERROR(
      ValidateText("vehicle.model", vehicle.model, 100, Text::kRequired));
  RW_RETURN_IF_ERROR(ValidateRange("vehicle.seats", vehicle.seats, 1, 100));
  return ValidateRange("vehicle.boot_litres", vehicle.boot_litres, 0, 100000);
}

absl::Status ValidateRoom(const Room& room) {
  RW_RETURN_IF_ERROR(
      ValidateText("room.city", room.city, 100, Text::kRequired));
  RW_RETURN_IF_ERROR(
      ValidateText("room.address", room.address, 300, Text::kRequired));
  RW_RETURN_IF_ERROR(ValidateRange("room.max_guests", room.max_guests, 1, 100));
  return ValidateRange("room.beds", room.beds, 1, 100);
}

// Exactly the details of `kind` must be present; naming the first wrong one.
absl::Status CheckDetailsMatchKind(const Listing& listing) {
  struct Details {
    const char* field;
    Kind kind;
    bool present;
  };
  const Details all[] = {
      {"book", Kind::kBook, listing.book.has_value()},
      {"vehicle", Kind::kVehicle, listing.vehicle.has_value()},
      {"room", Kind::kRoom, listing.room.has_value()}};
  const char* kind = KindName(listing.kind);
  for (const Details& d : all) {
    if (d.present && d.kind != listing.kind) {
      return Invalid(d.field,
                     absl::StrCat("not allowed for a ", kind, " listing"));
    }
  }
  for (const Details& d : all) {
    if (!d.present && d.kind == listing.kind) {
      return Invalid(d.field,
                     absl::StrCat("required for a ", kind, " listing"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status NormalizeListing(Listing& listing) {
  if (!KnownKind(listing.kind)) return UnknownValue("kind", listing.kind);
  if (listing.kind == Kind::kUnspecified) {
    return Invalid("kind", "required: BOOK, VEHICLE or ROOM");
  }
  RW_RETURN_IF_ERROR(CheckDetailsMatchKind(listing));

  RW_RETURN_IF_ERROR(
      ValidateText("title", listing.title, 200, Text::kRequired));
  RW_RETURN_IF_ERROR(
      ValidateText("description", listing.description, 5000, Text::kMultiline));

  RW_RETURN_IF_ERROR(ValidateRange(
      "price.amount_minor", listing.price.amount_minor, 1, kMaxAmountMinor));
  RW_RETURN_IF_ERROR(
      ValidateCurrency(listing.price.currency, "price.currency"));

  if (!KnownPeriod(listing.period)) {
    return UnknownValue("billing_period", listing.period);
  }
  if (listing.period == Period::kUnspecified) {
    return Invalid("billing_period", "required: MINUTE, HOUR or DAY");
  }
  absl::Duration period = PeriodLength(listing.period);
  if (listing.max_duration <= absl::ZeroDuration()) {
    return Invalid("max_duration", "required: a positive duration");
  }
  if (listing.max_duration > kMaxRental) {
    return Invalid("max_duration", "must be at most 366 days");
  }
  if (listing.max_duration % period != absl::ZeroDuration()) {
    return Invalid("max_duration",
                   absl::StrCat("must be a whole number of billing periods (",
                                absl::FormatDuration(period), ")"));
  }

  // An unset late fee (no amount, no currency) means "the price".
  if (listing.late_fee.amount_minor == 0 && listing.late_fee.currency.empty()) {
    listing.late_fee = listing.price;
  }
  RW_RETURN_IF_ERROR(
      ValidateExtraCharge("late_fee", listing.late_fee, listing.price));

  // A deposit of 0 is "none" whatever its currency says. Its canonical form is
  // {0, ""} rather than the price's currency so that a stored "none" never
  // conflicts with a later change of the price's currency.
  if (listing.deposit.amount_minor == 0) {
    if (!listing.deposit.currency.empty()) {
      // Still reject nonsense or a mismatch: the client meant something.
      RW_RETURN_IF_ERROR(
          ValidateExtraCharge("deposit", listing.deposit, listing.price));
    }
    listing.deposit.currency.clear();
  } else {
    RW_RETURN_IF_ERROR(
        ValidateExtraCharge("deposit", listing.deposit, listing.price));
  }

  switch (listing.kind) {
    case Kind::kBook:
      return ValidateBook(*listing.book);
    case Kind::kVehicle:
      return ValidateVehicle(*listing.vehicle);
    case Kind::kRoom:
      return ValidateRoom(*listing.room);
    case Kind::kUnspecified:
      break;
  }
  return absl::OkStatus();
}

absl::Status NormalizeSearch(SearchQuery& query) {
  if (!IsValidUtf8(query.text)) return Invalid("query", "must be valid UTF-8");
  if (HasControlChars(query.text, /*allow_newlines=*/true)) {
    return Invalid("query", "must not contain control characters");
  }
  if (size_t chars = Utf8Length(query.text); chars > kMaxQueryChars) {
    return Invalid("query", absl::StrCat("must be at most ", kMaxQueryChars,
                                         " characters, not ", chars));
  }
  if (!KnownKind(query.kind)) return UnknownValue("kind", query.kind);

  if (query.min_price_minor < 0) {
    return Invalid("price.min_minor", "must not be negative");
  }
  if (query.max_price_minor < 0) {
    return Invalid("price.max_minor", "must not be negative");
  }
  if (query.max_price_minor != 0 &&
      query.min_price_minor > query.max_price_minor) {
    return Invalid("price.max_minor",
                   "must not be less than price.min_minor (0: no upper bound)");
  }
  if (!query.currency.empty()) {
    RW_RETURN_IF_ERROR(ValidateCurrency(query.currency, "price.currency"));
  }
  if (!KnownPeriod(query.period)) {
    return UnknownValue("billing_period", query.period);
  }
  if (!KnownVehicleType(query.vehicle_type)) {
    return UnknownValue("vehicle_type", query.vehicle_type);
  }
  if (query.min_seats < 0) return Invalid("min_seats", "must not be negative");
  if (query.min_guests < 0) {
    return Invalid("min_guests", "must not be negative");
  }
  if (!query.city.empty()) {
    RW_RETURN_IF_ERROR(ValidateText("city", query.city, 100, Text::kOptional));
    query.city = FoldCity(query.city);
  }
  if (!query.isbn.empty()) {
    RW_ASSIGN_OR_RETURN(query.isbn, NormalizeIsbn(query.isbn, "isbn"));
  }
  if (!query.owner_id.empty()) {
    RW_RETURN_IF_ERROR(
        ValidateText("owner_id", query.owner_id, 100, Text::kOptional));
  }
  if (query.available_from.has_value() != query.available_to.has_value()) {
    return query.available_from
               ? Invalid("available_to", "required with available_from")
               : Invalid("available_from", "required with available_to");
  }
  if (query.available_from && *query.available_from >= *query.available_to) {
    return Invalid("available_to", "must be after available_from");
  }
  if (!KnownOrder(query.order)) return UnknownValue("order_by", query.order);
  return absl::OkStatus();
}

absl::StatusOr<int> ResolvePageSize(int page_size) {
  if (page_size == 0) return kDefaultPageSize;
  if (page_size < 1 || page_size > kMaxPageSize) {
    return Invalid("page_size",
                   absl::StrCat("must be 1-", kMaxPageSize, " (0 means ",
                                kDefaultPageSize, "), not ", page_size));
  }
  return page_size;
}

std::string FoldCity(absl::string_view city) {
  return absl::AsciiStrToLower(city);
}

}  // namespace rentwave::listings
