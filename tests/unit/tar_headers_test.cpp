// TarHeaderWalk follows a tar's header structure as GNU tar does, whatever chunks the bytes
// arrive in, and finds global PAX headers that rename entries.
#include "tar_headers.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "test_support.h"

namespace ociwasm::detail {
namespace {

// One ustar header block for `name` of `type` declaring `size` bytes, checksum set.
std::string header(const std::string& name, char type, std::size_t size) {
    std::string block(512, '\0');
    block.replace(0, name.size(), name);
    std::snprintf(&block[100], 8, "%07o", 0644);
    std::snprintf(&block[124], 12, "%011zo", size);
    std::snprintf(&block[136], 12, "%011o", 0);
    block[156] = type;
    block.replace(257, 6, std::string("ustar\0", 6));
    block.replace(263, 2, "00");
    block.replace(148, 8, "        ");
    unsigned sum = 0;
    for (char c : block) sum += static_cast<unsigned char>(c);
    char field[8];
    std::snprintf(field, sizeof field, "%06o", sum);
    block.replace(148, 7, std::string(field, 6) + '\0');
    return block;
}

std::string padded(std::string data) {
    data.resize((data.size() + 511) / 512 * 512, '\0');
    return data;
}

// A PAX record "LEN key=value\n" (LEN counts itself).
std::string record(const std::string& keyword, const std::string& value) {
    std::string body = " " + keyword + "=" + value + "\n";
    std::size_t length = body.size() + 1;
    while (std::to_string(length).size() + body.size() != length) ++length;
    return std::to_string(length) + body;
}

std::string extended(char type, const std::string& records) {
    return header("PaxHeaders/x", type, records.size()) + padded(records);
}

std::string end_marker() {
    return std::string(1024, '\0');
}

std::vector<TarHeaderWalk::GlobalName> walk_in_chunks(const std::string& tar, std::size_t chunk) {
    TarHeaderWalk walk;
    for (std::size_t at = 0; at < tar.size(); at += chunk) {
        walk.feed(tar.data() + at, std::min(chunk, tar.size() - at));
    }
    return walk.global_names();
}

TEST(TarHeaderWalk, FindsAGlobalPathInAnyChunking) {
    std::string tar = extended('g', record("comment", "c") + record("path", "renamed")) +
                      header("oci-layout", '0', 3) + padded("abc") + end_marker();
    for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{512}, tar.size()}) {
        auto found = walk_in_chunks(tar, chunk);
        ASSERT_EQ(found.size(), 1u) << "chunk " << chunk;
        EXPECT_EQ(found[0].offset, 0);
        EXPECT_EQ(found[0].keyword, "path");
        EXPECT_EQ(found[0].value, "renamed");
    }
}

TEST(TarHeaderWalk, AGlobalPathLongerThanANameMayBeIsKeptCutShort) {
    std::string name(300 * 1024, 'n');
    std::string tar =
        extended('g', record("path", name)) + header("oci-layout", '0', 0) + end_marker();
    auto found = walk_in_chunks(tar, 4096);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].value, std::string(kShownNameSize, 'n') + "... (307200 bytes)");
    std::string longest(kMaxEntryNameSize, 'n');
    tar = extended('g', record("path", longest)) + header("oci-layout", '0', 0) + end_marker();
    EXPECT_EQ(walk_in_chunks(tar, 4096)[0].value, longest) << "names up to the limit stay whole";
}

TEST(TarHeaderWalk, GlobalHeadersThatNameNothingPass) {
    // git archive writes a global header with the commit id as a comment.
    std::string tar = extended('g', record("comment", "0123abcd")) + header("a", '0', 0) +
                      extended('x', record("path", "long/name")) + header("b", '0', 0) +
                      end_marker();
    EXPECT_TRUE(walk_in_chunks(tar, 100).empty());
}

TEST(TarHeaderWalk, FollowsPaxSizeAndSkipsData) {
    // The data of "big" (1024 bytes per the x header, 0 per its own size field) looks like a
    // global header: it is data to GNU tar, so nothing is reported. Data of a plain entry too.
    std::string fake = extended('g', record("path", "evil"));
    std::string before = extended('x', record("size", std::to_string(fake.size()))) +
                         header("big", '0', 0) + fake + header("plain", '0', fake.size()) + fake;
    std::string tar = before + extended('g', record("linkpath", "target")) + header("c", '0', 0) +
                      end_marker() + fake;
    auto found = walk_in_chunks(tar, 333);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].keyword, "linkpath");
    EXPECT_EQ(found[0].offset, static_cast<std::int64_t>(before.size()));
}

TEST(TarHeaderWalk, TheCommittedFixture) {
    std::string tar = testing::read_file(std::string(OCIWASM_SOURCE_DIR) +
                                         "/fixtures/broken/TAR-PAX-GLOBAL-PATH/layout.tar");
    auto found = walk_in_chunks(tar, 4096);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].value, "pax-global-path");
}

}  // namespace
}  // namespace ociwasm::detail
