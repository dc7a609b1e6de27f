// libFuzzer target: one RPC through the whole server. A real app::Server
// (every module, the RpcGate, the late-fee timer, the development clock)
// runs once per process on a temporary database; each input is one call to
// one rentwave.v1 method, over gRPC on a Unix socket, as one of a few
// callers.
//
//   rpc_input.h    the input format, the methods, how failures are reported
//   rpc_world.h    the server, its fixture (rpc_fixture.cc), running an
//                  input and the checks that make the target abort
//   rpc_calls.h    unary and server-streaming calls through a GenericStub
//   rpc_mutator.h  the structure-aware mutator
//
// Most byte-level mutations break the wire format, so the target has a
// custom mutator (LLVMFuzzerCustomMutator): two times in three it parses
// the input and changes one field of the request through reflection, with
// values the handlers' checks care about.
//
// Environment: RPC_FUZZER_VERBOSE=1 prints every call and its status;
// RPC_FUZZER_STATS=1 prints, at exit, how often each method answered with
// each status code.
#include <cstddef>
#include <cstdint>

#include "rpc_mutator.h"
#include "rpc_world.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rentwave::fuzz::World::Get().Run(data, size);
  return 0;
}

// libFuzzer's own mutator; weak, so that the replay binary (which never
// mutates) links without libFuzzer.
extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size)
    __attribute__((weak));

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size,
                                          size_t max_size, unsigned int seed) {
  return rentwave::fuzz::MutateInput(data, size, max_size, seed,
                                     LLVMFuzzerMutate);
}
