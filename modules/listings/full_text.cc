#include "modules/listings/full_text.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "modules/listings/isbn.h"

namespace rentwave::listings::full_text {
namespace {

// ---------------------------------------------------------------------------
// rw_relevance: a ranking that depends only on the document and the query.
//
// bm25() would be the obvious choice, but its IDF and average document length
// are statistics of the whole table: every insert shifts every score, so a
// page token holding "score 1.234, id X" would skip or repeat rows when the
// next page is read. This function is BM25's shape without the corpus: per
// phrase of the query and column of the document, a saturating term
// frequency n(k+1)/(n+k) (a second hit is worth less than the first),
// weighted by column and damped gently by the column's length against a
// fixed reference length. The result is an integer (micro-units) so that
// keyset comparisons are exact.

// Columns of the full-text table, in order: title, description, author, isbn.
constexpr int kSearchColumns = 4;
constexpr double kColumnWeight[kSearchColumns] = {8.0, 1.0, 4.0, 8.0};
// Typical lengths in tokens; a column this long is damped by 1/1.25.
constexpr double kReferenceLength[kSearchColumns] = {6.0, 120.0, 3.0, 1.0};
constexpr double kSaturation = 1.2;  // BM25's k1
constexpr double kLengthDamping = 0.25;
constexpr double kScoreScale = 1e6;

void RelevanceFunction(const Fts5ExtensionApi* api, Fts5Context* ctx,
                       sqlite3_context* result, int, sqlite3_value**) {
  const int phrases = api->xPhraseCount(ctx);
  const int columns = api->xColumnCount(ctx);
  int instances = 0;
  int rc = api->xInstCount(ctx, &instances);
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(result, rc);
    return;
  }
  std::vector<int> hits(static_cast<size_t>(phrases) * columns, 0);
  for (int i = 0; i < instances; ++i) {
    int phrase = 0, column = 0, offset = 0;
    rc = api->xInst(ctx, i, &phrase, &column, &offset);
    if (rc != SQLITE_OK) {
      sqlite3_result_error_code(result, rc);
      return;
    }
    ++hits[static_cast<size_t>(phrase) * columns + column];
  }
  double score = 0;
  for (int c = 0; c < columns && c < kSearchColumns; ++c) {
    int length = 0;
    rc = api->xColumnSize(ctx, c, &length);
    if (rc != SQLITE_OK) {
      sqlite3_result_error_code(result, rc);
      return;
    }
    const double damping =
        1.0 + kLengthDamping * std::log2(1.0 + length / kReferenceLength[c]);
    for (int p = 0; p < phrases; ++p) {
      const double n = hits[static_cast<size_t>(p) * columns + c];
      if (n == 0) continue;
      const double tf = n * (kSaturation + 1.0) / (n + kSaturation);
      score += kColumnWeight[c] * tf / damping;
    }
  }
  sqlite3_result_int64(result, std::llround(score * kScoreScale));
}

// The connection's FTS5 API, or null if FTS5 is not compiled in.
fts5_api* Fts5Api(sqlite3* db) {
  fts5_api* api = nullptr;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, nullptr) !=
      SQLITE_OK) {
    return nullptr;
  }
  sqlite3_bind_pointer(stmt, 1, static_cast<void*>(&api), "fts5_api_ptr",
                       nullptr);
  sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  return api;
}

// ---------------------------------------------------------------------------
// Query text -> FTS5 MATCH expression.
//
// The user's words are tokenized by the very tokenizer the index uses
// (unicode61, remove_diacritics 2), so the query splits, folds and drops
// punctuation exactly as the indexed text did; a word made only of
// punctuation (which as an FTS5 string would be an empty phrase that makes
// an AND match nothing) simply disappears. Every token is then written as a
// quoted FTS5 string with a trailing * (prefix match), joined by AND: no
// character of the input can act as FTS5 syntax.

class QueryTokenizer {
 public:
  explicit QueryTokenizer(sqlite3* db) {
    fts5_api* api = Fts5Api(db);
    void* context = nullptr;
    if (api == nullptr || api->xFindTokenizer(api, "unicode61", &context,
                                              &module_) != SQLITE_OK) {
      throw std::runtime_error("listings: FTS5 unicode61 is unavailable");
    }
    const char* args[] = {"remove_diacritics", "2"};
    if (module_.xCreate(context, args, 2, &tokenizer_) != SQLITE_OK) {
      throw std::runtime_error("listings: cannot create the FTS5 tokenizer");
    }
  }
  ~QueryTokenizer() { module_.xDelete(tokenizer_); }
  QueryTokenizer(const QueryTokenizer&) = delete;
  QueryTokenizer& operator=(const QueryTokenizer&) = delete;

  std::vector<std::string> Tokens(absl::string_view text) {
    std::vector<std::string> tokens;
    int rc = module_.xTokenize(
        tokenizer_, &tokens, FTS5_TOKENIZE_QUERY, text.data(),
        static_cast<int>(text.size()),
        [](void* out, int, const char* token, int size, int, int) {
          static_cast<std::vector<std::string>*>(out)->emplace_back(token,
                                                                    size);
          return SQLITE_OK;
        });
    if (rc != SQLITE_OK) {
      throw std::runtime_error("listings: FTS5 tokenizer failed");
    }
    return tokens;
  }

 private:
  fts5_tokenizer module_{};
  Fts5Tokenizer* tokenizer_ = nullptr;
};

// `text` as an FTS5 string matching it as a prefix.
std::string PrefixString(absl::string_view text) {
  return absl::StrCat("\"", absl::StrReplaceAll(text, {{"\"", "\"\""}}), "\"*");
}

}  // namespace

absl::Status RegisterRelevance(sqlite3* db) {
  fts5_api* api = Fts5Api(db);
  if (api == nullptr || api->iVersion < 2) {
    return absl::InternalError("SQLite was built without FTS5");
  }
  int rc = api->xCreateFunction(api, "rw_relevance", nullptr,
                                &RelevanceFunction, nullptr);
  if (rc != SQLITE_OK) {
    return absl::InternalError(
        absl::StrCat("cannot register rw_relevance: ", sqlite3_errstr(rc)));
  }
  return absl::OkStatus();
}

std::optional<std::string> MatchExpression(sqlite3* db,
                                           absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  // An ISBN may be typed with spaces as well as hyphens: then the whole
  // query is one chunk; otherwise each whitespace-separated chunk is. Only a
  // valid ISBN, so that numbers such as "12345 67890" stay separate words.
  std::vector<absl::string_view> chunks;
  if (LooksLikeIsbn(text) && NormalizeIsbn(text, "query").ok()) {
    chunks.push_back(text);
  } else {
    chunks =
        absl::StrSplit(text, absl::ByAnyChar(" \t\n\r\f\v"), absl::SkipEmpty());
  }
  if (chunks.empty()) return std::nullopt;
  QueryTokenizer tokenizer(db);
  std::vector<std::string> words;  // plain prefix terms, as tokens
  std::vector<std::string> terms;  // ISBN terms
  for (absl::string_view chunk : chunks) {
    std::vector<std::string> tokens = tokenizer.Tokens(chunk);
    if (tokens.empty()) continue;
    if (!LooksLikeIsbn(chunk)) {
      words.insert(words.end(), tokens.begin(), tokens.end());
      continue;
    }
    // The isbn column holds the 13 digits; the text columns may hold the
    // ISBN as typed (a phrase of its digit groups). Either may match.
    std::string as_typed = PrefixString(absl::StrJoin(tokens, " "));
    absl::StatusOr<std::string> isbn13 = NormalizeIsbn(chunk, "query");
    if (isbn13.ok() && tokens != std::vector<std::string>{*isbn13}) {
      terms.push_back(
          absl::StrCat("(", PrefixString(*isbn13), " OR ", as_typed, ")"));
    } else {
      terms.push_back(as_typed);
    }
  }
  // Every prefix query merges the doclists of all the terms it covers, so a
  // public query of 100 copies of "a" would read most of the index 100 times.
  // A word that repeats another, or is a prefix of another, adds nothing to
  // an AND of prefixes: drop it. The remaining words cover disjoint sets of
  // terms, so one query reads each doclist at most once.
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  std::vector<std::string> kept;
  for (size_t i = 0; i < words.size(); ++i) {
    // Sorted: a word's extensions, if any, follow it directly.
    if (i + 1 < words.size() && words[i + 1].starts_with(words[i])) continue;
    kept.push_back(PrefixString(words[i]));
  }
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  kept.insert(kept.end(), terms.begin(), terms.end());
  if (kept.empty()) return std::nullopt;
  return absl::StrJoin(kept, " AND ");
}

}  // namespace rentwave::listings::full_text
