// The shared text module: how input-derived bytes are escaped for each kind of output.
#include <gtest/gtest.h>

#include "text.h"

namespace ociwasm::detail {
namespace {

TEST(OneLine, ControlBytesAreEscaped) {
    EXPECT_EQ(one_line("a\nb\rc\td\x01\x1B[31m\x7F"), "a\\nb\\rc\\td\\x01\\x1B[31m\\x7F");
}

TEST(OneLine, WellFormedUtf8IsKept) {
    EXPECT_EQ(one_line("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
              "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
}

// Ill-formed UTF-8 cannot be shown as text; a terminal may also read a stray 0x9B as CSI.
TEST(OneLine, IllFormedUtf8IsShownAsHex) {
    EXPECT_EQ(one_line("x\xFF\xFEy"), "x\\xFF\\xFEy");
    EXPECT_EQ(one_line("\x9B"
                       "31m"),
              "\\x9B31m");
    EXPECT_EQ(one_line("\xC3"), "\\xC3");                    // truncated sequence
    EXPECT_EQ(one_line("\xC0\xAF"), "\\xC0\\xAF");           // overlong '/'
    EXPECT_EQ(one_line("\xED\xB0\x80"), "\\xED\\xB0\\x80");  // a surrogate code point
}

TEST(OneLine, C1ControlsAreShownAsHex) {
    EXPECT_EQ(one_line("a\xC2\x9B"
                       "31mb"),
              "a\\xC2\\x9B31mb");                   // U+009B CSI
    EXPECT_EQ(one_line("\xC2\x85"), "\\xC2\\x85");  // U+0085 NEL
    EXPECT_EQ(one_line("\xC2\xA0"), "\xC2\xA0");    // U+00A0 is printable
}

TEST(ValidUtf8, ReplacesEachBadByteWithOneReplacementCharacter) {
    EXPECT_EQ(valid_utf8("a\xFF"
                         "b"),
              "a\xEF\xBF\xBD"
              "b");
    EXPECT_EQ(valid_utf8("\xED\xB0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    EXPECT_EQ(valid_utf8("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");
}

TEST(GithubEscape, WorkflowCommandsCannotBeInjected) {
    EXPECT_EQ(github_escape("a\r\n::error::x%", false), "a%0D%0A::error::x%25");
    EXPECT_EQ(github_escape("a:b,c", true), "a%3Ab%2Cc");
    EXPECT_EQ(github_escape("\x1B]0;t\x07", false), "\\x1B]0;t\\x07");
}

TEST(XmlEscape, MarkupAndForbiddenBytes) {
    EXPECT_EQ(xml_escape("<a & \"b\">", true), "&lt;a &amp; &quot;b&quot;&gt;");
    EXPECT_EQ(xml_escape("x\x01y", false), "x\\x01y");
}

TEST(Shortened, KeepsShortTextAndCutsLongTextAtACharacterWithItsLength) {
    EXPECT_EQ(shortened("abc", 3), "abc");
    EXPECT_EQ(shortened("abcd", 3), "abc... (4 bytes)");
    // "é" is two bytes: a cut inside it goes back to before it.
    EXPECT_EQ(shortened("ab\xc3\xa9z", 3), "ab... (5 bytes)");
    EXPECT_EQ(utf8_cut("ab\xc3\xa9z", 4), 4u);
    EXPECT_EQ(utf8_cut("ab", 10), 2u);
}

}  // namespace
}  // namespace ociwasm::detail
