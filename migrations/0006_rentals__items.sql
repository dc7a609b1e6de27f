-- Rentals (rentals module): who rents which listing when, the wallet holds
-- backing it, the late penalties charged, and the durable late-fee timer.
-- Times are microseconds since the Unix epoch (UTC); money is integer minor
-- units in the wallet's currency.

-- One row per rental. `seq` orders pages (newest first); `id` is the public
-- id. A rental is open until returned or cancelled (at most one of them is
-- set). price_hold_id is the wallet hold of the price (replaced on
-- extension), deposit_hold_id that of the deposit ('' when there is none):
-- late fees are charged from the deposit hold first. next_charge_us is the
-- timer: when the next late period falls due, NULL when nothing will
-- (returned, cancelled, no late fee, or the cap reached).
CREATE TABLE rentals_items (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  listing_id TEXT NOT NULL,
  renter_id TEXT NOT NULL,
  owner_id TEXT NOT NULL,
  start_us INTEGER NOT NULL,
  end_us INTEGER NOT NULL,
  returned_us INTEGER,
  cancelled_us INTEGER,
  unit_price_minor INTEGER NOT NULL CHECK (unit_price_minor > 0),
  price_minor INTEGER NOT NULL CHECK (price_minor > 0),
  deposit_minor INTEGER NOT NULL CHECK (deposit_minor >= 0),
  late_fee_minor INTEGER NOT NULL CHECK (late_fee_minor >= 0),
  period_s INTEGER NOT NULL CHECK (period_s > 0),
  currency TEXT NOT NULL CHECK (length(currency) = 3),
  price_hold_id TEXT NOT NULL,
  deposit_hold_id TEXT NOT NULL DEFAULT '',
  late_periods_charged INTEGER NOT NULL DEFAULT 0
    CHECK (late_periods_charged >= 0),
  late_fees_charged_minor INTEGER NOT NULL DEFAULT 0
    CHECK (late_fees_charged_minor >= 0),
  next_charge_us INTEGER,
  created_at_us INTEGER NOT NULL,
  updated_at_us INTEGER NOT NULL,
  CHECK (end_us > start_us),
  CHECK (returned_us IS NULL OR cancelled_us IS NULL),
  CHECK (next_charge_us IS NULL OR
         (returned_us IS NULL AND cancelled_us IS NULL))
);
-- The timer: due rentals in due order, and the earliest due time, without
-- visiting rentals that owe nothing.
CREATE INDEX rentals_items_due
  ON rentals_items(next_charge_us) WHERE next_charge_us IS NOT NULL;
-- Overlap checks and the listings' calendar: open rentals of a listing, and
-- open rentals by start for availability search. Their WHERE must match the
-- literal terms the store puts in its queries.
CREATE INDEX rentals_items_open_by_listing
  ON rentals_items(listing_id, start_us)
  WHERE returned_us IS NULL AND cancelled_us IS NULL;
CREATE INDEX rentals_items_open_by_start
  ON rentals_items(start_us, end_us, listing_id)
  WHERE returned_us IS NULL AND cancelled_us IS NULL;
-- A user's rentals as renter and as owner, newest first.
CREATE INDEX rentals_items_by_renter ON rentals_items(renter_id, seq DESC);
CREATE INDEX rentals_items_by_owner ON rentals_items(owner_id, seq DESC);

-- One row per late period charged, written in the transaction of the wallet
-- charge: the primary key makes charging a period twice impossible.
CREATE TABLE rentals_charges (
  rental_id TEXT NOT NULL REFERENCES rentals_items(id),
  period INTEGER NOT NULL CHECK (period > 0),
  amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
  transaction_id TEXT NOT NULL,
  charged_at_us INTEGER NOT NULL,
  PRIMARY KEY (rental_id, period)
) WITHOUT ROWID;

-- Idempotency: what each (renter, client request id) did — a create or an
-- extension of `rental_id` — with a fingerprint of its parameters so that a
-- reuse for another request is told apart from a retry.
CREATE TABLE rentals_requests (
  renter_id TEXT NOT NULL,
  request_id TEXT NOT NULL,
  fingerprint BLOB NOT NULL,
  rental_id TEXT NOT NULL REFERENCES rentals_items(id),
  created_at_us INTEGER NOT NULL,
  PRIMARY KEY (renter_id, request_id)
) WITHOUT ROWID;

-- Module settings. One row: the page-token key.
CREATE TABLE rentals_settings (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  page_token_key BLOB NOT NULL,
  created_at_us INTEGER NOT NULL
);
