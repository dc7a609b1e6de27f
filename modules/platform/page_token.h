// Opaque, tamper-proof page tokens for keyset pagination.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace rentwave::platform {

// A request for one page of a list.
struct PageRequest {
  int page_size = 0;       // 0: 20; at most 100
  std::string page_token;  // empty: the first page
};

// Where the previous page ended: the sort key of its last item.
struct PageCursor {
  int order = 0;        // which sort order the page used (caller-defined)
  int64_t primary = 0;  // the sort key of the last item
  std::string id;       // the tie-breaker: the last item's id
  absl::Time issued;    // when the token was made
  bool operator==(const PageCursor&) const = default;
};

// Encodes cursors as URL-safe text sealed with an HMAC over the cursor and a
// `context` (a canonical form of the request's filters), so a token cannot be
// altered, forged or used with other filters. Thread-safe.
class PageTokenCodec {
 public:
  // How long a token stays valid.
  static constexpr absl::Duration kMaxAge = absl::Hours(24);

  // `key`: 32 secret bytes.
  explicit PageTokenCodec(std::string key);

  // The token for `cursor` (about 110 characters for a ULID id),
  // bound to `context`. cursor.issued is kept to the microsecond.
  std::string Encode(const PageCursor& cursor, absl::string_view context) const;

  // Errors: INVALID_ARGUMENT, the message starting "page_token: ", if the
  // token is empty, malformed or longer than 1 KiB, altered, made with
  // another key or for another context, issued more than a minute after
  // `now` (clock skew), or older than kMaxAge at `now`.
  absl::StatusOr<PageCursor> Decode(absl::string_view token,
                                    absl::string_view context,
                                    absl::Time now) const;

 private:
  std::string key_;
};

}  // namespace rentwave::platform
