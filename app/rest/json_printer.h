// A direct proto3 JSON printer for REST responses. protobuf's own printer
// (MessageToJsonString) serializes the message, builds google.protobuf.Type
// descriptions of it through a TypeResolver and prints from the wire bytes,
// on every call; this one walks the message by reflection, several times
// cheaper. Its output is byte-for-byte protobuf's, and where it cannot
// promise that it declines, so that the caller uses protobuf instead.
#pragma once

#include <string>

#include "google/protobuf/message.h"

namespace rentwave::rest {

// Appends the JSON of `message` to `out` exactly as
// google::protobuf::util::MessageToJsonString with default options prints
// it (lowerCamelCase names, int64 as strings, enums as names, default values
// omitted, fields in number order, protobuf's string escaping) and returns
// true. Returns false, with `out` in an unspecified state, for what it
// leaves to protobuf: map fields; the well-known types other than Timestamp
// and Duration (Any, Struct, Value, wrappers, FieldMask, Empty...); proto2
// messages; strings that are not valid UTF-8; Timestamps and Durations out
// of range (protobuf reports those as errors); nesting deeper than 32.
// Thread-safe.
bool AppendJson(const google::protobuf::Message& message, std::string* out);

}  // namespace rentwave::rest
