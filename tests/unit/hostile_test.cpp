// Hostile input through the library: each case ends in a clear finding (or a Status), never a
// crash, a hang or unbounded memory. The same cases through the real tools are in
// tests/cli/hostile_*.sh.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "layout_builder.h"
#include "layout_source_internal.h"
#include "ociwasm/digest.h"
#include "ociwasm/json.h"
#include "ociwasm/layout.h"
#include "ociwasm/validate.h"
#include "test_support.h"

namespace ociwasm {
namespace {

using testing::BuiltApp;
using testing::describe;
using testing::Files;
using testing::SpinAppBuilder;
using testing::TempDir;

std::string blob_name(std::string_view bytes) {
    return "blobs/sha256/" + sha256_hex(bytes);
}

// Distinct blobs of `size` bytes each; with `json`, each looks like JSON ('{' first).
Files many_blobs(std::size_t count, std::size_t size, bool json = false) {
    Files files;
    for (std::size_t i = 0; i < count; ++i) {
        std::string bytes = (json ? "{\"n\":" : "blob ") + std::to_string(i) + (json ? "}" : "");
        bytes.resize(size, ' ');
        files[blob_name(bytes)] = bytes;
    }
    return files;
}

std::size_t kept_bytes(const LayoutScan& scan) {
    std::size_t total = 0;
    for (const BlobRecord& record : scan.blobs) {
        if (record.content) total += record.content->size();
    }
    return total;
}

void expect_all_hashed(const LayoutScan& scan, const Files& blobs) {
    for (const auto& [path, bytes] : blobs) {
        std::string digest = "sha256:" + path.substr(path.rfind('/') + 1);
        const BlobRecord* record = scan.find(digest);
        ASSERT_NE(record, nullptr) << digest;
        EXPECT_EQ(record->size, bytes.size()) << digest;
        EXPECT_TRUE(record->hashed() && record->matches()) << digest;
        if (record->content) {
            EXPECT_EQ(*record->content, bytes) << digest;
        }
    }
}

// Feeds `bytes` to a tar source through a pipe, as stdin would.
class PipeFeeder {
  public:
    explicit PipeFeeder(std::string bytes) : bytes_(std::move(bytes)) {
        std::signal(SIGPIPE, SIG_IGN);
        if (::pipe(fds_) != 0) ADD_FAILURE() << "pipe failed";
        writer_ = std::thread([this] {
            std::size_t done = 0;
            while (done < bytes_.size()) {
                ssize_t n = ::write(fds_[1], bytes_.data() + done, bytes_.size() - done);
                if (n <= 0) break;
                done += static_cast<std::size_t>(n);
            }
            ::close(fds_[1]);
        });
    }
    ~PipeFeeder() { writer_.join(); }
    PipeFeeder(const PipeFeeder&) = delete;
    PipeFeeder& operator=(const PipeFeeder&) = delete;

    std::unique_ptr<LayoutSource> source() { return detail::make_tar_source_from_fd(fds_[0], "-"); }

  private:
    std::string bytes_;
    int fds_[2] = {-1, -1};
    std::thread writer_;
};

std::string tar_of(const Files& files) {
    std::vector<std::pair<std::string, std::string>> entries(files.begin(), files.end());
    return testing::make_tar_gz(entries);
}

// ---- the kept-content budget ----

TEST(HostileBudget, DefaultIs256MiB) {
    EXPECT_EQ(ScanOptions{}.kept_budget, 256 * kMiB);
}

TEST(HostileBudget, MemorySourceKeepsNoMoreThanTheBudget) {
    Files blobs = many_blobs(20, 1000);
    ScanOptions options;
    options.rereadable_kept_budget = 5500;  // a memory source reads blobs again cheaply
    LayoutScan scan;
    ASSERT_TRUE(make_memory_source("many", blobs)->scan(options, scan));
    expect_all_hashed(scan, blobs);
    EXPECT_LE(kept_bytes(scan), 5500u);
    EXPECT_EQ(kept_bytes(scan), 5000u);  // five whole blobs fit, the sixth does not
}

TEST(HostileBudget, JsonBlobsAboveTheKeepLimitCountToo) {
    Files blobs = many_blobs(10, 3000, true);
    ScanOptions options;
    options.keep_limit = 1000;  // every blob is kept only as "looks like JSON"
    options.rereadable_kept_budget = 10000;
    LayoutScan scan;
    ASSERT_TRUE(make_memory_source("json", blobs)->scan(options, scan));
    expect_all_hashed(scan, blobs);
    EXPECT_EQ(kept_bytes(scan), 9000u);
}

TEST(HostileBudget, DirectorySourceHoldsTheBudgetAcrossThreads) {
    TempDir dir;
    Files blobs = many_blobs(64, 10 * 1024);
    for (const auto& [path, bytes] : blobs) testing::write_file(dir / path, bytes);
    for (unsigned threads : {1u, 4u}) {
        ScanOptions options;
        options.threads = threads;
        options.rereadable_kept_budget = 100 * 1024;
        LayoutScan scan;
        ASSERT_TRUE(make_directory_source(dir.path().string())->scan(options, scan));
        expect_all_hashed(scan, blobs);
        EXPECT_LE(kept_bytes(scan), 100u * 1024) << threads << " threads";
        EXPECT_GE(kept_bytes(scan), 90u * 1024) << threads << " threads";
    }
}

TEST(HostileBudget, TarStreamHoldsTheBudget) {
    Files blobs = many_blobs(30, 2000);
    PipeFeeder feeder(tar_of(blobs));
    ScanOptions options;
    options.kept_budget = 9000;
    LayoutScan scan;
    ASSERT_TRUE(feeder.source()->scan(options, scan));
    expect_all_hashed(scan, blobs);
    EXPECT_EQ(kept_bytes(scan), 8000u);
}

TEST(HostileBudget, DuplicateTarEntriesGiveTheirBudgetBack) {
    std::string bytes(1000, 'd');
    std::string path = blob_name(bytes);
    // The same blob three times, then one more blob that fits only if the copies were returned.
    std::vector<std::pair<std::string, std::string>> entries = {
        {path, bytes}, {"./" + path, bytes}, {path, bytes}};
    std::string last(1000, 'e');
    entries.emplace_back(blob_name(last), last);
    PipeFeeder feeder(testing::make_tar_gz(entries));
    ScanOptions options;
    options.kept_budget = 2000;
    LayoutScan scan;
    ASSERT_TRUE(feeder.source()->scan(options, scan));
    EXPECT_TRUE(scan.findings.empty()) << describe(scan.findings);
    ASSERT_NE(scan.find("sha256:" + sha256_hex(last)), nullptr);
    EXPECT_TRUE(scan.find("sha256:" + sha256_hex(last))->content != nullptr);
}

TEST(HostileBudget, ReadableInputStillValidatesWithNothingKept) {
    BuiltApp app = SpinAppBuilder().build();
    auto source = make_memory_source("app", app.files);
    ScanOptions options;
    options.rereadable_kept_budget = 0;
    LayoutScan scan;
    ASSERT_TRUE(source->scan(options, scan));
    EXPECT_EQ(kept_bytes(scan), 0u);
    ValidationResult result;
    validate_scan(*source, scan, ValidateOptions{}, result);
    EXPECT_TRUE(testing::clean(result.findings));  // documents are read again
}

// An uncompressed tar file is read again at the offsets the pass saw: with nothing kept, every
// document is still checked. A gzipped one keeps its larger budget (reading one blob again would
// mean decompressing from the start).
TEST(HostileBudget, TarFilesPickTheirBudgetByCompression) {
    BuiltApp app = SpinAppBuilder().build();
    std::vector<std::pair<std::string, std::string>> entries(app.files.begin(), app.files.end());
    TempDir dir;
    for (bool gzip : {false, true}) {
        std::string file = (dir / (gzip ? "app.tar.gz" : "app.tar")).string();
        testing::write_file(file, testing::make_tar(entries, gzip));
        auto source = make_tar_source(file);
        ScanOptions options;
        options.rereadable_kept_budget = 0;
        LayoutScan scan;
        ASSERT_TRUE(source->scan(options, scan));
        EXPECT_EQ(kept_bytes(scan) == 0, !gzip) << file;
        ValidationResult result;
        validate_scan(*source, scan, ValidateOptions{}, result);
        EXPECT_TRUE(testing::clean(result.findings)) << file << describe(result.findings);
    }
}

TEST(HostileBudget, StreamBeyondTheBudgetSaysWhichDocumentsWentUnchecked) {
    BuiltApp app = SpinAppBuilder().build();
    PipeFeeder feeder(tar_of(app.files));
    auto source = feeder.source();
    ScanOptions options;
    options.kept_budget = 0;
    LayoutScan scan;
    ASSERT_TRUE(source->scan(options, scan));
    ValidationResult result;
    validate_scan(*source, scan, ValidateOptions{}, result);
    EXPECT_TRUE(testing::has_finding(result.findings, "OCI-DOCUMENT-TOO-LARGE", Severity::error,
                                     app.manifest_path, ""));
}

// ---- the spill file of streams ----

// The documents of 1,000 apps on stdin cannot be read again: what the memory budget does not
// hold goes to a spill file during the pass, and is read again from there.
ScanOptions spilling(std::size_t in_memory, std::uint64_t spill_budget) {
    ScanOptions options;
    options.kept_budget = 256 * kMiB;  // what a stream keeps without a spill file
    options.rereadable_kept_budget = in_memory;
    options.spill_budget = spill_budget;
    return options;
}

TEST(HostileSpill, StreamKeepsItsBudgetAndReadsTheRestFromTheSpillFile) {
    Files blobs = many_blobs(30, 2000);
    PipeFeeder feeder(tar_of(blobs));
    auto source = feeder.source();
    LayoutScan scan;
    ASSERT_TRUE(source->scan(spilling(4000, kMiB), scan));
    expect_all_hashed(scan, blobs);
    EXPECT_EQ(kept_bytes(scan), 4000u);
    EXPECT_FALSE(source->can_reread());
    EXPECT_TRUE(source->can_reread_in_parallel());
    for (const auto& [path, bytes] : blobs) {
        std::string digest = "sha256:" + path.substr(path.rfind('/') + 1);
        // Kept ones are in memory, the others in the spill file.
        EXPECT_NE(source->can_reread_blob(path), scan.find(digest)->content != nullptr) << path;
        std::string loaded;
        Status status = load_blob(*source, scan, digest, loaded);
        ASSERT_TRUE(status) << status.message();
        EXPECT_EQ(loaded, bytes) << path;
    }
}

TEST(HostileSpill, TheSpillFileHasABudgetToo) {
    Files blobs = many_blobs(30, 2000);
    PipeFeeder feeder(tar_of(blobs));
    auto source = feeder.source();
    LayoutScan scan;
    ASSERT_TRUE(source->scan(spilling(4000, 10000), scan));
    expect_all_hashed(scan, blobs);
    std::size_t kept = 0;
    std::size_t spilled = 0;
    for (const BlobRecord& record : scan.blobs) {
        if (record.content) {
            ++kept;
        } else if (source->can_reread_blob(record.path())) {
            ++spilled;
            std::string loaded;
            EXPECT_TRUE(load_blob(*source, scan, record.digest(), loaded));
        } else {
            std::string loaded;
            Status status = load_blob(*source, scan, record.digest(), loaded);
            EXPECT_FALSE(status);
            EXPECT_NE(status.message().find("cannot be read again"), std::string::npos)
                << status.message();
        }
    }
    EXPECT_EQ(kept, 2u);
    EXPECT_EQ(spilled, 5u);
}

TEST(HostileSpill, StreamValidatesWithNothingKeptInMemory) {
    BuiltApp app = SpinAppBuilder().build();
    PipeFeeder feeder(tar_of(app.files));
    auto source = feeder.source();
    LayoutScan scan;
    ASSERT_TRUE(source->scan(spilling(0, kMiB), scan));
    EXPECT_EQ(kept_bytes(scan), 0u);
    ValidationResult result;
    validate_scan(*source, scan, ValidateOptions{}, result);
    EXPECT_TRUE(testing::clean(result.findings)) << describe(result.findings);
}

// A blob stops being kept after its first bytes went to the spill file (too large for a blob
// that does not look like JSON), or is cut short: the next blob takes its place in the file.
TEST(HostileSpill, ABlobDroppedAfterSpillingLeavesNothingBehind) {
    auto spill = detail::SpillFile::create(kMiB);
    ASSERT_NE(spill, nullptr);
    ScanOptions options;
    options.keep_limit = 1000;
    options.json_keep_limit = 3000;
    detail::KeptBudget budget(0);
    std::string first(500, 'a');
    {
        BlobRecord record("sha256", sha256_hex("dropped"));
        detail::BlobStream stream(record, options, 900, false, budget, spill.get());
        ASSERT_TRUE(stream.begin());
        ASSERT_TRUE(stream.update(first.data(), first.size()));
        EXPECT_EQ(spill->end(), 500u) << "spilled from the first byte: the budget is 0";
        ASSERT_TRUE(stream.update(first.data(), first.size()));  // 1000 bytes: still kept
        ASSERT_TRUE(stream.update("b", 1));                      // past keep_limit, and not JSON
        EXPECT_EQ(spill->end(), 0u);
        ASSERT_TRUE(stream.finish());
        EXPECT_EQ(stream.spilled(), std::nullopt);
        EXPECT_FALSE(record.content);
    }
    {
        BlobRecord record("sha256", sha256_hex("cut short"));
        detail::BlobStream stream(record, options, 900, false, budget, spill.get());
        ASSERT_TRUE(stream.begin());
        ASSERT_TRUE(stream.update(first.data(), first.size()));
        EXPECT_EQ(spill->end(), 500u);
    }
    EXPECT_EQ(spill->end(), 0u) << "a stream never finished gives its bytes back";
    BlobRecord record("sha256", sha256_hex("{}"));
    detail::BlobStream stream(record, options, 2, false, budget, spill.get());
    ASSERT_TRUE(stream.begin());
    ASSERT_TRUE(stream.update("{}", 2));
    ASSERT_TRUE(stream.finish());
    EXPECT_EQ(stream.spilled(), std::optional<std::uint64_t>(0));
    EXPECT_EQ(record.size, 2u);
}

// ---- JSON ----

const DocumentKind kAllKinds[] = {DocumentKind::manifest, DocumentKind::index,
                                  DocumentKind::config,   DocumentKind::descriptor,
                                  DocumentKind::layout,   DocumentKind::lockfile};

// The code validate_document gives a document that is not I-JSON.
std::string_view unparsable_code(DocumentKind kind) {
    switch (kind) {
        case DocumentKind::lockfile:
            return "SPIN-LOCKFILE-INVALID";
        case DocumentKind::layout:
            return "LAYOUT-BAD-OCI-LAYOUT";
        default:
            return "JSON-INVALID";
    }
}

void expect_rejected_by_every_kind(std::string_view bytes, std::string_view what) {
    for (DocumentKind kind : kAllKinds) {
        ValidationResult result;
        validate_document(kind, bytes, "hostile.json", result);
        EXPECT_TRUE(result.findings.contains(unparsable_code(kind)))
            << what << " as kind " << static_cast<int>(kind) << ":\n"
            << describe(result.findings);
    }
}

TEST(HostileJson, MillionDeepNestingIsRejectedWithoutRecursion) {
    for (std::string open : {"[", "{\"a\":"}) {
        std::string deep;
        deep.reserve(1000000 * open.size());
        for (int i = 0; i < 1000000; ++i) deep += open;
        rapidjson::Document doc;
        JsonError error;
        auto start = std::chrono::steady_clock::now();
        EXPECT_FALSE(parse_json(deep, doc, &error));
        EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
        EXPECT_NE(error.message.find("nesting deeper than 512"), std::string::npos)
            << error.message;
        EXPECT_EQ(error.offset, 512 * open.size());
        expect_rejected_by_every_kind(deep, "1,000,000-deep nesting of " + open);
    }
}

TEST(HostileJson, NestingAtTheLimitIsAccepted) {
    std::string deep = std::string(512, '[') + std::string(512, ']');
    rapidjson::Document doc;
    EXPECT_TRUE(parse_json(deep, doc, nullptr));
    EXPECT_FALSE(parse_json("[" + deep + "]", doc, nullptr));
}

TEST(HostileJson, InvalidUtf8IsRejectedEverywhere) {
    const std::string samples[] = {
        "{\"a\":\"\xff\"}",              // not UTF-8 at all
        "{\"a\":\"\xc0\xaf\"}",          // overlong '/'
        "{\"a\":\"\xed\xa0\x80\"}",      // an encoded surrogate
        "{\"\xe2\x82\":1}",              // truncated sequence in a name
        "{\"a\":\"\xf4\x90\x80\x80\"}",  // beyond U+10FFFF
    };
    for (const std::string& sample : samples) {
        rapidjson::Document doc;
        JsonError error;
        EXPECT_FALSE(parse_json(sample, doc, &error)) << sample;
        EXPECT_LE(error.offset, sample.size());
        expect_rejected_by_every_kind(sample, "invalid UTF-8");
    }
}

TEST(HostileJson, DuplicateMemberNamesAreRejectedWithAPointer) {
    std::string text = R"({"schemaVersion":2,"config":{"a":1,"a":2}})";
    rapidjson::Document doc;
    JsonError error;
    EXPECT_FALSE(parse_json(text, doc, &error));
    EXPECT_EQ(error.message, "duplicate member name \"a\"");
    EXPECT_EQ(error.pointer, "/config/a");
    expect_rejected_by_every_kind(text, "duplicate member names");
    // Names differing only after a NUL are different names; equal ones after escapes are not.
    EXPECT_TRUE(parse_json(R"({"a\u0000b":1,"a\u0000c":2})", doc, nullptr));
    EXPECT_FALSE(parse_json(R"({"a":1,"\u0061":2})", doc, nullptr));
}

TEST(HostileJson, LoneSurrogateEscapesAndTrailingBytesAreRejected) {
    rapidjson::Document doc;
    EXPECT_FALSE(parse_json(R"(["\ud800"])", doc, nullptr));
    EXPECT_FALSE(parse_json(R"({"a":1} x)", doc, nullptr));
    EXPECT_FALSE(parse_json("", doc, nullptr));
}

// RapidJSON reads a NUL byte as the end of input; what follows must not be ignored (Go's
// encoding/json, which registries and containerd use, rejects such a document).
TEST(HostileJson, NulByteAfterTheDocumentIsRejected) {
    for (std::string text : {std::string("{\"a\":1}\0", 8),
                             std::string("{\"a\":1}  \0{\"b\":2}", 17), std::string("[]\0\0", 4)}) {
        rapidjson::Document doc;
        JsonError error;
        EXPECT_FALSE(parse_json(text, doc, &error)) << text.size();
        EXPECT_EQ(error.message, "unexpected NUL byte after the document");
        EXPECT_EQ(error.offset, text.find('\0'));
        expect_rejected_by_every_kind(text, "a NUL byte after the document");
    }
    rapidjson::Document doc;
    EXPECT_FALSE(parse_json(std::string("{\"a\":\0 1}", 9), doc, nullptr));
    EXPECT_FALSE(parse_json(std::string("[\"a\0b\"]", 7), doc, nullptr));
    EXPECT_TRUE(parse_json("{\"a\":\"\\u0000\"} \n", doc, nullptr));
}

// ---- descriptors: sizes and digests ----

std::string manifest_with_config_size(std::string_view size) {
    return R"({"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json",)"
           R"("digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",)"
           R"("size":)" +
           std::string(size) + R"(},"layers":[]})";
}

TEST(HostileDescriptor, OutOfRangeSizesAreSchemaErrors) {
    for (std::string_view size : {"-1", "9223372036854775808", "18446744073709551616", "1e400",
                                  "2.5", "-9223372036854775809"}) {
        ValidationResult result;
        validate_document(DocumentKind::manifest, manifest_with_config_size(size), "m.json",
                          result);
        EXPECT_TRUE(result.findings.has_errors()) << "size " << size;
        bool named =
            result.findings.contains("OCI-SCHEMA") || result.findings.contains("JSON-INVALID");
        EXPECT_TRUE(named) << "size " << size << ":\n" << describe(result.findings);
    }
}

TEST(HostileDescriptor, OutOfRangeSizesInALayoutAreErrors) {
    for (std::string_view size : {"-1", "9223372036854775808"}) {
        SpinAppBuilder builder;
        std::string value(size);
        builder.edit_manifest = [value](rapidjson::Document& manifest) {
            testing::set(manifest, "/layers/0/size", value);
        };
        BuiltApp app = builder.build();
        ValidationResult result = testing::validate_files(app.files);
        EXPECT_TRUE(result.findings.has_errors()) << "size " << size;
        bool named =
            result.findings.contains("OCI-SCHEMA") || result.findings.contains("OCI-SIZE-MISMATCH");
        EXPECT_TRUE(named) << "size " << size << ":\n" << describe(result.findings);
    }
}

TEST(HostileDescriptor, DigestOfTheRightShapeButWrongContent) {
    BuiltApp app = SpinAppBuilder().build();
    // The wasm layer's bytes change; its name (and every descriptor) stays.
    std::string path = testing::blob_path(app.wasm_digest);
    app.files[path].back() ^= 1;
    ValidationResult result = testing::validate_files(app.files);
    EXPECT_TRUE(
        testing::has_finding(result.findings, "OCI-DIGEST-MISMATCH", Severity::error, path, ""));
}

// ---- graphs ----

TEST(HostileGraph, IndexReferencingItselfThroughAWrongDigestIsACycleNotAHang) {
    // A nested index stored under a name that is not its digest, listing that name: following
    // descriptors by name leads back to itself.
    BuiltApp app = SpinAppBuilder().build();
    std::string fake_hex(64, 'a');
    std::string fake = "sha256:" + fake_hex;
    std::string nested =
        R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",)"
        R"("manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json",)"
        R"("digest":")" +
        fake + R"(","size":)";
    // The size must be the blob's own size, which includes the size's digits.
    std::string body;
    for (std::size_t digits = 1; digits < 6; ++digits) {
        std::size_t size = nested.size() + digits + 3;
        body = nested + std::to_string(size) + "}]}";
        if (body.size() == size) break;
    }
    app.files["blobs/sha256/" + fake_hex] = body;
    app.files["index.json"] = R"({"schemaVersion":2,"manifests":[{"mediaType":)"
                              R"("application/vnd.oci.image.index.v1+json","digest":")" +
                              fake + R"(","size":)" + std::to_string(body.size()) + "}]}";
    auto start = std::chrono::steady_clock::now();
    ValidationResult result = testing::validate_files(app.files);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    EXPECT_TRUE(result.findings.contains("OCI-DIGEST-MISMATCH")) << describe(result.findings);
    EXPECT_TRUE(result.findings.contains("OCI-INDEX-CYCLE")) << describe(result.findings);
}

TEST(HostileGraph, HundredThousandDescriptorsInOneIndex) {
    BuiltApp app = SpinAppBuilder().build();
    std::string descriptor =
        testing::descriptor(media::kOciManifest, app.files.at(app.manifest_path));
    std::string index = R"({"schemaVersion":2,"manifests":[)";
    for (int i = 0; i < 100000; ++i) index += (i == 0 ? "" : ",") + descriptor;
    index += "]}";
    app.files["index.json"] = index;
    auto start = std::chrono::steady_clock::now();
    ValidationResult result = testing::validate_files(app.files);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(60));
    EXPECT_FALSE(result.findings.has_errors()) << describe(result.findings);
    // The same manifest listed 100,000 times is checked once.
    EXPECT_EQ(result.findings.count(Severity::error), 0u);
}

}  // namespace
}  // namespace ociwasm
