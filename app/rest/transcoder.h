// Turns HTTP requests into request messages and response messages into JSON,
// following google.api.http and the proto3 JSON mapping.
#pragma once

#include <grpcpp/support/status.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "app/rest/path_template.h"
#include "app/rest/route_table.h"
#include "google/protobuf/message.h"

namespace rentwave::rest {

struct HttpRequestParts {
  std::vector<Binding> bindings;  // from the path template
  // Query parameters, percent-decoded, in order ("a=1&a=2" gives two).
  std::vector<std::pair<std::string, std::string>> query;
  std::string body;  // raw JSON text; may be empty
};

// Fills `out` (of type route.method->input_type()): path bindings, then the
// body per route.body ("*": the whole message; a field name: that field;
// empty: no body allowed), then query parameters for fields bound neither by
// path nor body. Query keys are field paths in JSON or proto names
// ("price.min", "page_size"); values are parsed per field type: scalars,
// repeated (one value per occurrence), enums by name or number, int64, bool,
// Timestamp (RFC 3339), Duration ("3600s"), FieldMask (comma-separated).
// Errors: INVALID_ARGUMENT naming the field or parameter for malformed JSON,
// an unknown JSON field, an unknown or already-bound query parameter, a
// value that does not parse as its field's type, or a body where none is
// allowed. Thread-safe.
absl::Status BuildRequest(const Route& route, const HttpRequestParts& parts,
                          google::protobuf::Message* out);

// The proto3 canonical JSON of `response`, or of its route.response_body
// field: lowerCamelCase names, int64 as strings, enums as names, default
// values omitted. Thread-safe.
std::string RenderResponse(const Route& route,
                           const google::protobuf::Message& response);

// The HTTP status for a gRPC code (the google.rpc.Code mapping, e.g.
// INVALID_ARGUMENT 400, UNAUTHENTICATED 401, NOT_FOUND 404, ABORTED 409,
// RESOURCE_EXHAUSTED 429, CANCELLED 499, UNIMPLEMENTED 501,
// UNAVAILABLE 503, DEADLINE_EXCEEDED 504, unknown codes 500).
int HttpStatusFor(grpc::StatusCode code);

// A google.rpc.Status as JSON: {"code":N,"message":"...","details":[]}.
std::string StatusJson(grpc::StatusCode code, absl::string_view message);

}  // namespace rentwave::rest
