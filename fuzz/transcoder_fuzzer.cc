// libFuzzer target: one HTTP request through the REST facade, the way
// HttpGateway handles it: RouteTable::Find on the raw path, then
// BuildRequest into a fresh request message, then RenderResponse (and the
// error body a failed request gets). The path text is also fed to
// PathTemplate::Parse directly.
//
// Input format: up to three NUL bytes split the input into
//
//   METHOD \0 PATH \0 QUERY \0 BODY
//
// METHOD is the HTTP method ("GET", "post", "HEAD", anything), PATH the raw
// request path (still percent-encoded, as HttpGateway passes it), QUERY the
// query string without '?' ("a=1&b=%20x"; decoded here as httplib does:
// '&' separates, the first '=' splits, '+' is a space, %XX is a byte) and
// BODY the raw request body, which may itself hold NUL bytes. Missing
// trailing parts are empty. `printf 'GET\0/v1/users/42\0\0' > seed` makes a
// seed.
//
// Besides crashes and sanitizer reports, the target aborts when an invariant
// of the API breaks: BuildRequest failing with anything but
// INVALID_ARGUMENT (its other codes mean a server bug), a built request that
// does not survive serialize/parse, a rendered response or error body that
// is not JSON, an inconsistent RouteTable::Lookup, or a parsed template
// whose ShapeKey() is not itself a template of the same shape.
#include <grpcpp/support/status.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "app/rest/path_template.h"
#include "app/rest/route_table.h"
#include "app/rest/transcoder.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/message.h"
#include "modules/platform/status.h"
#include "rentwave/v1/users.pb.h"
#include "testdata/gateway_test.pb.h"
#include "testdata/routes_test.pb.h"
#include "testdata/transcode_test.pb.h"
#include "transcode_fuzz.pb.h"

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using rentwave::rest::HttpRequestParts;
using rentwave::rest::PathTemplate;
using rentwave::rest::Route;
using rentwave::rest::RouteTable;

// Reports a broken invariant the way libFuzzer recognizes: a crash.
void Check(bool ok, absl::string_view what, absl::string_view detail = "") {
  if (ok) return;
  // Messages can be long, and libFuzzer saves the whole input anyway.
  constexpr size_t kMaxDetail = 400;
  std::fprintf(stderr, "transcoder_fuzzer: %.*s: %s%s\n",
               static_cast<int>(what.size()), what.data(),
               absl::CHexEscape(detail.substr(0, kMaxDetail)).c_str(),
               detail.size() > kMaxDetail ? "..." : "");
  std::abort();
}

// The services the routes come from. Naming one message of each proto file
// links its generated code in, which registers it in the generated pool.
const RouteTable& Routes() {
  static const RouteTable* const table = [] {
    rentwave::v1::GetUserRequest::descriptor();
    rentwave::resttest::routes::ItemRequest::descriptor();
    rentwave::resttest::gateway::SayRequest::descriptor();
    rentwave::resttest::transcode::SearchRequest::descriptor();
    std::vector<const google::protobuf::ServiceDescriptor*> services;
    for (const char* name : {
             "rentwave.v1.Users",
             "rentwave.resttest.routes.Catalog",
             "rentwave.resttest.gateway.Echo",
             // TranscodeTestService has no HTTP rules;
             // fuzz/transcode_fuzz.proto routes its SearchRequest.
             "rentwave.resttest.transcode.TranscodeTestService",
             "rentwave.fuzz.TranscodeFuzz",
         }) {
      const google::protobuf::ServiceDescriptor* service =
          google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
              name);
      Check(service != nullptr, "service not linked in", name);
      services.push_back(service);
    }
    absl::StatusOr<RouteTable> built = RouteTable::Build(services);
    Check(built.ok(), "RouteTable::Build failed", built.status().ToString());
    return new RouteTable(*std::move(built));
  }();
  return *table;
}

struct Request {
  absl::string_view method;
  absl::string_view path;
  absl::string_view query;
  absl::string_view body;
};

Request Split(absl::string_view input) {
  Request request;
  absl::string_view* const fields[] = {&request.method, &request.path,
                                       &request.query};
  for (absl::string_view* field : fields) {
    const size_t nul = input.find('\0');
    if (nul == absl::string_view::npos) {
      *field = input;
      return request;
    }
    *field = input.substr(0, nul);
    input.remove_prefix(nul + 1);
  }
  request.body = input;
  return request;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Query decoding as httplib does it: '+' is a space, %XX a byte, and a '%'
// not followed by two hex digits stays as it is.
std::string QueryDecode(absl::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out.push_back(' ');
    } else if (in[i] == '%' && i + 2 < in.size() && HexValue(in[i + 1]) >= 0 &&
               HexValue(in[i + 2]) >= 0) {
      out.push_back(
          static_cast<char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2])));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> ParseQuery(
    absl::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  for (absl::string_view param :
       absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(param, absl::MaxSplits('=', 1));
    params.emplace_back(QueryDecode(kv.first), QueryDecode(kv.second));
  }
  return params;
}

void CheckJson(absl::string_view text, absl::string_view what) {
  Check(nlohmann::json::accept(text), what, text);
}

// The error body HttpGateway sends for a failed request.
void RenderError(const absl::Status& status) {
  const grpc::Status grpc_status = rentwave::platform::ToGrpcStatus(status);
  rentwave::rest::HttpStatusFor(grpc_status.error_code());
  CheckJson(rentwave::rest::StatusJson(grpc_status.error_code(),
                                       grpc_status.error_message()),
            "StatusJson is not JSON");
}

std::string Deterministic(const Message& message) {
  std::string wire;
  {
    google::protobuf::io::StringOutputStream stream(&wire);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    Check(message.SerializeToCodedStream(&coded), "serialize failed",
          message.ShortDebugString());
  }
  return wire;
}

// A built request is sent to the gRPC server: it must serialize, and the
// server must parse back the same message (proto3 strings must be UTF-8).
void CheckRoundTrip(const Message& request) {
  const std::string wire = Deterministic(request);
  std::unique_ptr<Message> copy(request.New());
  Check(copy->ParseFromString(wire), "built request does not parse back",
        request.ShortDebugString());
  Check(Deterministic(*copy) == wire, "built request changed in a round trip",
        request.ShortDebugString());
}

// RenderResponse over the built request itself, as a method echoing its
// request would answer: the whole message, then each set top-level field as
// response_body (RenderResponse needs only that the field exists).
void RenderEcho(const Route& route, const Message& request) {
  Route echo = route;
  echo.response_body.clear();
  CheckJson(rentwave::rest::RenderResponse(echo, request),
            "RenderResponse of the request is not JSON");
  std::vector<const FieldDescriptor*> fields;
  request.GetReflection()->ListFields(request, &fields);
  for (const FieldDescriptor* field : fields) {
    echo.response_body = field->name();
    CheckJson(rentwave::rest::RenderResponse(echo, request),
              "RenderResponse of a request field is not JSON");
  }
}

const Message& Prototype(const google::protobuf::Descriptor* type) {
  const Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type);
  Check(prototype != nullptr, "no generated message for", type->full_name());
  return *prototype;
}

void FuzzRequest(const RouteTable& table, const Request& in) {
  RouteTable::Lookup found = table.Find(in.method, in.path);
  switch (found.outcome) {
    case RouteTable::Outcome::kNotFound:
      Check(found.route == nullptr && found.allowed.empty(), "bad 404 lookup");
      return;
    case RouteTable::Outcome::kMethodNotAllowed:
      Check(found.route == nullptr && !found.allowed.empty() &&
                std::is_sorted(found.allowed.begin(), found.allowed.end()),
            "bad 405 lookup");
      return;
    case RouteTable::Outcome::kMatched:
      break;
  }
  Check(found.route != nullptr, "matched without a route");
  const Route& route = *found.route;
  Check(found.bindings.size() == route.path.variables().size(),
        "bindings do not match the template's variables", route.path.text());

  HttpRequestParts parts;
  parts.bindings = std::move(found.bindings);
  parts.query = ParseQuery(in.query);
  parts.body = std::string(in.body);
  std::unique_ptr<Message> request(Prototype(route.method->input_type()).New());
  const absl::Status built =
      rentwave::rest::BuildRequest(route, parts, request.get());

  // The response side does not depend on the input, but runs in the same
  // process state a server would have after parsing the request.
  std::unique_ptr<Message> response(
      Prototype(route.method->output_type()).New());
  CheckJson(rentwave::rest::RenderResponse(route, *response),
            "RenderResponse is not JSON");

  if (!built.ok()) {
    Check(built.code() == absl::StatusCode::kInvalidArgument,
          "BuildRequest failed with a code other than INVALID_ARGUMENT",
          built.ToString());
    RenderError(built);
    return;
  }
  CheckRoundTrip(*request);
  RenderEcho(route, *request);
}

void FuzzTemplate(const RouteTable& table, absl::string_view text) {
  absl::StatusOr<PathTemplate> parsed = PathTemplate::Parse(text);
  if (!parsed.ok()) {
    Check(parsed.status().code() == absl::StatusCode::kInvalidArgument,
          "PathTemplate::Parse failed with a code other than INVALID_ARGUMENT",
          parsed.status().ToString());
    return;
  }
  const PathTemplate& path = *parsed;
  Check(path.text() == text, "text() is not the parsed text", text);
  path.Match(text);
  path.variables();
  Check(!path.MoreSpecificThan(path), "MoreSpecificThan is not irreflexive",
        text);
  for (const Route& route : table.routes()) {
    Check(!(path.MoreSpecificThan(route.path) &&
            route.path.MoreSpecificThan(path)),
          "MoreSpecificThan is not asymmetric", text);
  }
  // A shape key reads as a template of the same shape.
  const std::string key = path.ShapeKey();
  absl::StatusOr<PathTemplate> shape = PathTemplate::Parse(key);
  Check(shape.ok(), "ShapeKey() does not parse", key);
  Check(shape->ShapeKey() == key, "ShapeKey() is not canonical", key);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const RouteTable& table = Routes();
  const Request request =
      Split(absl::string_view(reinterpret_cast<const char*>(data), size));
  FuzzTemplate(table, request.path);
  FuzzRequest(table, request);
  return 0;
}
