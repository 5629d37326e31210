// Checking a window of manifests ahead of the walk (walk_ahead.cpp): what it checks, and that a
// window holds a bounded amount of text however large its documents are.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "layout_builder.h"
#include "ociwasm/media_types.h"
#include "test_support.h"
#include "validate_internal.h"
#include "walk_ahead.h"

namespace ociwasm {
namespace {

using testing::blob_path;
using testing::descriptor;
using testing::Files;

constexpr const char* kConfig = R"({"architecture":"amd64","os":"linux",)"
                                R"("rootfs":{"type":"layers","diff_ids":[]}})";

// A manifest of about `size` bytes (an annotation fills it) naming the image config.
std::string manifest_of(std::size_t size, int number) {
    return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
           R"("config":)" +
           descriptor(media::kOciConfig, kConfig) + R"(,"layers":[],"annotations":{"n":")" +
           std::to_string(number) + std::string(size, 'x') + "\"}}";
}

// What the walk's own check of a manifest gives (validate.cpp), reduced to parsing it.
detail::CheckedManifest parse_manifest(const BlobRecord& record, std::string_view,
                                       std::string_view bytes) {
    detail::CheckedManifest checked;
    checked.document = detail::parse_owned_document(bytes, record.path(), "JSON-INVALID",
                                                    "a manifest", checked.findings);
    return checked;
}

struct Window {
    Files files;
    std::vector<std::string> digests;  // of the manifests, in order
    std::unique_ptr<LayoutSource> source;
    LayoutScan scan;

    explicit Window(const std::vector<std::size_t>& sizes) {
        files["oci-layout"] = R"({"imageLayoutVersion":"1.0.0"})";
        files["index.json"] = R"({"schemaVersion":2,"manifests":[]})";
        files[blob_path(sha256_digest(kConfig))] = kConfig;
        for (std::size_t i = 0; i < sizes.size(); ++i) {
            std::string manifest = manifest_of(sizes[i], static_cast<int>(i));
            digests.push_back(sha256_digest(manifest));
            files[blob_path(digests.back())] = manifest;
        }
        source = make_memory_source("memory", files);
        EXPECT_TRUE(source->scan(ScanOptions(), scan));
    }

    detail::WalkAhead::Result check_ahead(unsigned threads) {
        detail::BlobAccess blobs(*source, scan);
        detail::DocumentCache configs(
            {"JSON-INVALID", "an image config", SchemaKind::config, detail::check_image_config});
        Findings out;
        detail::SpinWiring spin(blobs, out);
        std::vector<detail::AheadManifest> wanted;
        for (const std::string& digest : digests) {
            wanted.push_back({scan.find(digest), media::kOciManifest, digest});
        }
        detail::WalkAhead ahead(std::move(wanted), parse_manifest, blobs, configs, spin, threads);
        return ahead.finish();
    }
};

std::vector<std::string> keys_of(const detail::WalkAhead::Result& result) {
    std::vector<std::string> keys;
    for (const auto& [key, checked] : result.manifests) keys.push_back(key);
    return keys;
}

TEST(WalkAhead, ChecksTheManifestsAndTheirSharedConfigOnce) {
    Window window({100, 200, 300});
    for (unsigned threads : {1u, 2u, 4u}) {
        detail::WalkAhead::Result result = window.check_ahead(threads);
        EXPECT_EQ(keys_of(result), window.digests) << threads << " threads";
        for (const auto& [key, checked] : result.manifests) {
            EXPECT_NE(checked.document, nullptr) << key;
        }
        ASSERT_EQ(result.image_configs.size(), 1u) << threads << " threads";
        EXPECT_EQ(result.image_configs[0].first->digest(), sha256_digest(kConfig));
        EXPECT_NE(result.image_configs[0].second.document, nullptr);
        EXPECT_TRUE(result.lockfiles.empty());
    }
}

// Six manifests of 1 MiB: the window takes what fits in its bytes, in order, and leaves the rest
// to the walk; 256 manifests of 3 MiB held 750 MiB before.
TEST(WalkAhead, AWindowHoldsAtMostItsBytes) {
    const std::size_t mib = 1024 * 1024;
    Window window({mib, mib, 5 * mib, mib, mib, mib});
    detail::WalkAhead::Result result = window.check_ahead(2);
    std::vector<std::string> expected = {window.digests[0], window.digests[1], window.digests[3]};
    EXPECT_EQ(keys_of(result), expected);
    // The config (small) still fits after the three manifests.
    EXPECT_EQ(result.image_configs.size(), 1u);
}

// index.json is checked on another thread from the moment the scan reads it, from the scan's own
// bytes; the walk takes the result only for the bytes the scan kept.
TEST(IndexJsonAhead, GivesTheChecksOfTheBytesTheScanKept) {
    const std::optional<std::string> index = R"({"schemaVersion":3,"manifests":[]})";
    const std::optional<std::string> other = R"({"schemaVersion":2,"manifests":[]})";
    {
        detail::IndexJsonAhead ahead;
        ScanOptions options;
        ahead.hook(options);
        ASSERT_TRUE(options.index_json_read);
        options.index_json_read(*index);
        options.index_json_read(*other);  // at most once: the first is checked
        std::optional<detail::CheckedIndexJson> checked = ahead.take(index);
        ASSERT_TRUE(checked);
        ASSERT_NE(checked->document, nullptr);
        detail::CheckedIndexJson inline_check = detail::check_index_json(*index);
        EXPECT_EQ(testing::describe(checked->findings), testing::describe(inline_check.findings));
        EXPECT_TRUE(testing::has_finding(checked->findings, "OCI-SCHEMA", Severity::error,
                                         "index.json", "/schemaVersion"))
            << testing::describe(checked->findings);
    }
    {
        detail::IndexJsonAhead ahead;
        ScanOptions options;
        ahead.hook(options);
        options.index_json_read(*index);
        const std::optional<std::string> same_bytes = index;
        EXPECT_FALSE(ahead.take(other));       // the scan kept other bytes: the walk checks them
        EXPECT_FALSE(ahead.take(same_bytes));  // or the same bytes elsewhere, or taken already
    }
    {
        detail::IndexJsonAhead ahead;  // never hooked, or the scan found no index.json
        EXPECT_FALSE(ahead.take(std::nullopt));
        EXPECT_FALSE(ahead.take(index));
    }
}

// Every kind of source calls the hook once with index.json: a directory before it lists the
// blobs, a tar where its entry is (here after a second index.json entry, which the scan reports
// and does not keep), memory where it is in its list.
TEST(IndexJsonAhead, ScansCallTheHookOnceWithTheIndexTheyKeep) {
    Window window({100});
    testing::TempDir dir;
    std::vector<std::pair<std::string, std::string>> entries;
    for (const auto& [path, bytes] : window.files) {
        testing::write_file(dir / "layout" / path, bytes);
        if (path == "index.json") entries.emplace_back(path, bytes);
    }
    for (const auto& [path, bytes] : window.files) {
        if (path != "index.json") entries.emplace_back(path, bytes);
    }
    entries.emplace_back("index.json", R"({"schemaVersion":2,"manifests":[{}]})");
    testing::write_file(dir / "layout.tar", testing::make_tar(entries, false));
    std::vector<std::unique_ptr<LayoutSource>> sources;
    sources.push_back(make_directory_source((dir / "layout").string()));
    sources.push_back(make_tar_source((dir / "layout.tar").string()));
    sources.push_back(make_memory_source("memory", window.files));
    for (const auto& source : sources) {
        int calls = 0;
        std::string seen;
        const std::string* given = nullptr;
        ScanOptions options;
        options.index_json_read = [&](const std::string& bytes) {
            ++calls;
            seen = bytes;
            given = &bytes;
        };
        LayoutScan scan;
        ASSERT_TRUE(source->scan(options, scan)) << source->name();
        EXPECT_EQ(calls, 1) << source->name();
        EXPECT_EQ(seen, window.files["index.json"]) << source->name();
        ASSERT_TRUE(scan.index_json) << source->name();
        EXPECT_EQ(&*scan.index_json, given) << source->name() << ": the scan's own bytes";
    }
}

}  // namespace
}  // namespace ociwasm
