#include "rpc_calls.h"

#include <grpcpp/support/client_callback.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "modules/platform/live_stream.h"
#include "rpc_input.h"

namespace rentwave::fuzz {
namespace {

using google::protobuf::MethodDescriptor;

// Longer than any call may take; libFuzzer's -timeout usually fires first.
constexpr auto kCallDeadline = std::chrono::seconds(30);

// Waits for one callback call (unary or stream) to finish.
class Done {
 public:
  void Set(const grpc::Status& status) {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
    done_ = true;
    cv_.notify_all();
  }
  grpc::Status Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return done_; });
    return status_;
  }
  // False if the call is still running after `timeout`.
  bool WaitFor(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [this] { return done_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  grpc::Status status_;
};

// A server-streaming call seen from the client: one request written, then
// reads until the server sends its initial metadata (accepted) or ends the
// call (refused).
class StreamProbe final
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  void OnReadInitialMetadataDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    headers_ = true;
    cv_.notify_all();
  }
  void OnReadDone(bool ok) override {
    // One message is enough to know the stream is open; the rest is not
    // read (flow control holds the server back, which is fine).
  }
  void OnDone(const grpc::Status& status) override { done_.Set(status); }

  // Waits until the server has answered with headers or ended the call.
  bool WaitForHeaders(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [this] { return headers_; });
  }
  Done& done() { return done_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool headers_ = false;
  Done done_;
};

}  // namespace

grpc::Status CallUnary(grpc::GenericStub& stub, const MethodDescriptor* method,
                       const std::string& token, const std::string& request,
                       grpc::ByteBuffer* response) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  grpc::Slice slice(request);
  grpc::ByteBuffer in(&slice, 1), out;
  Done done;
  stub.UnaryCall(&ctx, PathOf(method), grpc::StubOptions(), &in,
                 response != nullptr ? response : &out,
                 [&done](grpc::Status s) { done.Set(s); });
  return done.Wait();
}

grpc::Status CallStream(grpc::GenericStub& stub, const MethodDescriptor* method,
                        const std::string& token, const std::string& request) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  grpc::Slice slice(request);
  grpc::ByteBuffer in(&slice, 1), out;
  StreamProbe probe;
  stub.PrepareBidiStreamingCall(&ctx, PathOf(method), grpc::StubOptions(),
                                &probe);
  probe.StartWriteLast(&in, grpc::WriteOptions());
  probe.StartRead(&out);
  probe.StartCall();
  if (probe.WaitForHeaders(kCallDeadline) &&
      ctx.GetServerInitialMetadata().count(rentwave::platform::kStreamOpenKey) >
          0) {
    ctx.TryCancel();
  }
  return probe.done().Wait();
}

}  // namespace rentwave::fuzz
