// Calls into the gRPC server from the REST facade with a generic stub, so no
// route needs generated client code.
#pragma once

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/client_callback.h>

#include <condition_variable>
#include <mutex>
#include <string>

#include "absl/time/time.h"
#include "google/protobuf/message.h"

namespace rentwave::rest {

// What an HTTP request forwards to gRPC as metadata.
struct ForwardedMetadata {
  std::string authorization;   // the Authorization header, verbatim
  std::string request_id;      // X-Request-Id
  std::string client_address;  // the HTTP client's address
};

// Makes one unary call of `method` ("/pkg.Service/Method") and parses the
// answer into `response`. Blocks. Thread-safe.
grpc::Status CallUnary(grpc::GenericStub& stub, const std::string& method,
                       const ForwardedMetadata& metadata,
                       const google::protobuf::Message& request,
                       google::protobuf::Message* response);

// One server-streaming call, read message by message. Create, then call
// Next until it returns kEnd, then status(). Destroying it cancels the call
// if it is still running. Not thread-safe: one reader.
class ServerStream final
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  ServerStream(grpc::GenericStub& stub, const std::string& method,
               const ForwardedMetadata& metadata,
               const google::protobuf::Message& request);
  ~ServerStream() override;

  enum class Result { kMessage, kTimeout, kEnd, kOpen };
  // Waits up to `timeout` for the server to open the stream: kOpen once it
  // sent a message, or initial metadata carrying kStreamOpenKey (a server
  // that says so before it has anything to send); kEnd if the call ended
  // first (see status()); else kTimeout.
  Result WaitOpen(absl::Duration timeout);
  // Waits up to `timeout` for the next message and parses it into `out`.
  // kEnd: the call finished (see status()); kTimeout: nothing yet.
  Result Next(google::protobuf::Message* out, absl::Duration timeout);
  // The final status; valid after Next returned kEnd.
  const grpc::Status& status() const { return status_; }
  // Cancels the call (e.g. the HTTP client went away).
  void Cancel() { context_.TryCancel(); }

  void OnReadInitialMetadataDone(bool ok) override;
  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  grpc::ClientContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer incoming_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;  // initial metadata said so
  bool has_message_ = false;
  bool reading_ = true;    // a read is pending (one starts with the call)
  bool closing_ = false;   // the destructor runs: no more reads
  bool released_ = false;  // the hold taken at the start
  bool done_ = false;
  grpc::Status status_;
};

}  // namespace rentwave::rest
