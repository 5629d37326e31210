// Replays the fuzz targets (tests/fuzz/fuzz_targets.h) in every build, fuzzer or not: every
// crash the fuzzers found (tests/fuzz/regressions/TARGET/*) and the seeds scripts/fuzz.sh
// derives from the fixtures. A target aborts when an invariant breaks, which fails the test.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "../fuzz/fuzz_targets.h"
#include "layout_builder.h"
#include "ociwasm/convert.h"
#include "ociwasm/digest.h"
#include "ociwasm/layout.h"
#include "ociwasm/validate.h"
#include "test_support.h"

namespace ociwasm {
namespace {

namespace fs = std::filesystem;
using testing::read_file;
using testing::source_dir;

using Target = std::function<void(const std::uint8_t*, std::size_t)>;

void replay(const Target& target, const std::string& bytes) {
    target(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

const std::map<std::string, Target>& targets() {
    static const std::map<std::string, Target> all = {
        {"json", fuzz::json_document},
        {"tar", fuzz::tar_layout},
        {"lockfile", fuzz::lockfile},
        {"convert", fuzz::convert},
    };
    return all;
}

std::vector<fs::path> files_under(const fs::path& dir) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

// The lockfiles of the valid fixture apps (the blobs holding "components"), as fuzz_lockfile's
// seeds.
std::vector<std::string> fixture_lockfiles() {
    std::vector<std::string> lockfiles;
    std::vector<fs::path> files = files_under(source_dir() / "fixtures" / "spin-oci-layer");
    for (const fs::path& file : files_under(source_dir() / "fixtures" / "spin-v1-config")) {
        files.push_back(file);
    }
    for (const fs::path& file : files) {
        if (file.parent_path().filename() != "sha256") continue;
        std::string bytes = read_file(file);
        if (bytes.starts_with("{") && bytes.find("\"components\"") != std::string::npos) {
            lockfiles.push_back(std::move(bytes));
        }
    }
    return lockfiles;
}

TEST(FuzzRegressions, EveryRecordedCrashReplaysCleanly) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    fs::path root = source_dir() / "tests" / "fuzz" / "regressions";
    std::size_t replayed = 0;
    for (const fs::path& file : files_under(root)) {
        std::string target = file.lexically_relative(root).begin()->string();
        auto it = targets().find(target);
        ASSERT_NE(it, targets().end())
            << file << ": expected to lie in a directory named after a target (json, tar, "
            << "lockfile, convert), found " << target;
        // In a child process: an input that still aborts fails this test, not the whole binary.
        std::string bytes = read_file(file);
        EXPECT_EXIT((replay(it->second, bytes), std::exit(0)), ::testing::ExitedWithCode(0), "")
            << file;
        ++replayed;
    }
    EXPECT_GE(replayed, 2u);
}

TEST(FuzzRegressions, FixtureSeedsHoldEveryInvariant) {
    std::size_t documents = 0;
    for (const fs::path& file : files_under(source_dir() / "fixtures")) {
        if (file.string().find("/fixtures/src/") != std::string::npos) continue;
        std::string bytes = read_file(file);
        if (!bytes.starts_with("{")) continue;
        for (char kind = 0; kind < 6; ++kind) {
            SCOPED_TRACE(file.string() + " as kind " + std::to_string(kind));
            replay(fuzz::json_document, std::string(1, kind) + bytes);
        }
        ++documents;
    }
    EXPECT_GT(documents, 20u);

    std::size_t tars = 0;
    for (const fs::path& file : files_under(source_dir() / "fixtures")) {
        if (file.extension() != ".tar") continue;
        SCOPED_TRACE(file.string());
        replay(fuzz::tar_layout, read_file(file));
        ++tars;
    }
    EXPECT_GE(tars, 8u);

    std::vector<std::string> lockfiles = fixture_lockfiles();
    EXPECT_GE(lockfiles.size(), 5u);
    for (const std::string& lockfile : lockfiles) {
        SCOPED_TRACE(lockfile.substr(0, 80));
        replay(fuzz::lockfile, lockfile);
        replay(fuzz::convert, lockfile);
    }
}

// The layout fuzz_lockfile and fuzz_convert build around a lockfile is a valid Spin app in both
// formats when the lockfile is a fixture's, and it converts both ways: the targets really reach
// the conversion code, not just the validation errors.
TEST(FuzzRegressions, SpinLayoutAroundAFixtureLockfileValidatesAndConverts) {
    std::vector<std::string> lockfiles = fixture_lockfiles();
    ASSERT_FALSE(lockfiles.empty());
    std::size_t converted = 0;
    for (const std::string& lockfile : lockfiles) {
        for (bool new_format : {true, false}) {
            std::map<std::string, std::string> files = fuzz::spin_layout(lockfile, new_format);
            ValidationResult result = fuzz::validate_files(files, "fixture app");
            if (result.findings.has_errors()) {
                // Spin 1.x cannot hold spin_lock_version 1 (lockv1): the old format may refuse.
                EXPECT_FALSE(new_format) << fuzz::first_error(result.findings);
                continue;
            }
            auto source = make_memory_source("fixture-app", files);
            fuzz::MemorySink sink;
            ConvertOptions options;
            options.target = new_format ? ConvertTarget::old_format : ConvertTarget::new_format;
            options.allow_lossy = true;
            ConvertResult convert_result;
            Status status = convert_layout(*source, &sink, options, convert_result);
            ASSERT_TRUE(status) << status.message();
            EXPECT_TRUE(sink.committed());
            EXPECT_EQ(convert_result.converted_count(), 1u);
            converted += convert_result.converted_count();
        }
    }
    EXPECT_GE(converted, lockfiles.size());
}

// fuzz_tar: a valid layout with an empty blobs/ converted into a layout without blobs/, which
// is invalid (LAYOUT-MISSING-BLOBS). Sinks now always write blobs/.
TEST(FuzzRegressions, ConvertingALayoutWithNoBlobsKeepsBlobsDirectory) {
    fs::path input =
        source_dir() / "tests/fuzz/regressions/tar/empty-blobs-dir-converts-to-no-blobs-dir.tar";
    testing::TempDir dir;
    for (std::string out : {"out", "out.tar", "out.tar.gz"}) {
        SCOPED_TRACE(out);
        std::string path = (dir / out).string();
        auto source = make_tar_source(input.string());
        std::unique_ptr<LayoutSink> sink;
        ASSERT_TRUE(open_layout_sink(path, sink_format_for_path(path), sink));
        ConvertResult result;
        Status status = convert_layout(*source, sink.get(), ConvertOptions{}, result);
        ASSERT_TRUE(status) << status.message();
        std::unique_ptr<LayoutSource> written;
        ASSERT_TRUE(open_layout_source(path, written));
        ValidationResult validation;
        ASSERT_TRUE(validate_layout(*written, ValidateOptions{}, validation));
        EXPECT_FALSE(validation.findings.contains("LAYOUT-MISSING-BLOBS"));
        EXPECT_TRUE(validation.valid()) << fuzz::first_error(validation.findings);
    }
    EXPECT_TRUE(fs::is_directory(dir / "out" / "blobs"));
}

TEST(FuzzRegressions, SinkWritesBlobsDirectoryOnlyOnceAndInOrder) {
    testing::TempDir dir;
    std::string path = (dir / "small.tar").string();
    std::unique_ptr<LayoutSink> sink;
    ASSERT_TRUE(open_layout_sink(path, SinkFormat::tar, sink));
    ASSERT_TRUE(sink->put_file("oci-layout", R"({"imageLayoutVersion":"1.0.0"})"));
    ASSERT_TRUE(sink->put_file("index.json", R"({"manifests":[],"schemaVersion":2})"));
    ASSERT_TRUE(sink->put_file("blobs/sha256/" + sha256_hex("{}"), "{}"));
    ASSERT_TRUE(sink->commit());
    std::string tar = read_file(path);
    // ustar names sit at the start of each 512-byte header.
    std::vector<std::string> names;
    for (std::size_t at = 0; at + 512 <= tar.size(); at += 512) {
        std::string name(tar.c_str() + at);
        if (name.starts_with("blobs") || name == "index.json" || name == "oci-layout") {
            names.push_back(name);
        }
    }
    std::vector<std::string> expected = {
        "blobs/", "blobs/sha256/", "blobs/sha256/" + sha256_hex("{}"), "index.json", "oci-layout"};
    EXPECT_EQ(names, expected);
}

// fuzz_convert: converting to the old format drops an archive layer; members no lockfile file
// uses are lost with it, which is refused without --allow-lossy (CONVERT-LOSSY-ARCHIVE-EXTRA).
// But a member whose digest appears anywhere in the lockfile (here in an unknown field; the
// fuzzer's was a "fines" typo for "files") counted as used, so it was dropped silently.
TEST(FuzzRegressions, ArchiveMembersNamedOnlyInUnknownFieldsAreNotDroppedSilently) {
    for (bool mention_in_unknown_field : {false, true}) {
        SCOPED_TRACE(mention_in_unknown_field ? "digests in an unknown field" : "no mention");
        testing::SpinAppBuilder builder;
        builder.data_files.clear();
        builder.archive_files = {{"index.html", "<h1>archived</h1>"}, {"a/b.txt", "b"}};
        builder.edit_lockfile = [mention_in_unknown_field](rapidjson::Document& lockfile) {
            rapidjson::Value& component = lockfile["components"][0];
            rapidjson::Value files(component["files"], lockfile.GetAllocator());
            component.RemoveMember("files");
            if (mention_in_unknown_field) {
                component.AddMember("x-unknown-files", files, lockfile.GetAllocator());
            }
        };
        testing::BuiltApp app = builder.build();
        ValidationResult input = testing::validate_files(app.files);
        ASSERT_FALSE(input.findings.has_errors()) << testing::describe(input.findings);
        auto source = make_memory_source("app", app.files);
        fuzz::MemorySink sink;
        ConvertOptions options;
        options.target = ConvertTarget::old_format;
        ConvertResult result;
        Status status = convert_layout(*source, &sink, options, result);
        EXPECT_FALSE(status.is_ok()) << "the archive layer was dropped without --allow-lossy";
        EXPECT_TRUE(result.findings.contains("CONVERT-LOSSY-ARCHIVE-EXTRA"))
            << testing::describe(result.findings);
    }
}

TEST(FuzzRegressions, JsonTargetRejectsWhatDoesNotParse) {
    // Kind 0 (manifest): duplicate member names and deep nesting are JSON-INVALID, not crashes.
    replay(fuzz::json_document, std::string(1, '\0') + R"({"a":1,"a":2})");
    replay(fuzz::json_document, std::string(1, '\0') + std::string(100000, '['));
    ValidationResult result;
    validate_document(DocumentKind::manifest, std::string(100000, '['), "deep.json", result);
    EXPECT_TRUE(result.findings.contains("JSON-INVALID"));
}

}  // namespace
}  // namespace ociwasm
