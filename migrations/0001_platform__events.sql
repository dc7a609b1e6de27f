-- The event log (platform): append-only, written in the business transaction.
-- AUTOINCREMENT: sequence numbers are never reused, and with one writer and
-- rollbacks undoing their own increments they stay gap-free.
CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL,
  aggregate_id TEXT NOT NULL,
  actor_id TEXT NOT NULL DEFAULT '',
  payload TEXT NOT NULL DEFAULT '{}',
  created_at_us INTEGER NOT NULL
);
CREATE INDEX events_by_aggregate ON events(aggregate_id, seq);

-- The last event each in-process subscriber has acknowledged.
CREATE TABLE event_cursors (
  subscriber TEXT PRIMARY KEY,
  position INTEGER NOT NULL
);

-- Events are facts: they are never changed or removed.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
