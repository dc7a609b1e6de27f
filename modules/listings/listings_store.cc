#include "modules/listings/listings_store.h"

#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include <cstdint>
#include <stdexcept>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "modules/listings/full_text.h"
#include "modules/listings/validate.h"
#include "modules/platform/statement_cache.h"

namespace rentwave::listings::store {
namespace {

using platform::FromMicros;
using platform::ToMicros;

// ---------------------------------------------------------------------------
// Rows.

constexpr char kListingColumns[] =
    "i.id, i.owner_id, i.kind, i.title, i.description, i.price_minor, "
    "i.price_currency, i.period, i.max_duration_s, i.late_fee_minor, "
    "i.late_fee_currency, i.deposit_minor, i.deposit_currency, i.active, "
    "i.archived, i.created_at_us, i.updated_at_us, i.version, i.isbn, "
    "i.book_title, i.book_author, i.vehicle_type, i.vehicle_make, "
    "i.vehicle_model, i.vehicle_seats, i.vehicle_boot_litres, i.room_city, "
    "i.room_address, i.room_max_guests, i.room_beds";
constexpr int kListingColumnCount = 30;

Listing ReadListing(SQLite::Statement& q) {
  Listing l;
  l.id = q.getColumn(0).getString();
  l.owner_id = q.getColumn(1).getString();
  l.kind = static_cast<Kind>(q.getColumn(2).getInt());
  l.title = q.getColumn(3).getString();
  l.description = q.getColumn(4).getString();
  l.price = {q.getColumn(5).getInt64(), q.getColumn(6).getString()};
  l.period = static_cast<Period>(q.getColumn(7).getInt());
  l.max_duration = absl::Seconds(q.getColumn(8).getInt64());
  l.late_fee = {q.getColumn(9).getInt64(), q.getColumn(10).getString()};
  l.deposit = {q.getColumn(11).getInt64(), q.getColumn(12).getString()};
  l.active = q.getColumn(13).getInt() != 0;
  l.archived = q.getColumn(14).getInt() != 0;
  l.created = FromMicros(q.getColumn(15).getInt64());
  l.updated = FromMicros(q.getColumn(16).getInt64());
  l.version = q.getColumn(17).getInt64();
  switch (l.kind) {
    case Kind::kBook:
      l.book = Book{q.getColumn(18).getString(), q.getColumn(19).getString(),
                    q.getColumn(20).getString()};
      break;
    case Kind::kVehicle:
      l.vehicle =
          Vehicle{static_cast<VehicleType>(q.getColumn(21).getInt()),
                  q.getColumn(22).getString(), q.getColumn(23).getString(),
                  q.getColumn(24).getInt(), q.getColumn(25).getInt()};
      break;
    case Kind::kRoom:
      l.room = Room{q.getColumn(26).getString(), q.getColumn(27).getString(),
                    q.getColumn(28).getInt(), q.getColumn(29).getInt()};
      break;
    case Kind::kUnspecified:
      break;
  }
  return l;
}

// The columns Insert and Update both write, in this order, from `first`.
constexpr char kMutableColumns[] =
    "title, description, price_minor, price_currency, period, "
    "max_duration_s, late_fee_minor, late_fee_currency, deposit_minor, "
    "deposit_currency, active, archived, book_title, book_author, "
    "vehicle_type, vehicle_make, vehicle_model, vehicle_seats, "
    "vehicle_boot_litres, room_city, city_folded, room_address, "
    "room_max_guests, room_beds, updated_at_us, version";
constexpr int kMutableColumnCount = 26;

void BindMutable(SQLite::Statement& q, int first, const Listing& l) {
  int i = first;
  q.bind(i++, l.title);
  q.bind(i++, l.description);
  q.bind(i++, l.price.amount_minor);
  q.bind(i++, l.price.currency);
  q.bind(i++, static_cast<int>(l.period));
  q.bind(i++, absl::ToInt64Seconds(l.max_duration));
  q.bind(i++, l.late_fee.amount_minor);
  q.bind(i++, l.late_fee.currency);
  q.bind(i++, l.deposit.amount_minor);
  q.bind(i++, l.deposit.currency);
  q.bind(i++, l.active ? 1 : 0);
  q.bind(i++, l.archived ? 1 : 0);
  if (l.book) {
    q.bind(i++, l.book->title);
    q.bind(i++, l.book->author);
  } else {
    q.bind(i++);
    q.bind(i++);
  }
  if (l.vehicle) {
    q.bind(i++, static_cast<int>(l.vehicle->type));
    q.bind(i++, l.vehicle->make);
    q.bind(i++, l.vehicle->model);
    q.bind(i++, l.vehicle->seats);
    q.bind(i++, l.vehicle->boot_litres);
  } else {
    for (int n = 0; n < 5; ++n) q.bind(i++);
  }
  if (l.room) {
    q.bind(i++, l.room->city);
    q.bind(i++, FoldCity(l.room->city));
    q.bind(i++, l.room->address);
    q.bind(i++, l.room->max_guests);
    q.bind(i++, l.room->beds);
  } else {
    for (int n = 0; n < 5; ++n) q.bind(i++);
  }
  q.bind(i++, static_cast<int64_t>(ToMicros(l.updated)));
  q.bind(i++, l.version);
}

// Binds the listing's searchable text (title, description, author, isbn) to
// parameters first..first+3. A book's own title is searchable too, so every
// copy is found by it whatever its owner called the listing.
void BindSearchText(SQLite::Statement& q, int first, const Listing& l) {
  q.bind(first, l.book && l.book->title != l.title
                    ? absl::StrCat(l.title, " ", l.book->title)
                    : l.title);
  q.bind(first + 1, l.description);
  q.bind(first + 2, l.book ? l.book->author : std::string());
  q.bind(first + 3, l.book ? l.book->isbn : std::string());
}

// A SELECT under construction: SQL text and its positional arguments. Only
// fixed SQL fragments are appended; every value goes through Arg.
class SqlBuilder {
 public:
  SqlBuilder& Add(absl::string_view sql) {
    absl::StrAppend(&sql_, sql);
    return *this;
  }
  SqlBuilder& Arg(int64_t value) {
    args_.emplace_back(value);
    return *this;
  }
  SqlBuilder& Arg(std::string value) {
    args_.emplace_back(std::move(value));
    return *this;
  }
  // Puts `before` and `after`, which take no arguments, around the SQL.
  void Wrap(absl::string_view before, absl::string_view after) {
    sql_ = absl::StrCat(before, sql_, after);
  }
  // Appends " AND <condition>" binding `value` to its one '?'.
  template <typename T>
  void Where(absl::string_view condition, T value) {
    Add(" AND ").Add(condition);
    Arg(std::move(value));
  }
  SQLite::Statement Prepare(SQLite::Database& db) const {
    SQLite::Statement q(db, sql_);
    for (size_t i = 0; i < args_.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      if (const auto* n = std::get_if<int64_t>(&args_[i])) {
        q.bind(index, *n);
      } else {
        q.bind(index, std::get<std::string>(args_[i]));
      }
    }
    return q;
  }

 private:
  std::string sql_;
  std::vector<std::variant<int64_t, std::string>> args_;
};

// The filters of `query` and `scope` on listings_items `i`, each as
// " AND ...".
void AddFilters(SqlBuilder& sql, const SearchQuery& query, Scope scope) {
  // Literal terms, not parameters: they must match the WHERE of the partial
  // indexes for the planner to use them.
  if (!scope.include_inactive) sql.Add(" AND i.active = 1");
  if (!scope.include_archived) sql.Add(" AND i.archived = 0");
  if (query.kind != Kind::kUnspecified) {
    sql.Where("i.kind = ?", int64_t{static_cast<int>(query.kind)});
  }
  if (query.min_price_minor > 0) {
    sql.Where("i.price_minor >= ?", query.min_price_minor);
  }
  if (query.max_price_minor > 0) {
    sql.Where("i.price_minor <= ?", query.max_price_minor);
  }
  if (!query.currency.empty()) {
    sql.Where("i.price_currency = ?", query.currency);
  }
  if (query.period != Period::kUnspecified) {
    sql.Where("i.period = ?", int64_t{static_cast<int>(query.period)});
  }
  if (query.vehicle_type != VehicleType::kUnspecified) {
    sql.Where("i.vehicle_type = ?",
              int64_t{static_cast<int>(query.vehicle_type)});
  }
  if (query.min_seats > 0) {
    sql.Where("i.vehicle_seats >= ?", int64_t{query.min_seats});
  }
  if (!query.city.empty()) sql.Where("i.city_folded = ?", query.city);
  if (query.min_guests > 0) {
    sql.Where("i.room_max_guests >= ?", int64_t{query.min_guests});
  }
  if (!query.isbn.empty()) sql.Where("i.isbn = ?", query.isbn);
  if (!query.owner_id.empty()) sql.Where("i.owner_id = ?", query.owner_id);
}

}  // namespace

absl::Status RegisterSqlFunctions(SQLite::Database& db) {
  return full_text::RegisterRelevance(db.getHandle());
}

Book CatalogueBook(platform::Tx& tx, const Book& book, absl::Time now) {
  SQLite::Statement insert(
      tx.db(),
      "INSERT INTO listings_books(isbn, title, author, created_at_us) "
      "VALUES (?, ?, ?, ?) ON CONFLICT(isbn) DO NOTHING");
  insert.bind(1, book.isbn);
  insert.bind(2, book.title);
  insert.bind(3, book.author);
  insert.bind(4, static_cast<int64_t>(ToMicros(now)));
  insert.exec();
  std::optional<Book> stored = FindBook(tx, book.isbn);
  if (!stored) throw std::logic_error("listings: catalogued book vanished");
  return *stored;
}

std::optional<Book> FindBook(platform::Tx& tx, const std::string& isbn) {
  SQLite::Statement q(
      tx.db(), "SELECT isbn, title, author FROM listings_books WHERE isbn = ?");
  q.bind(1, isbn);
  if (!q.executeStep()) return std::nullopt;
  return Book{q.getColumn(0).getString(), q.getColumn(1).getString(),
              q.getColumn(2).getString()};
}

void Insert(platform::Tx& tx, const Listing& listing) {
  std::string placeholders = "?";
  for (int i = 1; i < 5 + kMutableColumnCount; ++i) placeholders += ", ?";
  SQLite::Statement insert(
      tx.db(), absl::StrCat("INSERT INTO listings_items(id, owner_id, kind, "
                            "isbn, created_at_us, ",
                            kMutableColumns, ") VALUES (", placeholders,
                            ") RETURNING seq"));
  insert.bind(1, listing.id);
  insert.bind(2, listing.owner_id);
  insert.bind(3, static_cast<int>(listing.kind));
  if (listing.book) {
    insert.bind(4, listing.book->isbn);
  } else {
    insert.bind(4);
  }
  insert.bind(5, static_cast<int64_t>(ToMicros(listing.created)));
  BindMutable(insert, 6, listing);
  insert.executeStep();
  const int64_t seq = insert.getColumn(0).getInt64();
  insert.reset();  // finishes the INSERT

  SQLite::Statement index(tx.db(),
                          "INSERT INTO listings_search(rowid, title, "
                          "description, author, isbn) VALUES (?, ?, ?, ?, ?)");
  index.bind(1, seq);
  BindSearchText(index, 2, listing);
  index.exec();
}

bool Update(platform::Tx& tx, const Listing& listing,
            int64_t expected_version) {
  std::string assignments =
      absl::StrJoin(absl::StrSplit(kMutableColumns, ", "), ", ",
                    [](std::string* out, absl::string_view column) {
                      absl::StrAppend(out, column, " = ?");
                    });
  SQLite::Statement update(
      tx.db(), absl::StrCat("UPDATE listings_items SET ", assignments,
                            " WHERE id = ? AND version = ? RETURNING seq"));
  BindMutable(update, 1, listing);
  update.bind(kMutableColumnCount + 1, listing.id);
  update.bind(kMutableColumnCount + 2, expected_version);
  if (!update.executeStep()) return false;
  const int64_t seq = update.getColumn(0).getInt64();
  update.reset();

  SQLite::Statement index(tx.db(),
                          "UPDATE listings_search SET title = ?, "
                          "description = ?, author = ?, isbn = ? "
                          "WHERE rowid = ?");
  BindSearchText(index, 1, listing);
  index.bind(5, seq);
  index.exec();
  return true;
}

std::optional<Listing> Find(platform::Tx& tx, const std::string& id) {
  platform::CachedStatement q(tx, absl::StrCat("SELECT ", kListingColumns,
                                               " FROM listings_items AS i "
                                               "WHERE i.id = ?"));
  q->bind(1, id);
  if (!q->executeStep()) return std::nullopt;
  return ReadListing(*q);
}

std::vector<Row> Search(platform::Tx& tx, const SearchQuery& query, Scope scope,
                        SearchOrder order, const std::optional<SortKey>& after,
                        int limit) {
  std::optional<std::string> match =
      full_text::MatchExpression(tx.db().getHandle(), query.text);
  if (order == SearchOrder::kDefault) {
    order = match ? SearchOrder::kRelevance : SearchOrder::kNewest;
  }
  // Relevance needs words to score; without any it means newest first.
  if (order == SearchOrder::kRelevance && !match) order = SearchOrder::kNewest;

  const bool ascending = order == SearchOrder::kPriceAscending;
  const bool by_price = ascending || order == SearchOrder::kPriceDescending;
  const absl::string_view primary =
      order == SearchOrder::kRelevance
          ? "rw_relevance(listings_search)"
          : (by_price ? "i.price_minor" : "i.created_at_us");
  const absl::string_view direction = ascending ? " ASC" : " DESC";

  SqlBuilder sql;
  if (order == SearchOrder::kRelevance) {
    // The score is computed in a subquery so that the keyset condition and
    // ORDER BY can name it. Scoring every match dominates the cost here
    // (reading each row's column sizes), so the sort carries whole rows.
    sql.Add("SELECT * FROM (SELECT ")
        .Add(kListingColumns)
        .Add(", ")
        .Add(primary)
        .Add(
            " AS sort_primary FROM listings_search JOIN listings_items AS i "
            "ON i.seq = listings_search.rowid WHERE listings_search MATCH ?")
        .Arg(*match);
    AddFilters(sql, query, scope);
    sql.Add(") AS r");
    if (after) {
      // Not one row-value comparison: score and id go opposite ways.
      sql.Add(
             " WHERE (r.sort_primary < ? OR "
             "(r.sort_primary = ? AND r.id > ?))")
          .Arg(after->primary)
          .Arg(after->primary)
          .Arg(after->listing_id);
    }
    sql.Add(" ORDER BY r.sort_primary DESC, r.id ASC LIMIT ?")
        .Arg(int64_t{limit});
  } else {
    // Newest first over text matches: the FTS5 scan meets them oldest first,
    // so nearly every match enters the top-N sort and displaces one, and
    // carrying whole rows through it took twice as long at 100k listings
    // (a common word). That sort carries only the keys; the columns are read
    // for the page alone, in an outer query (the LIMIT keeps the subquery
    // from being flattened into it). Price orders keep whole rows: most
    // matches are rejected by the sort at once, and the extra join costs more.
    const bool keys_first = match && order == SearchOrder::kNewest;
    sql.Add("SELECT ")
        .Add(keys_first ? absl::string_view("i.seq AS seq, i.id AS id")
                        : absl::string_view(kListingColumns))
        .Add(", ")
        .Add(primary)
        .Add(" AS sort_primary");
    if (match) {
      sql.Add(
             " FROM listings_search JOIN listings_items AS i "
             "ON i.seq = listings_search.rowid "
             "WHERE listings_search MATCH ?")
          .Arg(*match);
    } else {
      sql.Add(" FROM listings_items AS i WHERE 1 = 1");
    }
    AddFilters(sql, query, scope);
    if (after) {
      // A row-value comparison, which SQLite turns into an index range.
      sql.Add(absl::StrCat(" AND (", primary, ", i.id) ", ascending ? ">" : "<",
                           " (?, ?)"))
          .Arg(after->primary)
          .Arg(after->listing_id);
    }
    sql.Add(absl::StrCat(" ORDER BY ", primary, direction, ", i.id", direction,
                         " LIMIT ?"))
        .Arg(int64_t{limit});
    if (keys_first) {
      sql.Wrap(
          absl::StrCat("SELECT ", kListingColumns, ", r.sort_primary FROM ("),
          absl::StrCat(") AS r JOIN listings_items AS i ON i.seq = r.seq "
                       "ORDER BY r.sort_primary",
                       direction, ", r.id", direction));
    }
  }

  SQLite::Statement q = sql.Prepare(tx.db());
  std::vector<Row> rows;
  while (q.executeStep()) {
    Row row;
    row.listing = ReadListing(q);
    row.key.primary = q.getColumn(kListingColumnCount).getInt64();
    row.key.listing_id = row.listing.id;
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string LoadOrStoreTokenKey(platform::Tx& tx, const std::string& fresh,
                                absl::Time now) {
  SQLite::Statement insert(
      tx.db(),
      "INSERT INTO listings_settings(id, page_token_key, created_at_us) "
      "VALUES (1, ?, ?) ON CONFLICT(id) DO NOTHING");
  insert.bind(1, fresh.data(), static_cast<int>(fresh.size()));
  insert.bind(2, static_cast<int64_t>(ToMicros(now)));
  insert.exec();
  SQLite::Statement q(
      tx.db(), "SELECT page_token_key FROM listings_settings WHERE id = 1");
  q.executeStep();
  const SQLite::Column key = q.getColumn(0);
  return std::string(static_cast<const char*>(key.getBlob()), key.getBytes());
}

}  // namespace rentwave::listings::store
