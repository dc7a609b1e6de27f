// google.api.HttpRule path templates: parsing and matching request paths.
//
//   Template = "/" Segments [ Verb ] ;
//   Segments = Segment { "/" Segment } ;
//   Segment  = "*" | "**" | LITERAL | Variable ;
//   Variable = "{" FieldPath [ "=" Segments ] "}" ;
//   FieldPath = IDENT { "." IDENT } ;
//   Verb     = ":" LITERAL ;
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rentwave::rest {

// A value bound to a request field by the path (e.g. {listing.id}).
struct Binding {
  std::vector<std::string> field_path;  // {"listing", "id"}
  std::string value;                    // percent-decoded per the spec
};

// A request path (no query string, still percent-encoded) split into
// segments and percent-decoded once, so that matching it against every
// template of a route table does not redo that per template. Holds views
// into `path`, which must outlive it.
class SplitPath {
 public:
  explicit SplitPath(absl::string_view path);

 private:
  friend class PathTemplate;
  // Segments of a path; valid if none is empty or badly encoded (no
  // template matches such a path).
  struct Segments {
    bool valid = false;
    std::vector<absl::string_view> raw;
    std::vector<std::string> decoded;
  };
  static Segments Split(absl::string_view path);

  bool rooted_ = false;  // starts with '/'; no template matches otherwise
  Segments whole_;       // for templates without a verb
  // For templates with a verb: the path less its last ':' in the last
  // segment and what follows, which is the verb (decoded; nullopt if there
  // is no such ':' or it is badly encoded).
  std::optional<std::string> verb_;
  Segments before_verb_;
};

class PathTemplate {
 public:
  // Parses `text`. `{x}` means `{x=*}`. `**` may only be the last segment
  // (before the verb); variables do not nest; field paths are identifiers
  // joined by dots. Errors: INVALID_ARGUMENT saying what is wrong and where.
  static absl::StatusOr<PathTemplate> Parse(absl::string_view text);

  // Matches a request path (no query string, still percent-encoded). A
  // trailing slash is ignored. Returns the variable bindings, or nullopt if
  // the path does not match. Single-segment variables are fully
  // percent-decoded; multi-segment ones (spanning several segments, as in
  // {name=shelves/*} or {path=**}) keep %2F encoded.
  // Thread-safe (const).
  std::optional<std::vector<Binding>> Match(absl::string_view path) const;
  // The same for a path split beforehand.
  std::optional<std::vector<Binding>> Match(const SplitPath& path) const;
  // Whether Match would match, without building the bindings.
  bool Matches(const SplitPath& path) const;

  // A key equal for templates that match exactly the same paths (variable
  // names ignored), e.g. "/v1/users/*" for "/v1/users/{user_id}".
  std::string ShapeKey() const;

  // Orders templates so that the more specific wins when both match a path:
  // compared segment by segment, a literal beats "*", which beats "**".
  // Returns true if this one is strictly more specific than `other`.
  bool MoreSpecificThan(const PathTemplate& other) const;

  const std::string& text() const { return text_; }
  // Variables in order of appearance, for documentation (OpenAPI).
  std::vector<std::vector<std::string>> variables() const;

 private:
  enum class Kind { kLiteral, kSingle, kMulti };
  struct Segment {
    Kind kind;
    std::string literal;  // for kLiteral
  };
  struct Variable {
    std::vector<std::string> field_path;
    size_t first;  // index of the first segment it covers
    size_t last;   // one past its last segment
  };

  // Match and Matches; fills `bindings` if not null.
  bool MatchInto(const SplitPath& path, std::vector<Binding>* bindings) const;

  std::string text_;
  std::vector<Segment> segments_;
  std::vector<Variable> variables_;
  std::string verb_;  // without ':'; empty if none
};

}  // namespace rentwave::rest
