// Structure-aware mutation of protobuf messages for rpc_fuzzer: most byte
// mutations of the wire format make a request that does not parse, which the
// server refuses before any RentWave code runs. This one changes one field
// of a parsed request (through reflection) to a value the handlers' checks
// care about, so that libFuzzer spends its time past the parser.
#pragma once

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

}  // namespace rentwave::fuzz
