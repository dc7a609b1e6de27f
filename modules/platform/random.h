// Cryptographically secure randomness and identifiers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace rentwave::platform {

// Initializes libsodium once; every user of libsodium calls this first.
// Thread-safe. Aborts the process if libsodium cannot initialize.
void EnsureSodium();

// Fills `out` with `n` random bytes from the OS CSPRNG. Thread-safe.
void RandomBytes(void* out, size_t n);

// A new unique id: a 26-character ULID (48-bit millisecond time + 80 random
// bits, Crockford base32), so ids sort by creation time. Thread-safe.
std::string NewId(absl::Time now);

}  // namespace rentwave::platform
