#include "sink_files.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "test_support.h"

namespace ociwasm::detail {
namespace {

using ::ociwasm::testing::read_file;
using ::ociwasm::testing::TempDir;

TEST(ParseTarget, SplitsParentAndName) {
    struct Case {
        const char* given;
        const char* path;
        const char* parent;
        const char* name;
    };
    const Case cases[] = {
        {"out", "out", ".", "out"},
        {"out/", "out", ".", "out"},
        {"a/b/out.tar", "a/b/out.tar", "a/b", "out.tar"},
        {"/out", "/out", "/", "out"},
        {"a//", "a", ".", "a"},
    };
    for (const Case& test_case : cases) {
        TargetPath target;
        ASSERT_TRUE(parse_target(test_case.given, target)) << test_case.given;
        EXPECT_EQ(target.path, test_case.path) << test_case.given;
        EXPECT_EQ(target.parent, test_case.parent) << test_case.given;
        EXPECT_EQ(target.name, test_case.name) << test_case.given;
    }
}

TEST(ParseTarget, RefusesEveryTemporaryItMakes) {
    TargetPath target;
    ASSERT_TRUE(parse_target("dir/out", target));
    for (const char* marker : {".tmp-", ".old-"}) {
        std::string temp = temp_path(target, marker);
        ASSERT_EQ(temp.rfind(std::string("dir/.out") + marker, 0), 0u) << temp;
        TargetPath refused;
        Status status = parse_target(temp, refused);
        EXPECT_EQ(status.code(), Status::Code::usage) << temp;
        EXPECT_NE(status.message().find("temporary of an unfinished write"), std::string::npos)
            << status.message();
        EXPECT_EQ(parse_target(temp + "/out.tar", refused).code(), Status::Code::usage) << temp;
    }
    // Names that only look a bit like a temporary are ordinary outputs.
    for (const char* name : {".out.tmp-short", "out.tmp-abcdefghij12", ".out.tmp-ABCDEFGHIJ12"}) {
        TargetPath accepted;
        EXPECT_TRUE(parse_target(name, accepted)) << name;
    }
}

TEST(MakeTemporary, TriesFreshNamesWhileOneExists) {
    TargetPath target;
    ASSERT_TRUE(parse_target("dir/out", target));
    std::vector<std::string> tried;
    std::string made;
    Status status = make_temporary(
        "dir/out", target, "file",
        [&tried](const std::string& path) {
            tried.push_back(path);
            return tried.size() < 3 ? EEXIST : 0;
        },
        made);
    ASSERT_TRUE(status) << status.message();
    ASSERT_EQ(tried.size(), 3u);
    EXPECT_EQ(made, tried.back());
    EXPECT_NE(tried[0], tried[1]);
}

TEST(MakeTemporary, NamesTheOutputTheTempAndTheReason) {
    TargetPath target;
    ASSERT_TRUE(parse_target("dir/out", target));
    std::string made;
    std::string tried;
    Status status = make_temporary(
        "OUT", target, "directory",
        [&tried](const std::string& path) {
            tried = path;
            return EACCES;
        },
        made);
    EXPECT_EQ(status.code(), Status::Code::io_error);
    EXPECT_EQ(status.message(),
              "OUT: cannot create temporary directory " + tried + ": " + std::strerror(EACCES));
    EXPECT_TRUE(made.empty());

    int calls = 0;
    status = make_temporary(
        "OUT", target, "file",
        [&calls](const std::string&) {
            ++calls;
            return EEXIST;
        },
        made);
    EXPECT_EQ(status.code(), Status::Code::io_error);
    EXPECT_EQ(status.message(),
              "OUT: cannot create a temporary file in dir: every name tried exists");
    EXPECT_EQ(calls, 100);
}

TEST(BufferedFile, KeepsTheOrderOfSmallAndLargeWrites) {
    TempDir dir;
    std::string path = (dir / "data").string();
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    std::string expected;
    BufferedFile file;
    file.attach(fd, true);
    // Small writes fill the buffer; one larger than the buffer goes past it.
    for (std::size_t size : {std::size_t{10}, std::size_t{1000}, std::size_t{3} << 20,
                             std::size_t{7}, std::size_t{1} << 20, std::size_t{1}}) {
        std::string chunk(size, static_cast<char>('a' + expected.size() % 26));
        ASSERT_EQ(file.write(chunk.data(), chunk.size()), 0);
        expected += chunk;
    }
    ASSERT_EQ(file.flush(), 0);
    ASSERT_EQ(file.sync(), 0);
    ASSERT_EQ(file.close(), 0);
    EXPECT_EQ(read_file(dir / "data"), expected);
}

}  // namespace
}  // namespace ociwasm::detail
