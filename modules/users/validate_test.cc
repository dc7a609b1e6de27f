// Tests for the field rules of accounts (validate.h).
#include "modules/users/validate.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "modules/users/users.h"

namespace rentwave::users {
namespace {

constexpr char kEAcute[] = "\xC3\xA9";        // é, 2 bytes
constexpr char kEuro[] = "\xE2\x82\xAC";      // €, 3 bytes
constexpr char kBike[] = "\xF0\x9F\x9A\xB2";  // 🚲, 4 bytes

std::string Repeat(absl::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) absl::StrAppend(&out, s);
  return out;
}

// Expects INVALID_ARGUMENT with a message that starts with "<field>:".
void ExpectInvalid(const absl::Status& status, absl::string_view field) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_TRUE(absl::StartsWith(status.message(), absl::StrCat(field, ":")))
      << "message does not name " << field << ": " << status;
}

// --- usernames ---

TEST(NormalizeUsernameTest, AcceptsThreeToThirtyTwoCharacters) {
  auto three = NormalizeUsername("abc");
  ASSERT_TRUE(three.ok()) << three.status();
  EXPECT_EQ(*three, "abc");
  std::string max(32, 'z');
  auto thirty_two = NormalizeUsername(max);
  ASSERT_TRUE(thirty_two.ok()) << thirty_two.status();
  EXPECT_EQ(*thirty_two, max);
}

TEST(NormalizeUsernameTest, RejectsTooShortAndTooLong) {
  ExpectInvalid(NormalizeUsername("ab").status(), "username");
  ExpectInvalid(NormalizeUsername(std::string(33, 'a')).status(), "username");
  ExpectInvalid(NormalizeUsername("").status(), "username");
}

TEST(NormalizeUsernameTest, FoldsUpperCaseToLowerCase) {
  auto folded = NormalizeUsername("Alice_SMITH.99");
  ASSERT_TRUE(folded.ok()) << folded.status();
  EXPECT_EQ(*folded, "alice_smith.99");
  auto all_upper = NormalizeUsername(std::string(32, 'Q'));
  ASSERT_TRUE(all_upper.ok()) << all_upper.status();
  EXPECT_EQ(*all_upper, std::string(32, 'q'));
}

TEST(NormalizeUsernameTest, AcceptsEachAllowedSymbol) {
  for (const char* name : {"a_b", "a.b", "a-b", "___", "...", "---", "007",
                           "abcdefghijklmnopqrstuvwxyz", "0123456789"}) {
    SCOPED_TRACE(name);
    auto result = NormalizeUsername(name);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(*result, name);
  }
}

TEST(NormalizeUsernameTest, RejectsIllegalCharacters) {
  for (const std::string& name :
       {std::string("ali ce"), std::string("alice@home"), std::string("ali+ce"),
        std::string("ali/ce"), std::string("alice!"), std::string(" alice"),
        std::string("alice\t"), std::string("ali\0ce", 6),
        absl::StrCat("ren", kEAcute), absl::StrCat(kBike, "bike"),
        std::string("\xE2\x84\xAA"
                    "elvin"),  // KELVIN SIGN, folds to 'k' in Unicode
        std::string("abc\xFF")}) {
    SCOPED_TRACE(name);
    ExpectInvalid(NormalizeUsername(name).status(), "username");
  }
}

// --- passwords ---

TEST(ValidatePasswordTest, EnforcesEightToOneHundredTwentyEight) {
  ExpectInvalid(ValidatePassword("1234567"), "password");
  EXPECT_TRUE(ValidatePassword("12345678").ok());
  EXPECT_TRUE(ValidatePassword(std::string(128, 'p')).ok());
  ExpectInvalid(ValidatePassword(std::string(129, 'p')), "password");
  ExpectInvalid(ValidatePassword(""), "password");
}

TEST(ValidatePasswordTest, CountsMultiByteCharactersAsOne) {
  // 7 code points but 14 bytes: still too short.
  ExpectInvalid(ValidatePassword(Repeat(kEAcute, 7)), "password");
  EXPECT_TRUE(ValidatePassword(Repeat(kEAcute, 8)).ok());
  // 128 code points but 384 / 512 bytes: still fine.
  EXPECT_TRUE(ValidatePassword(Repeat(kEuro, 128)).ok());
  EXPECT_TRUE(ValidatePassword(Repeat(kBike, 128)).ok());
  ExpectInvalid(ValidatePassword(Repeat(kEuro, 129)), "password");
  EXPECT_TRUE(ValidatePassword(absl::StrCat("secret", kBike, kEAcute)).ok());
}

TEST(ValidatePasswordTest, RejectsInvalidUtf8) {
  for (const std::string& password :
       {std::string("password\xFF"), std::string("password\xC3"),
        std::string("pass\xC0\xAFword"), std::string("pass\xED\xA0\x80word"),
        std::string("pass\x80word")}) {
    SCOPED_TRACE(password);
    ExpectInvalid(ValidatePassword(password), "password");
  }
}

// --- display names ---

TEST(ValidateDisplayNameTest, AcceptsOrdinaryNames) {
  EXPECT_TRUE(ValidateDisplayName("A").ok());
  EXPECT_TRUE(ValidateDisplayName("Ana Mar\xC3\xAD"
                                  "a O'Neil-Smith")
                  .ok());
  EXPECT_TRUE(ValidateDisplayName(absl::StrCat("Bike ", kBike)).ok());
}

TEST(ValidateDisplayNameTest, RejectsBlank) {
  ExpectInvalid(ValidateDisplayName(""), "display_name");
  ExpectInvalid(ValidateDisplayName(" "), "display_name");
  ExpectInvalid(ValidateDisplayName("    "), "display_name");
}

TEST(ValidateDisplayNameTest, EnforcesOneHundredCodePoints) {
  EXPECT_TRUE(ValidateDisplayName(std::string(100, 'd')).ok());
  ExpectInvalid(ValidateDisplayName(std::string(101, 'd')), "display_name");
  EXPECT_TRUE(ValidateDisplayName(Repeat(kEuro, 100)).ok());
  ExpectInvalid(ValidateDisplayName(Repeat(kEuro, 101)), "display_name");
}

TEST(ValidateDisplayNameTest, RejectsControlCharactersAndBadUtf8) {
  for (const std::string& name :
       {std::string("Bob\nSmith"), std::string("Bob\tSmith"),
        std::string("Bob\rSmith"), std::string("Bob\x7F"),
        std::string("Bob\x1B[31m"), std::string("Bob\0", 4),
        std::string("Bob\xFF"), std::string("Bob\xC3")}) {
    SCOPED_TRACE(name);
    ExpectInvalid(ValidateDisplayName(name), "display_name");
  }
}

// --- emails ---

TEST(ValidateEmailTest, AcceptsEmptyAndPlausibleAddresses) {
  for (const char* email :
       {"", "a@b.co", "alice@example.com", "first.last+tag@mail.example.org",
        "x_y-z@sub-domain.example.co.uk", "a@b.c"}) {
    SCOPED_TRACE(email);
    EXPECT_TRUE(ValidateEmail(email).ok()) << ValidateEmail(email);
  }
}

TEST(ValidateEmailTest, RejectsMalformedAddresses) {
  for (const std::string& email :
       {std::string("alice.example.com"), std::string("alice@"),
        std::string("@example.com"), std::string("a@b@example.com"),
        std::string("alice@localhost"), std::string("alice@.com"),
        std::string("alice@example."), std::string("ali ce@example.com"),
        std::string("alice@exam ple.com"), std::string(" alice@example.com"),
        std::string("alice@example.com "), std::string("alice\n@example.com"),
        std::string("alice@example.com\x7F"), std::string("al\xFFice@x.com")}) {
    SCOPED_TRACE(email);
    ExpectInvalid(ValidateEmail(email), "email");
  }
}

TEST(ValidateEmailTest, EnforcesTwoHundredFiftyFourCharacters) {
  // 64 + 1 + 185 + 4 = 254.
  std::string local(64, 'l');
  std::string ok = absl::StrCat(local, "@", std::string(185, 'd'), ".com");
  ASSERT_EQ(ok.size(), 254u);
  EXPECT_TRUE(ValidateEmail(ok).ok()) << ValidateEmail(ok);
  std::string too_long =
      absl::StrCat(local, "@", std::string(186, 'd'), ".com");
  ASSERT_EQ(too_long.size(), 255u);
  ExpectInvalid(ValidateEmail(too_long), "email");
}

// --- addresses ---

TEST(ValidateAddressTest, AcceptsEmptyAndFullAddresses) {
  EXPECT_TRUE(ValidateAddress(Address{}).ok());
  Address full{"1 Main Street", "Flat 2", "Springfield",
               "Oregon",        "97477",  "US"};
  EXPECT_TRUE(ValidateAddress(full).ok()) << ValidateAddress(full);
  Address unicode{
      "Stra\xC3\x9F"
      "e 1",
      "",
      "M\xC3\xBCnchen",
      "Bayern",
      "80331",
      "DE"};
  EXPECT_TRUE(ValidateAddress(unicode).ok()) << ValidateAddress(unicode);
}

TEST(ValidateAddressTest, CountryCodeIsEmptyOrTwoUpperCaseLetters) {
  for (const char* cc : {"", "GB", "US", "ZZ"}) {
    Address a;
    a.country_code = cc;
    EXPECT_TRUE(ValidateAddress(a).ok()) << cc;
  }
  for (const std::string& cc :
       {std::string("gb"), std::string("Gb"), std::string("G"),
        std::string("GBR"), std::string("G1"), std::string("12"),
        std::string(" G"), std::string("\xC3\x89U")}) {
    SCOPED_TRACE(cc);
    Address a;
    a.country_code = cc;
    ExpectInvalid(ValidateAddress(a), "address.country_code");
  }
}

TEST(ValidateAddressTest, EnforcesTwoHundredCharactersPerLine) {
  Address a;
  a.line1 = std::string(200, 'x');
  EXPECT_TRUE(ValidateAddress(a).ok());
  a.line1 = Repeat(kEAcute, 200);  // 400 bytes, 200 code points
  EXPECT_TRUE(ValidateAddress(a).ok());
  a.line1 = std::string(201, 'x');
  ExpectInvalid(ValidateAddress(a), "address.line1");
}

TEST(ValidateAddressTest, NamesTheOffendingLine) {
  const std::string bad_values[] = {std::string(201, 'x'), "a\nb", "bad\xFF"};
  struct Field {
    const char* name;
    std::string Address::*member;
  };
  const Field fields[] = {{"address.line1", &Address::line1},
                          {"address.line2", &Address::line2},
                          {"address.city", &Address::city},
                          {"address.region", &Address::region},
                          {"address.postal_code", &Address::postal_code}};
  for (const Field& field : fields) {
    for (const std::string& bad : bad_values) {
      SCOPED_TRACE(absl::StrCat(field.name, " = ", bad.substr(0, 10)));
      Address a{"1 Main Street", "", "Springfield", "", "97477", "US"};
      a.*field.member = bad;
      ExpectInvalid(ValidateAddress(a), field.name);
    }
  }
}

}  // namespace
}  // namespace rentwave::users
