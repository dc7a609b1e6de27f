// Structure-aware mutation of rpc_fuzzer's inputs (rpc_input.h): most byte
// mutations of the wire format make a request that does not parse, which the
// server refuses before any RentWave code runs. These change one field of a
// parsed request (through reflection) to a value the handlers' checks care
// about, so that libFuzzer spends its time past the parser.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "google/protobuf/message.h"

namespace rentwave::fuzz {

// Changes `message` a little: sets, clears or changes one field somewhere
// in it (nested messages included), or adds or removes an element of a
// repeated field. String values come from `words` (placeholders, field
// names, codes) or are made up; numbers favour edge values (0, -1, limits,
// times around `now_seconds`). Deterministic for a given `rng` state.
void MutateMessage(google::protobuf::Message* message, std::minstd_rand& rng,
                   const std::vector<std::string>& words, int64_t now_seconds);

// libFuzzer's byte-level mutator (LLVMFuzzerMutate) or a stand-in.
using ByteMutator = size_t (*)(uint8_t* data, size_t size, size_t max_size);

// Mutates the input in `data` (`size` bytes, room for `max_size`) in
// place; returns its new size. One time in three (and for inputs shorter
// than 2 bytes) `byte_mutate` changes the bytes. Otherwise, one time in
// sixteen a bit of the flags (byte 1) is flipped; else the request is parsed
// as the input type of the method byte 0 names and changed by MutateMessage
// one to three times, with kStartSeconds as now and as words the
// placeholders, every field name of the API (update mask paths), the
// fixture's names and words the handlers look for; if it no longer fits,
// `byte_mutate` changes the bytes instead. Deterministic for a given `seed`
// (and `byte_mutate`).
size_t MutateInput(uint8_t* data, size_t size, size_t max_size,
                   unsigned int seed, ByteMutator byte_mutate);

}  // namespace rentwave::fuzz
