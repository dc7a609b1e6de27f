-- Accounts (users module). username is stored lower-cased: unique ignoring case.
CREATE TABLE users_accounts (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  display_name TEXT NOT NULL,
  email TEXT NOT NULL DEFAULT '',
  address_line1 TEXT NOT NULL DEFAULT '',
  address_line2 TEXT NOT NULL DEFAULT '',
  address_city TEXT NOT NULL DEFAULT '',
  address_region TEXT NOT NULL DEFAULT '',
  address_postal_code TEXT NOT NULL DEFAULT '',
  address_country_code TEXT NOT NULL DEFAULT '',
  created_at_us INTEGER NOT NULL,
  updated_at_us INTEGER NOT NULL
);

-- Tokens revoked by logout, kept until they would have expired anyway.
CREATE TABLE users_revoked_tokens (
  token_id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  expires_at_us INTEGER NOT NULL
);
CREATE INDEX users_revoked_tokens_by_expiry ON users_revoked_tokens(expires_at_us);

-- The token signing secret generated when none is configured, so that tokens
-- survive restarts. One row.
CREATE TABLE users_signing_keys (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  secret BLOB NOT NULL,
  created_at_us INTEGER NOT NULL
);
