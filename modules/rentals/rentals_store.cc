#include "modules/rentals/rentals_store.h"

#include <SQLiteCpp/Statement.h>

#include "absl/strings/str_cat.h"
#include "modules/platform/statement_cache.h"

namespace rentwave::rentals::store {
namespace {

using platform::FromMicros;
using platform::ToMicros;

constexpr char kColumns[] =
    "seq, id, listing_id, renter_id, owner_id, start_us, end_us, returned_us, "
    "cancelled_us, unit_price_minor, price_minor, deposit_minor, "
    "late_fee_minor, period_s, currency, hold_id, deposit_hold_id, "
    "late_periods_charged, late_fees_charged_minor, next_charge_us, "
    "created_at_us, updated_at_us";

// The partial indexes' condition, spelled as in the migration.
constexpr char kOpen[] = "returned_us IS NULL AND cancelled_us IS NULL";

std::optional<absl::Time> OptionalTime(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return FromMicros(c.getInt64());
}

void BindOptionalTime(SQLite::Statement& q, int index,
                      const std::optional<absl::Time>& t) {
  if (t) {
    q.bind(index, static_cast<int64_t>(ToMicros(*t)));
  } else {
    q.bind(index);  // NULL
  }
}

Record ReadRecord(SQLite::Statement& q) {
  Record r;
  Rental& x = r.rental;
  r.seq = q.getColumn(0).getInt64();
  x.id = q.getColumn(1).getString();
  x.listing_id = q.getColumn(2).getString();
  x.renter_id = q.getColumn(3).getString();
  x.owner_id = q.getColumn(4).getString();
  x.start = FromMicros(q.getColumn(5).getInt64());
  x.end = FromMicros(q.getColumn(6).getInt64());
  x.returned = OptionalTime(q.getColumn(7));
  x.cancelled = OptionalTime(q.getColumn(8));
  r.unit_price_minor = q.getColumn(9).getInt64();
  x.price_minor = q.getColumn(10).getInt64();
  x.deposit_minor = q.getColumn(11).getInt64();
  x.late_fee_minor = q.getColumn(12).getInt64();
  x.period = absl::Seconds(q.getColumn(13).getInt64());
  x.currency = q.getColumn(14).getString();
  r.hold_id = q.getColumn(15).getString();
  r.deposit_hold_id = q.getColumn(16).getString();
  x.late_periods_charged = q.getColumn(17).getInt();
  x.late_fees_charged_minor = q.getColumn(18).getInt64();
  r.next_charge = OptionalTime(q.getColumn(19));
  x.created = FromMicros(q.getColumn(20).getInt64());
  x.updated = FromMicros(q.getColumn(21).getInt64());
  return r;
}

// The condition for rentals in `status` at ?2 (microseconds).
const char* StatusCondition(Status status) {
  switch (status) {
    case Status::kBooked:
      return " AND returned_us IS NULL AND cancelled_us IS NULL"
             " AND start_us > ?2";
    case Status::kActive:
      return " AND returned_us IS NULL AND cancelled_us IS NULL"
             " AND start_us <= ?2 AND end_us >= ?2";
    case Status::kOverdue:
      return " AND returned_us IS NULL AND cancelled_us IS NULL"
             " AND end_us < ?2";
    case Status::kReturned:
      return " AND returned_us IS NOT NULL";
    case Status::kCancelled:
      return " AND cancelled_us IS NOT NULL";
    case Status::kUnspecified:
      break;
  }
  return "";
}

}  // namespace

std::string LoadOrStoreTokenKey(platform::Tx& tx, const std::string& fresh,
                                absl::Time now) {
  SQLite::Statement insert(
      tx.db(),
      "INSERT INTO rentals_settings(id, page_token_key, created_at_us) "
      "VALUES (1, ?, ?) ON CONFLICT(id) DO NOTHING");
  insert.bind(1, fresh.data(), static_cast<int>(fresh.size()));
  insert.bind(2, static_cast<int64_t>(ToMicros(now)));
  insert.exec();
  SQLite::Statement q(
      tx.db(), "SELECT page_token_key FROM rentals_settings WHERE id = 1");
  q.executeStep();
  const SQLite::Column key = q.getColumn(0);
  return std::string(static_cast<const char*>(key.getBlob()), key.getBytes());
}

void Insert(platform::Tx& tx, Record& r) {
  const Rental& x = r.rental;
  platform::CachedStatement q(
      tx,
      "INSERT INTO rentals_items(id, listing_id, renter_id, owner_id, "
      "start_us, end_us, returned_us, cancelled_us, unit_price_minor, "
      "price_minor, deposit_minor, late_fee_minor, period_s, currency, "
      "hold_id, deposit_hold_id, late_periods_charged, "
      "late_fees_charged_minor, next_charge_us, created_at_us, "
      "updated_at_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
      "?, ?, ?, ?, ?)");
  q->bind(1, x.id);
  q->bind(2, x.listing_id);
  q->bind(3, x.renter_id);
  q->bind(4, x.owner_id);
  q->bind(5, static_cast<int64_t>(ToMicros(x.start)));
  q->bind(6, static_cast<int64_t>(ToMicros(x.end)));
  BindOptionalTime(*q, 7, x.returned);
  BindOptionalTime(*q, 8, x.cancelled);
  q->bind(9, static_cast<int64_t>(r.unit_price_minor));
  q->bind(10, static_cast<int64_t>(x.price_minor));
  q->bind(11, static_cast<int64_t>(x.deposit_minor));
  q->bind(12, static_cast<int64_t>(x.late_fee_minor));
  q->bind(13, static_cast<int64_t>(absl::ToInt64Seconds(x.period)));
  q->bind(14, x.currency);
  q->bind(15, r.hold_id);
  q->bind(16, r.deposit_hold_id);
  q->bind(17, x.late_periods_charged);
  q->bind(18, static_cast<int64_t>(x.late_fees_charged_minor));
  BindOptionalTime(*q, 19, r.next_charge);
  q->bind(20, static_cast<int64_t>(ToMicros(x.created)));
  q->bind(21, static_cast<int64_t>(ToMicros(x.updated)));
  q->exec();
  r.seq = tx.db().getLastInsertRowid();
}

void Update(platform::Tx& tx, const Record& r) {
  const Rental& x = r.rental;
  platform::CachedStatement q(
      tx,
      "UPDATE rentals_items SET end_us = ?, returned_us = ?, cancelled_us = ?, "
      "price_minor = ?, late_periods_charged = ?, late_fees_charged_minor = ?, "
      "hold_id = ?, next_charge_us = ?, updated_at_us = ? WHERE id = ?");
  q->bind(1, static_cast<int64_t>(ToMicros(x.end)));
  BindOptionalTime(*q, 2, x.returned);
  BindOptionalTime(*q, 3, x.cancelled);
  q->bind(4, static_cast<int64_t>(x.price_minor));
  q->bind(5, x.late_periods_charged);
  q->bind(6, static_cast<int64_t>(x.late_fees_charged_minor));
  q->bind(7, r.hold_id);
  BindOptionalTime(*q, 8, r.next_charge);
  q->bind(9, static_cast<int64_t>(ToMicros(x.updated)));
  q->bind(10, x.id);
  q->exec();
}

std::optional<Record> Find(platform::Tx& tx, const std::string& id) {
  platform::CachedStatement q(
      tx,
      absl::StrCat("SELECT ", kColumns, " FROM rentals_items WHERE id = ?"));
  q->bind(1, id);
  if (!q->executeStep()) return std::nullopt;
  return ReadRecord(*q);
}

bool Overlaps(platform::Tx& tx, const std::string& listing_id, absl::Time from,
              absl::Time to, absl::Time now, const std::string& except_id) {
  // A listing's open rentals never overlap one another (each booking and
  // extension was checked against the others; `rentwave verify` checks it),
  // so in start order they are in end order too. Two index probes then
  // decide, however many bookings the listing has: the latest to start
  // before `to` is the only one that can reach past `from`, and the
  // earliest open one is overdue if any is.
  platform::CachedStatement q(
      tx, absl::StrCat(
              "SELECT 1 FROM (SELECT end_us FROM rentals_items WHERE "
              "listing_id = ?1 AND ",
              kOpen,
              " AND start_us < ?3 AND id <> ?5 ORDER BY start_us DESC LIMIT 1) "
              "WHERE end_us > ?2 "
              "UNION ALL "
              "SELECT 1 FROM (SELECT start_us, end_us FROM rentals_items WHERE "
              "listing_id = ?1 AND ",
              kOpen,
              " AND id <> ?5 ORDER BY start_us LIMIT 1) "
              "WHERE start_us < ?3 AND end_us < ?4 LIMIT 1"));
  q->bind(1, listing_id);
  q->bind(2, static_cast<int64_t>(ToMicros(from)));
  q->bind(3, static_cast<int64_t>(ToMicros(to)));
  q->bind(4, static_cast<int64_t>(ToMicros(now)));
  q->bind(5, except_id);
  return q->executeStep();
}

bool HasOpen(platform::Tx& tx, const std::string& listing_id) {
  platform::CachedStatement q(
      tx, absl::StrCat("SELECT 1 FROM rentals_items WHERE listing_id = ? "
                       "AND ",
                       kOpen, " LIMIT 1"));
  q->bind(1, listing_id);
  return q->executeStep();
}

absl::flat_hash_set<std::string> BookedBetween(platform::Tx& tx,
                                               absl::Time from, absl::Time to,
                                               absl::Time now) {
  platform::CachedStatement q(
      tx, absl::StrCat("SELECT DISTINCT listing_id FROM rentals_items "
                       "WHERE ",
                       kOpen,
                       " AND start_us < ?2 AND (end_us > ?1 OR "
                       "end_us < ?3)"));
  q->bind(1, static_cast<int64_t>(ToMicros(from)));
  q->bind(2, static_cast<int64_t>(ToMicros(to)));
  q->bind(3, static_cast<int64_t>(ToMicros(now)));
  absl::flat_hash_set<std::string> booked;
  while (q->executeStep()) booked.insert(q->getColumn(0).getString());
  return booked;
}

std::vector<std::string> ListDue(platform::Tx& tx, absl::Time now, int limit) {
  platform::CachedStatement q(
      tx,
      "SELECT id FROM rentals_items WHERE next_charge_us <= ? "
      "ORDER BY next_charge_us LIMIT ?");
  q->bind(1, static_cast<int64_t>(ToMicros(now)));
  q->bind(2, limit);
  std::vector<std::string> ids;
  while (q->executeStep()) ids.push_back(q->getColumn(0).getString());
  return ids;
}

std::optional<absl::Time> NextDue(platform::Tx& tx) {
  platform::CachedStatement q(tx,
                              "SELECT min(next_charge_us) FROM rentals_items "
                              "WHERE next_charge_us IS NOT NULL");
  if (!q->executeStep()) return std::nullopt;
  return OptionalTime(q->getColumn(0));
}

void InsertCharge(platform::Tx& tx, const std::string& rental_id, int period,
                  int64_t amount_minor, const std::string& transaction_id,
                  absl::Time now) {
  platform::CachedStatement q(
      tx,
      "INSERT INTO rentals_charges(rental_id, period, amount_minor, "
      "transaction_id, charged_at_us) VALUES (?, ?, ?, ?, ?)");
  q->bind(1, rental_id);
  q->bind(2, period);
  q->bind(3, static_cast<int64_t>(amount_minor));
  q->bind(4, transaction_id);
  q->bind(5, static_cast<int64_t>(ToMicros(now)));
  q->exec();
}

int CountCharges(platform::Tx& tx, const std::string& rental_id) {
  platform::CachedStatement q(
      tx, "SELECT count(*) FROM rentals_charges WHERE rental_id = ?");
  q->bind(1, rental_id);
  q->executeStep();
  return q->getColumn(0).getInt();
}

std::optional<Request> FindRequest(platform::Tx& tx,
                                   const std::string& renter_id,
                                   const std::string& request_id) {
  platform::CachedStatement q(
      tx,
      "SELECT fingerprint, rental_id FROM rentals_requests "
      "WHERE renter_id = ? AND request_id = ?");
  q->bind(1, renter_id);
  q->bind(2, request_id);
  if (!q->executeStep()) return std::nullopt;
  const SQLite::Column fp = q->getColumn(0);
  return Request{
      std::string(static_cast<const char*>(fp.getBlob()), fp.getBytes()),
      q->getColumn(1).getString()};
}

void InsertRequest(platform::Tx& tx, const std::string& renter_id,
                   const std::string& request_id,
                   const std::string& fingerprint, const std::string& rental_id,
                   absl::Time now) {
  platform::CachedStatement q(
      tx,
      "INSERT INTO rentals_requests(renter_id, request_id, fingerprint, "
      "rental_id, created_at_us) VALUES (?, ?, ?, ?, ?)");
  q->bind(1, renter_id);
  q->bind(2, request_id);
  q->bind(3, fingerprint.data(), static_cast<int>(fingerprint.size()));
  q->bind(4, rental_id);
  q->bind(5, static_cast<int64_t>(ToMicros(now)));
  q->exec();
}

std::vector<Record> List(platform::Tx& tx, const std::string& viewer_id,
                         Role role, Status status, absl::Time now,
                         std::optional<int64_t> before_seq, int limit) {
  // Each role is one walk down its (user, seq DESC) index; both roles are
  // the merge of the two walks (a user never rents their own listing, so
  // they never meet).
  auto side = [&](const char* column) {
    return absl::StrCat("SELECT ", kColumns, " FROM rentals_items WHERE ",
                        column, " = ?1", StatusCondition(status),
                        before_seq ? " AND seq < ?3" : "",
                        " ORDER BY seq DESC LIMIT ?4");
  };
  std::string sql;
  if (role == Role::kRenter) {
    sql = side("renter_id");
  } else if (role == Role::kOwner) {
    sql = side("owner_id");
  } else {
    sql = absl::StrCat("SELECT * FROM (", side("renter_id"),
                       ") UNION ALL SELECT * FROM (", side("owner_id"),
                       ") ORDER BY seq DESC LIMIT ?4");
  }
  platform::CachedStatement q(tx, sql);
  q->bind(1, viewer_id);
  if (status != Status::kUnspecified && status != Status::kReturned &&
      status != Status::kCancelled) {
    q->bind(2, static_cast<int64_t>(ToMicros(now)));
  }
  if (before_seq) q->bind(3, static_cast<int64_t>(*before_seq));
  q->bind(4, limit);
  std::vector<Record> records;
  while (q->executeStep()) records.push_back(ReadRecord(*q));
  return records;
}

void ForEachAudit(platform::Tx& tx, absl::FunctionRef<void(const Audit&)> fn) {
  SQLite::Statement q(
      tx.db(),
      "SELECT i.id, i.listing_id, i.start_us, i.end_us, i.returned_us, "
      "i.cancelled_us, i.late_periods_charged, i.late_fees_charged_minor, "
      "COUNT(c.period), COALESCE(SUM(c.amount_minor), 0), "
      "COALESCE(MAX(c.period), 0) "
      "FROM rentals_items AS i LEFT JOIN rentals_charges AS c "
      "ON c.rental_id = i.id GROUP BY i.seq ORDER BY i.listing_id");
  auto optional_time = [&](int column) -> std::optional<absl::Time> {
    if (q.getColumn(column).isNull()) return std::nullopt;
    return FromMicros(q.getColumn(column).getInt64());
  };
  while (q.executeStep()) {
    Audit a;
    a.id = q.getColumn(0).getString();
    a.listing_id = q.getColumn(1).getString();
    a.start = FromMicros(q.getColumn(2).getInt64());
    a.end = FromMicros(q.getColumn(3).getInt64());
    a.returned = optional_time(4);
    a.cancelled = optional_time(5);
    a.late_periods_charged = q.getColumn(6).getInt();
    a.late_fees_charged_minor = q.getColumn(7).getInt64();
    a.charges = q.getColumn(8).getInt();
    a.charged_minor = q.getColumn(9).getInt64();
    a.last_period = q.getColumn(10).getInt();
    fn(a);
  }
}

}  // namespace rentwave::rentals::store
