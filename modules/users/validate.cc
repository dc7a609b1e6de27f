#include "modules/users/validate.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "modules/platform/text.h"
#include "modules/users/users.h"

namespace rentwave::users {
namespace {

using platform::HasControlChars;
using platform::IsValidUtf8;
using platform::Utf8Length;

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

absl::Status ValidateLine(absl::string_view field, absl::string_view value) {
  if (!IsValidUtf8(value) || HasControlChars(value) ||
      Utf8Length(value) > 200) {
    return Invalid(field, "at most 200 characters of text");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> NormalizeUsername(absl::string_view username) {
  std::string folded = absl::AsciiStrToLower(username);
  bool ok = folded.size() >= 3 && folded.size() <= 32;
  for (char c : folded) {
    ok = ok && (absl::ascii_isdigit(c) || (c >= 'a' && c <= 'z') || c == '_' ||
                c == '.' || c == '-');
  }
  if (!ok) {
    return Invalid("username", "must be 3-32 characters of a-z 0-9 _ . -");
  }
  return folded;
}

absl::Status ValidatePassword(absl::string_view password) {
  if (!IsValidUtf8(password)) return Invalid("password", "must be UTF-8 text");
  size_t n = Utf8Length(password);
  if (n < 8 || n > 128) return Invalid("password", "must be 8-128 characters");
  return absl::OkStatus();
}

absl::Status ValidateDisplayName(absl::string_view display_name) {
  if (!IsValidUtf8(display_name) || HasControlChars(display_name) ||
      absl::StripAsciiWhitespace(display_name).empty() ||
      Utf8Length(display_name) > 100) {
    return Invalid("display_name", "must be 1-100 characters of text");
  }
  return absl::OkStatus();
}

absl::Status ValidateEmail(absl::string_view email) {
  if (email.empty()) return absl::OkStatus();
  size_t at = email.find('@');
  bool ok = email.size() <= 254 && at != absl::string_view::npos && at > 0 &&
            email.find('@', at + 1) == absl::string_view::npos &&
            IsValidUtf8(email) && !HasControlChars(email);
  if (ok) {
    absl::string_view domain = email.substr(at + 1);
    size_t dot = domain.find('.');
    ok = dot != absl::string_view::npos && dot > 0 && dot + 1 < domain.size() &&
         email.find(' ') == absl::string_view::npos;
  }
  if (!ok) return Invalid("email", "not a valid email address");
  return absl::OkStatus();
}

absl::Status ValidateAddress(const Address& a) {
  for (auto [field, value] : {std::pair<absl::string_view, absl::string_view>{
                                  "address.line1", a.line1},
                              {"address.line2", a.line2},
                              {"address.city", a.city},
                              {"address.region", a.region},
                              {"address.postal_code", a.postal_code}}) {
    if (absl::Status s = ValidateLine(field, value); !s.ok()) return s;
  }
  const std::string& cc = a.country_code;
  if (!cc.empty() && (cc.size() != 2 || !absl::ascii_isupper(cc[0]) ||
                      !absl::ascii_isupper(cc[1]))) {
    return Invalid("address.country_code", "must be two upper-case letters");
  }
  return absl::OkStatus();
}

}  // namespace rentwave::users
