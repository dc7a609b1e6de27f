// sqlite_transfer_bench: the storage baseline for the wallet benchmark. A
// bare SQLite program (WAL, synchronous=FULL, like RentWave's default) doing
// a transfer's transaction shape, one commit per transfer, as fast as one
// writer can:
//   BEGIN IMMEDIATE; idempotency insert; read the payer's balance and held
//   amount; debit; credit; insert the transfer; COMMIT
//   sqlite_transfer_bench --db /tmp/x.db [--seconds 3] [--accounts 64]
// Prints: calls_per_sec=N p50_us=N p99_us=N errors=0
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <string>

#include "CLI/CLI.hpp"
#include "bench/bare_sqlite.h"

int main(int argc, char** argv) {
  CLI::App app{"Bare SQLite transfers, one commit each"};
  std::string path;
  double seconds = 3;
  int accounts = 64;
  app.add_option("--db", path, "database file (created)")->required();
  app.add_option("--seconds", seconds, "measured seconds");
  app.add_option("--accounts", accounts, "accounts to move money between");
  CLI11_PARSE(app, argc, argv);

  std::unique_ptr<SQLite::Database> opened =
      rentwave::bench::OpenLikeRentWave(path);
  SQLite::Database& db = *opened;
  db.exec(
      "CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, "
      "balance INTEGER NOT NULL, held INTEGER NOT NULL);"
      "CREATE TABLE IF NOT EXISTS transfers (seq INTEGER PRIMARY KEY, "
      "id TEXT NOT NULL UNIQUE, debit TEXT NOT NULL, credit TEXT NOT NULL, "
      "amount INTEGER NOT NULL, created_us INTEGER NOT NULL);"
      "CREATE INDEX IF NOT EXISTS transfers_debit ON transfers(debit, seq);"
      "CREATE INDEX IF NOT EXISTS transfers_credit ON transfers(credit, seq);"
      "CREATE TABLE IF NOT EXISTS requests (account TEXT NOT NULL, "
      "request_id TEXT NOT NULL, transfer_id TEXT NOT NULL, "
      "PRIMARY KEY (account, request_id));");
  for (int i = 0; i < accounts; ++i) {
    SQLite::Statement insert(
        db, "INSERT OR IGNORE INTO accounts VALUES (?, 1000000000000, 0)");
    insert.bind(1, "account" + std::to_string(i));
    insert.exec();
  }

  SQLite::Statement request(db, "INSERT INTO requests VALUES (?, ?, ?)");
  SQLite::Statement balance(db,
                            "SELECT balance, held FROM accounts WHERE id = ?");
  SQLite::Statement debit(
      db, "UPDATE accounts SET balance = balance - ? WHERE id = ?");
  SQLite::Statement credit(
      db, "UPDATE accounts SET balance = balance + ? WHERE id = ?");
  SQLite::Statement transfer(
      db,
      "INSERT INTO transfers(id, debit, credit, amount, created_us) "
      "VALUES (?, ?, ?, ?, ?)");

  std::mt19937_64 rng(1);
  const std::string line =
      rentwave::bench::RunTimedTransactions(seconds, [&](uint64_t n) {
        const std::string from = "account" + std::to_string(rng() % accounts);
        std::string to = "account" + std::to_string(rng() % accounts);
        if (to == from) to = from == "account0" ? "account1" : "account0";
        const int64_t now =
            std::chrono::steady_clock::now().time_since_epoch().count();
        const std::string id =
            "t" + std::to_string(n) + "-" + std::to_string(now);
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        request.bind(1, from);
        request.bind(2, id);
        request.bind(3, id);
        request.exec();
        balance.bind(1, from);
        balance.executeStep();
        const int64_t available =
            balance.getColumn(0).getInt64() - balance.getColumn(1).getInt64();
        const int64_t amount = 1 + static_cast<int64_t>(rng() % 100);
        if (available >= amount) {
          debit.bind(1, amount);
          debit.bind(2, from);
          debit.exec();
          credit.bind(1, amount);
          credit.bind(2, to);
          credit.exec();
          transfer.bind(1, id);
          transfer.bind(2, from);
          transfer.bind(3, to);
          transfer.bind(4, amount);
          transfer.bind(5, now);
          transfer.exec();
        }
        tx.commit();
        for (SQLite::Statement* s :
             {&request, &balance, &debit, &credit, &transfer}) {
          s->reset();
          s->clearBindings();
        }
      });
  std::printf("%s\n", line.c_str());
  return 0;
}
