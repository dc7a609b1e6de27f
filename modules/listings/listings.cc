#include "modules/listings/listings.h"

#include <functional>
#include <nlohmann/json.hpp>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "modules/listings/listings_store.h"
#include "modules/listings/validate.h"
#include "modules/platform/random.h"
#include "modules/platform/status.h"

namespace rentwave::listings {
namespace {

using platform::Tx;

constexpr size_t kTokenKeyBytes = 32;

std::string CreatedPayload(const Listing& l) {
  nlohmann::json payload = {{"kind", KindName(l.kind)},
                            {"title", l.title},
                            {"price_minor", l.price.amount_minor},
                            {"currency", l.price.currency}};
  if (l.book) payload["isbn"] = l.book->isbn;
  return payload.dump();
}

// Copies one field path of rentwave.v1.Listing from `from` into `to`.
using FieldCopier = std::function<void(const Listing& from, Listing& to)>;

// A nested details field: copies it from `from`'s details (defaults if unset)
// into `to`'s (which must exist, else the path does not apply).
template <typename Details, typename Field>
FieldCopier Nested(std::optional<Details> Listing::*details,
                   Field Details::*field) {
  return [details, field](const Listing& from, Listing& to) {
    Details source = (from.*details).value_or(Details{});
    if (to.*details) (*(to.*details)).*field = source.*field;
  };
}

const absl::flat_hash_map<std::string, FieldCopier>& Copiers() {
  static const auto* copiers =
      new absl::flat_hash_map<std::string, FieldCopier>{
          {"title", [](const Listing& f, Listing& t) { t.title = f.title; }},
          {"description",
           [](const Listing& f, Listing& t) { t.description = f.description; }},
          {"price", [](const Listing& f, Listing& t) { t.price = f.price; }},
          {"billing_period",
           [](const Listing& f, Listing& t) { t.period = f.period; }},
          {"max_duration", [](const Listing& f,
                              Listing& t) { t.max_duration = f.max_duration; }},
          {"late_fee",
           [](const Listing& f, Listing& t) { t.late_fee = f.late_fee; }},
          {"deposit",
           [](const Listing& f, Listing& t) { t.deposit = f.deposit; }},
          {"vehicle",
           [](const Listing& f, Listing& t) {
             if (t.vehicle) t.vehicle = f.vehicle.value_or(Vehicle{});
           }},
          {"vehicle.vehicle_type", Nested(&Listing::vehicle, &Vehicle::type)},
          {"vehicle.make", Nested(&Listing::vehicle, &Vehicle::make)},
          {"vehicle.model", Nested(&Listing::vehicle, &Vehicle::model)},
          {"vehicle.seats", Nested(&Listing::vehicle, &Vehicle::seats)},
          {"vehicle.boot_litres",
           Nested(&Listing::vehicle, &Vehicle::boot_litres)},
          {"room",
           [](const Listing& f, Listing& t) {
             if (t.room) t.room = f.room.value_or(Room{});
           }},
          {"room.city", Nested(&Listing::room, &Room::city)},
          {"room.address", Nested(&Listing::room, &Room::address)},
          {"room.max_guests", Nested(&Listing::room, &Room::max_guests)},
          {"room.beds", Nested(&Listing::room, &Room::beds)},
          // The listing's own copy; the catalogue entry keeps the first
          // listing's. The ISBN cannot change: it links to the catalogue.
          {"book.title", Nested(&Listing::book, &Book::title)},
          {"book.author", Nested(&Listing::book, &Book::author)},
      };
  return *copiers;
}

// Applies the update mask `paths` from `patch` to `listing`.
absl::Status ApplyMask(const Listing& patch,
                       const std::vector<std::string>& paths,
                       Listing& listing) {
  if (paths.empty()) {
    return absl::InvalidArgumentError("update_mask: name the fields to change");
  }
  for (const std::string& path : paths) {
    auto it = Copiers().find(path);
    if (it == Copiers().end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "update_mask: '", path, "' cannot be changed",
          path.rfind("book", 0) == 0
              ? " (the ISBN links the listing to its catalogue entry)"
              : ""));
    }
    bool book_path = path.rfind("book.", 0) == 0;
    bool vehicle_path = path.rfind("vehicle", 0) == 0;
    bool room_path = path.rfind("room", 0) == 0;
    if ((book_path && !listing.book) || (vehicle_path && !listing.vehicle) ||
        (room_path && !listing.room)) {
      return absl::InvalidArgumentError(
          absl::StrCat("update_mask: '", path, "' does not apply to a ",
                       KindName(listing.kind), " listing"));
    }
    it->second(patch, listing);
  }
  return absl::OkStatus();
}

absl::Status RequireLive(const Listing& listing) {
  if (!listing.archived) return absl::OkStatus();
  return absl::FailedPreconditionError(
      "listing: archived; it can no longer change");
}

// The request a page token is bound to, in one canonical string.
std::string TokenContext(const SearchQuery& q, bool with_inactive,
                         bool with_archived) {
  auto micros = [](const std::optional<absl::Time>& t) -> int64_t {
    return t ? platform::ToMicros(*t) : -1;
  };
  nlohmann::json context = {q.text,
                            static_cast<int>(q.kind),
                            q.min_price_minor,
                            q.max_price_minor,
                            q.currency,
                            static_cast<int>(q.period),
                            static_cast<int>(q.vehicle_type),
                            q.min_seats,
                            q.city,
                            q.min_guests,
                            q.isbn,
                            q.owner_id,
                            micros(q.available_from),
                            micros(q.available_to),
                            static_cast<int>(q.order),
                            with_inactive,
                            with_archived};
  return context.dump();
}

}  // namespace

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kBook:
      return "BOOK";
    case Kind::kVehicle:
      return "VEHICLE";
    case Kind::kRoom:
      return "ROOM";
    case Kind::kUnspecified:
      break;
  }
  return "UNSPECIFIED";
}

absl::Duration PeriodLength(Period period) {
  switch (period) {
    case Period::kMinute:
      return absl::Minutes(1);
    case Period::kHour:
      return absl::Hours(1);
    case Period::kDay:
      return absl::Hours(24);
    case Period::kUnspecified:
      break;
  }
  return absl::ZeroDuration();
}

absl::StatusOr<std::unique_ptr<Listings>> Listings::Open(
    platform::Database& db, platform::EventLog& events,
    const platform::Clock& clock, const RentalCalendar& rentals) {
  RW_RETURN_IF_ERROR(db.ForEachConnection(store::RegisterSqlFunctions));
  std::string fresh(kTokenKeyBytes, '\0');
  platform::RandomBytes(fresh.data(), fresh.size());
  std::string key;
  RW_RETURN_IF_ERROR(db.Write([&](Tx& tx) {
    key = store::LoadOrStoreTokenKey(tx, fresh, clock.Now());
    return absl::OkStatus();
  }));
  return std::unique_ptr<Listings>(
      new Listings(db, events, clock, rentals, std::move(key)));
}

Listings::Listings(platform::Database& db, platform::EventLog& events,
                   const platform::Clock& clock, const RentalCalendar& rentals,
                   std::string token_key)
    : db_(db),
      events_(events),
      clock_(clock),
      rentals_(rentals),
      tokens_(std::move(token_key)) {}

absl::StatusOr<Listing> Listings::CreateListing(const std::string& owner_id,
                                                Listing draft) {
  RW_RETURN_IF_ERROR(NormalizeListing(draft));
  absl::Time now = clock_.Now();
  draft.id = platform::NewId(now);
  draft.owner_id = owner_id;
  draft.active = true;
  draft.archived = false;
  draft.created = draft.updated = now;
  draft.version = 1;
  const std::optional<Book> requested = draft.book;
  RW_RETURN_IF_ERROR(db_.Write([&](Tx& tx) {
    // From the request every time: Write may run this twice.
    if (requested) draft.book = store::CatalogueBook(tx, *requested, now);
    store::Insert(tx, draft);
    return events_.Append(tx, "listing.created", draft.id, owner_id,
                          CreatedPayload(draft));
  }));
  return draft;
}

absl::StatusOr<Listing> Listings::Get(const std::string& viewer_id,
                                      const std::string& listing_id) const {
  if (listing_id.empty()) {
    return absl::InvalidArgumentError("listing_id: required");
  }
  absl::StatusOr<Listing> listing;
  RW_RETURN_IF_ERROR(db_.Read([&](Tx& tx) {
    listing = GetInTx(tx, listing_id);
    return absl::OkStatus();
  }));
  if (listing.ok() && listing->archived && listing->owner_id != viewer_id) {
    return absl::NotFoundError("listing: not found");
  }
  return listing;
}

absl::StatusOr<Listing> Listings::GetInTx(Tx& tx,
                                          const std::string& listing_id) const {
  std::optional<Listing> listing = store::Find(tx, listing_id);
  if (!listing) return absl::NotFoundError("listing: not found");
  return *std::move(listing);
}

absl::StatusOr<Listing> Listings::LoadOwned(
    Tx& tx, const std::string& caller_id, const std::string& listing_id) const {
  if (listing_id.empty()) {
    return absl::InvalidArgumentError("listing_id: required");
  }
  RW_ASSIGN_OR_RETURN(Listing listing, GetInTx(tx, listing_id));
  if (listing.owner_id != caller_id) {
    if (listing.archived) return absl::NotFoundError("listing: not found");
    return absl::PermissionDeniedError("listing: only its owner may change it");
  }
  return listing;
}

absl::StatusOr<Listing> Listings::Update(
    const std::string& caller_id, const Listing& patch,
    const std::vector<std::string>& paths) {
  Listing updated;
  RW_RETURN_IF_ERROR(db_.Write([&](Tx& tx) -> absl::Status {
    RW_ASSIGN_OR_RETURN(Listing current, LoadOwned(tx, caller_id, patch.id));
    RW_RETURN_IF_ERROR(RequireLive(current));
    if (patch.version != 0 && patch.version != current.version) {
      return absl::AbortedError(absl::StrCat(
          "listing: version ", patch.version,
          " is stale (current: ", current.version, "); reload and retry"));
    }
    updated = current;
    RW_RETURN_IF_ERROR(ApplyMask(patch, paths, updated));
    // A late fee that was left to default follows the price.
    bool price_changed = absl::c_linear_search(paths, "price");
    bool fee_changed = absl::c_linear_search(paths, "late_fee");
    if (price_changed && !fee_changed && current.late_fee == current.price) {
      updated.late_fee = {};
    }
    RW_RETURN_IF_ERROR(NormalizeListing(updated));
    updated.updated = clock_.Now();
    updated.version = current.version + 1;
    if (!store::Update(tx, updated, current.version)) {
      return absl::AbortedError("listing: changed concurrently; retry");
    }
    nlohmann::json payload = {{"fields", paths}};
    return events_.Append(tx, "listing.updated", updated.id, caller_id,
                          payload.dump());
  }));
  return updated;
}

absl::StatusOr<Listing> Listings::SetActive(const std::string& caller_id,
                                            const std::string& listing_id,
                                            bool active) {
  Listing listing;
  RW_RETURN_IF_ERROR(db_.Write([&](Tx& tx) -> absl::Status {
    RW_ASSIGN_OR_RETURN(listing, LoadOwned(tx, caller_id, listing_id));
    RW_RETURN_IF_ERROR(RequireLive(listing));
    if (listing.active == active) return absl::OkStatus();
    int64_t previous = listing.version;
    listing.active = active;
    listing.updated = clock_.Now();
    listing.version = previous + 1;
    if (!store::Update(tx, listing, previous)) {
      return absl::AbortedError("listing: changed concurrently; retry");
    }
    return events_.Append(tx,
                          active ? "listing.activated" : "listing.deactivated",
                          listing.id, caller_id, "{}");
  }));
  return listing;
}

absl::Status Listings::Archive(const std::string& caller_id,
                               const std::string& listing_id) {
  return db_.Write([&](Tx& tx) -> absl::Status {
    RW_ASSIGN_OR_RETURN(Listing listing, LoadOwned(tx, caller_id, listing_id));
    if (listing.archived) return absl::OkStatus();
    RW_ASSIGN_OR_RETURN(bool open, rentals_.HasOpenRentals(tx, listing_id));
    if (open) {
      return absl::FailedPreconditionError(
          "listing: has rentals under way or booked; archive it after they "
          "end");
    }
    int64_t previous = listing.version;
    listing.archived = true;
    listing.active = false;
    listing.updated = clock_.Now();
    listing.version = previous + 1;
    if (!store::Update(tx, listing, previous)) {
      return absl::AbortedError("listing: changed concurrently; retry");
    }
    return events_.Append(tx, "listing.archived", listing.id, caller_id, "{}");
  });
}

absl::StatusOr<Page> Listings::ListOwned(const std::string& owner_id,
                                         const PageRequest& page,
                                         bool show_archived) const {
  SearchQuery query;
  query.owner_id = owner_id;
  query.order = SearchOrder::kNewest;
  return RunSearch(query, /*with_inactive=*/true, show_archived, page);
}

absl::StatusOr<std::pair<Book, Page>> Listings::GetBook(
    const std::string& isbn, const PageRequest& page) const {
  SearchQuery query;
  query.isbn = isbn;
  query.order = SearchOrder::kNewest;
  RW_RETURN_IF_ERROR(NormalizeSearch(query));
  std::optional<Book> book;
  RW_RETURN_IF_ERROR(db_.Read([&](Tx& tx) {
    book = store::FindBook(tx, query.isbn);
    return absl::OkStatus();
  }));
  if (!book) return absl::NotFoundError("book: not in the catalogue");
  RW_ASSIGN_OR_RETURN(Page listings, RunSearch(query, false, false, page));
  return std::make_pair(*std::move(book), std::move(listings));
}

absl::StatusOr<Page> Listings::Search(SearchQuery query,
                                      const PageRequest& page) const {
  RW_RETURN_IF_ERROR(NormalizeSearch(query));
  return RunSearch(query, /*with_inactive=*/false, /*with_archived=*/false,
                   page);
}

absl::StatusOr<Page> Listings::RunSearch(const SearchQuery& query,
                                         bool with_inactive, bool with_archived,
                                         const PageRequest& page) const {
  RW_ASSIGN_OR_RETURN(int size, ResolvePageSize(page.page_size));
  SearchOrder order = query.order;
  if (order == SearchOrder::kDefault) {
    order = query.text.empty() ? SearchOrder::kNewest : SearchOrder::kRelevance;
  }
  const std::string context = TokenContext(query, with_inactive, with_archived);
  std::optional<store::SortKey> after;
  if (!page.page_token.empty()) {
    RW_ASSIGN_OR_RETURN(platform::PageCursor cursor,
                        tokens_.Decode(page.page_token, context, clock_.Now()));
    if (cursor.order != static_cast<int>(order)) {
      return absl::InvalidArgumentError(
          "page_token: not issued for this request");
    }
    after = store::SortKey{cursor.primary, cursor.id};
  }
  const store::Scope scope{with_inactive, with_archived};
  // One more than a page tells whether another page follows. Booked
  // listings are dropped after the query, so it may take several batches.
  const size_t wanted = static_cast<size_t>(size) + 1;
  std::vector<store::Row> kept;
  RW_RETURN_IF_ERROR(db_.Read([&](Tx& tx) -> absl::Status {
    absl::flat_hash_set<std::string> booked;
    if (query.available_from && query.available_to) {
      RW_ASSIGN_OR_RETURN(booked,
                          rentals_.BookedBetween(tx, *query.available_from,
                                                 *query.available_to));
    }
    while (kept.size() < wanted) {
      std::vector<store::Row> rows = store::Search(
          tx, query, scope, order, after, static_cast<int>(wanted));
      for (store::Row& row : rows) {
        if (kept.size() == wanted) break;
        if (!booked.contains(row.listing.id)) kept.push_back(std::move(row));
      }
      if (rows.size() < wanted) break;
      after = rows.back().key;
    }
    return absl::OkStatus();
  }));
  Page result;
  if (kept.size() == wanted) {
    kept.pop_back();
    const store::SortKey& last = kept.back().key;
    result.next_page_token = tokens_.Encode(
        platform::PageCursor{static_cast<int>(order), last.primary,
                             last.listing_id, clock_.Now()},
        context);
  }
  for (store::Row& row : kept)
    result.listings.push_back(std::move(row.listing));
  return result;
}

}  // namespace rentwave::listings
