#include "app/rest/transcoder.h"

#include <google/protobuf/util/json_util.h>

#include <charconv>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "app/rest/json_printer.h"
#include "modules/platform/status.h"
#include "modules/platform/text.h"

namespace rentwave::rest {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using Json = nlohmann::json;
// Keeps protobuf's key order when re-serializing a fragment of its output.
using OrderedJson = nlohmann::ordered_json;

// The nesting protobuf's own JSON parser allows; checking unknown fields
// recursively must not overflow the stack on a hostile body first.
constexpr int kMaxJsonDepth = 100;
// Query keys name nested fields ("a.b.c"); deeper than this is refused, well
// inside protobuf's recursion limit (100) for the built message.
constexpr int kMaxQueryKeySegments = 32;

std::string Quoted(absl::string_view text) {
  return absl::StrCat("\"", text, "\"");
}

std::string JoinPath(absl::string_view prefix, absl::string_view name) {
  return prefix.empty() ? std::string(name) : absl::StrCat(prefix, ".", name);
}

// Proto3 JSON accepts a field's json_name as well as its proto name; query
// parameters and path variables follow the same rule.
const FieldDescriptor* FindField(const Descriptor* type,
                                 absl::string_view name) {
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (field->name() == name || field->json_name() == name) return field;
  }
  return nullptr;
}

bool IsWrapper(const Descriptor* type) {
  switch (type->well_known_type()) {
    case Descriptor::WELLKNOWNTYPE_DOUBLEVALUE:
    case Descriptor::WELLKNOWNTYPE_FLOATVALUE:
    case Descriptor::WELLKNOWNTYPE_INT64VALUE:
    case Descriptor::WELLKNOWNTYPE_UINT64VALUE:
    case Descriptor::WELLKNOWNTYPE_INT32VALUE:
    case Descriptor::WELLKNOWNTYPE_UINT32VALUE:
    case Descriptor::WELLKNOWNTYPE_STRINGVALUE:
    case Descriptor::WELLKNOWNTYPE_BYTESVALUE:
    case Descriptor::WELLKNOWNTYPE_BOOLVALUE:
      return true;
    default:
      return false;
  }
}

// Well-known types whose JSON form is a single string that protobuf's JSON
// parser understands.
bool IsStringWellKnownType(const Descriptor* type) {
  switch (type->well_known_type()) {
    case Descriptor::WELLKNOWNTYPE_TIMESTAMP:
    case Descriptor::WELLKNOWNTYPE_DURATION:
    case Descriptor::WELLKNOWNTYPE_FIELDMASK:
      return true;
    default:
      return false;
  }
}

// What a path variable or query parameter can set from its text: scalars
// (singular or repeated), wrappers, Timestamp, Duration and FieldMask.
bool IsSettableFromText(const FieldDescriptor* field) {
  if (field->is_map()) return false;
  if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return true;
  return IsWrapper(field->message_type()) ||
         IsStringWellKnownType(field->message_type());
}

// ---------------------------------------------------------------------------
// JSON bodies.

absl::StatusOr<Json> ParseJson(absl::string_view text) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {
    // Syntax errors and numbers out of range ("1e400"). what() starts with
    // "[json.exception.parse_error.101] ", which is noise to a client.
    absl::string_view what = e.what();
    if (size_t end = what.find("] "); end != absl::string_view::npos) {
      what.remove_prefix(end + 2);
    }
    return absl::InvalidArgumentError(absl::StrCat("malformed JSON: ", what));
  }
}

absl::Status CheckFieldValue(const Json& value, const FieldDescriptor* field,
                             const std::string& path, int depth);

// Protobuf 3.21 reports an unknown field as `(price) foo: Cannot find
// field.`; walking the JSON against the descriptor first gives clients one
// message naming the full path. Type mismatches are left to protobuf.
absl::Status CheckMessage(const Json& json, const Descriptor* type,
                          const std::string& path, int depth) {
  if (depth > kMaxJsonDepth) {
    return absl::InvalidArgumentError("JSON body is nested too deeply");
  }
  // Well-known types have their own JSON forms (strings, Struct's free-form
  // objects, Any's "@type"); protobuf checks those.
  if (!json.is_object() ||
      type->well_known_type() != Descriptor::WELLKNOWNTYPE_UNSPECIFIED) {
    return absl::OkStatus();
  }
  for (const auto& [key, value] : json.items()) {
    const std::string field_path = JoinPath(path, key);
    const FieldDescriptor* field = FindField(type, key);
    if (field == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown field ", Quoted(field_path)));
    }
    RW_RETURN_IF_ERROR(CheckFieldValue(value, field, field_path, depth + 1));
  }
  return absl::OkStatus();
}

// Checks the value of `field` (at `path`) for unknown nested fields.
absl::Status CheckFieldValue(const Json& value, const FieldDescriptor* field,
                             const std::string& path, int depth) {
  if (field->is_map()) {
    const FieldDescriptor* map_value = field->message_type()->map_value();
    if (map_value->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
        !value.is_object()) {
      return absl::OkStatus();
    }
    for (const auto& [key, entry] : value.items()) {
      RW_RETURN_IF_ERROR(CheckMessage(entry, map_value->message_type(),
                                      absl::StrCat(path, "[", Quoted(key), "]"),
                                      depth + 1));
    }
    return absl::OkStatus();
  }
  if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
    return absl::OkStatus();
  }
  if (field->is_repeated()) {
    if (!value.is_array()) return absl::OkStatus();
    for (size_t i = 0; i < value.size(); ++i) {
      RW_RETURN_IF_ERROR(CheckMessage(value[i], field->message_type(),
                                      absl::StrCat(path, "[", i, "]"),
                                      depth + 1));
    }
    return absl::OkStatus();
  }
  return CheckMessage(value, field->message_type(), path, depth);
}

// Runs protobuf's proto3 JSON parser (which replaces `out`'s contents).
absl::Status ParseJsonInto(absl::string_view json, Message* out) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), out, options);
  if (status.ok()) return absl::OkStatus();
  // Protobuf names the field in its text, e.g. `(page_size): invalid value
  // "x" for type TYPE_INT32`.
  return absl::InvalidArgumentError(
      absl::StrCat("invalid JSON body: ", std::string(status.message())));
}

// Parses the request body into `out` per route.body and records the fields it
// binds in `bound` (proto-name paths).
absl::Status ApplyBody(const Route& route, absl::string_view body, Message* out,
                       std::vector<std::string>* bound) {
  const bool empty = absl::StripAsciiWhitespace(body).empty();
  if (route.body.empty()) {
    if (empty) return absl::OkStatus();
    return absl::InvalidArgumentError("this method takes no request body");
  }
  if (route.body == "*") {
    if (empty) return absl::OkStatus();  // no body means {}
    RW_ASSIGN_OR_RETURN(Json json, ParseJson(body));
    if (!json.is_object()) {
      return absl::InvalidArgumentError("request body must be a JSON object");
    }
    RW_RETURN_IF_ERROR(CheckMessage(json, out->GetDescriptor(), "", 0));
    return ParseJsonInto(body, out);
  }
  const FieldDescriptor* field =
      out->GetDescriptor()->FindFieldByName(route.body);
  if (field == nullptr) {
    return absl::InternalError(absl::StrCat("route body ", Quoted(route.body),
                                            " names no field of ",
                                            out->GetDescriptor()->full_name()));
  }
  bound->push_back(field->name());
  if (empty) return absl::OkStatus();
  RW_ASSIGN_OR_RETURN(Json json, ParseJson(body));
  RW_RETURN_IF_ERROR(CheckFieldValue(json, field, "", 0));
  // Wrapping the body as the value of its field lets one parser handle every
  // field kind (message, scalar, repeated, map, well-known type). The body
  // parsed above as exactly one JSON value, so it cannot inject other keys.
  return ParseJsonInto(
      absl::StrCat("{", Quoted(field->json_name()), ":", body, "}"), out);
}

// ---------------------------------------------------------------------------
// Values given as text (path variables, query parameters).

absl::Status InvalidText(absl::string_view text, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(Quoted(text), " is ", what));
}

// Integers and floating point with from_chars: no whitespace, no '+', and
// out-of-range values are errors rather than clamped.
template <typename T>
absl::StatusOr<T> ParseNumber(const FieldDescriptor* field,
                              absl::string_view text) {
  T value{};
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec == std::errc::result_out_of_range) {
    return InvalidText(text,
                       absl::StrCat("out of range for ", field->type_name()));
  }
  if (ec != std::errc() || ptr != end) {
    return InvalidText(text, absl::StrCat("not a valid ", field->type_name()));
  }
  return value;
}

absl::StatusOr<bool> ParseBool(absl::string_view text) {
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  return InvalidText(text, "not a bool (true or false)");
}

// Enum values by name or by number; unlike JSON bodies, unknown numbers are
// rejected (as grpc-gateway does), since a typo is likelier than a newer
// value.
absl::StatusOr<int> ParseEnum(const FieldDescriptor* field,
                              absl::string_view text) {
  const auto* type = field->enum_type();
  const auto* value = type->FindValueByName(std::string(text));
  int number = 0;
  if (value == nullptr) {
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, number);
    if (ec == std::errc() && ptr == end)
      value = type->FindValueByNumber(number);
  }
  if (value == nullptr) {
    return InvalidText(text,
                       absl::StrCat("not a value of ", type->full_name()));
  }
  return value->number();
}

absl::StatusOr<std::string> ParseString(const FieldDescriptor* field,
                                        absl::string_view text) {
  std::string value;
  if (field->type() == FieldDescriptor::TYPE_BYTES) {
    // Bytes are base64 in proto3 JSON, either alphabet.
    if (absl::Base64Unescape(text, &value) ||
        absl::WebSafeBase64Unescape(text, &value)) {
      return value;
    }
    return InvalidText(text, "not base64");
  }
  // Proto3 strings must be UTF-8, or the request would fail to serialize.
  if (!platform::IsValidUtf8(text)) {
    return absl::InvalidArgumentError("not valid UTF-8");
  }
  return std::string(text);
}

template <typename T>
using Setter = void (Reflection::*)(Message*, const FieldDescriptor*, T) const;

// Sets a singular field or appends to a repeated one.
template <typename T>
absl::Status Store(Message* message, const FieldDescriptor* field,
                   absl::StatusOr<T> value, Setter<T> set, Setter<T> add) {
  if (!value.ok()) return value.status();
  const Reflection* reflection = message->GetReflection();
  (reflection->*(field->is_repeated() ? add : set))(message, field,
                                                    *std::move(value));
  return absl::OkStatus();
}

absl::Status SetWellKnown(Message* parent, const FieldDescriptor* field,
                          absl::string_view text);

// Sets `field` of `message` from `text`; `field` is IsSettableFromText.
absl::Status SetFromText(Message* message, const FieldDescriptor* field,
                         absl::string_view text) {
  using R = Reflection;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return Store<int32_t>(message, field, ParseNumber<int32_t>(field, text),
                            &R::SetInt32, &R::AddInt32);
    case FieldDescriptor::CPPTYPE_INT64:
      return Store<int64_t>(message, field, ParseNumber<int64_t>(field, text),
                            &R::SetInt64, &R::AddInt64);
    case FieldDescriptor::CPPTYPE_UINT32:
      return Store<uint32_t>(message, field, ParseNumber<uint32_t>(field, text),
                             &R::SetUInt32, &R::AddUInt32);
    case FieldDescriptor::CPPTYPE_UINT64:
      return Store<uint64_t>(message, field, ParseNumber<uint64_t>(field, text),
                             &R::SetUInt64, &R::AddUInt64);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return Store<double>(message, field, ParseNumber<double>(field, text),
                           &R::SetDouble, &R::AddDouble);
    case FieldDescriptor::CPPTYPE_FLOAT:
      return Store<float>(message, field, ParseNumber<float>(field, text),
                          &R::SetFloat, &R::AddFloat);
    case FieldDescriptor::CPPTYPE_BOOL:
      return Store<bool>(message, field, ParseBool(text), &R::SetBool,
                         &R::AddBool);
    case FieldDescriptor::CPPTYPE_ENUM:
      return Store<int>(message, field, ParseEnum(field, text),
                        &R::SetEnumValue, &R::AddEnumValue);
    case FieldDescriptor::CPPTYPE_STRING:
      return Store<std::string>(message, field, ParseString(field, text),
                                &R::SetString, &R::AddString);
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return SetWellKnown(message, field, text);
}

// What a string-valued well-known type should look like, for errors.
absl::string_view ExpectedForm(const Descriptor* type) {
  switch (type->well_known_type()) {
    case Descriptor::WELLKNOWNTYPE_TIMESTAMP:
      return "an RFC 3339 timestamp such as 2026-01-02T03:04:05Z";
    case Descriptor::WELLKNOWNTYPE_DURATION:
      return "a duration in seconds such as 3600s or 1.5s";
    default:
      return "a comma-separated list of field paths";
  }
}

absl::Status SetWellKnown(Message* parent, const FieldDescriptor* field,
                          absl::string_view text) {
  const Reflection* reflection = parent->GetReflection();
  Message* target = field->is_repeated()
                        ? reflection->AddMessage(parent, field)
                        : reflection->MutableMessage(parent, field);
  const Descriptor* type = field->message_type();
  if (IsWrapper(type)) {
    return SetFromText(target, type->FindFieldByName("value"), text);
  }
  // The text is exactly the type's proto3 JSON string, so protobuf's parser
  // applies the JSON mapping's rules (RFC 3339 with offsets and fractions,
  // "1.5s", FieldMask paths in lowerCamelCase or snake_case).
  const std::string json =
      Json(std::string(text))
          .dump(-1, ' ', false, Json::error_handler_t::replace);
  if (!ParseJsonInto(json, target).ok()) {
    return InvalidText(text, absl::StrCat("not ", ExpectedForm(type)));
  }
  return absl::OkStatus();
}

// The fields named by `path` (JSON or proto names), or nullopt if it names
// none. Every segment but the last must be a singular message field, and not
// a well-known type: a Timestamp, Duration, FieldMask or wrapper is one value,
// set from its text form, so "start_time.seconds" cannot bypass its checks.
std::optional<std::vector<const FieldDescriptor*>> FindFieldPath(
    const Descriptor* type, const std::vector<std::string>& path) {
  std::vector<const FieldDescriptor*> fields;
  for (const std::string& name : path) {
    if (type == nullptr) return std::nullopt;  // past a scalar or repeated
    const FieldDescriptor* field = FindField(type, name);
    if (field == nullptr) return std::nullopt;
    fields.push_back(field);
    type = field->is_repeated() ? nullptr : field->message_type();
    if (type != nullptr && (IsWrapper(type) || IsStringWellKnownType(type))) {
      type = nullptr;
    }
  }
  if (fields.empty()) return std::nullopt;
  return fields;
}

std::string ProtoPath(const std::vector<const FieldDescriptor*>& fields) {
  std::vector<std::string> names;
  for (const FieldDescriptor* field : fields) names.push_back(field->name());
  return absl::StrJoin(names, ".");
}

// The message holding the last of `fields`, creating those on the way.
Message* MutableParent(Message* root,
                       const std::vector<const FieldDescriptor*>& fields) {
  Message* message = root;
  for (size_t i = 0; i + 1 < fields.size(); ++i) {
    message = message->GetReflection()->MutableMessage(message, fields[i]);
  }
  return message;
}

absl::Status ApplyBinding(const Binding& binding, Message* out,
                          std::vector<std::string>* bound) {
  const std::string name = absl::StrJoin(binding.field_path, ".");
  auto fields = FindFieldPath(out->GetDescriptor(), binding.field_path);
  // RouteTable::Build rejects such templates; reaching this is a server bug.
  if (!fields || !IsSettableFromText(fields->back())) {
    return absl::InternalError(absl::StrCat("path variable ", Quoted(name),
                                            " names no scalar field of ",
                                            out->GetDescriptor()->full_name()));
  }
  bound->push_back(ProtoPath(*fields));
  absl::Status set =
      SetFromText(MutableParent(out, *fields), fields->back(), binding.value);
  if (!set.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid value for ", Quoted(name), ": ", set.message()));
  }
  return absl::OkStatus();
}

// True if setting `path` would overwrite (part of) a field in `bound`, or the
// other way round.
bool IsBound(const std::string& path, const std::vector<std::string>& bound) {
  for (const std::string& b : bound) {
    if (b == path || absl::StartsWith(path, b + ".") ||
        absl::StartsWith(b, path + ".")) {
      return true;
    }
  }
  return false;
}

// Checks that `field` may be set in `parent` without silently clearing
// another member of its oneof.
absl::Status CheckOneof(const Message& parent, const FieldDescriptor* field,
                        absl::string_view key) {
  const auto* oneof = field->containing_oneof();
  if (oneof == nullptr) return absl::OkStatus();
  const FieldDescriptor* set =
      parent.GetReflection()->GetOneofFieldDescriptor(parent, oneof);
  if (set == nullptr || set == field) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "query parameter ", Quoted(key), " conflicts with ", Quoted(set->name()),
      ": both are in oneof ", Quoted(oneof->name())));
}

absl::Status ApplyQueryParameter(absl::string_view key, absl::string_view value,
                                 const std::vector<std::string>& bound,
                                 std::set<std::string>* seen, Message* out) {
  std::vector<std::string> segments = absl::StrSplit(key, '.');
  if (segments.size() > kMaxQueryKeySegments) {
    return absl::InvalidArgumentError(absl::StrCat(
        "query parameter ", Quoted(key.substr(0, 64)),
        "...: nested deeper than ", kMaxQueryKeySegments, " fields"));
  }
  auto fields = FindFieldPath(out->GetDescriptor(), segments);
  if (!fields) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown query parameter ", Quoted(key)));
  }
  const FieldDescriptor* field = fields->back();
  if (!IsSettableFromText(field)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "query parameter ", Quoted(key),
        " names a message or map field; set its scalar fields instead"));
  }
  const std::string path = ProtoPath(*fields);
  if (IsBound(path, bound)) {
    return absl::InvalidArgumentError(
        absl::StrCat("query parameter ", Quoted(key),
                     " sets a field already bound by the path or body"));
  }
  // "page_size" and "pageSize" are the same field, so `seen` holds proto
  // paths.
  if (!field->is_repeated() && !seen->insert(path).second) {
    return absl::InvalidArgumentError(
        absl::StrCat("query parameter ", Quoted(key), " given more than once"));
  }
  Message* parent = MutableParent(out, *fields);
  RW_RETURN_IF_ERROR(CheckOneof(*parent, field, key));
  absl::Status set = SetFromText(parent, field, value);
  if (!set.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid value for ", Quoted(key), ": ", set.message()));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Responses.

absl::StatusOr<std::string> ToJson(
    const Message& message,
    const google::protobuf::util::JsonPrintOptions& options) {
  std::string json;
  auto status =
      google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    return absl::InternalError(std::string(status.message()));
  }
  return json;
}

// ToJson with default options. The direct printer is several times cheaper
// than protobuf's and prints the same bytes; it leaves rarer shapes (maps,
// Any, Struct...) to protobuf.
absl::StatusOr<std::string> MessageJson(const Message& message) {
  std::string json;
  if (AppendJson(message, &json)) return json;
  return ToJson(message, {});
}

// The JSON of one field's value. Default values are rendered (0, "", [],
// {}) because a response body of nothing at all would not be JSON.
absl::StatusOr<std::string> FieldToJson(const Message& response,
                                        const FieldDescriptor* field) {
  const Reflection* reflection = response.GetReflection();
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
      !field->is_repeated()) {
    return MessageJson(reflection->GetMessage(response, field));
  }
  // Scalars, lists and maps have no JSON document of their own: render a copy
  // holding only this field and cut its value out.
  std::unique_ptr<Message> only(response.New());
  only->CopyFrom(response);
  const Descriptor* type = response.GetDescriptor();
  for (int i = 0; i < type->field_count(); ++i) {
    if (type->field(i) != field)
      reflection->ClearField(only.get(), type->field(i));
  }
  // Printing defaults shows 0, "" and [] for this field, but for message
  // elements it would also add every default field inside them.
  const bool of_messages =
      field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = !of_messages;
  RW_ASSIGN_OR_RETURN(std::string json, ToJson(*only, options));
  const OrderedJson object = OrderedJson::parse(json);
  auto it = object.find(field->json_name());
  if (it != object.end()) return it->dump();
  if (of_messages) return field->is_map() ? "{}" : "[]";
  // An unset field with presence (proto3 optional, a oneof member) is absent
  // even with always_print_primitive_fields.
  return "null";
}

}  // namespace

absl::Status BuildRequest(const Route& route, const HttpRequestParts& parts,
                          Message* out) {
  // The body is parsed first because protobuf's JSON parser replaces the
  // whole message; path variables then override what the body set.
  out->Clear();
  std::vector<std::string> bound;
  RW_RETURN_IF_ERROR(ApplyBody(route, parts.body, out, &bound));
  for (const Binding& binding : parts.bindings) {
    RW_RETURN_IF_ERROR(ApplyBinding(binding, out, &bound));
  }
  if (route.body == "*" && !parts.query.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown query parameter ", Quoted(parts.query.front().first),
        ": this method takes every field from the request body"));
  }
  std::set<std::string> seen;
  for (const auto& [key, value] : parts.query) {
    RW_RETURN_IF_ERROR(ApplyQueryParameter(key, value, bound, &seen, out));
  }
  return absl::OkStatus();
}

std::string RenderResponse(const Route& route, const Message& response) {
  // An empty response_body finds no field: the whole response is the body.
  // (RouteTable::Build has checked that a non-empty one names a field.)
  const FieldDescriptor* field =
      response.GetDescriptor()->FindFieldByName(route.response_body);
  absl::StatusOr<std::string> json =
      field == nullptr ? MessageJson(response) : FieldToJson(response, field);
  // Only an Any with an unresolvable type fails to print; the signature has
  // no error channel, so the body says what went wrong.
  if (!json.ok()) {
    return StatusJson(grpc::StatusCode::INTERNAL,
                      "the response could not be rendered as JSON");
  }
  return *std::move(json);
}

int HttpStatusFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    default:  // UNKNOWN, INTERNAL, DATA_LOSS and codes outside google.rpc.Code
      return 500;
  }
}

std::string StatusJson(grpc::StatusCode code, absl::string_view message) {
  OrderedJson status;
  status["code"] = static_cast<int>(code);
  status["message"] = std::string(message);
  status["details"] = OrderedJson::array();
  // Messages may quote client input; invalid UTF-8 becomes U+FFFD rather
  // than an exception.
  return status.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

}  // namespace rentwave::rest
