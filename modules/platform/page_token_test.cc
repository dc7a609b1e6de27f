// Tests for sealed page tokens (page_token.h).
#include "modules/platform/page_token.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"

namespace rentwave::platform {
namespace {

const std::string kKey = "0123456789abcdef0123456789abcdef";
const std::string kOtherKey = "fedcba9876543210fedcba9876543210";
constexpr char kContext[] = R"(["harr pot",1,0,0,"",0,0,0,"",0,"","",-1,-1,0])";
// Whole microseconds: tokens keep the issue time to the microsecond.
const absl::Time kIssued = absl::FromUnixMicros(1'700'000'000'123'456);

PageCursor Cursor() {
  PageCursor c;
  c.order = 2;
  c.primary = 123'456;
  c.id = "01HV5ZQJ8XKQ4M3N2P1R0S9T8V";
  c.issued = kIssued;
  return c;
}

void ExpectRejected(const absl::StatusOr<PageCursor>& decoded,
                    absl::string_view detail) {
  ASSERT_FALSE(decoded.ok()) << "accepted: " << decoded->id;
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(decoded.status().message(), "page_token: "))
      << decoded.status();
  EXPECT_TRUE(absl::StrContains(decoded.status().message(), detail))
      << "lacks \"" << detail << "\": " << decoded.status();
}

constexpr char kAltered[] = "not issued for this request or altered";

TEST(PageTokenTest, RoundTrips) {
  PageTokenCodec codec(kKey);
  std::string token = codec.Encode(Cursor(), kContext);
  auto decoded = codec.Decode(token, kContext, kIssued + absl::Hours(1));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, Cursor());
}

TEST(PageTokenTest, RoundTripsExtremeValues) {
  PageTokenCodec codec(kKey);
  for (int64_t primary : {std::numeric_limits<int64_t>::min(), int64_t{-1},
                          int64_t{0}, std::numeric_limits<int64_t>::max()}) {
    for (int order : {0, 4, -1, std::numeric_limits<int>::max()}) {
      PageCursor c = Cursor();
      c.primary = primary;
      c.order = order;
      c.id = order == 0 ? "" : std::string(300, 'z');
      auto decoded = codec.Decode(codec.Encode(c, ""), "", kIssued);
      ASSERT_TRUE(decoded.ok())
          << primary << "/" << order << ": " << decoded.status();
      EXPECT_EQ(*decoded, c);
    }
  }
}

TEST(PageTokenTest, IsUrlSafeAndUnpadded) {
  PageTokenCodec codec(kKey);
  std::string token = codec.Encode(Cursor(), kContext);
  ASSERT_FALSE(token.empty());
  for (char c : token) {
    EXPECT_TRUE(absl::ascii_isalnum(c) || c == '-' || c == '_') << token;
  }
}

TEST(PageTokenTest, IsDeterministicAndDependsOnTheCursor) {
  PageTokenCodec codec(kKey);
  EXPECT_EQ(codec.Encode(Cursor(), kContext), codec.Encode(Cursor(), kContext));
  PageCursor other = Cursor();
  other.primary += 1;
  EXPECT_NE(codec.Encode(other, kContext), codec.Encode(Cursor(), kContext));
}

TEST(PageTokenTest, RejectsAnyAlteredCharacter) {
  PageTokenCodec codec(kKey);
  const std::string token = codec.Encode(Cursor(), kContext);
  for (size_t i = 0; i < token.size(); ++i) {
    std::string altered = token;
    altered[i] = altered[i] == 'A' ? 'B' : 'A';
    ExpectRejected(codec.Decode(altered, kContext, kIssued), "");
  }
}

TEST(PageTokenTest, AlteredBytesFailTheMac) {
  PageTokenCodec codec(kKey);
  std::string token = codec.Encode(Cursor(), kContext);
  // A character well inside the text changes whole bytes, never the
  // encoding's validity.
  token[10] = token[10] == 'A' ? 'B' : 'A';
  ExpectRejected(codec.Decode(token, kContext, kIssued), kAltered);
}

TEST(PageTokenTest, RejectsTruncatedAndExtendedTokens) {
  PageTokenCodec codec(kKey);
  const std::string token = codec.Encode(Cursor(), kContext);
  ExpectRejected(
      codec.Decode(token.substr(0, token.size() - 4), kContext, kIssued),
      kAltered);
  ExpectRejected(
      codec.Decode(token.substr(0, token.size() - 1), kContext, kIssued), "");
  ExpectRejected(codec.Decode(token + "AAAA", kContext, kIssued), kAltered);
  ExpectRejected(codec.Decode(token + "=", kContext, kIssued), "malformed");
}

TEST(PageTokenTest, RejectsAnotherContext) {
  PageTokenCodec codec(kKey);
  std::string token = codec.Encode(Cursor(), kContext);
  ExpectRejected(codec.Decode(token, "", kIssued), kAltered);
  ExpectRejected(codec.Decode(token, std::string(kContext) + " ", kIssued),
                 kAltered);
  ExpectRejected(
      codec.Decode(token, std::string(kContext) + std::string(1, '\0'),
                   kIssued),
      kAltered);
}

TEST(PageTokenTest, RejectsAnotherKey) {
  std::string token = PageTokenCodec(kKey).Encode(Cursor(), kContext);
  ExpectRejected(PageTokenCodec(kOtherKey).Decode(token, kContext, kIssued),
                 kAltered);
}

TEST(PageTokenTest, ExpiresAfterMaxAge) {
  PageTokenCodec codec(kKey);
  std::string token = codec.Encode(Cursor(), kContext);
  EXPECT_TRUE(
      codec.Decode(token, kContext, kIssued + PageTokenCodec::kMaxAge).ok());
  ExpectRejected(
      codec.Decode(token, kContext,
                   kIssued + PageTokenCodec::kMaxAge + absl::Microseconds(1)),
      "page_token: expired; start again from the first page");
  ExpectRejected(codec.Decode(token, kContext, kIssued + absl::Hours(24 * 365)),
                 "expired");
}

TEST(PageTokenTest, ToleratesAMinuteOfClockSkewOnly) {
  PageTokenCodec codec(kKey);
  std::string token = codec.Encode(Cursor(), kContext);
  EXPECT_TRUE(codec.Decode(token, kContext, kIssued - absl::Seconds(59)).ok());
  ExpectRejected(codec.Decode(token, kContext, kIssued - absl::Seconds(61)),
                 "future");
}

TEST(PageTokenTest, RejectsGarbage) {
  PageTokenCodec codec(kKey);
  for (const std::string& garbage :
       {std::string("not a token"), std::string("!!!!"), std::string("a"),
        std::string("AAAA"), std::string("===="), std::string("ab+/"),
        std::string("\xFF\xFE"), std::string(64, 'A'), std::string(2000, 'A'),
        std::string("AAAA\0AAAA", 9)}) {
    ExpectRejected(codec.Decode(garbage, kContext, kIssued), "");
  }
  ExpectRejected(codec.Decode("not a token", kContext, kIssued),
                 "page_token: malformed");
  ExpectRejected(codec.Decode(std::string(2000, 'A'), kContext, kIssued),
                 "page_token: malformed");
}

TEST(PageTokenTest, RejectsEmpty) {
  PageTokenCodec codec(kKey);
  ExpectRejected(codec.Decode("", kContext, kIssued), "page_token: malformed");
}

}  // namespace
}  // namespace rentwave::platform
