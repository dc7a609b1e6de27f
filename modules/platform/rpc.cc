#include "modules/platform/rpc.h"

#include <google/protobuf/descriptor.pb.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "modules/platform/logging.h"
#include "modules/platform/status.h"

namespace rentwave::platform {
namespace {

absl::string_view Metadata(const grpc::CallbackServerContext& ctx,
                           absl::string_view key) {
  const auto& md = ctx.client_metadata();
  auto it = md.find(grpc::string_ref(key.data(), key.size()));
  if (it == md.end()) return {};
  return absl::string_view(it->second.data(), it->second.size());
}

// Client-supplied text is echoed into logs only if short and printable, so a
// client cannot forge log lines.
absl::string_view SafeForLog(absl::string_view id) {
  if (id.size() > 128) return "(too long)";
  for (char c : id) {
    if (!absl::ascii_isgraph(static_cast<unsigned char>(c))) return "(invalid)";
  }
  return id;
}

// The client's address. Calls from the REST facade arrive over the
// in-process channel, which forwards the HTTP client's address; only that
// channel is trusted to say so.
std::string Peer(const grpc::CallbackServerContext& ctx) {
  std::string peer = ctx.peer();
  absl::string_view forwarded = Metadata(ctx, "x-forwarded-for");
  // gRPC 1.51 names the in-process peer "unknown"; network peers are
  // always ipv4:, ipv6: or unix:.
  bool in_process = absl::StartsWith(peer, "inproc") || peer == "unknown";
  if (in_process && !forwarded.empty()) {
    return absl::StrCat("http:", SafeForLog(forwarded));
  }
  return peer;
}

// The client's host, without scheme or port: what per-address limits count.
// "ipv4:1.2.3.4:5" -> "1.2.3.4", "ipv6:[::1]:5" -> "[::1]",
// "http:1.2.3.4" -> "1.2.3.4".
std::string ClientHost(const grpc::CallbackServerContext& ctx) {
  std::string peer = Peer(ctx);
  absl::string_view host(peer);
  if (size_t colon = host.find(':'); colon != absl::string_view::npos) {
    host.remove_prefix(colon + 1);  // the scheme
  }
  if (!absl::StartsWith(peer, "http:")) {
    if (size_t port = host.rfind(':');
        port != absl::string_view::npos &&
        host.find(']', port) == absl::string_view::npos) {
      host = host.substr(0, port);
    }
  }
  return std::string(host);
}

// A monotonic time for the rate limiters: wall-clock steps must not refill
// or drain buckets.
absl::Time MonotonicNow() {
  return absl::FromUnixNanos(
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

absl::Status RateLimited(absl::string_view who, absl::Duration retry_after) {
  return absl::ResourceExhaustedError(
      absl::StrCat("rate limit: too many calls from this ", who, "; retry in ",
                   absl::ToInt64Milliseconds(retry_after) + 1, " ms"));
}

}  // namespace

RpcGate::RpcGate(const Authenticator& authenticator,
                 absl::flat_hash_set<std::string> public_methods,
                 Metrics& metrics, RpcGateOptions options)
    : authenticator_(authenticator),
      metrics_(metrics),
      public_methods_(std::move(public_methods)),
      default_deadline_(options.default_deadline),
      per_user_(options.per_user),
      per_address_(options.per_address),
      workers_(options.worker_threads) {}

void RpcGate::AddService(absl::string_view full_name) {
  const auto* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          std::string(full_name));
  if (service == nullptr) {
    spdlog::critical("service {} is not linked into the binary", full_name);
    std::abort();
  }
  for (int i = 0; i < service->method_count(); ++i) {
    const auto* method = service->method(i);
    std::string name =
        absl::StrCat("/", service->full_name(), "/", method->name());
    bool read_only = method->options().idempotency_level() ==
                     google::protobuf::MethodOptions::NO_SIDE_EFFECTS;
    auto [it, inserted] = method_by_request_.emplace(method->input_type(),
                                                     Method{name, read_only});
    if (!inserted) {
      spdlog::critical("request type {} is used by both {} and {}",
                       method->input_type()->full_name(), it->second.name,
                       name);
      std::abort();
    }
  }
}

absl::string_view RpcGate::MethodOf(
    const google::protobuf::Descriptor* request) const {
  auto it = method_by_request_.find(request);
  return it == method_by_request_.end() ? absl::string_view() : it->second.name;
}

absl::StatusOr<Caller> RpcGate::Identify(
    const grpc::CallbackServerContext& ctx) const {
  absl::string_view header = Metadata(ctx, "authorization");
  if (header.empty()) return Caller{};
  constexpr absl::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size() ||
      !absl::StartsWithIgnoreCase(header, kScheme)) {
    return absl::UnauthenticatedError(
        "authorization: expected 'Bearer <token>'");
  }
  return authenticator_.Authenticate(header.substr(kScheme.size()));
}

grpc::ServerUnaryReactor* RpcGate::Serve(
    grpc::CallbackServerContext* ctx, const google::protobuf::Message& request,
    Handler handler) const {
  const absl::Time start = absl::Now();
  auto it = method_by_request_.find(request.GetDescriptor());
  const Method* method = it == method_by_request_.end() ? nullptr : &it->second;
  // The reactor may finish before Serve returns it; the context stays valid
  // until it does.
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  if (method == nullptr || method->read_only) {
    Complete(ctx, reactor, method, handler, start);
  } else {
    workers_.Run([this, ctx, reactor, method, handler = std::move(handler),
                  start] { Complete(ctx, reactor, method, handler, start); });
  }
  return reactor;
}

absl::Status RpcGate::Admit(const grpc::CallbackServerContext& ctx,
                            const Method* method, Caller* caller) const {
  if (method == nullptr) {
    return absl::InternalError("no method registered for this request");
  }
  const absl::Time now = MonotonicNow();
  if (const std::string host = ClientHost(ctx);
      !per_address_.Allow(host, now)) {
    return RateLimited("address", per_address_.RetryAfter(host, now));
  }
  absl::StatusOr<Caller> identified = Identify(ctx);
  if (!identified.ok()) return identified.status();
  *caller = *std::move(identified);
  if (caller->authenticated() && !per_user_.Allow(caller->user_id, now)) {
    return RateLimited("user", per_user_.RetryAfter(caller->user_id, now));
  }
  if (!caller->authenticated() && !public_methods_.contains(method->name)) {
    return absl::UnauthenticatedError(
        "this method requires 'authorization: Bearer <token>'");
  }
  return absl::OkStatus();
}

void RpcGate::Complete(grpc::CallbackServerContext* ctx,
                       grpc::ServerUnaryReactor* reactor, const Method* method,
                       const Handler& handler, absl::Time start) const {
  Caller caller;
  absl::Status status = Admit(*ctx, method, &caller);
  if (status.ok() && ctx->IsCancelled()) {
    // Cancelled (deadline, client gone, shutdown) while queued for a
    // worker: the client has its answer already; do not act on it.
    status = absl::CancelledError("cancelled before it ran");
  } else if (status.ok() && absl::Now() - start > default_deadline_) {
    status = absl::DeadlineExceededError(absl::StrCat(
        "the server is overloaded: waited longer than ",
        absl::FormatDuration(default_deadline_), " to run; not done"));
  } else if (status.ok()) {
    status = handler(caller);
  }
  const absl::string_view name =
      method != nullptr ? absl::string_view(method->name) : absl::string_view();
  LogCall(*ctx, name, status, caller.user_id, absl::Now() - start, "");
  reactor->Finish(ToGrpcStatus(status));
}

void RpcGate::LogCall(const grpc::CallbackServerContext& ctx,
                      absl::string_view method, const absl::Status& status,
                      absl::string_view user_id, absl::Duration latency,
                      absl::string_view extra) const {
  std::string code = absl::StatusCodeToString(status.code());
  metrics_.Record("grpc", method, code, latency);
  absl::string_view request_id = SafeForLog(Metadata(ctx, "x-request-id"));
  if (IsSecretDetail(status)) {
    spdlog::error("rpc {} failed: {} user={} request_id={}", method,
                  status.ToString(), user_id, request_id);
  }
  spdlog::info("rpc {} code={} ms={:.3f}{} user={} request_id={} peer={}",
               method, code, absl::ToDoubleMilliseconds(latency), extra,
               user_id, request_id, Peer(ctx));
}

absl::StatusOr<Caller> RpcGate::BeginStream(
    const grpc::CallbackServerContext& ctx,
    const google::protobuf::Message& request) const {
  auto it = method_by_request_.find(request.GetDescriptor());
  Caller caller;
  RW_RETURN_IF_ERROR(Admit(
      ctx, it == method_by_request_.end() ? nullptr : &it->second, &caller));
  return caller;
}

void RpcGate::RunOnWorker(std::function<void()> work) const {
  workers_.Run(std::move(work));
}

bool RpcGate::Attach(LiveStreamBase* stream) const {
  std::lock_guard<std::mutex> lock(streams_mu_);
  if (streams_stopped_) return false;
  streams_.insert(stream);
  return true;
}

void RpcGate::Detach(LiveStreamBase* stream) const {
  std::lock_guard<std::mutex> lock(streams_mu_);
  streams_.erase(stream);
}

void RpcGate::StopStreams() const {
  std::lock_guard<std::mutex> lock(streams_mu_);
  streams_stopped_ = true;
  for (LiveStreamBase* stream : streams_) stream->Stop();
}

void RpcGate::Ended(const StreamCall& call, const absl::Status& status,
                    int64_t messages) const {
  LogCall(*call.context, call.method, status, call.user_id,
          absl::Now() - call.start, absl::StrCat(" messages=", messages));
}

}  // namespace rentwave::platform
