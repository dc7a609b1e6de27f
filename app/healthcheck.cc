#include "app/healthcheck.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>

#include <chrono>
#include <cstdio>

#include "grpc/health/v1/health.grpc.pb.h"

namespace rentwave::app {

int RunHealthcheck(const std::string& target) {
  auto channel =
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
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
