// The validation engine over whole layouts: layout files, the graph walk (nested indexes,
// cycles, shared blobs), blob checks, manifest entries, and linear time on large indexes.
#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "layout_builder.h"
#include "ociwasm/digest.h"
#include "ociwasm/finding_codes.h"
#include "ociwasm/media_types.h"
#include "ociwasm/validate.h"

namespace ociwasm {
namespace {

using testing::blob_path;
using testing::BuiltApp;
using testing::clean;
using testing::count_code;
using testing::describe;
using testing::descriptor;
using testing::Files;
using testing::find_code;
using testing::has_finding;
using testing::SpinAppBuilder;
using testing::validate_files;

constexpr const char* kLayout = R"({"imageLayoutVersion":"1.0.0"})";

// A plain OCI image layout built by hand: one image config, one layer, manifests as given.
struct ImageLayout {
    Files files;
    std::string config = R"({"architecture":"amd64","os":"linux","config":{"Env":["A=1"]},)"
                         R"("rootfs":{"type":"layers","diff_ids":[]}})";
    std::string layer = "layer bytes";

    ImageLayout() {
        files["oci-layout"] = kLayout;
        add(config);
        add(layer);
    }
    std::string add(std::string_view bytes) {
        std::string digest = sha256_digest(bytes);
        files[blob_path(digest)] = std::string(bytes);
        return digest;
    }
    std::string manifest(std::string_view extra = "") const {
        return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
               R"("config":)" +
               descriptor(media::kOciConfig, config) + R"(,"layers":[)" +
               descriptor("application/vnd.oci.image.layer.v1.tar+gzip", layer) + "]" +
               std::string(extra) + "}";
    }
    void set_index(const std::string& manifests_json) {
        files["index.json"] = R"({"schemaVersion":2,"manifests":[)" + manifests_json + "]}";
    }
};

TEST(ValidateLayout, PlainImageIsCleanAndListed) {
    ImageLayout layout;
    std::string manifest = layout.manifest();
    std::string digest = layout.add(manifest);
    layout.set_index(descriptor(media::kOciManifest, manifest));
    ValidationResult result = validate_files(layout.files);
    EXPECT_TRUE(clean(result.findings));
    EXPECT_TRUE(result.findings.empty()) << describe(result.findings);
    ASSERT_EQ(result.manifests.size(), 1u);
    EXPECT_EQ(result.manifests.all()[0].digest, digest);
    EXPECT_EQ(result.manifests.all()[0].format, ManifestFormat::oci_image);
    EXPECT_EQ(result.manifests.all()[0].ref_name, "");
}

TEST(ValidateLayout, ContainerFindingsAreCopied) {
    ImageLayout layout;
    layout.set_index("");
    layout.files["blobs/sha256/not-a-digest"] = "x";
    ValidationResult result = validate_files(layout.files);
    EXPECT_TRUE(has_finding(result.findings, "OCI-BLOB-NAME", Severity::error,
                            "blobs/sha256/not-a-digest", ""));
}

TEST(ValidateLayout, MissingOciLayout) {
    BuiltApp app = SpinAppBuilder().build();
    app.files.erase("oci-layout");
    ValidationResult result = validate_files(app.files);
    EXPECT_TRUE(has_finding(result.findings, "LAYOUT-MISSING-OCI-LAYOUT", Severity::error,
                            "oci-layout", ""));
}

TEST(ValidateLayout, BadOciLayout) {
    BuiltApp app = SpinAppBuilder().build();
    app.files["oci-layout"] = R"({"imageLayoutVersion":"2.0.0"})";
    ValidationResult result = validate_files(app.files);
    EXPECT_TRUE(has_finding(result.findings, "LAYOUT-BAD-OCI-LAYOUT", Severity::error, "oci-layout",
                            "/imageLayoutVersion"));
    app.files["oci-layout"] = "{nope";
    result = validate_files(app.files);
    std::optional<Finding> finding = find_code(result.findings, "LAYOUT-BAD-OCI-LAYOUT");
    ASSERT_NE(finding, std::nullopt);
    EXPECT_NE(finding->message.find("byte"), std::string::npos) << finding->message;
}

TEST(ValidateLayout, MissingIndex) {
    BuiltApp app = SpinAppBuilder().build();
    app.files.erase("index.json");
    ValidationResult result = validate_files(app.files);
    EXPECT_TRUE(
        has_finding(result.findings, "LAYOUT-MISSING-INDEX", Severity::error, "index.json", ""));
    // Without index.json nothing is reachable: every blob is unreferenced, but only info.
    EXPECT_GT(count_code(result.findings, "OCI-BLOB-UNREFERENCED"), 0u);
}

TEST(ValidateLayout, MissingBlobsDirectory) {
    BuiltApp app = SpinAppBuilder().build();
    Files files{{"oci-layout", app.files["oci-layout"]}, {"index.json", app.files["index.json"]}};
    ValidationResult result = validate_files(files);
    EXPECT_TRUE(has_finding(result.findings, "LAYOUT-MISSING-BLOBS", Severity::error, "blobs", ""));
}

TEST(ValidateLayout, EmptyLayoutIsValid) {
    // "blobs/" alone stands for an empty blobs directory in a memory source.
    Files files{{"oci-layout", kLayout},
                {"index.json", R"({"schemaVersion":2,"manifests":[]})"},
                {"blobs/", ""}};
    ValidationResult result = validate_files(files);
    EXPECT_TRUE(result.findings.empty()) << describe(result.findings);
}

TEST(ValidateLayout, NoBlobsDirectoryEvenWhenNothingIsReferenced) {
    Files files{{"oci-layout", kLayout}, {"index.json", R"({"schemaVersion":2,"manifests":[]})"}};
    ValidationResult result = validate_files(files);
    EXPECT_TRUE(has_finding(result.findings, "LAYOUT-MISSING-BLOBS", Severity::error, "blobs", ""));
}

TEST(ValidateLayout, IndexJsonInvalid) {
    BuiltApp app = SpinAppBuilder().build();
    app.files["index.json"] = R"({"schemaVersion":2,"manifests":[],"manifests":[]})";
    ValidationResult result = validate_files(app.files);
    std::optional<Finding> finding = find_code(result.findings, "JSON-INVALID");
    ASSERT_NE(finding, std::nullopt) << describe(result.findings);
    EXPECT_EQ(finding->file, "index.json");
    EXPECT_NE(finding->message.find("(byte "), std::string::npos) << finding->message;
}

TEST(ValidateLayout, IndexJsonMediaTypeInvalid) {
    SpinAppBuilder builder;
    builder.edit_index = [](rapidjson::Document& doc) {
        testing::set(doc, "/mediaType", testing::quote(media::kOciManifest));
    };
    ValidationResult result = validate_files(builder.build().files);
    EXPECT_TRUE(has_finding(result.findings, "OCI-MEDIATYPE-INVALID", Severity::error, "index.json",
                            "/mediaType"));
}

TEST(ValidateLayout, BlobContentMismatchReportedOnce) {
    SpinAppBuilder builder;
    builder.edit_files = [](BuiltApp& app) {
        std::string& bytes = app.files[blob_path(app.data_digests[0])];
        bytes[0] = bytes[0] == 'x' ? 'y' : 'x';  // same size, other content
    };
    BuiltApp app = builder.build();
    ValidationResult result = validate_files(app.files);
    EXPECT_TRUE(has_finding(result.findings, "OCI-DIGEST-MISMATCH", Severity::error,
                            blob_path(app.data_digests[0]), ""));
    EXPECT_EQ(count_code(result.findings, "OCI-DIGEST-MISMATCH"), 1u);
    EXPECT_EQ(find_code(result.findings, "OCI-DIGEST-MISMATCH")->digest, app.data_digests[0]);

    ValidateOptions no_hashing;
    no_hashing.verify_blobs = false;
    ValidationResult unverified = validate_files(app.files, no_hashing);
    EXPECT_EQ(count_code(unverified.findings, "OCI-DIGEST-MISMATCH"), 0u);
}

TEST(ValidateLayout, DescriptorSizeMismatch) {
    SpinAppBuilder builder;
    builder.edit_manifest = [](rapidjson::Document& doc) {
        testing::set(doc, "/layers/1/size", "3");
    };
    BuiltApp app = builder.build();
    ValidationResult result = validate_files(app.files);
    EXPECT_TRUE(has_finding(result.findings, "OCI-SIZE-MISMATCH", Severity::error,
                            app.manifest_path, "/layers/1/size"));
}

TEST(ValidateLayout, MissingBlobIsAWarningOncePerDigest) {
    ImageLayout layout;
    std::string first = layout.manifest();
    std::string second = layout.manifest(R"(,"annotations":{"x":"y"})");
    layout.add(first);
    layout.add(second);
    layout.files.erase(blob_path(sha256_digest(layout.layer)));
    layout.set_index(descriptor(media::kOciManifest, first) + "," +
                     descriptor(media::kOciManifest, second));
    ValidationResult result = validate_files(layout.files);
    EXPECT_TRUE(has_finding(result.findings, "OCI-BLOB-MISSING", Severity::warning,
                            blob_path(sha256_digest(first)), "/layers/0"));
    EXPECT_EQ(count_code(result.findings, "OCI-BLOB-MISSING"), 1u);
    EXPECT_EQ(find_code(result.findings, "OCI-BLOB-MISSING")->occurrences, 2u)
        << "both manifests' layers reach it";
    EXPECT_TRUE(result.valid());
}

// Findings multiply no more: what every descriptor of one shared blob says is one finding, at
// the first descriptor, counting the others; nested indexes sharing descriptors included.
TEST(ValidateLayout, WhatManyDescriptorsSayOfOneBlobIsOneCountedFinding) {
    ImageLayout layout;
    std::string manifest = layout.manifest();
    std::string manifest_digest = layout.add(manifest);
    std::string wrong = R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
                        manifest_digest + R"(","size":1})";
    std::string gone = R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
                       sha256_digest("not in the layout") + R"(","size":1})";
    std::string odd = R"({"mediaType":"text/plain","digest":")" + manifest_digest + R"(","size":)" +
                      std::to_string(manifest.size()) + "}";
    std::string nested =
        R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",)"
        R"("manifests":[)";
    for (int i = 0; i < 1000; ++i) nested += (i > 0 ? "," : "") + wrong + "," + gone + "," + odd;
    nested += "]}";
    std::string nested_digest = layout.add(nested);
    std::string to_nested = R"({"mediaType":"application/vnd.oci.image.index.v1+json","digest":")" +
                            nested_digest + R"(","size":1})";
    layout.set_index(to_nested + "," + to_nested + "," + wrong);
    ValidationResult result = validate_files(layout.files);

    EXPECT_EQ(count_code(result.findings, "OCI-SIZE-MISMATCH"), 2u) << describe(result.findings);
    std::optional<Finding> nested_size = find_code(result.findings, "OCI-SIZE-MISMATCH");
    ASSERT_TRUE(nested_size);
    EXPECT_EQ(nested_size->file, "index.json");
    EXPECT_EQ(nested_size->pointer, "/manifests/0/size");
    EXPECT_EQ(nested_size->digest, nested_digest);
    EXPECT_EQ(nested_size->occurrences, 2u);
    bool manifest_counted = false;
    for (const Finding& f : result.findings.all()) {
        if (f.code == "OCI-SIZE-MISMATCH" && f.digest == manifest_digest) {
            EXPECT_EQ(f.file, blob_path(nested_digest));
            EXPECT_EQ(f.pointer, "/manifests/0/size");
            EXPECT_EQ(f.occurrences, 1001u) << "1000 in the nested index, 1 in index.json";
            manifest_counted = true;
        }
    }
    EXPECT_TRUE(manifest_counted) << describe(result.findings);
    ASSERT_EQ(count_code(result.findings, "OCI-BLOB-MISSING"), 1u);
    EXPECT_EQ(find_code(result.findings, "OCI-BLOB-MISSING")->occurrences, 1000u);
    EXPECT_EQ(find_code(result.findings, "OCI-BLOB-MISSING")->pointer, "/manifests/1");
    ASSERT_EQ(count_code(result.findings, "OCI-UNKNOWN-MEDIATYPE"), 1u);
    EXPECT_EQ(find_code(result.findings, "OCI-UNKNOWN-MEDIATYPE")->occurrences, 1000u);
    EXPECT_LT(result.findings.size(), 10u) << describe(result.findings);
}

TEST(ValidateLayout, UnreferencedBlobIsInfo) {
    BuiltApp app = SpinAppBuilder().build();
    std::string stray = "stray";
    app.files[blob_path(sha256_digest(stray))] = stray;
    ValidationResult result = validate_files(app.files);
    EXPECT_TRUE(has_finding(result.findings, "OCI-BLOB-UNREFERENCED", Severity::info,
                            blob_path(sha256_digest(stray)), ""));
    EXPECT_EQ(count_code(result.findings, "OCI-BLOB-UNREFERENCED"), 1u);
    EXPECT_TRUE(clean(result.findings));
}

TEST(ValidateLayout, DigestGrammarBrokenInDescriptor) {
    SpinAppBuilder builder;
    builder.edit_manifest = [](rapidjson::Document& doc) {
        testing::set(doc, "/layers/1/digest", R"("sha256:abc!")");
    };
    BuiltApp app = builder.build();
    ValidationResult result = validate_files(app.files);
    EXPECT_TRUE(has_finding(result.findings, "OCI-DIGEST-INVALID", Severity::error,
                            app.manifest_path, "/layers/1/digest"));
    // The schema's pattern failure at the same value is the same problem: reported once.
    for (const Finding& f : result.findings.all()) {
        EXPECT_FALSE(f.code == "OCI-SCHEMA" && f.pointer == "/layers/1/digest")
            << describe(result.findings);
    }
    EXPECT_TRUE(has_finding(result.findings, "OCI-DIGEST-INVALID", Severity::error,
                            app.manifest_path, "/layers/1/digest"));
}

TEST(ValidateLayout, UppercaseSha256IsInvalid) {
    SpinAppBuilder builder;
    builder.edit_manifest = [](rapidjson::Document& doc) {
        std::string upper = doc["layers"][1]["digest"].GetString();
        for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        upper.replace(0, 6, "sha256");
        testing::set(doc, "/layers/1/digest", testing::quote(upper));
    };
    BuiltApp app = builder.build();
    ValidationResult result = validate_files(app.files);
    EXPECT_TRUE(has_finding(result.findings, "OCI-DIGEST-INVALID", Severity::error,
                            app.manifest_path, "/layers/1/digest"));
}

TEST(ValidateLayout, UnverifiableAlgorithmIsAWarning) {
    ImageLayout layout;
    rapidjson::Document doc = testing::json(layout.manifest());
    testing::set(doc, "/layers/0/digest", R"("blake3:0123456789abcdef")");
    std::string manifest = write_canonical(doc);
    layout.add(manifest);
    layout.set_index(descriptor(media::kOciManifest, manifest));
    ValidationResult result = validate_files(layout.files);
    std::string file = blob_path(sha256_digest(manifest));
    EXPECT_TRUE(has_finding(result.findings, "OCI-DIGEST-UNVERIFIABLE", Severity::warning, file,
                            "/layers/0/digest"));
    EXPECT_EQ(result.findings.count(Severity::error), 0u) << describe(result.findings);
}

TEST(ValidateLayout, DescriptorDataUrlsAndAnnotations) {
    SpinAppBuilder builder;
    builder.edit_manifest = [](rapidjson::Document& doc) {
        testing::set(doc, "/layers/1/data", R"("aGVsbG8")");   // no padding
        testing::set(doc, "/layers/2/data", R"("aGVsbG8=")");  // "hello": wrong
        testing::set(doc, "/layers/0/urls", R"(["https://ok.example/x","not a uri"])");
        testing::set(doc, "/annotations/org.opencontainers.image.created", R"("yesterday")");
    };
    BuiltApp app = builder.build();
    ValidationResult result = validate_files(app.files);
    EXPECT_TRUE(has_finding(result.findings, "OCI-DATA-INVALID", Severity::error, app.manifest_path,
                            "/layers/1/data"));
    EXPECT_TRUE(has_finding(result.findings, "OCI-DATA-MISMATCH", Severity::error,
                            app.manifest_path, "/layers/2/data"));
    EXPECT_TRUE(has_finding(result.findings, "OCI-URL-INVALID", Severity::error, app.manifest_path,
                            "/layers/0/urls/1"));
    EXPECT_EQ(count_code(result.findings, "OCI-URL-INVALID"), 1u);
    EXPECT_TRUE(has_finding(result.findings, "OCI-ANNOTATION-CREATED", Severity::warning,
                            app.manifest_path, "/annotations/org.opencontainers.image.created"));
}

TEST(ValidateLayout, RefNameGrammarInIndexJson) {
    SpinAppBuilder builder;
    builder.edit_index = [](rapidjson::Document& doc) {
        testing::set(doc, "/manifests/0/annotations/org.opencontainers.image.ref.name",
                     R"("bad name!")");
    };
    ValidationResult result = validate_files(builder.build().files);
    EXPECT_TRUE(has_finding(result.findings, "OCI-REF-NAME-INVALID", Severity::error, "index.json",
                            "/manifests/0/annotations/org.opencontainers.image.ref.name"));
}

TEST(ValidateLayout, ManifestBodyMediaTypeDiffersFromDescriptor) {
    SpinAppBuilder builder;
    builder.edit_manifest = [](rapidjson::Document& doc) {
        testing::set(doc, "/mediaType", testing::quote(media::kOciIndex));
    };
    BuiltApp app = builder.build();
    ValidationResult result = validate_files(app.files);
    EXPECT_TRUE(has_finding(result.findings, "OCI-MEDIATYPE-MISMATCH", Severity::error,
                            app.manifest_path, "/mediaType"));
    EXPECT_EQ(count_code(result.findings, "OCI-MEDIATYPE-INVALID"), 0u);
}

TEST(ValidateLayout, DescriptorSaysManifestButBlobIsAnIndex) {
    ImageLayout layout;
    std::string manifest = layout.manifest();
    layout.add(manifest);
    std::string nested =
        R"({"schemaVersion":2,"manifests":[)" + descriptor(media::kOciManifest, manifest) + "]}";
    layout.add(nested);
    layout.set_index(descriptor(media::kOciManifest, nested));
    ValidationResult result = validate_files(layout.files);
    EXPECT_TRUE(has_finding(result.findings, "OCI-MEDIATYPE-MISMATCH", Severity::error,
                            blob_path(sha256_digest(nested)), ""));
    // Not followed: the real manifest behind it is unreferenced.
    EXPECT_TRUE(has_finding(result.findings, "OCI-BLOB-UNREFERENCED", Severity::info,
                            blob_path(sha256_digest(manifest)), ""));
}

TEST(ValidateLayout, DescriptorSaysIndexButBlobIsAManifest) {
    ImageLayout layout;
    std::string manifest = layout.manifest();
    layout.add(manifest);
    layout.set_index(descriptor(media::kOciIndex, manifest));
    ValidationResult result = validate_files(layout.files);
    EXPECT_TRUE(has_finding(result.findings, "OCI-MEDIATYPE-MISMATCH", Severity::error,
                            blob_path(sha256_digest(manifest)), ""));
}

TEST(ValidateLayout, ManifestCarryingManifests) {
    ImageLayout layout;
    std::string manifest = layout.manifest(R"(,"manifests":[])");
    layout.add(manifest);
    layout.set_index(descriptor(media::kOciManifest, manifest));
    ValidationResult result = validate_files(layout.files);
    EXPECT_TRUE(has_finding(result.findings, "OCI-MANIFEST-HAS-MANIFESTS", Severity::error,
                            blob_path(sha256_digest(manifest)), "/manifests"));
}

TEST(ValidateLayout, NestedIndexIsFollowed) {
    ImageLayout layout;
    std::string manifest = layout.manifest();
    std::string manifest_digest = layout.add(manifest);
    std::string nested = R"({"schemaVersion":2,"mediaType":")" + std::string(media::kOciIndex) +
                         R"(","manifests":[)" + descriptor(media::kOciManifest, manifest) + "]}";
    std::string nested_digest = layout.add(nested);
    std::string top = descriptor(media::kOciIndex, nested);
    top.insert(1, R"("annotations":{"org.opencontainers.image.ref.name":"v1"},)");
    layout.set_index(top);
    ValidationResult result = validate_files(layout.files);
    EXPECT_TRUE(result.findings.empty()) << describe(result.findings);
    ASSERT_EQ(result.manifests.size(), 1u);
    EXPECT_EQ(result.manifests.all()[0].digest, manifest_digest);
    EXPECT_EQ(result.manifests.all()[0].ref_name, "v1");
    EXPECT_EQ(result.manifests.all()[0].index_pointer, blob_path(nested_digest) + "#/manifests/0");
    EXPECT_EQ(result.manifests.all()[0].file, blob_path(manifest_digest));
}

TEST(ValidateLayout, NestedIndexCarryingLayers) {
    ImageLayout layout;
    std::string manifest = layout.manifest();
    layout.add(manifest);
    std::string nested = R"({"schemaVersion":2,"layers":[],"manifests":[)" +
                         descriptor(media::kOciManifest, manifest) + "]}";
    layout.add(nested);
    layout.set_index(descriptor(media::kOciIndex, nested));
    ValidationResult result = validate_files(layout.files);
    EXPECT_TRUE(has_finding(result.findings, "OCI-INDEX-HAS-LAYERS", Severity::error,
                            blob_path(sha256_digest(nested)), "/layers"));
    EXPECT_EQ(result.manifests.size(), 1u);
}

TEST(ValidateLayout, IndexCycleIsDetected) {
    // Content addressing makes a real cycle impossible, but a blob whose name lies can form
    // one; without hashing nothing notices the lie.
    std::string name = sha256_digest("placeholder");
    std::string body_start = R"({"schemaVersion":2,"manifests":[{"mediaType":")" +
                             std::string(media::kOciIndex) + R"(","digest":")" + name +
                             R"(","size":)";
    std::string body = body_start + "000}]}";
    body = body_start + std::to_string(body.size()) + "}]}";
    ASSERT_EQ(body.size(), body_start.size() + 6);
    Files files{{"oci-layout", kLayout}, {blob_path(name), body}};
    files["index.json"] = R"({"schemaVersion":2,"manifests":[{"mediaType":")" +
                          std::string(media::kOciIndex) + R"(","digest":")" + name +
                          R"(","size":)" + std::to_string(body.size()) + "}]}";
    ValidateOptions options;
    options.verify_blobs = false;
    ValidationResult result = validate_files(files, options);
    EXPECT_TRUE(has_finding(result.findings, "OCI-INDEX-CYCLE", Severity::error, blob_path(name),
                            "/manifests/0"));
    EXPECT_EQ(count_code(result.findings, "OCI-INDEX-CYCLE"), 1u);
}

TEST(ValidateLayout, UnknownMediaTypeIsInfoOnly) {
    ImageLayout layout;
    std::string thing = "opaque";
    layout.add(thing);
    layout.set_index(descriptor("application/vnd.example.thing", thing));
    ValidationResult result = validate_files(layout.files);
    EXPECT_TRUE(has_finding(result.findings, "OCI-UNKNOWN-MEDIATYPE", Severity::info, "index.json",
                            "/manifests/0/mediaType"));
    EXPECT_TRUE(clean(result.findings));
    EXPECT_EQ(count_code(result.findings, "OCI-BLOB-UNREFERENCED"), 2u)  // config and layer
        << describe(result.findings);
}

TEST(ValidateLayout, ManifestJsonInvalid) {
    ImageLayout layout;
    std::string manifest = "{\"schemaVersion\":2,\"config\":{},\"config\":{}}";
    layout.add(manifest);
    layout.set_index(descriptor(media::kOciManifest, manifest));
    ValidationResult result = validate_files(layout.files);
    std::optional<Finding> finding = find_code(result.findings, "JSON-INVALID");
    ASSERT_NE(finding, std::nullopt) << describe(result.findings);
    EXPECT_EQ(finding->file, blob_path(sha256_digest(manifest)));
    EXPECT_NE(finding->message.find("(byte "), std::string::npos);
}

TEST(ValidateLayout, ManifestFailsSchema) {
    SpinAppBuilder builder;
    builder.edit_manifest = [](rapidjson::Document& doc) {
        testing::set(doc, "/schemaVersion", "3");
    };
    BuiltApp app = builder.build();
    ValidationResult result = validate_files(app.files);
    EXPECT_TRUE(has_finding(result.findings, "OCI-SCHEMA", Severity::error, app.manifest_path,
                            "/schemaVersion"));
}

TEST(ValidateLayout, ImageConfigEnvCheckedOncePerBlob) {
    ImageLayout layout;
    layout.files.erase(blob_path(sha256_digest(layout.config)));
    layout.config = R"({"architecture":"amd64","os":"linux","config":{"Env":["NOEQUALS"]},)"
                    R"("rootfs":{"type":"layers","diff_ids":[]}})";
    std::string config_digest = layout.add(layout.config);
    std::string first = layout.manifest();
    std::string second = layout.manifest(R"(,"annotations":{"k":"v"})");
    layout.add(first);
    layout.add(second);
    // Three descriptors reach two manifests sharing one config.
    layout.set_index(descriptor(media::kOciManifest, first) + "," +
                     descriptor(media::kOciManifest, second) + "," +
                     descriptor(media::kOciManifest, first));
    ValidationResult result = validate_files(layout.files);
    EXPECT_TRUE(has_finding(result.findings, "OCI-CONFIG-ENV", Severity::error,
                            blob_path(config_digest), "/config/Env/0"));
    EXPECT_EQ(count_code(result.findings, "OCI-CONFIG-ENV"), 1u);
    EXPECT_EQ(result.manifests.size(), 3u);
    EXPECT_EQ(result.formats, std::vector<ManifestFormat>{ManifestFormat::oci_image});
}

TEST(ValidateLayout, EmptyConfigNeedsArtifactType) {
    ImageLayout layout;
    layout.add("{}");
    std::string manifest = R"({"schemaVersion":2,"mediaType":")" +
                           std::string(media::kOciManifest) + R"(","config":)" +
                           descriptor(media::kOciEmpty, "{}") + R"(,"layers":[]})";
    layout.add(manifest);
    layout.set_index(descriptor(media::kOciManifest, manifest));
    ValidationResult result = validate_files(layout.files);
    std::string file = blob_path(sha256_digest(manifest));
    EXPECT_TRUE(has_finding(result.findings, "OCI-ARTIFACTTYPE-REQUIRED", Severity::error, file,
                            "/config/mediaType"));
    EXPECT_TRUE(
        has_finding(result.findings, "OCI-LAYERS-EMPTY", Severity::warning, file, "/layers"));
}

TEST(ValidateLayout, DocumentTooLargeOnAStream) {
    // A manifest the pass did not keep, on an input that cannot be read again.
    class StreamSource : public LayoutSource {
      public:
        const std::string& name() const override { return name_; }
        Status scan(const ScanOptions&, LayoutScan&) override { return Status::ok(); }
        bool can_reread() const override { return false; }
        Status read_blob(const std::string&,
                         const std::function<Status(const char*, std::size_t)>&) override {
            return Status::io_error("stream");
        }

      private:
        std::string name_ = "-";
    } source;
    std::string digest = sha256_digest("big manifest");
    LayoutScan scan;
    scan.oci_layout = kLayout;
    scan.index_json = R"({"schemaVersion":2,"manifests":[{"mediaType":")" +
                      std::string(media::kOciManifest) + R"(","digest":")" + digest +
                      R"(","size":20000000}]})";
    BlobRecord record("sha256", digest.substr(7));
    record.size = 20000000;
    scan.blobs.add(std::move(record));
    scan.blobs.seal();
    ValidationResult result;
    validate_scan(source, scan, {}, result);
    EXPECT_TRUE(has_finding(result.findings, "OCI-DOCUMENT-TOO-LARGE", Severity::error,
                            blob_path(digest), ""));
}

// Documents the pass did not keep are read again on every core where the source allows it. The
// findings are the ones a single thread reports, in its order; a document that reads differently
// the second time is left to the walk, which reports it once.
TEST(ValidateLayout, DocumentsReadAgainInParallelReportAsOneThread) {
    class RereadSource : public LayoutSource {
      public:
        RereadSource(const Files& files, std::string changed)
            : inner_(make_memory_source("memory", files)), changed_(std::move(changed)) {}
        const std::string& name() const override { return inner_->name(); }
        Status scan(const ScanOptions& options, LayoutScan& out) override {
            Status status = inner_->scan(options, out);
            for (BlobRecord& record : out.blobs) record.content.reset();
            return status;
        }
        bool can_reread() const override { return true; }
        bool can_reread_in_parallel() const override { return true; }
        Status read_blob(const std::string& path,
                         const std::function<Status(const char*, std::size_t)>& fn) override {
            ++reads;
            if (path == changed_) return fn("{}", 2);
            return inner_->read_blob(path, fn);
        }
        std::atomic<int> reads{0};

      private:
        std::unique_ptr<LayoutSource> inner_;
        std::string changed_;
    };

    ImageLayout layout;
    std::string entries;
    std::string changed;
    std::string broken;
    for (int i = 0; i < 12; ++i) {
        std::string annotation = i == 4 ? "4" : "\"" + std::to_string(i) + "\"";
        std::string manifest = layout.manifest(R"(,"annotations":{"n":)" + annotation + "}");
        std::string digest = layout.add(manifest);
        if (i == 4) broken = blob_path(digest);
        if (i == 7) changed = blob_path(digest);
        entries += (i == 0 ? "" : ",") + descriptor(media::kOciManifest, manifest);
    }
    layout.set_index(entries);

    auto findings_of = [&](unsigned threads, int& reads) {
        RereadSource source(layout.files, changed);
        ValidateOptions options;
        options.threads = threads;
        ValidationResult result;
        EXPECT_TRUE(validate_layout(source, options, result));
        reads = source.reads;
        return result.findings;
    };
    int reads_one = 0;
    int reads_two = 0;
    Findings one = findings_of(1, reads_one);
    Findings two = findings_of(2, reads_two);
    EXPECT_EQ(describe(two), describe(one));
    EXPECT_EQ(count_code(two, "OCI-BLOB-UNREADABLE"), 1u) << describe(two);
    EXPECT_TRUE(has_finding(two, "OCI-BLOB-UNREADABLE", Severity::error, changed, ""));
    EXPECT_TRUE(has_finding(two, "OCI-SCHEMA", Severity::error, broken, "/annotations/n"));
    EXPECT_EQ(two.size(), 2u) << describe(two);
    // 12 manifests, the config and the layer's head; the changed manifest twice with 2 threads.
    EXPECT_EQ(reads_two, reads_one + 1);
}

TEST(ValidateLayout, LargeManifestIsAWarning) {
    ImageLayout layout;
    std::string manifest =
        layout.manifest(R"(,"annotations":{"big":")" + std::string(4 * kMiB, 'a') + "\"}");
    layout.add(manifest);
    layout.set_index(descriptor(media::kOciManifest, manifest));
    ValidationResult result = validate_files(layout.files);
    EXPECT_TRUE(has_finding(result.findings, "OCI-MANIFEST-TOO-LARGE", Severity::warning,
                            blob_path(sha256_digest(manifest)), ""));
    EXPECT_TRUE(result.valid());
}

TEST(ValidateLayout, DockerManifestsAreFollowedLeniently) {
    ImageLayout layout;
    std::string manifest =
        R"({"schemaVersion":2,"mediaType":")" + std::string(media::kDockerManifest) +
        R"(","config":)" +
        descriptor("application/vnd.docker.container.image.v1+json", layout.config) +
        R"(,"layers":[)" +
        descriptor("application/vnd.docker.image.rootfs.diff.tar.gzip", layout.layer) + "]}";
    layout.add(manifest);
    layout.set_index(descriptor(media::kDockerManifest, manifest));
    ValidationResult result = validate_files(layout.files);
    EXPECT_TRUE(result.findings.empty()) << describe(result.findings);
    ASSERT_EQ(result.manifests.size(), 1u);
    EXPECT_EQ(result.manifests.all()[0].format, ManifestFormat::oci_image);
}

// Inside a layout a Docker manifest is Docker's by its descriptor: its schema applies (a layer
// without a size) and no OCI-DOCKER-FORMAT note is needed (the descriptor says it).
TEST(ValidateLayout, DockerManifestsFollowDockersSchema) {
    ImageLayout layout;
    std::string manifest =
        R"({"schemaVersion":2,"mediaType":")" + std::string(media::kDockerManifest) +
        R"(","config":)" +
        descriptor("application/vnd.docker.container.image.v1+json", layout.config) +
        R"(,"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","digest":")" +
        sha256_digest(layout.layer) + R"("}]})";
    layout.add(manifest);
    std::string list = R"({"schemaVersion":2,"mediaType":")" +
                       std::string(media::kDockerManifestList) + R"(","manifests":[)" +
                       descriptor(media::kDockerManifest, manifest) + "]}";
    layout.add(list);
    layout.set_index(descriptor(media::kDockerManifestList, list));
    ValidationResult result = validate_files(layout.files);
    EXPECT_TRUE(has_finding(result.findings, "OCI-DOCKER-SCHEMA", Severity::error,
                            blob_path(sha256_digest(manifest)), "/layers/0"))
        << describe(result.findings);
    EXPECT_TRUE(has_finding(result.findings, "OCI-DOCKER-SCHEMA", Severity::error,
                            blob_path(sha256_digest(list)), "/manifests/0"))
        << describe(result.findings);  // no platform
    EXPECT_EQ(count_code(result.findings, "OCI-DOCKER-FORMAT"), 0u);
}

// A referrer's subject may be elsewhere (a signature copied without what it signed): no error
// or warning, one info finding at /subject naming the subject.
TEST(ValidateLayout, SubjectMayBeAbsent) {
    ImageLayout layout;
    std::string manifest = layout.manifest(
        R"(,"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
        sha256_digest("elsewhere") + R"(","size":9})");
    layout.add(manifest);
    layout.set_index(descriptor(media::kOciManifest, manifest));
    ValidationResult result = validate_files(layout.files);
    ASSERT_EQ(result.findings.size(), 1u) << describe(result.findings);
    const Finding finding = result.findings.all()[0];
    EXPECT_EQ(finding.code, codes::kOciSubjectNotInLayout);
    EXPECT_EQ(finding.severity, Severity::info);
    EXPECT_EQ(finding.pointer, "/subject");
    EXPECT_EQ(finding.digest, sha256_digest("elsewhere"));
}

// A subject that index.json reaches, declared with the type it is reached as, is no finding; with
// another type it is OCI-MEDIATYPE-MISMATCH (the descriptor says what the blob is not).
TEST(ValidateLayout, SubjectInTheLayoutKeepsItsMediaType) {
    for (std::string_view type : {media::kOciManifest, media::kOciIndex}) {
        ImageLayout layout;
        std::string app = layout.manifest("");
        layout.add(app);
        std::string signature =
            layout.manifest(R"(,"subject":{"mediaType":")" + std::string(type) + R"(","digest":")" +
                            sha256_digest(app) + R"(","size":)" + std::to_string(app.size()) + "}");
        layout.add(signature);
        layout.set_index(descriptor(media::kOciManifest, app) + "," +
                         descriptor(media::kOciManifest, signature));
        ValidationResult result = validate_files(layout.files);
        if (type == media::kOciManifest) {
            EXPECT_TRUE(clean(result.findings));
            EXPECT_FALSE(result.findings.contains(codes::kOciSubjectNotInLayout));
        } else {
            EXPECT_EQ(result.findings.count(Severity::error), 1u) << describe(result.findings);
            EXPECT_TRUE(result.findings.contains(codes::kOciMediatypeMismatch));
        }
    }
}

TEST(ValidateLayout, TwoFormatsInOneLayoutInFirstSeenOrder) {
    SpinAppBuilder old_builder;
    old_builder.new_format = false;
    BuiltApp old_app = old_builder.build();
    BuiltApp new_app = SpinAppBuilder().build();
    Files files = new_app.files;
    for (const auto& [path, bytes] : old_app.files) files.insert({path, bytes});
    std::string old_manifest = old_app.files[old_app.manifest_path];
    std::string new_manifest = new_app.files[new_app.manifest_path];
    files["index.json"] = R"({"schemaVersion":2,"manifests":[)" +
                          descriptor(media::kOciManifest, old_manifest) + "," +
                          descriptor(media::kOciManifest, new_manifest) + "]}";
    ValidationResult result = validate_files(files);
    EXPECT_TRUE(clean(result.findings));
    EXPECT_EQ(result.formats, (std::vector<ManifestFormat>{ManifestFormat::spin_v1_config,
                                                           ManifestFormat::spin_oci_layer}));
    ASSERT_EQ(result.manifests.size(), 2u);
    EXPECT_EQ(result.manifests.all()[1].index_pointer, "/manifests/1");
}

// 700 Spin apps, with lockfiles that fail their schema or do not parse, manifests and image
// configs that fail theirs, and manifests and lockfiles shared by several apps; `manifests`
// gets their descriptors.
Files threads_test_apps(std::vector<std::string>& manifests) {
    Files files;
    for (int i = 0; i < 700; ++i) {
        SpinAppBuilder builder;
        builder.new_format = i % 2 == 0;
        int app = i % 600;  // the last 100 repeat earlier apps: shared manifests and lockfiles
        builder.edit_lockfile = [app](rapidjson::Document& doc) {
            testing::set(doc, "/metadata/name", testing::quote("app-" + std::to_string(app)));
            if (app % 7 == 0) testing::set(doc, "/spin_lock_version", R"("zero")");
        };
        if (app % 17 == 0) {
            builder.lockfile_bytes_override = R"({"a":1,"a":)" + std::to_string(app) + "}";
        }
        if (app % 11 == 0) {
            builder.edit_manifest = [](rapidjson::Document& doc) {
                testing::set(doc, "/layers/0/size", R"("big")");
            };
        }
        if (app % 13 == 0) {
            builder.edit_config = [](rapidjson::Document& doc) { testing::set(doc, "/os", "5"); };
        }
        BuiltApp built = builder.build();
        for (const auto& [path, bytes] : built.files) {
            if (path != "index.json") files[path] = bytes;
        }
        manifests.push_back(descriptor(media::kOciManifest, built.files[built.manifest_path]));
    }
    return files;
}

std::string join(const std::vector<std::string>& items, std::size_t first, std::size_t last) {
    std::string joined;
    for (std::size_t i = first; i < last; ++i) joined += (i > first ? "," : "") + items[i];
    return joined;
}

// Validates `files` with one thread and with four: same findings in the same order, same
// manifests, same formats; gives the findings of one thread.
Findings expect_threads_give_one_thread(const Files& files, std::size_t manifest_count) {
    ValidateOptions one;
    one.threads = 1;
    ValidateOptions four;
    four.threads = 4;
    ValidationResult alone = validate_files(files, one);
    ValidationResult shared = validate_files(files, four);
    for (const char* code : {"SPIN-LOCKFILE-SCHEMA", "SPIN-LOCKFILE-INVALID", "OCI-SCHEMA"}) {
        EXPECT_GT(count_code(alone.findings, code), 10u) << code;
    }
    EXPECT_EQ(shared.findings.size(), alone.findings.size());
    if (shared.findings.size() != alone.findings.size()) return alone.findings;
    std::vector<Finding> alone_findings = alone.findings.all();
    std::vector<Finding> shared_findings = shared.findings.all();
    for (std::size_t i = 0; i < alone_findings.size(); ++i) {
        const Finding& a = alone_findings[i];
        const Finding& b = shared_findings[i];
        EXPECT_TRUE(a.code == b.code && a.message == b.message && a.file == b.file &&
                    a.pointer == b.pointer && a.severity == b.severity && a.digest == b.digest)
            << "finding " << i << ": " << a.code << " " << a.message << "\n  vs " << b.code << " "
            << b.message;
    }
    EXPECT_EQ(shared.manifests.size(), manifest_count);
    std::vector<ManifestEntry> alone_manifests = alone.manifests.all();
    std::vector<ManifestEntry> shared_manifests = shared.manifests.all();
    EXPECT_EQ(shared_manifests.size(), alone_manifests.size());
    if (shared_manifests.size() != alone_manifests.size()) return alone.findings;
    for (std::size_t i = 0; i < shared_manifests.size(); ++i) {
        EXPECT_EQ(shared_manifests[i].digest, alone_manifests[i].digest);
        EXPECT_EQ(shared_manifests[i].index_pointer, alone_manifests[i].index_pointer);
        EXPECT_EQ(shared_manifests[i].format, alone_manifests[i].format);
    }
    EXPECT_EQ(shared.formats, alone.formats);
    return alone.findings;
}

// The walk checks the documents of each window of manifests ahead on several threads; the
// findings must come out as one thread makes them: same findings, same order, across windows,
// with documents that fail their schema, do not parse, or are shared by several manifests.
TEST(ValidateLayout, ThreadsGiveTheFindingsOfOneThread) {
    std::vector<std::string> manifests;
    Files files = threads_test_apps(manifests);
    files["index.json"] =
        R"({"schemaVersion":2,"manifests":[)" + join(manifests, 0, manifests.size()) + "]}";
    expect_threads_give_one_thread(files, 700);
}

// The same apps in nested indexes, whose first manifests are checked ahead while the walk checks
// the index itself: the findings of an index (here a schema error and an unknown media type of
// an entry) still come before those of its manifests.
TEST(ValidateLayout, ThreadsGiveTheFindingsOfOneThreadInNestedIndexes) {
    std::vector<std::string> manifests;
    Files files = threads_test_apps(manifests);
    std::string top;
    for (std::size_t first = 0; first < manifests.size(); first += 300) {
        std::string entries = join(manifests, first, std::min(manifests.size(), first + 300));
        std::string nested =
            R"({"schemaVersion":2,"mediaType":")" + std::string(media::kOciIndex) +
            R"(","manifests":[)" + entries + R"(,{"mediaType":"text/plain","digest":"sha256:)" +
            std::string(64, static_cast<char>('a' + first / 300)) + R"(","size":1}])";
        if (first == 300) nested += R"(,"annotations":{"a":1})";
        nested += "}";
        files[blob_path(sha256_digest(nested))] = nested;
        top += (top.empty() ? "" : ",") + descriptor(media::kOciIndex, nested);
    }
    files["index.json"] = R"({"schemaVersion":2,"manifests":[)" + top + "]}";
    Findings findings = expect_threads_give_one_thread(files, 700);
    EXPECT_EQ(count_code(findings, "OCI-UNKNOWN-MEDIATYPE"), 3u);
    std::size_t index_schema = 0;
    for (const Finding& finding : findings.all()) {
        if (finding.code == "OCI-SCHEMA" && finding.pointer == "/annotations/a") ++index_schema;
    }
    EXPECT_EQ(index_schema, 1u) << describe(findings);
}

TEST(ValidateLayout, TenThousandManifestsAllReportedClean) {
    ImageLayout layout;
    std::string manifests;
    constexpr int kCount = 10000;
    manifests.reserve(kCount * 200);
    for (int i = 0; i < kCount; ++i) {
        std::string manifest =
            layout.manifest(R"(,"annotations":{"n":")" + std::to_string(i) + "\"}");
        layout.add(manifest);
        if (i > 0) manifests += ",";
        manifests += descriptor(media::kOciManifest, manifest);
    }
    layout.set_index(manifests);
    // Their speed and its growth to 100,000 are scripts/bench.sh's to measure, never a test's.
    ValidationResult result = validate_files(layout.files);
    EXPECT_TRUE(result.findings.empty()) << describe(result.findings);
    EXPECT_EQ(result.manifests.size(), static_cast<std::size_t>(kCount));
}

TEST(ManifestEntries, KeepOrderAndFieldsBeyondWhatIsHeld) {
    ManifestEntries entries;
    const std::size_t kCount = 20000;  // about 1.7 MB of records: more than the 1 MiB held
    for (std::size_t i = 0; i < kCount; ++i) {
        std::string n = std::to_string(i);
        entries.push_back({"sha256:" + n, i % 2 ? "ref" + n : "", "blobs/sha256/" + n,
                           "/manifests/" + n,
                           i % 3 ? ManifestFormat::oci_image : ManifestFormat::spin_oci_layer});
    }
    ASSERT_EQ(entries.size(), kCount);
    std::size_t i = 0;
    bool all_match = true;
    entries.for_each([&](const ManifestEntry& e) {
        std::string n = std::to_string(i);
        all_match =
            all_match && e.digest == "sha256:" + n && e.ref_name == (i % 2 ? "ref" + n : "") &&
            e.file == "blobs/sha256/" + n && e.index_pointer == "/manifests/" + n &&
            e.format == (i % 3 ? ManifestFormat::oci_image : ManifestFormat::spin_oci_layer);
        ++i;
    });
    EXPECT_EQ(i, kCount);
    EXPECT_TRUE(all_match);
    ManifestEntries copy = entries;
    EXPECT_EQ(copy.all().back().digest, "sha256:19999");
    EXPECT_TRUE(ManifestEntries().empty());
}

}  // namespace
}  // namespace ociwasm
