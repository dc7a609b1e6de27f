#include "bench/greeter_server.h"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <stdexcept>

#include "helloworld.grpc.pb.h"

namespace rentwave::bench {
namespace {

using helloworld::Greeter;
using helloworld::HelloReply;
using helloworld::HelloRequest;

class CallbackGreeter final : public Greeter::CallbackService {
  grpc::ServerUnaryReactor* SayHello(grpc::CallbackServerContext* context,
                                     const HelloRequest* request,
                                     HelloReply* reply) override {
    reply->set_message("Hello " + request->name());
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

class SyncGreeter final : public Greeter::Service {
  grpc::Status SayHello(grpc::ServerContext* context,
                        const HelloRequest* request,
                        HelloReply* reply) override {
    reply->set_message("Hello " + request->name());
    return grpc::Status::OK;
  }
};

std::unique_ptr<grpc::Service> MakeService(ServerApi api) {
  if (api == ServerApi::kCallback) return std::make_unique<CallbackGreeter>();
  return std::make_unique<SyncGreeter>();
}

}  // namespace

GreeterServer::GreeterServer(ServerApi api, const std::string& listen_address)
    : service_(MakeService(api)) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen_address, grpc::InsecureServerCredentials(),
                           &port_);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    throw std::runtime_error("cannot serve on " + listen_address);
  }
}

}  // namespace rentwave::bench
