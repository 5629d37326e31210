// convert_arguments: the checks and choices a conversion's arguments need before anything is read
// or written (media-type syntax, output format names and sniffing, IN/OUT path relations).
#include "ociwasm/convert_arguments.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "test_support.h"

namespace ociwasm {
namespace {

namespace fs = std::filesystem;
using ociwasm::testing::read_file;
using ociwasm::testing::source_dir;
using ociwasm::testing::TempDir;
using ociwasm::testing::write_file;

const std::string kGzipMagic = "\x1f\x8b\x08\x00";
const std::string kZstdMagic = "\x28\xb5\x2f\xfd";
const std::string kTarBytes = std::string("oci-layout") + std::string(502, '\0');

TEST(RestrictedName, LettersDigitsAndTheAllowedMarks) {
    EXPECT_TRUE(is_restricted_name("a"));
    EXPECT_TRUE(is_restricted_name("vnd.oci.image.manifest.v1+json"));
    EXPECT_TRUE(is_restricted_name("0a!#$&-^_.+"));
    EXPECT_FALSE(is_restricted_name(""));
    EXPECT_FALSE(is_restricted_name("-a"));  // first character alphanumeric
    EXPECT_FALSE(is_restricted_name(".a"));
    EXPECT_FALSE(is_restricted_name("a b"));
    EXPECT_FALSE(is_restricted_name("a/b"));
    EXPECT_FALSE(is_restricted_name("a;b"));
    EXPECT_FALSE(is_restricted_name("caf\xC3\xA9"));  // ASCII only
    EXPECT_FALSE(is_restricted_name(std::string("a\0b", 3)));
}

TEST(RestrictedName, AtMost127Characters) {
    EXPECT_TRUE(is_restricted_name(std::string(127, 'a')));
    EXPECT_FALSE(is_restricted_name(std::string(128, 'a')));
}

TEST(MediaType, TypeSlashSubtype) {
    EXPECT_TRUE(is_media_type("application/vnd.bytecodealliance.component.v1+wasm"));
    EXPECT_TRUE(is_media_type("a/b"));
    EXPECT_FALSE(is_media_type("not a type"));
    EXPECT_FALSE(is_media_type("application"));
    EXPECT_FALSE(is_media_type("application/"));
    EXPECT_FALSE(is_media_type("/json"));
    EXPECT_FALSE(is_media_type("a/b/c"));
    EXPECT_FALSE(is_media_type("a/b; charset=utf-8"));  // no parameters
    EXPECT_FALSE(is_media_type("-a/b"));
    EXPECT_FALSE(is_media_type(std::string(128, 'a') + "/b"));
}

// The same rule checks the media types inside documents, as a schema pattern: the two agree.
TEST(MediaType, AgreesWithTheSchemaPattern) {
    rapidjson::Document schema;
    schema.Parse(read_file(source_dir() / "schemas" / "oci-defs.schema.json").c_str());
    ASSERT_FALSE(schema.HasParseError());
    std::regex pattern(schema["definitions"]["mediaType"]["pattern"].GetString());
    const std::vector<std::string> samples = {"application/vnd.oci.image.manifest.v1+json",
                                              "a/b",
                                              "A1/z9",
                                              "a!#$&-^_.+/b!#$&-^_.+",
                                              "",
                                              "a",
                                              "a/",
                                              "/b",
                                              "a/b/c",
                                              "-a/b",
                                              "a/-b",
                                              "a b/c",
                                              "a/b c",
                                              "a/b;x=y",
                                              "a\t/b",
                                              "caf\xC3\xA9/b",
                                              std::string(127, 'a') + "/b",
                                              std::string(128, 'a') + "/b",
                                              "a/" + std::string(127, 'b'),
                                              "a/" + std::string(128, 'b')};
    for (const std::string& sample : samples) {
        EXPECT_EQ(is_media_type(sample), std::regex_search(sample, pattern)) << sample;
    }
}

TEST(SinkFormatName, TheFourOutputFormats) {
    EXPECT_EQ(parse_sink_format("dir"), SinkFormat::directory);
    EXPECT_EQ(parse_sink_format("tar"), SinkFormat::tar);
    EXPECT_EQ(parse_sink_format("tar.gz"), SinkFormat::tar_gz);
    EXPECT_EQ(parse_sink_format("tar.zst"), SinkFormat::tar_zst);
    EXPECT_EQ(parse_sink_format("zip"), std::nullopt);
    EXPECT_EQ(parse_sink_format("TAR"), std::nullopt);
    EXPECT_EQ(parse_sink_format("tgz"), std::nullopt);
    EXPECT_EQ(parse_sink_format(""), std::nullopt);
}

TEST(SniffTarFormat, CompressionFromTheFirstBytes) {
    TempDir dir;
    write_file(dir / "gz", kGzipMagic + "rest");
    write_file(dir / "zst", kZstdMagic + "rest");
    write_file(dir / "tar", kTarBytes);
    write_file(dir / "short-gz", std::string("\x1f\x8b", 2));
    write_file(dir / "short-zst", kZstdMagic.substr(0, 3));
    write_file(dir / "empty", "");
    EXPECT_EQ(sniff_tar_format((dir / "gz").string()), SinkFormat::tar_gz);
    EXPECT_EQ(sniff_tar_format((dir / "zst").string()), SinkFormat::tar_zst);
    EXPECT_EQ(sniff_tar_format((dir / "tar").string()), SinkFormat::tar);
    EXPECT_EQ(sniff_tar_format((dir / "short-gz").string()), SinkFormat::tar_gz);
    EXPECT_EQ(sniff_tar_format((dir / "short-zst").string()), SinkFormat::tar);
    EXPECT_EQ(sniff_tar_format((dir / "empty").string()), SinkFormat::tar);
    EXPECT_EQ(sniff_tar_format((dir / "missing").string()), SinkFormat::tar);
}

TEST(InPlaceFormat, KeepsTheKindAndCompression) {
    TempDir dir;
    fs::create_directories(dir / "layout");
    write_file(dir / "plain.tar.gz", kTarBytes);  // a telling suffix wins over the bytes
    write_file(dir / "app.tgz", kTarBytes);
    write_file(dir / "gzipped", kGzipMagic + "rest");
    write_file(dir / "zstd.bin", kZstdMagic + "rest");
    write_file(dir / "plain", kTarBytes);
    EXPECT_EQ(in_place_format((dir / "layout").string()), SinkFormat::directory);
    EXPECT_EQ(in_place_format((dir / "plain.tar.gz").string()), SinkFormat::tar_gz);
    EXPECT_EQ(in_place_format((dir / "app.tgz").string()), SinkFormat::tar_gz);
    EXPECT_EQ(in_place_format((dir / "gzipped").string()), SinkFormat::tar_gz);
    EXPECT_EQ(in_place_format((dir / "zstd.bin").string()), SinkFormat::tar_zst);
    EXPECT_EQ(in_place_format((dir / "plain").string()), SinkFormat::tar);
}

// A layout directory to convert, with one blob directory inside.
class OutputPathTest : public ::testing::Test {
  protected:
    void SetUp() override {
        write_file(dir_ / "in" / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
        fs::create_directories(dir_ / "in" / "blobs" / "sha256");
    }
    std::string path(std::string_view name) const { return (dir_ / name).string(); }

    TempDir dir_;
};

TEST_F(OutputPathTest, AnOutputBesideInIsFine) {
    EXPECT_TRUE(check_output_path(path("in"), path("out"), false).is_ok());
    EXPECT_TRUE(check_output_path(path("in"), path("out.tar"), false).is_ok());
    EXPECT_TRUE(check_output_path(path("in"), path("in2"), false).is_ok());  // a prefix only
    EXPECT_TRUE(check_output_path(path("in"), path("new/deeper/out"), false).is_ok());
}

TEST_F(OutputPathTest, StdinAndStdoutAreNeverRefused) {
    EXPECT_TRUE(check_output_path("-", "-", false).is_ok());
    EXPECT_TRUE(check_output_path(path("in"), "-", true).is_ok());
    EXPECT_TRUE(check_output_path("-", path("in/blobs/out"), false).is_ok());
}

TEST_F(OutputPathTest, OutIsInNeedsInPlace) {
    Status status = check_output_path(path("in"), path("in"), false);
    EXPECT_EQ(status.code(), Status::Code::usage);
    EXPECT_EQ(status.message(), path("in") +
                                    ": OUT is IN; expected a different output, or --in-place to "
                                    "replace IN atomically");
    EXPECT_TRUE(check_output_path(path("in"), path("in"), true).is_ok());
}

TEST_F(OutputPathTest, AnotherSpellingOfInIsIn) {
    std::string spelled = path("in") + "/./blobs/../";
    EXPECT_EQ(check_output_path(path("in"), spelled, false).code(), Status::Code::usage);
    fs::create_directory_symlink(dir_ / "in", dir_ / "link");
    EXPECT_EQ(check_output_path(path("in"), path("link"), false).code(), Status::Code::usage);
    EXPECT_TRUE(check_output_path(path("link"), path("in"), true).is_ok());
}

TEST_F(OutputPathTest, InPlaceWritesInItself) {
    Status status = check_output_path(path("in"), path("out"), true);
    EXPECT_EQ(status.code(), Status::Code::usage);
    EXPECT_EQ(
        status.message(),
        "--in-place writes IN itself; expected OUT to be IN or left out, found " + path("out"));
}

TEST_F(OutputPathTest, OutInsideInIsRefused) {
    Status status = check_output_path(path("in"), path("in/blobs/out"), false);
    EXPECT_EQ(status.code(), Status::Code::usage);
    EXPECT_EQ(status.message(), path("in/blobs/out") + ": OUT lies inside IN (" + path("in") +
                                    "); expected an output outside it");
}

TEST_F(OutputPathTest, InInsideOutIsRefused) {
    Status status = check_output_path(path("in/blobs"), dir_.path().string(), false);
    EXPECT_EQ(status.code(), Status::Code::usage);
    EXPECT_EQ(status.message(), dir_.path().string() + ": IN (" + path("in/blobs") +
                                    ") lies inside OUT, which would be replaced; expected an "
                                    "output that does not contain IN");
    EXPECT_EQ(check_output_path(path("in"), "/", false).code(), Status::Code::usage);
}

TEST_F(OutputPathTest, AForeignDirectoryIsNotReplaced) {
    write_file(dir_ / "notes" / "todo.txt", "keep me");
    Status status = check_output_path(path("in"), path("notes"), false);
    EXPECT_EQ(status.code(), Status::Code::usage);
    EXPECT_EQ(status.message(), path("notes") +
                                    ": OUT is a non-empty directory that is not an OCI layout; "
                                    "refusing to replace it");
}

TEST_F(OutputPathTest, AnEmptyDirectoryOrALayoutMayBeReplaced) {
    fs::create_directories(dir_ / "empty");
    write_file(dir_ / "old" / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
    write_file(dir_ / "old" / "index.json", "{}");
    EXPECT_TRUE(check_output_path(path("in"), path("empty"), false).is_ok());
    EXPECT_TRUE(check_output_path(path("in"), path("old"), false).is_ok());
}

}  // namespace
}  // namespace ociwasm
