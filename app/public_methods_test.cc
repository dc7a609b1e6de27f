#include "app/public_methods.h"

#include <google/protobuf/descriptor.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <gtest/gtest.h>

#include "grpc/health/v1/health.pb.h"
#include "rentwave/v1/listings.pb.h"
#include "rentwave/v1/users.pb.h"

namespace rentwave::app {
namespace {

// "/pkg.Service/Method" -> "pkg.Service.Method" for descriptor lookups.
std::string DescriptorName(const std::string& method) {
  std::string name = method.substr(1);
  name[name.find('/')] = '.';
  return name;
}

TEST(PublicMethodsTest, EveryEntryNamesAMethodTheBinaryServes) {
  // Link the descriptors of every service the server registers.
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  rentwave::v1::RegisterRequest users;
  rentwave::v1::SearchListingsRequest listings;
  grpc::health::v1::HealthCheckRequest health;
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const std::string& method : PublicMethods()) {
    EXPECT_NE(pool->FindMethodByName(DescriptorName(method)), nullptr)
        << method << " is not a method of any linked service";
  }
}

TEST(PublicMethodsTest, PrivateMethodsAreNotListed) {
  auto methods = PublicMethods();
  EXPECT_TRUE(methods.contains("/rentwave.v1.Users/Register"));
  EXPECT_TRUE(methods.contains("/rentwave.v1.Users/Login"));
  EXPECT_FALSE(methods.contains("/rentwave.v1.Users/GetMe"));
  EXPECT_FALSE(methods.contains("/rentwave.v1.Users/UpdateMe"));
  EXPECT_FALSE(methods.contains("/rentwave.v1.Users/Logout"));
}

}  // namespace
}  // namespace rentwave::app
