#include "modules/platform/random.h"

#include <sodium.h>

#include <cstdlib>

namespace rentwave::platform {

void EnsureSodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) std::abort();
}

void RandomBytes(void* out, size_t n) {
  EnsureSodium();
  randombytes_buf(out, n);
}

std::string NewId(absl::Time now) {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  uint8_t bytes[16];
  uint64_t ms = static_cast<uint64_t>(absl::ToUnixMillis(now));
  for (int i = 5; i >= 0; --i, ms >>= 8) bytes[i] = ms & 0xff;
  RandomBytes(bytes + 6, 10);
  // 128 bits -> 26 base32 digits, most significant first (the first digit
  // carries only the top 3 bits).
  std::string id(26, '0');
  unsigned __int128 v = 0;
  for (uint8_t b : bytes) v = (v << 8) | b;
  for (int i = 25; i >= 0; --i, v >>= 5) id[i] = kAlphabet[v & 31];
  return id;
}

}  // namespace rentwave::platform
