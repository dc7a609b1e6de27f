#include "modules/platform/json_object.h"

#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "modules/platform/text.h"

namespace rentwave::platform {
namespace {

void AppendQuoted(std::string& out, absl::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (!IsValidUtf8(s)) {
    // JSON text is Unicode: as nlohmann::json::dump() does, refuse. Inside
    // a write transaction this fails it with INTERNAL.
    throw std::invalid_argument("JSON string is not valid UTF-8");
  }
  out.push_back('"');
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (u < 0x20) {
          out.append("\\u00");
          out.push_back(kHex[u >> 4]);
          out.push_back(kHex[u & 0xf]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

}  // namespace

void JsonObject::Key(absl::string_view key) {
  if (text_.size() > 1) text_.push_back(',');
  AppendQuoted(text_, key);
  text_.push_back(':');
}

JsonObject& JsonObject::Add(absl::string_view key, int64_t value) {
  Key(key);
  absl::StrAppend(&text_, value);
  return *this;
}

JsonObject& JsonObject::Add(absl::string_view key, absl::string_view value) {
  Key(key);
  AppendQuoted(text_, value);
  return *this;
}

JsonObject& JsonObject::Add(absl::string_view key,
                            std::optional<int64_t> value) {
  if (!value) {
    Key(key);
    text_.append("null");
    return *this;
  }
  return Add(key, *value);
}

std::string JsonObject::Done() {
  text_.push_back('}');
  return std::move(text_);
}

}  // namespace rentwave::platform
