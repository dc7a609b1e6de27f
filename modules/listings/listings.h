// The listings module's public API: items offered for rent (books, vehicles,
// guest rooms), the book catalogue and search. The only header of this
// module other modules include.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/platform/clock.h"
#include "modules/platform/db.h"
#include "modules/platform/event_log.h"
#include "modules/platform/money.h"
#include "modules/platform/page_token.h"

namespace rentwave::listings {

// Numeric values are the proto enums' (rentwave.v1.ListingKind, ...); any
// other value is invalid input.
enum class Kind { kUnspecified = 0, kBook = 1, kVehicle = 2, kRoom = 3 };
enum class Period { kUnspecified = 0, kMinute = 1, kHour = 2, kDay = 3 };
enum class VehicleType {
  kUnspecified = 0,
  kBicycle = 1,
  kScooter = 2,
  kMotorcycle = 3,
  kCar = 4,
  kVan = 5,
  kTruck = 6,
};

// The length of one billing period.
absl::Duration PeriodLength(Period period);

// "BOOK", "VEHICLE", "ROOM" or "UNSPECIFIED", for messages and events.
const char* KindName(Kind kind);

struct Book {
  std::string isbn;  // the 13 digits of the ISBN-13
  std::string title;
  std::string author;
  bool operator==(const Book&) const = default;
};

struct Vehicle {
  VehicleType type = VehicleType::kUnspecified;
  std::string make;
  std::string model;
  int seats = 0;
  int boot_litres = 0;
  bool operator==(const Vehicle&) const = default;
};

struct Room {
  std::string city;
  std::string address;
  int max_guests = 0;
  int beds = 0;
  bool operator==(const Room&) const = default;
};

struct Listing {
  std::string id;
  std::string owner_id;
  Kind kind = Kind::kUnspecified;
  std::string title;
  std::string description;
  platform::Money price;  // per billing period
  Period period = Period::kUnspecified;
  absl::Duration max_duration;  // a whole number of periods
  platform::Money late_fee;     // per started period late
  platform::Money deposit;      // amount 0: none
  bool active = false;
  bool archived = false;
  absl::Time created;
  absl::Time updated;
  int64_t version = 0;
  // Exactly the one matching `kind` is set.
  std::optional<Book> book;
  std::optional<Vehicle> vehicle;
  std::optional<Room> room;
};

// The rentals a listing has, as far as listings need to know. Implemented by
// the rentals module (which depends on listings, so listings cannot call it
// directly); NoRentals stands in until it exists. Implementations read
// through `tx` and are thread-safe.
class RentalCalendar {
 public:
  virtual ~RentalCalendar() = default;
  // Whether the listing has a rental that is under way or yet to start.
  virtual absl::StatusOr<bool> HasOpenRentals(
      platform::Tx& tx, const std::string& listing_id) const = 0;
  // The listings with a rental overlapping [from, to).
  virtual absl::StatusOr<absl::flat_hash_set<std::string>> BookedBetween(
      platform::Tx& tx, absl::Time from, absl::Time to) const = 0;
};

class NoRentals final : public RentalCalendar {
 public:
  absl::StatusOr<bool> HasOpenRentals(platform::Tx&,
                                      const std::string&) const override {
    return false;
  }
  absl::StatusOr<absl::flat_hash_set<std::string>> BookedBetween(
      platform::Tx&, absl::Time, absl::Time) const override {
    return absl::flat_hash_set<std::string>{};
  }
};

enum class SearchOrder {
  kDefault = 0,  // relevance with a text query, else newest
  kRelevance = 1,
  kPriceAscending = 2,
  kPriceDescending = 3,
  kNewest = 4,
};

// Every field is optional (zero/empty: no filter).
struct SearchQuery {
  std::string text;  // keywords, each matched as a prefix; all must match
  Kind kind = Kind::kUnspecified;
  int64_t min_price_minor = 0;
  int64_t max_price_minor = 0;
  std::string currency;
  Period period = Period::kUnspecified;
  VehicleType vehicle_type = VehicleType::kUnspecified;
  int min_seats = 0;
  std::string city;  // case-insensitive
  int min_guests = 0;
  std::string isbn;  // ISBN-10 or -13
  std::string owner_id;
  std::optional<absl::Time> available_from;  // both or neither
  std::optional<absl::Time> available_to;
  SearchOrder order = SearchOrder::kDefault;
};

using platform::PageRequest;

struct Page {
  std::vector<Listing> listings;
  std::string next_page_token;  // empty on the last page
};

class Listings {
 public:
  // Registers the module's SQL functions on every connection of `db` and
  // loads (or creates) the page-token key. Errors: those of the database.
  static absl::StatusOr<std::unique_ptr<Listings>> Open(
      platform::Database& db, platform::EventLog& events,
      const platform::Clock& clock, const RentalCalendar& rentals);

  // Creates an active listing owned by `owner_id` from `draft` (id, owner,
  // active, archived, times and version are ignored) and records
  // listing.created. A book's ISBN is normalized and catalogued if new; the
  // catalogue's title and author win over the draft's. Errors:
  // INVALID_ARGUMENT naming the field.
  absl::StatusOr<Listing> CreateListing(const std::string& owner_id,
                                        Listing draft);

  // A listing; archived ones only for their owner. Errors: INVALID_ARGUMENT
  // (empty id), NOT_FOUND.
  absl::StatusOr<Listing> Get(const std::string& viewer_id,
                              const std::string& listing_id) const;

  // Copies the fields named by `paths` (proto field paths, see
  // rentwave.v1.UpdateListingRequest) from `patch` into listing `patch.id`,
  // validates the result and records listing.updated. patch.version, unless
  // 0, must be the current version. A late fee equal to the old price (as a
  // defaulted one is) follows a changed price unless late_fee is in `paths`
  // too. Errors: INVALID_ARGUMENT (unknown or
  // immutable path, bad value), NOT_FOUND, PERMISSION_DENIED (not the
  // owner), ABORTED (stale version), FAILED_PRECONDITION (archived).
  absl::StatusOr<Listing> Update(const std::string& caller_id,
                                 const Listing& patch,
                                 const std::vector<std::string>& paths);

  // Activates or deactivates a listing (listing.activated /
  // listing.deactivated); a no-op if it already is. Errors: INVALID_ARGUMENT
  // (empty id), NOT_FOUND, PERMISSION_DENIED, FAILED_PRECONDITION (archived).
  absl::StatusOr<Listing> SetActive(const std::string& caller_id,
                                    const std::string& listing_id, bool active);

  // Archives a listing (listing.archived); a no-op if it already is. Errors:
  // INVALID_ARGUMENT (empty id), NOT_FOUND, PERMISSION_DENIED,
  // FAILED_PRECONDITION (open rentals), those of RentalCalendar. Archiving
  // also deactivates.
  absl::Status Archive(const std::string& caller_id,
                       const std::string& listing_id);

  // The owner's listings, newest first; archived ones only if asked.
  // Errors: INVALID_ARGUMENT (page size, page token).
  absl::StatusOr<Page> ListOwned(const std::string& owner_id,
                                 const PageRequest& page,
                                 bool show_archived) const;

  // A catalogued book and a page of its active listings, newest first.
  // Errors: INVALID_ARGUMENT (ISBN, page), NOT_FOUND (not catalogued).
  absl::StatusOr<std::pair<Book, Page>> GetBook(const std::string& isbn,
                                                const PageRequest& page) const;

  // Active, unarchived listings matching `query`, one page. A page token is
  // valid only with the same query. Errors: INVALID_ARGUMENT naming the
  // field (including a forged, stale or mismatched page_token).
  absl::StatusOr<Page> Search(SearchQuery query, const PageRequest& page) const;

  // For other modules: a listing in any state, read inside their
  // transaction. Errors: NOT_FOUND.
  absl::StatusOr<Listing> GetInTx(platform::Tx& tx,
                                  const std::string& listing_id) const;

  // All methods are thread-safe.

 private:
  Listings(platform::Database& db, platform::EventLog& events,
           const platform::Clock& clock, const RentalCalendar& rentals,
           std::string token_key);
  // Loads `listing_id` for a change by `caller_id`. Errors: INVALID_ARGUMENT
  // (empty id), NOT_FOUND (also someone else's archived listing),
  // PERMISSION_DENIED (not theirs).
  absl::StatusOr<Listing> LoadOwned(platform::Tx& tx,
                                    const std::string& caller_id,
                                    const std::string& listing_id) const;
  // One page of `query` (normalized) within `scope`, minus listings booked
  // in the query's availability window.
  absl::StatusOr<Page> RunSearch(const SearchQuery& query, bool with_inactive,
                                 bool with_archived,
                                 const PageRequest& page) const;

  platform::Database& db_;
  platform::EventLog& events_;
  const platform::Clock& clock_;
  const RentalCalendar& rentals_;
  const platform::PageTokenCodec tokens_;
};

}  // namespace rentwave::listings
