// rpc_bench: closed-loop load on any RentWave RPC, the request given as JSON:
//   rpc_bench --target 127.0.0.1:50051 --method /rentwave.v1.Users/GetUser
//             --json '{"userId":"..."}' [--token T] [--inflight 64]
// Prints one line: calls_per_sec=... p50_us=... p99_us=... errors=...
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/create_channel.h>

#include <cstdio>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "bench/load_client.h"
#include "rentwave/v1/listings.pb.h"
#include "rentwave/v1/users.pb.h"

namespace rentwave::bench {
namespace {

// The request message of `method` ("/pkg.Service/Method") parsed from JSON.
std::unique_ptr<google::protobuf::Message> ParseRequest(
    const std::string& method, const std::string& json) {
  std::string name = method.substr(1);
  name[name.find('/')] = '.';
  const auto* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
          name);
  if (descriptor == nullptr) return nullptr;
  std::unique_ptr<google::protobuf::Message> request(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(descriptor->input_type())
          ->New());
  if (!google::protobuf::util::JsonStringToMessage(json, request.get()).ok()) {
    return nullptr;
  }
  return request;
}

}  // namespace
}  // namespace rentwave::bench

int main(int argc, char** argv) {
  CLI::App app{"Closed-loop load on one RentWave RPC"};
  std::string target, method, json = "{}", token;
  int inflight = 64;
  double seconds = 3, warmup = 1;
  app.add_option("--target", target, "server HOST:PORT")->required();
  app.add_option("--method", method, "/package.Service/Method")->required();
  app.add_option("--json", json, "the request as proto3 JSON");
  app.add_option("--token", token, "access token sent as a bearer token");
  app.add_option("--inflight", inflight, "calls in flight");
  app.add_option("--seconds", seconds, "measured seconds");
  app.add_option("--warmup", warmup, "warm-up seconds");
  CLI11_PARSE(app, argc, argv);
  // Linking the generated code registers its descriptors.
  rentwave::v1::GetUserRequest link_users;
  rentwave::v1::SearchListingsRequest link_listings;

  auto request = rentwave::bench::ParseRequest(method, json);
  if (request == nullptr) {
    std::fprintf(stderr, "rpc_bench: unknown method or bad JSON request\n");
    return 2;
  }
  rentwave::bench::LoadOptions options;
  options.method = method;
  grpc::ByteBuffer bytes = rentwave::bench::SerializeMessage(*request);
  options.make_request = [bytes](uint64_t) { return bytes; };
  options.inflight = inflight;
  options.warmup =
      std::chrono::milliseconds(static_cast<int64_t>(warmup * 1000));
  options.duration =
      std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  if (!token.empty()) options.metadata = {{"authorization", "Bearer " + token}};
  auto result = rentwave::bench::RunClosedLoop(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()), options);
  std::printf("%s\n", rentwave::bench::FormatResult(result).c_str());
  return result.ok_calls > 0 ? 0 : 1;
}
