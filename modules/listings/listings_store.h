// All SQL of the listings module; the only code naming listings_* tables
// (listings_items, listings_books, listings_search, listings_settings).
#pragma once

#include <SQLiteCpp/Database.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "modules/listings/listings.h"
#include "modules/platform/db.h"

namespace rentwave::listings::store {

// Registers the SQL functions the queries below use (the rw_relevance FTS5
// ranking function) on one connection. Errors: INTERNAL if FTS5 is missing.
absl::Status RegisterSqlFunctions(SQLite::Database& db);

// The catalogue entry of `book.isbn` (13 digits), inserting `book` as the
// entry first if there is none.
Book CatalogueBook(platform::Tx& tx, const Book& book, absl::Time now);
std::optional<Book> FindBook(platform::Tx& tx, const std::string& isbn);

// Inserts a new, validated listing and indexes its text for search.
void Insert(platform::Tx& tx, const Listing& listing);

// Overwrites every mutable column of `listing.id` (and its search text) if
// its stored version is `expected_version`; returns false (and changes
// nothing) otherwise.
bool Update(platform::Tx& tx, const Listing& listing, int64_t expected_version);

std::optional<Listing> Find(platform::Tx& tx, const std::string& id);

// Which listings a search may return beyond the active, unarchived ones.
struct Scope {
  bool include_inactive = false;
  bool include_archived = false;
};

// A position in a sort order: `primary` is the relevance score (higher is
// better), the price in minor units, or the creation time in micros; ties
// are broken by listing id.
struct SortKey {
  int64_t primary = 0;
  std::string listing_id;
};

struct Row {
  Listing listing;
  SortKey key;
};

// Up to `limit` listings matching `query` (validated and normalized by
// NormalizeSearch; availability is the caller's business) within `scope`,
// in `order` (kDefault, and kRelevance when query.text has no words, mean
// newest first), strictly after `after` when given. Keyset-paged: stable while
// listings are inserted or updated. Keywords in query.text are each matched as
// a prefix, all must match; FTS5 operators in it are treated as plain words.
std::vector<Row> Search(platform::Tx& tx, const SearchQuery& query, Scope scope,
                        SearchOrder order, const std::optional<SortKey>& after,
                        int limit);

// The stored page-token key, storing `fresh` first if there is none.
std::string LoadOrStoreTokenKey(platform::Tx& tx, const std::string& fresh,
                                absl::Time now);

}  // namespace rentwave::listings::store
