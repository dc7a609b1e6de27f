// The world rpc_fuzzer's inputs run in: one real app::Server per process
// (every module, the RpcGate, the late-fee timer, the development clock,
// minimum password cost, rate limits off) on a scratch database in /dev/shm
// (or /tmp), called over gRPC on a Unix socket, with a fixture made at
// startup (MakeFixture) that inputs name through placeholders (rpc_input.h).
//
// Contract:
//   - World::Get() starts all that on first use and registers AtExit with
//     atexit; the world is never destroyed (the server's threads outlive
//     static destruction).
//   - Run() makes one call per input (rpc_input.h gives the format):
//     server-streaming methods are opened, then cancelled once the server
//     has either accepted (initial metadata carrying
//     platform::kStreamOpenKey) or refused them. The server's state carries
//     over from input to input (as it would in production), so an input may
//     need those before it to fail again; the replay binary runs a
//     directory in sorted order.
//   - Besides crashes and sanitizer reports, Run() aborts (Fail) when:
//       - a call ends with INTERNAL or UNKNOWN (an unexpected exception or
//         SQLite error in a handler), or DATA_LOSS, UNIMPLEMENTED (a
//         declared RPC that is not served), UNAVAILABLE (nothing here may
//         fail to write) or DEADLINE_EXCEEDED (a hang). The one exception:
//         a request that does not parse gets UNIMPLEMENTED (or INTERNAL)
//         with no message from gRPC itself before any RentWave code runs,
//         which is accepted;
//       - every kVerifyEvery inputs, and AtExit: the invariants `rentwave
//         verify` checks (wallet::VerifyLedger, rentals::VerifyRentals,
//         platform::VerifyEventLog) fail on the server's database.
//   - Calls that end the fixture's sessions (Logout, Advance, an
//     UNAUTHENTICATED answer to a caller's own token) log the fixture's
//     users in again before the next input.
//
// Environment: RPC_FUZZER_VERBOSE=1 prints every call and its status;
// RPC_FUZZER_STATS=1 prints, at exit, how often each method answered with
// each status code.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/status.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "app/server.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "modules/platform/clock.h"
#include "modules/platform/db.h"

namespace rentwave::fuzz {

class World {
 public:
  // How often (in inputs) the database invariants are checked while
  // fuzzing; they are checked at exit too.
  static constexpr int kVerifyEvery = 500;

  // The one world of this process, started on first use.
  static World& Get();

  // Runs one input: one call, checked (see the contract above).
  void Run(const uint8_t* data, size_t size);

  // Checks the database and stops the server; registered with atexit.
  void AtExit();

 private:
  using MethodDescriptor = google::protobuf::MethodDescriptor;
  using Message = google::protobuf::Message;

  World();  // starts the server and makes the fixture

  // A crash (abort) skips AtExit: removes what processes no longer running
  // left in `base` (rpc_fuzzer-<pid>-*).
  static void RemoveStaleDirs(const std::string& base);

  // Fails unless `status` is an answer the server may give (see above).
  void CheckStatus(const MethodDescriptor* method, int caller, uint8_t flags,
                   bool parsed, const Message* request,
                   const grpc::Status& status);

  // A token whose signature no longer matches (or, for anonymous, a token
  // that is not one).
  static std::string Tamper(std::string token);

  // Replaces the placeholders in the string fields of `request`; with
  // `relative_time`, adds the server's clock to every Timestamp in it.
  void Substitute(Message* request, bool relative_time);

  // How each method answered: what the fuzzer got past validation.
  void PrintStats() const;

  // Fails if the `rentwave verify` checks find a problem in the database.
  void Verify();

  // The fixture (rpc_fixture.cc).

  // The method at `path`; fails if there is none.
  const MethodDescriptor* Find(absl::string_view path) const;
  // A fixture call that must succeed; returns the response.
  template <typename Response>
  Response Must(absl::string_view path, int caller,
                const std::string& request_text);
  // A fixture call (request in text format); fills `response` if it
  // succeeds.
  grpc::Status Try(absl::string_view path, int caller,
                   const std::string& request_text, Message* response);
  // Logs the fixture's users in (again): fresh tokens_.
  void LoginAll();
  // The users, listings, rentals, a deposit and a notification that the
  // placeholders name.
  void MakeFixture();

  rentwave::platform::ManualClock clock_;
  std::vector<const MethodDescriptor*> methods_;
  std::string dir_;
  std::unique_ptr<rentwave::app::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;
  std::unique_ptr<rentwave::platform::Database> verify_db_;
  std::string tokens_[4];    // by caller; [0] anonymous: none
  std::string user_ids_[4];  // by caller
  std::vector<std::pair<std::string, std::string>> placeholders_;
  int64_t runs_ = 0;
  bool verbose_ = false;  // RPC_FUZZER_VERBOSE set: print every call
  // Calls by method and status code (RPC_FUZZER_STATS set: printed at exit).
  std::map<const MethodDescriptor*, std::map<grpc::StatusCode, int64_t>> codes_;
};

}  // namespace rentwave::fuzz
