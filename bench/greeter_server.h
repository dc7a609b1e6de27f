// Greeter servers built on gRPC's callback or sync API, for benchmarking.
#pragma once

#include <grpcpp/impl/service_type.h>
#include <grpcpp/server.h>

#include <memory>
#include <string>

namespace rentwave::bench {

enum class ServerApi { kCallback, kSync };

// A helloworld.Greeter server whose SayHello replies "Hello <name>".
class GreeterServer {
 public:
  // Starts serving insecure gRPC on `listen_address` (port 0 picks a free
  // port) with the implementation for `api`. Throws std::runtime_error if the
  // server cannot start, e.g. the address cannot be bound.
  GreeterServer(ServerApi api, const std::string& listen_address);

  // The bound port. Thread-safe.
  int port() const { return port_; }

  // Blocks the calling thread while the server runs, i.e. until the process
  // ends. Thread-safe.
  void Wait() { server_->Wait(); }

 private:
  std::unique_ptr<grpc::Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace rentwave::bench
