#include "modules/listings/isbn.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace rentwave::listings {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

bool IsSeparator(char c) { return c == '-' || c == ' '; }
bool IsCheckX(char c) { return c == 'X' || c == 'x'; }

// The check digit (0-9) that completes the first 12 digits of an ISBN-13.
int Isbn13CheckDigit(absl::string_view first12) {
  int sum = 0;
  for (int i = 0; i < 12; ++i) sum += (first12[i] - '0') * (i % 2 ? 3 : 1);
  return (10 - sum % 10) % 10;
}

// The check value (0-10, 10 written X) that completes the first 9 digits of
// an ISBN-10.
int Isbn10CheckValue(absl::string_view first9) {
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += (first9[i] - '0') * (10 - i);
  return (11 - sum % 11) % 11;
}

}  // namespace

absl::StatusOr<std::string> NormalizeIsbn(absl::string_view isbn,
                                          absl::string_view field) {
  if (isbn.empty()) {
    return Invalid(field, "required: an ISBN-10 or ISBN-13");
  }
  // Collect the digits (and an X) while checking that every separator sits
  // alone between two digits, so "978--0...", " 978..." and "...7-" fail.
  std::string digits;
  for (size_t i = 0; i < isbn.size(); ++i) {
    char c = isbn[i];
    if (absl::ascii_isdigit(c)) {
      digits.push_back(c);
    } else if (IsCheckX(c)) {
      digits.push_back('X');
    } else if (IsSeparator(c)) {
      bool between_digits = i > 0 && i + 1 < isbn.size() &&
                            !IsSeparator(isbn[i - 1]) &&
                            !IsSeparator(isbn[i + 1]);
      if (!between_digits) {
        return Invalid(field,
                       absl::StrCat("misplaced separator at position ", i + 1,
                                    "; hyphens and spaces may only "
                                    "appear singly between digits"));
      }
    } else {
      // The offending byte is not echoed: it may not be printable or UTF-8.
      return Invalid(field,
                     absl::StrCat("unexpected character at position ", i + 1,
                                  "; an ISBN has only digits, hyphens and "
                                  "spaces (and X as an ISBN-10 check digit)"));
    }
  }
  if (digits.size() != 10 && digits.size() != 13) {
    return Invalid(field, absl::StrCat("an ISBN has 10 or 13 digits, not ",
                                       digits.size()));
  }
  size_t x = digits.find('X');
  if (x != std::string::npos && (digits.size() != 10 || x != 9)) {
    return Invalid(field, "X may only be the check digit of an ISBN-10");
  }
  if (digits.size() == 13) {
    if (!digits.starts_with("978") && !digits.starts_with("979")) {
      return Invalid(field, "an ISBN-13 starts with 978 or 979");
    }
    if (Isbn13CheckDigit(digits) != digits[12] - '0') {
      return Invalid(field, "check digit is wrong");
    }
    return digits;
  }
  int check = digits[9] == 'X' ? 10 : digits[9] - '0';
  if (Isbn10CheckValue(digits) != check) {
    return Invalid(field, "check digit is wrong");
  }
  std::string isbn13 = absl::StrCat("978", digits.substr(0, 9));
  isbn13.push_back(static_cast<char>('0' + Isbn13CheckDigit(isbn13)));
  return isbn13;
}

bool LooksLikeIsbn(absl::string_view text) {
  int digits = 0;
  bool x_seen = false;
  for (char c : text) {
    if (absl::ascii_isdigit(c)) {
      if (x_seen) return false;  // X only as the last digit
      ++digits;
    } else if (IsCheckX(c)) {
      if (x_seen) return false;
      x_seen = true;
    } else if (!IsSeparator(c)) {
      return false;
    }
  }
  if (x_seen) return digits == 9;
  return digits == 10 || digits == 13;
}

}  // namespace rentwave::listings
