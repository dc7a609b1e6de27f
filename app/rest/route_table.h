// The REST routes: one per google.api.http rule (and additional binding) of
// every served RPC, built from the linked descriptors at startup.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "app/rest/path_template.h"
#include "google/protobuf/descriptor.h"

namespace rentwave::rest {

struct Route {
  std::string http_method;  // "GET", "POST", "PUT", "PATCH", "DELETE", or a
                            // custom kind upper-cased
  PathTemplate path;
  const google::protobuf::MethodDescriptor* method;
  std::string body;           // "" (no body), "*", or a top-level field name
  std::string response_body;  // "" (whole response) or a top-level field name
  // "/package.Service/Method", as gRPC names it.
  std::string grpc_method() const;
};

class RouteTable {
 public:
  // Builds the routes of every method of `services` that has a
  // google.api.http option, including additional_bindings. Errors:
  // INVALID_ARGUMENT naming the RPC and template for a malformed template, a
  // path variable naming no field (or a repeated or message-typed field other
  // than a nested path to a scalar), a body or response_body naming no
  // top-level field, a body on GET or DELETE, or two rules that conflict
  // (same HTTP method, same path shape).
  static absl::StatusOr<RouteTable> Build(
      const std::vector<const google::protobuf::ServiceDescriptor*>& services);

  enum class Outcome { kMatched, kNotFound, kMethodNotAllowed };
  struct Lookup {
    Outcome outcome = Outcome::kNotFound;
    const Route* route = nullptr;      // when matched
    std::vector<Binding> bindings;     // when matched
    std::vector<std::string> allowed;  // when kMethodNotAllowed: sorted methods
                                       // whose routes match the path
  };

  // Finds the most specific route for `http_method` whose template matches
  // `path`. Thread-safe (const).
  Lookup Find(absl::string_view http_method, absl::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;  // most specific first
};

}  // namespace rentwave::rest
