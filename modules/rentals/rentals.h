// The rentals module's public API: renting listings, returning them, and the
// late penalties charged by an internal, durable timer. The only header of
// this module other modules include.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/listings/listings.h"
#include "modules/notifications/notifications.h"
#include "modules/platform/clock.h"
#include "modules/platform/db.h"
#include "modules/platform/event_log.h"
#include "modules/platform/page_token.h"
#include "modules/wallet/wallet.h"

namespace rentwave::rentals {

// Numeric values are rentwave.v1.RentalStatus's.
enum class Status {
  kUnspecified = 0,
  kBooked = 1,
  kActive = 2,
  kOverdue = 3,
  kReturned = 4,
  kCancelled = 5,
};

struct Rental {
  std::string id;
  std::string listing_id;
  std::string renter_id;
  std::string owner_id;
  absl::Time start;
  absl::Time end;
  std::optional<absl::Time> returned;
  std::optional<absl::Time> cancelled;
  int64_t price_minor = 0;     // ceil(duration / period) x price per period
  int64_t deposit_minor = 0;   // held during the rental
  int64_t late_fee_minor = 0;  // per started period past `end`
  absl::Duration period;       // the listing's billing period
  int late_periods_charged = 0;
  int64_t late_fees_charged_minor = 0;
  std::string currency;
  absl::Time created;
  absl::Time updated;

  // BOOKED before start, ACTIVE until end (inclusive: returned at the end
  // time is on time), OVERDUE after it until returned;
  // RETURNED or CANCELLED once so. A pure function of `now`.
  Status StatusAt(absl::Time now) const;
};

struct RentalRequest {
  std::string request_id;
  std::string listing_id;
  std::optional<absl::Time> start;  // default: now
  std::optional<absl::Time> end;    // exactly one of end and duration
  std::optional<absl::Duration> duration;
};

enum class Role { kAny = 0, kRenter = 1, kOwner = 2 };

using platform::PageRequest;

struct RentalPage {
  std::vector<Rental> rentals;
  std::string next_page_token;
};

struct RentalsOptions {
  // Lateness tolerated before the first penalty; penalties are still
  // counted from the end time.
  absl::Duration grace = absl::ZeroDuration();
  // The most late periods charged per rental.
  int max_late_periods = 30;
  // Platform commission on the price, in basis points (0-10000), to
  // wallet::kFees.
  int fee_basis_points = 0;
};

namespace store {
struct Record;  // rentals_store.h
}  // namespace store

// "rental:<id>": the reference a rental's wallet holds and charges and its
// notifications carry, so that a wallet entry or a notification leads back
// to the rental.
std::string RentalReference(const std::string& rental_id);

class Rentals {
 public:
  // Loads (or creates) the page-token key. Errors: INVALID_ARGUMENT for bad
  // options; those of the database.
  static absl::StatusOr<std::unique_ptr<Rentals>> Open(
      platform::Database& db, platform::EventLog& events,
      const platform::Clock& clock, const listings::Listings& listings,
      wallet::Wallet& wallet, notifications::Notifications& notifications,
      RentalsOptions options);

  // Rents a listing for the renter, in one transaction: the rental, a hold
  // of price + deposit, its timer entry, rental.created and a notification
  // to the owner. Idempotent by (renter, request_id). Errors:
  // INVALID_ARGUMENT (request_id, times: start in the past, end not after
  // start, both or neither of end and duration), NOT_FOUND (listing),
  // FAILED_PRECONDITION (listing inactive or archived; renter is the owner;
  // renter in debt; shorter than one period or longer than the listing's
  // maximum; overlaps another booked, active or overdue rental;
  // insufficient funds), ALREADY_EXISTS (request_id reused differently),
  // ABORTED (lost a race; retry).
  absl::StatusOr<Rental> Create(const std::string& renter_id,
                                const RentalRequest& request);

  // A rental its renter or owner may see. Errors: NOT_FOUND (also for
  // anyone else).
  absl::StatusOr<Rental> Get(const std::string& viewer_id,
                             const std::string& rental_id) const;

  // The viewer's rentals, newest first, optionally of one status. Errors:
  // INVALID_ARGUMENT (page, status, role).
  absl::StatusOr<RentalPage> List(const std::string& viewer_id, Role role,
                                  Status status, const PageRequest& page) const;

  // Returns the item (renter or owner; a no-op once returned): charges any
  // late periods still due, posts the price to the owner (minus the fee),
  // releases the rest of the deposit, stops the timer, rental.returned and
  // notifications to both. Errors: NOT_FOUND, FAILED_PRECONDITION
  // (cancelled, or not started yet: cancel it instead).
  absl::StatusOr<Rental> Return(const std::string& caller_id,
                                const std::string& rental_id);

  // Cancels a rental before its start (renter or owner): voids the hold,
  // rental.cancelled. Errors: NOT_FOUND, FAILED_PRECONDITION (started,
  // returned).
  absl::StatusOr<Rental> Cancel(const std::string& caller_id,
                                const std::string& rental_id);

  // Moves the end later (renter only), holding the extra price; moves the
  // timer. Idempotent by (renter, request_id). Errors: INVALID_ARGUMENT,
  // NOT_FOUND, FAILED_PRECONDITION (not active or booked, conflict, over
  // the maximum, insufficient funds, in debt).
  absl::StatusOr<Rental> Extend(const std::string& caller_id,
                                const std::string& rental_id,
                                absl::Time new_end,
                                const std::string& request_id);

  // --- The late-penalty timer ---

  // Charges every late period due at `now` (at most `limit` charges), each
  // rental's in one transaction with its bookkeeping (up to 64 rentals
  // share a transaction, each in its own savepoint): exactly once per
  // (rental, period), whatever crashes or repeats. Returns how many it
  // charged. Errors: those of the database; a rental whose charge fails
  // stays due, the others are charged, and the first such error is
  // returned.
  absl::StatusOr<int> ChargeDue(absl::Time now, int limit);

  // When the next charge falls due, if any (one indexed query).
  absl::StatusOr<std::optional<absl::Time>> NextDue() const;

  // Sets what to call, with a rental's new next due time, after a commit
  // that set it (a rental created or extended): the timer's WakeBy. Call
  // once, before serving; not thread-safe.
  void SetTimerHook(std::function<void(absl::Time due)> hook) {
    timer_hook_ = std::move(hook);
  }

  // The time of the module's clock (what statuses are computed against).
  absl::Time Now() const { return clock_.Now(); }

  // All methods are thread-safe.

 private:
  Rentals(platform::Database& db, platform::EventLog& events,
          const platform::Clock& clock, const listings::Listings& listings,
          wallet::Wallet& wallet, notifications::Notifications& notifications,
          RentalsOptions options, std::string token_key);

  // What the caller may act on: a rental they rent or own, loaded inside
  // `tx`. Errors: NOT_FOUND (also anyone else's).
  absl::StatusOr<store::Record> LoadForParty(
      platform::Tx& tx, const std::string& caller_id,
      const std::string& rental_id) const;
  // Charges, inside `tx`, every late period of `record` due at `now` and
  // not charged yet (at most `max_charges`), and moves its timer; adds the
  // number charged to `*charged`.
  absl::Status ChargeLateInTx(platform::Tx& tx, store::Record& record,
                              absl::Time now, int max_charges, int* charged);
  // Charges the rentals `ids` (at most `limit` charges) in one write and
  // returns how many. With `isolated`, each rental in its own savepoint:
  // one that fails is rolled back alone, and the first such error is kept
  // in `*first_failure` unless it holds one already; without, the first
  // failure fails the whole write.
  absl::StatusOr<int> ChargeChunk(const std::vector<std::string>& ids,
                                  absl::Time now, int limit, bool isolated,
                                  absl::Status* first_failure);
  // The late periods due at `now` (capped), and when the next one after
  // those charged falls due (none once returned, cancelled, free of late
  // fees or capped).
  int PeriodsDue(const Rental& rental, absl::Time now) const;
  std::optional<absl::Time> NextChargeAt(const Rental& rental) const;
  // Calls the timer hook with `due`, if set, once `tx` commits.
  void WakeTimerOnCommit(platform::Tx& tx,
                         const std::optional<absl::Time>& due);

  platform::Database& db_;
  platform::EventLog& events_;
  const platform::Clock& clock_;
  const listings::Listings& listings_;
  wallet::Wallet& wallet_;
  notifications::Notifications& notifications_;
  const RentalsOptions options_;
  const platform::PageTokenCodec tokens_;
  std::function<void(absl::Time)> timer_hook_;
};

// What listings ask of rentals (see listings::RentalCalendar), answered from
// the rentals tables through the caller's transaction. Construct it before
// Listings; it needs only the clock (an unreturned overdue rental blocks its
// listing from its start until it is returned, whatever window is asked
// about). Thread-safe.
class Calendar final : public listings::RentalCalendar {
 public:
  explicit Calendar(const platform::Clock& clock) : clock_(clock) {}

  absl::StatusOr<bool> HasOpenRentals(
      platform::Tx& tx, const std::string& listing_id) const override;
  absl::StatusOr<absl::flat_hash_set<std::string>> BookedBetween(
      platform::Tx& tx, absl::Time from, absl::Time to) const override;

 private:
  const platform::Clock& clock_;
};

// Checks the stored rentals (for `rentwave verify`): no two open rentals of
// a listing overlap; every rental's charge rows are periods 1..n adding up
// to what it records as charged. (Which rentals were open when another was
// booked is for the event log to tell: the soak harness replays it.) Returns
// what is wrong (empty: consistent). Errors: those of the database.
absl::StatusOr<std::vector<std::string>> VerifyRentals(platform::Database& db);

// The late-penalty timer: a thread that charges late periods as they fall
// due. What is due lives in the database (Rentals::NextDue / ChargeDue);
// this only decides when to look, so a restart loses nothing and catches up
// on every period missed while down.
struct LateFeeTimerOptions {
  // The most charges per ChargeDue call (one batch).
  int batch = 1000;
  // The longest the thread sleeps without looking: bounds the lag when the
  // clock jumps (the development clock) without a Wake.
  absl::Duration poll = absl::Seconds(1);
};

class LateFeeTimer {
 public:
  // Registers Wake as `rentals`' timer hook. Both must outlive this.
  LateFeeTimer(Rentals& rentals, const platform::Clock& clock,
               LateFeeTimerOptions options = {});
  ~LateFeeTimer();  // Stops the thread.

  // Starts the thread; it first charges everything already due. Idempotent.
  void Start();
  // Stops the thread after the charge in progress. Idempotent.
  void Stop();
  // Makes the thread look again now (the clock moved). Thread-safe; cheap.
  void Wake();
  // Makes the thread look again if `due` (a rental's new next charge) is
  // earlier than it planned to: a rental booked for later costs the timer
  // nothing. Thread-safe; cheap.
  void WakeBy(absl::Time due);

 private:
  void Run();
  // Charges everything due now, batch by batch; returns when nothing is
  // (true) or on an error, which it logs (false).
  bool ChargeAllDue();

  Rentals& rentals_;
  const platform::Clock& clock_;
  const LateFeeTimerOptions options_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool woken_ = false;
  // Whether the thread is waiting, and until when: while it is not, any
  // WakeBy makes it look again.
  bool asleep_ = false;
  absl::Time planned_;
  std::thread thread_;
};

}  // namespace rentwave::rentals
