// Full-text search support on SQLite FTS5: the rw_relevance ranking
// function and the translation of user keywords into MATCH expressions.
// No table names here; listings_store.cc owns the tables.
#pragma once

#include <sqlite3.h>

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace rentwave::listings::full_text {

// Registers the FTS5 auxiliary function rw_relevance(<fts table>) on `db`:
// an INTEGER score of a row for the current MATCH, higher is better, that
// depends only on the row and the query (never on other rows), so keyset
// pages by score stay stable while rows are added. Errors: INTERNAL if FTS5
// is missing.
absl::Status RegisterRelevance(sqlite3* db);

// The MATCH expression for user keywords `text`: each word a quoted prefix
// term, all required, FTS5 syntax in the input treated as plain text; an
// ISBN (with hyphens or spaces) matches its 13 digits too. Words that repeat
// another or are a prefix of another are dropped (they cannot change what
// matches, only multiply the work). nullopt if `text` has no words. Throws
// std::runtime_error if FTS5's tokenizer is missing.
std::optional<std::string> MatchExpression(sqlite3* db, absl::string_view text);

}  // namespace rentwave::listings::full_text
