// greeter_bench: serves helloworld.Greeter with gRPC's callback or sync API,
// or drives a Greeter server with closed-loop load and prints the result.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>

#include "CLI/CLI.hpp"
#include "bench/greeter_server.h"
#include "bench/load_client.h"
#include "helloworld.pb.h"

namespace rentwave::bench {
namespace {

int Serve(ServerApi api, const std::string& listen_address) {
  GreeterServer server(api, listen_address);
  std::cout << "port=" << server.port() << std::endl;
  server.Wait();
  return 0;
}

// Prints one summary line; fails if no call succeeded.
int Drive(const std::string& target, const LoadOptions& options) {
  const LoadResult result = RunClosedLoop(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()), options);
  std::printf("%s\n", FormatResult(result).c_str());
  return result.ok_calls > 0 ? 0 : 1;
}

}  // namespace
}  // namespace rentwave::bench

int main(int argc, char** argv) {
  using rentwave::bench::ServerApi;
  CLI::App app{"Greeter benchmark of gRPC's callback vs sync server API"};
  app.require_subcommand(1);

  CLI::App* server = app.add_subcommand("server", "Serve Greeter until killed");
  ServerApi api = ServerApi::kCallback;
  server->add_option("--api", api, "Server API: callback or sync")
      ->transform(CLI::CheckedTransformer(std::map<std::string, ServerApi>{
          {"callback", ServerApi::kCallback}, {"sync", ServerApi::kSync}}));
  std::string listen_address = "127.0.0.1:0";
  server->add_option("--listen", listen_address, "Address; port 0 picks one");

  CLI::App* client = app.add_subcommand("client", "Load a Greeter server");
  std::string target;
  client->add_option("--target", target, "Server host:port")->required();
  int inflight = 64;
  client->add_option("--inflight", inflight, "Calls in flight")
      ->check(CLI::PositiveNumber);
  int seconds = 3;
  client->add_option("--seconds", seconds, "Measured seconds")
      ->check(CLI::PositiveNumber);
  int warmup_seconds = 1;
  client->add_option("--warmup", warmup_seconds, "Warm-up seconds")
      ->check(CLI::NonNegativeNumber);

  CLI11_PARSE(app, argc, argv);

  if (*server) return rentwave::bench::Serve(api, listen_address);

  helloworld::HelloRequest request;
  request.set_name("rentwave");
  rentwave::bench::LoadOptions options;
  options.method = "/helloworld.Greeter/SayHello";
  options.make_request = rentwave::bench::SerializeMessages(
      [request](uint64_t) { return request; });
  options.inflight = inflight;
  options.warmup = std::chrono::seconds(warmup_seconds);
  options.duration = std::chrono::seconds(seconds);
  return rentwave::bench::Drive(target, options);
}
