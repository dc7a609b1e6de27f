// The HTTP gateway against an in-process gRPC server with a test service:
// routing, status mapping, content checks, metadata, NDJSON streams, CORS
// and the built-in endpoints.
#include "app/rest/http_gateway.h"

#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "testdata/gateway_test.grpc.pb.h"

namespace rentwave::rest {
namespace {

namespace gw = rentwave::resttest::gateway;
using nlohmann::json;

std::string Metadata(grpc::CallbackServerContext* ctx, const std::string& key) {
  auto it = ctx->client_metadata().find(key);
  return it == ctx->client_metadata().end()
             ? ""
             : std::string(it->second.data(), it->second.size());
}

class EchoService final : public gw::Echo::CallbackService {
  grpc::ServerUnaryReactor* Say(grpc::CallbackServerContext* ctx,
                                const gw::SayRequest* req,
                                gw::SayResponse* res) override {
    res->set_text(req->text());
    res->set_times(req->times());
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(req->text() == "bad"
                        ? grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                       "text: \"bad\" is not allowed")
                        : grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* Whoami(grpc::CallbackServerContext* ctx,
                                   const gw::WhoamiRequest*,
                                   gw::WhoamiResponse* res) override {
    auto* reactor = ctx->DefaultReactor();
    res->set_authorization(Metadata(ctx, "authorization"));
    res->set_request_id(Metadata(ctx, "x-request-id"));
    res->set_forwarded_for(Metadata(ctx, "x-forwarded-for"));
    reactor->Finish(
        res->authorization().empty()
            ? grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "token required")
            : grpc::Status::OK);
    return reactor;
  }

  grpc::ServerWriteReactor<gw::CountResponse>* Count(
      grpc::CallbackServerContext*, const gw::CountRequest* req) override {
    class Counter : public grpc::ServerWriteReactor<gw::CountResponse> {
     public:
      explicit Counter(gw::CountRequest req) : req_(std::move(req)) { Next(); }
      void OnWriteDone(bool ok) override {
        if (ok)
          Next();
        else
          Finish(grpc::Status::CANCELLED);
      }
      void OnDone() override { delete this; }

     private:
      void Next() {
        if (i_ < req_.n()) {
          msg_.set_i(++i_);
          StartWrite(&msg_);
        } else if (req_.fail_code() != 0) {
          Finish(grpc::Status(static_cast<grpc::StatusCode>(req_.fail_code()),
                              "stream failed"));
        } else {
          Finish(grpc::Status::OK);
        }
      }
      gw::CountRequest req_;
      gw::CountResponse msg_;
      int i_ = 0;
    };
    return new Counter(*req);
  }
};

class HttpGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    auto table = RouteTable::Build(
        {gw::SayRequest::descriptor()->file()->FindServiceByName("Echo")});
    ASSERT_TRUE(table.ok()) << table.status();
    routes_ = *std::move(table);
    HttpGatewayOptions options;
    options.listen = "127.0.0.1:0";
    options.max_body_bytes = 1024;
    options.cors_origins = {"https://app.example"};
    options.threads = 8;
    gateway_ = std::make_unique<HttpGateway>(
        routes_, server_->InProcessChannel(grpc::ChannelArguments()), options,
        metrics_, R"({"openapi":"3.0.3"})", [this] { return ready_; });
    ASSERT_TRUE(gateway_->Start().ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", gateway_->port());
  }
  void TearDown() override {
    gateway_.reset();
    server_->Shutdown();
  }

  // Asserts a google.rpc.Status body with `code` and returns its message.
  static std::string StatusMessage(const httplib::Result& r, int code) {
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
    json body = json::parse(r->body);
    EXPECT_EQ(body["code"], code) << r->body;
    EXPECT_TRUE(body["details"].is_array());
    return body["message"];
  }

  EchoService service_;
  std::unique_ptr<grpc::Server> server_;
  RouteTable routes_;
  platform::Metrics metrics_;
  absl::Status ready_;
  std::unique_ptr<HttpGateway> gateway_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpGatewayTest, GetBindsPathAndQuery) {
  auto r = client_->Get("/v1/echo/hello%20world?times=3");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body),
            json::parse(R"({"text":"hello world","times":"3"})"));
}

TEST_F(HttpGatewayTest, TrailingSlashMatchesTheSameRoute) {
  auto r = client_->Get("/v1/echo/hi/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpGatewayTest, HeadIsGetWithoutTheBody) {
  auto r = client_->Head("/v1/echo/hi");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  EXPECT_TRUE(r->body.empty());
}

// httplib's routing pattern ".*" does not match a path that decodes to a
// line break; it answers those itself, whichever the method.
TEST_F(HttpGatewayTest, PathDecodingToALineBreakIsNotRouted) {
  for (const char* path : {"/v1/echo/a%0Ab", "/v1/echo/a%0Db"}) {
    auto get = client_->Get(path);
    ASSERT_TRUE(get);
    EXPECT_EQ(get->status, 404) << path;
    EXPECT_EQ(StatusMessage(get, 3), "malformed HTTP request") << path;
  }
}

TEST_F(HttpGatewayTest, PostBindsTheBody) {
  auto r = client_->Post("/v1/echo", R"({"text":"x","times":"2"})",
                         "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body)["times"], "2");
}

TEST_F(HttpGatewayTest, ErrorsAreStatusJsonWithTheMappedHttpCode) {
  client_->set_keep_alive(true);
  auto r = client_->Get("/v1/echo/bad");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(StatusMessage(r, 9), "text: \"bad\" is not allowed");
  // The request was read whole: the connection stays open.
  EXPECT_NE(r->get_header_value("Connection"), "close");
}

TEST_F(HttpGatewayTest, NoRouteIs404) {
  auto r = client_->Get("/v1/nothing");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  StatusMessage(r, 5);
}

TEST_F(HttpGatewayTest, WrongMethodIs405WithAllow) {
  auto r = client_->Delete("/v1/echo");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->get_header_value("Allow"), "POST");
  StatusMessage(r, 12);
}

TEST_F(HttpGatewayTest, WrongContentTypeIs415) {
  auto r =
      client_->Post("/v1/echo", "text=x", "application/x-www-form-urlencoded");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 415);
  StatusMessage(r, 3);
}

TEST_F(HttpGatewayTest, MalformedJsonIs400) {
  auto r = client_->Post("/v1/echo", R"({"text":)", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  StatusMessage(r, 3);
}

TEST_F(HttpGatewayTest, UnknownJsonFieldIs400NamingIt) {
  auto r = client_->Post("/v1/echo", R"({"text":"x","colour":"red"})",
                         "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(StatusMessage(r, 3).find("colour"), std::string::npos);
}

TEST_F(HttpGatewayTest, UnknownQueryParameterIs400NamingIt) {
  auto r = client_->Get("/v1/echo/x?colour=red");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(StatusMessage(r, 3).find("colour"), std::string::npos);
}

TEST_F(HttpGatewayTest, OversizedBodyIs413) {
  client_->set_keep_alive(true);
  std::string big = R"({"text":")" + std::string(4096, 'a') + R"("})";
  auto r = client_->Post("/v1/echo", big, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  StatusMessage(r, 3);
  // The body was not read: the connection is not used for another request.
  EXPECT_EQ(r->get_header_value("Connection"), "close");
}

TEST_F(HttpGatewayTest, UnauthenticatedIs401WithChallenge) {
  auto r = client_->Get("/v1/whoami");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->get_header_value("WWW-Authenticate"), "Bearer");
  StatusMessage(r, 16);
}

TEST_F(HttpGatewayTest, ForwardsAuthorizationRequestIdAndClientAddress) {
  auto r = client_->Get("/v1/whoami", {{"Authorization", "Bearer abc"},
                                       {"X-Request-Id", "req-1"}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  json body = json::parse(r->body);
  EXPECT_EQ(body["authorization"], "Bearer abc");
  EXPECT_EQ(body["requestId"], "req-1");
  EXPECT_EQ(body["forwardedFor"], "127.0.0.1");
}

TEST_F(HttpGatewayTest, ServerStreamIsNdjson) {
  auto r = client_->Get("/v1/count/3");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/x-ndjson");
  EXPECT_EQ(r->body, "{\"i\":1}\n{\"i\":2}\n{\"i\":3}\n");
}

TEST_F(HttpGatewayTest, StreamErrorAfterStartIsAFinalErrorLine) {
  auto r = client_->Get("/v1/count/2?failCode=10");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  std::vector<std::string> lines;
  std::stringstream in(r->body);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 3u) << r->body;
  json error = json::parse(lines[2]);
  EXPECT_EQ(error["error"]["code"], 10);
  EXPECT_EQ(error["error"]["message"], "stream failed");
}

TEST_F(HttpGatewayTest, StreamErrorBeforeStartIsAnHttpError) {
  auto r = client_->Get("/v1/count/0?fail_code=7");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  StatusMessage(r, 7);
}

TEST_F(HttpGatewayTest, CorsPreflightForAllowedOrigin) {
  auto r =
      client_->Options("/v1/echo", {{"Origin", "https://app.example"},
                                    {"Access-Control-Request-Method", "POST"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(r->get_header_value("Access-Control-Allow-Origin"),
            "https://app.example");
  EXPECT_EQ(r->get_header_value("Access-Control-Allow-Methods"), "POST");
  auto get = client_->Get("/v1/echo/x", {{"Origin", "https://app.example"}});
  EXPECT_EQ(get->get_header_value("Access-Control-Allow-Origin"),
            "https://app.example");
}

TEST_F(HttpGatewayTest, CorsRefusesOtherOrigins) {
  auto r = client_->Options("/v1/echo", {{"Origin", "https://evil.example"}});
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->has_header("Access-Control-Allow-Origin"));
  auto get = client_->Get("/v1/echo/x", {{"Origin", "https://evil.example"}});
  EXPECT_FALSE(get->has_header("Access-Control-Allow-Origin"));
}

TEST_F(HttpGatewayTest, BuiltinEndpoints) {
  EXPECT_EQ(client_->Get("/healthz")->status, 200);
  EXPECT_EQ(client_->Get("/readyz")->status, 200);
  ready_ = absl::UnavailableError("database unreachable");
  auto not_ready = client_->Get("/readyz");
  EXPECT_EQ(not_ready->status, 503);
  EXPECT_EQ(StatusMessage(not_ready, 14), "database unreachable");
  EXPECT_EQ(client_->Get("/openapi.json")->body, R"({"openapi":"3.0.3"})");
  client_->Get("/v1/echo/x");
  std::string metrics = client_->Get("/metrics")->body;
  EXPECT_NE(
      metrics.find(
          R"(rentwave_requests_total{protocol="http",method="/rentwave.resttest.gateway.Echo/Say",code="200"} 1)"),
      std::string::npos)
      << metrics;
}

}  // namespace
}  // namespace rentwave::rest
