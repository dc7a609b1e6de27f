// All SQL of the rentals module; the only code naming rentals_* tables
// (rentals_items, rentals_charges, rentals_requests, rentals_settings).
// Functions throw SQLiteCpp exceptions on failure, which Database::Write/Read
// turn into statuses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "modules/platform/db.h"
#include "modules/rentals/rentals.h"

namespace rentwave::rentals::store {

// A rental with its bookkeeping.
struct Record {
  int64_t seq = 0;  // set by Insert and the finders
  Rental rental;
  int64_t unit_price_minor = 0;  // per period, as agreed at creation
  // The renter's money reserved for the rental: its price and deposit.
  // Rentals booked before migration 0009 hold the deposit apart, in
  // deposit_hold_id; it is empty for all others.
  std::string hold_id;
  std::string deposit_hold_id;
  std::optional<absl::Time> next_charge;
};

// The stored page-token key, storing `fresh` first if there is none.
std::string LoadOrStoreTokenKey(platform::Tx& tx, const std::string& fresh,
                                absl::Time now);

// Inserts a new rental; sets record.seq.
void Insert(platform::Tx& tx, Record& record);

// Overwrites the mutable columns of `record.rental.id`: end, returned,
// cancelled, price, late counts, hold, next charge, updated.
void Update(platform::Tx& tx, const Record& record);

std::optional<Record> Find(platform::Tx& tx, const std::string& id);

// Whether an open rental (neither returned nor cancelled) of `listing_id`
// other than `except_id` overlaps [from, to); one overdue at `now` (ended,
// not returned) overlaps everything after its start. Relies on the listing's
// open rentals not overlapping one another (what this check keeps true); costs
// two index probes whatever their number.
bool Overlaps(platform::Tx& tx, const std::string& listing_id, absl::Time from,
              absl::Time to, absl::Time now, const std::string& except_id);

// Whether the listing has an open rental.
bool HasOpen(platform::Tx& tx, const std::string& listing_id);

// The listings with an open rental overlapping [from, to) (see Overlaps).
absl::flat_hash_set<std::string> BookedBetween(platform::Tx& tx,
                                               absl::Time from, absl::Time to,
                                               absl::Time now);

// Up to `limit` ids of rentals whose next charge is due at `now`, earliest
// first.
std::vector<std::string> ListDue(platform::Tx& tx, absl::Time now, int limit);

// The earliest next charge of any rental.
std::optional<absl::Time> NextDue(platform::Tx& tx);

// Records that late period `period` of the rental was charged. Throws (a
// constraint violation) if it already was.
void InsertCharge(platform::Tx& tx, const std::string& rental_id, int period,
                  int64_t amount_minor, const std::string& transaction_id,
                  absl::Time now);

// How many late periods of the rental have a charge row (for tests and
// checks).
int CountCharges(platform::Tx& tx, const std::string& rental_id);

struct Request {
  std::string fingerprint;
  std::string rental_id;
};
std::optional<Request> FindRequest(platform::Tx& tx,
                                   const std::string& renter_id,
                                   const std::string& request_id);
void InsertRequest(platform::Tx& tx, const std::string& renter_id,
                   const std::string& request_id,
                   const std::string& fingerprint, const std::string& rental_id,
                   absl::Time now);

// Up to `limit` of the viewer's rentals in `role`, newest first, of
// `status` (as of `now`) unless kUnspecified, with seq below `before_seq`
// if given.
std::vector<Record> List(platform::Tx& tx, const std::string& viewer_id,
                         Role role, Status status, absl::Time now,
                         std::optional<int64_t> before_seq, int limit);

// What `rentwave verify` checks of one rental: its times and what its
// charge rows add up to.
struct Audit {
  std::string id;
  std::string listing_id;
  absl::Time start, end;
  std::optional<absl::Time> returned, cancelled;
  int late_periods_charged = 0;
  int64_t late_fees_charged_minor = 0;
  int charges = 0;  // rows in the charges table
  int64_t charged_minor = 0;
  int last_period = 0;  // the largest period charged, 0 if none
};

// Calls `fn` with every rental, grouped by listing.
void ForEachAudit(platform::Tx& tx, absl::FunctionRef<void(const Audit&)> fn);

}  // namespace rentwave::rentals::store
