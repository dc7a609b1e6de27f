// ISBN parsing: ISBN-10 and ISBN-13, checksums, normalization to ISBN-13.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rentwave::listings {

// Parses an ISBN-10 (last character may be X or x) or ISBN-13 (prefix 978 or
// 979), with optional hyphens and spaces between digits, checks its check
// digit and returns the 13 digits of the ISBN-13 (an ISBN-10 gets the 978
// prefix and a recomputed check digit). Errors: INVALID_ARGUMENT naming
// `field`, saying what is wrong (length, character, checksum, prefix).
absl::StatusOr<std::string> NormalizeIsbn(absl::string_view isbn,
                                          absl::string_view field);

// True if `text` looks like an attempt at an ISBN (digits, X, hyphens and
// spaces only, 10 or 13 digits): used to let keyword search find ISBNs
// typed with hyphens.
bool LooksLikeIsbn(absl::string_view text);

}  // namespace rentwave::listings
