-- Nothing reads the event log by aggregate, and this index cost every event
-- a write to a random page of it: a quarter of the pages a late-fee charge
-- (four events) dirtied.
DROP INDEX events_by_aggregate;
