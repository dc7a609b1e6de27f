#include "app/rest/transcoder.h"

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "testdata/transcode_test.pb.h"

namespace rentwave::rest {
namespace {

using ::rentwave::resttest::transcode::SearchRequest;
using ::rentwave::resttest::transcode::SearchResponse;
using Query = std::vector<std::pair<std::string, std::string>>;

const google::protobuf::MethodDescriptor* SearchMethod() {
  return SearchRequest::descriptor()
      ->file()
      ->FindServiceByName("TranscodeTestService")
      ->FindMethodByName("Search");
}

Route MakeRoute(std::string body, std::string response_body = "") {
  return Route{"POST", PathTemplate::Parse("/x").value(), SearchMethod(),
               std::move(body), std::move(response_body)};
}

// ---------------------------------------------------------------------------
// BuildRequest: successes.

struct BuildCase {
  std::string name;
  std::string body_rule;  // Route::body
  std::vector<Binding> bindings;
  Query query;
  std::string body;
  std::string want;  // text format of the expected SearchRequest
};

class TranscoderBuildTest : public testing::TestWithParam<BuildCase> {};

TEST_P(TranscoderBuildTest, BuildsRequest) {
  const BuildCase& c = GetParam();
  SearchRequest want;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(c.want, &want));
  SearchRequest got;
  got.set_listing_id("stale");  // BuildRequest starts from a clear message
  absl::Status status =
      BuildRequest(MakeRoute(c.body_rule), {c.bindings, c.query, c.body}, &got);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(got, want))
      << "got: " << got.ShortDebugString()
      << "\nwant: " << want.ShortDebugString();
}

INSTANTIATE_TEST_SUITE_P(
    TranscoderBindings, TranscoderBuildTest,
    testing::Values(
        BuildCase{"String",
                  "",
                  {{{"listing_id"}, "a/b c"}},
                  {},
                  "",
                  R"(listing_id: "a/b c")"},
        BuildCase{"NestedCreatesMessages",
                  "",
                  {{{"filter", "price", "min"}, "5"}},
                  {},
                  "",
                  "filter { price { min: 5 } }"},
        BuildCase{"JsonNamesInPath",
                  "",
                  {{{"amountMinor"}, "7"}},
                  {},
                  "",
                  "amount_minor: 7"},
        BuildCase{"Int64Extremes",
                  "",
                  {{{"amount_minor"}, "-9223372036854775808"},
                   {{"big_count"}, "18446744073709551615"}},
                  {},
                  "",
                  "amount_minor: -9223372036854775808 "
                  "big_count: 18446744073709551615"},
        BuildCase{"EnumByName", "", {{{"color"}, "RED"}}, {}, "", "color: RED"},
        BuildCase{
            "EnumByNumber", "", {{{"color"}, "2"}}, {}, "", "color: GREEN"},
        BuildCase{"BoolAndFloats",
                  "",
                  {{{"active"}, "true"},
                   {{"ratio"}, "1.5"},
                   {{"weight"}, "0.25"},
                   {{"small_count"}, "4294967295"}},
                  {},
                  "",
                  "active: true ratio: 1.5 weight: 0.25 "
                  "small_count: 4294967295"}),
    [](const auto& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    TranscoderBodies, TranscoderBuildTest,
    testing::Values(
        BuildCase{"WholeMessageAllKinds",
                  "*",
                  {},
                  {},
                  R"({"listingId":"a","page_size":3,"amountMinor":"12",
                      "bigCount":"18446744073709551615","active":true,
                      "ratio":0.5,"color":"GREEN","tags":["x","y"],
                      "ids":["1",2],"colors":["RED",2],
                      "price":{"min":"1","max":2},
                      "items":[{"sku":"s","quantity":2}],
                      "startTime":"2026-01-02T03:04:05Z","ttl":"1.5s",
                      "updateMask":"displayName,price.min","maxResults":"7",
                      "labels":{"k":"v"},"items_by_sku":{"s":{"sku":"s"}},
                      "renamed":"n","token":"aGk=","tree":{"child":{}}})",
                  R"(listing_id: "a" page_size: 3 amount_minor: 12
                     big_count: 18446744073709551615 active: true ratio: 0.5
                     color: GREEN tags: "x" tags: "y" ids: 1 ids: 2
                     colors: RED colors: GREEN price { min: 1 max: 2 }
                     items { sku: "s" quantity: 2 }
                     start_time { seconds: 1767323045 }
                     ttl { seconds: 1 nanos: 500000000 }
                     update_mask { paths: "display_name" paths: "price.min" }
                     max_results { value: 7 } labels { key: "k" value: "v" }
                     items_by_sku { key: "s" value { sku: "s" } }
                     nick_name: "n" token: "hi" tree { child {} })"},
        BuildCase{"WholeMessageEmptyBodyIsEmptyObject", "*", {}, {}, "", ""},
        BuildCase{"WholeMessageNullFieldsAreUnset",
                  "*",
                  {},
                  {},
                  R"({"price":null,"listingId":null})",
                  ""},
        BuildCase{"PathOverridesBody",
                  "*",
                  {{{"listing_id"}, "from-path"}, {{"price", "min"}, "9"}},
                  {},
                  R"({"listingId":"from-body","price":{"min":"1","max":"2"}})",
                  R"(listing_id: "from-path" price { min: 9 max: 2 })"},
        BuildCase{"MessageField",
                  "price",
                  {{{"listing_id"}, "l"}},
                  {{"pageSize", "3"}},
                  R"({"min":"1","max":2})",
                  R"(listing_id: "l" page_size: 3 price { min: 1 max: 2 })"},
        BuildCase{"ScalarField",
                  "listing_id",
                  {},
                  {},
                  R"("abc")",
                  R"(listing_id: "abc")"},
        BuildCase{"RepeatedField",
                  "tags",
                  {},
                  {{"ids", "1"}},
                  R"(["a","b"])",
                  R"(tags: "a" tags: "b" ids: 1)"},
        BuildCase{"RepeatedMessageField",
                  "items",
                  {},
                  {},
                  R"([{"sku":"a"},{"quantity":2}])",
                  R"(items { sku: "a" } items { quantity: 2 })"},
        BuildCase{"MapField",
                  "labels",
                  {},
                  {},
                  R"({"a":"b"})",
                  R"(labels { key: "a" value: "b" })"},
        BuildCase{"WellKnownTypeField",
                  "start_time",
                  {},
                  {},
                  R"("2026-01-02T03:04:05.25Z")",
                  "start_time { seconds: 1767323045 nanos: 250000000 }"},
        BuildCase{"FieldBodyEmptyLeavesFieldUnset", "price", {}, {}, "", ""},
        BuildCase{"NoBodyAllowsWhitespace", "", {}, {}, " \r\n", ""}),
    [](const auto& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    TranscoderQuery, TranscoderBuildTest,
    testing::Values(
        BuildCase{"ProtoAndJsonNames",
                  "",
                  {},
                  {{"page_size", "20"}, {"amountMinor", "-5"}},
                  "",
                  "page_size: 20 amount_minor: -5"},
        BuildCase{"NestedPaths",
                  "",
                  {},
                  {{"price.min", "5"},
                   {"price.max", "10"},
                   {"filter.price.min", "1"},
                   {"filter.query", "q"}},
                  "",
                  R"(price { min: 5 max: 10 }
                     filter { price { min: 1 } query: "q" })"},
        BuildCase{"RepeatedAppends",
                  "",
                  {},
                  {{"tags", "a"},
                   {"ids", "1"},
                   {"tags", "b"},
                   {"ids", "-2"},
                   {"colors", "RED"},
                   {"colors", "2"}},
                  "",
                  R"(tags: "a" tags: "b" ids: 1 ids: -2
                     colors: RED colors: GREEN)"},
        BuildCase{"Enums", "", {}, {{"color", "GREEN"}}, "", "color: GREEN"},
        BuildCase{"BoolOne", "", {}, {{"active", "1"}}, "", "active: true"},
        BuildCase{"BoolFalseStillSetsWrapper",
                  "",
                  {},
                  {{"active", "false"}, {"include_hidden", "0"}},
                  "",
                  "include_hidden {}"},
        BuildCase{"TimestampWithOffset",
                  "",
                  {},
                  {{"start_time", "2026-01-02T04:04:05+01:00"}},
                  "",
                  "start_time { seconds: 1767323045 }"},
        BuildCase{"TimestampWithFraction",
                  "",
                  {},
                  {{"startTime", "2026-01-02T03:04:05.5Z"}},
                  "",
                  "start_time { seconds: 1767323045 nanos: 500000000 }"},
        BuildCase{"DurationWhole",
                  "",
                  {},
                  {{"ttl", "3600s"}},
                  "",
                  "ttl { seconds: 3600 }"},
        BuildCase{"DurationFraction",
                  "",
                  {},
                  {{"ttl", "1.5s"}},
                  "",
                  "ttl { seconds: 1 nanos: 500000000 }"},
        BuildCase{"FieldMaskCamelAndSnake",
                  "",
                  {},
                  {{"updateMask", "displayName,price.minAmount,page_size"}},
                  "",
                  R"(update_mask { paths: "display_name"
                     paths: "price.min_amount" paths: "page_size" })"},
        BuildCase{"Wrapper",
                  "",
                  {},
                  {{"max_results", "9223372036854775807"}},
                  "",
                  "max_results { value: 9223372036854775807 }"},
        BuildCase{"BytesBase64EitherAlphabet",
                  "",
                  {},
                  {{"token", "-_-_"}},
                  "",
                  R"(token: "\373\377\277")"},
        BuildCase{"CustomJsonName",
                  "",
                  {},
                  {{"renamed", "a"}},
                  "",
                  R"(nick_name: "a")"},
        BuildCase{"CustomJsonNameProtoName",
                  "",
                  {},
                  {{"nick_name", "b"}},
                  "",
                  R"(nick_name: "b")"},
        BuildCase{"Utf8String",
                  "",
                  {},
                  {{"listing_id", "h\xc3\xa9llo"}},
                  "",
                  "listing_id: \"h\\303\\251llo\""},
        BuildCase{"EmptyStringCounts",
                  "",
                  {},
                  {{"user_id", ""}},
                  "",
                  R"(user_id: "")"},
        BuildCase{"NextToPathAndBody",
                  "price",
                  {{{"listing_id"}, "l"}},
                  {{"filter.price.min", "3"}},
                  R"({"min":"1"})",
                  R"(listing_id: "l" price { min: 1 }
                     filter { price { min: 3 } })"}),
    [](const auto& info) { return info.param.name; });

// ---------------------------------------------------------------------------
// BuildRequest: errors.

struct ErrorCase {
  std::string name;
  std::string body_rule;
  std::vector<Binding> bindings;
  Query query;
  std::string body;
  std::string want_message;  // a substring of the error
  absl::StatusCode want_code = absl::StatusCode::kInvalidArgument;
};

class TranscoderBuildErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(TranscoderBuildErrorTest, Rejects) {
  const ErrorCase& c = GetParam();
  SearchRequest got;
  absl::Status status =
      BuildRequest(MakeRoute(c.body_rule), {c.bindings, c.query, c.body}, &got);
  EXPECT_EQ(status.code(), c.want_code) << status;
  EXPECT_NE(status.message().find(c.want_message), absl::string_view::npos)
      << status.message();
}

std::string DeeplyNested(int depth) {
  std::string json;
  for (int i = 0; i < depth; ++i) json += R"({"child":)";
  json += "{}";
  for (int i = 0; i < depth; ++i) json += "}";
  return absl::StrCat(R"({"tree":)", json, "}");
}

INSTANTIATE_TEST_SUITE_P(
    TranscoderBodies, TranscoderBuildErrorTest,
    testing::Values(
        ErrorCase{"BodyNotAllowed",
                  "",
                  {},
                  {},
                  R"({"listingId":"a"})",
                  "this method takes no request body"},
        ErrorCase{
            "Malformed", "*", {}, {}, R"({"listingId":)", "malformed JSON: "},
        ErrorCase{"MalformedTrailingText",
                  "*",
                  {},
                  {},
                  R"({} x)",
                  "malformed JSON: "},
        // Wrapping `"a", "pageSize": 5` as the value of listing_id must not
        // smuggle in a second field.
        ErrorCase{"FieldBodyCannotInject",
                  "listing_id",
                  {},
                  {},
                  R"("a", "pageSize": 5)",
                  "malformed JSON: "},
        ErrorCase{"NotAnObject",
                  "*",
                  {},
                  {},
                  "[1]",
                  "request body must be a JSON object"},
        ErrorCase{"UnknownField",
                  "*",
                  {},
                  {},
                  R"({"listingId":"a","foo":1})",
                  R"(unknown field "foo")"},
        ErrorCase{"UnknownNestedField",
                  "*",
                  {},
                  {},
                  R"({"price":{"min":"1","foo":1}})",
                  R"(unknown field "price.foo")"},
        ErrorCase{"UnknownFieldInList",
                  "*",
                  {},
                  {},
                  R"({"items":[{"sku":"a"},{"bar":1}]})",
                  R"(unknown field "items[1].bar")"},
        ErrorCase{"UnknownFieldInMapValue",
                  "*",
                  {},
                  {},
                  R"({"itemsBySku":{"a":{"zzz":1}}})",
                  R"(unknown field "itemsBySku["a"].zzz")"},
        // With json_name = "renamed", proto3 JSON accepts "renamed" and
        // "nick_name" only.
        ErrorCase{"CamelCaseOfCustomJsonName",
                  "*",
                  {},
                  {},
                  R"({"nickName":"a"})",
                  R"(unknown field "nickName")"},
        ErrorCase{"UnknownFieldInFieldBody",
                  "price",
                  {},
                  {},
                  R"({"min":"1","foo":1})",
                  R"(unknown field "foo")"},
        ErrorCase{
            "WrongType", "*", {}, {}, R"({"pageSize":"abc"})", "page_size"},
        ErrorCase{"Int64OutOfRange",
                  "*",
                  {},
                  {},
                  R"({"amountMinor":"9223372036854775808"})",
                  "amount_minor"},
        ErrorCase{"WrongTypeInFieldBody",
                  "price",
                  {},
                  {},
                  R"({"min":"x"})",
                  "price.min"},
        ErrorCase{"BadTimestamp",
                  "*",
                  {},
                  {},
                  R"({"startTime":"yesterday"})",
                  "start_time"},
        ErrorCase{"TooDeep",
                  "*",
                  {},
                  {},
                  DeeplyNested(200),
                  "JSON body is nested too deeply"}),
    [](const auto& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    TranscoderBindings, TranscoderBuildErrorTest,
    testing::Values(
        ErrorCase{"BadValue",
                  "",
                  {{{"page_size"}, "x"}},
                  {},
                  "",
                  R"(invalid value for "page_size": "x" is not a valid int32)"},
        ErrorCase{"BadNestedValue",
                  "",
                  {{{"price", "min"}, "1.5"}},
                  {},
                  "",
                  R"(invalid value for "price.min")"},
        ErrorCase{"NoSuchField",
                  "",
                  {{{"nope"}, "x"}},
                  {},
                  "",
                  R"(path variable "nope" names no scalar field)",
                  absl::StatusCode::kInternal}),
    [](const auto& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    TranscoderQuery, TranscoderBuildErrorTest,
    testing::Values(
        ErrorCase{"Unknown",
                  "",
                  {},
                  {{"foo", "1"}},
                  "",
                  R"(unknown query parameter "foo")"},
        ErrorCase{"UnknownNested",
                  "",
                  {},
                  {{"price.foo", "1"}},
                  "",
                  R"(unknown query parameter "price.foo")"},
        ErrorCase{"IntoAWellKnownType",
                  "",
                  {},
                  {{"start_time.seconds", "99999999999999"}},
                  "",
                  "unknown query parameter \"start_time.seconds\""},
        ErrorCase{"PastAScalar",
                  "",
                  {},
                  {{"page_size.x", "1"}},
                  "",
                  R"(unknown query parameter "page_size.x")"},
        ErrorCase{"IntoARepeatedMessage",
                  "",
                  {},
                  {{"items.sku", "1"}},
                  "",
                  R"(unknown query parameter "items.sku")"},
        ErrorCase{"WholeBodyTakesNoQuery",
                  "*",
                  {},
                  {{"page_size", "1"}},
                  "",
                  R"(unknown query parameter "page_size")"},
        ErrorCase{"MessageField",
                  "",
                  {},
                  {{"price", "1"}},
                  "",
                  R"(query parameter "price" names a message or map field)"},
        ErrorCase{"MapField",
                  "",
                  {},
                  {{"labels", "a"}},
                  "",
                  R"(query parameter "labels" names a message or map field)"},
        ErrorCase{"BoundByPath",
                  "",
                  {{{"listing_id"}, "a"}},
                  {{"listingId", "b"}},
                  "",
                  R"(query parameter "listingId" sets a field already bound)"},
        ErrorCase{"BoundByBody",
                  "price",
                  {},
                  {{"price.min", "1"}},
                  R"({"max":"2"})",
                  R"(query parameter "price.min" sets a field already bound)"},
        ErrorCase{"BoundByBodyEvenWhenEmpty",
                  "tags",
                  {},
                  {{"tags", "a"}},
                  "",
                  R"(query parameter "tags" sets a field already bound)"},
        ErrorCase{"SingularTwice",
                  "",
                  {},
                  {{"page_size", "1"}, {"pageSize", "2"}},
                  "",
                  R"(query parameter "pageSize" given more than once)"},
        ErrorCase{"WellKnownTwice",
                  "",
                  {},
                  {{"ttl", "1s"}, {"ttl", "2s"}},
                  "",
                  R"(query parameter "ttl" given more than once)"},
        ErrorCase{"OneofConflict",
                  "",
                  {},
                  {{"user_id", "a"}, {"groupId", "b"}},
                  "",
                  R"(query parameter "groupId" conflicts with "user_id")"},
        ErrorCase{
            "NotAnInt",
            "",
            {},
            {{"page_size", "abc"}},
            "",
            R"(invalid value for "page_size": "abc" is not a valid int32)"},
        ErrorCase{"IntWithFraction",
                  "",
                  {},
                  {{"pageSize", "1.5"}},
                  "",
                  R"(invalid value for "pageSize")"},
        ErrorCase{"IntWithSpace",
                  "",
                  {},
                  {{"page_size", " 1"}},
                  "",
                  R"(invalid value for "page_size")"},
        ErrorCase{"EmptyInt",
                  "",
                  {},
                  {{"page_size", ""}},
                  "",
                  R"(invalid value for "page_size")"},
        ErrorCase{"Int32OutOfRange",
                  "",
                  {},
                  {{"page_size", "2147483648"}},
                  "",
                  R"("2147483648" is out of range for int32)"},
        ErrorCase{
            "Int64OutOfRange",
            "",
            {},
            {{"amount_minor", "9223372036854775808"}},
            "",
            R"(invalid value for "amount_minor": "9223372036854775808" is out of range for int64)"},
        ErrorCase{"RepeatedInt64OutOfRange",
                  "",
                  {},
                  {{"ids", "1"}, {"ids", "-9223372036854775809"}},
                  "",
                  R"(invalid value for "ids")"},
        ErrorCase{
            "NegativeUnsigned",
            "",
            {},
            {{"big_count", "-1"}},
            "",
            R"(invalid value for "big_count": "-1" is not a valid uint64)"},
        ErrorCase{
            "FloatOutOfRange",
            "",
            {},
            {{"weight", "1e40"}},
            "",
            R"(invalid value for "weight": "1e40" is out of range for float)"},
        ErrorCase{"NotADouble",
                  "",
                  {},
                  {{"ratio", "half"}},
                  "",
                  R"(invalid value for "ratio")"},
        ErrorCase{"NotABool",
                  "",
                  {},
                  {{"active", "yes"}},
                  "",
                  R"(invalid value for "active": "yes" is not a bool)"},
        ErrorCase{
            "UnknownEnumName",
            "",
            {},
            {{"color", "BLUE"}},
            "",
            R"(invalid value for "color": "BLUE" is not a value of rentwave.resttest.transcode.Color)"},
        ErrorCase{"UnknownEnumNumber",
                  "",
                  {},
                  {{"color", "7"}},
                  "",
                  R"(invalid value for "color")"},
        ErrorCase{
            "BadTimestamp",
            "",
            {},
            {{"start_time", "2026-01-02"}},
            "",
            R"(invalid value for "start_time": "2026-01-02" is not an RFC 3339 timestamp)"},
        ErrorCase{"BadDuration",
                  "",
                  {},
                  {{"ttl", "3600"}},
                  "",
                  R"(invalid value for "ttl": "3600" is not a duration)"},
        ErrorCase{
            "BadWrapper",
            "",
            {},
            {{"maxResults", "many"}},
            "",
            R"(invalid value for "maxResults": "many" is not a valid int64)"},
        ErrorCase{"BadBase64",
                  "",
                  {},
                  {{"token", "%%%"}},
                  "",
                  R"(invalid value for "token": "%%%" is not base64)"},
        ErrorCase{"InvalidUtf8",
                  "",
                  {},
                  {{"listing_id", "\xff"}},
                  "",
                  R"(invalid value for "listing_id": not valid UTF-8)"}),
    [](const auto& info) { return info.param.name; });

// ---------------------------------------------------------------------------
// RenderResponse.

SearchResponse SampleResponse() {
  SearchResponse response;
  google::protobuf::TextFormat::ParseFromString(
      R"(items { sku: "a" quantity: 2 } items { sku: "b" }
         next_page_token: "t<1>" total: 9007199254740993 color: GREEN
         price { min: 1 } ids: 1 ids: -2
         updated_at { seconds: 1767323045 nanos: 500000000 }
         labels { key: "k" value: "v" } ratio: 0.1
         items_by_sku { key: "b" value { sku: "b" } } note: "")",
      &response);
  return response;
}

TEST(TranscoderRenderTest, WholeResponseIsCanonicalProto3Json) {
  // int64 as strings, enums as names, lowerCamelCase, defaults (price.max,
  // items[1].quantity) omitted.
  EXPECT_EQ(RenderResponse(MakeRoute(""), SampleResponse()),
            R"({"items":[{"sku":"a","quantity":2},{"sku":"b"}],)"
            R"("nextPageToken":"t\u003c1\u003e","total":"9007199254740993",)"
            R"("color":"GREEN","price":{"min":"1"},"ids":["1","-2"],)"
            R"("updatedAt":"2026-01-02T03:04:05.500Z","labels":{"k":"v"},)"
            R"("ratio":0.1,"itemsBySku":{"b":{"sku":"b"}},"note":""})");
}

TEST(TranscoderRenderTest, EmptyResponseIsEmptyObject) {
  EXPECT_EQ(RenderResponse(MakeRoute(""), SearchResponse()), "{}");
}

struct RenderCase {
  std::string name;
  std::string response_body;
  SearchResponse response;
  std::string want;
};

class TranscoderRenderFieldTest : public testing::TestWithParam<RenderCase> {};

TEST_P(TranscoderRenderFieldTest, RendersOnlyTheField) {
  const RenderCase& c = GetParam();
  EXPECT_EQ(RenderResponse(MakeRoute("", c.response_body), c.response), c.want);
}

INSTANTIATE_TEST_SUITE_P(
    TranscoderFields, TranscoderRenderFieldTest,
    testing::Values(
        RenderCase{"Message", "price", SampleResponse(), R"({"min":"1"})"},
        RenderCase{"UnsetMessage", "price", SearchResponse(), "{}"},
        RenderCase{"WellKnownType", "updated_at", SampleResponse(),
                   R"("2026-01-02T03:04:05.500Z")"},
        RenderCase{"RepeatedMessage", "items", SampleResponse(),
                   R"([{"sku":"a","quantity":2},{"sku":"b"}])"},
        RenderCase{"EmptyRepeatedMessage", "items", SearchResponse(), "[]"},
        RenderCase{"MapOfMessages", "items_by_sku", SampleResponse(),
                   R"({"b":{"sku":"b"}})"},
        RenderCase{"EmptyMapOfMessages", "items_by_sku", SearchResponse(),
                   "{}"},
        RenderCase{"OptionalSetToDefault", "note", SampleResponse(), R"("")"},
        RenderCase{"UnsetOptional", "note", SearchResponse(), "null"},
        RenderCase{"RepeatedInt64", "ids", SampleResponse(), R"(["1","-2"])"},
        RenderCase{"EmptyRepeated", "ids", SearchResponse(), "[]"},
        RenderCase{"Int64", "total", SampleResponse(), R"("9007199254740993")"},
        RenderCase{"Enum", "color", SampleResponse(), R"("GREEN")"},
        RenderCase{"DefaultEnum", "color", SearchResponse(),
                   R"("COLOR_UNSPECIFIED")"},
        RenderCase{"String", "next_page_token", SampleResponse(), R"("t<1>")"},
        RenderCase{"DefaultString", "next_page_token", SearchResponse(),
                   R"("")"},
        RenderCase{"Double", "ratio", SampleResponse(), "0.1"},
        RenderCase{"Map", "labels", SampleResponse(), R"({"k":"v"})"},
        RenderCase{"EmptyMap", "labels", SearchResponse(), "{}"}),
    [](const auto& info) { return info.param.name; });

// ---------------------------------------------------------------------------
// HttpStatusFor and StatusJson.

TEST(TranscoderStatusTest, MapsEveryCode) {
  const std::vector<std::pair<grpc::StatusCode, int>> table = {
      {grpc::StatusCode::OK, 200},
      {grpc::StatusCode::CANCELLED, 499},
      {grpc::StatusCode::UNKNOWN, 500},
      {grpc::StatusCode::INVALID_ARGUMENT, 400},
      {grpc::StatusCode::DEADLINE_EXCEEDED, 504},
      {grpc::StatusCode::NOT_FOUND, 404},
      {grpc::StatusCode::ALREADY_EXISTS, 409},
      {grpc::StatusCode::PERMISSION_DENIED, 403},
      {grpc::StatusCode::RESOURCE_EXHAUSTED, 429},
      {grpc::StatusCode::FAILED_PRECONDITION, 400},
      {grpc::StatusCode::ABORTED, 409},
      {grpc::StatusCode::OUT_OF_RANGE, 400},
      {grpc::StatusCode::UNIMPLEMENTED, 501},
      {grpc::StatusCode::INTERNAL, 500},
      {grpc::StatusCode::UNAVAILABLE, 503},
      {grpc::StatusCode::DATA_LOSS, 500},
      {grpc::StatusCode::UNAUTHENTICATED, 401},
      // A code gRPC may add one day (within the enum's range: no UB).
      {static_cast<grpc::StatusCode>(20), 500},
  };
  for (const auto& [code, http] : table) {
    EXPECT_EQ(HttpStatusFor(code), http) << "code " << code;
  }
}

TEST(TranscoderStatusTest, StatusJsonShape) {
  EXPECT_EQ(StatusJson(grpc::StatusCode::NOT_FOUND, "listing not found"),
            R"({"code":5,"message":"listing not found","details":[]})");
}

TEST(TranscoderStatusTest, StatusJsonEscapes) {
  const std::vector<std::pair<std::string, std::string>> table = {
      {R"(say "hi")", R"(say \"hi\")"},
      {"line1\nline2\ttab", R"(line1\nline2\ttab)"},
      {R"(back\slash)", R"(back\\slash)"},
      {std::string("nul\0bell\x07", 9), R"(nul\u0000bell\u0007)"},
      {"caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x8f\xa0",
       "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x8f\xa0"},
      {"bad \xff byte", "bad \xef\xbf\xbd byte"},  // U+FFFD
  };
  for (const auto& [message, escaped] : table) {
    const std::string json =
        StatusJson(grpc::StatusCode::INVALID_ARGUMENT, message);
    EXPECT_EQ(json, absl::StrCat(R"({"code":3,"message":")", escaped,
                                 R"(","details":[]})"));
    EXPECT_TRUE(nlohmann::json::accept(json)) << json;
  }
}

// Inputs the fuzzer found (fuzz/corpus/transcoder/crash-*): they must be
// clean INVALID_ARGUMENTs, not exceptions or messages protobuf cannot parse.
TEST(TranscoderFuzzRegressionTest, JsonNumberOutOfRangeIsMalformedJson) {
  SearchRequest got;
  absl::Status status =
      BuildRequest(MakeRoute("*"), {{}, {}, R"({"pageSize":1e400})"}, &got);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_NE(status.message().find("malformed JSON"), absl::string_view::npos)
      << status;
}

TEST(TranscoderFuzzRegressionTest, DeeplyNestedQueryKeyIsRefused) {
  std::string key = "tree";
  for (int i = 0; i < 120; ++i) key += ".child";
  SearchRequest got;
  absl::Status status =
      BuildRequest(MakeRoute(""), {{}, {{key, "x"}}, ""}, &got);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_NE(status.message().find("nested deeper"), absl::string_view::npos)
      << status;
}

}  // namespace
}  // namespace rentwave::rest
