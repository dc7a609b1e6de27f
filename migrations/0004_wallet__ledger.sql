-- The wallet's ledger (wallet module): accounts, immutable transfers, holds
-- and idempotency records. Money is integer minor units in the one currency
-- of wallet_settings.

-- One row per user who ever used the wallet (created on first use) and the
-- system accounts 'world', 'escrow' and 'fees' (is_system = 1). The amounts
-- are materialized for speed and must always agree with the rows below:
-- balance_minor = credits - debits of posted transfers; held_minor = what
-- remains of the account's open holds; pending_credit_minor = what remains
-- of the open holds it is the other side of (escrow only).
CREATE TABLE wallet_accounts (
  id TEXT PRIMARY KEY CHECK (id <> ''),
  is_system INTEGER NOT NULL CHECK (is_system IN (0, 1)),
  balance_minor INTEGER NOT NULL DEFAULT 0,
  held_minor INTEGER NOT NULL DEFAULT 0 CHECK (held_minor >= 0),
  pending_credit_minor INTEGER NOT NULL DEFAULT 0
    CHECK (pending_credit_minor >= 0),
  created_at_us INTEGER NOT NULL
);

-- Ledger entries, never changed or removed. `seq` orders them (newest
-- first paging); `id` is the public id. kind is rentwave.v1.TransactionKind:
-- 1 deposit, 2 withdrawal, 3 transfer, 4 hold, 5 payment, 6 release,
-- 7 charge, 8 fee. Holds (4) and releases (6) are history only: they move no
-- money, every other kind is posted and counts toward balances.
-- request_id is set for deposits, withdrawals and transfers; hold_id for
-- holds, payments, fees and releases of a hold and charges taken from one.
CREATE TABLE wallet_transfers (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  kind INTEGER NOT NULL CHECK (kind BETWEEN 1 AND 8),
  debit_account TEXT NOT NULL REFERENCES wallet_accounts(id),
  credit_account TEXT NOT NULL REFERENCES wallet_accounts(id),
  amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
  currency TEXT NOT NULL CHECK (length(currency) = 3),
  reference TEXT NOT NULL DEFAULT '',
  memo TEXT NOT NULL DEFAULT '',
  request_id TEXT NOT NULL DEFAULT '',
  hold_id TEXT NOT NULL DEFAULT '',
  created_at_us INTEGER NOT NULL,
  CHECK (debit_account <> credit_account)
);
-- An account's history, newest first, is the merge of its debit and credit
-- sides. kind rides along in the index so that a kind filter is checked
-- without visiting the table; a second pair of (account, kind, seq) indexes
-- would make each transfer write two more b-trees, on the hottest table.
CREATE INDEX wallet_transfers_by_debit
  ON wallet_transfers(debit_account, seq DESC, kind);
CREATE INDEX wallet_transfers_by_credit
  ON wallet_transfers(credit_account, seq DESC, kind);

CREATE TRIGGER wallet_transfers_no_update BEFORE UPDATE ON wallet_transfers
BEGIN SELECT RAISE(ABORT, 'wallet transfers are immutable'); END;
CREATE TRIGGER wallet_transfers_no_delete BEFORE DELETE ON wallet_transfers
BEGIN SELECT RAISE(ABORT, 'wallet transfers are immutable'); END;

-- Holds: pending transfers from account_id to escrow. remaining_minor is
-- what is still reserved (charges may take from it while it is open); a
-- hold is closed exactly once, by posting or voiding it.
CREATE TABLE wallet_holds (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES wallet_accounts(id),
  amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
  remaining_minor INTEGER NOT NULL
    CHECK (remaining_minor BETWEEN 0 AND amount_minor),
  state TEXT NOT NULL CHECK (state IN ('open', 'posted', 'voided')),
  reference TEXT NOT NULL DEFAULT '',
  created_at_us INTEGER NOT NULL,
  closed_at_us INTEGER,
  CHECK ((state = 'open') = (closed_at_us IS NULL))
);

-- Idempotency: the first transfer made for each (account, client request
-- id), with a fingerprint of the request's parameters so that a reuse for
-- another request is told apart from a retry.
CREATE TABLE wallet_requests (
  account_id TEXT NOT NULL,
  request_id TEXT NOT NULL,
  fingerprint BLOB NOT NULL,
  transfer_id TEXT NOT NULL REFERENCES wallet_transfers(id),
  created_at_us INTEGER NOT NULL,
  PRIMARY KEY (account_id, request_id)
) WITHOUT ROWID;

-- Module settings. One row: the page-token key, and the currency the ledger
-- is kept in (fixed at the first start).
CREATE TABLE wallet_settings (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  page_token_key BLOB NOT NULL,
  currency TEXT NOT NULL CHECK (length(currency) = 3),
  created_at_us INTEGER NOT NULL
);
