// Field rules for listings and searches. Every error is INVALID_ARGUMENT
// naming the field by its proto path (title, price.amount_minor, book.isbn,
// vehicle.seats, page_size, ...).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "modules/listings/listings.h"

namespace rentwave::listings {

// Checks every field of a listing about to be stored and normalizes it in
// place: the ISBN to its 13 digits, an unset late fee to the price, a deposit
// of 0 to {0, ""} (none). Rules: kind set and known; exactly the details of
// that kind and no other; title 1-200 characters, description 0-5000
// (newlines and tabs allowed), both valid UTF-8 without control characters
// and the title not blank; price 1 to platform::kMaxAmountMinor with a valid
// currency; late fee 0 to the maximum (0 and no currency: the price),
// deposit 0 to the maximum, both in the price's currency whenever a currency
// is given, and a currency required when the amount is not 0; period set and
// known; max_duration a positive whole number of periods, at most 366 days;
// kind-specific fields as documented in listings.proto (every text field
// valid UTF-8 on one line, required ones not blank). Strings are not
// trimmed. Idempotent. Thread-safe.
absl::Status NormalizeListing(Listing& listing);

// Checks a search and normalizes it in place (ISBN to 13 digits, city to a
// case-folded form, currency as given). Rules: text at most 200 characters
// of valid UTF-8 without control characters other than newlines and tabs;
// enums known (unspecified: no filter); prices >= 0 and min <= max when both
// set; currency, when set, a valid code; min_seats, min_guests >= 0; city
// and owner_id, when set, at most 100 characters of UTF-8 on one line;
// available_from and available_to both or neither, from < to. Thread-safe.
absl::Status NormalizeSearch(SearchQuery& query);

// The page size to use: 20 for 0, else 1-100. Errors: INVALID_ARGUMENT
// naming page_size.
absl::StatusOr<int> ResolvePageSize(int page_size);

// The case-folded form of a city name used for matching (ASCII lower-case;
// other characters as they are).
std::string FoldCity(absl::string_view city);

}  // namespace rentwave::listings
