#include "app/rest/http_gateway.h"

#include <arpa/inet.h>
#include <google/protobuf/message.h>
#include <httplib.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "app/rest/grpc_call.h"
#include "app/rest/http_server.h"
#include "app/rest/socket_workarounds.h"
#include "app/rest/transcoder.h"
#include "modules/platform/status.h"

namespace rentwave::rest {
namespace {

constexpr char kJson[] = "application/json";

void SendStatus(httplib::Response& res, grpc::StatusCode code,
                absl::string_view message) {
  res.status = HttpStatusFor(code);
  if (code == grpc::StatusCode::UNAUTHENTICATED) {
    res.set_header("WWW-Authenticate", "Bearer");
  }
  res.set_content(StatusJson(code, message), kJson);
}

// Splits "HOST:PORT" (also "[v6]:PORT").
bool SplitHostPort(const std::string& listen, std::string* host, int* port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  *host = listen.substr(0, colon);
  if (host->size() > 1 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  return !host->empty() && absl::SimpleAtoi(listen.substr(colon + 1), port) &&
         *port >= 0 && *port <= 65535;
}

// httplib reads a body only for POST, PUT, PATCH and DELETE.
bool HasUnreadBody(const httplib::Request& req) {
  bool reads_body = req.method == "POST" || req.method == "PUT" ||
                    req.method == "PATCH" || req.method == "DELETE";
  if (reads_body) return false;
  return req.has_header("Transfer-Encoding") ||
         req.get_header_value("Content-Length", 0).find_first_not_of("0") !=
             std::string::npos;
}

bool IsJson(const std::string& content_type) {
  std::string type =
      absl::AsciiStrToLower(content_type.substr(0, content_type.find(';')));
  return absl::StripAsciiWhitespace(type) == kJson;
}

const google::protobuf::Message& Prototype(
    const google::protobuf::Descriptor* type) {
  return *google::protobuf::MessageFactory::generated_factory()->GetPrototype(
      type);
}

// Streams NDJSON: one message per line, flushed per message; an error after
// the stream opened is a final {"error": Status} line. A client that goes
// away cancels the call (checked at least every second, also while idle).
void StreamNdjson(std::shared_ptr<ServerStream> stream,
                  std::unique_ptr<google::protobuf::Message> prototype,
                  const Route& route, httplib::Response& res) {
  res.set_chunked_content_provider(
      "application/x-ndjson",
      [stream,
       message =
           std::shared_ptr<google::protobuf::Message>(std::move(prototype)),
       &route](size_t, httplib::DataSink& sink) {
        for (;;) {
          if (!sink.is_writable()) {
            stream->Cancel();  // the client went away
            return false;
          }
          auto result = stream->Next(message.get(), absl::Seconds(1));
          if (result == ServerStream::Result::kTimeout) continue;
          if (result == ServerStream::Result::kEnd) break;
          std::string line = RenderResponse(route, *message) + "\n";
          if (!sink.write(line.data(), line.size())) {
            stream->Cancel();
            return false;
          }
        }
        const grpc::Status& status = stream->status();
        if (!status.ok()) {
          std::string line =
              "{\"error\":" +
              StatusJson(status.error_code(), status.error_message()) + "}\n";
          sink.write(line.data(), line.size());
        }
        sink.done();
        return true;
      });
}

}  // namespace

HttpGateway::HttpGateway(const RouteTable& routes,
                         std::shared_ptr<grpc::Channel> channel,
                         HttpGatewayOptions options, platform::Metrics& metrics,
                         std::string openapi_json,
                         std::function<absl::Status()> ready)
    : routes_(routes),
      stub_(std::move(channel)),
      options_(std::move(options)),
      metrics_(metrics),
      openapi_json_(std::move(openapi_json)),
      ready_(std::move(ready)),
      server_(options_.tls_cert_path.empty()
                  ? std::unique_ptr<httplib::Server>(
                        std::make_unique<KeepAliveServer>())
                  : std::make_unique<httplib::SSLServer>(
                        options_.tls_cert_path.c_str(),
                        options_.tls_key_path.c_str())) {}

HttpGateway::~HttpGateway() { Stop(); }

absl::Status HttpGateway::Start() {
  std::string host;
  int port = 0;
  if (!SplitHostPort(options_.listen, &host, &port)) {
    return absl::InvalidArgumentError(
        "--http-listen: expected HOST:PORT, got '" + options_.listen + "'");
  }
  if (!server_->is_valid()) {
    return absl::InvalidArgumentError(
        "cannot load the TLS certificate and key for HTTPS");
  }
  int threads = options_.threads;
  server_->new_task_queue = [threads] {
    return new httplib::ThreadPool(threads);
  };
  server_->set_tcp_nodelay(true);  // else ~40 ms per response (Nagle)
  server_->set_payload_max_length(static_cast<size_t>(options_.max_body_bytes));
  server_->set_keep_alive_max_count(10000);
  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    Handle(req, res);
  };
  // Requests without a body to read are taken before httplib's routing,
  // which would only match them against ".*" (a std::regex match per
  // request). Methods with a body must go through it: it reads the body.
  // So must a path that decodes to a line break, which ".*" does not match
  // (httplib answers those 404 itself).
  server_->set_pre_routing_handler(
      [this](const httplib::Request& req, httplib::Response& res) {
        if ((req.method != "GET" && req.method != "HEAD" &&
             req.method != "OPTIONS") ||
            req.path.find_first_of("\r\n") != std::string::npos) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        Handle(req, res);
        return httplib::Server::HandlerResponse::Handled;
      });
  server_->Get(".*", handler);
  server_->Post(".*", handler);
  server_->Put(".*", handler);
  server_->Patch(".*", handler);
  server_->Delete(".*", handler);
  server_->Options(".*", handler);
  // httplib's own errors (413 for an oversized body, 400 for a bad request
  // line) get a JSON Status body too, never an HTML page. Part of such a
  // request may be unread: the connection closes after the answer
  // (KeepAliveServer), and says so.
  server_->set_error_handler([](const httplib::Request& req,
                                httplib::Response& res) {
    if (!res.body.empty()) return;
    CloseAfterHttplibError(req, res);
    int http = res.status;
    res.set_content(http == 413 ? StatusJson(grpc::StatusCode::INVALID_ARGUMENT,
                                             "request body too large")
                                : StatusJson(grpc::StatusCode::INVALID_ARGUMENT,
                                             "malformed HTTP request"),
                    kJson);
    res.status = http;
  });
  server_->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        SendStatus(res, grpc::StatusCode::INTERNAL, "internal error");
      });
  port_ = port == 0 ? server_->bind_to_any_port(host)
                    : (server_->bind_to_port(host, port) ? port : -1);
  if (port_ <= 0) {
    port_ = 0;
    return absl::UnavailableError("cannot listen on " + options_.listen +
                                  " (address in use or not permitted)");
  }
  RaiseListenBacklog(port_);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // httplib's stop() is a no-op until the accept loop runs; wait for it so
  // that an early Stop() cannot leave the thread accepting forever.
  for (int waited_ms = 0; !server_->is_running(); ++waited_ms) {
    if (waited_ms == 10000) {
      return absl::UnavailableError("HTTP server did not start accepting");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return absl::OkStatus();
}

void HttpGateway::Stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

void HttpGateway::AddCors(const httplib::Request& req, httplib::Response& res,
                          const std::vector<std::string>& methods) const {
  std::string origin = req.get_header_value("Origin");
  if (origin.empty()) return;
  bool allowed = std::any_of(
      options_.cors_origins.begin(), options_.cors_origins.end(),
      [&](const std::string& o) { return o == "*" || o == origin; });
  if (!allowed) return;
  res.set_header("Access-Control-Allow-Origin", origin);
  res.set_header("Vary", "Origin");
  if (req.method == "OPTIONS") {
    res.set_header("Access-Control-Allow-Methods",
                   absl::StrJoin(methods, ", "));
    res.set_header("Access-Control-Allow-Headers",
                   "authorization, content-type, x-request-id");
    res.set_header("Access-Control-Max-Age", "600");
  } else {
    res.set_header("Access-Control-Expose-Headers", "www-authenticate");
  }
}

bool HttpGateway::ServeBuiltin(const httplib::Request& req,
                               httplib::Response& res) {
  if (req.method != "GET") return false;
  res.status = 200;
  if (req.path == "/healthz") {
    res.set_content(R"({"status":"ok"})", kJson);
  } else if (req.path == "/readyz") {
    absl::Status ready = ready_();
    if (ready.ok()) {
      res.set_content(R"({"status":"ready"})", kJson);
    } else {
      SendStatus(res, grpc::StatusCode::UNAVAILABLE, ready.message());
    }
  } else if (req.path == "/metrics") {
    res.set_content(metrics_.Prometheus(), "text/plain; version=0.0.4");
  } else if (req.path == "/openapi.json") {
    res.set_content(openapi_json_, kJson);
  } else {
    res.status = -1;
    return false;
  }
  return true;
}

void HttpGateway::Handle(const httplib::Request& req, httplib::Response& res) {
  absl::Time start = absl::Now();
  std::string method = Dispatch(req, res);
  metrics_.Record("http", method, std::to_string(res.status),
                  absl::Now() - start);
}

std::string HttpGateway::Dispatch(const httplib::Request& req,
                                  httplib::Response& res) {
  if (HasUnreadBody(req)) {
    // Refused on the wire: httplib left the body unread, and it would
    // otherwise be parsed as the next request on this connection.
    std::string body = StatusJson(grpc::StatusCode::INVALID_ARGUMENT,
                                  req.method + " requests take no body");
    RespondAndClose(
        req.remote_addr, req.remote_port, port_,
        absl::StrCat("HTTP/1.1 400 Bad Request\r\n"
                     "Content-Type: application/json\r\n"
                     "Content-Length: ",
                     body.size(), "\r\nConnection: close\r\n\r\n", body));
    res.status = 400;
    return "unmatched";
  }
  if (ServeBuiltin(req, res)) return req.path;
  // Match on the raw path: the template decides how to percent-decode.
  std::string raw_path = req.target.substr(0, req.target.find('?'));
  RouteTable::Lookup found = routes_.Find(req.method, raw_path);
  if (found.outcome == RouteTable::Outcome::kNotFound) {
    SendStatus(res, grpc::StatusCode::NOT_FOUND,
               "no route for " + req.method + " " + req.path);
    return "unmatched";
  }
  if (req.method == "OPTIONS") {
    // No route has method OPTIONS, so `allowed` lists every method whose
    // route matches the path: what a CORS preflight may ask for.
    res.status = 204;
    AddCors(req, res, found.allowed);
    return "preflight";
  }
  AddCors(req, res, {});
  if (found.outcome == RouteTable::Outcome::kMethodNotAllowed) {
    res.set_header("Allow", absl::StrJoin(found.allowed, ", "));
    res.status = 405;
    res.set_content(StatusJson(grpc::StatusCode::UNIMPLEMENTED,
                               req.method + " is not allowed on " + req.path),
                    kJson);
    return "unmatched";
  }
  std::string grpc_method = found.route->grpc_method();
  Transcode(req, res, *found.route, grpc_method, std::move(found.bindings));
  return grpc_method;
}

void HttpGateway::Transcode(const httplib::Request& req, httplib::Response& res,
                            const Route& route, const std::string& grpc_method,
                            std::vector<Binding> bindings) {
  if (!req.body.empty() && !route.body.empty() &&
      !IsJson(req.get_header_value("Content-Type"))) {
    res.status = 415;
    res.set_content(StatusJson(grpc::StatusCode::INVALID_ARGUMENT,
                               "Content-Type must be application/json"),
                    kJson);
    return;
  }
  HttpRequestParts parts;
  parts.bindings = std::move(bindings);
  parts.query.assign(req.params.begin(), req.params.end());
  parts.body = req.body;
  std::unique_ptr<google::protobuf::Message> request(
      Prototype(route.method->input_type()).New());
  if (absl::Status built = BuildRequest(route, parts, request.get());
      !built.ok()) {
    grpc::Status status = platform::ToGrpcStatus(built);
    SendStatus(res, status.error_code(), status.error_message());
    return;
  }
  ForwardedMetadata metadata{req.get_header_value("Authorization"),
                             req.get_header_value("X-Request-Id"),
                             req.remote_addr};
  std::unique_ptr<google::protobuf::Message> response(
      Prototype(route.method->output_type()).New());
  if (route.method->server_streaming()) {
    auto stream =
        std::make_shared<ServerStream>(stub_, grpc_method, metadata, *request);
    ServerStream::Result opened;
    while ((opened = stream->WaitOpen(absl::Seconds(1))) ==
           ServerStream::Result::kTimeout) {
    }
    if (opened == ServerStream::Result::kEnd) {
      const grpc::Status& status = stream->status();
      if (!status.ok()) {
        SendStatus(res, status.error_code(), status.error_message());
      } else {
        res.set_content("", "application/x-ndjson");
      }
      return;
    }
    // Headers go out once the stream is open, so an error before that
    // still gets its proper HTTP status.
    StreamNdjson(std::move(stream), std::move(response), route, res);
    res.status = 200;
    return;
  }
  grpc::Status status =
      CallUnary(stub_, grpc_method, metadata, *request, response.get());
  if (!status.ok()) {
    SendStatus(res, status.error_code(), status.error_message());
  } else {
    res.status = 200;
    res.set_content(RenderResponse(route, *response), kJson);
  }
}

}  // namespace rentwave::rest
