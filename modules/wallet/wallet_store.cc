#include "modules/wallet/wallet_store.h"

#include <SQLiteCpp/Statement.h>

#include <limits>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "modules/platform/statement_cache.h"
#include "modules/wallet/ledger_check.h"

namespace rentwave::wallet::store {
namespace {

using platform::FromMicros;
using platform::ToMicros;

// Kinds that move no money: holds and releases only change what is held.
// Every query that sums posted transfers says `kind NOT IN (4, 6)`.
constexpr char kTransferColumns[] =
    "seq, id, kind, debit_account, credit_account, amount_minor, currency, "
    "reference, memo, request_id, hold_id, created_at_us";

Entry ReadEntry(SQLite::Statement& q) {
  Entry e;
  e.seq = q.getColumn(0).getInt64();
  Transaction& t = e.transaction;
  t.id = q.getColumn(1).getString();
  t.kind = static_cast<Kind>(q.getColumn(2).getInt());
  t.debit_account = q.getColumn(3).getString();
  t.credit_account = q.getColumn(4).getString();
  t.amount_minor = q.getColumn(5).getInt64();
  t.currency = q.getColumn(6).getString();
  t.reference = q.getColumn(7).getString();
  t.memo = q.getColumn(8).getString();
  t.request_id = q.getColumn(9).getString();
  t.hold_id = q.getColumn(10).getString();
  t.created = FromMicros(q.getColumn(11).getInt64());
  return e;
}

const char* StateName(HoldState state) {
  switch (state) {
    case HoldState::kOpen:
      return "open";
    case HoldState::kPosted:
      return "posted";
    case HoldState::kVoided:
      return "voided";
  }
  return "open";
}

HoldState ParseState(const std::string& name) {
  if (name == "posted") return HoldState::kPosted;
  if (name == "voided") return HoldState::kVoided;
  return HoldState::kOpen;
}

void BindBlob(SQLite::Statement& q, int index, const std::string& bytes) {
  q.bind(index, bytes.data(), static_cast<int>(bytes.size()));
}

std::string BlobColumn(SQLite::Statement& q, int index) {
  const SQLite::Column c = q.getColumn(index);
  return std::string(static_cast<const char*>(c.getBlob()), c.getBytes());
}

void Problem(std::vector<LedgerProblem>& out, std::string account,
             std::string what) {
  out.push_back({std::move(account), std::move(what)});
}

}  // namespace

Settings LoadOrStoreSettings(platform::Tx& tx, const std::string& fresh_key,
                             const std::string& currency, absl::Time now) {
  SQLite::Statement insert(
      tx.db(),
      "INSERT INTO wallet_settings(id, page_token_key, currency, "
      "created_at_us) VALUES (1, ?, ?, ?) ON CONFLICT(id) DO NOTHING");
  BindBlob(insert, 1, fresh_key);
  insert.bind(2, currency);
  insert.bind(3, static_cast<int64_t>(ToMicros(now)));
  insert.exec();
  SQLite::Statement q(
      tx.db(),
      "SELECT page_token_key, currency FROM wallet_settings WHERE id = 1");
  q.executeStep();
  return {BlobColumn(q, 0), q.getColumn(1).getString()};
}

void EnsureSystemAccounts(platform::Tx& tx, absl::Time now) {
  SQLite::Statement insert(
      tx.db(),
      "INSERT OR IGNORE INTO wallet_accounts(id, is_system, created_at_us) "
      "VALUES (?, 1, ?)");
  for (const char* id : {kWorld, kEscrow, kFees}) {
    insert.bind(1, id);
    insert.bind(2, static_cast<int64_t>(ToMicros(now)));
    insert.exec();
    insert.reset();
  }
}

std::optional<Account> FindAccount(platform::Tx& tx, const std::string& id) {
  platform::CachedStatement q(
      tx,
      "SELECT is_system, balance_minor, held_minor, "
      "pending_credit_minor FROM wallet_accounts WHERE id = ?");
  q->bind(1, id);
  if (!q->executeStep()) return std::nullopt;
  return Account{id, q->getColumn(0).getInt() != 0, q->getColumn(1).getInt64(),
                 q->getColumn(2).getInt64(), q->getColumn(3).getInt64()};
}

void SaveAccount(platform::Tx& tx, const Account& a, absl::Time now) {
  platform::CachedStatement q(
      tx,
      "INSERT INTO wallet_accounts(id, is_system, balance_minor, held_minor, "
      "pending_credit_minor, created_at_us) VALUES (?, ?, ?, ?, ?, ?) "
      "ON CONFLICT(id) DO UPDATE SET balance_minor = excluded.balance_minor, "
      "held_minor = excluded.held_minor, "
      "pending_credit_minor = excluded.pending_credit_minor");
  q->bind(1, a.id);
  q->bind(2, a.is_system ? 1 : 0);
  q->bind(3, static_cast<int64_t>(a.balance_minor));
  q->bind(4, static_cast<int64_t>(a.held_minor));
  q->bind(5, static_cast<int64_t>(a.pending_credit_minor));
  q->bind(6, static_cast<int64_t>(ToMicros(now)));
  q->exec();
}

void InsertTransfer(platform::Tx& tx, const Transaction& t) {
  platform::CachedStatement q(
      tx,
      "INSERT INTO wallet_transfers(id, kind, debit_account, credit_account, "
      "amount_minor, currency, reference, memo, request_id, hold_id, "
      "created_at_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  q->bind(1, t.id);
  q->bind(2, static_cast<int>(t.kind));
  q->bind(3, t.debit_account);
  q->bind(4, t.credit_account);
  q->bind(5, static_cast<int64_t>(t.amount_minor));
  q->bind(6, t.currency);
  q->bind(7, t.reference);
  q->bind(8, t.memo);
  q->bind(9, t.request_id);
  q->bind(10, t.hold_id);
  q->bind(11, static_cast<int64_t>(ToMicros(t.created)));
  q->exec();
}

std::optional<Transaction> FindTransfer(platform::Tx& tx,
                                        const std::string& id) {
  platform::CachedStatement q(tx, absl::StrCat("SELECT ", kTransferColumns,
                                               " FROM wallet_transfers "
                                               "WHERE id = ?"));
  q->bind(1, id);
  if (!q->executeStep()) return std::nullopt;
  return ReadEntry(*q).transaction;
}

std::vector<Entry> ListTransfers(platform::Tx& tx, const std::string& account,
                                 Kind kind, std::optional<int64_t> before_seq,
                                 int limit) {
  // Each side is an index range scan (account, seq DESC) that stops after
  // `limit` rows; the outer ORDER BY merges the two. An OR over both
  // columns would instead collect and sort every matching row.
  auto side_for = [](absl::string_view column) {
    return absl::StrCat("SELECT ", kTransferColumns,
                        " FROM wallet_transfers WHERE ", column,
                        " = ?1 AND seq < ?2 AND (?3 = 0 OR kind = ?3) "
                        "ORDER BY seq DESC LIMIT ?4");
  };
  platform::CachedStatement q(
      tx,
      absl::StrCat("SELECT * FROM (", side_for("debit_account"),
                   ") UNION ALL SELECT * FROM (", side_for("credit_account"),
                   ") ORDER BY seq DESC LIMIT ?4"));
  q->bind(1, account);
  q->bind(2, static_cast<int64_t>(
                 before_seq.value_or(std::numeric_limits<int64_t>::max())));
  q->bind(3, static_cast<int>(kind));
  q->bind(4, limit);
  std::vector<Entry> entries;
  while (q->executeStep()) entries.push_back(ReadEntry(*q));
  return entries;
}

std::optional<Request> FindRequest(platform::Tx& tx, const std::string& account,
                                   const std::string& request_id) {
  platform::CachedStatement q(
      tx,
      "SELECT fingerprint, transfer_id FROM wallet_requests "
      "WHERE account_id = ? AND request_id = ?");
  q->bind(1, account);
  q->bind(2, request_id);
  if (!q->executeStep()) return std::nullopt;
  return Request{BlobColumn(*q, 0), q->getColumn(1).getString()};
}

void InsertRequest(platform::Tx& tx, const std::string& account,
                   const std::string& request_id,
                   const std::string& fingerprint,
                   const std::string& transfer_id, absl::Time now) {
  platform::CachedStatement q(
      tx,
      "INSERT INTO wallet_requests(account_id, request_id, fingerprint, "
      "transfer_id, created_at_us) VALUES (?, ?, ?, ?, ?)");
  q->bind(1, account);
  q->bind(2, request_id);
  BindBlob(*q, 3, fingerprint);
  q->bind(4, transfer_id);
  q->bind(5, static_cast<int64_t>(ToMicros(now)));
  q->exec();
}

std::optional<Hold> FindHold(platform::Tx& tx, const std::string& id) {
  platform::CachedStatement q(
      tx,
      "SELECT account_id, amount_minor, remaining_minor, "
      "state, reference, created_at_us, keep_minor FROM wallet_holds "
      "WHERE id = ?");
  q->bind(1, id);
  if (!q->executeStep()) return std::nullopt;
  Hold h;
  h.id = id;
  h.account_id = q->getColumn(0).getString();
  h.amount_minor = q->getColumn(1).getInt64();
  h.remaining_minor = q->getColumn(2).getInt64();
  h.state = ParseState(q->getColumn(3).getString());
  h.reference = q->getColumn(4).getString();
  h.created = FromMicros(q->getColumn(5).getInt64());
  h.keep_minor = q->getColumn(6).getInt64();
  return h;
}

void InsertHold(platform::Tx& tx, const Hold& h) {
  platform::CachedStatement q(
      tx,
      "INSERT INTO wallet_holds(id, account_id, amount_minor, "
      "remaining_minor, state, reference, created_at_us, keep_minor) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  q->bind(1, h.id);
  q->bind(2, h.account_id);
  q->bind(3, static_cast<int64_t>(h.amount_minor));
  q->bind(4, static_cast<int64_t>(h.remaining_minor));
  q->bind(5, StateName(h.state));
  q->bind(6, h.reference);
  q->bind(7, static_cast<int64_t>(ToMicros(h.created)));
  q->bind(8, static_cast<int64_t>(h.keep_minor));
  q->exec();
}

void UpdateHold(platform::Tx& tx, const Hold& h, absl::Time now) {
  platform::CachedStatement q(
      tx,
      "UPDATE wallet_holds SET remaining_minor = ?, state = ?, "
      "closed_at_us = ? WHERE id = ?");
  q->bind(1, static_cast<int64_t>(h.remaining_minor));
  q->bind(2, StateName(h.state));
  if (h.state == HoldState::kOpen) {
    q->bind(3);  // NULL
  } else {
    q->bind(3, static_cast<int64_t>(ToMicros(now)));
  }
  q->bind(4, h.id);
  q->exec();
}

std::vector<LedgerProblem> Verify(platform::Tx& tx) {
  std::vector<LedgerProblem> problems;

  // Before the wallet first opens the database (`rentwave migrate` alone)
  // the ledger is empty: nothing to check, and no system accounts yet.
  {
    SQLite::Statement q(tx.db(),
                        "SELECT EXISTS (SELECT 1 FROM wallet_accounts) OR "
                        "EXISTS (SELECT 1 FROM wallet_transfers) OR "
                        "EXISTS (SELECT 1 FROM wallet_holds) OR "
                        "EXISTS (SELECT 1 FROM wallet_requests)");
    q.executeStep();
    if (q.getColumn(0).getInt() == 0) return problems;
  }

  for (const char* id : {kWorld, kEscrow, kFees}) {
    std::optional<Account> a = FindAccount(tx, id);
    if (!a) {
      Problem(problems, id, "system account is missing");
    } else if (!a->is_system) {
      Problem(problems, id, "system account is not marked as one");
    }
  }
  {
    SQLite::Statement q(tx.db(),
                        "SELECT id FROM wallet_accounts WHERE is_system <> 0 "
                        "AND id NOT IN (?, ?, ?)");
    q.bind(1, kWorld);
    q.bind(2, kEscrow);
    q.bind(3, kFees);
    while (q.executeStep()) {
      Problem(problems, q.getColumn(0).getString(),
              "is marked as a system account but is none");
    }
  }

  // Every entry replayed in order against the stored accounts and holds
  // (see LedgerReplay): balances, the zero sum, holds settled once and for
  // what they had, nothing spent that was not available. One pass over
  // each table.
  {
    LedgerReplay replay(problems);
    SQLite::Statement a(tx.db(),
                        "SELECT id, is_system, balance_minor, held_minor, "
                        "pending_credit_minor FROM wallet_accounts");
    while (a.executeStep()) {
      replay.AddAccount(
          Account{a.getColumn(0).getString(), a.getColumn(1).getInt() != 0,
                  a.getColumn(2).getInt64(), a.getColumn(3).getInt64(),
                  a.getColumn(4).getInt64()});
    }
    SQLite::Statement h(tx.db(),
                        "SELECT id, account_id, amount_minor, "
                        "remaining_minor, state, reference, created_at_us, "
                        "keep_minor FROM wallet_holds");
    while (h.executeStep()) {
      Hold hold;
      hold.id = h.getColumn(0).getString();
      hold.account_id = h.getColumn(1).getString();
      hold.amount_minor = h.getColumn(2).getInt64();
      hold.remaining_minor = h.getColumn(3).getInt64();
      hold.state = ParseState(h.getColumn(4).getString());
      hold.reference = h.getColumn(5).getString();
      hold.created = FromMicros(h.getColumn(6).getInt64());
      hold.keep_minor = h.getColumn(7).getInt64();
      replay.AddHold(hold);
    }
    SQLite::Statement t(tx.db(), absl::StrCat("SELECT ", kTransferColumns,
                                              " FROM wallet_transfers "
                                              "ORDER BY seq"));
    while (t.executeStep()) replay.Apply(ReadEntry(t).transaction);
    replay.Finish();
  }

  // Held amounts against the open holds.
  {
    SQLite::Statement q(
        tx.db(),
        "SELECT a.id, a.held_minor, COALESCE(h.held, 0) FROM wallet_accounts "
        "AS a LEFT JOIN (SELECT account_id, SUM(remaining_minor) AS held "
        "FROM wallet_holds WHERE state = 'open' GROUP BY account_id) AS h "
        "ON h.account_id = a.id WHERE a.held_minor <> COALESCE(h.held, 0)");
    while (q.executeStep()) {
      Problem(problems, q.getColumn(0).getString(),
              absl::StrCat("held amount is ", q.getColumn(1).getInt64(),
                           " but its open holds have ",
                           q.getColumn(2).getInt64(), " left"));
    }
  }

  // Pending credits: escrow is the other side of every open hold, and the
  // only account with pending credits.
  {
    SQLite::Statement q(
        tx.db(),
        "SELECT a.id, a.pending_credit_minor, CASE WHEN a.id = ? THEN "
        "(SELECT COALESCE(SUM(remaining_minor), 0) FROM wallet_holds "
        "WHERE state = 'open') ELSE 0 END AS expected "
        "FROM wallet_accounts AS a WHERE a.pending_credit_minor <> expected");
    q.bind(1, kEscrow);
    while (q.executeStep()) {
      Problem(problems, q.getColumn(0).getString(),
              absl::StrCat("pending credits are ", q.getColumn(1).getInt64(),
                           " but should be ", q.getColumn(2).getInt64(),
                           " (what the open holds have left)"));
    }
  }

  // A user's available money goes below zero only through charges.
  {
    SQLite::Statement q(
        tx.db(),
        "SELECT a.id, a.balance_minor, a.held_minor FROM wallet_accounts AS a "
        "WHERE a.is_system = 0 AND a.balance_minor < a.held_minor "
        "AND NOT EXISTS (SELECT 1 FROM wallet_transfers AS t "
        "WHERE t.debit_account = a.id AND t.kind = 7)");
    while (q.executeStep()) {
      Problem(problems, q.getColumn(0).getString(),
              absl::StrCat("available is below zero (balance ",
                           q.getColumn(1).getInt64(), ", held ",
                           q.getColumn(2).getInt64(),
                           ") without any charge to explain it"));
    }
  }

  // Idempotency: each deposit, withdrawal and transfer is the one recorded
  // for its user's request id, and each record names such an entry of that
  // user with that id. A second entry for one request is money moved twice.
  {
    constexpr char kUserSide[] =
        "CASE t.kind WHEN 1 THEN t.credit_account ELSE t.debit_account END";
    SQLite::Statement q(
        tx.db(),
        absl::StrCat("SELECT t.id, ", kUserSide,
                     ", t.request_id, r.transfer_id FROM wallet_transfers AS "
                     "t LEFT JOIN wallet_requests AS r ON r.account_id = ",
                     kUserSide,
                     " AND r.request_id = t.request_id WHERE t.kind IN (1, "
                     "2, 3) AND (r.transfer_id IS NULL OR r.transfer_id <> "
                     "t.id) LIMIT 100"));
    while (q.executeStep()) {
      Problem(problems, q.getColumn(1).getString(),
              absl::StrCat(
                  "entry ", q.getColumn(0).getString(),
                  " was made for request id '", q.getColumn(2).getString(),
                  "', which records ",
                  q.getColumn(3).isNull()
                      ? std::string("no entry")
                      : absl::StrCat("entry ", q.getColumn(3).getString())));
    }
    SQLite::Statement r(
        tx.db(),
        absl::StrCat("SELECT r.account_id, r.request_id, r.transfer_id FROM "
                     "wallet_requests AS r LEFT JOIN wallet_transfers AS t ON "
                     "t.id = r.transfer_id WHERE t.id IS NULL OR t.kind NOT "
                     "IN (1, 2, 3) OR t.request_id <> r.request_id OR "
                     "r.account_id <> ",
                     kUserSide, " LIMIT 100"));
    while (r.executeStep()) {
      Problem(problems, r.getColumn(0).getString(),
              absl::StrCat("request id '", r.getColumn(1).getString(),
                           "' records entry ", r.getColumn(2).getString(),
                           ", which is not its deposit, withdrawal or "
                           "transfer"));
    }
  }

  // One currency: the ledger's.
  {
    SQLite::Statement c(tx.db(),
                        "SELECT COUNT(*) FROM wallet_settings WHERE id = 1");
    c.executeStep();
    if (c.getColumn(0).getInt() == 0) {
      Problem(problems, "", "the wallet settings (currency) are missing");
    }
    SQLite::Statement q(
        tx.db(),
        "SELECT DISTINCT t.currency FROM wallet_transfers AS t "
        "WHERE t.currency <> (SELECT currency FROM wallet_settings "
        "WHERE id = 1)");
    while (q.executeStep()) {
      Problem(problems, "",
              absl::StrCat("transfers in ", q.getColumn(0).getString(),
                           ", not the ledger's currency"));
    }
  }
  return problems;
}

}  // namespace rentwave::wallet::store
