#include "app/rest/path_template.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "modules/platform/status.h"

namespace rentwave::rest {
namespace {

absl::Status Malformed(absl::string_view text, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("path template \"", absl::CHexEscape(text), "\": ", what));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes; nullopt for a '%' not followed by two hex digits.
// With `keep_slash`, an escaped '/' stays escaped (as "%2F") so that a
// multi-segment value still tells a '/' inside a segment from a separator.
std::optional<std::string> PercentDecode(absl::string_view in,
                                         bool keep_slash = false) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (in.size() - i < 3) return std::nullopt;
    const int high = HexValue(in[i + 1]);
    const int low = HexValue(in[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    const char c = static_cast<char>(high * 16 + low);
    if (keep_slash && c == '/') {
      out.append("%2F");
    } else {
      out.push_back(c);
    }
    i += 2;
  }
  return out;
}

// Escapes all but unreserved characters, so that literals written
// differently ("caf%C3%A9", "caf%c3%a9") get one spelling in a ShapeKey.
std::string PercentEncode(absl::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : in) {
    if (absl::ascii_isalnum(c) ||
        absl::string_view("-._~").find(c) != absl::string_view::npos) {
      out.push_back(c);
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    out.push_back('%');
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 0xF]);
  }
  return out;
}

// RFC 3986 path characters, less those the template syntax gives a meaning
// ('*', '=', ':', '/', braces).
bool IsLiteralChar(char c) {
  return absl::ascii_isalnum(c) ||
         absl::string_view("-._~%!$&'()+,;@").find(c) !=
             absl::string_view::npos;
}

// Checks a literal segment (or the verb) of `text` and returns it decoded:
// requests are decoded before comparison, so the template must be too.
absl::StatusOr<std::string> DecodeLiteral(absl::string_view text,
                                          absl::string_view literal) {
  if (literal.empty()) return Malformed(text, "empty segment");
  for (const char c : literal) {
    if (c == '*') {
      return Malformed(text, absl::StrCat("'*' inside literal \"", literal,
                                          "\" (wildcards are whole segments)"));
    }
    if (!IsLiteralChar(c)) {
      return Malformed(
          text, absl::StrCat("invalid character '",
                             absl::CHexEscape(absl::string_view(&c, 1)),
                             "' in \"", absl::CHexEscape(literal), "\""));
    }
  }
  std::optional<std::string> decoded = PercentDecode(literal);
  if (!decoded) {
    return Malformed(text,
                     absl::StrCat("bad percent-encoding in \"", literal, "\""));
  }
  return *std::move(decoded);
}

bool IsIdentifier(absl::string_view s) {
  if (s.empty() || absl::ascii_isdigit(s[0])) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return absl::ascii_isalnum(c) || c == '_'; });
}

// The template split at the '/' and ':' outside braces: "/a/{b=c/*}:v" gives
// segments {"a", "{b=c/*}"} and verb "v".
struct TemplateParts {
  std::vector<absl::string_view> segments;
  std::optional<absl::string_view> verb;
};

absl::StatusOr<TemplateParts> SplitTemplate(absl::string_view text) {
  if (!absl::StartsWith(text, "/")) {
    return Malformed(text, "must start with '/'");
  }
  TemplateParts parts;
  bool in_variable = false;
  size_t start = 1;  // of the current segment
  for (size_t i = 1; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '{') {
      if (in_variable) return Malformed(text, "variables cannot nest");
      in_variable = true;
    } else if (c == '}') {
      if (!in_variable) return Malformed(text, "unbalanced '}'");
      in_variable = false;
    } else if (!in_variable && (c == '/' || c == ':')) {
      parts.segments.push_back(text.substr(start, i - start));
      start = i + 1;
      if (c == ':') {
        parts.verb = text.substr(start);
        return parts;
      }
    }
  }
  if (in_variable) return Malformed(text, "unbalanced '{'");
  parts.segments.push_back(text.substr(start));
  return parts;
}

// A variable segment "{a.b=x/*}" split into {"a", "b"} and {"x", "*"}.
struct VariableParts {
  std::vector<std::string> field_path;
  std::vector<absl::string_view> segments;
};

absl::StatusOr<VariableParts> SplitVariable(absl::string_view text,
                                            absl::string_view raw) {
  absl::string_view inner = raw;
  if (!absl::ConsumePrefix(&inner, "{") || !absl::ConsumeSuffix(&inner, "}") ||
      absl::StrContains(inner, '{') || absl::StrContains(inner, '}')) {
    return Malformed(text, absl::StrCat("variable in \"", raw,
                                        "\" must be a whole segment"));
  }
  std::vector<absl::string_view> halves =
      absl::StrSplit(inner, absl::MaxSplits('=', 1));
  VariableParts parts;
  parts.field_path = absl::StrSplit(halves[0], '.');
  for (const std::string& name : parts.field_path) {
    if (!IsIdentifier(name)) {
      return Malformed(text, absl::StrCat("bad field path \"", halves[0],
                                          "\" in \"", raw, "\""));
    }
  }
  if (halves.size() == 1) {
    parts.segments = {"*"};  // "{x}" means "{x=*}"
  } else {
    parts.segments = absl::StrSplit(halves[1], '/');
  }
  return parts;
}

absl::Status CheckDistinct(absl::string_view text,
                           const std::vector<std::vector<std::string>>& paths) {
  for (size_t i = 0; i < paths.size(); ++i) {
    if (std::find(paths.begin(), paths.begin() + i, paths[i]) !=
        paths.begin() + i) {
      return Malformed(text,
                       absl::StrCat("variable \"", absl::StrJoin(paths[i], "."),
                                    "\" appears twice"));
    }
  }
  return absl::OkStatus();
}

// Decodes every segment; nullopt if one is empty or badly encoded, which no
// template matches.
std::optional<std::vector<std::string>> DecodeSegments(
    const std::vector<absl::string_view>& raw) {
  std::vector<std::string> decoded;
  decoded.reserve(raw.size());
  for (const absl::string_view segment : raw) {
    std::optional<std::string> d = PercentDecode(segment);
    if (segment.empty() || !d) return std::nullopt;
    decoded.push_back(*std::move(d));
  }
  return decoded;
}

}  // namespace

absl::StatusOr<PathTemplate> PathTemplate::Parse(absl::string_view text) {
  RW_ASSIGN_OR_RETURN(TemplateParts parts, SplitTemplate(text));
  PathTemplate result;
  result.text_ = std::string(text);
  auto add_segment = [&](absl::string_view raw) -> absl::Status {
    if (raw == "*" || raw == "**") {
      result.segments_.push_back(
          {raw == "*" ? Kind::kSingle : Kind::kMulti, ""});
      return absl::OkStatus();
    }
    RW_ASSIGN_OR_RETURN(std::string literal, DecodeLiteral(text, raw));
    result.segments_.push_back({Kind::kLiteral, std::move(literal)});
    return absl::OkStatus();
  };
  for (const absl::string_view raw : parts.segments) {
    if (!absl::StrContains(raw, '{')) {
      RW_RETURN_IF_ERROR(add_segment(raw));
      continue;
    }
    RW_ASSIGN_OR_RETURN(VariableParts variable, SplitVariable(text, raw));
    const size_t first = result.segments_.size();
    for (const absl::string_view segment : variable.segments) {
      RW_RETURN_IF_ERROR(add_segment(segment));
    }
    result.variables_.push_back(
        {std::move(variable.field_path), first, result.segments_.size()});
  }
  if (parts.verb) {
    if (parts.verb->empty()) return Malformed(text, "empty verb after ':'");
    if (absl::StrContains(*parts.verb, '/')) {
      return Malformed(text, "':' may only start the verb, at the end");
    }
    RW_ASSIGN_OR_RETURN(result.verb_, DecodeLiteral(text, *parts.verb));
  }
  if (std::any_of(result.segments_.begin(), result.segments_.end() - 1,
                  [](const Segment& s) { return s.kind == Kind::kMulti; })) {
    return Malformed(text, "'**' must be the last segment");
  }
  RW_RETURN_IF_ERROR(CheckDistinct(text, result.variables()));
  return result;
}

SplitPath::Segments SplitPath::Split(absl::string_view path) {
  Segments segments;
  if (!path.empty()) segments.raw = absl::StrSplit(path, '/');
  std::optional<std::vector<std::string>> decoded =
      DecodeSegments(segments.raw);
  if (decoded) {
    segments.valid = true;
    segments.decoded = *std::move(decoded);
  }
  return segments;
}

SplitPath::SplitPath(absl::string_view path) {
  rooted_ = absl::ConsumePrefix(&path, "/");
  if (!rooted_) return;
  absl::ConsumeSuffix(&path, "/");  // "/v1/users/" is "/v1/users"
  whole_ = Split(path);
  // The verb follows the last ':' of the last segment; an earlier ':' may
  // belong to a variable's value.
  const size_t colon = path.rfind(':');
  if (colon == absl::string_view::npos ||
      path.find('/', colon) != absl::string_view::npos) {
    return;
  }
  verb_ = PercentDecode(path.substr(colon + 1));
  if (verb_) before_verb_ = Split(path.substr(0, colon));
}

std::optional<std::vector<Binding>> PathTemplate::Match(
    absl::string_view path) const {
  return Match(SplitPath(path));
}

std::optional<std::vector<Binding>> PathTemplate::Match(
    const SplitPath& path) const {
  std::vector<Binding> bindings;
  if (!MatchInto(path, &bindings)) return std::nullopt;
  return bindings;
}

bool PathTemplate::Matches(const SplitPath& path) const {
  return MatchInto(path, nullptr);
}

bool PathTemplate::MatchInto(const SplitPath& path,
                             std::vector<Binding>* bindings) const {
  if (!path.rooted_) return false;
  if (!verb_.empty() && (!path.verb_ || *path.verb_ != verb_)) return false;
  const SplitPath::Segments& split =
      verb_.empty() ? path.whole_ : path.before_verb_;
  if (!split.valid) return false;
  const std::vector<absl::string_view>& raw = split.raw;
  const std::vector<std::string>& decoded = split.decoded;

  // A trailing "**" takes the segments left after the fixed ones.
  const bool open_ended =
      !segments_.empty() && segments_.back().kind == Kind::kMulti;
  const size_t fixed = segments_.size() - (open_ended ? 1 : 0);
  if (raw.size() < fixed || (!open_ended && raw.size() > fixed)) {
    return false;
  }
  for (size_t i = 0; i < fixed; ++i) {
    const Segment& segment = segments_[i];
    if (segment.kind == Kind::kLiteral && segment.literal != decoded[i]) {
      return false;
    }
  }

  if (bindings != nullptr) bindings->reserve(variables_.size());
  for (const Variable& variable : variables_) {
    const bool takes_rest = open_ended && variable.last == segments_.size();
    std::string value;
    // The spec's multi-segment variables ("{x=a/*}", "{x=**}") keep %2F so
    // that the value's '/' separators stay unambiguous.
    if (takes_rest || variable.last - variable.first > 1) {
      const size_t end = takes_rest ? raw.size() : variable.last;
      value = *PercentDecode(
          absl::StrJoin(raw.begin() + variable.first, raw.begin() + end, "/"),
          /*keep_slash=*/true);
    } else {
      value = decoded[variable.first];
    }
    if (value.empty()) return false;
    if (bindings != nullptr) {
      bindings->push_back({variable.field_path, std::move(value)});
    }
  }
  return true;
}

std::string PathTemplate::ShapeKey() const {
  std::string key;
  for (const Segment& segment : segments_) {
    switch (segment.kind) {
      case Kind::kLiteral:
        absl::StrAppend(&key, "/", PercentEncode(segment.literal));
        break;
      case Kind::kSingle:
        key.append("/*");
        break;
      case Kind::kMulti:
        key.append("/**");
        break;
    }
  }
  if (!verb_.empty()) absl::StrAppend(&key, ":", PercentEncode(verb_));
  return key;
}

bool PathTemplate::MoreSpecificThan(const PathTemplate& other) const {
  // Kind is declared from most to least specific. Where one template is a
  // prefix of the other, the shorter ranks first: they only overlap if the
  // longer one adds a "**", which the shorter one does without.
  auto ranks_before = [](const Segment& a, const Segment& b) {
    return a.kind < b.kind;
  };
  if (std::lexicographical_compare(segments_.begin(), segments_.end(),
                                   other.segments_.begin(),
                                   other.segments_.end(), ranks_before)) {
    return true;
  }
  if (std::lexicographical_compare(other.segments_.begin(),
                                   other.segments_.end(), segments_.begin(),
                                   segments_.end(), ranks_before)) {
    return false;
  }
  // Same ranks: a verb is one more thing the path must match.
  return !verb_.empty() && other.verb_.empty();
}

std::vector<std::vector<std::string>> PathTemplate::variables() const {
  std::vector<std::vector<std::string>> paths;
  paths.reserve(variables_.size());
  for (const Variable& variable : variables_) {
    paths.push_back(variable.field_path);
  }
  return paths;
}

}  // namespace rentwave::rest
