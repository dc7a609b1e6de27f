// An OpenAPI 3.0.3 description of the REST facade, generated from its routes.
#pragma once

#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "app/rest/route_table.h"

namespace rentwave::rest {

// The OpenAPI 3.0.3 document (JSON text) describing `routes`, so that clients
// and tools see the same API the transcoder serves:
//
// - paths: each route's template with variables reduced to their field path
//   ("{name=shelves/*}" becomes "{name}", "{listing.id}" stays) and any verb
//   kept (":return"); routes sharing a path merge into one path item. OpenAPI
//   cannot tell apart templates that differ only inside variable patterns
//   under the same HTTP method; the first such route in `routes` (the most
//   specific) is the one documented. Routes with a custom HTTP method
//   OpenAPI has no operation for (anything but GET, PUT, POST, DELETE,
//   OPTIONS, HEAD, PATCH, TRACE) are left out.
// - operationId "Service_Method" (short service name) for a method's own
//   rule, "Service_Method_N" for its Nth additional binding; unique as long
//   as no two services share a short name. tags: the service's short name.
//   summary: the RPC's leading comment when the descriptors carry source
//   info, otherwise the method's full name.
// - parameters: every path variable (required); unless the body is "*",
//   query parameters for each field the path and body leave unbound that a
//   query can carry (scalars, enums, repeated ones, Timestamp, Duration,
//   FieldMask, wrappers), named by dotted JSON names ("price.minAmount") of
//   at most four segments; nested messages are never followed round a cycle.
// - requestBody: the input message (body "*") or the body field.
// - responses: "200" the output message or response_body field; "default"
//   google.rpc.Status.
// - components.schemas: every message reachable from those, keyed by full
//   name, following the proto3 JSON mapping (lowerCamelCase names, 64-bit
//   integers as strings, enums as names, well-known types as their JSON).
// - security: bearer JWT for every operation except those whose gRPC name
//   ("/package.Service/Method") is in `public_methods`, which get none.
//
// Thread-safe.
std::string OpenApiDocument(
    const RouteTable& routes, absl::string_view title,
    absl::string_view version,
    const absl::flat_hash_set<std::string>& public_methods = {});

}  // namespace rentwave::rest
