// How rpc_fuzzer calls the server: any method by its descriptor, through a
// grpc::GenericStub, with the request already in wire format (so that bytes
// that do not parse can be sent too). Both calls wait until the call has
// ended, with a deadline (30 s) longer than any call may take.
#pragma once

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/status.h>

#include <string>

#include "google/protobuf/descriptor.h"

namespace rentwave::fuzz {

// Sends `request` to a unary method, with `token` (if not empty) as the
// bearer token; fills `response` if given. Returns the call's status.
grpc::Status CallUnary(grpc::GenericStub& stub,
                       const google::protobuf::MethodDescriptor* method,
                       const std::string& token, const std::string& request,
                       grpc::ByteBuffer* response);

// Opens a server stream with `request`, waits until the server accepts it
// (initial metadata carrying platform::kStreamOpenKey) or refuses it (ends
// the call), and cancels it if accepted. Returns the refusal, or CANCELLED.
grpc::Status CallStream(grpc::GenericStub& stub,
                        const google::protobuf::MethodDescriptor* method,
                        const std::string& token, const std::string& request);

}  // namespace rentwave::fuzz
