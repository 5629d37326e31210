#include "ociwasm/json.h"
#include "ociwasm/spin.h"

#include <gtest/gtest.h>

namespace ociwasm {
namespace {

ManifestFormat detect(const char* text) {
    rapidjson::Document doc;
    EXPECT_TRUE(parse_json(text, doc, nullptr)) << text;
    return detect_format(doc);
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

TEST(DetectFormat, NamesAreStable) {
    EXPECT_EQ(format_name(ManifestFormat::spin_v1_config), "spin-v1-config");
    EXPECT_EQ(format_name(ManifestFormat::spin_oci_layer), "spin-oci-layer");
    EXPECT_EQ(format_name(ManifestFormat::wasm_oci), "wasm-oci");
    EXPECT_EQ(format_name(ManifestFormat::oci_image), "oci-image");
    EXPECT_EQ(format_name(ManifestFormat::unknown), "unknown");
}

}  // namespace
}  // namespace ociwasm
