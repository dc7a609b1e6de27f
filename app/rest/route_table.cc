#include "app/rest/route_table.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/api/annotations.pb.h"
#include "modules/platform/status.h"

namespace rentwave::rest {
namespace {

using google::api::HttpRule;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;

struct Pattern {
  std::string http_method;
  std::string path;
};

absl::StatusOr<Pattern> PatternOf(const HttpRule& rule,
                                  const MethodDescriptor* method) {
  switch (rule.pattern_case()) {
    case HttpRule::kGet:
      return Pattern{"GET", rule.get()};
    case HttpRule::kPut:
      return Pattern{"PUT", rule.put()};
    case HttpRule::kPost:
      return Pattern{"POST", rule.post()};
    case HttpRule::kDelete:
      return Pattern{"DELETE", rule.delete_()};
    case HttpRule::kPatch:
      return Pattern{"PATCH", rule.patch()};
    case HttpRule::kCustom:
      if (rule.custom().kind().empty()) break;
      return Pattern{absl::AsciiStrToUpper(rule.custom().kind()),
                     rule.custom().path()};
    case HttpRule::PATTERN_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(method->full_name(),
                   ": google.api.http rule without an HTTP method and path"));
}

// "pkg.Service.Method GET "/v1/x/{id}"", naming a route in errors.
std::string Describe(const Route& route) {
  return absl::StrCat(route.method->full_name(), " ", route.http_method, " \"",
                      route.path.text(), "\"");
}

absl::Status RouteError(const Route& route, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(Describe(route), ": ", what));
}

// A path variable must reach a singular scalar through singular messages:
// a client expands it into one URL segment, and the transcoder sets it from
// one string.
absl::Status CheckPathField(const Descriptor* input,
                            const std::vector<std::string>& field_path) {
  const Descriptor* message = input;
  for (size_t i = 0; i < field_path.size(); ++i) {
    const FieldDescriptor* field = message->FindFieldByName(field_path[i]);
    if (field == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          message->full_name(), " has no field \"", field_path[i], "\""));
    }
    if (field->is_repeated()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field->full_name(), " is repeated"));
    }
    const bool is_message =
        field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
    const bool is_leaf = i + 1 == field_path.size();
    if (is_leaf && is_message) {
      return absl::InvalidArgumentError(
          absl::StrCat(field->full_name(), " is a message, not a scalar"));
    }
    if (!is_leaf && !is_message) {
      return absl::InvalidArgumentError(absl::StrCat(
          field->full_name(), " is not a message, so it has no fields"));
    }
    if (!is_leaf && absl::StartsWith(field->message_type()->full_name(),
                                     "google.protobuf.")) {
      // Timestamps, durations and wrappers are single values (the transcoder
      // sets them from their text form), not messages to reach into.
      return absl::InvalidArgumentError(
          absl::StrCat(field->full_name(),
                       " is a well-known type, not a message of fields"));
    }
    if (!is_leaf) message = field->message_type();
  }
  return absl::OkStatus();
}

// The oneof a path variable's field belongs to, or null.
const google::protobuf::OneofDescriptor* OneofOf(
    const Descriptor* input, const std::vector<std::string>& field_path) {
  const FieldDescriptor* field = nullptr;
  for (const std::string& name : field_path) {
    field = input->FindFieldByName(name);
    input = field->message_type();
  }
  return field->containing_oneof();
}

absl::Status CheckRoute(const Route& route) {
  const Descriptor* input = route.method->input_type();
  const Descriptor* output = route.method->output_type();
  std::set<const google::protobuf::OneofDescriptor*> oneofs;
  for (const std::vector<std::string>& field_path : route.path.variables()) {
    std::string name = absl::StrJoin(field_path, ".");
    if (absl::Status s = CheckPathField(input, field_path); !s.ok()) {
      return RouteError(
          route, absl::StrCat("path variable \"", name, "\": ", s.message()));
    }
    const auto* oneof = OneofOf(input, field_path);
    if (oneof != nullptr && !oneofs.insert(oneof).second) {
      return RouteError(route,
                        absl::StrCat("path variable \"", name,
                                     "\" is the second member of oneof ",
                                     oneof->full_name(), " in the path"));
    }
  }
  if (!route.body.empty() &&
      (route.http_method == "GET" || route.http_method == "DELETE")) {
    return RouteError(
        route,
        absl::StrCat("a ", route.http_method,
                     " request has no body, yet body is \"", route.body, "\""));
  }
  if (!route.body.empty() && route.body != "*" &&
      input->FindFieldByName(route.body) == nullptr) {
    return RouteError(
        route, absl::StrCat("body \"", route.body, "\" is not a field of ",
                            input->full_name()));
  }
  if (!route.response_body.empty() &&
      output->FindFieldByName(route.response_body) == nullptr) {
    return RouteError(
        route, absl::StrCat("response_body \"", route.response_body,
                            "\" is not a field of ", output->full_name()));
  }
  return absl::OkStatus();
}

absl::StatusOr<Route> MakeRoute(const HttpRule& rule,
                                const MethodDescriptor* method) {
  RW_ASSIGN_OR_RETURN(Pattern pattern, PatternOf(rule, method));
  absl::StatusOr<PathTemplate> path = PathTemplate::Parse(pattern.path);
  if (!path.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(method->full_name(), ": ", path.status().message()));
  }
  Route route{std::move(pattern.http_method), *std::move(path), method,
              rule.body(), rule.response_body()};
  RW_RETURN_IF_ERROR(CheckRoute(route));
  return route;
}

// Appends the routes of `method`'s google.api.http rule, if it has one.
absl::Status AddRoutes(const MethodDescriptor* method,
                       std::vector<Route>* routes) {
  if (!method->options().HasExtension(google::api::http)) {
    return absl::OkStatus();
  }
  const HttpRule& rule = method->options().GetExtension(google::api::http);
  RW_ASSIGN_OR_RETURN(Route route, MakeRoute(rule, method));
  routes->push_back(std::move(route));
  for (const HttpRule& binding : rule.additional_bindings()) {
    // The spec allows one level only.
    if (binding.additional_bindings_size() > 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          method->full_name(), ": additional_bindings may not nest"));
    }
    RW_ASSIGN_OR_RETURN(Route extra, MakeRoute(binding, method));
    routes->push_back(std::move(extra));
  }
  return absl::OkStatus();
}

// Two routes with one HTTP method and one shape match the same requests, so
// one of them could never be reached.
absl::Status CheckConflicts(const std::vector<Route>& routes) {
  std::map<std::pair<std::string, std::string>, const Route*> seen;
  for (const Route& route : routes) {
    const auto [it, inserted] = seen.emplace(
        std::make_pair(route.http_method, route.path.ShapeKey()), &route);
    if (!inserted) {
      return absl::InvalidArgumentError(absl::StrCat(
          Describe(route), " conflicts with ", Describe(*it->second),
          ": both match the same requests"));
    }
  }
  return absl::OkStatus();
}

// HEAD is GET without the response body (RFC 9110 9.3.2).
bool Serves(const Route& route, absl::string_view http_method) {
  return route.http_method == http_method ||
         (http_method == "HEAD" && route.http_method == "GET");
}

}  // namespace

std::string Route::grpc_method() const {
  return absl::StrCat("/", method->service()->full_name(), "/", method->name());
}

absl::StatusOr<RouteTable> RouteTable::Build(
    const std::vector<const google::protobuf::ServiceDescriptor*>& services) {
  RouteTable table;
  for (const google::protobuf::ServiceDescriptor* service : services) {
    for (int i = 0; i < service->method_count(); ++i) {
      RW_RETURN_IF_ERROR(AddRoutes(service->method(i), &table.routes_));
    }
  }
  RW_RETURN_IF_ERROR(CheckConflicts(table.routes_));
  // Find takes the first match. Stable, so that routes() lists equally
  // specific routes in declaration order.
  std::stable_sort(table.routes_.begin(), table.routes_.end(),
                   [](const Route& a, const Route& b) {
                     return a.path.MoreSpecificThan(b.path);
                   });
  return table;
}

RouteTable::Lookup RouteTable::Find(absl::string_view http_method,
                                    absl::string_view path) const {
  Lookup lookup;
  std::vector<std::string> allowed;
  const SplitPath split(path);  // once, not per route
  for (const Route& route : routes_) {
    if (!route.path.Matches(split)) continue;
    if (Serves(route, http_method)) {
      lookup.outcome = Outcome::kMatched;
      lookup.route = &route;
      lookup.bindings = *route.path.Match(split);
      return lookup;
    }
    allowed.push_back(route.http_method);
  }
  if (allowed.empty()) return lookup;  // kNotFound
  std::sort(allowed.begin(), allowed.end());
  allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
  lookup.outcome = Outcome::kMethodNotAllowed;
  lookup.allowed = std::move(allowed);
  return lookup;
}

}  // namespace rentwave::rest
