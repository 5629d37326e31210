// Format detection (spin.h) and the media-type and platform classes of the wasm formats.
#include "wasm_formats.h"

#include "ociwasm/json.h"
#include "ociwasm/spin.h"

#include <gtest/gtest.h>

namespace ociwasm {
namespace {

ManifestFormat detect(const char* text, bool wasm_platform = false) {
    rapidjson::Document doc;
    EXPECT_TRUE(parse_json(text, doc, nullptr)) << text;
    return wasm_platform ? detect_format(doc, true) : detect_format(doc);
}

TEST(DetectFormat, RecognisesEachFormat) {
    EXPECT_EQ(
        detect(R"({"config":{"mediaType":"application/vnd.fermyon.spin.application.v1+config"},
                         "layers":[{"mediaType":"application/vnd.wasm.content.layer.v1+wasm"}]})"),
        ManifestFormat::spin_v1_config);
    EXPECT_EQ(detect(R"({"config":{"mediaType":"application/vnd.oci.image.config.v1+json"},
                         "layers":[{"mediaType":"application/vnd.wasm.content.layer.v1+wasm"},
                                   {"mediaType":"application/vnd.fermyon.spin.application.v1+config"}]})"),
              ManifestFormat::spin_oci_layer);
    EXPECT_EQ(
        detect(R"({"config":{"mediaType":"application/vnd.wasm.config.v0+json"},"layers":[]})"),
        ManifestFormat::wasm_oci);
    EXPECT_EQ(detect(R"({"config":{"mediaType":"application/vnd.oci.image.config.v1+json"},
                         "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip"}]})"),
              ManifestFormat::oci_image);
    EXPECT_EQ(detect(R"({"config":{"mediaType":"application/vnd.example+json"},"layers":[]})"),
              ManifestFormat::unknown);
    EXPECT_EQ(detect(R"([1,2])"), ManifestFormat::unknown);
    EXPECT_EQ(detect(R"({"config":7,"layers":{}})"), ManifestFormat::unknown);
}

TEST(DetectFormat, RecognisesTheOtherWasmFormats) {
    // wasm-to-oci's README manifest, krustlet / oci-distribution's constants.
    EXPECT_EQ(detect(R"({"config":{"mediaType":"application/vnd.wasm.config.v1+json"},
                         "layers":[{"mediaType":"application/vnd.wasm.content.layer.v1+wasm"}]})"),
              ManifestFormat::wasm_to_oci);
    // wash push of an actor.
    EXPECT_EQ(detect(R"({"config":{"mediaType":"application/vnd.wasmcloud.actor.archive.config"},
                   "layers":[{"mediaType":"application/vnd.module.wasm.content.layer.v1+wasm"}]})"),
              ManifestFormat::wasmcloud_actor);
    // runwasi's oci-tar-builder: an image config with its layer type, or application/wasm.
    EXPECT_EQ(detect(R"({"config":{"mediaType":"application/vnd.oci.image.config.v1+json"},
                         "layers":[{"mediaType":"application/vnd.bytecodealliance.wasm.component.layer.v0+wasm"}]})"),
              ManifestFormat::runwasi_wasm_layers);
    EXPECT_EQ(detect(R"({"config":{"mediaType":"application/vnd.docker.container.image.v1+json"},
                         "layers":[{"mediaType":"application/wasm"}]})"),
              ManifestFormat::runwasi_wasm_layers);
    // A Spin app stays one whatever else its layers hold.
    EXPECT_EQ(detect(R"({"config":{"mediaType":"application/vnd.oci.image.config.v1+json"},
                         "layers":[{"mediaType":"application/wasm"},
                                   {"mediaType":"application/vnd.fermyon.spin.application.v1+config"}]})"),
              ManifestFormat::spin_oci_layer);
}

TEST(DetectFormat, AWasmPlatformMakesAContainerImageAWasmOne) {
    const char* image = R"({"config":{"mediaType":"application/vnd.oci.image.config.v1+json"},
                            "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip"}]})";
    EXPECT_EQ(detect(image, false), ManifestFormat::oci_image);
    EXPECT_EQ(detect(image, true), ManifestFormat::wasm_container_image);
    // The platform changes no other format.
    EXPECT_EQ(
        detect(R"({"config":{"mediaType":"application/vnd.wasm.config.v0+json"},"layers":[]})",
               true),
        ManifestFormat::wasm_oci);
    EXPECT_EQ(
        detect(R"({"config":{"mediaType":"application/vnd.example+json"},"layers":[]})", true),
        ManifestFormat::unknown);
}

TEST(WasmFormats, MediaTypeAndPathClasses) {
    EXPECT_TRUE(detail::is_wasm_layer_format(ManifestFormat::wasm_to_oci));
    EXPECT_TRUE(detail::is_wasm_layer_format(ManifestFormat::runwasi_wasm_layers));
    EXPECT_TRUE(detail::is_wasm_layer_format(ManifestFormat::wasmcloud_actor));
    EXPECT_FALSE(detail::is_wasm_layer_format(ManifestFormat::wasm_container_image));
    EXPECT_FALSE(detail::is_wasm_layer_format(ManifestFormat::oci_image));
    EXPECT_TRUE(detail::config_has_platform("application/vnd.wasm.config.v0+json"));
    EXPECT_TRUE(detail::config_has_platform("application/vnd.oci.image.config.v1+json"));
    EXPECT_FALSE(detail::config_has_platform("application/vnd.wasm.config.v1+json"));
    EXPECT_TRUE(detail::is_filesystem_layer_type("application/vnd.oci.image.layer.v1.tar"));
    EXPECT_TRUE(detail::is_filesystem_layer_type("application/vnd.oci.image.layer.v1.tar+zstd"));
    EXPECT_TRUE(
        detail::is_filesystem_layer_type("application/vnd.docker.image.rootfs.diff.tar.gzip"));
    EXPECT_FALSE(detail::is_filesystem_layer_type("application/wasm"));
    EXPECT_TRUE(detail::is_wasm_file_path("app.wasm"));
    EXPECT_TRUE(detail::is_wasm_file_path("lib/c.wasm"));
    EXPECT_FALSE(detail::is_wasm_file_path(".wasm"));
    EXPECT_FALSE(detail::is_wasm_file_path("lib/.wasm"));
    EXPECT_FALSE(detail::is_wasm_file_path("app.wasm.gz"));
}

TEST(DetectFormat, NamesAreStable) {
    EXPECT_EQ(format_name(ManifestFormat::spin_v1_config), "spin-v1-config");
    EXPECT_EQ(format_name(ManifestFormat::spin_oci_layer), "spin-oci-layer");
    EXPECT_EQ(format_name(ManifestFormat::wasm_oci), "wasm-oci");
    EXPECT_EQ(format_name(ManifestFormat::wasm_to_oci), "wasm-to-oci");
    EXPECT_EQ(format_name(ManifestFormat::runwasi_wasm_layers), "runwasi-wasm-layers");
    EXPECT_EQ(format_name(ManifestFormat::wasmcloud_actor), "wasmcloud-actor");
    EXPECT_EQ(format_name(ManifestFormat::wasm_container_image), "wasm-container-image");
    EXPECT_EQ(format_name(ManifestFormat::oci_image), "oci-image");
    EXPECT_EQ(format_name(ManifestFormat::unknown), "unknown");
}

}  // namespace
}  // namespace ociwasm
