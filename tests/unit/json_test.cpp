#include "ociwasm/json.h"
#include "json_exact.h"

#include <gtest/gtest.h>

#include <string>

namespace ociwasm {
namespace {

TEST(ParseJson, AcceptsOrdinaryDocuments) {
    rapidjson::Document doc;
    JsonError error;
    ASSERT_TRUE(
        parse_json(R"({"a":[1,2,{"b":"c"}],"n":null,"big":18446744073709551615})", doc, &error))
        << error.message;
    EXPECT_EQ(doc["a"][2]["b"].GetString(), std::string("c"));
    EXPECT_EQ(doc["big"].GetUint64(), 18446744073709551615ull);
}

TEST(ParseJson, RejectsDuplicateMemberNamesWithPointer) {
    rapidjson::Document doc;
    JsonError error;
    EXPECT_FALSE(parse_json(R"({"layers":[{"size":1},{"size":2,"size":3}]})", doc, &error));
    EXPECT_NE(error.message.find("duplicate member name \"size\""), std::string::npos)
        << error.message;
    EXPECT_EQ(error.pointer, "/layers/1/size");
    EXPECT_GT(error.offset, 20u);
    // The same name in sibling objects is fine.
    EXPECT_TRUE(parse_json(R"([{"a":1},{"a":2}])", doc, &error));
}

TEST(ParseJson, RejectsInvalidUtf8) {
    rapidjson::Document doc;
    JsonError error;
    const std::string overlong = "{\"a\":\"\xc0\xaf\"}";
    EXPECT_FALSE(parse_json(overlong, doc, &error));
    EXPECT_NE(error.message.find("encoding"), std::string::npos) << error.message;
    const std::string truncated = "{\"a\":\"\xe2\x82\"}";
    EXPECT_FALSE(parse_json(truncated, doc, &error));
    const std::string lone_surrogate = R"({"a":"\ud800"})";
    EXPECT_FALSE(parse_json(lone_surrogate, doc, &error));
    EXPECT_TRUE(parse_json("{\"a\":\"\xe2\x82\xac\"}", doc, &error));  // the euro sign
}

// ASCII text is parsed without RapidJSON's encoding check: a byte of 0x80 or more anywhere
// (at every place within the 8-byte words the text is looked at in, or in the tail after
// them) sends the text through the check, in both parsers.
TEST(ParseJson, FindsInvalidUtf8WhereverItIs) {
    rapidjson::Document doc;
    JsonError error;
    for (std::size_t pad = 0; pad < 20; ++pad) {
        for (const char* bad : {"\xff", "\xc0\xaf", "\x80"}) {
            std::string text = "{\"" + std::string(pad, 'k') + "\":\"" + bad + "\"}";
            SCOPED_TRACE(pad);
            EXPECT_FALSE(parse_json(text, doc, &error));
            EXPECT_NE(error.message.find("encoding"), std::string::npos) << error.message;
            EXPECT_FALSE(detail::parse_json_exact(text, doc, &error));
            std::string name = "{\"" + std::string(pad, 'k') + bad + "\":1}";
            EXPECT_FALSE(parse_json(name, doc, &error));
        }
        std::string euro = "{\"" + std::string(pad, 'k') + "\":\"\xe2\x82\xac\"}";
        EXPECT_TRUE(parse_json(euro, doc, &error)) << error.message;
        EXPECT_TRUE(detail::parse_json_exact(euro, doc, &error)) << error.message;
    }
}

// RapidJSON refuses a lone high surrogate but decodes a lone low one (or a reversed pair) into
// the UTF-8 bytes of a surrogate code point: invalid UTF-8 that every later writer passed on.
TEST(ParseJson, RejectsLoneLowSurrogatesInValuesAndNames) {
    rapidjson::Document doc;
    JsonError error;
    for (const char* text : {R"({"a":"\udc00"})", R"({"a":"x\udfffy"})", R"({"\udc00":1})",
                             R"({"a":["ok","\udc00\udc00"]})", R"({"a":"\udc00\ud800"})"}) {
        SCOPED_TRACE(text);
        EXPECT_FALSE(parse_json(text, doc, &error));
        EXPECT_NE(error.message.find("surrogate"), std::string::npos) << error.message;
    }
    EXPECT_FALSE(parse_json(R"({"a":["ok","\udc00"]})", doc, &error));
    EXPECT_EQ(error.pointer, "/a/1");
    EXPECT_FALSE(parse_json(R"({"k\udc00":1})", doc, &error));
    EXPECT_EQ(error.pointer, "") << "a bad member name points at its object";
    // Raw bytes of a surrogate code point are not UTF-8 either.
    EXPECT_FALSE(parse_json("{\"a\":\"\xED\xB0\x80\"}", doc, &error));
    // A proper pair is one code point (U+1F600), and is kept.
    ASSERT_TRUE(parse_json(R"({"a":"\ud83d\ude00"})", doc, &error)) << error.message;
    EXPECT_EQ(std::string(doc["a"].GetString()), "\xF0\x9F\x98\x80");
}

TEST(ParseJson, ReportsOffsetOfSyntaxErrors) {
    rapidjson::Document doc;
    JsonError error;
    EXPECT_FALSE(parse_json(R"({"a": tru})", doc, &error));
    EXPECT_EQ(error.offset, 9u);                            // where "tru}" stops being a literal
    EXPECT_FALSE(parse_json(R"({"a":1} x)", doc, &error));  // trailing content
    EXPECT_FALSE(parse_json("", doc, &error));
    EXPECT_FALSE(parse_json(R"({"a":1,})", doc, &error));
}

// A syntax error points at the innermost container the parser had opened, never at a member it
// had not finished reading (which does not exist), and says line and column with the offset.
TEST(ParseJson, SyntaxErrorsPointAtTheInnermostOpenContainer) {
    struct Case {
        const char* text;
        const char* pointer;
        std::size_t offset, line, column;
    };
    const Case cases[] = {
        {R"({"config": })", "", 11, 1, 12},                // a missing value
        {R"({"a":1,,})", "", 7, 1, 8},                     // an empty member
        {"{\"config\":{", "/config", 11, 1, 12},           // truncated inside an object
        {"{\"config\":{\"size\":", "/config", 18, 1, 19},  // truncated after a name
        {"{\n  \"a\": [\n    1,\n    [2, \"x\\qy\"]\n  ]\n}", "/a/1", 28, 4, 11},
        {R"({"a":[{"b":[1,2,[3,{"c":"\z"}]]}]})", "/a/0/b/2/1", 25, 1, 26},  // a bad escape
        {R"({"a":{"b":1} x})", "", 13, 1, 14},  // after a closed object: its parent
        {R"([1,2,{"k":"v"},)", "", 15, 1, 16},  // truncated top-level array
        {"tru", "", 3, 1, 4},                   // no container at all
        {"{\"\xc3\xa9\":1,\n\"\xc3\xa9\xc3\xa9\" x}", "", 16, 2, 6},  // columns count characters
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.text);
        rapidjson::Document doc;
        JsonError error;
        ASSERT_FALSE(parse_json(c.text, doc, &error));
        EXPECT_EQ(error.pointer, c.pointer) << error.message;
        EXPECT_EQ(error.offset, c.offset) << error.message;
        EXPECT_EQ(error.line, c.line);
        EXPECT_EQ(error.column, c.column);
        EXPECT_EQ(json_error_position(error), "line " + std::to_string(c.line) + ", column " +
                                                  std::to_string(c.column) + " (byte " +
                                                  std::to_string(c.offset) + ")");
    }
}

TEST(ParseJson, DeepNestingIsRejectedWithoutCrashing) {
    const std::size_t depth = 1'000'000;
    std::string deep(depth, '[');
    deep.append(depth, ']');
    rapidjson::Document doc;
    JsonError error;
    EXPECT_FALSE(parse_json(deep, doc, &error));
    EXPECT_NE(error.message.find("nesting deeper than 512"), std::string::npos);
    std::string ok(100, '[');
    ok.append(100, ']');
    EXPECT_TRUE(parse_json(ok, doc, &error));
}

TEST(WriteCanonical, SortsKeysAndIsCompact) {
    rapidjson::Document doc;
    JsonError error;
    ASSERT_TRUE(parse_json(R"( { "b" : 1, "a" : { "z": [ true, null, "x\"y" ], "c": -2 },
                                 "Z": 1.5 } )",
                           doc, &error));
    EXPECT_EQ(write_canonical(doc), R"({"Z":1.5,"a":{"c":-2,"z":[true,null,"x\"y"]},"b":1})");
}

TEST(WriteCanonical, RoundTripsCanonicalInputByteForByte) {
    const std::string text =
        R"({"config":{"digest":"sha256:ab","mediaType":"application/vnd.oci.image.config.v1+json","size":9223372036854775807},"layers":[],"schemaVersion":2})";
    rapidjson::Document doc;
    ASSERT_TRUE(parse_json(text, doc, nullptr));
    EXPECT_EQ(write_canonical(doc), text);
}

TEST(JsonPointer, EscapesPerRfc6901) {
    EXPECT_EQ(pointer_escape("a/b~c"), "a~1b~0c");
    EXPECT_EQ(pointer_join("/annotations", "org.opencontainers.image/ref~x"),
              "/annotations/org.opencontainers.image~1ref~0x");
    EXPECT_EQ(pointer_join("/layers", 3), "/layers/3");
}

}  // namespace
}  // namespace ociwasm

namespace ociwasm {
namespace {

// Convert rewrites documents holding members it does not know: their numbers must come back
// digit for digit, not as the double nearest to them.
TEST(ParseJsonExact, NumbersKeepTheirDigitsThroughCanonicalWriting) {
    rapidjson::Document doc;
    JsonError error;
    const std::string text =
        R"({"a":123456789012345678901234567890,"b":0.10000000000000000000000001,"c":1E2,)"
        R"("d":-0,"e":1,"f":1.5,"g":[-12,18446744073709551615,1e-7,2.50]})";
    ASSERT_TRUE(detail::parse_json_exact(text, doc, &error)) << error.message;
    EXPECT_EQ(write_canonical(doc), text);
    // Numbers that canonical writing keeps are numbers to the reader.
    EXPECT_TRUE(doc["e"].IsInt());
    EXPECT_TRUE(doc["f"].IsDouble());
    EXPECT_TRUE(doc["g"][1].IsUint64());
    // The default parser keeps its behaviour.
    ASSERT_TRUE(parse_json(text, doc, &error));
    EXPECT_EQ(write_canonical(doc),
              R"({"a":1.2345678901234568e29,"b":0.1,"c":100.0,"d":0,"e":1,"f":1.5,)"
              R"("g":[-12,18446744073709551615,1e-7,2.5]})");
}

TEST(ParseJsonExact, KeepsEveryCheckOfParseJson) {
    rapidjson::Document doc;
    JsonError error;
    EXPECT_FALSE(detail::parse_json_exact(R"({"a":1,"a":2})", doc, &error));
    EXPECT_FALSE(detail::parse_json_exact(R"({"a":"\udc00"})", doc, &error));
    EXPECT_FALSE(detail::parse_json_exact("{\"a\":\"\xff\"}", doc, &error));
    EXPECT_FALSE(detail::parse_json_exact(R"({"a":01})", doc, &error));
    EXPECT_FALSE(detail::parse_json_exact(R"({"a":1e400})", doc, &error)) << "out of range";
}

}  // namespace
}  // namespace ociwasm
