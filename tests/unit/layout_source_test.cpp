#include "ociwasm/layout.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "layout_source_internal.h"
#include "ociwasm/digest.h"
#include "test_support.h"

namespace ociwasm {
namespace {

using testing::pseudo_random_bytes;
using testing::TempDir;
using testing::write_file;

constexpr std::size_t kSmallKeepLimit = 64 * 1024;

ScanOptions small_limits() {
    ScanOptions options;
    options.keep_limit = kSmallKeepLimit;
    options.json_keep_limit = 1024 * 1024;
    return options;
}

std::string blob_path_sha256(std::string_view bytes) {
    return "blobs/sha256/" + sha256_hex(bytes);
}

// A small layout with one blob of each interesting kind, as path -> bytes.
struct SampleLayout {
    std::map<std::string, std::string> files;
    std::string config;      // small JSON: kept
    std::string large;       // binary above keep_limit: hashed, not kept
    std::string large_json;  // JSON above keep_limit, below json_keep_limit: kept
    std::string sha512_blob;
    std::string unknown_path;  // blobs/blake3/...: recorded, not hashed

    SampleLayout() {
        config = R"({"architecture":"wasm","os":"wasip1"})";
        large = pseudo_random_bytes(200 * 1024, 1);
        large_json = "  [\"" + std::string(100 * 1024, 'x') + "\"]";
        sha512_blob = "bytes named by sha512";
        unknown_path = "blobs/blake3/" + sha256_hex("blake3 stand-in");
        files["oci-layout"] = R"({"imageLayoutVersion":"1.0.0"})";
        files["index.json"] = R"({"schemaVersion":2,"manifests":[]})";
        files[blob_path_sha256(config)] = config;
        files[blob_path_sha256(large)] = large;
        files[blob_path_sha256(large_json)] = large_json;
        files["blobs/sha512/" + sha512_hex(sha512_blob)] = sha512_blob;
        files[unknown_path] = "blake3 stand-in";
    }

    void write_to(const std::filesystem::path& dir) const {
        for (const auto& [path, bytes] : files) write_file(dir / path, bytes);
    }
};

void expect_sample_scan(const SampleLayout& sample, const LayoutScan& scan) {
    EXPECT_TRUE(scan.findings.empty()) << scan.findings.all().front().message;
    ASSERT_TRUE(scan.oci_layout);
    EXPECT_EQ(*scan.oci_layout, sample.files.at("oci-layout"));
    ASSERT_TRUE(scan.index_json);
    EXPECT_EQ(*scan.index_json, sample.files.at("index.json"));
    ASSERT_EQ(scan.blobs.size(), 5u);

    const BlobRecord* config = scan.find(sha256_digest(sample.config));
    ASSERT_NE(config, nullptr);
    EXPECT_EQ(config->path(), blob_path_sha256(sample.config));
    EXPECT_EQ(config->algorithm(), "sha256");
    EXPECT_EQ(config->size, sample.config.size());
    EXPECT_TRUE(config->hashed());
    EXPECT_EQ(config->computed(), sha256_hex(sample.config));
    EXPECT_TRUE(config->matches());
    ASSERT_TRUE(config->content);
    EXPECT_EQ(*config->content, sample.config);

    const BlobRecord* large = scan.find(sha256_digest(sample.large));
    ASSERT_NE(large, nullptr);
    EXPECT_EQ(large->size, sample.large.size());
    EXPECT_EQ(large->computed(), sha256_hex(sample.large));
    EXPECT_FALSE(large->content) << "a binary blob above keep_limit must not be held";

    const BlobRecord* large_json = scan.find(sha256_digest(sample.large_json));
    ASSERT_NE(large_json, nullptr);
    EXPECT_EQ(large_json->computed(), sha256_hex(sample.large_json));
    ASSERT_TRUE(large_json->content) << "JSON-looking blobs are kept up to json_keep_limit";
    EXPECT_EQ(*large_json->content, sample.large_json);

    const BlobRecord* sha512 = scan.find("sha512:" + sha512_hex(sample.sha512_blob));
    ASSERT_NE(sha512, nullptr);
    EXPECT_TRUE(sha512->hashed());
    EXPECT_EQ(sha512->computed(), sha512_hex(sample.sha512_blob));
    EXPECT_TRUE(sha512->matches());

    const BlobRecord* unknown = nullptr;
    for (const BlobRecord& record : scan.blobs) {
        if (record.path() == sample.unknown_path) unknown = &record;
    }
    ASSERT_NE(unknown, nullptr);
    EXPECT_EQ(unknown->algorithm(), "blake3");
    EXPECT_FALSE(unknown->hashed());
    EXPECT_EQ(unknown->computed(), "");
    EXPECT_EQ(unknown->size, 15u);
    EXPECT_TRUE(unknown->matches());
}

std::optional<Finding> find_code(const LayoutScan& scan, std::string_view code) {
    for (const Finding& finding : scan.findings.all()) {
        if (finding.code == code) return finding;
    }
    return std::nullopt;
}

TEST(LayoutPaths, NormalizesTarEntryNames) {
    EXPECT_EQ(detail::normalize_entry_path("./blobs//sha256/abc/").path, "blobs/sha256/abc");
    EXPECT_EQ(detail::normalize_entry_path("./").path, "");
    EXPECT_TRUE(detail::normalize_entry_path("/index.json").absolute);
    EXPECT_TRUE(detail::normalize_entry_path("blobs/../../x").traversal);
    EXPECT_FALSE(detail::normalize_entry_path("blobs/..x").traversal);
}

TEST(LayoutPaths, ResolvesRelativeLinksLexically) {
    EXPECT_EQ(detail::resolve_relative_link("a/b/link", "../c"), "a/c");
    EXPECT_EQ(detail::resolve_relative_link("link", "blobs/sha256/x"), "blobs/sha256/x");
    EXPECT_FALSE(detail::resolve_relative_link("a/link", "../../x"));
    EXPECT_FALSE(detail::resolve_relative_link("link", "/etc/passwd"));
}

TEST(LayoutPaths, ClassifiesBlobNames) {
    std::string hex = sha256_hex("x");
    auto blob = detail::classify_layout_path("blobs/sha256/" + hex);
    EXPECT_EQ(blob.kind, detail::LayoutPathKind::blob);
    EXPECT_EQ(blob.algorithm, "sha256");
    EXPECT_EQ(blob.encoded, hex);
    EXPECT_EQ(detail::classify_layout_path("index.json").kind, detail::LayoutPathKind::index_json);
    EXPECT_EQ(detail::classify_layout_path("manifest.json").kind, detail::LayoutPathKind::other);
    for (const std::string& bad : std::vector<std::string>{
             "blobs/sha256/ABC", "blobs/sha256/" + hex.substr(1), "blobs/x",
             "blobs/sha256/" + hex + "/y", "blobs/SHA256/" + hex, "blobs/sha256/a:b"}) {
        auto kind = detail::classify_layout_path(bad);
        EXPECT_EQ(kind.kind, detail::LayoutPathKind::bad_blob_name) << bad;
        EXPECT_FALSE(kind.why.empty()) << bad;
    }
}

// A record keeps its name compactly (hex as nibbles) and gives back exactly the text it was
// made of, whatever the encoded part holds.
TEST(BlobRecord, GivesBackItsNameWhateverTheEncodedPart) {
    std::string hex = sha256_hex("x");
    for (const auto& [algorithm, encoded] : std::vector<std::pair<std::string, std::string>>{
             {"sha256", hex},
             {"sha512", sha512_hex("x")},
             {"blake3", "ABCdef_-="},  // not lowercase hex: held as characters
             {"sha256+b64u", "abc"},   // odd length
             {"multihash+base58", "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"}}) {
        BlobRecord record(algorithm, encoded);
        EXPECT_EQ(record.algorithm(), algorithm);
        EXPECT_EQ(record.encoded(), encoded);
        EXPECT_EQ(record.digest(), algorithm + ":" + encoded);
        EXPECT_EQ(record.path(), "blobs/" + algorithm + "/" + encoded);
        EXPECT_FALSE(record.hashed());
        EXPECT_EQ(record.computed(), "");
        EXPECT_TRUE(record.matches());
        EXPECT_EQ(record.compare(record.digest()), 0);
    }
}

TEST(BlobRecord, KeepsTheComputedHashOnlyWhenItDiffers) {
    std::string hex = sha256_hex("name");
    BlobRecord record("sha256", hex);
    record.set_computed(hex);
    EXPECT_TRUE(record.hashed());
    EXPECT_TRUE(record.matches());
    EXPECT_EQ(record.computed(), hex);

    record.set_computed(sha256_hex("bytes"));
    EXPECT_TRUE(record.hashed());
    EXPECT_FALSE(record.matches());
    EXPECT_EQ(record.computed(), sha256_hex("bytes"));
    EXPECT_EQ(record.digest(), "sha256:" + hex) << "the name stays what it was";

    record.set_computed(hex);
    EXPECT_TRUE(record.matches());
    EXPECT_EQ(record.computed(), hex);
    record.set_computed(sha256_hex("bytes"));
    record.clear_computed();
    EXPECT_FALSE(record.hashed());
    EXPECT_TRUE(record.matches());
    EXPECT_EQ(record.computed(), "");
    EXPECT_EQ(record.encoded(), hex);
}

// A name is held in the record when it fits (a sha256 digest), else on the heap (sha512, or a
// sha256 with a computed hash that differs); moving either keeps it, and leaves no name behind.
TEST(BlobRecord, MovesItsNameWhereverItIsHeld) {
    std::vector<BlobRecord> records;
    records.emplace_back("sha256", sha256_hex("a"));
    records.emplace_back("sha512", sha512_hex("b"));
    records.emplace_back("sha256", sha256_hex("c"));
    records[2].set_computed(sha256_hex("other"));
    records[0].size = 7;
    std::vector<std::string> digests;
    for (const BlobRecord& record : records) digests.push_back(record.digest());
    for (int round = 0; round < 3; ++round) {
        std::vector<BlobRecord> moved;
        for (BlobRecord& record : records) {
            moved.push_back(std::move(record));
            EXPECT_EQ(record.digest(), "");  // NOLINT(bugprone-use-after-move): what it leaves
            EXPECT_EQ(record.compare(digests[0]), -1);
        }
        records = std::move(moved);
        records.push_back(std::move(records.front()));  // the vector grows: all move again
        records.erase(records.begin());
        std::rotate(records.begin(), records.begin() + 2, records.end());
    }
    for (const BlobRecord& record : records) {
        EXPECT_EQ(std::count(digests.begin(), digests.end(), record.digest()), 1)
            << record.digest();
        if (record.digest() == digests[0]) {
            EXPECT_EQ(record.size, 7u);
        }
        if (record.digest() == digests[2]) {
            EXPECT_EQ(record.computed(), sha256_hex("other"));
        }
    }
}

// Records order as their digest strings do, also across algorithms where one name is a prefix
// of another ("sha256+x:" sorts before "sha256:", '+' < ':').
TEST(BlobStore, OrdersAndFindsAsTheDigestStringsCompare) {
    std::vector<std::pair<std::string, std::string>> names = {{"sha256", sha256_hex("a")},
                                                              {"sha256", sha256_hex("b")},
                                                              {"sha256", sha256_hex("c")},
                                                              {"sha256+x", "0f"},
                                                              {"sha512", sha512_hex("a")},
                                                              {"sha2", "ff"},
                                                              {"sha256", "ab"},
                                                              {"sha256", "abcd"},
                                                              {"blake3", "AB"},
                                                              {"blake3", "ab"},
                                                              {"sha256", "0123456789abcdef01"},
                                                              {"sha256", "0123456789abcdef00"},
                                                              {"sha256", "0123456789abcdef"},
                                                              {"sha256", "aa"}};
    BlobStore store;
    for (const auto& [algorithm, encoded] : names) {
        std::size_t position = store.add(BlobRecord(algorithm, encoded));
        store.at(position).size = encoded.size();
    }
    store.seal();
    std::vector<std::string> expected;
    for (const auto& [algorithm, encoded] : names) expected.push_back(algorithm + ":" + encoded);
    std::sort(expected.begin(), expected.end());
    std::vector<std::string> actual;
    for (const BlobRecord& record : store) actual.push_back(record.digest());
    EXPECT_EQ(actual, expected);
    for (const std::string& digest : expected) {
        const BlobRecord* found = store.find(digest);
        ASSERT_NE(found, nullptr) << digest;
        EXPECT_EQ(found->digest(), digest);
        EXPECT_EQ(store.position_of(*found),
                  static_cast<std::size_t>(std::find(expected.begin(), expected.end(), digest) -
                                           expected.begin()));
    }
    // Absent: other lengths, cases, algorithms; the same first 16 digits; blake3 mixes packed
    // and unpacked names.
    for (std::string absent :
         {"sha256:a", "sha256:abc", "sha256:ABCD", "sha256", "", ":", "sha256:abcd0", "sha25:ab",
          "zzz:1", "sha256:0123456789abcdef02", "sha256:0123456789abcde", "sha256:ab:cd",
          "sha256:0123456789abcdef0", "blake3:Ab", "blake3:abc"}) {
        EXPECT_EQ(store.find(absent), nullptr) << absent;
    }
    store.remove({0, 2});
    expected.erase(expected.begin() + 2);
    expected.erase(expected.begin());
    ASSERT_EQ(store.size(), expected.size());
    EXPECT_EQ(store.begin()->digest(), expected[0]);
    for (const std::string& digest : expected) {
        ASSERT_NE(store.find(digest), nullptr) << digest << " after remove";
        EXPECT_EQ(store.find(digest)->digest(), digest);
    }
}

// A directory's names in readdir order: sort_from orders the records after `first` as their
// digests compare, by their leading digits and, where those are equal, by whole names; a range
// that mixes algorithms or unpacked names is ordered too.
TEST(BlobStore, SortsARangeAsTheDigestStringsCompare) {
    std::vector<std::string> encoded;
    for (int i = 0; i < 300; ++i) encoded.push_back(sha256_hex(std::to_string(i)));
    for (const char* tail : {"ff", "00", "0f", "f0"}) {  // 16 leading digits shared by four
        encoded.push_back(std::string("0123456789abcdef") + std::string(46, '7') + tail);
    }
    auto sorted_digests = [](const BlobStore& store, std::size_t first) {
        std::vector<std::string> digests;
        for (std::size_t i = first; i < store.size(); ++i) digests.push_back(store.at(i).digest());
        return digests;
    };
    BlobStore store;
    store.add(BlobRecord("sha256", sha256_hex("before the range")));
    for (const std::string& hex : encoded) store.add(BlobRecord("sha256", hex));
    store.sort_from(1);
    std::vector<std::string> expected;
    for (const std::string& hex : encoded) expected.push_back("sha256:" + hex);
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(sorted_digests(store, 1), expected);
    EXPECT_EQ(store.at(0).digest(), "sha256:" + sha256_hex("before the range"));

    BlobStore mixed;
    std::vector<std::string> mixed_expected;
    for (int i = 0; i < 50; ++i) {
        std::string algorithm = i % 3 == 0 ? "sha512" : i % 3 == 1 ? "sha256" : "blake3";
        std::string hex = i % 3 == 0   ? sha512_hex(std::to_string(i))
                          : i % 3 == 1 ? sha256_hex(std::to_string(i))
                                       : "Not-Hex_" + std::to_string(i);
        mixed.add(BlobRecord(algorithm, hex));
        mixed_expected.push_back(algorithm + ":" + hex);
    }
    mixed.sort_from(0);
    std::sort(mixed_expected.begin(), mixed_expected.end());
    EXPECT_EQ(sorted_digests(mixed, 0), mixed_expected);
    mixed.seal();
    for (const std::string& digest : mixed_expected) EXPECT_NE(mixed.find(digest), nullptr);
}

TEST(DirectorySource, ReadsEveryKindOfBlob) {
    TempDir dir;
    SampleLayout sample;
    sample.write_to(dir.path());
    write_file(dir / "manifest.json", "[]");  // stray files are ignored
    write_file(dir / "notes/readme.txt", "hello");
    auto source = make_directory_source(dir.path().string());
    EXPECT_TRUE(source->can_reread());
    LayoutScan scan;
    ASSERT_TRUE(source->scan(small_limits(), scan));
    expect_sample_scan(sample, scan);
}

// Read again from the directory the scan saw, through directories opened once: a layout moved
// away and replaced under its name after the scan still reads as scanned.
TEST(DirectorySource, ReadsAgainFromTheDirectoryScanned) {
    TempDir dir;
    SampleLayout sample;
    sample.write_to(dir / "layout");
    auto source = make_directory_source((dir / "layout").string());
    LayoutScan scan;
    ASSERT_TRUE(source->scan(small_limits(), scan));
    std::filesystem::rename(dir / "layout", dir / "moved");
    write_file(dir / "layout/index.json", "not the index scanned");
    write_file(dir / "layout" / blob_path_sha256(sample.config), "not the config scanned");

    auto read = [&](const std::string& path, std::string& out) {
        out.clear();
        return source->read_blob(path, [&](const char* data, std::size_t size) {
            out.append(data, size);
            return Status::ok();
        });
    };
    std::string bytes;
    for (int round = 0; round < 2; ++round) {
        ASSERT_TRUE(read("index.json", bytes));
        EXPECT_EQ(bytes, sample.files.at("index.json"));
        ASSERT_TRUE(read(blob_path_sha256(sample.config), bytes));
        EXPECT_EQ(bytes, sample.config);
        ASSERT_TRUE(read(blob_path_sha256(sample.large), bytes));
        EXPECT_EQ(bytes, sample.large);
        ASSERT_TRUE(read("blobs/sha512/" + sha512_hex(sample.sha512_blob), bytes));
        EXPECT_EQ(bytes, sample.sha512_blob);
    }
    std::string gone = blob_path_sha256(sample.large_json);
    std::filesystem::remove(dir / "moved" / gone);
    Status missing = read(gone, bytes);
    EXPECT_FALSE(missing);
    EXPECT_NE(missing.message().find("layout/" + gone + ": no such file"), std::string::npos)
        << missing.message();
    Status no_algorithm = read("blobs/sha384/" + std::string(96, 'a'), bytes);
    EXPECT_FALSE(no_algorithm);
    EXPECT_NE(no_algorithm.message().find("no such file"), std::string::npos)
        << no_algorithm.message();
}

// With a spill budget, what the kept budget cannot hold is read again from the spill files the
// pass wrote (one per thread), not from the directory: even once the files are gone.
TEST(DirectorySource, ReadsAgainFromItsSpillFiles) {
    for (unsigned threads : {1u, 2u}) {
        TempDir dir;
        SampleLayout sample;
        for (int i = 0; i < 40; ++i) {
            std::string document = "{\"n\":" + std::to_string(i) + "}";
            sample.files[blob_path_sha256(document)] = document;
        }
        sample.write_to(dir / "layout");
        auto source = make_directory_source((dir / "layout").string());
        ScanOptions options = small_limits();
        options.rereadable_kept_budget = 0;
        options.spill_budget = kMiB;
        options.threads = threads;
        LayoutScan scan;
        ASSERT_TRUE(source->scan(options, scan));
        std::filesystem::remove_all(dir / "layout" / "blobs");
        std::size_t spilled = 0;
        for (const BlobRecord& record : scan.blobs) {
            EXPECT_FALSE(record.content);
            std::string out;
            Status status = load_blob(*source, record, out);
            // Kept ones (none here) and spilled ones load; large or unverifiable ones are not
            // spilled and are gone with the directory.
            if (sample.files.at(record.path()).size() <= kSmallKeepLimit ||
                record.path() == blob_path_sha256(sample.large_json)) {
                ASSERT_TRUE(status) << record.path() << ": " << status.message();
                EXPECT_EQ(out, sample.files.at(record.path()));
                ++spilled;
            } else {
                EXPECT_FALSE(status) << record.path();
            }
        }
        EXPECT_EQ(spilled, scan.blobs.size() - 1) << "all but the large binary blob";
    }
}

TEST(DirectorySource, ThreadCountDoesNotChangeTheResult) {
    TempDir dir;
    SampleLayout sample;
    for (int i = 0; i < 20; ++i) {
        std::string bytes = pseudo_random_bytes(10000 + i * 997, i + 10);
        sample.files[blob_path_sha256(bytes)] = bytes;
    }
    sample.write_to(dir.path());
    auto source = make_directory_source(dir.path().string());
    std::vector<LayoutScan> scans(3);
    for (unsigned threads : {1u, 4u, 0u}) {
        ScanOptions options = small_limits();
        options.threads = threads;
        LayoutScan& scan = scans[threads == 1 ? 0 : threads == 4 ? 1 : 2];
        ASSERT_TRUE(source->scan(options, scan));
        EXPECT_EQ(scan.blobs.size(), 25u);
        for (const BlobRecord& record : scan.blobs) {
            std::string key = record.digest();
            EXPECT_TRUE(record.matches()) << key;
        }
    }
    for (const BlobRecord& record : scans[0].blobs) {
        std::string key = record.digest();
        for (int i = 1; i < 3; ++i) {
            const BlobRecord* other = scans[i].find(key);
            ASSERT_NE(other, nullptr);
            EXPECT_EQ(other->computed(), record.computed());
            EXPECT_EQ(other->size, record.size);
            EXPECT_EQ(other->content != nullptr, record.content != nullptr);
            if (other->content && record.content) {
                EXPECT_EQ(*other->content, *record.content);
            }
        }
    }
}

// Collects what an observer sees, checking that each blob's bytes arrive whole and in order.
class RecordingObserver : public BlobObserver {
  public:
    bool begin_blob(const BlobRecord& blob, std::uint64_t size) override {
        order.push_back(blob.path());
        announced[blob.path()] = size;
        if (blob.path() == remove_when) std::filesystem::remove_all(remove_path);
        if (blob.path() == skip) return false;
        current = blob.path();
        bytes[current].clear();
        return true;
    }
    Status blob_data(const char* data, std::size_t size) override {
        if (fail_on_data) return Status::io_error("observer: disk full");
        bytes[current].append(data, size);
        return Status::ok();
    }
    Status end_blob(const BlobRecord& blob) override {
        EXPECT_EQ(blob.path(), current);
        ended[blob.path()] = blob.computed();
        return Status::ok();
    }

    std::string skip;
    bool fail_on_data = false;
    std::string remove_when;            // when this blob begins,
    std::filesystem::path remove_path;  // this file or directory is removed
    std::string current;
    std::vector<std::string> order;
    std::map<std::string, std::uint64_t> announced;
    std::map<std::string, std::string> bytes;
    std::map<std::string, std::string> ended;
};

TEST(DirectorySource, ObserverSeesEveryBlobInSortedOrder) {
    TempDir dir;
    SampleLayout sample;
    sample.write_to(dir.path());
    RecordingObserver observer;
    observer.skip = blob_path_sha256(sample.config);
    ScanOptions options = small_limits();
    options.observer = &observer;
    LayoutScan scan;
    ASSERT_TRUE(make_directory_source(dir.path().string())->scan(options, scan));
    expect_sample_scan(sample, scan);

    std::vector<std::string> expected_order;
    for (const auto& [path, bytes] : sample.files) {
        if (path.starts_with("blobs/")) expected_order.push_back(path);
    }
    EXPECT_EQ(observer.order, expected_order);
    for (const auto& [path, bytes] : sample.files) {
        if (!path.starts_with("blobs/")) continue;
        EXPECT_EQ(observer.announced[path], bytes.size()) << path;
        if (path == observer.skip) {
            EXPECT_EQ(observer.bytes.count(path), 0u) << "declined blobs get no data";
            continue;
        }
        EXPECT_EQ(observer.bytes[path], bytes) << path;
        ASSERT_EQ(observer.ended.count(path), 1u) << path;
    }
    EXPECT_EQ(observer.ended[blob_path_sha256(sample.large)], sha256_hex(sample.large));
}

TEST(DirectorySource, ObserverFailureStopsTheScan) {
    TempDir dir;
    SampleLayout sample;
    sample.write_to(dir.path());
    RecordingObserver observer;
    observer.fail_on_data = true;
    ScanOptions options = small_limits();
    options.observer = &observer;
    LayoutScan scan;
    Status status = make_directory_source(dir.path().string())->scan(options, scan);
    EXPECT_FALSE(status);
    EXPECT_EQ(status.message(), "observer: disk full");
}

// A blob listed but gone when it is opened (another process replaced the layout meanwhile) is
// an I/O error of the input naming the file, never a blob that was not there (issue 13 item 4).
TEST(DirectorySource, BlobRemovedAfterListingIsAnIoError) {
    TempDir dir;
    SampleLayout sample;
    sample.write_to(dir.path());
    std::vector<std::string> sha256_blobs;
    for (const auto& [path, bytes] : sample.files) {
        if (path.starts_with("blobs/sha256/")) sha256_blobs.push_back(path);
    }
    ASSERT_GE(sha256_blobs.size(), 2u);
    RecordingObserver observer;
    observer.remove_when = sha256_blobs[0];  // sha256/ is listed by then
    observer.remove_path = dir / sha256_blobs[1];
    ScanOptions options = small_limits();
    options.observer = &observer;
    LayoutScan scan;
    Status status = make_directory_source(dir.path().string())->scan(options, scan);
    EXPECT_EQ(status.code(), Status::Code::io_error);
    EXPECT_NE(status.message().find(sha256_blobs[1]), std::string::npos) << status.message();
    EXPECT_NE(status.message().find("listed"), std::string::npos) << status.message();
}

// The same for an algorithm directory listed under blobs/ and gone when it is opened.
TEST(DirectorySource, AlgorithmDirectoryRemovedAfterListingIsAnIoError) {
    TempDir dir;
    SampleLayout sample;
    sample.write_to(dir.path());
    RecordingObserver observer;
    observer.remove_when = sample.unknown_path;  // blake3 sorts first; blobs/ is listed by then
    observer.remove_path = dir / "blobs/sha512";
    ScanOptions options = small_limits();
    options.observer = &observer;
    LayoutScan scan;
    Status status = make_directory_source(dir.path().string())->scan(options, scan);
    EXPECT_EQ(status.code(), Status::Code::io_error);
    EXPECT_NE(status.message().find("blobs/sha512"), std::string::npos) << status.message();
}

TEST(DirectorySource, RefusesSymlinksAndSpecialFiles) {
    TempDir dir;
    SampleLayout sample;
    sample.write_to(dir.path());
    write_file(dir / "outside", "secret");
    std::string linked = "blobs/sha256/" + sha256_hex("secret");
    std::filesystem::create_symlink(dir / "outside", dir / linked);
    std::string fifo = "blobs/sha256/" + sha256_hex("fifo");
    ASSERT_EQ(::mkfifo((dir / fifo).c_str(), 0600), 0);
    std::string subdir = "blobs/sha256/" + sha256_hex("dir");
    std::filesystem::create_directory(dir / subdir);
    std::filesystem::create_directory(dir / "elsewhere");
    write_file(dir / "elsewhere" / sha256_hex("y"), "y");
    std::filesystem::create_directory_symlink(dir / "elsewhere", dir / "blobs/sha384");

    LayoutScan scan;
    ASSERT_TRUE(make_directory_source(dir.path().string())->scan(small_limits(), scan));
    EXPECT_EQ(scan.blobs.size(), 5u) << "only the regular sample blobs are records";
    std::map<std::string, std::string> refused;
    for (const Finding& finding : scan.findings.all()) {
        EXPECT_EQ(finding.code, "LAYOUT-NOT-REGULAR-FILE") << finding.message;
        EXPECT_EQ(finding.severity, Severity::error);
        refused[finding.file] = finding.message;
    }
    ASSERT_EQ(refused.size(), 4u);
    EXPECT_NE(refused[linked].find("symbolic link"), std::string::npos) << refused[linked];
    EXPECT_NE(refused[fifo].find("FIFO"), std::string::npos) << refused[fifo];
    EXPECT_NE(refused[subdir].find("directory"), std::string::npos) << refused[subdir];
    EXPECT_NE(refused["blobs/sha384"].find("symbolic link"), std::string::npos);

    // read_blob applies the same rule.
    Status status =
        make_directory_source(dir.path().string())->read_blob(linked, [](const char*, std::size_t) {
            return Status::ok();
        });
    EXPECT_FALSE(status);
    EXPECT_NE(status.message().find("symbolic link"), std::string::npos) << status.message();
}

TEST(DirectorySource, RefusesSymlinkedIndex) {
    TempDir dir;
    SampleLayout sample;
    sample.write_to(dir.path());
    std::filesystem::remove(dir / "index.json");
    write_file(dir / "real-index.json", "{}");
    std::filesystem::create_symlink("real-index.json", dir / "index.json");
    LayoutScan scan;
    ASSERT_TRUE(make_directory_source(dir.path().string())->scan(small_limits(), scan));
    EXPECT_FALSE(scan.index_json);
    std::optional<Finding> finding = find_code(scan, "LAYOUT-NOT-REGULAR-FILE");
    ASSERT_NE(finding, std::nullopt);
    EXPECT_EQ(finding->file, "index.json");
}

TEST(DirectorySource, ReportsBadBlobNames) {
    TempDir dir;
    SampleLayout sample;
    sample.write_to(dir.path());
    std::string upper = "blobs/sha256/" + std::string(64, 'A');
    std::string short_hex = "blobs/sha256/abc";
    std::string bad_sha512 = "blobs/sha512/" + sha256_hex("64 is not 128");
    write_file(dir / upper, "x");
    write_file(dir / short_hex, "x");
    write_file(dir / bad_sha512, "x");
    write_file(dir / "blobs/loose-file", "x");
    LayoutScan scan;
    ASSERT_TRUE(make_directory_source(dir.path().string())->scan(small_limits(), scan));
    EXPECT_EQ(scan.blobs.size(), 5u);
    std::vector<std::string> files;
    for (const Finding& finding : scan.findings.all()) {
        EXPECT_EQ(finding.code, "OCI-BLOB-NAME");
        EXPECT_EQ(finding.severity, Severity::error);
        EXPECT_NE(finding.message.find(finding.file), std::string::npos) << finding.message;
        files.push_back(finding.file);
    }
    std::sort(files.begin(), files.end());
    std::vector<std::string> expected = {"blobs/loose-file", short_hex, upper, bad_sha512};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(files, expected);
}

TEST(DirectorySource, MissingFilesAreAbsentNotErrors) {
    TempDir dir;
    write_file(dir / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
    LayoutScan scan;
    ASSERT_TRUE(make_directory_source(dir.path().string())->scan(ScanOptions{}, scan));
    EXPECT_TRUE(scan.oci_layout);
    EXPECT_FALSE(scan.index_json);
    EXPECT_TRUE(scan.blobs.empty());
    EXPECT_TRUE(scan.findings.empty());

    LayoutScan missing;
    Status status = make_directory_source((dir / "nope").string())->scan(ScanOptions{}, missing);
    EXPECT_EQ(status.code(), Status::Code::io_error);
    EXPECT_NE(status.message().find("nope"), std::string::npos);
}

TEST(DirectorySource, VerifyOffRecordsSizesOnly) {
    TempDir dir;
    SampleLayout sample;
    sample.write_to(dir.path());
    ScanOptions options = small_limits();
    options.verify = false;
    LayoutScan scan;
    ASSERT_TRUE(make_directory_source(dir.path().string())->scan(options, scan));
    ASSERT_EQ(scan.blobs.size(), 5u);
    for (const BlobRecord& record : scan.blobs) {
        std::string key = record.digest();
        EXPECT_FALSE(record.hashed()) << key;
        EXPECT_EQ(record.size, sample.files.at(record.path()).size());
    }
}

TEST(DirectorySource, ComputedDigestShowsMismatch) {
    TempDir dir;
    std::string claimed = "blobs/sha256/" + sha256_hex("what the name says");
    write_file(dir / claimed, "what the file holds");
    LayoutScan scan;
    ASSERT_TRUE(make_directory_source(dir.path().string())->scan(ScanOptions{}, scan));
    const BlobRecord* record = scan.find("sha256:" + sha256_hex("what the name says"));
    ASSERT_NE(record, nullptr);
    EXPECT_TRUE(record->hashed());
    EXPECT_EQ(record->computed(), sha256_hex("what the file holds"));
    EXPECT_FALSE(record->matches());
}

TEST(MemorySource, ScansLikeADirectory) {
    SampleLayout sample;
    auto files = sample.files;
    files["manifest.json"] = "[]";
    auto source = make_memory_source("memory", files);
    EXPECT_EQ(source->name(), "memory");
    LayoutScan scan;
    ASSERT_TRUE(source->scan(small_limits(), scan));
    expect_sample_scan(sample, scan);

    std::string read;
    ASSERT_TRUE(source->read_blob(blob_path_sha256(sample.large), [&](const char* d, size_t n) {
        read.append(d, n);
        return Status::ok();
    }));
    EXPECT_EQ(read, sample.large);

    LayoutScan bad;
    ASSERT_TRUE(make_memory_source("m", {{"blobs/sha256/zz", "x"}})->scan(ScanOptions{}, bad));
    EXPECT_NE(find_code(bad, "OCI-BLOB-NAME"), std::nullopt);
}

TEST(LoadBlob, UsesKeptContentOrReadsAgain) {
    TempDir dir;
    SampleLayout sample;
    sample.write_to(dir.path());
    auto source = make_directory_source(dir.path().string());
    LayoutScan scan;
    ASSERT_TRUE(source->scan(small_limits(), scan));

    std::string out;
    ASSERT_TRUE(load_blob(*source, scan, sha256_digest(sample.config), out));
    EXPECT_EQ(out, sample.config);
    ASSERT_TRUE(load_blob(*source, scan, sha256_digest(sample.large), out));
    EXPECT_EQ(out, sample.large);

    Status too_large = load_blob(*source, scan, sha256_digest(sample.large), out, 1000);
    EXPECT_FALSE(too_large);
    EXPECT_NE(too_large.message().find(sha256_digest(sample.large)), std::string::npos);
    EXPECT_NE(too_large.message().find("1000"), std::string::npos) << too_large.message();

    Status unknown = load_blob(*source, scan, sha256_digest("absent"), out);
    EXPECT_FALSE(unknown);
    EXPECT_NE(unknown.message().find(sha256_digest("absent")), std::string::npos);

    // Bytes that changed after the pass are not handed out as if they were validated.
    write_file(dir / blob_path_sha256(sample.large), sample.large.substr(1) + "!");
    Status changed = load_blob(*source, scan, sha256_digest(sample.large), out);
    EXPECT_EQ(changed.code(), Status::Code::io_error);
    EXPECT_NE(changed.message().find("changed"), std::string::npos) << changed.message();
}

TEST(OpenLayoutSource, PicksTheSourceByWhatThePathIs) {
    TempDir dir;
    SampleLayout sample;
    sample.write_to(dir / "layout");
    write_file(dir / "file.tar", "not really a tar");
    std::unique_ptr<LayoutSource> source;
    ASSERT_TRUE(open_layout_source((dir / "layout").string(), source));
    LayoutScan scan;
    ASSERT_TRUE(source->scan(small_limits(), scan));
    expect_sample_scan(sample, scan);

    ASSERT_TRUE(open_layout_source((dir / "file.tar").string(), source));
    LayoutScan not_tar;
    Status status = source->scan(small_limits(), not_tar);
    EXPECT_EQ(status.code(), Status::Code::unreadable);
    EXPECT_NE(status.message().find("file.tar"), std::string::npos) << status.message();

    status = open_layout_source((dir / "missing").string(), source);
    EXPECT_EQ(status.code(), Status::Code::io_error);
    EXPECT_NE(status.message().find("missing"), std::string::npos);

    ASSERT_TRUE(open_layout_source("-", source));
    EXPECT_FALSE(source->can_reread());
}

// Counts what the sources report, from any thread.
class CountingProgress : public ScanProgress {
  public:
    void advanced(std::uint64_t bytes) override { bytes_ += bytes; }
    std::uint64_t bytes() const { return bytes_; }

  private:
    std::atomic<std::uint64_t> bytes_{0};
};

TEST(ScanProgressHook, EveryBlobByteIsReportedOnce) {
    std::string big(3 * kMiB + 5, 'x');
    auto source =
        make_memory_source("memory", {{"oci-layout", R"({"imageLayoutVersion":"1.0.0"})"},
                                      {"index.json", R"({"schemaVersion":2,"manifests":[]})"},
                                      {"blobs/sha256/" + sha256_hex(big), big},
                                      {"blobs/sha256/" + sha256_hex("{}"), "{}"}});
    CountingProgress progress;
    ScanOptions options;
    options.progress = &progress;
    LayoutScan scan;
    ASSERT_TRUE(source->scan(options, scan));
    EXPECT_EQ(progress.bytes(), big.size() + 2);
}

}  // namespace
}  // namespace ociwasm
