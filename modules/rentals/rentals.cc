#include "modules/rentals/rentals.h"

#include <sodium.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "absl/strings/str_cat.h"
#include "modules/platform/json_object.h"
#include "modules/platform/money.h"
#include "modules/platform/random.h"
#include "modules/platform/status.h"
#include "modules/rentals/rentals_store.h"

namespace rentwave::rentals {
namespace {

using platform::Tx;

constexpr size_t kTokenKeyBytes = 32;
// The one sort order of rental pages (PageCursor::order).
constexpr int kNewestFirst = 0;
// How far in the past a start may be (client clocks drift; a start of "now"
// computed by the client arrives a little late).
constexpr absl::Duration kStartSkew = absl::Minutes(1);
absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

absl::Status Precondition(absl::string_view why) {
  return absl::FailedPreconditionError(absl::StrCat("rental: ", why));
}

bool IsToken(absl::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

absl::Status ValidateRequestId(const std::string& request_id) {
  if (request_id.empty()) return Invalid("request_id", "required");
  if (!IsToken(request_id)) {
    return Invalid("request_id", "1-64 characters of [A-Za-z0-9_-]");
  }
  return absl::OkStatus();
}

absl::StatusOr<int> ResolvePageSize(int page_size) {
  if (page_size == 0) return 20;
  if (page_size < 0 || page_size > 100) {
    return Invalid("page_size", absl::StrCat("must be 0-100, not ", page_size));
  }
  return page_size;
}

// A request's parameters in a fixed-size form (see wallet): a retry is told
// from a reuse of its id for something else.
std::string Fingerprint(const nlohmann::json& parameters) {
  const std::string canonical = parameters.dump();
  std::string hash(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(hash.data()),
                     reinterpret_cast<const unsigned char*>(canonical.data()),
                     canonical.size());
  return hash;
}

nlohmann::json OptionalMicros(const std::optional<absl::Time>& t) {
  if (!t) return nullptr;
  return platform::ToMicros(*t);
}

// ceil(duration / period) x unit price. Errors: FAILED_PRECONDITION on
// overflow.
absl::StatusOr<int64_t> PriceFor(absl::Duration duration, absl::Duration period,
                                 int64_t unit_price) {
  const int64_t d = absl::ToInt64Microseconds(duration);
  const int64_t p = absl::ToInt64Microseconds(period);
  const int64_t periods = d / p + (d % p != 0 ? 1 : 0);
  int64_t price;
  if (__builtin_mul_overflow(periods, unit_price, &price)) {
    return Precondition("the price is too large");
  }
  return price;
}

// Holds `price` and `deposit` for the rental, keeping the price from late
// fees; a hold over the wallet's limit per operation is a business rule,
// not bad input from the client.
absl::StatusOr<std::string> HoldFor(wallet::Wallet& wallet, Tx& tx,
                                    const std::string& renter, int64_t price,
                                    int64_t deposit,
                                    const std::string& rental_id) {
  int64_t amount;
  if (__builtin_add_overflow(price, deposit, &amount)) {
    return Precondition("the price is too large");
  }
  absl::StatusOr<std::string> hold =
      wallet.Hold(tx, renter, amount, RentalReference(rental_id), price);
  if (absl::IsInvalidArgument(hold.status())) {
    return Precondition(absl::StrCat("the price and deposit (", amount,
                                     ") exceed what the wallet can hold at "
                                     "once"));
  }
  return hold;
}

}  // namespace

Status Rental::StatusAt(absl::Time now) const {
  if (cancelled) return Status::kCancelled;
  if (returned) return Status::kReturned;
  if (now < start) return Status::kBooked;
  // Returned at the end time is on time: late starts just after it.
  if (now <= end) return Status::kActive;
  return Status::kOverdue;
}

absl::StatusOr<std::unique_ptr<Rentals>> Rentals::Open(
    platform::Database& db, platform::EventLog& events,
    const platform::Clock& clock, const listings::Listings& listings,
    wallet::Wallet& wallet, notifications::Notifications& notifications,
    RentalsOptions options) {
  if (options.grace < absl::ZeroDuration()) {
    return Invalid("grace", "must not be negative");
  }
  if (options.max_late_periods < 0) {
    return Invalid("max_late_periods", "must not be negative");
  }
  if (options.fee_basis_points < 0 || options.fee_basis_points > 10000) {
    return Invalid("fee_basis_points", "must be 0-10000");
  }
  platform::EnsureSodium();
  std::string fresh(kTokenKeyBytes, '\0');
  platform::RandomBytes(fresh.data(), fresh.size());
  std::string key;
  RW_RETURN_IF_ERROR(db.Write([&](Tx& tx) {
    key = store::LoadOrStoreTokenKey(tx, fresh, clock.Now());
    return absl::OkStatus();
  }));
  return std::unique_ptr<Rentals>(new Rentals(db, events, clock, listings,
                                              wallet, notifications, options,
                                              std::move(key)));
}

Rentals::Rentals(platform::Database& db, platform::EventLog& events,
                 const platform::Clock& clock,
                 const listings::Listings& listings, wallet::Wallet& wallet,
                 notifications::Notifications& notifications,
                 RentalsOptions options, std::string token_key)
    : db_(db),
      events_(events),
      clock_(clock),
      listings_(listings),
      wallet_(wallet),
      notifications_(notifications),
      options_(options),
      tokens_(std::move(token_key)) {}

absl::StatusOr<store::Record> Rentals::LoadForParty(
    Tx& tx, const std::string& caller_id, const std::string& rental_id) const {
  if (rental_id.empty()) return Invalid("rental_id", "required");
  std::optional<store::Record> record = store::Find(tx, rental_id);
  // Someone else's rental is as absent as one that never existed.
  if (!record || (record->rental.renter_id != caller_id &&
                  record->rental.owner_id != caller_id)) {
    return absl::NotFoundError("rental: not found");
  }
  return *std::move(record);
}

absl::StatusOr<Rental> Rentals::Create(const std::string& renter_id,
                                       const RentalRequest& request) {
  if (renter_id.empty()) return Invalid("renter_id", "required");
  RW_RETURN_IF_ERROR(ValidateRequestId(request.request_id));
  if (request.listing_id.empty()) return Invalid("listing_id", "required");
  if (request.end.has_value() == request.duration.has_value()) {
    return Invalid("end_time", "exactly one of end_time and duration");
  }
  if (request.duration && *request.duration <= absl::ZeroDuration()) {
    return Invalid("duration", "must be positive");
  }
  const std::string fingerprint = Fingerprint(nlohmann::json::array(
      {"create", request.listing_id, OptionalMicros(request.start),
       OptionalMicros(request.end),
       request.duration
           ? nlohmann::json(absl::ToInt64Microseconds(*request.duration))
           : nlohmann::json(nullptr)}));
  store::Record record;
  RW_RETURN_IF_ERROR(db_.Write([&](Tx& tx) -> absl::Status {
    // Checked before anything else: a retry gets the first answer even if
    // its start has passed or the money has moved since.
    if (std::optional<store::Request> earlier =
            store::FindRequest(tx, renter_id, request.request_id)) {
      if (earlier->fingerprint != fingerprint) {
        return absl::AlreadyExistsError(
            "request_id: already used for a different request");
      }
      std::optional<store::Record> first = store::Find(tx, earlier->rental_id);
      if (!first) {
        return absl::InternalError(absl::StrCat("rentals: request ",
                                                request.request_id,
                                                " refers to a missing "
                                                "rental"));
      }
      record = *std::move(first);
      return absl::OkStatus();
    }
    const absl::Time now = clock_.Now();
    const absl::Time start = request.start.value_or(now);
    if (start < now - kStartSkew) return Invalid("start_time", "in the past");
    const absl::Time end =
        request.end ? *request.end : start + *request.duration;
    if (end <= start) return Invalid("end_time", "must be after start_time");

    RW_ASSIGN_OR_RETURN(listings::Listing listing,
                        listings_.GetInTx(tx, request.listing_id));
    if (listing.archived) return Precondition("the listing is archived");
    if (!listing.active) return Precondition("the listing is not active");
    if (listing.owner_id == renter_id) {
      return Precondition("you cannot rent your own listing");
    }
    if (listing.price.currency != wallet_.currency()) {
      return Precondition(absl::StrCat("the listing is priced in ",
                                       listing.price.currency,
                                       ", the wallet in ", wallet_.currency()));
    }
    RW_ASSIGN_OR_RETURN(wallet::Summary wallet, wallet_.GetInTx(tx, renter_id));
    if (wallet.debt_minor > 0) {
      return Precondition(absl::StrCat(
          "the renter is in debt by ",
          platform::FormatMoney(wallet.debt_minor, wallet.currency),
          "; a deposit must settle it first"));
    }
    const absl::Duration period = listings::PeriodLength(listing.period);
    if (period <= absl::ZeroDuration()) {
      return absl::InternalError("rentals: listing without a billing period");
    }
    if (end - start < period) {
      return Precondition("shorter than one billing period");
    }
    if (end - start > listing.max_duration) {
      return Precondition("longer than the listing's maximum duration");
    }
    RW_ASSIGN_OR_RETURN(int64_t price, PriceFor(end - start, period,
                                                listing.price.amount_minor));
    if (store::Overlaps(tx, listing.id, start, end, now, "")) {
      return Precondition(
          "the listing is booked for part of that time (or an earlier "
          "rental is overdue)");
    }
    Rental& r = record.rental;
    r.id = platform::NewId(now);
    r.listing_id = listing.id;
    r.renter_id = renter_id;
    r.owner_id = listing.owner_id;
    r.start = start;
    r.end = end;
    r.price_minor = price;
    r.deposit_minor = listing.deposit.amount_minor;
    r.late_fee_minor = listing.late_fee.amount_minor;
    r.period = period;
    r.currency = wallet_.currency();
    r.created = r.updated = now;
    record.unit_price_minor = listing.price.amount_minor;
    // One hold of price and deposit: late fees come out of the part above
    // the price, and Return pays the price to the owner and releases the
    // rest.
    RW_ASSIGN_OR_RETURN(record.hold_id, HoldFor(wallet_, tx, renter_id, price,
                                                r.deposit_minor, r.id));
    record.next_charge = NextChargeAt(r);
    store::Insert(tx, record);
    store::InsertRequest(tx, renter_id, request.request_id, fingerprint, r.id,
                         now);
    RW_RETURN_IF_ERROR(
        events_.Append(tx, "rental.created", r.id, renter_id,
                       platform::JsonObject()
                           .Add("listing_id", r.listing_id)
                           .Add("renter_id", r.renter_id)
                           .Add("owner_id", r.owner_id)
                           .Add("start_us", platform::ToMicros(r.start))
                           .Add("end_us", platform::ToMicros(r.end))
                           .Add("price_minor", r.price_minor)
                           .Add("deposit_minor", r.deposit_minor)
                           .Add("currency", r.currency)
                           .Done()));
    RW_RETURN_IF_ERROR(notifications_
                           .Notify(tx, r.owner_id, "rental.created",
                                   absl::StrCat("Your item \"", listing.title,
                                                "\" has been rented"),
                                   RentalReference(r.id))
                           .status());
    WakeTimerOnCommit(tx, record.next_charge);
    return absl::OkStatus();
  }));
  return record.rental;
}

absl::StatusOr<Rental> Rentals::Get(const std::string& viewer_id,
                                    const std::string& rental_id) const {
  std::optional<store::Record> record;
  RW_RETURN_IF_ERROR(db_.Read([&](Tx& tx) -> absl::Status {
    RW_ASSIGN_OR_RETURN(record, LoadForParty(tx, viewer_id, rental_id));
    return absl::OkStatus();
  }));
  return record->rental;
}

absl::StatusOr<RentalPage> Rentals::List(const std::string& viewer_id,
                                         Role role, Status status,
                                         const PageRequest& page) const {
  if (viewer_id.empty()) return Invalid("viewer_id", "required");
  RW_ASSIGN_OR_RETURN(int size, ResolvePageSize(page.page_size));
  const int role_value = static_cast<int>(role);
  if (role_value < 0 || role_value > static_cast<int>(Role::kOwner)) {
    return Invalid("role", absl::StrCat("unknown value ", role_value));
  }
  const int status_value = static_cast<int>(status);
  if (status_value < 0 || status_value > static_cast<int>(Status::kCancelled)) {
    return Invalid("status", absl::StrCat("unknown value ", status_value));
  }
  const std::string context =
      absl::StrCat(viewer_id, "/", role_value, "/", status_value);
  const absl::Time now = clock_.Now();
  std::optional<int64_t> before;
  if (!page.page_token.empty()) {
    RW_ASSIGN_OR_RETURN(platform::PageCursor cursor,
                        tokens_.Decode(page.page_token, context, now));
    if (cursor.order != kNewestFirst) {
      return Invalid("page_token", "not issued for this request");
    }
    before = cursor.primary;
  }
  std::vector<store::Record> records;
  RW_RETURN_IF_ERROR(db_.Read([&](Tx& tx) {
    // One more than a page tells whether another page follows.
    records = store::List(tx, viewer_id, role, status, now, before, size + 1);
    return absl::OkStatus();
  }));
  RentalPage result;
  if (records.size() > static_cast<size_t>(size)) {
    records.pop_back();
    result.next_page_token =
        tokens_.Encode(platform::PageCursor{kNewestFirst, records.back().seq,
                                            records.back().rental.id, now},
                       context);
  }
  for (store::Record& r : records)
    result.rentals.push_back(std::move(r.rental));
  return result;
}

absl::StatusOr<Rental> Rentals::Return(const std::string& caller_id,
                                       const std::string& rental_id) {
  store::Record record;
  RW_RETURN_IF_ERROR(db_.Write([&](Tx& tx) -> absl::Status {
    RW_ASSIGN_OR_RETURN(record, LoadForParty(tx, caller_id, rental_id));
    Rental& r = record.rental;
    if (r.returned) return absl::OkStatus();  // repeating it is harmless
    if (r.cancelled) return Precondition("it was cancelled");
    const absl::Time now = clock_.Now();
    if (now < r.start) {
      return Precondition("it has not started yet; cancel it instead");
    }
    // Whatever fell due up to now is owed, whether or not the timer got to
    // it yet.
    int charged = 0;
    RW_RETURN_IF_ERROR(
        ChargeLateInTx(tx, record, now, options_.max_late_periods, &charged));
    const int64_t fee =
        r.price_minor * options_.fee_basis_points / 10000;  // rounds down
    RW_RETURN_IF_ERROR(
        wallet_.Post(tx, record.hold_id,
                     wallet::Settlement{r.price_minor, r.owner_id, fee}));
    if (!record.deposit_hold_id.empty()) {
      RW_RETURN_IF_ERROR(wallet_.Void(tx, record.deposit_hold_id));
    }
    r.returned = now;
    r.updated = now;
    record.next_charge = std::nullopt;
    store::Update(tx, record);
    RW_RETURN_IF_ERROR(
        events_.Append(tx, "rental.returned", r.id, caller_id,
                       platform::JsonObject()
                           .Add("returned_by", caller_id)
                           .Add("price_minor", r.price_minor)
                           .Add("fee_minor", fee)
                           .Add("late_periods", r.late_periods_charged)
                           .Add("late_fees_minor", r.late_fees_charged_minor)
                           .Add("currency", r.currency)
                           .Done()));
    for (const std::string& user : {r.renter_id, r.owner_id}) {
      RW_RETURN_IF_ERROR(
          notifications_
              .Notify(tx, user, "rental.returned",
                      user == r.owner_id
                          ? absl::StrCat("Your item was returned; ",
                                         platform::FormatMoney(
                                             r.price_minor - fee, r.currency),
                                         " paid to your wallet")
                          : std::string("Rental returned; the unused deposit "
                                        "is released"),
                      RentalReference(r.id))
              .status());
    }
    return absl::OkStatus();
  }));
  return record.rental;
}

absl::StatusOr<Rental> Rentals::Cancel(const std::string& caller_id,
                                       const std::string& rental_id) {
  store::Record record;
  RW_RETURN_IF_ERROR(db_.Write([&](Tx& tx) -> absl::Status {
    RW_ASSIGN_OR_RETURN(record, LoadForParty(tx, caller_id, rental_id));
    Rental& r = record.rental;
    if (r.cancelled) return absl::OkStatus();  // repeating it is harmless
    if (r.returned) return Precondition("it was returned");
    const absl::Time now = clock_.Now();
    if (now >= r.start) {
      return Precondition("it has started; return it instead");
    }
    RW_RETURN_IF_ERROR(wallet_.Void(tx, record.hold_id));
    if (!record.deposit_hold_id.empty()) {
      RW_RETURN_IF_ERROR(wallet_.Void(tx, record.deposit_hold_id));
    }
    r.cancelled = now;
    r.updated = now;
    record.next_charge = std::nullopt;
    store::Update(tx, record);
    RW_RETURN_IF_ERROR(events_.Append(
        tx, "rental.cancelled", r.id, caller_id,
        platform::JsonObject().Add("cancelled_by", caller_id).Done()));
    const std::string& other =
        caller_id == r.owner_id ? r.renter_id : r.owner_id;
    return notifications_
        .Notify(tx, other, "rental.cancelled",
                "A rental of your item was cancelled before it started",
                RentalReference(r.id))
        .status();
  }));
  return record.rental;
}

absl::StatusOr<Rental> Rentals::Extend(const std::string& caller_id,
                                       const std::string& rental_id,
                                       absl::Time new_end,
                                       const std::string& request_id) {
  RW_RETURN_IF_ERROR(ValidateRequestId(request_id));
  if (rental_id.empty()) return Invalid("rental_id", "required");
  const std::string fingerprint = Fingerprint(nlohmann::json::array(
      {"extend", rental_id, platform::ToMicros(new_end)}));
  store::Record record;
  RW_RETURN_IF_ERROR(db_.Write([&](Tx& tx) -> absl::Status {
    if (std::optional<store::Request> earlier =
            store::FindRequest(tx, caller_id, request_id)) {
      if (earlier->fingerprint != fingerprint) {
        return absl::AlreadyExistsError(
            "request_id: already used for a different request");
      }
      RW_ASSIGN_OR_RETURN(record, LoadForParty(tx, caller_id, rental_id));
      return absl::OkStatus();
    }
    RW_ASSIGN_OR_RETURN(record, LoadForParty(tx, caller_id, rental_id));
    Rental& r = record.rental;
    if (r.renter_id != caller_id) {
      return absl::PermissionDeniedError(
          "rental: only the renter can extend it");
    }
    const absl::Time now = clock_.Now();
    const Status status = r.StatusAt(now);
    if (status != Status::kBooked && status != Status::kActive) {
      return Precondition("only a booked or active rental can be extended");
    }
    if (new_end <= r.end) {
      return Invalid("end_time", "must be later than the current end");
    }
    RW_ASSIGN_OR_RETURN(listings::Listing listing,
                        listings_.GetInTx(tx, r.listing_id));
    if (new_end - r.start > listing.max_duration) {
      return Precondition("longer than the listing's maximum duration");
    }
    RW_ASSIGN_OR_RETURN(wallet::Summary wallet,
                        wallet_.GetInTx(tx, r.renter_id));
    if (wallet.debt_minor > 0) {
      return Precondition("the renter is in debt; a deposit must settle it");
    }
    if (store::Overlaps(tx, r.listing_id, r.end, new_end, now, r.id)) {
      return Precondition("the listing is booked for part of that time");
    }
    RW_ASSIGN_OR_RETURN(int64_t price, PriceFor(new_end - r.start, r.period,
                                                record.unit_price_minor));
    // The hold is released and the new price held in its place with the
    // deposit, in this transaction, so the renter needs only the extra
    // available. Nothing was charged from it: the rental is not late. (A
    // rental booked before one hold keeps its deposit's hold.)
    const int64_t deposit =
        record.deposit_hold_id.empty() ? r.deposit_minor : 0;
    const int64_t extra = price - r.price_minor;
    // Refused before the first write: a write that fails after writing
    // makes its whole group commit run again.
    if (extra > wallet.available_minor) {
      return Precondition(absl::StrCat(
          "the extension costs ", platform::FormatMoney(extra, r.currency),
          " and ", platform::FormatMoney(wallet.available_minor, r.currency),
          " is available"));
    }
    RW_RETURN_IF_ERROR(wallet_.Void(tx, record.hold_id));
    RW_ASSIGN_OR_RETURN(record.hold_id, HoldFor(wallet_, tx, r.renter_id, price,
                                                deposit, r.id));
    r.price_minor = price;
    r.end = new_end;
    r.updated = now;
    record.next_charge = NextChargeAt(r);
    store::Update(tx, record);
    store::InsertRequest(tx, caller_id, request_id, fingerprint, r.id, now);
    RW_RETURN_IF_ERROR(
        events_.Append(tx, "rental.extended", r.id, caller_id,
                       platform::JsonObject()
                           .Add("end_us", platform::ToMicros(new_end))
                           .Add("price_minor", price)
                           .Add("extra_minor", extra)
                           .Add("currency", r.currency)
                           .Done()));
    RW_RETURN_IF_ERROR(notifications_
                           .Notify(tx, r.owner_id, "rental.extended",
                                   "A rental of your item was extended",
                                   RentalReference(r.id))
                           .status());
    WakeTimerOnCommit(tx, record.next_charge);
    return absl::OkStatus();
  }));
  return record.rental;
}

absl::StatusOr<bool> Calendar::HasOpenRentals(
    Tx& tx, const std::string& listing_id) const {
  return store::HasOpen(tx, listing_id);
}

absl::StatusOr<absl::flat_hash_set<std::string>> Calendar::BookedBetween(
    Tx& tx, absl::Time from, absl::Time to) const {
  return store::BookedBetween(tx, from, to, clock_.Now());
}

}  // namespace rentwave::rentals
