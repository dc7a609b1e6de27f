// The gate every RentWave RPC handler passes through: it names the method,
// authenticates the caller, enforces the public-method allow-list, maps the
// handler's absl::Status to gRPC, and writes one access-log line per call
// (per stream, when it ends).
#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include <functional>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "modules/platform/live_stream.h"
#include "modules/platform/metrics.h"
#include "modules/platform/rate_limiter.h"
#include "modules/platform/worker_pool.h"

namespace rentwave::platform {

// Who is calling. user_id is empty for an anonymous caller.
struct Caller {
  std::string user_id;
  std::string token_id;  // the presented token's id (jti)
  absl::Time token_expiry;
  bool authenticated() const { return !user_id.empty(); }
};

// Verifies bearer tokens. Implementations are thread-safe.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Returns the caller a token belongs to. Errors: UNAUTHENTICATED for a
  // malformed, tampered, expired or revoked token.
  virtual absl::StatusOr<Caller> Authenticate(
      absl::string_view token) const = 0;
};

struct RpcGateOptions {
  // Threads for the methods that may block (see RpcGate).
  int worker_threads = 64;
  // Calls per authenticated user, and per client address (IP) whoever
  // calls; over the limit a call is RESOURCE_EXHAUSTED (HTTP 429).
  RateLimit per_user;
  RateLimit per_address;
  // The longest a unary call may wait for a worker before it runs; past it
  // the call is DEADLINE_EXCEEDED without running (so an overloaded server
  // sheds work nobody waits for any more). Client deadlines apply too.
  absl::Duration default_deadline = absl::Seconds(30);
};

class RpcGate final : public StreamHost {
 public:
  // `public_methods`: full method names ("/pkg.Service/Method") callable
  // without a token. Every other method requires one. Each call is recorded
  // in `metrics`. Both references must outlive the gate. Methods that may
  // block (all but those marked idempotency_level = NO_SIDE_EFFECTS) run on
  // a pool of `options.worker_threads`, never on gRPC's few callback threads: a
  // write waiting for its group commit must not stall the server, and the
  // more writes wait at once, the more share a commit.
  RpcGate(const Authenticator& authenticator,
          absl::flat_hash_set<std::string> public_methods, Metrics& metrics,
          RpcGateOptions options);

  // Makes the methods of the service named `full_name` (linked into the
  // binary) known to Serve. Each request message type must belong to exactly
  // one method (the API convention `<Method>Request`); a second use, or an
  // unknown service, aborts at startup. Not thread-safe: call before serving.
  void AddService(absl::string_view full_name);

  // A method's work: fills the response, returns the call's status. It may
  // run after Serve returned, on another thread: it must capture what it
  // uses by value (the request and response outlive it).
  using Handler = std::function<absl::Status(const Caller&)>;

  // Serves one unary call: applies the rate limits, authenticates (a
  // present but invalid token is UNAUTHENTICATED even on a public method),
  // rejects anonymous calls to non-public methods with UNAUTHENTICATED, runs
  // `handler` with the caller (inline for read-only methods, else on the worker
  // pool), and finishes the call with its status. Thread-safe.
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* ctx,
                                  const google::protobuf::Message& request,
                                  Handler handler) const;

  // Serves one server-streaming call: authenticates like Serve, then runs
  // `open` with the caller (inline; it validates the request and may
  // refuse) and streams the feed it returns until the client cancels, the
  // feed fails, or StopStreams. Thread-safe.
  template <typename Message>
  grpc::ServerWriteReactor<Message>* ServeStream(
      grpc::CallbackServerContext* ctx,
      const google::protobuf::Message& request,
      const std::function<absl::StatusOr<Feed<Message>>(const Caller&)>& open)
      const {
    absl::StatusOr<Caller> caller = BeginStream(*ctx, request);
    absl::StatusOr<Feed<Message>> feed =
        caller.ok() ? open(*caller) : caller.status();
    return new LiveStream<Message>(
        *this,
        StreamCall{ctx, std::string(MethodOf(request.GetDescriptor())),
                   caller.ok() ? caller->user_id : "", absl::Now()},
        std::move(feed));
  }

  // Ends every live stream with UNAVAILABLE and refuses new ones. Call
  // before shutting the gRPC server down: it would otherwise wait out its
  // whole grace period for streams that never end on their own.
  void StopStreams() const;

  // The full method name a request type belongs to, or "" if unknown.
  absl::string_view MethodOf(const google::protobuf::Descriptor* request) const;

  const absl::flat_hash_set<std::string>& public_methods() const {
    return public_methods_;
  }

 private:
  struct Method {
    std::string name;  // "/pkg.Service/Method"
    bool read_only;    // idempotency_level = NO_SIDE_EFFECTS
  };
  absl::StatusOr<Caller> Identify(const grpc::CallbackServerContext& ctx) const;
  // The caller of a stream of `request`'s method, as Complete decides it.
  absl::StatusOr<Caller> BeginStream(
      const grpc::CallbackServerContext& ctx,
      const google::protobuf::Message& request) const;
  // StreamHost.
  void RunOnWorker(std::function<void()> work) const override;
  bool Attach(LiveStreamBase* stream) const override;
  void Detach(LiveStreamBase* stream) const override;
  void Ended(const StreamCall& call, const absl::Status& status,
             int64_t messages) const override;
  // Records a finished call: metrics and one access-log line (plus `extra`).
  void LogCall(const grpc::CallbackServerContext& ctx, absl::string_view method,
               const absl::Status& status, absl::string_view user_id,
               absl::Duration latency, absl::string_view extra) const;
  // The call's status as decided before its handler runs: unknown method,
  // bad token, anonymous caller of a non-public method.
  absl::Status Admit(const grpc::CallbackServerContext& ctx,
                     const Method* method, Caller* caller) const;
  // Authenticates, runs `handler` and finishes the call through `reactor`;
  // `method` is null for an unregistered request type.
  void Complete(grpc::CallbackServerContext* ctx,
                grpc::ServerUnaryReactor* reactor, const Method* method,
                const Handler& handler, absl::Time start) const;

  const Authenticator& authenticator_;
  Metrics& metrics_;
  absl::flat_hash_set<std::string> public_methods_;
  absl::flat_hash_map<const google::protobuf::Descriptor*, Method>
      method_by_request_;
  const absl::Duration default_deadline_;
  mutable RateLimiter per_user_;
  mutable RateLimiter per_address_;
  mutable std::mutex streams_mu_;
  mutable absl::flat_hash_set<LiveStreamBase*> streams_
      ABSL_GUARDED_BY(streams_mu_);
  mutable bool streams_stopped_ ABSL_GUARDED_BY(streams_mu_) = false;
  // Declared last: destroyed first, finishing the calls queued on it while
  // everything they use still exists.
  mutable WorkerPool workers_;
};

}  // namespace rentwave::platform
