#include "modules/platform/json_object.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>

namespace rentwave::platform {
namespace {

TEST(JsonObjectTest, WritesFieldsInOrder) {
  EXPECT_EQ(JsonObject().Done(), "{}");
  EXPECT_EQ(JsonObject()
                .Add("period", 3)
                .Add("amount_minor", int64_t{-9'007'199'254'740'993})
                .Add("currency", "USD")
                .Add("end_us", std::optional<int64_t>())
                .Add("start_us", std::optional<int64_t>(7))
                .Done(),
            R"({"period":3,"amount_minor":-9007199254740993,"currency":"USD",)"
            R"("end_us":null,"start_us":7})");
}

TEST(JsonObjectTest, EscapesStringsSoThatAParserReadsThemBack) {
  const std::string nasty =
      std::string("quote \" backslash \\ nl \n cr \r ") + "tab \t nul " +
      std::string(1, '\0') +
      " bell \x07 unit \x1f del \x7f caf\xc3\xa9 \xf0\x9f\x9a\xb2";
  const std::string text = JsonObject().Add("k\"ey", nasty).Done();
  EXPECT_NE(text.find(R"(\u0000)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(\u001f)"), std::string::npos) << text;
  nlohmann::json parsed = nlohmann::json::parse(text);
  EXPECT_EQ(parsed.at("k\"ey").get<std::string>(), nasty);
  // The same text nlohmann writes, so stored payloads read the same.
  EXPECT_EQ(text, nlohmann::json({{"k\"ey", nasty}}).dump());
}

TEST(JsonObjectTest, RefusesInvalidUtf8) {
  EXPECT_THROW(JsonObject().Add("k", "\xff"), std::invalid_argument);
  EXPECT_THROW(JsonObject().Add("\xc3", "v"), std::invalid_argument);
}

}  // namespace
}  // namespace rentwave::platform
