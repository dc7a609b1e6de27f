-- A rental reserves its price and its deposit in one hold: one ledger entry
-- and one event where there were two, and late fees come out of the part
-- above the price. Rentals booked before keep their deposit's own hold in
-- deposit_hold_id, which is empty for the others.
ALTER TABLE rentals_items RENAME COLUMN price_hold_id TO hold_id;
