// Writes one flat JSON object as text, e.g. an event payload:
//   std::string payload = JsonObject()
//                             .Add("period", 3)
//                             .Add("currency", "USD")
//                             .Done();  // {"period":3,"currency":"USD"}
// Several times cheaper than building an nlohmann::json (a map of nodes)
// to dump it, and every state change writes a payload. Strings are escaped
// per RFC 8259 and must be valid UTF-8: Add throws std::invalid_argument
// otherwise, as nlohmann::json::dump() does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace rentwave::platform {

class JsonObject {
 public:
  JsonObject() : text_("{") {}

  JsonObject& Add(absl::string_view key, int64_t value);
  JsonObject& Add(absl::string_view key, absl::string_view value);
  // Without this, a string literal would pick the bool overload.
  JsonObject& Add(absl::string_view key, const char* value) {
    return Add(key, absl::string_view(value));
  }
  // null when empty.
  JsonObject& Add(absl::string_view key, std::optional<int64_t> value);

  // The object's text; the builder is spent.
  std::string Done();

 private:
  void Key(absl::string_view key);
  std::string text_;
};

}  // namespace rentwave::platform
