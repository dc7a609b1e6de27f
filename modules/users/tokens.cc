#include "modules/users/tokens.h"

#include <sodium.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "modules/platform/random.h"

namespace rentwave::users {
namespace {

constexpr size_t kMaxTokenBytes = 4096;
constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

std::string Base64Url(absl::string_view bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(),
                    reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), kVariant);
  out.resize(out.size() - 1);  // drop the terminating NUL
  return out;
}

bool FromBase64Url(absl::string_view text, std::string* out) {
  platform::EnsureSodium();
  out->resize(text.size());
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out->data()),
                        out->size(), text.data(), text.size(), nullptr, &len,
                        nullptr, kVariant) != 0) {
    return false;
  }
  out->resize(len);
  return true;
}

absl::Status Rejected(absl::string_view why) {
  return absl::UnauthenticatedError(absl::StrCat("invalid token: ", why));
}

const std::string& EncodedHeader() {
  static const std::string kHeader =
      Base64Url(R"({"alg":"HS256","typ":"JWT"})");
  return kHeader;
}

}  // namespace

TokenCodec::TokenCodec(const std::string& secret) {
  platform::EnsureSodium();
  crypto_auth_hmacsha256_init(
      &keyed_, reinterpret_cast<const unsigned char*>(secret.data()),
      secret.size());
}

std::string TokenCodec::Mac(absl::string_view data) const {
  crypto_auth_hmacsha256_state state = keyed_;
  crypto_auth_hmacsha256_update(
      &state, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  std::string mac(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256_final(&state,
                               reinterpret_cast<unsigned char*>(mac.data()));
  sodium_memzero(&state, sizeof state);
  return mac;
}

std::string TokenCodec::Sign(const TokenClaims& claims) const {
  platform::EnsureSodium();
  nlohmann::json payload = {{"sub", claims.user_id},
                            {"iat", absl::ToUnixSeconds(claims.issued)},
                            {"exp", absl::ToUnixSeconds(claims.expires)},
                            {"jti", claims.token_id}};
  std::string signing_input =
      absl::StrCat(EncodedHeader(), ".", Base64Url(payload.dump()));
  return absl::StrCat(signing_input, ".", Base64Url(Mac(signing_input)));
}

absl::StatusOr<TokenClaims> TokenCodec::Verify(absl::string_view token,
                                               absl::Time now) const {
  if (token.size() > kMaxTokenBytes) return Rejected("too long");
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) return Rejected("not a JWT");
  // Only the exact header this server issues is accepted: no "alg":"none",
  // no algorithm confusion.
  if (parts[0] != EncodedHeader()) return Rejected("unsupported header");
  std::string signature;
  if (!FromBase64Url(parts[2], &signature)) return Rejected("bad encoding");
  std::string expected =
      Mac(token.substr(0, parts[0].size() + 1 + parts[1].size()));
  if (signature.size() != expected.size() ||
      sodium_memcmp(signature.data(), expected.data(), expected.size()) != 0) {
    return Rejected("bad signature");
  }
  std::string payload_text;
  if (!FromBase64Url(parts[1], &payload_text)) return Rejected("bad encoding");
  auto payload = nlohmann::json::parse(payload_text, nullptr,
                                       /*allow_exceptions=*/false);
  if (!payload.is_object() || !payload["sub"].is_string() ||
      !payload["jti"].is_string() || !payload["exp"].is_number_integer() ||
      !payload["iat"].is_number_integer()) {
    return Rejected("bad claims");
  }
  TokenClaims claims{payload["sub"].get<std::string>(),
                     payload["jti"].get<std::string>(),
                     absl::FromUnixSeconds(payload["iat"].get<int64_t>()),
                     absl::FromUnixSeconds(payload["exp"].get<int64_t>())};
  if (claims.user_id.empty() || claims.token_id.empty()) {
    return Rejected("bad claims");
  }
  if (now >= claims.expires) return Rejected("expired");
  return claims;
}

}  // namespace rentwave::users
