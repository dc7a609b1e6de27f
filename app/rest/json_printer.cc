#include "app/rest/json_printer.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/stubs/strutil.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace rentwave::rest {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Deeper messages are left to protobuf, which refuses nesting past 64.
constexpr int kMaxDepth = 32;

// protobuf's limits (util/internal/constants.h): 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59Z, and +-10000 years for a Duration.
constexpr int64_t kTimestampMinSeconds = -62135596800;
constexpr int64_t kTimestampMaxSeconds = 253402300799;
constexpr int64_t kDurationMaxSeconds = 315576000000;
constexpr int32_t kNanosPerSecond = 1000000000;

constexpr char kHex[] = "0123456789abcdef";

void AppendHex4(uint32_t unit, std::string* out) {
  char buf[6] = {'\\',
                 'u',
                 kHex[(unit >> 12) & 0xf],
                 kHex[(unit >> 8) & 0xf],
                 kHex[(unit >> 4) & 0xf],
                 kHex[unit & 0xf]};
  out->append(buf, sizeof(buf));
}

// The code points protobuf's JsonEscaping writes as \u escapes although JSON
// allows them raw: invisible and formatting characters that have caused
// security bugs in JavaScript. Supplementary ones become surrogate pairs.
bool EscapedAboveLatin1(uint32_t cp) {
  switch (cp) {
    case 0x00ad:
    case 0x06dd:
    case 0x070f:
    case 0x17b4:
    case 0x17b5:
    case 0xfeff:
    case 0xfff9:
    case 0xfffa:
    case 0xfffb:
    case 0xe0001:
      return true;
    default:
      return (cp >= 0x0600 && cp <= 0x0603) || (cp >= 0x200b && cp <= 0x200f) ||
             (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2064) ||
             (cp >= 0x206a && cp <= 0x206f) ||
             (cp >= 0x1d173 && cp <= 0x1d17a) ||
             (cp >= 0xe0020 && cp <= 0xe007f);
  }
}

void AppendEscapedCodePoint(uint32_t cp, std::string* out) {
  if (cp >= 0x10000) {
    const uint32_t v = cp - 0x10000;
    AppendHex4(0xd800 + (v >> 10), out);
    AppendHex4(0xdc00 + (v & 0x3ff), out);
  } else {
    AppendHex4(cp, out);
  }
}

// Appends `text` as a quoted JSON string with protobuf's escaping: \" \\ \b
// \f \n \r \t, \u00XX for the other C0 and C1 controls and DEL, \u003c and
// \u003e for < and >, and the code points above. False if `text` is not
// valid UTF-8 (protobuf then drops bytes; it is left to do so).
bool AppendString(absl::string_view text, std::string* out) {
  out->push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  const auto* run = p;  // start of bytes not yet copied
  while (p < end) {
    const unsigned char c = *p;
    if (c >= 0x20 && c < 0x7f) {
      if (c != '"' && c != '\\' && c != '<' && c != '>') {
        ++p;
        continue;
      }
      out->append(reinterpret_cast<const char*>(run), p - run);
      switch (c) {
        case '"':
          out->append("\\\"");
          break;
        case '\\':
          out->append("\\\\");
          break;
        default:
          AppendHex4(c, out);
      }
      run = ++p;
      continue;
    }
    if (c < 0x80) {  // C0 controls and DEL
      out->append(reinterpret_cast<const char*>(run), p - run);
      switch (c) {
        case '\b':
          out->append("\\b");
          break;
        case '\f':
          out->append("\\f");
          break;
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '\t':
          out->append("\\t");
          break;
        default:
          AppendHex4(c, out);
      }
      run = ++p;
      continue;
    }
    // A multi-byte sequence: strict UTF-8 (no overlong forms, surrogates or
    // values past U+10FFFF).
    int len;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p < len) return false;
    for (int i = 1; i < len; ++i) {
      if ((p[i] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    if (cp < 0xa0 || EscapedAboveLatin1(cp)) {  // C1 controls, and the above
      out->append(reinterpret_cast<const char*>(run), p - run);
      AppendEscapedCodePoint(cp, out);
      run = p + len;
    }
    p += len;
  }
  out->append(reinterpret_cast<const char*>(run), end - run);
  out->push_back('"');
  return true;
}

void AppendDigits(int64_t value, int width, std::string* out) {
  char buf[20];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0 || n < width);
  while (n > 0) out->push_back(buf[--n]);
}

// ".123", ".123456" or ".123456789": as few groups of three digits as
// represent `nanos` (in [1, 999999999]) exactly.
void AppendNanos(int32_t nanos, std::string* out) {
  out->push_back('.');
  if (nanos % 1000000 == 0) {
    AppendDigits(nanos / 1000000, 3, out);
  } else if (nanos % 1000 == 0) {
    AppendDigits(nanos / 1000, 6, out);
  } else {
    AppendDigits(nanos, 9, out);
  }
}

// Seconds and nanos of a Timestamp or Duration (fields 1 and 2).
void SecondsAndNanos(const Message& message, int64_t* seconds, int32_t* nanos) {
  const Descriptor* type = message.GetDescriptor();
  const Reflection* reflection = message.GetReflection();
  *seconds = reflection->GetInt64(message, type->field(0));
  *nanos = reflection->GetInt32(message, type->field(1));
}

// RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits, as protobuf's
// FormatTime; the date from days since the epoch in the proleptic Gregorian
// calendar (H. Hinnant's civil_from_days).
bool AppendTimestamp(const Message& message, std::string* out) {
  int64_t seconds;
  int32_t nanos;
  SecondsAndNanos(message, &seconds, &nanos);
  if (seconds < kTimestampMinSeconds || seconds > kTimestampMaxSeconds ||
      nanos < 0 || nanos >= kNanosPerSecond) {
    return false;
  }
  int64_t days = seconds / 86400;
  int64_t second_of_day = seconds % 86400;
  if (second_of_day < 0) {
    second_of_day += 86400;
    --days;
  }
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  out->push_back('"');
  AppendDigits(year, 4, out);
  out->push_back('-');
  AppendDigits(month, 2, out);
  out->push_back('-');
  AppendDigits(day, 2, out);
  out->push_back('T');
  AppendDigits(second_of_day / 3600, 2, out);
  out->push_back(':');
  AppendDigits(second_of_day / 60 % 60, 2, out);
  out->push_back(':');
  AppendDigits(second_of_day % 60, 2, out);
  if (nanos != 0) AppendNanos(nanos, out);
  out->append("Z\"");
  return true;
}

// "3600s", "-1.5s", "0.000000001s". Mixed signs, which protobuf either
// rejects or prints oddly, are left to it.
bool AppendDuration(const Message& message, std::string* out) {
  int64_t seconds;
  int32_t nanos;
  SecondsAndNanos(message, &seconds, &nanos);
  if (seconds < -kDurationMaxSeconds || seconds > kDurationMaxSeconds ||
      nanos <= -kNanosPerSecond || nanos >= kNanosPerSecond ||
      (seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0)) {
    return false;
  }
  out->push_back('"');
  if (seconds < 0 || nanos < 0) {
    out->push_back('-');
    seconds = -seconds;
    nanos = -nanos;
  }
  AppendDigits(seconds, 1, out);
  if (nanos != 0) AppendNanos(nanos, out);
  out->append("s\"");
  return true;
}

template <typename T>
void AppendFloating(T value, std::string* out) {
  if (std::isfinite(value)) {
    // SimpleFtoa for floats: the shortest text that reads back as the float.
    out->append(sizeof(T) == sizeof(float)
                    ? google::protobuf::SimpleFtoa(static_cast<float>(value))
                    : google::protobuf::SimpleDtoa(value));
  } else if (std::isnan(value)) {
    out->append("\"NaN\"");
  } else {
    out->append(value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  }
}

class Printer {
 public:
  explicit Printer(std::string* out) : out_(out) {}

  bool PrintMessage(const Message& message, int depth) {
    if (depth > kMaxDepth) return false;
    const Descriptor* type = message.GetDescriptor();
    switch (type->well_known_type()) {
      case Descriptor::WELLKNOWNTYPE_UNSPECIFIED:
        break;
      case Descriptor::WELLKNOWNTYPE_TIMESTAMP:
        return AppendTimestamp(message, out_);
      case Descriptor::WELLKNOWNTYPE_DURATION:
        return AppendDuration(message, out_);
      default:
        return false;
    }
    if (type->file()->syntax() != FileDescriptor::SYNTAX_PROTO3) return false;
    const Reflection* reflection = message.GetReflection();
    // The fields present on the wire, in number order: what protobuf
    // prints, as it prints from the serialized message.
    std::vector<const FieldDescriptor*> fields;
    reflection->ListFields(message, &fields);
    out_->push_back('{');
    bool first = true;
    for (const FieldDescriptor* field : fields) {
      if (field->is_map() || field->is_extension()) return false;
      if (!first) out_->push_back(',');
      first = false;
      if (!AppendString(field->json_name(), out_)) return false;
      out_->push_back(':');
      if (!field->is_repeated()) {
        if (!PrintValue(message, field, -1, depth)) return false;
        continue;
      }
      out_->push_back('[');
      const int size = reflection->FieldSize(message, field);
      for (int i = 0; i < size; ++i) {
        if (i > 0) out_->push_back(',');
        if (!PrintValue(message, field, i, depth)) return false;
      }
      out_->push_back(']');
    }
    out_->push_back('}');
    return true;
  }

 private:
  // The value of `field` in `message`; element `index` if it is repeated
  // (else index is -1).
  bool PrintValue(const Message& message, const FieldDescriptor* field,
                  int index, int depth) {
    const Reflection* r = message.GetReflection();
    const bool rep = index >= 0;
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        absl::StrAppend(out_, rep ? r->GetRepeatedInt32(message, field, index)
                                  : r->GetInt32(message, field));
        return true;
      case FieldDescriptor::CPPTYPE_UINT32:
        absl::StrAppend(out_, rep ? r->GetRepeatedUInt32(message, field, index)
                                  : r->GetUInt32(message, field));
        return true;
      case FieldDescriptor::CPPTYPE_INT64:
        absl::StrAppend(out_, "\"",
                        rep ? r->GetRepeatedInt64(message, field, index)
                            : r->GetInt64(message, field),
                        "\"");
        return true;
      case FieldDescriptor::CPPTYPE_UINT64:
        absl::StrAppend(out_, "\"",
                        rep ? r->GetRepeatedUInt64(message, field, index)
                            : r->GetUInt64(message, field),
                        "\"");
        return true;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        AppendFloating(rep ? r->GetRepeatedDouble(message, field, index)
                           : r->GetDouble(message, field),
                       out_);
        return true;
      case FieldDescriptor::CPPTYPE_FLOAT:
        AppendFloating(rep ? r->GetRepeatedFloat(message, field, index)
                           : r->GetFloat(message, field),
                       out_);
        return true;
      case FieldDescriptor::CPPTYPE_BOOL:
        out_->append((rep ? r->GetRepeatedBool(message, field, index)
                          : r->GetBool(message, field))
                         ? "true"
                         : "false");
        return true;
      case FieldDescriptor::CPPTYPE_ENUM: {
        // NullValue prints as null, only protobuf knows.
        if (field->enum_type()->full_name() == "google.protobuf.NullValue") {
          return false;
        }
        const int number = rep ? r->GetRepeatedEnumValue(message, field, index)
                               : r->GetEnumValue(message, field);
        const auto* value = field->enum_type()->FindValueByNumber(number);
        if (value == nullptr) {  // an open enum's unknown value: its number
          absl::StrAppend(out_, number);
          return true;
        }
        return AppendString(value->name(), out_);
      }
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string scratch;
        const std::string& text =
            rep ? r->GetRepeatedStringReference(message, field, index, &scratch)
                : r->GetStringReference(message, field, &scratch);
        if (field->type() == FieldDescriptor::TYPE_BYTES) {
          absl::StrAppend(out_, "\"", absl::Base64Escape(text), "\"");
          return true;
        }
        return AppendString(text, out_);
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return PrintMessage(rep ? r->GetRepeatedMessage(message, field, index)
                                : r->GetMessage(message, field),
                            depth + 1);
    }
    return false;
  }

  std::string* out_;
};

}  // namespace

bool AppendJson(const Message& message, std::string* out) {
  return Printer(out).PrintMessage(message, 0);
}

}  // namespace rentwave::rest
