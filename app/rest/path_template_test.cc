// Tests for PathTemplate: google.api.HttpRule template syntax and matching.
#include "app/rest/path_template.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace rentwave::rest {
namespace {

PathTemplate MustParse(absl::string_view text) {
  absl::StatusOr<PathTemplate> parsed = PathTemplate::Parse(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *std::move(parsed) : PathTemplate();
}

// "a.b=x,c=y": bindings in one comparable string; "no match" for nullopt.
std::string Show(const std::optional<std::vector<Binding>>& bindings) {
  if (!bindings) return "no match";
  return absl::StrJoin(*bindings, ",", [](std::string* out, const Binding& b) {
    absl::StrAppend(out, absl::StrJoin(b.field_path, "."), "=", b.value);
  });
}

struct ParseCase {
  std::string text;
  std::string shape_key;
  std::vector<std::vector<std::string>> variables;
};

class ParseValidTest : public testing::TestWithParam<ParseCase> {};

TEST_P(ParseValidTest, ParsesShapeAndVariables) {
  const ParseCase& c = GetParam();
  const PathTemplate parsed = MustParse(c.text);
  EXPECT_EQ(parsed.text(), c.text);
  EXPECT_EQ(parsed.ShapeKey(), c.shape_key);
  EXPECT_EQ(parsed.variables(), c.variables);
}

INSTANTIATE_TEST_SUITE_P(
    EveryForm, ParseValidTest,
    testing::Values(
        ParseCase{"/v1/users", "/v1/users", {}},
        ParseCase{"/v1/users/{user_id}", "/v1/users/*", {{"user_id"}}},
        ParseCase{"/v1/users/{user_id=*}", "/v1/users/*", {{"user_id"}}},
        ParseCase{"/v1/{name=shelves/*}", "/v1/shelves/*", {{"name"}}},
        ParseCase{"/v1/{name=files/**}", "/v1/files/**", {{"name"}}},
        ParseCase{"/v1/{name=**}", "/v1/**", {{"name"}}},
        ParseCase{"/v1/*/items", "/v1/*/items", {}},
        ParseCase{"/v1/**", "/v1/**", {}}, ParseCase{"/**", "/**", {}},
        ParseCase{
            "/v1/listings/{listing.id}", "/v1/listings/*", {{"listing", "id"}}},
        ParseCase{"/v1/{a}/b/{c.d_2.e=x/*}",
                  "/v1/*/b/x/*",
                  {{"a"}, {"c", "d_2", "e"}}},
        ParseCase{"/v1/rentals/{rental_id}:return",
                  "/v1/rentals/*:return",
                  {{"rental_id"}}},
        ParseCase{"/v1/{name=**}:cancel", "/v1/**:cancel", {{"name"}}},
        ParseCase{"/v1/auth:login", "/v1/auth:login", {}},
        // Literals are decoded, and re-encoded one way for the key.
        ParseCase{"/v1/caf%c3%a9", "/v1/caf%C3%A9", {}},
        ParseCase{"/v1/a%20b", "/v1/a%20b", {}},
        ParseCase{"/v1/_a-b.c~", "/v1/_a-b.c~", {}},
        ParseCase{
            "/v1/a!$&'()+,;@", "/v1/a%21%24%26%27%28%29%2B%2C%3B%40", {}}));

struct MalformedCase {
  std::string text;
  std::string error;  // a part of the message
};

class ParseMalformedTest : public testing::TestWithParam<MalformedCase> {};

TEST_P(ParseMalformedTest, IsInvalidArgumentQuotingTheTemplate) {
  const MalformedCase& c = GetParam();
  const absl::StatusOr<PathTemplate> parsed = PathTemplate::Parse(c.text);
  ASSERT_FALSE(parsed.ok()) << c.text;
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  const absl::string_view message = parsed.status().message();
  EXPECT_TRUE(absl::StrContains(message, absl::StrCat("\"", c.text, "\"")))
      << message;
  EXPECT_TRUE(absl::StrContains(message, c.error)) << message;
}

INSTANTIATE_TEST_SUITE_P(
    EveryMistake, ParseMalformedTest,
    testing::Values(
        MalformedCase{"", "must start with '/'"},
        MalformedCase{"v1/users", "must start with '/'"},
        MalformedCase{"/", "empty segment"},
        MalformedCase{"/v1//users", "empty segment"},
        MalformedCase{"/v1/users/", "empty segment"},
        MalformedCase{"/v1/{x=}", "empty segment"},
        MalformedCase{"/v1/{x=a//b}", "empty segment"},
        MalformedCase{"/v1/{id", "unbalanced '{'"},
        MalformedCase{"/v1/id}", "unbalanced '}'"},
        MalformedCase{"/v1/{a}}", "unbalanced '}'"},
        MalformedCase{"/v1/{a={b}}", "variables cannot nest"},
        MalformedCase{"/v1/**/items", "'**' must be the last segment"},
        MalformedCase{"/v1/{name=**}/items", "'**' must be the last segment"},
        MalformedCase{"/v1/{name=a/**/b}", "'**' must be the last segment"},
        MalformedCase{"/v1/**/**", "'**' must be the last segment"},
        MalformedCase{"/v1/{a}/{a}", "variable \"a\" appears twice"},
        MalformedCase{"/v1/{a.b}/{a.b=x/*}", "variable \"a.b\" appears twice"},
        MalformedCase{"/v1/{}", "bad field path \"\""},
        MalformedCase{"/v1/{1a}", "bad field path \"1a\""},
        MalformedCase{"/v1/{a..b}", "bad field path \"a..b\""},
        MalformedCase{"/v1/{a.}", "bad field path \"a.\""},
        MalformedCase{"/v1/{a-b}", "bad field path \"a-b\""},
        MalformedCase{"/v1/{a b}", "bad field path \"a b\""},
        MalformedCase{"/v1/a{b}", "must be a whole segment"},
        MalformedCase{"/v1/{b}c", "must be a whole segment"},
        MalformedCase{"/v1/items:", "empty verb"},
        MalformedCase{"/v1/a:b/c", "':' may only start the verb"},
        MalformedCase{"/v1/a:b:c", "invalid character ':' in \"b:c\""},
        MalformedCase{"/v1/a:{b}", "invalid character '{' in \"{b}\""},
        MalformedCase{"/v1/a*", "'*' inside literal \"a*\""},
        MalformedCase{"/v1/***", "'*' inside literal \"***\""},
        MalformedCase{"/v1/{x=a*}", "'*' inside literal \"a*\""},
        MalformedCase{"/v1/x:a*", "'*' inside literal \"a*\""},
        MalformedCase{"/v1/a b", "invalid character ' ' in \"a b\""},
        MalformedCase{"/v1/a?b", "invalid character '?'"},
        MalformedCase{"/v1/a=b", "invalid character '='"},
        MalformedCase{"/v1/a%zz", "bad percent-encoding in \"a%zz\""},
        MalformedCase{"/v1/a%2", "bad percent-encoding in \"a%2\""}));

TEST(PathTemplateTest, EscapesUnprintableCharactersInErrors) {
  const absl::Status status = PathTemplate::Parse("/v1/a\x01").status();
  EXPECT_TRUE(absl::StrContains(
      status.message(),
      "\"/v1/a\\x01\": invalid character '\\x01' in \"a\\x01\""))
      << status;
}

struct MatchCase {
  std::string text;
  std::string path;
  std::string bindings;  // as Show() prints them
};

class MatchTest : public testing::TestWithParam<MatchCase> {};

TEST_P(MatchTest, BindsVariables) {
  const MatchCase& c = GetParam();
  EXPECT_EQ(Show(MustParse(c.text).Match(c.path)), c.bindings)
      << c.text << " against " << c.path;
}

INSTANTIATE_TEST_SUITE_P(
    Literals, MatchTest,
    testing::Values(MatchCase{"/v1/users", "/v1/users", ""},
                    MatchCase{"/v1/users", "/v1/users/", ""},
                    MatchCase{"/v1/users", "/v1/users//", "no match"},
                    MatchCase{"/v1/users", "/v1/Users", "no match"},
                    MatchCase{"/v1/users", "v1/users", "no match"},
                    MatchCase{"/v1/users", "/v1", "no match"},
                    MatchCase{"/v1/users", "/v1/users/x", "no match"},
                    MatchCase{"/v1/users", "/v1//users", "no match"},
                    MatchCase{"/v1/users", "/v1/us%65rs", ""},
                    MatchCase{"/v1/users", "/v1/us%zzrs", "no match"},
                    MatchCase{"/v1/caf%C3%A9", "/v1/caf%c3%a9", ""},
                    MatchCase{"/v1/a%20b", "/v1/a%20b", ""},
                    MatchCase{"/v1/*/items", "/v1/x/items", ""},
                    MatchCase{"/v1/*/items", "/v1//items", "no match"}));

INSTANTIATE_TEST_SUITE_P(
    SingleSegmentVariables, MatchTest,
    testing::Values(
        MatchCase{"/v1/users/{user_id}", "/v1/users/abc", "user_id=abc"},
        MatchCase{"/v1/users/{user_id}", "/v1/users/abc/", "user_id=abc"},
        MatchCase{"/v1/users/{user_id}", "/v1/users/", "no match"},
        MatchCase{"/v1/users/{user_id}", "/v1/users/a/b", "no match"},
        MatchCase{"/v1/users/{user_id}", "/v1/users/a%20b", "user_id=a b"},
        MatchCase{"/v1/users/{user_id}", "/v1/users/a%2Fb", "user_id=a/b"},
        MatchCase{"/v1/users/{user_id}", "/v1/users/a%2fb", "user_id=a/b"},
        MatchCase{"/v1/users/{user_id}", "/v1/users/caf%C3%A9",
                  "user_id=caf\xC3\xA9"},
        MatchCase{"/v1/users/{user_id}", "/v1/users/a+b", "user_id=a+b"},
        MatchCase{"/v1/users/{user_id}", "/v1/users/a%zz", "no match"},
        MatchCase{"/v1/users/{user_id}", "/v1/users/a%2", "no match"},
        MatchCase{"/v1/users/{user_id}", "/v1/users/%", "no match"},
        // Without a verb in the template, ':' is an ordinary character.
        MatchCase{"/v1/users/{user_id}", "/v1/users/a:b", "user_id=a:b"},
        MatchCase{"/v1/listings/{listing.id}", "/v1/listings/L1",
                  "listing.id=L1"},
        MatchCase{"/v1/{a}/b/{c.d}", "/v1/x/b/y", "a=x,c.d=y"}));

INSTANTIATE_TEST_SUITE_P(
    MultiSegmentVariables, MatchTest,
    testing::Values(
        MatchCase{"/v1/{name=shelves/*}", "/v1/shelves/s1", "name=shelves/s1"},
        MatchCase{"/v1/{name=shelves/*}", "/v1/shelves/a%2Fb",
                  "name=shelves/a%2Fb"},
        MatchCase{"/v1/{name=shelves/*}", "/v1/shelves/a%20b",
                  "name=shelves/a b"},
        MatchCase{"/v1/{name=shelves/*}", "/v1/books/s1", "no match"},
        MatchCase{"/v1/files/{name=**}", "/v1/files/a/b/c", "name=a/b/c"},
        MatchCase{"/v1/files/{name=**}", "/v1/files/a%2fb/c%20d",
                  "name=a%2Fb/c d"},
        MatchCase{"/v1/files/{name=**}", "/v1/files/a", "name=a"},
        MatchCase{"/v1/files/{name=**}", "/v1/files", "no match"},
        MatchCase{"/v1/files/{name=**}", "/v1/files/", "no match"},
        MatchCase{"/v1/files/{name=**}", "/v1/files/a//b", "no match"},
        MatchCase{"/v1/files/{name=**}", "/v1/files/a/%zz", "no match"},
        MatchCase{"/v1/{name=files/**}", "/v1/files", "name=files"},
        MatchCase{"/v1/{name=files/**}", "/v1/files/x/y", "name=files/x/y"}));

INSTANTIATE_TEST_SUITE_P(
    Wildcards, MatchTest,
    testing::Values(MatchCase{"/v1/files/**", "/v1/files", ""},
                    MatchCase{"/v1/files/**", "/v1/files/", ""},
                    MatchCase{"/v1/files/**", "/v1/files/a/b", ""},
                    MatchCase{"/v1/files/**", "/v1/file", "no match"},
                    MatchCase{"/**", "/", ""}, MatchCase{"/**", "/a/b", ""},
                    MatchCase{"/v1/*", "/v1/", "no match"},
                    MatchCase{"/v1/*/**", "/v1/x", ""}));

INSTANTIATE_TEST_SUITE_P(
    Verbs, MatchTest,
    testing::Values(
        MatchCase{"/v1/rentals/{rental_id}:return", "/v1/rentals/r1:return",
                  "rental_id=r1"},
        MatchCase{"/v1/rentals/{rental_id}:return", "/v1/rentals/r1:return/",
                  "rental_id=r1"},
        // Split at the last ':', so earlier ones belong to the value.
        MatchCase{"/v1/rentals/{rental_id}:return", "/v1/rentals/a:b:return",
                  "rental_id=a:b"},
        MatchCase{"/v1/rentals/{rental_id}:return", "/v1/rentals/r1%3Ab:return",
                  "rental_id=r1:b"},
        MatchCase{"/v1/rentals/{rental_id}:return", "/v1/rentals/r1",
                  "no match"},
        MatchCase{"/v1/rentals/{rental_id}:return", "/v1/rentals/r1:cancel",
                  "no match"},
        // An encoded ':' does not start a verb.
        MatchCase{"/v1/rentals/{rental_id}:return", "/v1/rentals/r1%3Areturn",
                  "no match"},
        MatchCase{"/v1/rentals/{rental_id}:return", "/v1/rentals/:return",
                  "no match"},
        MatchCase{"/v1/rentals/{rental_id}:return", "/v1/rentals:return/r1",
                  "no match"},
        MatchCase{"/v1/rentals/{rental_id}:return", "/v1/rentals/r1/:return",
                  "no match"},
        MatchCase{"/v1/auth:login", "/v1/auth:login", ""},
        MatchCase{"/v1/auth:login", "/v1/auth:log%69n", ""},
        MatchCase{"/v1/auth:login", "/v1/auth", "no match"},
        MatchCase{"/v1/auth:login", "/v1/auth:logout", "no match"},
        MatchCase{"/v1/{name=**}:cancel", "/v1/ops/a/b:cancel", "name=ops/a/b"},
        MatchCase{"/v1/**:cancel", "/v1:cancel", ""},
        MatchCase{"/v1/**:cancel", "/v1/a/b:cancel", ""}));

// A route table splits a request path once and matches it against every
// template, with and without verbs: each gets what matching the text gives.
TEST(PathTemplateTest, OneSplitPathMatchesLikeItsText) {
  const std::vector<std::string> templates = {"/v1/users",
                                              "/v1/users/{user_id}",
                                              "/v1/{name=shelves/*}",
                                              "/v1/files/{name=**}",
                                              "/v1/auth:login",
                                              "/v1/rentals/{rental_id}:return",
                                              "/v1/{name=**}:cancel",
                                              "/**"};
  const std::vector<std::string> paths = {"/v1/users",
                                          "/v1/users/a%20b/",
                                          "/v1/users/a:b",
                                          "/v1/shelves/s1",
                                          "/v1/files/a/b",
                                          "/v1/auth:log%69n",
                                          "/v1/rentals/a:b:return",
                                          "/v1/ops/a:cancel",
                                          "/v1/users/%zz",
                                          "v1/users",
                                          "/",
                                          "/v1/x:%zz"};
  for (const std::string& path : paths) {
    const SplitPath split(path);
    for (const std::string& text : templates) {
      const PathTemplate t = MustParse(text);
      EXPECT_EQ(Show(t.Match(split)), Show(t.Match(path)))
          << text << " against " << path;
      EXPECT_EQ(t.Matches(split), t.Match(path).has_value())
          << text << " against " << path;
    }
  }
}

TEST(PathTemplateTest, ShapeKeyIgnoresVariableNamesAndLiteralSpelling) {
  EXPECT_EQ(MustParse("/v1/users/{user_id}").ShapeKey(),
            MustParse("/v1/users/{id=*}").ShapeKey());
  EXPECT_EQ(MustParse("/v1/{name=shelves/*}").ShapeKey(),
            MustParse("/v1/shelves/{shelf}").ShapeKey());
  EXPECT_EQ(MustParse("/v1/caf%C3%A9").ShapeKey(),
            MustParse("/v1/caf%c3%a9").ShapeKey());
  EXPECT_NE(MustParse("/v1/users/{id}").ShapeKey(),
            MustParse("/v1/users/{id}:x").ShapeKey());
  EXPECT_NE(MustParse("/v1/users/*").ShapeKey(),
            MustParse("/v1/users/**").ShapeKey());
  EXPECT_NE(MustParse("/v1/users/me").ShapeKey(),
            MustParse("/v1/users/{id}").ShapeKey());
}

struct SpecificityCase {
  std::string more;
  std::string less;
};

class MoreSpecificThanTest : public testing::TestWithParam<SpecificityCase> {};

TEST_P(MoreSpecificThanTest, RanksOneWayOnly) {
  const PathTemplate more = MustParse(GetParam().more);
  const PathTemplate less = MustParse(GetParam().less);
  EXPECT_TRUE(more.MoreSpecificThan(less));
  EXPECT_FALSE(less.MoreSpecificThan(more));
}

INSTANTIATE_TEST_SUITE_P(
    Pairs, MoreSpecificThanTest,
    testing::Values(SpecificityCase{"/v1/users/me", "/v1/users/{user_id}"},
                    SpecificityCase{"/v1/users/{id}", "/v1/users/**"},
                    SpecificityCase{"/v1/users/{id}", "/v1/{name=**}"},
                    SpecificityCase{"/v1/a/*", "/v1/*/b"},
                    SpecificityCase{"/v1/users", "/v1/users/**"},
                    SpecificityCase{"/v1/users/{id}:x", "/v1/users/{id}"}));

TEST(PathTemplateTest, SameShapeIsNeitherMoreSpecific) {
  const PathTemplate a = MustParse("/v1/users/{a}");
  const PathTemplate b = MustParse("/v1/users/{b}");
  EXPECT_FALSE(a.MoreSpecificThan(b));
  EXPECT_FALSE(b.MoreSpecificThan(a));
  EXPECT_FALSE(a.MoreSpecificThan(a));
}

}  // namespace
}  // namespace rentwave::rest
