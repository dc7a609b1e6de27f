#include "app/rest/grpc_call.h"

#include <grpcpp/support/slice.h>

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

// A completion queue for the calls of one thread, drained when it ends.
struct CallerQueue {
  ~CallerQueue() {
    queue.Shutdown();
    void* tag;
    bool ok;
    while (queue.Next(&tag, &ok)) {
    }
  }
  grpc::CompletionQueue queue;
};

}  // namespace

grpc::Status CallUnary(grpc::GenericStub& stub, const std::string& method,
                       const ForwardedMetadata& metadata,
                       const google::protobuf::Message& request,
                       google::protobuf::Message* response) {
  // The caller's own completion queue: the answer wakes the thread waiting
  // for it directly, rather than one of gRPC's callback threads that would
  // then have to hand it over.
  thread_local CallerQueue queue;
  grpc::ClientContext ctx;
  AddMetadata(metadata, &ctx);
  grpc::ByteBuffer request_bytes = Serialize(request), response_bytes;
  grpc::Status status;
  auto call = stub.PrepareUnaryCall(&ctx, method, request_bytes, &queue.queue);
  call->StartCall();
  call->Finish(&response_bytes, &status, &status);
  void* tag = nullptr;
  bool ok = false;
  // The queue serves one call at a time: its next event is this call's end.
  if (!queue.queue.Next(&tag, &ok) || tag != &status || !ok) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "the call did not finish");
  }
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
