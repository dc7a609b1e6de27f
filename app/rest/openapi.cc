#include "app/rest/openapi.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/api/annotations.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/rpc/status.pb.h"

namespace rentwave::rest {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;
using nlohmann::json;

// Query parameter names have at most this many segments ("a.b.c.d"): enough
// for filters on nested messages, and it bounds the list for deep inputs.
constexpr size_t kMaxQuerySegments = 4;

// The operations a path item can hold; a route with any other custom method
// cannot be described.
constexpr absl::string_view kOpenApiMethods[] = {
    "get", "put", "post", "delete", "options", "head", "patch", "trace"};

// Produces schemas in the proto3 JSON mapping. Message types become
// references whose definitions Components() emits afterwards, which is what
// keeps recursive types finite.
class Schemas {
 public:
  // `field` as it appears in JSON: an array if repeated, an object if a map.
  json Field(const FieldDescriptor* field) {
    if (field->is_map()) {
      return {
          {"type", "object"},
          {"additionalProperties", Value(field->message_type()->map_value())}};
    }
    json value = Value(field);
    if (field->is_repeated()) return {{"type", "array"}, {"items", value}};
    return value;
  }

  // A message: the JSON form of a well-known type, else a reference.
  json Message(const Descriptor* message) {
    switch (message->well_known_type()) {
      case Descriptor::WELLKNOWNTYPE_UNSPECIFIED:
        return Reference(message);
      case Descriptor::WELLKNOWNTYPE_TIMESTAMP:
        return {{"type", "string"}, {"format", "date-time"}};
      case Descriptor::WELLKNOWNTYPE_DURATION:   // "3.5s"
      case Descriptor::WELLKNOWNTYPE_FIELDMASK:  // "a,b.c"
        return {{"type", "string"}};
      case Descriptor::WELLKNOWNTYPE_STRUCT:
        return {{"type", "object"}};
      case Descriptor::WELLKNOWNTYPE_VALUE:
        return json::object();  // any JSON value
      case Descriptor::WELLKNOWNTYPE_LISTVALUE:
        return {{"type", "array"}, {"items", json::object()}};
      case Descriptor::WELLKNOWNTYPE_ANY:
        return {{"type", "object"},
                {"properties", {{"@type", {{"type", "string"}}}}}};
      default:  // a wrapper, whose JSON is the wrapped value
        return Value(message->field(0));
    }
  }

  // components.schemas: the definition of every message referenced so far,
  // including those only other definitions reference.
  json Components() {
    json components = json::object();
    while (!pending_.empty()) {
      const Descriptor* message = pending_.back();
      pending_.pop_back();
      json properties = json::object();
      for (int i = 0; i < message->field_count(); ++i) {
        const FieldDescriptor* field = message->field(i);
        properties[field->json_name()] = Field(field);
      }
      components[message->full_name()] = {
          {"type", "object"}, {"properties", std::move(properties)}};
    }
    return components;
  }

 private:
  // One value of `field`, ignoring repetition.
  json Value(const FieldDescriptor* field) {
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        return {{"type", "integer"}, {"format", "int32"}};
      case FieldDescriptor::CPPTYPE_UINT32:  // beyond int32's range
        return {{"type", "integer"}, {"format", "int64"}};
      case FieldDescriptor::CPPTYPE_INT64:
      case FieldDescriptor::CPPTYPE_UINT64:
        // Quoted, as JavaScript numbers would lose precision.
        return {{"type", "string"}, {"format", "int64"}};
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return {{"type", "number"}, {"format", "double"}};
      case FieldDescriptor::CPPTYPE_FLOAT:
        return {{"type", "number"}, {"format", "float"}};
      case FieldDescriptor::CPPTYPE_BOOL:
        return {{"type", "boolean"}};
      case FieldDescriptor::CPPTYPE_STRING:
        if (field->type() == FieldDescriptor::TYPE_BYTES) {
          return {{"type", "string"}, {"format", "byte"}};  // base64
        }
        return {{"type", "string"}};
      case FieldDescriptor::CPPTYPE_ENUM:
        return Enum(field->enum_type());
      case FieldDescriptor::CPPTYPE_MESSAGE:
        break;
    }
    return Message(field->message_type());
  }

  static json Enum(const google::protobuf::EnumDescriptor* type) {
    json names = json::array();
    for (int i = 0; i < type->value_count(); ++i) {
      names.push_back(type->value(i)->name());
    }
    return {{"type", "string"}, {"enum", names}};
  }

  json Reference(const Descriptor* message) {
    if (referenced_.insert(message).second) pending_.push_back(message);
    return {
        {"$ref", absl::StrCat("#/components/schemas/", message->full_name())}};
  }

  absl::flat_hash_set<const Descriptor*> referenced_;
  std::vector<const Descriptor*> pending_;  // referenced, not yet defined
};

// Whether a query string can set `field`: anything with a one-string JSON
// form, or a repetition of one.
bool IsQueryValue(const FieldDescriptor* field) {
  if (field->is_map()) return false;
  if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return true;
  switch (field->message_type()->well_known_type()) {
    case Descriptor::WELLKNOWNTYPE_UNSPECIFIED:
    case Descriptor::WELLKNOWNTYPE_ANY:
    case Descriptor::WELLKNOWNTYPE_STRUCT:
    case Descriptor::WELLKNOWNTYPE_VALUE:
    case Descriptor::WELLKNOWNTYPE_LISTVALUE:
      return false;
    default:  // Timestamp, Duration, FieldMask, the wrappers
      return true;
  }
}

// Lists the query parameters of an input message: its fields a query string
// can set, nested messages' fields under dotted JSON names.
class QueryParameters {
 public:
  // `bound`: proto field paths ("listing.id") the path or body sets.
  QueryParameters(absl::flat_hash_set<std::string> bound, Schemas* schemas,
                  json* parameters)
      : bound_(std::move(bound)), schemas_(schemas), parameters_(parameters) {}

  void Add(const Descriptor* input) { Walk(input, "", ""); }

 private:
  void Walk(const Descriptor* message, const std::string& proto_prefix,
            const std::string& json_prefix) {
    // Stop at the depth limit, and at a message already being walked, whose
    // fields would otherwise repeat forever.
    if (open_.size() == kMaxQuerySegments ||
        std::find(open_.begin(), open_.end(), message) != open_.end()) {
      return;
    }
    open_.push_back(message);
    for (int i = 0; i < message->field_count(); ++i) {
      const FieldDescriptor* field = message->field(i);
      std::string proto_path = absl::StrCat(proto_prefix, field->name());
      std::string json_path = absl::StrCat(json_prefix, field->json_name());
      if (bound_.contains(proto_path)) continue;
      if (IsQueryValue(field)) {
        parameters_->push_back({{"name", json_path},
                                {"in", "query"},
                                {"schema", schemas_->Field(field)}});
      } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
                 !field->is_repeated() &&
                 field->message_type()->well_known_type() ==
                     Descriptor::WELLKNOWNTYPE_UNSPECIFIED) {
        Walk(field->message_type(), proto_path + ".", json_path + ".");
      }
    }
    open_.pop_back();
  }

  const absl::flat_hash_set<std::string> bound_;
  Schemas* const schemas_;
  json* const parameters_;
  std::vector<const Descriptor*> open_;  // the messages on the current path
};

// Non-trivial variable patterns ("shelves/*") by field path ("name").
using Patterns = absl::flat_hash_map<std::string, std::string>;

// The OpenAPI path for a template: OpenAPI has no variable patterns, so
// "{name=shelves/*}" becomes "{name}", with the pattern kept in `patterns`.
std::string OpenApiPath(absl::string_view text, Patterns* patterns) {
  std::string path;
  // Route templates are valid, so every '{' has its '}'.
  for (size_t open; (open = text.find('{')) != absl::string_view::npos;) {
    size_t close = text.find('}', open);
    std::pair<absl::string_view, absl::string_view> variable = absl::StrSplit(
        text.substr(open + 1, close - open - 1), absl::MaxSplits('=', 1));
    absl::StrAppend(&path, text.substr(0, open), "{", variable.first, "}");
    if (!variable.second.empty() && variable.second != "*") {
      (*patterns)[variable.first] = std::string(variable.second);
    }
    text.remove_prefix(close + 1);
  }
  absl::StrAppend(&path, text);
  return path;
}

// The field a path of names leads to from `message`; RouteTable has checked
// that it exists.
const FieldDescriptor* FindField(const Descriptor* message,
                                 const std::vector<std::string>& path) {
  const FieldDescriptor* field = nullptr;
  for (const std::string& name : path) {
    field = message->FindFieldByName(name);
    message = field->message_type();
  }
  return field;
}

// Path parameters, then (unless the body takes every field) query ones.
json Parameters(const Route& route, const Patterns& patterns,
                Schemas* schemas) {
  const Descriptor* input = route.method->input_type();
  json parameters = json::array();
  absl::flat_hash_set<std::string> bound;
  for (const std::vector<std::string>& field_path : route.path.variables()) {
    std::string name = absl::StrJoin(field_path, ".");
    json parameter = {{"name", name},
                      {"in", "path"},
                      {"required", true},
                      {"schema", schemas->Field(FindField(input, field_path))}};
    if (auto it = patterns.find(name); it != patterns.end()) {
      // Generated clients would percent-encode the slashes, which the
      // template then does not match.
      parameter["description"] = absl::StrCat(
          "Path segments matching ", it->second, ", slashes not escaped.");
    }
    parameters.push_back(std::move(parameter));
    bound.insert(std::move(name));
  }
  if (route.body == "*") return parameters;
  if (!route.body.empty()) bound.insert(route.body);
  QueryParameters(std::move(bound), schemas, &parameters).Add(input);
  return parameters;
}

json JsonContent(json schema) {
  return {{"application/json", {{"schema", std::move(schema)}}}};
}

json RequestBody(const Route& route, Schemas* schemas) {
  const Descriptor* input = route.method->input_type();
  json schema = route.body == "*"
                    ? schemas->Message(input)
                    : schemas->Field(input->FindFieldByName(route.body));
  return {{"required", true}, {"content", JsonContent(std::move(schema))}};
}

json Responses(const Route& route, Schemas* schemas) {
  const Descriptor* output = route.method->output_type();
  json schema =
      route.response_body.empty()
          ? schemas->Message(output)
          : schemas->Field(output->FindFieldByName(route.response_body));
  // A server stream is newline-delimited JSON: one message per line, and an
  // error after the first line a final {"error": Status} line.
  json ok =
      route.method->server_streaming()
          ? json{{"description",
                  "A stream: one message per line (NDJSON), then, on "
                  "an error, a line {\"error\": google.rpc.Status}."},
                 {"content", {{"application/x-ndjson", {{"schema", schema}}}}}}
          : json{{"description", "OK"}, {"content", JsonContent(schema)}};
  return {
      {"200", std::move(ok)},
      {"default",
       {{"description", "An error, as a google.rpc.Status."},
        {"content",
         JsonContent(schemas->Message(google::rpc::Status::descriptor()))}}}};
}

// The HTTP method and template an HttpRule binds, spelled as in Route.
std::pair<std::string, std::string> RulePattern(
    const google::api::HttpRule& rule) {
  using google::api::HttpRule;
  switch (rule.pattern_case()) {
    case HttpRule::kGet:
      return {"GET", rule.get()};
    case HttpRule::kPut:
      return {"PUT", rule.put()};
    case HttpRule::kPost:
      return {"POST", rule.post()};
    case HttpRule::kDelete:
      return {"DELETE", rule.delete_()};
    case HttpRule::kPatch:
      return {"PATCH", rule.patch()};
    case HttpRule::kCustom:
      return {absl::AsciiStrToUpper(rule.custom().kind()),
              rule.custom().path()};
    case HttpRule::PATTERN_NOT_SET:
      break;
  }
  return {};
}

// "Service_Method", suffixed "_N" for the method's Nth additional binding.
// Found from the rule rather than the route order, which is by specificity.
std::string OperationId(const Route& route) {
  const MethodDescriptor* method = route.method;
  std::string id = absl::StrCat(method->service()->name(), "_", method->name());
  const google::api::HttpRule& rule =
      method->options().GetExtension(google::api::http);
  const std::pair<std::string, std::string> binding = {route.http_method,
                                                       route.path.text()};
  for (int i = 0; i < rule.additional_bindings_size(); ++i) {
    if (RulePattern(rule.additional_bindings(i)) == binding) {
      return absl::StrCat(id, "_", i + 1);
    }
  }
  return id;
}

// The RPC's leading comment on one line; descriptors compiled into the binary
// carry none, so usually the method's full name.
std::string Summary(const MethodDescriptor* method) {
  google::protobuf::SourceLocation location;
  if (!method->GetSourceLocation(&location)) return method->full_name();
  std::vector<absl::string_view> lines =
      absl::StrSplit(location.leading_comments, '\n', absl::SkipWhitespace());
  if (lines.empty()) return method->full_name();
  for (absl::string_view& line : lines) line = absl::StripAsciiWhitespace(line);
  return absl::StrJoin(lines, " ");
}

json Operation(const Route& route, const Patterns& patterns, bool is_public,
               Schemas* schemas) {
  json operation = {
      {"operationId", OperationId(route)},
      {"tags", json::array({route.method->service()->name()})},
      {"summary", Summary(route.method)},
      {"parameters", Parameters(route, patterns, schemas)},
      {"responses", Responses(route, schemas)},
      {"security", is_public ? json::array()
                             : json::array({{{"bearerAuth", json::array()}}})},
  };
  if (!route.body.empty()) {
    operation["requestBody"] = RequestBody(route, schemas);
  }
  return operation;
}

}  // namespace

std::string OpenApiDocument(
    const RouteTable& routes, absl::string_view title,
    absl::string_view version,
    const absl::flat_hash_set<std::string>& public_methods) {
  Schemas schemas;
  json paths = json::object();
  for (const Route& route : routes.routes()) {
    const std::string method = absl::AsciiStrToLower(route.http_method);
    if (std::find(std::begin(kOpenApiMethods), std::end(kOpenApiMethods),
                  method) == std::end(kOpenApiMethods)) {
      continue;
    }
    Patterns patterns;
    json& path_item = paths[OpenApiPath(route.path.text(), &patterns)];
    if (path_item.contains(method)) continue;  // see the header
    path_item[method] =
        Operation(route, patterns, public_methods.contains(route.grpc_method()),
                  &schemas);
  }
  const json document = {
      {"openapi", "3.0.3"},
      {"info",
       {{"title", std::string(title)}, {"version", std::string(version)}}},
      {"paths", std::move(paths)},
      {"components",
       {{"schemas", schemas.Components()},
        {"securitySchemes",
         {{"bearerAuth",
           {{"type", "http"},
            {"scheme", "bearer"},
            {"bearerFormat", "JWT"}}}}}}},
  };
  // Comments may hold invalid UTF-8, on which dump() would otherwise throw.
  return document.dump(2, ' ', false, json::error_handler_t::replace);
}

}  // namespace rentwave::rest
