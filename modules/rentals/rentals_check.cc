// VerifyRentals: the invariants of the rentals tables, for `rentwave verify`.
#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "modules/platform/status.h"
#include "modules/rentals/rentals.h"
#include "modules/rentals/rentals_store.h"

namespace rentwave::rentals {
namespace {

using store::Audit;

bool Open(const Audit& r) { return !r.returned && !r.cancelled; }

// The overlaps among one listing's rentals that are open now. Each was
// booked, and each extension made, only clear of the others open at the
// time, and a rental never reopens: two open ones overlapping is a broken
// rule whatever the clock did. (Rentals that have ended may have had their
// time covered by an extension since, legitimately.)
void CheckOverlaps(std::vector<Audit>& open,
                   std::vector<std::string>* problems) {
  std::sort(open.begin(), open.end(),
            [](const Audit& a, const Audit& b) { return a.start < b.start; });
  const Audit* latest = nullptr;  // the one ending last so far
  for (const Audit& r : open) {
    if (latest != nullptr && r.start < latest->end) {
      problems->push_back(absl::StrCat("rentals: ", latest->id, " and ", r.id,
                                       " overlap on listing ", r.listing_id));
    }
    if (latest == nullptr || r.end > latest->end) latest = &r;
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
    std::vector<Audit> open;  // the current listing's open rentals
    store::ForEachAudit(tx, [&](const Audit& r) {
      if (!open.empty() && open.back().listing_id != r.listing_id) {
        CheckOverlaps(open, &problems);
        open.clear();
      }
      CheckCharges(r, &problems);
      if (Open(r)) open.push_back(r);
    });
    CheckOverlaps(open, &problems);
    return absl::OkStatus();
  }));
  return problems;
}

}  // namespace rentwave::rentals
