#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "modules/platform/json_object.h"
#include "modules/platform/money.h"
#include "modules/platform/status.h"
#include "modules/rentals/rentals.h"
#include "modules/rentals/rentals_store.h"

// The late-fee side of Rentals: which periods are due, charging them, and
// the timer's queue in the database.
namespace rentwave::rentals {
namespace {

using platform::Tx;

// Time is stored to the microsecond: a late period starts one tick after
// its boundary.
constexpr absl::Duration kTick = absl::Microseconds(1);
// Rentals the timer charges per transaction: their charges share one commit
// (one fsync), and the pages they all touch (the tails of the event log,
// the notifications and the ledger; the owners' accounts) are written once
// per commit, not once per charge: from 64 to 256, the log pages written
// per charge fell from 15 to 9, and 512 took another tenth off the timer's
// time. Other writers wait at most some 50 ms behind a batch.
constexpr size_t kRentalsPerCommit = 512;

}  // namespace

std::string RentalReference(const std::string& rental_id) {
  return absl::StrCat("rental:", rental_id);
}

int Rentals::PeriodsDue(const Rental& r, absl::Time now) const {
  if (r.returned || r.cancelled || r.late_fee_minor == 0) return 0;
  // Late means past the end; a period counts once it has started, and
  // nothing is charged within the grace period (then retroactively).
  if (now <= r.end || now < r.end + options_.grace) return 0;
  const int64_t late = absl::ToInt64Microseconds(now - r.end);
  const int64_t period = absl::ToInt64Microseconds(r.period);
  const int64_t started = late / period + (late % period != 0 ? 1 : 0);
  return static_cast<int>(
      std::min<int64_t>(started, options_.max_late_periods));
}

std::optional<absl::Time> Rentals::NextChargeAt(const Rental& r) const {
  if (r.returned || r.cancelled || r.late_fee_minor == 0 ||
      r.late_periods_charged >= options_.max_late_periods) {
    return std::nullopt;
  }
  // Period k+1 starts one tick after end + k periods.
  return std::max(r.end + r.period * r.late_periods_charged + kTick,
                  r.end + options_.grace);
}

void Rentals::WakeTimerOnCommit(Tx& tx, const std::optional<absl::Time>& due) {
  if (!timer_hook_ || !due) return;
  tx.OnCommit([hook = timer_hook_, at = *due] { hook(at); });
}

absl::Status Rentals::ChargeLateInTx(Tx& tx, store::Record& record,
                                     absl::Time now, int max_charges,
                                     int* charged) {
  Rental& r = record.rental;
  const int due = PeriodsDue(r, now);
  // When the charge is written, which is what its charge row records: the
  // timer may get to a batch some milliseconds after the `now` it was
  // listed at (never earlier than `now`, which tests may set ahead).
  const absl::Time charged_at = std::max(now, clock_.Now());
  // The deposit: in the rental's hold, above the price the hold keeps for
  // the owner; for a rental booked before one hold, its own hold.
  std::optional<std::string> from_hold;
  if (!record.deposit_hold_id.empty()) {
    from_hold = record.deposit_hold_id;
  } else if (r.deposit_minor > 0) {
    from_hold = record.hold_id;
  }
  int count = 0;
  for (int k = r.late_periods_charged + 1; k <= due && count < max_charges;
       ++k, ++count) {
    // Deposit first, then the wallet, below zero if need be.
    RW_ASSIGN_OR_RETURN(
        wallet::Transaction t,
        wallet_.Charge(tx, r.renter_id, r.late_fee_minor, r.owner_id,
                       RentalReference(r.id), from_hold));
    // Its primary key (rental, period) is what makes a second charge of
    // the same period impossible: the insert would fail and take the
    // wallet charge with it.
    store::InsertCharge(tx, r.id, k, r.late_fee_minor, t.id, charged_at);
    r.late_periods_charged = k;
    r.late_fees_charged_minor += r.late_fee_minor;
    RW_RETURN_IF_ERROR(events_.Append(tx, "rental.late", r.id, "",
                                      platform::JsonObject()
                                          .Add("period", k)
                                          .Add("amount_minor", r.late_fee_minor)
                                          .Add("currency", r.currency)
                                          .Add("transaction_id", t.id)
                                          .Add("renter_id", r.renter_id)
                                          .Add("owner_id", r.owner_id)
                                          .Done()));
    const std::string amount =
        platform::FormatMoney(r.late_fee_minor, r.currency);
    RW_RETURN_IF_ERROR(notifications_
                           .Notify(tx, r.renter_id, "rental.late",
                                   absl::StrCat("Late fee of ", amount,
                                                " charged for late "
                                                "period ",
                                                k, "; please return the item"),
                                   RentalReference(r.id))
                           .status());
    RW_RETURN_IF_ERROR(
        notifications_
            .Notify(tx, r.owner_id, "rental.late",
                    absl::StrCat("Your item is late: late fee of ", amount,
                                 " credited for late period ", k),
                    RentalReference(r.id))
            .status());
  }
  if (count > 0) r.updated = charged_at;
  record.next_charge = NextChargeAt(r);
  *charged += count;
  return absl::OkStatus();
}

absl::StatusOr<int> Rentals::ChargeDue(absl::Time now, int limit) {
  if (limit <= 0) return 0;
  std::vector<std::string> due;
  RW_RETURN_IF_ERROR(db_.Read([&](Tx& tx) {
    due = store::ListDue(tx, now, limit);
    return absl::OkStatus();
  }));
  int charged = 0;
  absl::Status first_failure;
  for (size_t begin = 0; begin < due.size() && charged < limit;
       begin += kRentalsPerCommit) {
    const std::vector<std::string> chunk(
        due.begin() + begin,
        due.begin() + std::min(due.size(), begin + kRentalsPerCommit));
    // All of the chunk in one write; if any rental fails, that write is
    // rolled back and the chunk charged again with each rental in its own
    // savepoint, so the one that fails stays due without holding up the
    // others. Savepoints are not the first try: SQLite copies every page
    // a savepoint touches, a sixth of the work of a charge.
    absl::StatusOr<int> n = ChargeChunk(chunk, now, limit - charged,
                                        /*isolated=*/false, &first_failure);
    if (!n.ok()) {
      n = ChargeChunk(chunk, now, limit - charged, /*isolated=*/true,
                      &first_failure);
    }
    if (!n.ok()) return n.status();
    charged += *n;
  }
  if (!first_failure.ok()) return first_failure;
  return charged;
}

absl::StatusOr<int> Rentals::ChargeChunk(const std::vector<std::string>& ids,
                                         absl::Time now, int limit,
                                         bool isolated,
                                         absl::Status* first_failure) {
  int charged = 0;
  absl::Status failure;
  RW_RETURN_IF_ERROR(db_.Write([&](Tx& tx) -> absl::Status {
    charged = 0;
    failure = absl::OkStatus();
    for (size_t i = 0; i < ids.size() && charged < limit; ++i) {
      // Each rental is re-read inside the transaction: it may have been
      // returned, or charged by a Return, since the list was read.
      int n = 0;
      auto charge = [&]() -> absl::Status {
        std::optional<store::Record> record = store::Find(tx, ids[i]);
        if (!record) return absl::OkStatus();
        RW_RETURN_IF_ERROR(
            ChargeLateInTx(tx, *record, now, limit - charged, &n));
        store::Update(tx, *record);
        return absl::OkStatus();
      };
      if (!isolated) {
        RW_RETURN_IF_ERROR(charge());
        charged += n;
        continue;
      }
      absl::Status status = platform::InSavepoint(tx, charge);
      if (status.ok()) {
        charged += n;
      } else if (failure.ok()) {
        failure = status;
      }
    }
    return absl::OkStatus();
  }));
  if (first_failure->ok()) *first_failure = failure;
  return charged;
}

absl::StatusOr<std::optional<absl::Time>> Rentals::NextDue() const {
  std::optional<absl::Time> next;
  RW_RETURN_IF_ERROR(db_.Read([&](Tx& tx) {
    next = store::NextDue(tx);
    return absl::OkStatus();
  }));
  return next;
}

}  // namespace rentwave::rentals
