// The checks of the wasm formats beside Spin's (wasm_format_checks.cpp), on small layouts built
// in memory: the CNCF wasm config, the one-layer rules, runwasi's platform, and the .wasm files
// of wasm container images.
#include "wasm_format_checks.h"

#include <archive.h>
#include <archive_entry.h>

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "layout_builder.h"
#include "ociwasm/finding_codes.h"
#include "ociwasm/media_types.h"

namespace ociwasm {
namespace {

using testing::blob_path;
using testing::describe;
using testing::descriptor;
using testing::Files;
using testing::validate_files;
using testing::wasm_component;
using testing::wasm_module;

struct Layer {
    std::string media_type;
    std::string bytes;
};

struct Built {
    Files files;
    std::string manifest_path;
    std::string config_path;
    std::vector<std::string> layer_paths;
};

// One manifest of config `config` (its "@LAYERS@" replaced by the layer digests as a JSON
// array) and `layers`, named by index.json with `entry_extra` members (a platform).
Built build(std::string_view config_type, std::string config, const std::vector<Layer>& layers,
            const std::string& entry_extra = "") {
    Built built;
    std::string digests;
    std::string layer_json;
    for (const Layer& layer : layers) {
        std::string digest = sha256_digest(layer.bytes);
        built.files[blob_path(digest)] = layer.bytes;
        built.layer_paths.push_back(blob_path(digest));
        digests += (digests.empty() ? "\"" : ",\"") + digest + "\"";
        layer_json += (layer_json.empty() ? "" : ",") + descriptor(layer.media_type, layer.bytes);
    }
    if (auto at = config.find("@LAYERS@"); at != std::string::npos) {
        config.replace(at, 8, "[" + digests + "]");
    }
    built.config_path = blob_path(sha256_digest(config));
    built.files[built.config_path] = config;
    std::string manifest = R"({"schemaVersion":2,"mediaType":")" +
                           std::string(media::kOciManifest) + R"(","config":)" +
                           descriptor(config_type, config) + R"(,"layers":[)" + layer_json + "]}";
    built.manifest_path = blob_path(sha256_digest(manifest));
    built.files[built.manifest_path] = manifest;
    std::string entry = descriptor(media::kOciManifest, manifest);
    entry.insert(entry.size() - 1, entry_extra);
    built.files["index.json"] = R"({"schemaVersion":2,"mediaType":")" +
                                std::string(media::kOciIndex) + R"(","manifests":[)" + entry + "]}";
    built.files["oci-layout"] = R"({"imageLayoutVersion":"1.0.0"})";
    return built;
}

// The CNCF config as rust-oci-wasm writes it for a component of layers @LAYERS@.
std::string component_config(std::string_view os = "wasip2",
                             std::string_view component =
                                 R"({"exports":["wasi:http/incoming-handler@0.2.0"],)"
                                 R"("imports":["wasi:io/streams@0.2.0"],"target":null})") {
    return R"({"created":"2024-06-25T15:58:49.377917735Z","author":null,"architecture":"wasm",)"
           R"("os":")" +
           std::string(os) + R"(","layerDigests":@LAYERS@,"component":)" + std::string(component) +
           "}";
}

std::vector<Layer> one_component() {
    return {{std::string(media::kWasmLayerAlt), wasm_component()}};
}

bool has(const ValidationResult& result, std::string_view code, Severity severity,
         const std::string& file, std::string_view pointer) {
    for (const Finding& f : result.findings.all()) {
        if (f.code == code && f.severity == severity && f.file == file && f.pointer == pointer) {
            return true;
        }
    }
    return false;
}

std::size_t count(const ValidationResult& result, std::string_view code) {
    std::size_t n = 0;
    for (const Finding& f : result.findings.all()) n += f.code == code ? 1 : 0;
    return n;
}

// Neither errors nor warnings.
bool clean(const ValidationResult& result) {
    return result.findings.count(Severity::error) == 0 &&
           result.findings.count(Severity::warning) == 0;
}

TEST(WasmOciConfig, ComponentAndModuleAsTheirProducersWriteThemAreClean) {
    ValidationResult component =
        validate_files(build(media::kWasmConfig, component_config(), one_component()).files);
    EXPECT_TRUE(clean(component)) << describe(component.findings);
    EXPECT_EQ(component.formats, std::vector<ManifestFormat>{ManifestFormat::wasm_oci});
    ValidationResult module =
        validate_files(build(media::kWasmConfig, component_config("wasip1", "null"),
                             {{std::string(media::kWasmLayerAlt), wasm_module()}})
                           .files);
    EXPECT_TRUE(clean(module)) << describe(module.findings);
}

TEST(WasmOciConfig, PlatformValues) {
    std::string config = component_config();
    config.replace(config.find(R"("wasm")"), 6, R"("amd64")");
    Built built = build(media::kWasmConfig, config, one_component());
    ValidationResult result = validate_files(built.files);
    EXPECT_TRUE(has(result, codes::kWasmConfigPlatform, Severity::error, built.config_path,
                    "/architecture"))
        << describe(result.findings);
    built = build(media::kWasmConfig, component_config("wasi"), one_component());
    result = validate_files(built.files);
    EXPECT_TRUE(has(result, codes::kWasmConfigPlatform, Severity::error, built.config_path, "/os"))
        << describe(result.findings);
}

TEST(WasmOciConfig, LayerDigestsMustBeTheManifestsInOrder) {
    std::vector<Layer> two = {{std::string(media::kWasmLayerAlt), wasm_component("a")},
                              {std::string(media::kWasmLayerAlt), wasm_component("b")}};
    std::string swapped = component_config();
    swapped.replace(
        swapped.find("@LAYERS@"), 8,
        "[\"" + sha256_digest(two[1].bytes) + "\",\"" + sha256_digest(two[0].bytes) + "\"]");
    Built built = build(media::kWasmConfig, swapped, two);
    ValidationResult result = validate_files(built.files);
    EXPECT_TRUE(has(result, codes::kWasmConfigLayerDigests, Severity::error, built.config_path,
                    "/layerDigests"))
        << describe(result.findings);
    // Two layers are also what the guide tells consumers to reject.
    EXPECT_TRUE(
        has(result, codes::kWasmLayersMultiple, Severity::error, built.manifest_path, "/layers"));
}

TEST(WasmOciConfig, AComponentNeedsItsMetadata) {
    Built built = build(media::kWasmConfig, component_config("wasip2", "null"), one_component());
    ValidationResult result = validate_files(built.files);
    EXPECT_TRUE(
        has(result, codes::kWasmConfigComponent, Severity::error, built.config_path, "/component"))
        << describe(result.findings);
    std::string absent = component_config();
    absent.erase(absent.find(R"(,"component")"));
    absent += "}";
    built = build(media::kWasmConfig, absent, one_component());
    result = validate_files(built.files);
    EXPECT_TRUE(has(result, codes::kWasmConfigComponent, Severity::error, built.config_path, ""))
        << describe(result.findings);
}

TEST(WasmOciConfig, SchemaNamesTheValue) {
    Built built = build(media::kWasmConfig,
                        component_config("wasip2", R"({"exports":[],"imports":[7],"target":1})"),
                        one_component());
    ValidationResult result = validate_files(built.files);
    EXPECT_TRUE(has(result, codes::kWasmConfigSchema, Severity::error, built.config_path,
                    "/component/imports/0"))
        << describe(result.findings);
    EXPECT_TRUE(has(result, codes::kWasmConfigSchema, Severity::error, built.config_path,
                    "/component/target"));
    // rust-oci-wasm cannot read a config without created.
    std::string no_created = component_config();
    no_created.erase(1, no_created.find(','));
    built = build(media::kWasmConfig, no_created, one_component());
    result = validate_files(built.files);
    EXPECT_TRUE(has(result, codes::kWasmConfigSchema, Severity::error, built.config_path, ""))
        << describe(result.findings);
}

TEST(WasmOciConfig, OsAgainstTheKindOfTheFirstLayer) {
    Built built = build(media::kWasmConfig, component_config("wasip1"), one_component());
    ValidationResult result = validate_files(built.files);
    EXPECT_TRUE(has(result, codes::kWasmConfigKind, Severity::warning, built.config_path, "/os"))
        << describe(result.findings);
    built = build(media::kWasmConfig, component_config(),
                  {{std::string(media::kWasmLayerAlt), wasm_module()}});
    result = validate_files(built.files);
    EXPECT_TRUE(has(result, codes::kWasmConfigKind, Severity::warning, built.config_path, "/os"))
        << describe(result.findings);
    EXPECT_EQ(result.findings.count(Severity::error), 0u) << describe(result.findings);
}

TEST(WasmLayers, WasmToOciAndWasmCloudLayersGetTheirHeaderChecked) {
    for (auto [config_type, layer_type] :
         {std::pair{media::kWasmConfigV1, media::kWasmLayer},
          std::pair{media::kWasmCloudActorConfig, media::kWasmCloudActorLayer},
          std::pair{media::kOciConfig, media::kRunwasiWasmLayer}}) {
        std::string config = config_type == media::kOciConfig
                                 ? R"({"architecture":"wasm","os":"wasip1",)"
                                   R"("rootfs":{"type":"layers","diff_ids":[]}})"
                                 : "{}";
        Built built = build(config_type, config, {{std::string(layer_type), "not wasm"}});
        ValidationResult result = validate_files(built.files);
        EXPECT_TRUE(has(result, codes::kWasmMagic, Severity::error, built.layer_paths[0], ""))
            << config_type << "\n"
            << describe(result.findings);
    }
}

TEST(WasmLayers, AWasmCloudActorHasOneLayer) {
    Layer layer{std::string(media::kWasmCloudActorLayer), wasm_module()};
    Built built = build(media::kWasmCloudActorConfig, "{}", {layer, layer});
    ValidationResult result = validate_files(built.files);
    EXPECT_TRUE(
        has(result, codes::kWasmLayersMultiple, Severity::error, built.manifest_path, "/layers"))
        << describe(result.findings);
    EXPECT_EQ(result.formats, std::vector<ManifestFormat>{ManifestFormat::wasmcloud_actor});
}

TEST(WasmLayers, RunwasiTakesWasmLayersOnlyFromAWasmImage) {
    Built built = build(media::kOciConfig,
                        R"({"architecture":"amd64","os":"linux",)"
                        R"("rootfs":{"type":"layers","diff_ids":[]}})",
                        {{std::string(media::kRunwasiWasmLayer), wasm_module()}});
    ValidationResult result = validate_files(built.files);
    EXPECT_TRUE(has(result, codes::kWasmConfigPlatform, Severity::error, built.config_path,
                    "/architecture"))
        << describe(result.findings);
    EXPECT_EQ(result.formats, std::vector<ManifestFormat>{ManifestFormat::runwasi_wasm_layers});
}

// A filesystem layer of regular files and hardlinks ({path, content, link target}).
struct Entry {
    std::string path;
    std::string content;
    std::string link;  // "" for a regular file
};

std::string layer_tar(const std::vector<Entry>& entries, bool gzip) {
    archive* writer = archive_write_new();
    if (gzip) archive_write_add_filter_gzip(writer);
    archive_write_set_format_pax_restricted(writer);
    std::string buffer(1 << 20, '\0');
    std::size_t used = 0;
    EXPECT_EQ(archive_write_open_memory(writer, buffer.data(), buffer.size(), &used), ARCHIVE_OK);
    for (const Entry& e : entries) {
        archive_entry* entry = archive_entry_new();
        archive_entry_set_pathname(entry, e.path.c_str());
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_perm(entry, 0644);
        if (!e.link.empty()) {
            archive_entry_set_hardlink(entry, e.link.c_str());
            archive_entry_set_size(entry, 0);
            EXPECT_EQ(archive_write_header(writer, entry), ARCHIVE_OK);
        } else {
            archive_entry_set_size(entry, static_cast<la_int64_t>(e.content.size()));
            EXPECT_EQ(archive_write_header(writer, entry), ARCHIVE_OK);
            archive_write_data(writer, e.content.data(), e.content.size());
        }
        archive_entry_free(entry);
    }
    archive_write_close(writer);
    archive_write_free(writer);
    buffer.resize(used);
    return buffer;
}

constexpr const char* kWasiImageConfig =
    R"({"architecture":"wasm","os":"wasi","config":{"Entrypoint":["/app.wasm"]},)"
    R"("rootfs":{"type":"layers","diff_ids":[]}})";

std::vector<std::string> file_messages(const ValidationResult& result) {
    std::vector<std::string> out;
    for (const Finding& f : result.findings.all()) {
        if (f.code == codes::kWasmFileKind || f.code == codes::kWasmFileMagic) {
            out.push_back(f.code + " " + f.message.substr(f.message.find("layer file")));
        }
    }
    return out;
}

TEST(WasmContainerImage, ReportsEveryWasmFileOfItsLayers) {
    std::string layer = layer_tar({{"app.wasm", wasm_module(), ""},
                                   {"./lib/c.wasm", wasm_component(), ""},
                                   {"etc/motd", "hello", ""},
                                   {"bin/linked.wasm", "", "app.wasm"},
                                   {"lib/.wh.old.wasm", "", ""},
                                   {"broken.wasm", "#!/bin/sh", ""}},
                                  true);
    Built built =
        build(media::kOciConfig, kWasiImageConfig, {{std::string(media::kOciLayerTarGzip), layer}});
    ValidationResult result = validate_files(built.files);
    EXPECT_EQ(result.formats, std::vector<ManifestFormat>{ManifestFormat::wasm_container_image});
    EXPECT_EQ(
        file_messages(result),
        (std::vector<std::string>{
            "WASM-FILE-KIND layer file \"/app.wasm\" is a core wasm module (version 1)",
            "WASM-FILE-KIND layer file \"/lib/c.wasm\" is a wasm component "
            "(component-model version 13, layer 1)",
            "WASM-FILE-KIND layer file \"/bin/linked.wasm\" is a core wasm module (version 1)",
            "WASM-FILE-MAGIC layer file \"/broken.wasm\": expected a wasm binary starting "
            "with \\0asm (00 61 73 6d), found 23 21 2f 62"}))
        << describe(result.findings);
    EXPECT_TRUE(has(result, codes::kWasmFileMagic, Severity::warning, built.layer_paths[0], ""));
}

TEST(WasmContainerImage, AnUncompressedLayerIsListedToo) {
    std::string layer = layer_tar({{"wasi-demo-app.wasm", wasm_module(), ""}}, false);
    Built built =
        build(media::kOciConfig, kWasiImageConfig, {{std::string(media::kOciLayerTar), layer}});
    ValidationResult result = validate_files(built.files);
    EXPECT_EQ(count(result, codes::kWasmFileKind), 1u) << describe(result.findings);
    EXPECT_TRUE(clean(result)) << describe(result.findings);
}

TEST(WasmContainerImage, ALayerThatIsNoTarIsAnError) {
    Built built = build(media::kOciConfig, kWasiImageConfig,
                        {{std::string(media::kOciLayerTarGzip), "not a tar at all"}});
    ValidationResult result = validate_files(built.files);
    EXPECT_TRUE(has(result, codes::kWasmLayerInvalid, Severity::error, built.layer_paths[0], ""))
        << describe(result.findings);
}

TEST(WasmContainerImage, OnlyAWasmPlatformMakesOne) {
    std::string layer = layer_tar({{"app.wasm", "not wasm", ""}}, true);
    Built linux = build(media::kOciConfig,
                        R"({"architecture":"amd64","os":"linux",)"
                        R"("rootfs":{"type":"layers","diff_ids":[]}})",
                        {{std::string(media::kOciLayerTarGzip), layer}});
    ValidationResult result = validate_files(linux.files);
    EXPECT_EQ(result.formats, std::vector<ManifestFormat>{ManifestFormat::oci_image});
    EXPECT_TRUE(clean(result)) << describe(result.findings);
    EXPECT_EQ(count(result, codes::kWasmFileMagic), 0u);
}

TEST(WasmContainerImage, TheEntryPlatformAloneMakesOneAndDisagreesWithTheConfig) {
    std::string layer = layer_tar({{"app.wasm", wasm_module(), ""}}, true);
    Built built = build(media::kOciConfig,
                        R"({"architecture":"amd64","os":"linux",)"
                        R"("rootfs":{"type":"layers","diff_ids":[]}})",
                        {{std::string(media::kOciLayerTarGzip), layer}},
                        R"(,"platform":{"architecture":"wasm","os":"wasi"})");
    ValidationResult result = validate_files(built.files);
    EXPECT_EQ(result.formats, std::vector<ManifestFormat>{ManifestFormat::wasm_container_image});
    EXPECT_EQ(count(result, codes::kWasmFileKind), 1u) << describe(result.findings);
    EXPECT_TRUE(has(result, codes::kWasmPlatformMismatch, Severity::warning, "index.json",
                    "/manifests/0/platform"))
        << describe(result.findings);
    EXPECT_EQ(result.findings.count(Severity::warning), 1u) << describe(result.findings);
}

TEST(WasmContainerImage, AgreeingPlatformsAndNonWasmOnesAreNotWarned) {
    std::string layer = layer_tar({{"app.wasm", wasm_module(), ""}}, true);
    Built same =
        build(media::kOciConfig, kWasiImageConfig, {{std::string(media::kOciLayerTarGzip), layer}},
              R"(,"platform":{"architecture":"wasm","os":"wasi"})");
    EXPECT_TRUE(clean(validate_files(same.files)));
    // linux/arm64 against linux/amd64 is not a wasm question.
    Built other = build(media::kOciConfig,
                        R"({"architecture":"amd64","os":"linux",)"
                        R"("rootfs":{"type":"layers","diff_ids":[]}})",
                        {{std::string(media::kOciLayerTarGzip), layer}},
                        R"(,"platform":{"architecture":"arm64","os":"linux"})");
    ValidationResult result = validate_files(other.files);
    EXPECT_EQ(count(result, codes::kWasmPlatformMismatch), 0u) << describe(result.findings);
}

}  // namespace
}  // namespace ociwasm
