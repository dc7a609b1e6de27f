// The REST/JSON facade: an HTTP/1.1 server (cpp-httplib) that routes by the
// google.api.http rules and forwards every call through the same gRPC stack
// as native clients, over an in-process channel. Also serves /healthz,
// /readyz, /metrics and /openapi.json.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/generic/generic_stub.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "app/rest/route_table.h"
#include "modules/platform/metrics.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace rentwave::rest {

struct HttpGatewayOptions {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT; port 0 picks one
  int64_t max_body_bytes = 4 << 20;       // larger bodies get 413
  // Origins allowed by CORS ("*" for any); none by default.
  std::vector<std::string> cors_origins;
  // Worker threads; each keep-alive connection holds one while open.
  int threads = 128;
  // HTTPS with this PEM certificate chain and key when both are set.
  std::string tls_cert_path;
  std::string tls_key_path;
};

class HttpGateway {
 public:
  // `routes`, `metrics` and `ready` must outlive the gateway. `channel`
  // reaches the gRPC server (normally Server::InProcessChannel). `ready`
  // answers /readyz: OK if the service can take traffic.
  HttpGateway(const RouteTable& routes, std::shared_ptr<grpc::Channel> channel,
              HttpGatewayOptions options, platform::Metrics& metrics,
              std::string openapi_json, std::function<absl::Status()> ready);
  ~HttpGateway();  // Stops.

  // Binds and starts serving on a background thread. Errors: UNAVAILABLE
  // if the address cannot be bound, INVALID_ARGUMENT if it is malformed.
  absl::Status Start();
  int port() const { return port_; }
  // Stops accepting, closes connections and joins the thread. Idempotent.
  void Stop();

 private:
  void Handle(const httplib::Request& req, httplib::Response& res);
  // Answers the request; returns the method label for metrics.
  std::string Dispatch(const httplib::Request& req, httplib::Response& res);
  // Serves the RPC the route names (`grpc_method`, its gRPC name).
  void Transcode(const httplib::Request& req, httplib::Response& res,
                 const struct Route& route, const std::string& grpc_method,
                 std::vector<Binding> bindings);
  bool ServeBuiltin(const httplib::Request& req, httplib::Response& res);
  void AddCors(const httplib::Request& req, httplib::Response& res,
               const std::vector<std::string>& methods) const;

  const RouteTable& routes_;
  grpc::GenericStub stub_;  // over the in-process channel
  const HttpGatewayOptions options_;
  platform::Metrics& metrics_;
  const std::string openapi_json_;
  std::function<absl::Status()> ready_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace rentwave::rest
