// sqlite_rental_bench: the storage baseline for the rentals benchmark. A bare
// SQLite program (WAL, synchronous=FULL, like RentWave's default) doing the
// transaction shape of one CreateRental, one commit per rental, as fast as
// one writer can:
//   BEGIN IMMEDIATE; idempotency lookup; read the listing; read the renter's
//   account; overlap check; one hold of price and deposit: update held,
//   insert hold, insert ledger transfer, append event; insert the rental
//   with its timer column; insert the idempotency row; append
//   rental.created; insert the owner's notification; COMMIT
//   sqlite_rental_bench --db /tmp/x.db [--seconds 3] [--renters 64]
//                       [--listings 1024]
// Its own minimal tables with the indexes those writes maintain in RentWave
// (a baseline, not a copy of RentWave's schema). Rentals book consecutive
// one-hour windows of the listings in turn, as rental_bench does.
// Prints: calls_per_sec=N p50_us=N p99_us=N errors=0
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include "CLI/CLI.hpp"
#include "bench/bare_sqlite.h"

namespace {

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS listings (id TEXT PRIMARY KEY, owner TEXT NOT NULL,
  price INTEGER NOT NULL, deposit INTEGER NOT NULL, late_fee INTEGER NOT NULL,
  period_s INTEGER NOT NULL, max_s INTEGER NOT NULL, active INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY,
  balance INTEGER NOT NULL, held INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS holds (id TEXT PRIMARY KEY, account TEXT NOT NULL,
  amount INTEGER NOT NULL, remaining INTEGER NOT NULL, keep INTEGER NOT NULL,
  reference TEXT NOT NULL, created_us INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS holds_open ON holds(account) WHERE remaining > 0;
CREATE TABLE IF NOT EXISTS transfers (seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE, debit TEXT NOT NULL, credit TEXT NOT NULL,
  amount INTEGER NOT NULL, hold TEXT, reference TEXT, created_us INTEGER);
CREATE INDEX IF NOT EXISTS transfers_debit ON transfers(debit, seq);
CREATE INDEX IF NOT EXISTS transfers_credit ON transfers(credit, seq);
CREATE TABLE IF NOT EXISTS rentals (seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE, listing TEXT NOT NULL, renter TEXT NOT NULL,
  owner TEXT NOT NULL, start_us INTEGER NOT NULL, end_us INTEGER NOT NULL,
  returned_us INTEGER, price INTEGER NOT NULL, deposit INTEGER NOT NULL,
  hold TEXT NOT NULL, deposit_hold TEXT NOT NULL,
  next_charge_us INTEGER, created_us INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS rentals_due ON rentals(next_charge_us)
  WHERE next_charge_us IS NOT NULL;
CREATE INDEX IF NOT EXISTS rentals_open ON rentals(listing, start_us)
  WHERE returned_us IS NULL;
CREATE INDEX IF NOT EXISTS rentals_renter ON rentals(renter, seq DESC);
CREATE INDEX IF NOT EXISTS rentals_owner ON rentals(owner, seq DESC);
CREATE TABLE IF NOT EXISTS requests (renter TEXT NOT NULL,
  request_id TEXT NOT NULL, fingerprint BLOB NOT NULL, rental TEXT NOT NULL,
  PRIMARY KEY (renter, request_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY,
  type TEXT NOT NULL, aggregate TEXT NOT NULL, payload TEXT NOT NULL,
  created_us INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS notifications (seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE, user TEXT NOT NULL, text TEXT NOT NULL,
  reference TEXT NOT NULL, created_us INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS notifications_user ON notifications(user, seq);
)sql";

constexpr int64_t kHourUs = 3'600'000'000;

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Bare SQLite CreateRental-shaped transactions, one commit each"};
  std::string path;
  double seconds = 3;
  int renters = 64, listings = 1024;
  app.add_option("--db", path, "database file (created)")->required();
  app.add_option("--seconds", seconds, "measured seconds");
  app.add_option("--renters", renters, "renters' accounts")
      ->check(CLI::PositiveNumber);
  app.add_option("--listings", listings, "listings booked in turn")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  std::unique_ptr<SQLite::Database> opened =
      rentwave::bench::OpenLikeRentWave(path);
  SQLite::Database& db = *opened;
  db.exec(kSchema);
  {
    SQLite::Transaction setup(db);
    for (int i = 0; i < listings; ++i) {
      SQLite::Statement q(db,
                          "INSERT OR IGNORE INTO listings VALUES "
                          "(?, 'owner', 100, 500, 100, 3600, 86400, 1)");
      q.bind(1, "listing" + std::to_string(i));
      q.exec();
    }
    for (int i = 0; i < renters; ++i) {
      SQLite::Statement q(
          db, "INSERT OR IGNORE INTO accounts VALUES (?, 1000000000000, 0)");
      q.bind(1, "renter" + std::to_string(i));
      q.exec();
    }
    setup.commit();
  }

  SQLite::Statement find_request(
      db, "SELECT rental FROM requests WHERE renter = ? AND request_id = ?");
  SQLite::Statement listing(db,
                            "SELECT owner, price, deposit, late_fee, period_s, "
                            "max_s, active FROM listings WHERE id = ?");
  SQLite::Statement account(db,
                            "SELECT balance, held FROM accounts WHERE id = ?");
  SQLite::Statement overlaps(
      db,
      "SELECT 1 FROM rentals WHERE listing = ?1 AND returned_us IS NULL AND "
      "start_us < ?3 AND (end_us > ?2 OR end_us <= ?4) LIMIT 1");
  SQLite::Statement hold_up(db,
                            "UPDATE accounts SET held = held + ? WHERE id = ?");
  SQLite::Statement hold(db, "INSERT INTO holds VALUES (?, ?, ?, ?, ?, ?, ?)");
  SQLite::Statement transfer(
      db,
      "INSERT INTO transfers(id, debit, credit, amount, hold, reference, "
      "created_us) VALUES (?, ?, 'escrow', ?, ?, ?, ?)");
  SQLite::Statement rental(db,
                           "INSERT INTO rentals(id, listing, renter, owner, "
                           "start_us, end_us, price, deposit, hold, "
                           "deposit_hold, next_charge_us, created_us) VALUES "
                           "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  SQLite::Statement request(db, "INSERT INTO requests VALUES (?, ?, ?, ?)");
  SQLite::Statement event(db,
                          "INSERT INTO events(type, aggregate, payload, "
                          "created_us) VALUES (?, ?, ?, ?)");
  SQLite::Statement notify(db,
                           "INSERT INTO notifications(id, user, text, "
                           "reference, created_us) VALUES (?, ?, ?, ?, ?)");
  auto done = [](std::initializer_list<SQLite::Statement*> statements) {
    for (SQLite::Statement* s : statements) {
      s->reset();
      s->clearBindings();
    }
  };

  // A day ahead, and after every window booked by an earlier run on this
  // database (the script's rounds share it).
  int64_t base_us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count() +
                    24 * kHourUs;
  base_us = std::max(base_us, db.execAndGet("SELECT coalesce(max(end_us), 0) "
                                            "FROM rentals")
                                  .getInt64());
  const std::string run = std::to_string(base_us);
  const std::string line =
      rentwave::bench::RunTimedTransactions(seconds, [&](uint64_t n) {
        const int64_t now =
            std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
        const std::string renter = "renter" + std::to_string(n % renters);
        const std::string listing_id = "listing" + std::to_string(n % listings);
        const std::string id = run + "-" + std::to_string(n);
        const int64_t start =
            base_us + static_cast<int64_t>(n / listings) * kHourUs;
        const int64_t end = start + kHourUs;
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        find_request.bind(1, renter);
        find_request.bind(2, id);
        if (find_request.executeStep()) throw std::logic_error("repeated id");
        listing.bind(1, listing_id);
        if (!listing.executeStep()) throw std::logic_error("no listing");
        const std::string owner = listing.getColumn(0).getString();
        const int64_t price = listing.getColumn(1).getInt64();
        const int64_t deposit = listing.getColumn(2).getInt64();
        account.bind(1, renter);
        account.executeStep();
        if (account.getColumn(0).getInt64() - account.getColumn(1).getInt64() <
            price + deposit) {
          throw std::logic_error("insufficient funds");
        }
        overlaps.bind(1, listing_id);
        overlaps.bind(2, start);
        overlaps.bind(3, end);
        overlaps.bind(4, now);
        if (overlaps.executeStep()) throw std::logic_error("overlap");
        done({&find_request, &listing, &account, &overlaps});
        const std::string reference = "rental:" + id;
        const std::string hold_id = id + "h";
        hold_up.bind(1, price + deposit);
        hold_up.bind(2, renter);
        hold_up.exec();
        hold.bind(1, hold_id);
        hold.bind(2, renter);
        hold.bind(3, price + deposit);
        hold.bind(4, price + deposit);
        hold.bind(5, price);
        hold.bind(6, reference);
        hold.bind(7, now);
        hold.exec();
        transfer.bind(1, hold_id);
        transfer.bind(2, renter);
        transfer.bind(3, price + deposit);
        transfer.bind(4, hold_id);
        transfer.bind(5, reference);
        transfer.bind(6, now);
        transfer.exec();
        event.bind(1, "wallet.held");
        event.bind(2, renter);
        event.bind(3, "{\"hold_id\":\"" + hold_id + "\",\"amount_minor\":" +
                          std::to_string(price + deposit) + "}");
        event.bind(4, now);
        event.exec();
        done({&hold_up, &hold, &transfer, &event});
        rental.bind(1, id);
        rental.bind(2, listing_id);
        rental.bind(3, renter);
        rental.bind(4, owner);
        rental.bind(5, start);
        rental.bind(6, end);
        rental.bind(7, price);
        rental.bind(8, deposit);
        rental.bind(9, hold_id);
        rental.bind(10, "");
        rental.bind(11, end + 1);  // the late-fee timer's next charge
        rental.bind(12, now);
        rental.exec();
        request.bind(1, renter);
        request.bind(2, id);
        request.bind(3, id.data(), static_cast<int>(id.size()));
        request.bind(4, id);
        request.exec();
        event.bind(1, "rental.created");
        event.bind(2, id);
        event.bind(3, "{\"listing_id\":\"" + listing_id +
                          "\",\"start_us\":" + std::to_string(start) + "}");
        event.bind(4, now);
        event.exec();
        notify.bind(1, id);
        notify.bind(2, owner);
        notify.bind(3, "Your item has been rented");
        notify.bind(4, reference);
        notify.bind(5, now);
        notify.exec();
        done({&rental, &request, &event, &notify});
        tx.commit();
      });
  std::printf("%s\n", line.c_str());
  return 0;
}
