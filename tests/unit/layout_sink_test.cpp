// LayoutSink: deterministic bytes, tar entry shape, atomic replacement, failures leave nothing.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "ociwasm/layout.h"
#include "test_support.h"

namespace ociwasm {
namespace {

namespace fs = std::filesystem;
using ociwasm::testing::pseudo_random_bytes;
using ociwasm::testing::read_file;
using ociwasm::testing::TempDir;
using ociwasm::testing::write_file;

const std::string kBigBlob = "blobs/sha256/" + std::string(64, 'b');
const std::string kLongNameBlob = "blobs/sha512/" + std::string(128, 'c');  // > 100 chars
const std::string kSmallBlob = "blobs/sha256/" + std::string(64, 'a');
const std::string kOtherAlgBlob = "blobs/sha384/" + std::string(96, 'd');
const std::string kOciLayout = R"({"imageLayoutVersion":"1.0.0"})";
const std::string kIndex = R"({"schemaVersion":2,"manifests":[]})";

const std::string& big_content() {
    static const std::string content = pseudo_random_bytes(2 * kMiB + kMiB / 2 + 123, 1);
    return content;
}

const std::string& long_name_content() {
    static const std::string content = pseudo_random_bytes(1000, 2);
    return content;
}

// Streams `bytes` in uneven chunks (tiny, odd-sized and larger than the write buffer).
Status stream_blob(LayoutSink& sink, const std::string& path, const std::string& bytes) {
    if (Status status = sink.begin_blob(path, bytes.size()); !status) return status;
    const std::size_t chunk_sizes[] = {1, 4095, kMiB + 7, 300000};
    std::size_t offset = 0;
    for (std::size_t turn = 0; offset < bytes.size(); ++turn) {
        std::size_t size = std::min(chunk_sizes[turn % 4], bytes.size() - offset);
        if (Status status = sink.blob_data(bytes.data() + offset, size); !status) return status;
        offset += size;
    }
    return sink.end_blob();
}

// The same calls every time: two streamed blobs, then small files given out of order.
Status write_sample(LayoutSink& sink) {
    if (Status status = stream_blob(sink, kBigBlob, big_content()); !status) return status;
    if (Status status = stream_blob(sink, kLongNameBlob, long_name_content()); !status) {
        return status;
    }
    if (Status status = sink.put_file("oci-layout", kOciLayout); !status) return status;
    if (Status status = sink.put_file(kOtherAlgBlob, "sha384 blob"); !status) return status;
    if (Status status = sink.put_file("index.json", kIndex); !status) return status;
    return sink.put_file(kSmallBlob, "{}");
}

struct ExpectedEntry {
    std::string name;
    bool directory;
    std::string content;
};

// Directories before their files; streamed blobs in call order, then put_file ones sorted.
std::vector<ExpectedEntry> sample_tar_entries() {
    return {
        {"blobs/", true, ""},
        {"blobs/sha256/", true, ""},
        {kBigBlob, false, big_content()},
        {"blobs/sha512/", true, ""},
        {kLongNameBlob, false, long_name_content()},
        {kSmallBlob, false, "{}"},
        {"blobs/sha384/", true, ""},
        {kOtherAlgBlob, false, "sha384 blob"},
        {"index.json", false, kIndex},
        {"oci-layout", false, kOciLayout},
    };
}

struct TarEntry {
    std::string name;
    unsigned type = 0;
    unsigned permissions = 0;
    std::int64_t mtime = -1;
    bool atime_set = false;
    bool ctime_set = false;
    std::int64_t uid = -1;
    std::int64_t gid = -1;
    std::string uname;
    std::string gname;
    std::int64_t size = -1;
    std::string content;
};

std::vector<TarEntry> read_tar(const fs::path& file) {
    std::vector<TarEntry> entries;
    struct archive* reader = archive_read_new();
    archive_read_support_filter_all(reader);
    archive_read_support_format_all(reader);
    if (archive_read_open_filename(reader, file.c_str(), 65536) != ARCHIVE_OK) {
        ADD_FAILURE() << file << ": cannot open as an archive: " << archive_error_string(reader);
        archive_read_free(reader);
        return entries;
    }
    struct archive_entry* header = nullptr;
    int result = ARCHIVE_OK;
    while ((result = archive_read_next_header(reader, &header)) == ARCHIVE_OK) {
        TarEntry entry;
        entry.name = archive_entry_pathname(header);
        entry.type = archive_entry_filetype(header);
        entry.permissions = archive_entry_perm(header);
        entry.mtime = archive_entry_mtime(header);
        entry.atime_set = archive_entry_atime_is_set(header) != 0;
        entry.ctime_set = archive_entry_ctime_is_set(header) != 0;
        entry.uid = archive_entry_uid(header);
        entry.gid = archive_entry_gid(header);
        if (const char* name = archive_entry_uname(header)) entry.uname = name;
        if (const char* name = archive_entry_gname(header)) entry.gname = name;
        entry.size = archive_entry_size(header);
        char buffer[65536];
        la_ssize_t got = 0;
        while ((got = archive_read_data(reader, buffer, sizeof buffer)) > 0) {
            entry.content.append(buffer, static_cast<std::size_t>(got));
        }
        if (got < 0) ADD_FAILURE() << file << ": " << entry.name << ": cannot read data";
        entries.push_back(std::move(entry));
    }
    if (result != ARCHIVE_EOF) {
        ADD_FAILURE() << file
                      << ": expected a clean end of archive, got: " << archive_error_string(reader);
    }
    archive_read_free(reader);
    return entries;
}

void expect_sample_tar(const fs::path& file) {
    std::vector<TarEntry> entries = read_tar(file);
    std::vector<ExpectedEntry> expected = sample_tar_entries();
    std::vector<std::string> names;
    for (const TarEntry& entry : entries) names.push_back(entry.name);
    std::vector<std::string> expected_names;
    for (const ExpectedEntry& entry : expected) expected_names.push_back(entry.name);
    ASSERT_EQ(names, expected_names) << file;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const TarEntry& entry = entries[i];
        SCOPED_TRACE(file.string() + ": " + entry.name);
        EXPECT_EQ(entry.type, expected[i].directory ? AE_IFDIR : AE_IFREG);
        EXPECT_EQ(entry.permissions, expected[i].directory ? 0755u : 0644u);
        EXPECT_EQ(entry.mtime, 0);
        EXPECT_FALSE(entry.atime_set);
        EXPECT_FALSE(entry.ctime_set);
        EXPECT_EQ(entry.uid, 0);
        EXPECT_EQ(entry.gid, 0);
        EXPECT_EQ(entry.uname, "");
        EXPECT_EQ(entry.gname, "");
        EXPECT_EQ(entry.size, static_cast<std::int64_t>(expected[i].content.size()));
        EXPECT_TRUE(entry.content == expected[i].content)
            << "content differs: expected " << expected[i].content.size() << " bytes, found "
            << entry.content.size();
    }
}

std::vector<std::string> list_names(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

// What lies beside `target` while a sink writes it, by kind: "lock" for its lock file
// (".NAME.oci-wasm-lock"), "tmp" for its temporary (".NAME.tmp-*"), else the name itself.
std::vector<std::string> writing_names(const fs::path& dir, const fs::path& target) {
    std::string name = target.filename().string();
    std::vector<std::string> kinds;
    for (const std::string& found : list_names(dir)) {
        if (found == "." + name + ".oci-wasm-lock") {
            kinds.push_back("lock");
        } else if (found.starts_with("." + name + ".tmp-")) {
            kinds.push_back("tmp");
        } else {
            kinds.push_back(found);
        }
    }
    std::sort(kinds.begin(), kinds.end());
    return kinds;
}

struct TreeNode {
    bool directory = false;
    unsigned permissions = 0;
    std::string content;
    bool operator==(const TreeNode&) const = default;
};

std::map<std::string, TreeNode> read_tree(const fs::path& root) {
    std::map<std::string, TreeNode> tree;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        TreeNode node;
        node.directory = entry.is_directory();
        node.permissions = static_cast<unsigned>(entry.status().permissions() & fs::perms::mask);
        if (!node.directory) node.content = read_file(entry.path());
        tree[fs::relative(entry.path(), root).string()] = node;
    }
    return tree;
}

std::map<std::string, TreeNode> sample_tree() {
    std::map<std::string, TreeNode> tree;
    for (const ExpectedEntry& entry : sample_tar_entries()) {
        std::string name = entry.name;
        if (entry.directory) name.pop_back();
        tree[name] = {entry.directory, entry.directory ? 0755u : 0644u, entry.content};
    }
    return tree;
}

std::string suffix_for(SinkFormat format) {
    switch (format) {
        case SinkFormat::tar:
            return ".tar";
        case SinkFormat::tar_gz:
            return ".tar.gz";
        case SinkFormat::tar_zst:
            return ".tar.zst";
        case SinkFormat::directory:
            break;
    }
    return "";
}

std::unique_ptr<LayoutSink> open_sink(const fs::path& path, SinkFormat format) {
    std::unique_ptr<LayoutSink> sink;
    Status status = open_layout_sink(path.string(), format, sink);
    EXPECT_TRUE(status) << path << ": " << status.message();
    EXPECT_EQ(status.is_ok(), sink != nullptr);
    return sink;
}

// Runs `body` in a forked child and returns what it wrote to the pipe plus its exit status.
struct ChildResult {
    int wait_status = 0;
    std::string report;
};

ChildResult run_in_child(const std::function<std::string()>& body) {
    int pipe_fds[2];
    EXPECT_EQ(::pipe(pipe_fds), 0);
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
        ::close(pipe_fds[0]);
        std::string report = body();
        ssize_t ignored = ::write(pipe_fds[1], report.data(), report.size());
        (void)ignored;
        ::_exit(0);
    }
    ::close(pipe_fds[1]);
    ChildResult result;
    char buffer[4096];
    ssize_t got = 0;
    while ((got = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0) {
        result.report.append(buffer, static_cast<std::size_t>(got));
    }
    ::close(pipe_fds[0]);
    EXPECT_EQ(::waitpid(pid, &result.wait_status, 0), pid);
    return result;
}

TEST(SinkFormatForPath, PicksFormatBySuffix) {
    EXPECT_EQ(sink_format_for_path("out.tar"), SinkFormat::tar);
    EXPECT_EQ(sink_format_for_path("-"), SinkFormat::tar);
    EXPECT_EQ(sink_format_for_path("dir/out.tar.gz"), SinkFormat::tar_gz);
    EXPECT_EQ(sink_format_for_path("out.tgz"), SinkFormat::tar_gz);
    EXPECT_EQ(sink_format_for_path("out.tar.zst"), SinkFormat::tar_zst);
    EXPECT_EQ(sink_format_for_path("out"), SinkFormat::directory);
    EXPECT_EQ(sink_format_for_path("out.tar.d"), SinkFormat::directory);
    EXPECT_EQ(sink_format_for_path("layout/"), SinkFormat::directory);
}

class LayoutSinkTar : public ::testing::TestWithParam<SinkFormat> {
  protected:
    fs::path target(const std::string& stem) const {
        return dir_ / (stem + suffix_for(GetParam()));
    }
    TempDir dir_;
};

TEST_P(LayoutSinkTar, SameCallsGiveByteIdenticalOutput) {
    for (const char* stem : {"first", "second"}) {
        auto sink = open_sink(target(stem), GetParam());
        ASSERT_TRUE(sink);
        Status written = write_sample(*sink);
        ASSERT_TRUE(written) << written.message();
        Status committed = sink->commit();
        ASSERT_TRUE(committed) << committed.message();
    }
    std::string first = read_file(target("first"));
    std::string second = read_file(target("second"));
    EXPECT_GT(first.size(), 0u);
    EXPECT_TRUE(first == second) << "expected identical bytes, found " << first.size() << " and "
                                 << second.size() << " bytes that differ";
    std::vector<std::string> expected_names = {target("first").filename().string(),
                                               target("second").filename().string()};
    EXPECT_EQ(list_names(dir_.path()), expected_names) << "expected no temp files left";
}

TEST_P(LayoutSinkTar, EntriesAreOrderedWithFixedMetadata) {
    auto sink = open_sink(target("out"), GetParam());
    ASSERT_TRUE(sink);
    ASSERT_TRUE(write_sample(*sink));
    Status committed = sink->commit();
    ASSERT_TRUE(committed) << committed.message();
    expect_sample_tar(target("out"));
}

TEST_P(LayoutSinkTar, UncommittedSinkLeavesNoTargetAndNoTemp) {
    {
        auto sink = open_sink(target("out"), GetParam());
        ASSERT_TRUE(sink);
        ASSERT_TRUE(write_sample(*sink));
        EXPECT_EQ(writing_names(dir_.path(), target("out")),
                  (std::vector<std::string>{"lock", "tmp"}))
            << "expected the temp file and the lock while writing";
    }
    EXPECT_EQ(list_names(dir_.path()), std::vector<std::string>{});
}

TEST_P(LayoutSinkTar, AbortRemovesTempAndIsIdempotent) {
    auto sink = open_sink(target("out"), GetParam());
    ASSERT_TRUE(sink);
    ASSERT_TRUE(sink->put_file("oci-layout", kOciLayout));
    sink->abort();
    sink->abort();
    EXPECT_EQ(list_names(dir_.path()), std::vector<std::string>{});
    Status after = sink->commit();
    EXPECT_EQ(after.code(), Status::Code::usage) << after.message();
    EXPECT_FALSE(fs::exists(target("out")));
}

TEST_P(LayoutSinkTar, ExistingTargetIsReplacedOnlyAtCommit) {
    write_file(target("out"), "old content");
    auto sink = open_sink(target("out"), GetParam());
    ASSERT_TRUE(sink);
    ASSERT_TRUE(write_sample(*sink));
    EXPECT_EQ(read_file(target("out")), "old content") << "replaced before commit";
    Status committed = sink->commit();
    ASSERT_TRUE(committed) << committed.message();
    expect_sample_tar(target("out"));
    EXPECT_EQ(list_names(dir_.path()), std::vector<std::string>{target("out").filename().string()});
}

TEST_P(LayoutSinkTar, ShortBlobIsAnErrorAndLeavesNothing) {
    write_file(target("out"), "old content");
    auto sink = open_sink(target("out"), GetParam());
    ASSERT_TRUE(sink);
    ASSERT_TRUE(sink->begin_blob(kBigBlob, 10));
    ASSERT_TRUE(sink->blob_data("123456789", 9));
    Status ended = sink->end_blob();
    EXPECT_EQ(ended.code(), Status::Code::invalid);
    EXPECT_NE(ended.message().find("declared size 10 bytes, got 9"), std::string::npos)
        << ended.message();
    EXPECT_NE(ended.message().find(target("out").string()), std::string::npos) << ended.message();
    EXPECT_EQ(list_names(dir_.path()), std::vector<std::string>{target("out").filename().string()})
        << "expected the temp removed at once";
    Status committed = sink->commit();
    EXPECT_EQ(committed.code(), Status::Code::invalid) << "commit after a failure must fail";
    EXPECT_EQ(read_file(target("out")), "old content");
}

TEST_P(LayoutSinkTar, LongBlobIsAnErrorAndLeavesNothing) {
    auto sink = open_sink(target("out"), GetParam());
    ASSERT_TRUE(sink);
    ASSERT_TRUE(sink->begin_blob(kBigBlob, 4));
    ASSERT_TRUE(sink->blob_data("123", 3));
    Status data = sink->blob_data("45", 2);
    EXPECT_EQ(data.code(), Status::Code::invalid);
    EXPECT_NE(data.message().find("declared size 4 bytes, got at least 5"), std::string::npos)
        << data.message();
    EXPECT_FALSE(sink->end_blob());
    EXPECT_FALSE(sink->commit());
    EXPECT_EQ(list_names(dir_.path()), std::vector<std::string>{});
}

TEST_P(LayoutSinkTar, DiskFullIsAnIoErrorAndLeavesNothing) {
    fs::path out = target("out");
    SinkFormat format = GetParam();
    ChildResult child = run_in_child([&]() -> std::string {
        ignore_sigxfsz();
        struct rlimit limit = {256 * 1024, 256 * 1024};
        if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return "setrlimit failed";
        std::unique_ptr<LayoutSink> sink;
        Status status = open_layout_sink(out.string(), format, sink);
        if (status) status = write_sample(*sink);
        if (status) status = sink->commit();
        if (status) return "committed despite the file size limit";
        return std::string(status.code() == Status::Code::io_error ? "io_error: " : "other: ") +
               status.message();
    });
    ASSERT_TRUE(WIFEXITED(child.wait_status))
        << "child died, signal " << WTERMSIG(child.wait_status);
    EXPECT_EQ(child.report.rfind("io_error: ", 0), 0u) << child.report;
    EXPECT_NE(child.report.find(out.string()), std::string::npos) << child.report;
    EXPECT_NE(child.report.find(std::strerror(EFBIG)), std::string::npos) << child.report;
    EXPECT_EQ(list_names(dir_.path()), std::vector<std::string>{});
}

INSTANTIATE_TEST_SUITE_P(Formats, LayoutSinkTar,
                         ::testing::Values(SinkFormat::tar, SinkFormat::tar_gz,
                                           SinkFormat::tar_zst),
                         [](const ::testing::TestParamInfo<SinkFormat>& info) {
                             switch (info.param) {
                                 case SinkFormat::tar:
                                     return std::string("tar");
                                 case SinkFormat::tar_gz:
                                     return std::string("tar_gz");
                                 case SinkFormat::tar_zst:
                                     return std::string("tar_zst");
                                 case SinkFormat::directory:
                                     break;
                             }
                             return std::string("directory");
                         });

TEST(LayoutSinkTarBytes, PlainTarHasNoVaryingPaxRecords) {
    TempDir dir;
    auto sink = open_sink(dir / "out.tar", SinkFormat::tar);
    ASSERT_TRUE(sink);
    ASSERT_TRUE(write_sample(*sink));
    ASSERT_TRUE(sink->commit());
    std::string bytes = read_file(dir / "out.tar");
    EXPECT_EQ(bytes.size() % 512, 0u) << "expected whole 512-byte records";
    for (const char* key : {"atime=", "ctime=", "mtime=", "SCHILY", "LIBARCHIVE", "uname="}) {
        EXPECT_EQ(bytes.find(key), std::string::npos) << "unexpected pax record " << key;
    }
    EXPECT_NE(bytes.find("path=" + kLongNameBlob), std::string::npos)
        << "expected a pax path record for the name over 100 characters";
}

TEST(LayoutSinkTarBytes, SameOutputFromAnotherProcess) {
    TempDir dir;
    fs::path from_child = dir / "child.tar";
    ChildResult child = run_in_child([&]() -> std::string {
        std::unique_ptr<LayoutSink> sink;
        Status status = open_layout_sink(from_child.string(), SinkFormat::tar, sink);
        if (status) status = write_sample(*sink);
        if (status) status = sink->commit();
        return status ? "ok" : status.message();
    });
    ASSERT_EQ(child.report, "ok");
    auto sink = open_sink(dir / "parent.tar", SinkFormat::tar);
    ASSERT_TRUE(sink);
    ASSERT_TRUE(write_sample(*sink));
    ASSERT_TRUE(sink->commit());
    EXPECT_TRUE(read_file(from_child) == read_file(dir / "parent.tar"))
        << "expected the same bytes from a different process (no pid or time in headers)";
}

TEST(LayoutSinkTarBytes, GzipHeaderHasNoTimestampOrName) {
    TempDir dir;
    auto sink = open_sink(dir / "out.tar.gz", SinkFormat::tar_gz);
    ASSERT_TRUE(sink);
    ASSERT_TRUE(sink->put_file("oci-layout", kOciLayout));
    ASSERT_TRUE(sink->commit());
    std::string bytes = read_file(dir / "out.tar.gz");
    ASSERT_GE(bytes.size(), 10u);
    EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 0x1f);
    EXPECT_EQ(static_cast<unsigned char>(bytes[1]), 0x8b);
    EXPECT_EQ(bytes[3], 0) << "expected no gzip flags (no file name, no comment)";
    EXPECT_EQ(bytes.substr(4, 4), std::string(4, '\0')) << "expected a zero gzip mtime";
}

TEST(LayoutSinkTarBytes, StdoutReceivesTheTar) {
    TempDir dir;
    fs::path captured = dir / "stdout.tar";
    ChildResult child = run_in_child([&]() -> std::string {
        int fd = ::open(captured.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || ::dup2(fd, STDOUT_FILENO) < 0) return "cannot redirect stdout";
        std::unique_ptr<LayoutSink> sink;
        Status status = open_layout_sink("-", SinkFormat::tar, sink);
        if (status) status = write_sample(*sink);
        if (status) status = sink->commit();
        return status ? "ok" : status.message();
    });
    ASSERT_EQ(child.report, "ok");
    expect_sample_tar(captured);
    EXPECT_EQ(list_names(dir.path()), std::vector<std::string>{"stdout.tar"});
}

class LayoutSinkDirectory : public ::testing::Test {
  protected:
    TempDir dir_;
};

TEST_F(LayoutSinkDirectory, WritesLayoutFilesWithFixedModes) {
    auto sink = open_sink(dir_ / "out", SinkFormat::directory);
    ASSERT_TRUE(sink);
    ASSERT_TRUE(write_sample(*sink));
    EXPECT_FALSE(fs::exists(dir_ / "out")) << "target created before commit";
    Status committed = sink->commit();
    ASSERT_TRUE(committed) << committed.message();
    EXPECT_TRUE(read_tree(dir_ / "out") == sample_tree()) << "unexpected tree, modes or content";
    EXPECT_EQ(fs::status(dir_ / "out").permissions() & fs::perms::mask,
              static_cast<fs::perms>(0755));
    EXPECT_EQ(list_names(dir_.path()), std::vector<std::string>{"out"});
}

TEST_F(LayoutSinkDirectory, SameCallsGiveIdenticalTrees) {
    for (const char* name : {"first", "second/"}) {
        auto sink = open_sink(dir_ / name, SinkFormat::directory);
        ASSERT_TRUE(sink);
        ASSERT_TRUE(write_sample(*sink));
        ASSERT_TRUE(sink->commit());
    }
    std::map<std::string, TreeNode> first = read_tree(dir_ / "first");
    EXPECT_EQ(first.size(), sample_tree().size());
    EXPECT_TRUE(first == read_tree(dir_ / "second"));
}

TEST_F(LayoutSinkDirectory, ModesDoNotDependOnUmask) {
    mode_t previous = ::umask(077);
    auto sink = open_sink(dir_ / "out", SinkFormat::directory);
    Status status = sink ? write_sample(*sink) : Status::usage("no sink");
    if (status) status = sink->commit();
    ::umask(previous);
    ASSERT_TRUE(status) << status.message();
    EXPECT_TRUE(read_tree(dir_ / "out") == sample_tree());
}

TEST_F(LayoutSinkDirectory, UncommittedSinkLeavesNoTargetAndNoTemp) {
    {
        auto sink = open_sink(dir_ / "out", SinkFormat::directory);
        ASSERT_TRUE(sink);
        ASSERT_TRUE(write_sample(*sink));
        ASSERT_TRUE(sink->begin_blob("blobs/sha256/" + std::string(64, 'e'), 100));
        ASSERT_TRUE(sink->blob_data("partial", 7));
        EXPECT_EQ(writing_names(dir_.path(), dir_ / "out"),
                  (std::vector<std::string>{"lock", "tmp"}))
            << "expected the temp dir and the lock while writing";
    }
    EXPECT_EQ(list_names(dir_.path()), std::vector<std::string>{});
}

TEST_F(LayoutSinkDirectory, ExistingLayoutIsReplacedOnlyAtCommit) {
    write_file(dir_ / "out" / "oci-layout", "old layout");
    write_file(dir_ / "out" / "blobs" / "sha256" / "stale", "stale blob");
    auto sink = open_sink(dir_ / "out", SinkFormat::directory);
    ASSERT_TRUE(sink);
    ASSERT_TRUE(write_sample(*sink));
    EXPECT_EQ(read_file(dir_ / "out" / "oci-layout"), "old layout") << "replaced before commit";
    Status committed = sink->commit();
    ASSERT_TRUE(committed) << committed.message();
    EXPECT_TRUE(read_tree(dir_ / "out") == sample_tree()) << "expected the old tree gone";
    EXPECT_EQ(list_names(dir_.path()), std::vector<std::string>{"out"});
}

TEST_F(LayoutSinkDirectory, ReplacesAnEmptyDirectory) {
    fs::create_directory(dir_ / "out");
    auto sink = open_sink(dir_ / "out", SinkFormat::directory);
    ASSERT_TRUE(sink);
    ASSERT_TRUE(write_sample(*sink));
    ASSERT_TRUE(sink->commit());
    EXPECT_TRUE(read_tree(dir_ / "out") == sample_tree());
}

TEST_F(LayoutSinkDirectory, RefusesToReplaceWhatIsNotALayout) {
    write_file(dir_ / "home" / "precious.txt", "keep me");
    std::unique_ptr<LayoutSink> sink;
    Status status = open_layout_sink((dir_ / "home").string(), SinkFormat::directory, sink);
    EXPECT_EQ(status.code(), Status::Code::usage) << status.message();
    EXPECT_NE(status.message().find("not an OCI layout"), std::string::npos) << status.message();
    EXPECT_FALSE(sink);
    EXPECT_EQ(read_file(dir_ / "home" / "precious.txt"), "keep me");

    write_file(dir_ / "plain-file", "a file");
    status = open_layout_sink((dir_ / "plain-file").string(), SinkFormat::directory, sink);
    EXPECT_EQ(status.code(), Status::Code::usage) << status.message();
    EXPECT_EQ(list_names(dir_.path()), (std::vector<std::string>{"home", "plain-file"}));
}

TEST_F(LayoutSinkDirectory, SizeMismatchIsAnErrorAndLeavesNothing) {
    auto sink = open_sink(dir_ / "out", SinkFormat::directory);
    ASSERT_TRUE(sink);
    ASSERT_TRUE(sink->put_file("oci-layout", kOciLayout));
    ASSERT_TRUE(sink->begin_blob(kBigBlob, 3));
    Status ended = sink->end_blob();
    EXPECT_EQ(ended.code(), Status::Code::invalid);
    EXPECT_NE(ended.message().find("declared size 3 bytes, got 0"), std::string::npos)
        << ended.message();
    EXPECT_EQ(list_names(dir_.path()), std::vector<std::string>{});
    EXPECT_FALSE(sink->commit());
    EXPECT_FALSE(fs::exists(dir_ / "out"));
}

TEST_F(LayoutSinkDirectory, DiskFullIsAnIoErrorAndLeavesNothing) {
    fs::path out = dir_ / "out";
    ChildResult child = run_in_child([&]() -> std::string {
        ignore_sigxfsz();
        struct rlimit limit = {256 * 1024, 256 * 1024};
        if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return "setrlimit failed";
        std::unique_ptr<LayoutSink> sink;
        Status status = open_layout_sink(out.string(), SinkFormat::directory, sink);
        if (status) status = write_sample(*sink);
        if (status) status = sink->commit();
        if (status) return "committed despite the file size limit";
        return std::string(status.code() == Status::Code::io_error ? "io_error: " : "other: ") +
               status.message();
    });
    ASSERT_TRUE(WIFEXITED(child.wait_status))
        << "child died, signal " << WTERMSIG(child.wait_status);
    EXPECT_EQ(child.report.rfind("io_error: ", 0), 0u) << child.report;
    EXPECT_NE(child.report.find(out.string() + "/" + kBigBlob), std::string::npos) << child.report;
    EXPECT_NE(child.report.find(std::strerror(EFBIG)), std::string::npos) << child.report;
    EXPECT_EQ(list_names(dir_.path()), std::vector<std::string>{});
}

class LayoutSinkAnyFormat : public ::testing::TestWithParam<SinkFormat> {
  protected:
    fs::path target() const { return dir_ / ("out" + suffix_for(GetParam())); }
    TempDir dir_;
};

TEST_P(LayoutSinkAnyFormat, TempThatCannotBeCreatedIsAnIoError) {
    write_file(dir_ / "a-file", "x");
    for (fs::path parent : {dir_ / "missing", dir_ / "a-file"}) {
        fs::path path = parent / ("out" + suffix_for(GetParam()));
        std::unique_ptr<LayoutSink> sink;
        Status status = open_layout_sink(path.string(), GetParam(), sink);
        EXPECT_EQ(status.code(), Status::Code::io_error) << path << ": " << status.message();
        EXPECT_NE(status.message().find(path.string()), std::string::npos) << status.message();
        EXPECT_FALSE(sink);
    }
    EXPECT_EQ(list_names(dir_.path()), std::vector<std::string>{"a-file"});
}

// The first thing made beside the target is its lock file (taken before the target is looked
// at); make_temporary's own message is checked in sink_files_test.cpp.
TEST_P(LayoutSinkAnyFormat, MissingParentNamesTheLockFileAndTheReason) {
    fs::path parent = dir_ / "missing";
    std::string name = "out" + suffix_for(GetParam());
    std::unique_ptr<LayoutSink> sink;
    Status status = open_layout_sink((parent / name).string(), GetParam(), sink);
    EXPECT_EQ(status.message(), (parent / name).string() + ": cannot open the lock file " +
                                    (parent / ("." + name + ".oci-wasm-lock")).string() + ": " +
                                    std::strerror(ENOENT));
}

// One writer per target (issue 13 item 4): a second sink for the same target is refused while
// the first is open, whatever the spelling of the path; the lock goes with the first sink's
// commit or abort, and its file with it.
TEST_P(LayoutSinkAnyFormat, ASecondWriterOfTheTargetIsRefusedUntilTheFirstIsDone) {
    for (bool commit : {true, false}) {
        fs::remove_all(target());
        auto first = open_sink(target(), GetParam());
        ASSERT_TRUE(first);
        std::unique_ptr<LayoutSink> second;
        fs::path respelled = dir_ / "." / target().filename();
        Status status = open_layout_sink(respelled.string(), GetParam(), second);
        EXPECT_EQ(status.code(), Status::Code::io_error) << status.message();
        EXPECT_NE(status.message().find("another process is writing it"), std::string::npos)
            << status.message();
        EXPECT_NE(status.message().find("." + target().filename().string() + ".oci-wasm-lock"),
                  std::string::npos)
            << status.message();
        EXPECT_FALSE(second);
        ASSERT_TRUE(write_sample(*first));
        if (commit) {
            ASSERT_TRUE(first->commit());
        } else {
            first->abort();
        }
        EXPECT_EQ(writing_names(dir_.path(), target()),
                  commit ? std::vector<std::string>{target().filename().string()}
                         : std::vector<std::string>{});
        ASSERT_TRUE(open_layout_sink(respelled.string(), GetParam(), second));
        second->abort();
    }
}

TEST_P(LayoutSinkAnyFormat, WaitForLockWaitsForTheFirstWriter) {
    auto first = open_sink(target(), GetParam());
    ASSERT_TRUE(first);
    ASSERT_TRUE(write_sample(*first));
    std::atomic<bool> committed{false};
    std::atomic<bool> opened_before_commit{false};
    Status second_status;
    std::thread waiter([&] {
        std::unique_ptr<LayoutSink> second;
        SinkOptions options;
        options.wait_for_lock = true;
        second_status = open_layout_sink(target().string(), GetParam(), options, second);
        opened_before_commit = !committed;
        if (second) second->abort();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    committed = true;
    Status status = first->commit();
    waiter.join();
    ASSERT_TRUE(status) << status.message();
    EXPECT_TRUE(second_status) << second_status.message();
    EXPECT_FALSE(opened_before_commit) << "the second writer did not wait";
}

TEST_P(LayoutSinkAnyFormat, ALockFileIsNoTarget) {
    std::unique_ptr<LayoutSink> sink;
    Status status = open_layout_sink((dir_ / ".out.oci-wasm-lock").string(), GetParam(), sink);
    EXPECT_EQ(status.code(), Status::Code::usage) << status.message();
    EXPECT_NE(status.message().find("lock file"), std::string::npos) << status.message();
    EXPECT_EQ(list_names(dir_.path()), std::vector<std::string>{});
}

TEST_P(LayoutSinkAnyFormat, IdenticalPutFileTwiceIsAccepted) {
    auto sink = open_sink(target(), GetParam());
    ASSERT_TRUE(sink);
    ASSERT_TRUE(sink->put_file("index.json", kIndex));
    ASSERT_TRUE(sink->put_file("index.json", kIndex));
    ASSERT_TRUE(sink->put_file("oci-layout", kOciLayout));
    ASSERT_TRUE(sink->commit());
    EXPECT_EQ(list_names(dir_.path()), std::vector<std::string>{target().filename().string()});
}

TEST_P(LayoutSinkAnyFormat, ConflictingWritesAreErrorsThatLeaveNothing) {
    struct Case {
        const char* what;
        std::function<Status(LayoutSink&)> calls;
    };
    const Case cases[] = {
        {"put_file twice with different bytes",
         [](LayoutSink& sink) {
             Status status = sink.put_file("index.json", kIndex);
             return status ? sink.put_file("index.json", "{}") : status;
         }},
        {"put_file over a streamed blob",
         [](LayoutSink& sink) {
             Status status = stream_blob(sink, kSmallBlob, "{}");
             return status ? sink.put_file(kSmallBlob, "{}") : status;
         }},
        {"begin_blob over a put_file",
         [](LayoutSink& sink) {
             Status status = sink.put_file(kSmallBlob, "{}");
             return status ? sink.begin_blob(kSmallBlob, 2) : status;
         }},
        {"streaming one path twice",
         [](LayoutSink& sink) {
             Status status = stream_blob(sink, kSmallBlob, "{}");
             return status ? sink.begin_blob(kSmallBlob, 2) : status;
         }},
        {"a file that is also a directory",
         [](LayoutSink& sink) {
             Status status = sink.put_file("blobs/sha256", "x");
             return status ? sink.put_file(kSmallBlob, "{}") : status;
         }},
        {"a directory that is also a file",
         [](LayoutSink& sink) {
             Status status = stream_blob(sink, kSmallBlob, "{}");
             return status ? sink.put_file("blobs", "x") : status;
         }},
        {"parent reference", [](LayoutSink& sink) { return sink.put_file("../escape", "x"); }},
        {"absolute path", [](LayoutSink& sink) { return sink.begin_blob("/etc/passwd", 1); }},
        {"empty component", [](LayoutSink& sink) { return sink.put_file("blobs//x", "x"); }},
        {"dot component", [](LayoutSink& sink) { return sink.put_file("./index.json", "x"); }},
        {"empty path", [](LayoutSink& sink) { return sink.put_file("", "x"); }},
        {"trailing slash", [](LayoutSink& sink) { return sink.put_file("blobs/", "x"); }},
        {"control byte", [](LayoutSink& sink) { return sink.put_file("index\n.json", "x"); }},
        {"non-ASCII byte", [](LayoutSink& sink) { return sink.begin_blob("blobs/\xc3\xa9", 1); }},
    };
    for (const Case& test_case : cases) {
        SCOPED_TRACE(test_case.what);
        auto sink = open_sink(target(), GetParam());
        ASSERT_TRUE(sink);
        Status status = test_case.calls(*sink);
        EXPECT_EQ(status.code(), Status::Code::invalid) << status.message();
        EXPECT_NE(status.message().find(target().string()), std::string::npos) << status.message();
        EXPECT_EQ(list_names(dir_.path()), std::vector<std::string>{}) << "expected no temp left";
        Status committed = sink->commit();
        EXPECT_EQ(committed.code(), Status::Code::invalid) << "expected the first error again";
        EXPECT_EQ(committed.message(), status.message());
        EXPECT_FALSE(fs::exists(target()));
    }
}

TEST_P(LayoutSinkAnyFormat, CallsOutOfOrderAreUsageErrors) {
    {
        auto sink = open_sink(target(), GetParam());
        ASSERT_TRUE(sink);
        EXPECT_EQ(sink->blob_data("x", 1).code(), Status::Code::usage);
    }
    {
        auto sink = open_sink(target(), GetParam());
        ASSERT_TRUE(sink);
        EXPECT_EQ(sink->end_blob().code(), Status::Code::usage);
    }
    {
        auto sink = open_sink(target(), GetParam());
        ASSERT_TRUE(sink);
        ASSERT_TRUE(sink->begin_blob(kSmallBlob, 2));
        EXPECT_EQ(sink->begin_blob(kBigBlob, 2).code(), Status::Code::usage);
    }
    {
        auto sink = open_sink(target(), GetParam());
        ASSERT_TRUE(sink);
        ASSERT_TRUE(sink->begin_blob(kSmallBlob, 2));
        EXPECT_EQ(sink->commit().code(), Status::Code::usage);
    }
    EXPECT_EQ(list_names(dir_.path()), std::vector<std::string>{});
    {
        auto sink = open_sink(target(), GetParam());
        ASSERT_TRUE(sink);
        ASSERT_TRUE(sink->put_file("oci-layout", kOciLayout));
        ASSERT_TRUE(sink->commit());
        EXPECT_EQ(sink->commit().code(), Status::Code::usage);
        EXPECT_EQ(sink->put_file("index.json", kIndex).code(), Status::Code::usage);
        sink->abort();
    }
    EXPECT_TRUE(fs::exists(target())) << "abort after commit must keep the output";
}

TEST_P(LayoutSinkAnyFormat, EmptyBlobIsWritten) {
    auto sink = open_sink(target(), GetParam());
    ASSERT_TRUE(sink);
    ASSERT_TRUE(sink->begin_blob(kSmallBlob, 0));
    ASSERT_TRUE(sink->end_blob());
    ASSERT_TRUE(sink->commit());
    if (GetParam() == SinkFormat::directory) {
        EXPECT_EQ(read_file(target() / kSmallBlob), "");
    } else {
        std::vector<TarEntry> entries = read_tar(target());
        ASSERT_EQ(entries.size(), 3u);
        EXPECT_EQ(entries[2].name, kSmallBlob);
        EXPECT_EQ(entries[2].size, 0);
    }
}

// blob_data_from: the big blob's bytes from a file (at an offset, between other bytes), in
// pieces mixed with blob_data; the output is what write_sample makes with blob_data alone.
TEST_P(LayoutSinkAnyFormat, BlobDataFromGivesTheBytesOfBlobData) {
    const std::string before(777, 'x');
    write_file(dir_ / "input", before + big_content() + "trailing bytes");
    int fd = ::open((dir_ / "input").c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    auto sink = open_sink(target(), GetParam());
    ASSERT_TRUE(sink);
    const std::uint64_t first = kMiB + 3;
    const std::uint64_t middle = 1000;
    const std::uint64_t rest = big_content().size() - first - middle;
    ASSERT_TRUE(sink->begin_blob(kBigBlob, big_content().size()));
    Status status = sink->blob_data_from(fd, before.size(), first);
    ASSERT_TRUE(status) << status.message();
    ASSERT_TRUE(sink->blob_data(big_content().data() + first, middle));
    status = sink->blob_data_from(fd, before.size() + first + middle, rest);
    ASSERT_TRUE(status) << status.message();
    ASSERT_TRUE(sink->end_blob());
    ::close(fd);
    ASSERT_TRUE(stream_blob(*sink, kLongNameBlob, long_name_content()));
    for (auto [path, bytes] : {std::pair{std::string("oci-layout"), kOciLayout},
                               {kOtherAlgBlob, std::string("sha384 blob")},
                               {std::string("index.json"), kIndex},
                               {kSmallBlob, std::string("{}")}}) {
        ASSERT_TRUE(sink->put_file(path, bytes));
    }
    status = sink->commit();
    ASSERT_TRUE(status) << status.message();
    if (GetParam() == SinkFormat::directory) {
        EXPECT_TRUE(read_tree(target()) == sample_tree()) << "unexpected tree or content";
        return;
    }
    expect_sample_tar(target());
    if (GetParam() == SinkFormat::tar) {
        auto reference = open_sink(dir_ / "reference.tar", SinkFormat::tar);
        ASSERT_TRUE(reference);
        ASSERT_TRUE(write_sample(*reference));
        ASSERT_TRUE(reference->commit());
        EXPECT_TRUE(read_file(target()) == read_file(dir_ / "reference.tar"))
            << "expected the bytes of the blob_data output";
    }
}

TEST_P(LayoutSinkAnyFormat, BlobDataFromAShortFileIsAnIoErrorAndLeavesNothing) {
    write_file(dir_ / "input", std::string(5000, 'y'));
    int fd = ::open((dir_ / "input").c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    auto sink = open_sink(target(), GetParam());
    ASSERT_TRUE(sink);
    ASSERT_TRUE(sink->begin_blob(kBigBlob, 6000));
    Status status = sink->blob_data_from(fd, 1000, 6000);
    ::close(fd);
    EXPECT_EQ(status.code(), Status::Code::io_error) << status.message();
    EXPECT_NE(status.message().find(kBigBlob + ": the input ended 2000 bytes before the end"),
              std::string::npos)
        << status.message();
    EXPECT_EQ(sink->end_blob().code(), Status::Code::io_error) << "the failure must stick";
    EXPECT_EQ(list_names(dir_.path()), std::vector<std::string>{"input"});
}

INSTANTIATE_TEST_SUITE_P(Formats, LayoutSinkAnyFormat,
                         ::testing::Values(SinkFormat::directory, SinkFormat::tar,
                                           SinkFormat::tar_gz, SinkFormat::tar_zst),
                         [](const ::testing::TestParamInfo<SinkFormat>& info) {
                             switch (info.param) {
                                 case SinkFormat::directory:
                                     return std::string("directory");
                                 case SinkFormat::tar:
                                     return std::string("tar");
                                 case SinkFormat::tar_gz:
                                     return std::string("tar_gz");
                                 case SinkFormat::tar_zst:
                                     break;
                             }
                             return std::string("tar_zst");
                         });

TEST(LayoutSinkTargets, RefusesNonsenseTargets) {
    TempDir dir;
    fs::create_directory(dir / "existing-dir.tar");
    fs::create_directory(dir / ".out.tmp-abcdefghij12");
    struct Case {
        std::string path;
        SinkFormat format;
    };
    const Case cases[] = {
        {"", SinkFormat::directory},
        {"/", SinkFormat::directory},
        {".", SinkFormat::directory},
        {(dir / "sub" / "..").string(), SinkFormat::directory},
        {"-", SinkFormat::directory},
        {(dir / "existing-dir.tar").string(), SinkFormat::tar},
        {(dir / ".out.tmp-abcdefghij12" / "out.tar").string(), SinkFormat::tar},
        {(dir / ".out.tmp-abcdefghij12").string(), SinkFormat::directory},
    };
    for (const Case& test_case : cases) {
        std::unique_ptr<LayoutSink> sink;
        Status status = open_layout_sink(test_case.path, test_case.format, sink);
        EXPECT_EQ(status.code(), Status::Code::usage)
            << "\"" << test_case.path << "\": " << status.message();
        EXPECT_FALSE(status.message().empty());
        EXPECT_FALSE(sink);
    }
    EXPECT_EQ(list_names(dir.path()),
              (std::vector<std::string>{".out.tmp-abcdefghij12", "existing-dir.tar"}));
    EXPECT_TRUE(fs::is_empty(dir / ".out.tmp-abcdefghij12"));
}

}  // namespace
}  // namespace ociwasm
