// Tests for TokenCodec: HS256 JWTs, and every way a token must be refused.
#include "modules/users/tokens.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"

namespace rentwave::users {
namespace {

const std::string kSecret(32, 'k');
const absl::Time kIssued = absl::FromUnixSeconds(1700000000);
constexpr char kHs256Header[] = R"({"alg":"HS256","typ":"JWT"})";

// RFC 4648 section 5, without padding. Written here rather than borrowed from
// the code under test so that the tests build tokens independently.
std::string Base64Url(absl::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) |
                 (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                 static_cast<uint8_t>(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) {
      out.push_back(kAlphabet[(v >> shift) & 63]);
    }
  }
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
  } else if (rest == 2) {
    uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) |
                 (static_cast<uint8_t>(bytes[i + 1]) << 8);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
  }
  return out;
}

std::string HmacSha256(absl::string_view key, absl::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
       &len);
  return std::string(reinterpret_cast<char*>(mac), len);
}

// A compact JWT of the given header and payload JSON, signed with HS256 under
// `key` (whatever the header claims).
std::string HandMadeToken(absl::string_view header, absl::string_view payload,
                          absl::string_view key = kSecret) {
  std::string input = absl::StrCat(Base64Url(header), ".", Base64Url(payload));
  return absl::StrCat(input, ".", Base64Url(HmacSha256(key, input)));
}

std::string Payload(absl::string_view sub = "user-1",
                    absl::string_view jti = "token-1") {
  return absl::StrCat(R"({"sub":")", sub, R"(","iat":1700000000,"exp":)",
                      "1700003600", R"(,"jti":")", jti, R"("})");
}

TokenClaims Claims() {
  return TokenClaims{"01HUSER0000000000000000000", "01HTOKEN000000000000000000",
                     kIssued, kIssued + absl::Hours(1)};
}

// Expects UNAUTHENTICATED with a message that does not echo the token.
void ExpectRejected(const TokenCodec& codec, const std::string& token,
                    absl::Time now = kIssued) {
  auto result = codec.Verify(token, now);
  ASSERT_FALSE(result.ok()) << "accepted: " << token;
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated)
      << result.status();
  EXPECT_TRUE(absl::StartsWith(result.status().message(), "invalid token"))
      << result.status();
  if (token.size() >= 8) {
    EXPECT_FALSE(absl::StrContains(result.status().message(), token))
        << result.status();
    // Nor any of its parts (the payload holds the user id).
    for (absl::string_view part : absl::StrSplit(token, '.')) {
      if (part.size() >= 8) {
        EXPECT_FALSE(absl::StrContains(result.status().message(), part))
            << result.status();
      }
    }
  }
}

void ExpectSameClaims(const TokenClaims& got, const TokenClaims& want) {
  EXPECT_EQ(got.user_id, want.user_id);
  EXPECT_EQ(got.token_id, want.token_id);
  EXPECT_EQ(got.issued, want.issued);
  EXPECT_EQ(got.expires, want.expires);
}

TEST(TokenCodecTest, SignThenVerifyRoundTripsClaims) {
  TokenCodec codec(kSecret);
  TokenClaims claims = Claims();
  std::string token = codec.Sign(claims);
  auto verified = codec.Verify(token, kIssued);
  ASSERT_TRUE(verified.ok()) << verified.status();
  ExpectSameClaims(*verified, claims);
  // A second codec with the same key (a restarted server) accepts it too.
  auto again = TokenCodec(kSecret).Verify(token, kIssued + absl::Minutes(59));
  ASSERT_TRUE(again.ok()) << again.status();
  ExpectSameClaims(*again, claims);
}

TEST(TokenCodecTest, IsACompactHs256Jwt) {
  TokenCodec codec(kSecret);
  std::string token = codec.Sign(Claims());
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  ASSERT_EQ(parts.size(), 3u) << token;
  EXPECT_EQ(parts[0], Base64Url(kHs256Header));
  EXPECT_EQ(parts[2], Base64Url(HmacSha256(
                          kSecret, absl::StrCat(parts[0], ".", parts[1]))));
  for (char c : token) {
    EXPECT_TRUE(absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.')
        << "not base64url: " << c;
  }
}

TEST(TokenCodecTest, AcceptsAHandMadeHs256Token) {
  // Guards the hand-made tokens below: with the right header and key they are
  // accepted, so each rejection is down to the one thing changed.
  TokenCodec codec(kSecret);
  auto claims = codec.Verify(HandMadeToken(kHs256Header, Payload()), kIssued);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->user_id, "user-1");
  EXPECT_EQ(claims->token_id, "token-1");
  EXPECT_EQ(claims->issued, kIssued);
  EXPECT_EQ(claims->expires, kIssued + absl::Hours(1));
}

TEST(TokenCodecTest, SignsAsStandardHmacWhateverTheKeyLength) {
  // HMAC hashes a key longer than a SHA-256 block (64 bytes) first and pads
  // a shorter one: each side of that, checked against OpenSSL's HMAC.
  for (size_t length : {1, 32, 63, 64, 65, 200}) {
    const std::string key(length, static_cast<char>('a' + length % 26));
    const std::string token = HandMadeToken(kHs256Header, Payload(), key);
    EXPECT_TRUE(TokenCodec(key).Verify(token, kIssued).ok()) << length;
    EXPECT_EQ(TokenCodec(key).Sign(Claims()),
              HandMadeToken(kHs256Header,
                            R"({"exp":1700003600,"iat":1700000000,)"
                            R"("jti":"01HTOKEN000000000000000000",)"
                            R"("sub":"01HUSER0000000000000000000"})",
                            key))
        << length;
  }
}

TEST(TokenCodecTest, RejectsExpiredTokens) {
  TokenCodec codec(kSecret);
  TokenClaims claims = Claims();
  std::string token = codec.Sign(claims);
  EXPECT_TRUE(codec.Verify(token, claims.expires - absl::Seconds(1)).ok());
  EXPECT_TRUE(codec.Verify(token, claims.expires - absl::Nanoseconds(1)).ok());
  ExpectRejected(codec, token, claims.expires);
  ExpectRejected(codec, token, claims.expires + absl::Seconds(1));
  ExpectRejected(codec, token, claims.expires + absl::Hours(24 * 365));
}

TEST(TokenCodecTest, RejectsTamperedPayload) {
  TokenCodec codec(kSecret);
  std::string token = codec.Sign(Claims());
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  ASSERT_EQ(parts.size(), 3u);
  for (size_t i : {size_t{0}, parts[1].size() / 2, parts[1].size() - 2}) {
    std::string payload = parts[1];
    payload[i] = payload[i] == 'A' ? 'B' : 'A';
    SCOPED_TRACE(i);
    ExpectRejected(codec, absl::StrCat(parts[0], ".", payload, ".", parts[2]));
  }
  // A payload re-encoded with another subject but the old signature.
  std::string other_user = Base64Url(Payload("someone-else"));
  ExpectRejected(codec, absl::StrCat(parts[0], ".", other_user, ".", parts[2]));
}

TEST(TokenCodecTest, RejectsTamperedSignature) {
  TokenCodec codec(kSecret);
  std::string token = codec.Sign(Claims());
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  ASSERT_EQ(parts.size(), 3u);
  for (size_t i : {size_t{0}, parts[2].size() / 2}) {
    std::string sig = parts[2];
    sig[i] = sig[i] == 'A' ? 'B' : 'A';
    SCOPED_TRACE(i);
    ExpectRejected(codec, absl::StrCat(parts[0], ".", parts[1], ".", sig));
  }
  // Truncated, extended, empty and non-base64 signatures.
  ExpectRejected(codec, token.substr(0, token.size() - 4));
  ExpectRejected(codec, absl::StrCat(token, "AAAA"));
  ExpectRejected(codec, absl::StrCat(parts[0], ".", parts[1], "."));
  ExpectRejected(codec, absl::StrCat(parts[0], ".", parts[1], ".!!!!$$$$"));
}

TEST(TokenCodecTest, RejectsTokensSignedWithAnotherSecret) {
  TokenCodec codec(kSecret);
  TokenCodec other(std::string(32, 'o'));
  ExpectRejected(codec, other.Sign(Claims()));
  ExpectRejected(other, codec.Sign(Claims()));
  ExpectRejected(codec, HandMadeToken(kHs256Header, Payload(), "k"));
}

TEST(TokenCodecTest, RejectsAlgNone) {
  TokenCodec codec(kSecret);
  std::string none = Base64Url(R"({"alg":"none","typ":"JWT"})");
  std::string payload = Base64Url(Payload());
  // The classic forgery: no signature at all.
  ExpectRejected(codec, absl::StrCat(none, ".", payload, "."));
  // Even with a signature that is valid under the real key.
  ExpectRejected(codec,
                 HandMadeToken(R"({"alg":"none","typ":"JWT"})", Payload()));
  ExpectRejected(codec, HandMadeToken(R"({"alg":"None"})", Payload()));
  // Only the exact header this server issues is accepted.
  ExpectRejected(codec,
                 HandMadeToken(R"({"alg":"HS512","typ":"JWT"})", Payload()));
  ExpectRejected(codec,
                 HandMadeToken(R"({"alg":"RS256","typ":"JWT"})", Payload()));
  ExpectRejected(codec, HandMadeToken(R"({"alg":"HS256"})", Payload()));
}

TEST(TokenCodecTest, RejectsBadClaimsEvenWhenSigned) {
  TokenCodec codec(kSecret);
  for (const std::string& payload :
       {std::string(R"({"iat":1700000000,"exp":1700003600,"jti":"t"})"),
        std::string(R"({"sub":"u","iat":1700000000,"exp":1700003600})"),
        std::string(R"({"sub":"u","iat":1700000000,"jti":"t"})"),
        std::string(
            R"({"sub":"u","iat":1700000000,"exp":"1700003600","jti":"t"})"),
        std::string(R"({"sub":"u","iat":1700000000,"exp":1.7e9,"jti":"t"})"),
        std::string(R"({"sub":7,"iat":1700000000,"exp":1700003600,"jti":"t"})"),
        std::string(Payload("", "t")), std::string(Payload("u", "")),
        std::string("not json"), std::string("[1,2,3]"), std::string("")}) {
    SCOPED_TRACE(payload);
    ExpectRejected(codec, HandMadeToken(kHs256Header, payload));
  }
}

TEST(TokenCodecTest, RejectsMalformedTokens) {
  TokenCodec codec(kSecret);
  std::string token = codec.Sign(Claims());
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  ASSERT_EQ(parts.size(), 3u);
  for (const std::string& bad :
       {std::string(""), std::string("."), std::string(".."),
        std::string("..."), std::string("garbage-token-value"),
        std::string("Bearer ") + token, absl::StrCat(parts[0], ".", parts[1]),
        absl::StrCat(token, "."), absl::StrCat(token, ".", parts[2]),
        absl::StrCat(".", token), parts[1],
        absl::StrCat(parts[0], "..", parts[2]),
        absl::StrCat(parts[0], ".", parts[1], "==.", parts[2]),
        absl::StrCat(parts[0], "=.", parts[1], ".", parts[2]),
        std::string("\xFF\xFE\x00.\x01\x02.\x03", 8)}) {
    SCOPED_TRACE(bad);
    ExpectRejected(codec, bad);
  }
}

TEST(TokenCodecTest, RejectsOversizedTokens) {
  TokenCodec codec(kSecret);
  // Correctly signed, but longer than any token this server issues.
  TokenClaims claims = Claims();
  claims.user_id = std::string(3500, 'u');
  std::string token = codec.Sign(claims);
  ASSERT_GT(token.size(), 4096u);
  ExpectRejected(codec, token);
  ExpectRejected(codec, std::string(1 << 20, 'A'));
  // Just under the limit, the size alone is not a reason to refuse.
  claims.user_id = std::string(2000, 'u');
  std::string smaller = codec.Sign(claims);
  ASSERT_LE(smaller.size(), 4096u);
  auto verified = codec.Verify(smaller, kIssued);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->user_id, claims.user_id);
}

}  // namespace
}  // namespace rentwave::users
