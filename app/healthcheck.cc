#include "app/healthcheck.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "grpc/health/v1/health.grpc.pb.h"

namespace rentwave::app {

int RunHealthcheck(const std::string& target, const std::string& tls_cert,
                   const std::string& tls_server_name) {
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      grpc::InsecureChannelCredentials();
  grpc::ChannelArguments args;
  if (!tls_cert.empty()) {
    std::ifstream in(tls_cert);
    std::ostringstream pem;
    if (!in || !(pem << in.rdbuf())) {
      std::fprintf(stderr, "rentwave healthcheck: cannot read %s\n",
                   tls_cert.c_str());
      return 1;
    }
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = pem.str();
    credentials = grpc::SslCredentials(ssl);
    args.SetSslTargetNameOverride(tls_server_name);
  }
  auto channel = grpc::CreateCustomChannel(target, credentials, args);
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&ctx, request, &response);
  if (!status.ok()) {
    std::fprintf(stderr, "rentwave healthcheck: %s: %s\n", target.c_str(),
                 status.error_message().c_str());
    return 1;
  }
  if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    std::fprintf(stderr, "rentwave healthcheck: %s: not serving\n",
                 target.c_str());
    return 1;
  }
  return 0;
}

}  // namespace rentwave::app
