#include "app/rest/grpc_call.h"

#include <grpcpp/support/slice.h>

#include <atomic>

#include "modules/platform/live_stream.h"

namespace rentwave::rest {
namespace {

void AddMetadata(const ForwardedMetadata& m, grpc::ClientContext* ctx) {
  if (!m.authorization.empty()) {
    ctx->AddMetadata("authorization", m.authorization);
  }
  if (!m.request_id.empty()) ctx->AddMetadata("x-request-id", m.request_id);
  if (!m.client_address.empty()) {
    ctx->AddMetadata("x-forwarded-for", m.client_address);
  }
}

grpc::ByteBuffer Serialize(const google::protobuf::Message& message) {
  grpc::Slice slice(message.SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

bool Parse(grpc::ByteBuffer* buffer, google::protobuf::Message* out) {
  grpc::Slice slice;
  return buffer->DumpToSingleSlice(&slice).ok() &&
         out->ParseFromArray(slice.begin(), static_cast<int>(slice.size()));
}

}  // namespace

grpc::Status CallUnary(grpc::GenericStub& stub, const std::string& method,
                       const ForwardedMetadata& metadata,
                       const google::protobuf::Message& request,
                       google::protobuf::Message* response) {
  grpc::ClientContext ctx;
  AddMetadata(metadata, &ctx);
  grpc::ByteBuffer request_bytes = Serialize(request), response_bytes;
  // The answer comes to a callback on one of gRPC's threads (the one that
  // ran the handler, for the in-process channel) and wakes this thread
  // through a condition variable: one futex, where a completion queue of
  // this thread's own would take an eventfd write, a poll and a read.
  struct Waiter {
    std::atomic<bool> published{false};
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    grpc::Status status;
  } waiter;
  // gRPC hands the callback to its thread inside its own (uninstrumented)
  // code; this release and the callback's acquire make that order visible
  // to ThreadSanitizer too.
  waiter.published.store(true, std::memory_order_release);
  stub.UnaryCall(&ctx, method, grpc::StubOptions(), &request_bytes,
                 &response_bytes, [&waiter](grpc::Status s) {
                   waiter.published.load(std::memory_order_acquire);
                   std::lock_guard<std::mutex> lock(waiter.mu);
                   waiter.status = std::move(s);
                   waiter.done = true;
                   waiter.cv.notify_one();
                 });
  std::unique_lock<std::mutex> lock(waiter.mu);
  waiter.cv.wait(lock, [&] { return waiter.done; });
  grpc::Status status = std::move(waiter.status);
  if (status.ok() && !Parse(&response_bytes, response)) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "unparsable response");
  }
  return status;
}

ServerStream::ServerStream(grpc::GenericStub& stub, const std::string& method,
                           const ForwardedMetadata& metadata,
                           const google::protobuf::Message& request)
    : request_(Serialize(request)) {
  AddMetadata(metadata, &context_);
  stub.PrepareBidiStreamingCall(&context_, method, grpc::StubOptions(), this);
  // Held until no read is pending and none will be: without it, gRPC may
  // end the call (OnDone, freeing the stream) between a message read and
  // the next StartRead, which would then touch a dead stream.
  AddHold();
  StartWriteLast(&request_, grpc::WriteOptions());
  StartRead(&incoming_);
  StartCall();
}

ServerStream::~ServerStream() {
  context_.TryCancel();
  std::unique_lock<std::mutex> lock(mu_);
  closing_ = true;
  // With no read pending, nothing else will release it; with one, its
  // completion will (OnReadDone), whether it failed or not.
  const bool release = !reading_ && !released_;
  if (release) released_ = true;
  lock.unlock();
  if (release) RemoveHold();
  lock.lock();
  cv_.wait(lock, [&] { return done_; });
}

ServerStream::Result ServerStream::Next(google::protobuf::Message* out,
                                        absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                    [&] { return has_message_ || done_; })) {
    return Result::kTimeout;
  }
  if (!has_message_) return Result::kEnd;
  has_message_ = false;
  const bool parsed = Parse(&incoming_, out);
  // Unparsable: no more reads; the hold goes so that the call can end.
  const bool release = !parsed && !released_;
  if (release) released_ = true;
  if (parsed) reading_ = true;
  lock.unlock();
  if (!parsed) {
    Cancel();
    if (release) RemoveHold();
    return Next(out, timeout);  // reports the cancelled end
  }
  StartRead(&incoming_);  // only after the consumer took the last one
  return Result::kMessage;
}

ServerStream::Result ServerStream::WaitOpen(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                    [&] { return open_ || has_message_ || done_; })) {
    return Result::kTimeout;
  }
  return open_ || has_message_ ? Result::kOpen : Result::kEnd;
}

void ServerStream::OnReadInitialMetadataDone(bool ok) {
  if (!ok) return;
  const auto& metadata = context_.GetServerInitialMetadata();
  const bool open = metadata.find(platform::kStreamOpenKey) != metadata.end();
  std::lock_guard<std::mutex> lock(mu_);
  open_ = open;
  cv_.notify_all();
}

void ServerStream::OnReadDone(bool ok) {
  bool release = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    reading_ = false;
    has_message_ = ok;
    // The stream is over (or cancelled), or nobody will read on: no read
    // will follow.
    release = (!ok || closing_) && !released_;
    if (release) released_ = true;
    cv_.notify_all();
  }
  if (release) RemoveHold();
}

void ServerStream::OnDone(const grpc::Status& status) {
  std::lock_guard<std::mutex> lock(mu_);
  status_ = status;
  done_ = true;
  cv_.notify_all();
}

}  // namespace rentwave::rest
