-- The event log read by type (rentwave.v1.Events with a type filter) in seq
-- order, without visiting events of other types.
CREATE INDEX events_by_type ON events(type, seq);
