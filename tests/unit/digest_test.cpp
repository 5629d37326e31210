#include "ociwasm/digest.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

namespace ociwasm {
namespace {

const std::string kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(DigestGrammar, AcceptsRegisteredAndWellFormedAlgorithms) {
    EXPECT_TRUE(parse_digest("sha256:" + kEmptySha256));
    EXPECT_TRUE(parse_digest("sha512:" + std::string(128, 'a')));
    // Unknown algorithms that fit the grammar parse; they are merely not verifiable.
    auto multi = parse_digest("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8");
    ASSERT_TRUE(multi);
    EXPECT_EQ(multi->algorithm, "multihash+base58");
    EXPECT_FALSE(is_verifiable_algorithm(multi->algorithm));
    EXPECT_TRUE(parse_digest("sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564"));
    EXPECT_TRUE(parse_digest("a.b_c-d:=="));
}

TEST(DigestGrammar, RejectsMalformedDigests) {
    struct Case {
        std::string text;
        std::string why_contains;
    };
    const Case cases[] = {
        {"sha256" + kEmptySha256, "no ':'"},
        {":" + kEmptySha256, "algorithm"},
        {"SHA256:" + kEmptySha256, "algorithm"},
        {"sha256-:" + kEmptySha256, "algorithm"},
        {"sha256..x:abc", "algorithm"},
        {"-sha:abc", "algorithm"},
        {"sha256:", "encoded"},
        {"sha256:abc/def", "encoded"},
        {"sha256:abc def", "encoded"},
        {"sha256:" + kEmptySha256.substr(1), "64 lowercase hex"},
        {"sha256:" + kEmptySha256 + "0", "64 lowercase hex"},
        {"sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
         "not all lowercase hex"},
        {"sha256:" + std::string(64, 'g'), "not all lowercase hex"},
        {"sha512:" + kEmptySha256, "128 lowercase hex"},
    };
    for (const Case& c : cases) {
        std::string why;
        EXPECT_FALSE(parse_digest(c.text, &why)) << c.text;
        EXPECT_NE(why.find(c.why_contains), std::string::npos) << c.text << " -> " << why;
        EXPECT_FALSE(is_valid_digest(c.text)) << c.text;
        std::string_view algorithm = "untouched";
        std::string_view encoded = "untouched";
        std::string split_why;
        EXPECT_FALSE(split_digest(c.text, algorithm, encoded, &split_why)) << c.text;
        EXPECT_EQ(split_why, why) << c.text;
        EXPECT_EQ(algorithm, "untouched");
    }
}

// split_digest, check_digest_parts and is_valid_digest are parse_digest's rules without copies.
TEST(DigestGrammar, ViewsAgreeWithParseDigest) {
    for (const std::string& text :
         {"sha256:" + kEmptySha256, "sha512:" + std::string(128, 'a'),
          std::string("a+b.c_d-e:x=Y_-z"), std::string("sha256:abc"), std::string("sha256"),
          std::string(":x"), std::string("a:b:c")}) {
        std::optional<Digest> parsed = parse_digest(text);
        std::string_view algorithm;
        std::string_view encoded;
        EXPECT_EQ(split_digest(text, algorithm, encoded), parsed.has_value()) << text;
        EXPECT_EQ(is_valid_digest(text), parsed.has_value()) << text;
        if (!parsed) continue;
        EXPECT_EQ(algorithm, parsed->algorithm);
        EXPECT_EQ(encoded, parsed->encoded);
        EXPECT_EQ(algorithm.data(), text.data()) << "a view into the text, not a copy";
        EXPECT_TRUE(check_digest_parts(parsed->algorithm, parsed->encoded));
    }
    std::string why;
    EXPECT_FALSE(check_digest_parts("sha256", "xyz", &why));
    EXPECT_NE(why.find("64 lowercase hex"), std::string::npos) << why;
}

TEST(StreamHasher, KnownAnswers) {
    EXPECT_EQ(sha256_hex(""), kEmptySha256);
    EXPECT_EQ(sha256_hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha512_hex("abc"),
              "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
              "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    EXPECT_EQ(sha256_digest("{}"),
              "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
}

TEST(StreamHasher, ChunkedEqualsWholeAndResets) {
    std::string data(1 << 20, '\0');
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31 + 7);
    StreamHasher hasher("sha256");
    ASSERT_TRUE(hasher.valid());
    for (std::size_t offset = 0; offset < data.size(); offset += 4093) {
        hasher.update(data.data() + offset, std::min<std::size_t>(4093, data.size() - offset));
    }
    EXPECT_EQ(hasher.bytes(), data.size());
    EXPECT_EQ(hasher.finish_hex(), sha256_hex(data));
    EXPECT_EQ(hasher.finish_hex(), kEmptySha256);  // reset after finish
}

TEST(StreamHasher, UnknownAlgorithmIsNotValid) {
    StreamHasher hasher("blake3");
    EXPECT_FALSE(hasher.valid());
    hasher.update("abc", 3);
    EXPECT_EQ(hasher.bytes(), 3u);
    EXPECT_EQ(hasher.finish_hex(), "");
}

}  // namespace
}  // namespace ociwasm
