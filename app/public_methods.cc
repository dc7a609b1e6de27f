#include "app/public_methods.h"

namespace rentwave::app {

absl::flat_hash_set<std::string> PublicMethods() {
  return {
      "/rentwave.v1.Users/Register",
      "/rentwave.v1.Users/Login",
      "/rentwave.v1.Users/GetUser",
      "/rentwave.v1.Listings/GetListing",
      "/rentwave.v1.Listings/GetBook",
      "/rentwave.v1.Listings/SearchListings",
      // Served by gRPC's built-in services, which never ask for a token;
      // listed so that this table is the whole policy.
      "/grpc.health.v1.Health/Check",
      "/grpc.health.v1.Health/Watch",
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
  };
}

}  // namespace rentwave::app
