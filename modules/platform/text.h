// Checks on user-supplied text shared by every module's validation.
#pragma once

#include <cstddef>

#include "absl/strings/string_view.h"

namespace rentwave::platform {

// True if `s` is well-formed UTF-8 (no overlongs, surrogates or values past
// U+10FFFF).
bool IsValidUtf8(absl::string_view s);

// The number of code points in `s`, which must be valid UTF-8.
size_t Utf8Length(absl::string_view s);

// True if `s` contains an ASCII control character (U+0000-U+001F, U+007F);
// with `allow_newlines`, \n and \t are accepted (multi-line descriptions).
bool HasControlChars(absl::string_view s, bool allow_newlines = false);

}  // namespace rentwave::platform
