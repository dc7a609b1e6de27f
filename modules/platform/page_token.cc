#include "modules/platform/page_token.h"

#include <sodium.h>

#include <utility>

#include "absl/status/status.h"
#include "modules/platform/random.h"

namespace rentwave::platform {
namespace {

// Token layout before base64url (integers big-endian):
//   version u8 | order i32 | primary i64 | issued unix micros i64 |
//   id length u16 | id | HMAC-SHA-256 (32 bytes)
// The MAC covers everything before it, then a NUL, then the context. The
// length prefix makes the cursor self-delimiting, so bytes cannot be shifted
// between id and context to pass one request's token off as another's.
constexpr uint8_t kVersion = 1;
constexpr size_t kHeaderBytes = 1 + 4 + 8 + 8 + 2;
constexpr size_t kMacBytes = crypto_auth_hmacsha256_BYTES;
// Ids are 26-character ULIDs; this leaves ample room and bounds the
// work done on hostile input before the MAC is checked.
constexpr size_t kMaxTokenChars = 1024;
// Servers' clocks may disagree a little.
constexpr absl::Duration kClockSkew = absl::Minutes(1);
constexpr int kBase64Variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

void PutInt(std::string& out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) {
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
}

uint64_t GetInt(absl::string_view in, size_t offset, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) {
    value = (value << 8) | static_cast<unsigned char>(in[offset + i]);
  }
  return value;
}

std::string Mac(absl::string_view key, absl::string_view cursor,
                absl::string_view context) {
  crypto_auth_hmacsha256_state state;
  // The _init form takes a key of any length; the constructor's contract is
  // 32 bytes, but a shorter key must not read past its end.
  crypto_auth_hmacsha256_init(
      &state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(
      &state, reinterpret_cast<const unsigned char*>(cursor.data()),
      cursor.size());
  const unsigned char separator = 0;
  crypto_auth_hmacsha256_update(&state, &separator, 1);
  crypto_auth_hmacsha256_update(
      &state, reinterpret_cast<const unsigned char*>(context.data()),
      context.size());
  std::string mac(kMacBytes, '\0');
  crypto_auth_hmacsha256_final(&state,
                               reinterpret_cast<unsigned char*>(mac.data()));
  sodium_memzero(&state, sizeof(state));
  return mac;
}

absl::Status Malformed() {
  return absl::InvalidArgumentError("page_token: malformed");
}

}  // namespace

PageTokenCodec::PageTokenCodec(std::string key) : key_(std::move(key)) {}

std::string PageTokenCodec::Encode(const PageCursor& cursor,
                                   absl::string_view context) const {
  platform::EnsureSodium();
  std::string bytes;
  bytes.reserve(kHeaderBytes + cursor.id.size() + kMacBytes);
  bytes.push_back(static_cast<char>(kVersion));
  PutInt(bytes, static_cast<uint32_t>(cursor.order), 4);
  PutInt(bytes, static_cast<uint64_t>(cursor.primary), 8);
  PutInt(bytes, static_cast<uint64_t>(absl::ToUnixMicros(cursor.issued)), 8);
  PutInt(bytes, cursor.id.size(), 2);
  bytes.append(cursor.id);
  bytes.append(Mac(key_, bytes, context));

  std::string text(sodium_base64_encoded_len(bytes.size(), kBase64Variant),
                   '\0');
  sodium_bin2base64(text.data(), text.size(),
                    reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), kBase64Variant);
  text.resize(text.size() - 1);  // drop the terminating NUL
  return text;
}

absl::StatusOr<PageCursor> PageTokenCodec::Decode(absl::string_view token,
                                                  absl::string_view context,
                                                  absl::Time now) const {
  platform::EnsureSodium();
  if (token.empty() || token.size() > kMaxTokenChars) return Malformed();
  std::string bytes(token.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()),
                        bytes.size(), token.data(), token.size(),
                        /*ignore=*/nullptr, &len, /*b64_end=*/nullptr,
                        kBase64Variant) != 0) {
    return Malformed();
  }
  bytes.resize(len);
  if (bytes.size() < kHeaderBytes + kMacBytes) return Malformed();

  absl::string_view body =
      absl::string_view(bytes).substr(0, bytes.size() - kMacBytes);
  absl::string_view mac = absl::string_view(bytes).substr(body.size());
  std::string expected = Mac(key_, body, context);
  if (crypto_verify_32(
          reinterpret_cast<const unsigned char*>(mac.data()),
          reinterpret_cast<const unsigned char*>(expected.data())) != 0) {
    return absl::InvalidArgumentError(
        "page_token: not issued for this request or altered");
  }

  // Past the MAC the bytes are ours, so a mismatch here means a token from
  // another format version.
  if (static_cast<uint8_t>(body[0]) != kVersion ||
      GetInt(body, 21, 2) != body.size() - kHeaderBytes) {
    return Malformed();
  }
  PageCursor cursor;
  cursor.order =
      static_cast<int32_t>(static_cast<uint32_t>(GetInt(body, 1, 4)));
  cursor.primary = static_cast<int64_t>(GetInt(body, 5, 8));
  cursor.issued =
      absl::FromUnixMicros(static_cast<int64_t>(GetInt(body, 13, 8)));
  cursor.id = std::string(body.substr(kHeaderBytes));

  if (cursor.issued > now + kClockSkew) {
    return absl::InvalidArgumentError(
        "page_token: issued in the future; start again from the first page");
  }
  if (now - cursor.issued > kMaxAge) {
    return absl::InvalidArgumentError(
        "page_token: expired; start again from the first page");
  }
  return cursor;
}

}  // namespace rentwave::platform
