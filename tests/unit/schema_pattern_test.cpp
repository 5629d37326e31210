// SchemaPattern against std::regex_search, the matcher it replaced: the same answer for the
// grammar edge cases of every pattern in our schemas, for generic regex syntax, and for random
// texts built from each pattern's own characters.
#include "schema_pattern.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <random>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "schema_data.h"

namespace ociwasm::detail {
namespace {

std::regex oracle_for(const std::string& pattern) {
    return std::regex(pattern, std::regex::ECMAScript);
}

bool oracle(const std::string& pattern, const std::string& text) {
    return std::regex_search(text, oracle_for(pattern));
}

SchemaPattern compiled(const std::string& pattern) {
    std::string error;
    std::optional<SchemaPattern> matcher = SchemaPattern::compile(pattern, error);
    EXPECT_TRUE(matcher.has_value()) << pattern << ": " << error;
    return matcher ? std::move(*matcher) : *SchemaPattern::compile("$^", error);
}

void collect_patterns(const rapidjson::Value& value, std::set<std::string>& out) {
    if (value.IsObject()) {
        for (const auto& member : value.GetObject()) {
            std::string_view name(member.name.GetString(), member.name.GetStringLength());
            if (name == "pattern" && member.value.IsString()) {
                out.insert(member.value.GetString());
            } else {
                collect_patterns(member.value, out);
            }
        }
    } else if (value.IsArray()) {
        for (const auto& item : value.GetArray()) collect_patterns(item, out);
    }
}

// Every "pattern" in the embedded schemas.
std::set<std::string> schema_patterns() {
    std::set<std::string> patterns;
    for (std::size_t i = 0; i < kEmbeddedSchemaCount; ++i) {
        rapidjson::Document doc;
        doc.Parse(kEmbeddedSchemas[i].bytes.data(), kEmbeddedSchemas[i].bytes.size());
        collect_patterns(doc, patterns);
    }
    return patterns;
}

const std::string kMediaType =
    "^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$";
const std::string kDigest = "^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$";
const std::string kBase64 = "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$";
const std::string kUri = R"(^[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]*$)";
const std::string kDateTime =
    R"(^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\.[0-9]+)?(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$)";
const std::string kSha256 = "^sha256:[a-f0-9]{64}$";

struct Case {
    std::string pattern;
    std::string text;
    bool matches;
};

TEST(SchemaPattern, SchemaGrammarEdgeCases) {
    const std::string hex64(64, 'a');
    const std::string name126(126, 'x');
    const std::vector<Case> cases = {
        // Media types (RFC 6838 restricted names, at most 127 characters a side).
        {kMediaType, "application/vnd.oci.image.manifest.v1+json", true},
        {kMediaType, "application/vnd.wasm.content.layer.v1+wasm", true},
        {kMediaType, "a/b", true},
        {kMediaType, "x" + name126 + "/y" + name126, true},
        {kMediaType, "x" + name126 + "x/y", false},
        {kMediaType, "a/y" + name126 + "y", false},
        {kMediaType, "application/json; charset=utf-8", false},
        {kMediaType, "application/", false},
        {kMediaType, "/json", false},
        {kMediaType, ".a/b", false},
        {kMediaType, "a/b/c", false},
        {kMediaType, "a/b\n", false},
        {kMediaType, "", false},
        {kMediaType, "a^b!#$&/c_d.e+f-g", true},
        // Digests (image-spec descriptor.md grammar).
        {kDigest, "sha256:" + hex64, true},
        {kDigest, "sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564", true},
        {kDigest, "multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8", true},
        {kDigest, "sha256:", false},
        {kDigest, ":abc", false},
        {kDigest, "sha256+:abc", false},
        {kDigest, "+sha256:abc", false},
        {kDigest, "sha256..x:abc", false},
        {kDigest, "SHA256:abc", false},
        {kDigest, "sha256:abc def", false},
        {kDigest, "sha256:a:b", false},
        {kDigest, "sha256:abc/", false},
        // Lockfile digests: sha256 only, lowercase hex, exactly 64.
        {kSha256, "sha256:" + hex64, true},
        {kSha256, "sha256:" + hex64 + "a", false},
        {kSha256, "sha256:" + hex64.substr(1), false},
        {kSha256, "sha256:" + std::string(64, 'A'), false},
        {kSha256, "sha512:" + hex64, false},
        // Base64 (RFC 4648, padded).
        {kBase64, "", true},
        {kBase64, "QUJD", true},
        {kBase64, "QUI=", true},
        {kBase64, "QQ==", true},
        {kBase64, "QQ=", false},
        {kBase64, "Q===", false},
        {kBase64, "QUJDRA", false},
        {kBase64, "QUJD\n", false},
        {kBase64, "QU JD", false},
        {kBase64, "ab+/", true},
        {kBase64, "ab-_", false},
        // URIs (RFC 3986 characters).
        {kUri, "https://example.com/a?b=c#d", true},
        {kUri, "urn:ietf:rfc:3986", true},
        {kUri, "1http://x", false},
        {kUri, "http://x y", false},
        {kUri, "mailto:", true},
        {kUri, "no-colon", false},
        {kUri, "h:[::1]", true},
        // RFC 3339 date-times.
        {kDateTime, "2024-02-29T12:00:00Z", true},
        {kDateTime, "2024-12-31t23:59:60.123+14:00", true},
        {kDateTime, "2024-13-01T00:00:00Z", false},
        {kDateTime, "2024-00-01T00:00:00Z", false},
        {kDateTime, "2024-01-32T00:00:00Z", false},
        {kDateTime, "2024-01-01T24:00:00Z", false},
        {kDateTime, "2024-01-01T00:60:00Z", false},
        {kDateTime, "2024-01-01T00:00:61Z", false},
        {kDateTime, "2024-01-01T00:00:00", false},
        {kDateTime, "2024-01-01T00:00:00.Z", false},
        {kDateTime, "2024-01-01 00:00:00Z", false},
        {kDateTime, "2024-01-01T00:00:00-24:00", false},
    };
    for (const Case& c : cases) {
        SchemaPattern matcher = compiled(c.pattern);
        EXPECT_EQ(matcher.search(c.text), c.matches) << c.pattern << " on \"" << c.text << "\"";
        EXPECT_EQ(oracle(c.pattern, c.text), c.matches)
            << "std::regex disagrees with the table: " << c.pattern << " on \"" << c.text << "\"";
    }
}

TEST(SchemaPattern, GenericSyntaxAgreesWithStdRegex) {
    const std::vector<std::string> patterns = {
        "abc",     "^abc",  "abc$",        "^$",           "a|b|",      "(a|bc)+d",  "a*?b",
        "a{2}",    "a{2,}", "^a{2,3}$",    "(?:ab){0,2}c", "[^a-c]",    "[a\\-z]",   "[-a]",
        "[a-]",    "\\d+",  "^\\D\\w\\W$", "\\s\\S",       "x.y",       "^.*$",      "a\\.b",
        "(^a|b$)", "a^b",   "a$b",         "\\t\\n",       "[\\]\\[]+", "((a)|b)*c", "^(|x)$",
        "\\/",     "[.]",   "colou?r",     "(a*)*b",       "^(a+)+$",   "[\\d_]x",
    };
    const std::string alphabet = "abcdxyz019_-.[]\t\n\r /^$";
    std::mt19937 random(20240229);
    std::uniform_int_distribution<std::size_t> length(0, 8);
    std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
    for (const std::string& pattern : patterns) {
        SchemaPattern matcher = compiled(pattern);
        const std::regex regex = oracle_for(pattern);
        for (int i = 0; i < 400; ++i) {
            std::string text;
            for (std::size_t n = length(random); n > 0; --n) text += alphabet[pick(random)];
            EXPECT_EQ(matcher.search(text), std::regex_search(text, regex))
                << pattern << " on \"" << text << "\"";
        }
    }
}

// Random texts from the characters each schema pattern names, plus a few it does not, and
// mutations of texts it accepts: every pattern in the schemas, so a new one is covered too.
TEST(SchemaPattern, EverySchemaPatternAgreesWithStdRegex) {
    const std::set<std::string> patterns = schema_patterns();
    ASSERT_GE(patterns.size(), 10u);
    EXPECT_TRUE(patterns.contains(kMediaType));
    EXPECT_TRUE(patterns.contains(kDigest));
    EXPECT_TRUE(patterns.contains(kBase64));
    const std::vector<std::string> seeds = {"sha256:" + std::string(64, 'f'),
                                            "application/vnd.oci.image.index.v1+json",
                                            "QUJDRA==",
                                            "2024-01-01T00:00:00Z",
                                            "https://x/y",
                                            "/a/b",
                                            "OCI-DIGEST-MISMATCH",
                                            "config",
                                            "layers/12",
                                            "index.json#/manifests/3",
                                            "blobs/sha256/ab#/manifests/0",
                                            std::string(64, 'e')};
    std::mt19937 random(7);
    for (const std::string& pattern : patterns) {
        SchemaPattern matcher = compiled(pattern);
        const std::regex regex = oracle_for(pattern);
        std::string alphabet = pattern + " \n\xc3\xa9";
        std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
        std::uniform_int_distribution<std::size_t> length(0, 24);
        int accepted = 0;
        for (int i = 0; i < 600; ++i) {
            std::string text;
            if (i % 3 == 0) {
                text = seeds[static_cast<std::size_t>(i / 3) % seeds.size()];
                if (!text.empty() && i % 2 == 0)
                    text[random() % text.size()] = alphabet[pick(random)];
            } else {
                for (std::size_t n = length(random); n > 0; --n) text += alphabet[pick(random)];
            }
            bool expected = std::regex_search(text, regex);
            accepted += expected ? 1 : 0;
            EXPECT_EQ(matcher.search(text), expected) << pattern << " on \"" << text << "\"";
        }
        // Both answers were compared, not only one of them.
        EXPECT_GT(accepted, 0) << pattern;
        EXPECT_LT(accepted, 600) << pattern;
    }
}

TEST(SchemaPattern, LongTextsInLinearTime) {
    SchemaPattern base64 = compiled(kBase64);
    std::string text(1 << 22, 'A');  // 4 MiB: std::regex's recursive matcher overflows at 30 KB
    EXPECT_TRUE(base64.search(text));
    text.back() = '!';
    EXPECT_FALSE(base64.search(text));
    text.back() = '=';  // "AAA=" ends it
    EXPECT_TRUE(base64.search(text));
    SchemaPattern media = compiled(kMediaType);
    EXPECT_FALSE(media.search("application/" + std::string(1 << 20, 'x')));
}

TEST(SchemaPattern, RefusesSyntaxItDoesNotSupport) {
    for (const char* pattern :
         {"(?=a)", "(?!a)",  "(?<n>a)", "\\b",     "\\1",     "\\x41",       "\\u0041",
          "a{2",   "a{3,2}", "[z-a]",   "[\\d-z]", "*a",      "a**",         "(a",
          "a)",    "[abc",   "[]",      "^*",      "a{1001}", "[[:alpha:]]", "\\"}) {
        std::string error;
        EXPECT_FALSE(SchemaPattern::compile(pattern, error).has_value()) << pattern;
        EXPECT_NE(error.find("unsupported pattern syntax at offset"), std::string::npos)
            << pattern << ": " << error;
    }
    std::string error;
    EXPECT_FALSE(SchemaPattern::compile("(a{1000}){1000}", error).has_value());
    EXPECT_NE(error.find("more than 20000 automaton states"), std::string::npos) << error;
}

}  // namespace
}  // namespace ociwasm::detail
