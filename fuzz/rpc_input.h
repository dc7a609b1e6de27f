// What every part of rpc_fuzzer shares: the input format, the methods an
// input can call, the fixture's names that inputs refer to, and how a
// broken promise is reported.
//
// Input format:
//
//   byte 0   the method: an index into Methods() (every method of every
//            service in proto/rentwave/v1/*.proto, sorted by full name,
//            "/rentwave.v1.DevClock/Advance" first), modulo their number.
//            New RPCs are covered without a change here (make_corpus_rpc.py
//            recomputes the seeds' indexes).
//   byte 1   flags: bits 0-1 the caller (0 anonymous, 1 the owner, 2 the
//            renter, 3 the admin); kTamperFlag a tampered token instead of
//            the caller's; kRelativeTimeFlag every google.protobuf.Timestamp
//            in the request is relative to the server's (development)
//            clock; kRawFlag send bytes that do not parse as they are.
//            Other bits are ignored.
//   rest     the request message, protobuf wire format.
//
// The rest is parsed as the method's request type (what does not parse
// keeps the fields before the error), placeholders in its string fields are
// replaced by the ids of what the fixture made at startup (see
// World::MakeFixture in rpc_world.h: $OWNER, $RENTER, $ADMIN user ids;
// $BIKE, $BOOK listings; $ACTIVE, $FUTURE rentals; $DEPOSIT a transaction;
// $NOTE a notification) and the message is sent re-serialized. With the raw
// flag, bytes that do not parse are sent as they are: the server must
// refuse them cleanly.
#pragma once

#include <grpcpp/support/status.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace rentwave::fuzz {

// The fixture's users; kUsernames[i] is caller i (0 is anonymous).
inline constexpr const char* kUsernames[] = {"", "fz_owner", "fz_renter",
                                             "fz_admin"};
inline constexpr char kPassword[] = "fuzz-password-1";
// The development clock's start, in Unix seconds.
inline constexpr int64_t kStartSeconds = 1700000000;
// Byte 1 of an input: bits 0-1 the caller, then these.
inline constexpr uint8_t kTamperFlag = 4;
inline constexpr uint8_t kRelativeTimeFlag = 8;
inline constexpr uint8_t kRawFlag = 16;

// Reports a broken promise the way libFuzzer recognizes: a crash (prints
// "rpc_fuzzer: what: detail", detail C-escaped and cut at 600 bytes, then
// aborts).
[[noreturn]] void Fail(absl::string_view what, absl::string_view detail = "");
// Fail(what, detail) unless `ok`.
void Check(bool ok, absl::string_view what, absl::string_view detail = "");

// "OK", "CANCELLED", ... ("?" for a code gRPC does not define).
const char* CodeName(grpc::StatusCode code);

// Every method of every service in proto/rentwave/v1/*.proto (read from
// RENTWAVE_PROTO_DIR, a compile definition), sorted by full name; computed
// once. The server links every file it serves; one it does not is a
// declared but unserved API, and fails here.
const std::vector<const google::protobuf::MethodDescriptor*>& Methods();

// The method's gRPC path: "/rentwave.v1.Users/Login".
std::string PathOf(const google::protobuf::MethodDescriptor* method);

// The generated default instance of `type` (New() makes a request of it);
// fails if the type has no generated code.
const google::protobuf::Message& Prototype(
    const google::protobuf::Descriptor* type);

}  // namespace rentwave::fuzz
