// inspect: what oci-wasm-inspect shows of the shipped fixtures and of small broken layouts, its
// JSON output against schemas/inspect-output.schema.json, and the lockfile/blob extraction.
#include "ociwasm/inspect.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "layout_source_internal.h"
#include "ociwasm/digest.h"
#include "ociwasm/json.h"
#include "ociwasm/layout.h"
#include "ociwasm/media_types.h"
#include "ociwasm/schema.h"
#include "test_support.h"

namespace ociwasm {
namespace {

using testing::read_file;
using testing::source_dir;

constexpr std::string_view kHelloWasm =
    "sha256:3bcb7c1811b9eaf774f8a7797784388146ef56ca4d793f4e4088a90afe550490";
constexpr std::string_view kGreetWasm =
    "sha256:8e25d70f060f49865d040a5f26c8e1cc90e345593fd75374213bd696769bbcf3";
constexpr std::string_view kHelloLockfile =
    "sha256:7ccbd1291799e84afaec96972393bfea03c06c6f1282ba82e66686d408508ffd";
constexpr std::string_view kMultiLockfile =
    "sha256:4b7ed034615ab68b473eca38774471a4368c6dcc7aa034afb5ce404493dd9616";

std::string fixture(std::string_view name) {
    return (source_dir() / "fixtures" / std::string(name)).string();
}

std::string blob_bytes(std::string_view layout, std::string_view digest) {
    std::string hex(digest.substr(digest.find(':') + 1));
    return read_file(source_dir() / "fixtures" / std::string(layout) / "blobs" / "sha256" / hex);
}

InspectResult inspect_ok(const std::string& input, const std::string& ref = "") {
    std::unique_ptr<LayoutSource> source;
    Status status = open_layout_source(input, source);
    EXPECT_TRUE(status) << status.message();
    InspectResult result;
    if (!status) return result;
    InspectOptions options;
    options.ref_name = ref;
    status = inspect_layout(*source, options, result);
    EXPECT_TRUE(status) << input << ": " << status.message();
    return result;
}

std::vector<std::string> component_ids(const LockfileSummary& lock) {
    std::vector<std::string> ids;
    for (const LockfileComponent& component : lock.components) ids.push_back(component.id);
    return ids;
}

// The JSON output parses and satisfies its schema; returns the parsed document.
rapidjson::Document check_json_output(const InspectResult& result) {
    std::string text = render_inspect_json(result);
    EXPECT_EQ(text.back(), '\n');
    EXPECT_EQ(text.find('\n'), text.size() - 1) << "expected one line, found: " << text;
    rapidjson::Document doc;
    JsonError error;
    EXPECT_TRUE(parse_json(std::string_view(text).substr(0, text.size() - 1), doc, &error))
        << error.message << " at byte " << error.offset << " of " << text;
    Findings findings;
    bool valid = check_schema_named("inspect-output.schema.json", doc, "inspect output", findings,
                                    "INSPECT-OUTPUT");
    EXPECT_TRUE(valid) << text;
    for (const Finding& finding : findings.all()) {
        ADD_FAILURE() << finding.pointer << ": " << finding.message;
    }
    return doc;
}

// ---- small in-memory layouts ----

using Files = std::map<std::string, std::string>;

std::string path_of(std::string_view digest) {
    return "blobs/sha256/" + std::string(digest.substr(digest.find(':') + 1));
}

std::string descriptor_json(std::string_view media_type, std::string_view bytes) {
    return R"({"mediaType":")" + std::string(media_type) + R"(","digest":")" +
           sha256_digest(bytes) + R"(","size":)" + std::to_string(bytes.size()) + "}";
}

std::string lockfile_json(std::string_view id, std::string_view wasm_digest) {
    return R"({"spin_lock_version":0,"components":[{"id":")" + std::string(id) +
           R"(","source":{"content_type":"application/wasm","digest":")" +
           std::string(wasm_digest) + R"("}}],"triggers":[{"id":"t-)" + std::string(id) +
           R"(","trigger_type":"http","trigger_config":{"component":")" + std::string(id) +
           R"(","route":"/..."}}]})";
}

struct MemoryApp {
    std::string manifest;  // bytes
    std::string lockfile;  // bytes
};

// Adds an old-format Spin app (config = lockfile) with one wasm layer to `files`.
MemoryApp add_old_app(Files& files, std::string_view id, std::string wasm) {
    std::string wasm_digest = sha256_digest(wasm);
    std::string lock = lockfile_json(id, wasm_digest);
    std::string manifest = R"({"schemaVersion":2,"config":)" +
                           descriptor_json(media::kSpinLockfile, lock) + R"(,"layers":[)" +
                           descriptor_json(media::kWasmLayer, wasm) + "]}";
    files[path_of(wasm_digest)] = wasm;
    files[path_of(sha256_digest(lock))] = lock;
    files[path_of(sha256_digest(manifest))] = manifest;
    return {manifest, lock};
}

std::string index_entry(std::string_view manifest, std::string_view ref) {
    std::string entry = descriptor_json(media::kOciManifest, manifest);
    entry.pop_back();
    return entry + R"(,"annotations":{"org.opencontainers.image.ref.name":")" + std::string(ref) +
           R"("}})";
}

Files base_layout() {
    return {{"oci-layout", R"({"imageLayoutVersion":"1.0.0"})"}, {"blobs/", ""}};
}

const std::string kModule = std::string("\0asm\x01\x00\x00\x00", 8) + "module body";
const std::string kComponent = std::string("\0asm\x0d\x00\x01\x00", 8) + "component body";

// ---- the fixtures ----

TEST(InspectFixtures, NewFormatHelloShowsEverySection) {
    InspectResult result = inspect_ok(fixture("spin-oci-layer/hello"));
    EXPECT_EQ(result.input, fixture("spin-oci-layer/hello"));
    EXPECT_EQ(result.index_entries, 1u);
    EXPECT_EQ(result.ref_names, std::vector<std::string>{"hello:v1"});
    EXPECT_EQ(result.formats, std::vector<ManifestFormat>{ManifestFormat::spin_oci_layer});
    EXPECT_FALSE(result.findings.has_errors());
    EXPECT_EQ(result.blob_count, 4u);
    ASSERT_EQ(result.entries.size(), 1u);
    const InspectEntry& entry = result.entries[0];
    EXPECT_EQ(entry.ref_name, "hello:v1");
    EXPECT_EQ(entry.location, "index.json#/manifests/0");
    EXPECT_EQ(entry.kind, InspectEntry::Kind::manifest);
    EXPECT_EQ(entry.problem, "");
    EXPECT_EQ(entry.format, ManifestFormat::spin_oci_layer);
    EXPECT_EQ(entry.descriptor.media_type, media::kOciManifest);
    EXPECT_EQ(entry.artifact_type, media::kComponentArtifactType);
    ASSERT_TRUE(entry.platform);
    EXPECT_EQ(entry.platform->os, "wasip1");
    EXPECT_EQ(entry.platform->architecture, "wasm");
    EXPECT_EQ(entry.platform->source, "config");
    EXPECT_FALSE(entry.descriptor_platform);
    EXPECT_EQ(entry.annotations.at("org.opencontainers.image.title"), "hello");
    EXPECT_EQ(entry.annotations.at("org.opencontainers.image.created"),
              "2024-01-01T00:00:00+00:00");
    ASSERT_TRUE(entry.config);
    EXPECT_EQ(entry.config->media_type, media::kOciConfig);
    EXPECT_EQ(entry.config->size, 209u);
    ASSERT_EQ(entry.layers.size(), 2u);
    EXPECT_EQ(entry.layers[0].descriptor.digest, kHelloWasm);
    EXPECT_EQ(entry.layers[0].descriptor.size, 170u);
    EXPECT_EQ(entry.layers[0].wasm, WasmKind::module);
    EXPECT_EQ(entry.layers[1].descriptor.media_type, media::kSpinLockfile);
    EXPECT_EQ(entry.layers[1].wasm, WasmKind::not_applicable);
    ASSERT_TRUE(entry.lockfile);
    const LockfileSummary& lock = *entry.lockfile;
    EXPECT_EQ(lock.digest, kHelloLockfile);
    EXPECT_EQ(lock.location, "layers/1");
    EXPECT_EQ(lock.problem, "");
    EXPECT_EQ(lock.spin_lock_version, 0);
    ASSERT_EQ(lock.components.size(), 1u);
    EXPECT_EQ(lock.components[0].id, "hello");
    EXPECT_EQ(lock.components[0].source_digest, kHelloWasm);
    EXPECT_EQ(lock.components[0].files, 0u);
    ASSERT_EQ(lock.triggers.size(), 1u);
    EXPECT_EQ(lock.triggers[0].id, "trigger--hello");
    EXPECT_EQ(lock.triggers[0].type, "http");
    EXPECT_EQ(lock.triggers[0].component, "hello");
    check_json_output(result);
}

TEST(InspectFixtures, OldFormatMultiTarHasTheLockfileAsConfig) {
    InspectResult result = inspect_ok(fixture("spin-v1-config/multi.tar"));
    EXPECT_EQ(result.ref_names, std::vector<std::string>{"multi:v1"});
    EXPECT_EQ(result.formats, std::vector<ManifestFormat>{ManifestFormat::spin_v1_config});
    ASSERT_EQ(result.entries.size(), 1u);
    const InspectEntry& entry = result.entries[0];
    EXPECT_EQ(entry.format, ManifestFormat::spin_v1_config);
    EXPECT_EQ(entry.artifact_type, "");
    EXPECT_FALSE(entry.platform) << "the old format's config is the lockfile, no platform";
    EXPECT_TRUE(entry.annotations.empty());
    ASSERT_TRUE(entry.config);
    EXPECT_EQ(entry.config->media_type, media::kSpinLockfile);
    ASSERT_EQ(entry.layers.size(), 5u);
    std::vector<WasmKind> kinds;
    for (const InspectLayer& layer : entry.layers) kinds.push_back(layer.wasm);
    EXPECT_EQ(kinds, (std::vector<WasmKind>{WasmKind::module, WasmKind::not_applicable,
                                            WasmKind::not_applicable, WasmKind::module,
                                            WasmKind::not_applicable}));
    ASSERT_TRUE(entry.lockfile);
    EXPECT_EQ(entry.lockfile->location, "config");
    EXPECT_EQ(entry.lockfile->digest, kMultiLockfile);
    EXPECT_EQ(component_ids(*entry.lockfile), (std::vector<std::string>{"hello", "greet"}));
    EXPECT_EQ(entry.lockfile->components[0].files, 2u);
    EXPECT_EQ(entry.lockfile->components[1].files, 1u);
    EXPECT_EQ(entry.lockfile->components[1].source_digest, kGreetWasm);
    ASSERT_EQ(entry.lockfile->triggers.size(), 2u);
    EXPECT_EQ(entry.lockfile->triggers[1].id, "trigger--greet");
    EXPECT_EQ(entry.lockfile->triggers[1].component, "greet");
    check_json_output(result);
}

TEST(InspectFixtures, BothFormatsOfMultiShareTheLockfile) {
    InspectResult old_format = inspect_ok(fixture("spin-v1-config/multi"));
    InspectResult new_format = inspect_ok(fixture("spin-oci-layer/multi.tar"));
    ASSERT_EQ(old_format.entries.size(), 1u);
    ASSERT_EQ(new_format.entries.size(), 1u);
    ASSERT_TRUE(old_format.entries[0].lockfile);
    ASSERT_TRUE(new_format.entries[0].lockfile);
    EXPECT_EQ(new_format.entries[0].lockfile->digest, old_format.entries[0].lockfile->digest);
    EXPECT_EQ(new_format.entries[0].lockfile->location, "layers/5");
    EXPECT_EQ(component_ids(*new_format.entries[0].lockfile),
              (std::vector<std::string>{"hello", "greet"}));
}

TEST(InspectFixtures, LockV1HasAComponentBinaryAndVersionOne) {
    InspectResult result = inspect_ok(fixture("spin-oci-layer/lockv1"));
    ASSERT_EQ(result.entries.size(), 1u);
    const InspectEntry& entry = result.entries[0];
    EXPECT_EQ(entry.ref_name, "lockv1:v1");
    ASSERT_EQ(entry.layers.size(), 3u);
    EXPECT_EQ(entry.layers[0].wasm, WasmKind::component);
    EXPECT_EQ(entry.layers[1].wasm, WasmKind::module);
    ASSERT_TRUE(entry.lockfile);
    EXPECT_EQ(entry.lockfile->spin_lock_version, 1);
    EXPECT_EQ(component_ids(*entry.lockfile), (std::vector<std::string>{"frontend", "backend"}));
    EXPECT_EQ(entry.lockfile->components[1].source_digest, kGreetWasm);
    check_json_output(result);
}

TEST(InspectFixtures, InlineAndArchiveAppsCountTheirFiles) {
    InspectResult inline_app = inspect_ok(fixture("spin-oci-layer/inline.tar"));
    ASSERT_EQ(inline_app.entries.size(), 1u);
    ASSERT_TRUE(inline_app.entries[0].lockfile);
    EXPECT_EQ(component_ids(*inline_app.entries[0].lockfile), std::vector<std::string>{"inline"});
    EXPECT_EQ(inline_app.entries[0].lockfile->components[0].files, 3u);
    EXPECT_EQ(inline_app.entries[0].lockfile->components[0].source_digest,
              "sha256:87799c1b578e1ef444797b90bd09efe88f1af0b1810d578f9ccf03df9b1de499");

    InspectResult archive = inspect_ok(fixture("spin-oci-layer/archive"));
    ASSERT_EQ(archive.entries.size(), 1u);
    const InspectEntry& entry = archive.entries[0];
    ASSERT_EQ(entry.layers.size(), 3u);
    EXPECT_EQ(entry.layers[1].descriptor.media_type, media::kArchiveLayer);
    EXPECT_EQ(entry.layers[1].wasm, WasmKind::not_applicable);
    ASSERT_TRUE(entry.lockfile);
    EXPECT_EQ(component_ids(*entry.lockfile), std::vector<std::string>{"site"});
    EXPECT_EQ(entry.lockfile->components[0].files, 3u);
    EXPECT_EQ(entry.lockfile->location, "layers/2");
    check_json_output(archive);
}

TEST(InspectFixtures, MixedShowsTheContainerImageAndTheNestedIndex) {
    InspectResult result = inspect_ok(fixture("mixed"));
    EXPECT_EQ(result.ref_names,
              (std::vector<std::string>{"hello:v1", "motd:v1", "hello:multi-platform"}));
    EXPECT_EQ(result.formats, (std::vector<ManifestFormat>{ManifestFormat::spin_oci_layer,
                                                           ManifestFormat::oci_image}));
    ASSERT_EQ(result.entries.size(), 3u);
    const InspectEntry& motd = result.entries[1];
    EXPECT_EQ(motd.ref_name, "motd:v1");
    EXPECT_EQ(motd.format, ManifestFormat::oci_image);
    ASSERT_TRUE(motd.platform);
    EXPECT_EQ(motd.platform->os, "linux");
    EXPECT_EQ(motd.platform->architecture, "amd64");
    EXPECT_FALSE(motd.lockfile);
    ASSERT_EQ(motd.layers.size(), 1u);
    EXPECT_EQ(motd.layers[0].descriptor.media_type, "application/vnd.oci.image.layer.v1.tar+gzip");
    EXPECT_EQ(motd.layers[0].wasm, WasmKind::not_applicable);

    const InspectEntry& nested = result.entries[2];
    EXPECT_EQ(nested.ref_name, "hello:multi-platform");
    EXPECT_EQ(nested.kind, InspectEntry::Kind::index);
    EXPECT_EQ(nested.descriptor.media_type, media::kOciIndex);
    ASSERT_EQ(nested.manifests.size(), 2u);
    const std::string nested_file = path_of(nested.descriptor.digest);
    EXPECT_EQ(nested.manifests[0].location, nested_file + "#/manifests/0");
    EXPECT_EQ(nested.manifests[0].ref_name, "");
    EXPECT_EQ(nested.manifests[0].format, ManifestFormat::oci_image);
    ASSERT_TRUE(nested.manifests[0].descriptor_platform);
    EXPECT_EQ(nested.manifests[0].descriptor_platform->os, "linux");
    EXPECT_EQ(nested.manifests[0].descriptor_platform->source, "descriptor");
    const InspectEntry& wasm = nested.manifests[1];
    EXPECT_EQ(wasm.descriptor.digest, result.entries[0].descriptor.digest);
    EXPECT_EQ(wasm.format, ManifestFormat::spin_oci_layer);
    ASSERT_TRUE(wasm.descriptor_platform);
    EXPECT_EQ(wasm.descriptor_platform->os, "wasip1");
    EXPECT_EQ(wasm.descriptor_platform->architecture, "wasm");
    ASSERT_TRUE(wasm.lockfile);
    EXPECT_EQ(component_ids(*wasm.lockfile), std::vector<std::string>{"hello"});

    rapidjson::Document doc = check_json_output(result);
    EXPECT_EQ(std::string(doc["manifests"][2]["kind"].GetString()), "index");
    EXPECT_TRUE(doc["manifests"][1]["lockfile"].IsNull());
    EXPECT_EQ(
        std::string(doc["manifests"][2]["manifests"][1]["descriptorPlatform"]["os"].GetString()),
        "wasip1");
}

TEST(InspectFixtures, RefSelectsOneEntry) {
    InspectResult result = inspect_ok(fixture("mixed.tar"), "motd:v1");
    EXPECT_EQ(result.index_entries, 3u);
    ASSERT_EQ(result.entries.size(), 1u);
    EXPECT_EQ(result.entries[0].ref_name, "motd:v1");
    EXPECT_EQ(result.formats, std::vector<ManifestFormat>{ManifestFormat::oci_image});
    rapidjson::Document doc = check_json_output(result);
    EXPECT_EQ(doc["manifests"].Size(), 1u);
    EXPECT_EQ(doc["refNames"].Size(), 3u);
}

// fixtures/signed: the app lists the notation signature that names it; the signature shows its
// subject; with --ref the app still lists it (the signature entry is not shown).
TEST(InspectFixtures, SignedAppListsItsSignatureAsAReferrer) {
    for (const std::string& ref : {std::string(), std::string("hello:v1")}) {
        InspectResult result = inspect_ok(fixture("signed"), ref);
        ASSERT_EQ(result.entries.size(), ref.empty() ? 2u : 1u);
        const InspectEntry& app = result.entries[0];
        EXPECT_FALSE(app.subject.has_value());
        ASSERT_EQ(app.referrers.size(), 1u);
        const InspectReferrer& signature = app.referrers[0];
        EXPECT_EQ(signature.artifact_type, "application/vnd.cncf.notary.signature");
        EXPECT_EQ(signature.descriptor.media_type, media::kOciManifest);
        EXPECT_EQ(signature.location, "index.json#/manifests/1");
        EXPECT_EQ(signature.annotations.at("org.opencontainers.image.created"),
                  "2024-01-02T00:00:00Z");
        rapidjson::Document doc = check_json_output(result);
        EXPECT_EQ(doc["manifests"][0]["referrers"].Size(), 1u);
        if (ref.empty()) {
            const InspectEntry& entry = result.entries[1];
            ASSERT_TRUE(entry.subject.has_value());
            EXPECT_EQ(entry.subject->digest, app.descriptor.digest);
            EXPECT_EQ(entry.descriptor.digest, signature.descriptor.digest);
            EXPECT_TRUE(entry.referrers.empty());
        }
    }
}

TEST(InspectFixtures, UnknownRefIsInvalidAndListsTheKnownOnes) {
    std::unique_ptr<LayoutSource> source;
    ASSERT_TRUE(open_layout_source(fixture("mixed"), source));
    InspectOptions options;
    options.ref_name = "nope:v1";
    InspectResult result;
    Status status = inspect_layout(*source, options, result);
    EXPECT_EQ(status.code(), Status::Code::invalid);
    EXPECT_NE(status.message().find("ref name 'nope:v1'"), std::string::npos) << status.message();
    EXPECT_NE(status.message().find("hello:v1, motd:v1, hello:multi-platform"), std::string::npos)
        << status.message();
}

TEST(InspectFixtures, TextNamesRefsFormatsComponentsAndTriggers) {
    std::string text = render_inspect_text(inspect_ok(fixture("mixed")));
    EXPECT_NE(text.find(fixture("mixed") + ": 3 entries in index.json, 8 blobs"), std::string::npos)
        << text;
    EXPECT_NE(text.find("formats: spin-oci-layer, oci-image\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\nhello:v1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\nmotd:v1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("  format:       spin-oci-layer\n"), std::string::npos) << text;
    EXPECT_NE(text.find("  platform:     wasip1/wasm (from the config)\n"), std::string::npos);
    EXPECT_NE(text.find("    linux/amd64 (blobs/sha256/"), std::string::npos) << text;
    EXPECT_NE(text.find(std::string(kHelloWasm) +
                        " (application/vnd.wasm.content.layer.v1+wasm, 170 bytes)  wasm module"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("      hello: source " + std::string(kHelloWasm) + ", 0 files\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("      trigger--hello: http -> hello\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("oci-wasm-validate"), std::string::npos)
        << "a valid layout needs no pointer to the validator";
}

TEST(InspectFixtures, TheOutputSchemaIsStrict) {
    // The schema checks above would be worthless if it accepted anything.
    rapidjson::Document doc = check_json_output(inspect_ok(fixture("spin-oci-layer/hello")));
    Findings findings;
    doc["manifests"][0].AddMember("surprise", 1, doc.GetAllocator());
    doc["manifests"][0]["layers"][0]["wasm"].SetString("bytecode");
    EXPECT_FALSE(check_schema_named("inspect-output.schema.json", doc, "inspect output", findings,
                                    "INSPECT-OUTPUT"));
    std::vector<std::string> pointers;
    for (const Finding& finding : findings.all()) pointers.push_back(finding.pointer);
    EXPECT_NE(std::find(pointers.begin(), pointers.end(), "/manifests/0/layers/0/wasm"),
              pointers.end());
    EXPECT_FALSE(findings.empty());
}

TEST(InspectFixtures, WasmFormatsShowTheirFormatAndPlatform) {
    struct Case {
        const char* layout;
        ManifestFormat format;
        const char* platform;  // "os/architecture", "" for none
    };
    for (const Case& c :
         {Case{"wasm-formats/wasm-oci", ManifestFormat::wasm_oci, "wasip2/wasm"},
          Case{"wasm-formats/wasm-to-oci", ManifestFormat::wasm_to_oci, ""},
          Case{"wasm-formats/runwasi", ManifestFormat::runwasi_wasm_layers, "wasip1/wasm"},
          Case{"wasm-formats/wasmcloud", ManifestFormat::wasmcloud_actor, ""},
          Case{"wasm-formats/wasm-container-image", ManifestFormat::wasm_container_image,
               "wasi/wasm"}}) {
        InspectResult result = inspect_ok(fixture(c.layout));
        ASSERT_FALSE(result.entries.empty()) << c.layout;
        const InspectEntry& entry = result.entries[0];
        EXPECT_EQ(entry.format, c.format) << c.layout;
        EXPECT_EQ(entry.platform ? entry.platform->os + "/" + entry.platform->architecture : "",
                  c.platform)
            << c.layout;
        if (entry.platform) {
            EXPECT_EQ(entry.platform->source, "config") << c.layout;
        }
        EXPECT_EQ(result.findings.count(Severity::error), 0u) << c.layout;
        check_json_output(result);
    }
}

TEST(InspectFixtures, WasmContainerImageListsItsWasmFiles) {
    InspectResult result = inspect_ok(fixture("wasm-formats/wasm-container-image"), "hello:v1");
    ASSERT_EQ(result.entries.size(), 1u);
    ASSERT_EQ(result.entries[0].layers.size(), 1u);
    const InspectLayer& layer = result.entries[0].layers[0];
    EXPECT_EQ(layer.wasm, WasmKind::not_applicable);
    ASSERT_EQ(layer.files.size(), 2u);
    EXPECT_EQ(layer.files[0].path, "/app.wasm");
    EXPECT_EQ(layer.files[0].wasm, WasmKind::module);
    EXPECT_EQ(layer.files[1].path, "/lib/c.wasm");
    EXPECT_EQ(layer.files[1].wasm, WasmKind::component);
    EXPECT_EQ(layer.files_problem, "");
    // Other container images are not listed.
    InspectResult mixed = inspect_ok(fixture("mixed"), "motd:v1");
    ASSERT_EQ(mixed.entries.size(), 1u);
    EXPECT_EQ(mixed.entries[0].format, ManifestFormat::oci_image);
    EXPECT_TRUE(mixed.entries[0].layers[0].files.empty());
}

// ---- broken layouts: shown as far as possible, never a failure ----

TEST(InspectBroken, MissingManifestBlobIsAProblemNotAFailure) {
    Files files = base_layout();
    std::string manifest = R"({"schemaVersion":2,"layers":[]})";
    files["index.json"] =
        R"({"schemaVersion":2,"manifests":[)" + index_entry(manifest, "gone:v1") + "]}";
    auto source = make_memory_source("mem", files);
    InspectResult result;
    ASSERT_TRUE(inspect_layout(*source, {}, result));
    ASSERT_EQ(result.entries.size(), 1u);
    EXPECT_EQ(result.entries[0].kind, InspectEntry::Kind::manifest);
    EXPECT_EQ(result.entries[0].problem,
              "blob " + sha256_digest(manifest) + " is missing from the layout");
    EXPECT_TRUE(result.formats.empty());
    std::string text = render_inspect_text(result);
    EXPECT_NE(text.find("  problem:      blob " + sha256_digest(manifest)), std::string::npos)
        << text;
    check_json_output(result);
}

TEST(InspectBroken, ManifestThatIsNotJsonIsAProblem) {
    Files files = base_layout();
    std::string manifest = "{not json";
    files[path_of(sha256_digest(manifest))] = manifest;
    files["index.json"] =
        R"({"schemaVersion":2,"manifests":[)" + index_entry(manifest, "bad:v1") + "]}";
    auto source = make_memory_source("mem", files);
    InspectResult result;
    ASSERT_TRUE(inspect_layout(*source, {}, result));
    ASSERT_EQ(result.entries.size(), 1u);
    EXPECT_EQ(result.entries[0].problem.rfind("not valid JSON (", 0), 0u)
        << result.entries[0].problem;
    EXPECT_TRUE(result.findings.has_errors());
    std::string text = render_inspect_text(result);
    EXPECT_NE(text.find("mem: the layout has 1 validation error"), std::string::npos) << text;
    EXPECT_NE(text.find("(run oci-wasm-validate for details)"), std::string::npos) << text;
    rapidjson::Document doc = check_json_output(result);
    EXPECT_FALSE(doc["validation"]["valid"].GetBool());
    EXPECT_EQ(std::string(doc["manifests"][0]["kind"].GetString()), "manifest");
    EXPECT_EQ(std::string(doc["manifests"][0]["format"].GetString()), "unknown");
}

// A Spin manifest whose lockfile cannot be summarised is still shown; the lockfile says why.
TEST(InspectBroken, LockfileThatIsNotAJsonObjectIsAProblem) {
    for (const auto& [lock, problem] :
         {std::pair<std::string, std::string>{"{not json", "the lockfile is not valid JSON ("},
          std::pair<std::string, std::string>{"[1]", "the lockfile is not a JSON object"}}) {
        SCOPED_TRACE(lock);
        Files files = base_layout();
        std::string wasm = kModule;
        std::string manifest = R"({"schemaVersion":2,"config":)" +
                               descriptor_json(media::kSpinLockfile, lock) + R"(,"layers":[)" +
                               descriptor_json(media::kWasmLayer, wasm) + "]}";
        files[path_of(sha256_digest(wasm))] = wasm;
        files[path_of(sha256_digest(lock))] = lock;
        files[path_of(sha256_digest(manifest))] = manifest;
        files["index.json"] =
            R"({"schemaVersion":2,"manifests":[)" + index_entry(manifest, "bad:v1") + "]}";
        auto source = make_memory_source("mem", files);
        InspectResult result;
        ASSERT_TRUE(inspect_layout(*source, {}, result));
        ASSERT_EQ(result.entries.size(), 1u);
        const InspectEntry& entry = result.entries[0];
        EXPECT_TRUE(entry.problem.empty()) << entry.problem;
        ASSERT_TRUE(entry.lockfile);
        EXPECT_EQ(entry.lockfile->problem.rfind(problem, 0), 0u) << entry.lockfile->problem;
        EXPECT_TRUE(entry.lockfile->components.empty());
        std::string text = render_inspect_text(result);
        EXPECT_NE(text.find("\n    problem: " + problem), std::string::npos) << text;
        check_json_output(result);
    }
}

TEST(InspectBroken, WasmLayerKindsComeFromTheBytes) {
    Files files = base_layout();
    std::string not_wasm = "#!/bin/sh\necho hi\n";
    std::string absent = kModule + "never stored";
    std::string lock = R"({"spin_lock_version":0,"components":[],"triggers":[]})";
    std::string manifest = R"({"schemaVersion":2,"config":)" +
                           descriptor_json(media::kSpinLockfile, lock) + R"(,"layers":[)" +
                           descriptor_json(media::kWasmLayer, kComponent) + "," +
                           descriptor_json(media::kWasmLayerAlt, not_wasm) + "," +
                           descriptor_json(media::kWasmLayer, absent) + "]}";
    for (const std::string& blob : {kComponent, not_wasm, lock, manifest}) {
        files[path_of(sha256_digest(blob))] = blob;
    }
    files["index.json"] =
        R"({"schemaVersion":2,"manifests":[)" + index_entry(manifest, "kinds:v1") + "]}";
    auto source = make_memory_source("mem", files);
    InspectResult result;
    ASSERT_TRUE(inspect_layout(*source, {}, result));
    ASSERT_EQ(result.entries.size(), 1u);
    const std::vector<InspectLayer>& layers = result.entries[0].layers;
    ASSERT_EQ(layers.size(), 3u);
    EXPECT_EQ(layers[0].wasm, WasmKind::component);
    EXPECT_EQ(layers[1].wasm, WasmKind::not_wasm);
    EXPECT_EQ(layers[2].wasm, WasmKind::unavailable);
    rapidjson::Document doc = check_json_output(result);
    EXPECT_EQ(std::string(doc["manifests"][0]["layers"][1]["wasm"].GetString()), "not-wasm");
    EXPECT_TRUE(doc["manifests"][0]["lockfile"]["components"].Empty());
}

TEST(InspectBroken, LargeWasmLayerIsReadAgainForItsHeader) {
    Files files = base_layout();
    std::string large = kComponent + std::string(5 * kMiB, 'x');
    std::string digest = sha256_digest(large);
    std::string lock = lockfile_json("big", digest);
    std::string manifest = R"({"schemaVersion":2,"config":)" +
                           descriptor_json(media::kSpinLockfile, lock) + R"(,"layers":[)" +
                           descriptor_json(media::kWasmLayer, large) + "]}";
    for (const std::string& blob : {large, lock, manifest}) {
        files[path_of(sha256_digest(blob))] = blob;
    }
    files["index.json"] =
        R"({"schemaVersion":2,"manifests":[)" + index_entry(manifest, "big:v1") + "]}";
    auto source = make_memory_source("mem", files);
    InspectResult result;
    ASSERT_TRUE(inspect_layout(*source, {}, result));
    ASSERT_EQ(result.entries.size(), 1u);
    ASSERT_EQ(result.entries[0].layers.size(), 1u);
    EXPECT_EQ(result.entries[0].layers[0].wasm, WasmKind::component);
}

TEST(InspectBroken, NoIndexJsonIsNothingToInspect) {
    auto source = make_memory_source("mem", base_layout());
    InspectResult result;
    Status status = inspect_layout(*source, {}, result);
    EXPECT_EQ(status.code(), Status::Code::invalid);
    EXPECT_EQ(status.message(),
              "mem: expected index.json at the layout root, found none: nothing to inspect "
              "(oci-wasm-validate says more)");
}

TEST(InspectBroken, IndexJsonWithoutManifestsIsNothingToInspect) {
    Files files = base_layout();
    files["index.json"] = R"({"schemaVersion":2})";
    auto source = make_memory_source("mem", files);
    InspectResult result;
    Status status = inspect_layout(*source, {}, result);
    EXPECT_EQ(status.code(), Status::Code::invalid);
    EXPECT_NE(status.message().find("index.json: expected an image index with a manifests array"),
              std::string::npos)
        << status.message();
}

TEST(InspectWasmHeader, ClassifiesModulesComponentsAndOthers) {
    EXPECT_EQ(classify_wasm_header(kModule.substr(0, 8)), WasmKind::module);
    EXPECT_EQ(classify_wasm_header(kComponent.substr(0, 8)), WasmKind::component);
    EXPECT_EQ(classify_wasm_header(std::string("\0asm\x0e\x00\x01\x00", 8)), WasmKind::component);
    EXPECT_EQ(classify_wasm_header(std::string("\0asm\x02\x00\x00\x00", 8)), WasmKind::not_wasm);
    EXPECT_EQ(classify_wasm_header(std::string("\0asm", 4)), WasmKind::not_wasm);
    EXPECT_EQ(classify_wasm_header("PK\x03\x04...."), WasmKind::not_wasm);
    EXPECT_EQ(wasm_kind_name(WasmKind::module), "module");
    EXPECT_EQ(wasm_kind_name(WasmKind::component), "component");
    EXPECT_EQ(wasm_kind_name(WasmKind::not_applicable), "");
}

// ---- --lockfile ----

TEST(InspectLockfile, WritesTheExactBytesInBothFormats) {
    for (const char* layout :
         {"spin-oci-layer/multi", "spin-v1-config/multi", "spin-v1-config/multi.tar"}) {
        std::unique_ptr<LayoutSource> source;
        ASSERT_TRUE(open_layout_source(fixture(layout), source));
        std::string bytes;
        Status status = extract_lockfile(*source, "", bytes);
        ASSERT_TRUE(status) << layout << ": " << status.message();
        EXPECT_EQ(bytes, blob_bytes("spin-v1-config/multi", kMultiLockfile)) << layout;
    }
}

TEST(InspectLockfile, OneAppReachedTwiceIsNotAmbiguous) {
    std::unique_ptr<LayoutSource> source;
    ASSERT_TRUE(open_layout_source(fixture("mixed"), source));
    std::string bytes;
    ASSERT_TRUE(extract_lockfile(*source, "", bytes));
    EXPECT_EQ(sha256_digest(bytes), kHelloLockfile);
    bytes.clear();
    Status status = extract_lockfile(*source, "hello:multi-platform", bytes);
    ASSERT_TRUE(status) << status.message();
    EXPECT_EQ(sha256_digest(bytes), kHelloLockfile);
}

TEST(InspectLockfile, SeveralAppsNeedARef) {
    Files files = base_layout();
    MemoryApp one = add_old_app(files, "one", kModule);
    MemoryApp two = add_old_app(files, "two", kComponent);
    files["index.json"] = R"({"schemaVersion":2,"manifests":[)" +
                          index_entry(one.manifest, "one:v1") + "," +
                          index_entry(two.manifest, "two:v1") + "]}";
    auto source = make_memory_source("mem", files);
    std::string bytes;
    Status status = extract_lockfile(*source, "", bytes);
    EXPECT_EQ(status.code(), Status::Code::usage);
    EXPECT_EQ(status.message(),
              "mem: holds 2 Spin apps with different lockfiles; choose one with --ref: one:v1, "
              "two:v1");
    ASSERT_TRUE(extract_lockfile(*source, "two:v1", bytes));
    EXPECT_EQ(bytes, two.lockfile);
}

TEST(InspectLockfile, NoSpinAppIsInvalid) {
    std::unique_ptr<LayoutSource> source;
    ASSERT_TRUE(open_layout_source(fixture("mixed"), source));
    std::string bytes;
    Status status = extract_lockfile(*source, "motd:v1", bytes);
    EXPECT_EQ(status.code(), Status::Code::invalid);
    EXPECT_EQ(status.message(),
              fixture("mixed") + ": expected 'motd:v1' to be a Spin app, found format oci-image");
}

TEST(InspectLockfile, ALockfileNotMatchingItsDigestIsRefused) {
    Files files = base_layout();
    MemoryApp app = add_old_app(files, "one", kModule);
    files[path_of(sha256_digest(app.lockfile))] = app.lockfile + " ";
    files["index.json"] =
        R"({"schemaVersion":2,"manifests":[)" + index_entry(app.manifest, "one:v1") + "]}";
    auto source = make_memory_source("mem", files);
    std::string bytes;
    Status status = extract_lockfile(*source, "", bytes);
    EXPECT_EQ(status.code(), Status::Code::invalid);
    EXPECT_NE(status.message().find("expected content hashing to " + sha256_digest(app.lockfile)),
              std::string::npos)
        << status.message();
    EXPECT_TRUE(bytes.empty());
}

// ---- --blob ----

Status collect_blob(LayoutSource& source, std::string_view digest, std::string& out) {
    return extract_blob(source, digest, [&out](const char* data, std::size_t size) {
        out.append(data, size);
        return Status::ok();
    });
}

TEST(InspectBlob, WritesTheBytesFromADirectoryAndATar) {
    for (const char* layout : {"spin-oci-layer/hello", "spin-oci-layer/hello.tar"}) {
        std::unique_ptr<LayoutSource> source;
        ASSERT_TRUE(open_layout_source(fixture(layout), source));
        std::string bytes;
        Status status = collect_blob(*source, kHelloWasm, bytes);
        ASSERT_TRUE(status) << status.message();
        EXPECT_EQ(bytes, blob_bytes("spin-oci-layer/hello", kHelloWasm)) << layout;
    }
}

TEST(InspectBlob, StreamsFromAnInputThatCannotBeReadAgain) {
    int fd = ::open(fixture("spin-oci-layer/multi.tar").c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    auto source = detail::make_tar_source_from_fd(fd, "-");
    ASSERT_FALSE(source->can_reread());
    std::string bytes;
    Status status = collect_blob(*source, kGreetWasm, bytes);
    ASSERT_TRUE(status) << status.message();
    EXPECT_EQ(sha256_digest(bytes), kGreetWasm);
}

// Writes `files` as a plain tar and opens it as a stream (not re-readable, like stdin).
std::unique_ptr<LayoutSource> stream_of(const Files& files, const testing::TempDir& dir) {
    std::string path = (dir / "layout.tar").string();
    archive* writer = archive_write_new();
    archive_write_set_format_pax_restricted(writer);
    EXPECT_EQ(archive_write_open_filename(writer, path.c_str()), ARCHIVE_OK);
    for (const auto& [name, bytes] : files) {
        archive_entry* entry = archive_entry_new();
        archive_entry_set_pathname(entry, name.c_str());
        bool directory = name.ends_with("/");
        archive_entry_set_filetype(entry, directory ? AE_IFDIR : AE_IFREG);
        archive_entry_set_perm(entry, directory ? 0755 : 0644);
        archive_entry_set_size(entry, directory ? 0 : static_cast<la_int64_t>(bytes.size()));
        EXPECT_EQ(archive_write_header(writer, entry), ARCHIVE_OK);
        if (!directory) {
            EXPECT_EQ(archive_write_data(writer, bytes.data(), bytes.size()),
                      static_cast<la_ssize_t>(bytes.size()));
        }
        archive_entry_free(entry);
    }
    archive_write_close(writer);
    archive_write_free(writer);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    return detail::make_tar_source_from_fd(fd, "-");
}

TEST(InspectBlob, WasmKindsOfLargeLayersInAStreamComeFromThePass) {
    Files files = base_layout();
    std::string large = kComponent + std::string(5 * kMiB, 'x');
    std::string lock = lockfile_json("big", sha256_digest(large));
    std::string manifest = R"({"schemaVersion":2,"config":)" +
                           descriptor_json(media::kSpinLockfile, lock) + R"(,"layers":[)" +
                           descriptor_json(media::kWasmLayer, large) + "]}";
    for (const std::string& blob : {large, lock, manifest}) {
        files[path_of(sha256_digest(blob))] = blob;
    }
    files["index.json"] =
        R"({"schemaVersion":2,"manifests":[)" + index_entry(manifest, "big:v1") + "]}";
    testing::TempDir dir;
    auto source = stream_of(files, dir);
    ASSERT_FALSE(source->can_reread());
    InspectResult result;
    Status status = inspect_layout(*source, {}, result);
    ASSERT_TRUE(status) << status.message();
    ASSERT_EQ(result.entries.size(), 1u);
    ASSERT_EQ(result.entries[0].layers.size(), 1u);
    EXPECT_EQ(result.entries[0].layers[0].wasm, WasmKind::component);
}

TEST(InspectBlob, AStreamedBlobIsCheckedAfterItsBytes) {
    Files files = base_layout();
    MemoryApp app = add_old_app(files, "one", kModule);
    std::string wasm_digest = sha256_digest(kModule);
    files[path_of(wasm_digest)] = kModule + "tampered";
    files["index.json"] =
        R"({"schemaVersion":2,"manifests":[)" + index_entry(app.manifest, "one:v1") + "]}";
    testing::TempDir dir;
    auto source = stream_of(files, dir);
    std::string bytes;
    Status status = collect_blob(*source, wasm_digest, bytes);
    EXPECT_EQ(status.code(), Status::Code::invalid);
    EXPECT_NE(status.message().find("expected content hashing to " + wasm_digest),
              std::string::npos)
        << status.message();
    EXPECT_EQ(bytes, kModule + "tampered") << "a stream is written as it passes";
}

TEST(InspectBlob, MissingMalformedAndMismatchedBlobs) {
    Files files = base_layout();
    MemoryApp app = add_old_app(files, "one", kModule);
    std::string wasm_digest = sha256_digest(kModule);
    files[path_of(wasm_digest)] = kModule + "tampered";
    files["index.json"] =
        R"({"schemaVersion":2,"manifests":[)" + index_entry(app.manifest, "one:v1") + "]}";
    auto source = make_memory_source("mem", files);
    std::string bytes;

    Status status = collect_blob(*source, sha256_digest("absent"), bytes);
    EXPECT_EQ(status.code(), Status::Code::invalid);
    EXPECT_EQ(status.message(),
              "mem: expected blob " + sha256_digest("absent") + " in the layout, found none");

    status = collect_blob(*source, "sha256:ABC", bytes);
    EXPECT_EQ(status.code(), Status::Code::usage);
    EXPECT_NE(status.message().find("found 'sha256:ABC'"), std::string::npos) << status.message();

    status = collect_blob(*source, wasm_digest, bytes);
    EXPECT_EQ(status.code(), Status::Code::invalid);
    EXPECT_EQ(status.message(), "mem: " + path_of(wasm_digest) + ": expected content hashing to " +
                                    wasm_digest + ", found " + sha256_digest(kModule + "tampered"));
    EXPECT_TRUE(bytes.empty()) << "nothing is written when the blob does not match";

    ASSERT_TRUE(collect_blob(*source, sha256_digest(app.lockfile), bytes));
    EXPECT_EQ(bytes, app.lockfile);
}

}  // namespace
}  // namespace ociwasm
