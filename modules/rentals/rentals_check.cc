// VerifyRentals: the invariants of the rentals tables, for `rentwave verify`.
#include <vector>

#include "absl/strings/str_cat.h"
#include "modules/platform/status.h"
#include "modules/rentals/rentals.h"
#include "modules/rentals/rentals_store.h"

namespace rentwave::rentals {
namespace {

using store::Audit;

// Whether `a` was open (booked, active or overdue) when `b` was created.
bool OpenAt(const Audit& a, absl::Time t) {
  return (!a.returned || *a.returned > t) && (!a.cancelled || *a.cancelled > t);
}

// The problems between `b` and the rentals of its listing created before it.
// The latest end `a` certainly had while open beside `b`. Only a's final
// end is stored, and an extension made after b ended may have moved it over
// b's time legitimately; so the final end counts only while both are still
// open, and otherwise the least a ever lasted: one period from its start.
absl::Time EndWhileOpenWith(const Audit& a, const Audit& b) {
  const bool both_open =
      OpenAt(a, absl::InfiniteFuture()) && OpenAt(b, absl::InfiniteFuture());
  return both_open ? a.end : a.start + a.period;
}

void CheckBooking(const std::vector<Audit>& earlier, const Audit& b,
                  std::vector<std::string>* problems) {
  for (const Audit& a : earlier) {
    if (!OpenAt(a, b.created)) continue;
    // Its end may have moved later by an extension since, never earlier,
    // so an end before b's creation means a was overdue then.
    if (a.end < b.created) {
      problems->push_back(absl::StrCat("rentals: ", b.id, " was booked while ",
                                       a.id, " was overdue on listing ",
                                       b.listing_id));
    } else if (a.start < b.end && b.start < EndWhileOpenWith(a, b)) {
      problems->push_back(absl::StrCat("rentals: ", a.id, " and ", b.id,
                                       " overlap on listing ", b.listing_id));
    }
  }
}

void CheckCharges(const Audit& r, std::vector<std::string>* problems) {
  if (r.charges != r.late_periods_charged || r.last_period != r.charges ||
      r.charged_minor != r.late_fees_charged_minor) {
    problems->push_back(absl::StrCat(
        "rentals: ", r.id, " records ", r.late_periods_charged,
        " late periods (", r.late_fees_charged_minor, ") but has ", r.charges,
        " charges up to period ", r.last_period, " (", r.charged_minor, ")"));
  }
}

}  // namespace

absl::StatusOr<std::vector<std::string>> VerifyRentals(platform::Database& db) {
  std::vector<std::string> problems;
  RW_RETURN_IF_ERROR(db.Read([&](platform::Tx& tx) {
    std::vector<Audit> listing;  // the current listing's rentals so far
    store::ForEachAudit(tx, [&](const Audit& r) {
      if (!listing.empty() && listing.back().listing_id != r.listing_id) {
        listing.clear();
      }
      CheckBooking(listing, r, &problems);
      CheckCharges(r, &problems);
      listing.push_back(r);
    });
    return absl::OkStatus();
  }));
  return problems;
}

}  // namespace rentwave::rentals
