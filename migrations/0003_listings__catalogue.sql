-- The book catalogue (listings module): one entry per ISBN, created by the
-- first listing of that ISBN, whose title and author it keeps.
CREATE TABLE listings_books (
  isbn TEXT PRIMARY KEY CHECK (length(isbn) = 13 AND isbn NOT GLOB '*[^0-9]*'),
  title TEXT NOT NULL,
  author TEXT NOT NULL,
  created_at_us INTEGER NOT NULL
);

-- Items offered for rent. `seq` is the rowid, the key of the listing's row in
-- listings_search; `id` is the public id. Money is integer minor units plus a
-- currency; durations are whole seconds. The details of the listing's kind
-- are set and those of the other kinds are NULL (1 book, 2 vehicle, 3 room);
-- book_title and book_author are the listing's own (editable) copy, the
-- catalogue keeps the first listing's. city_folded is room_city case-folded
-- for matching.
CREATE TABLE listings_items (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  owner_id TEXT NOT NULL,
  kind INTEGER NOT NULL CHECK (kind IN (1, 2, 3)),
  title TEXT NOT NULL CHECK (title <> ''),
  description TEXT NOT NULL DEFAULT '',
  price_minor INTEGER NOT NULL CHECK (price_minor > 0),
  price_currency TEXT NOT NULL CHECK (length(price_currency) = 3),
  period INTEGER NOT NULL CHECK (period IN (1, 2, 3)),
  max_duration_s INTEGER NOT NULL CHECK (max_duration_s > 0),
  late_fee_minor INTEGER NOT NULL CHECK (late_fee_minor >= 0),
  late_fee_currency TEXT NOT NULL DEFAULT '',
  deposit_minor INTEGER NOT NULL CHECK (deposit_minor >= 0),
  deposit_currency TEXT NOT NULL DEFAULT '',
  active INTEGER NOT NULL CHECK (active IN (0, 1)),
  archived INTEGER NOT NULL CHECK (archived IN (0, 1)),
  isbn TEXT REFERENCES listings_books(isbn),
  book_title TEXT,
  book_author TEXT,
  vehicle_type INTEGER CHECK (vehicle_type BETWEEN 1 AND 6),
  vehicle_make TEXT,
  vehicle_model TEXT,
  vehicle_seats INTEGER CHECK (vehicle_seats > 0),
  vehicle_boot_litres INTEGER CHECK (vehicle_boot_litres >= 0),
  room_city TEXT,
  city_folded TEXT,
  room_address TEXT,
  room_max_guests INTEGER CHECK (room_max_guests > 0),
  room_beds INTEGER CHECK (room_beds > 0),
  created_at_us INTEGER NOT NULL,
  updated_at_us INTEGER NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 0),
  CHECK (kind = 1 AND isbn IS NOT NULL AND book_title IS NOT NULL AND
         book_author IS NOT NULL OR
         kind <> 1 AND isbn IS NULL AND book_title IS NULL AND
         book_author IS NULL),
  CHECK (kind = 2 AND vehicle_type IS NOT NULL AND vehicle_make IS NOT NULL AND
         vehicle_model IS NOT NULL AND vehicle_seats IS NOT NULL AND
         vehicle_boot_litres IS NOT NULL OR
         kind <> 2 AND vehicle_type IS NULL AND vehicle_make IS NULL AND
         vehicle_model IS NULL AND vehicle_seats IS NULL AND
         vehicle_boot_litres IS NULL),
  CHECK (kind = 3 AND room_city IS NOT NULL AND city_folded IS NOT NULL AND
         room_address IS NOT NULL AND room_max_guests IS NOT NULL AND
         room_beds IS NOT NULL OR
         kind <> 3 AND room_city IS NULL AND city_folded IS NULL AND
         room_address IS NULL AND room_max_guests IS NULL AND room_beds IS NULL)
);
-- Each index serves one sort order under its common filter without a sort
-- step. The partial ones cover what public search sees; their WHERE must
-- match the literal terms the store puts in its queries.
CREATE INDEX listings_items_by_owner
  ON listings_items(owner_id, created_at_us DESC, id DESC);
CREATE INDEX listings_items_searchable_newest
  ON listings_items(created_at_us DESC, id DESC)
  WHERE active = 1 AND archived = 0;
CREATE INDEX listings_items_searchable_price
  ON listings_items(price_minor, id)
  WHERE active = 1 AND archived = 0;
CREATE INDEX listings_items_by_isbn
  ON listings_items(isbn, created_at_us DESC, id DESC)
  WHERE isbn IS NOT NULL;
CREATE INDEX listings_items_by_city
  ON listings_items(city_folded, created_at_us DESC, id DESC)
  WHERE city_folded IS NOT NULL;

-- Full-text index of listings_items, keyed by its seq (rowid), kept in step
-- by the store in the listing's own transaction. author and isbn are empty
-- for other kinds than books. Archived listings stay indexed: search filters
-- them out through listings_items.
CREATE VIRTUAL TABLE listings_search USING fts5(
  title, description, author, isbn,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3'
);

-- Module settings. One row.
CREATE TABLE listings_settings (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  page_token_key BLOB NOT NULL,
  created_at_us INTEGER NOT NULL
);
