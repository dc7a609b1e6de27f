-- Notifications (notifications module): messages to users, kept per user so
-- that nothing is lost while they are offline.

-- `seq` orders a user's notifications (newest first paging); `id` is the
-- public id. kind is e.g. 'rental.created'; reference names what it is
-- about, e.g. 'rental:<id>'.
CREATE TABLE notifications_items (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  user_id TEXT NOT NULL CHECK (user_id <> ''),
  kind TEXT NOT NULL CHECK (kind <> ''),
  text TEXT NOT NULL CHECK (text <> ''),
  reference TEXT NOT NULL DEFAULT '',
  read INTEGER NOT NULL DEFAULT 0 CHECK (read IN (0, 1)),
  created_at_us INTEGER NOT NULL
);
CREATE INDEX notifications_items_by_user
  ON notifications_items(user_id, seq DESC);
-- The unread filter, without visiting read ones.
CREATE INDEX notifications_items_unread
  ON notifications_items(user_id, seq DESC) WHERE read = 0;

-- Module settings. One row: the page-token key.
CREATE TABLE notifications_settings (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  page_token_key BLOB NOT NULL,
  created_at_us INTEGER NOT NULL
);
