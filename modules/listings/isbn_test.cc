// Tests for ISBN parsing and normalization (isbn.h).
#include "modules/listings/isbn.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"

namespace rentwave::listings {
namespace {

struct Valid {
  const char* input;
  const char* isbn13;
};

class NormalizeIsbnValidTest : public testing::TestWithParam<Valid> {};

TEST_P(NormalizeIsbnValidTest, ReturnsTheThirteenDigits) {
  auto isbn = NormalizeIsbn(GetParam().input, "book.isbn");
  ASSERT_TRUE(isbn.ok()) << GetParam().input << ": " << isbn.status();
  EXPECT_EQ(*isbn, GetParam().isbn13);
}

INSTANTIATE_TEST_SUITE_P(
    Forms, NormalizeIsbnValidTest,
    testing::Values(
        // ISBN-13, bare, hyphenated, spaced, mixed.
        Valid{"9780306406157", "9780306406157"},
        Valid{"978-0-306-40615-7", "9780306406157"},
        Valid{"978 0 306 40615 7", "9780306406157"},
        Valid{"978-0 306-40615 7", "9780306406157"},
        // The 979 prefix is valid too.
        Valid{"979-10-90636-07-1", "9791090636071"},
        // ISBN-10: the 978 prefix and a recomputed check digit.
        Valid{"0306406152", "9780306406157"},
        Valid{"0-306-40615-2", "9780306406157"},
        Valid{"0 306 40615 2", "9780306406157"},
        // An X check digit, upper or lower case.
        Valid{"0-8044-2957-X", "9780804429573"},
        Valid{"080442957x", "9780804429573"},
        Valid{"1-55860-832-X", "9781558608320"}));

struct Invalid {
  const char* input;
  const char* message;  // a substring of the error
};

class NormalizeIsbnInvalidTest : public testing::TestWithParam<Invalid> {};

TEST_P(NormalizeIsbnInvalidTest, RejectsNamingTheField) {
  auto isbn = NormalizeIsbn(GetParam().input, "book.isbn");
  ASSERT_FALSE(isbn.ok()) << GetParam().input << " -> " << *isbn;
  EXPECT_EQ(isbn.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(isbn.status().message(), "book.isbn: "))
      << isbn.status();
  EXPECT_TRUE(absl::StrContains(isbn.status().message(), GetParam().message))
      << GetParam().input << ": " << isbn.status();
}

INSTANTIATE_TEST_SUITE_P(
    Errors, NormalizeIsbnInvalidTest,
    testing::Values(
        Invalid{"", "required"},
        // Bad checksums.
        Invalid{"9780306406158", "check digit is wrong"},
        Invalid{"0306406153", "check digit is wrong"},
        Invalid{"0-8044-2957-0", "check digit is wrong"},
        Invalid{"0306406151X", "10 or 13 digits"},
        // Wrong lengths.
        Invalid{"978030640615", "10 or 13 digits, not 12"},
        Invalid{"030640615", "10 or 13 digits, not 9"},
        Invalid{"97803064061570", "10 or 13 digits, not 14"},
        Invalid{"-", "misplaced separator"},
        // Letters and other characters.
        Invalid{"978030640615A", "unexpected character at position 13"},
        Invalid{"ISBN 9780306406157", "unexpected character at position 1"},
        Invalid{"978.0.306.40615.7", "unexpected character"},
        Invalid{"978_0306406157", "unexpected character"},
        Invalid{"978\xC2\xA0"
                "0306406157",
                "unexpected character"},
        // X anywhere but an ISBN-10's check digit.
        Invalid{"X306406152", "X may only be"},
        Invalid{"978030640615X", "X may only be"},
        // Separators: not leading, trailing, doubled or mixed.
        Invalid{"-9780306406157", "misplaced separator at position 1"},
        Invalid{"9780306406157-", "misplaced separator at position 14"},
        Invalid{" 9780306406157", "misplaced separator"},
        Invalid{"9780306406157 ", "misplaced separator"},
        Invalid{"978--0306406157", "misplaced separator"},
        Invalid{"978  0306406157", "misplaced separator"},
        Invalid{"978 - 0306406157", "misplaced separator"},
        // ISBN-13 prefixes other than 978 and 979.
        Invalid{"9771234567898", "starts with 978 or 979"},
        Invalid{"1234567890128", "starts with 978 or 979"}));

TEST(NormalizeIsbnTest, NamesTheGivenField) {
  auto isbn = NormalizeIsbn("123", "isbn");
  ASSERT_FALSE(isbn.ok());
  EXPECT_TRUE(absl::StartsWith(isbn.status().message(), "isbn: "))
      << isbn.status();
}

TEST(NormalizeIsbnTest, IsIdempotent) {
  auto once = NormalizeIsbn("0-8044-2957-X", "isbn");
  ASSERT_TRUE(once.ok()) << once.status();
  auto twice = NormalizeIsbn(*once, "isbn");
  ASSERT_TRUE(twice.ok()) << twice.status();
  EXPECT_EQ(*twice, *once);
}

TEST(LooksLikeIsbnTest, AcceptsIsbnShapedText) {
  EXPECT_TRUE(LooksLikeIsbn("9780306406157"));
  EXPECT_TRUE(LooksLikeIsbn("978-0-306-40615-7"));
  EXPECT_TRUE(LooksLikeIsbn("0 306 40615 2"));
  EXPECT_TRUE(LooksLikeIsbn("0-8044-2957-X"));
  EXPECT_TRUE(LooksLikeIsbn("080442957x"));
  // A wrong check digit still looks like an ISBN: search decides.
  EXPECT_TRUE(LooksLikeIsbn("9780306406158"));
}

TEST(LooksLikeIsbnTest, RejectsOtherText) {
  EXPECT_FALSE(LooksLikeIsbn(""));
  EXPECT_FALSE(LooksLikeIsbn("harry potter"));
  EXPECT_FALSE(LooksLikeIsbn("12345"));
  EXPECT_FALSE(LooksLikeIsbn("978030640615"));
  EXPECT_FALSE(LooksLikeIsbn("97803064061570"));
  EXPECT_FALSE(LooksLikeIsbn("978030640615a"));
  EXPECT_FALSE(LooksLikeIsbn("X306406152"));
  EXPECT_FALSE(LooksLikeIsbn("978030640615X"));
  EXPECT_FALSE(LooksLikeIsbn("XXXXXXXXXX"));
}

}  // namespace
}  // namespace rentwave::listings
