#include "modules/platform/text.h"

#include <gtest/gtest.h>

namespace rentwave::platform {
namespace {

TEST(TextTest, AcceptsWellFormedUtf8) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9"));            // é
  EXPECT_TRUE(IsValidUtf8("\xE2\x82\xAC"));           // €
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x9A\xB2 bike"));  // 🚲
}

TEST(TextTest, RejectsMalformedUtf8) {
  EXPECT_FALSE(IsValidUtf8("\xC3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\x80"));              // lone continuation
  EXPECT_FALSE(IsValidUtf8("\xFF"));
}

TEST(TextTest, CountsCodePoints) {
  EXPECT_EQ(Utf8Length("abc"), 3u);
  EXPECT_EQ(Utf8Length("caf\xC3\xA9"), 4u);
  EXPECT_EQ(Utf8Length("\xF0\x9F\x9A\xB2"), 1u);
}

TEST(TextTest, FindsControlCharacters) {
  EXPECT_FALSE(HasControlChars("hello world"));
  EXPECT_TRUE(HasControlChars(std::string("a\0b", 3)));
  EXPECT_TRUE(HasControlChars("line\nbreak"));
  EXPECT_FALSE(HasControlChars("line\nbreak\ttab", /*allow_newlines=*/true));
  EXPECT_TRUE(HasControlChars("bell\x07", /*allow_newlines=*/true));
  EXPECT_TRUE(HasControlChars("del\x7F"));
}

}  // namespace
}  // namespace rentwave::platform
