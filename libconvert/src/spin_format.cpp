#include "ociwasm/media_types.h"
#include "ociwasm/spin.h"

namespace ociwasm {

std::string_view format_name(ManifestFormat format) {
    switch (format) {
        case ManifestFormat::spin_v1_config:
            return "spin-v1-config";
        case ManifestFormat::spin_oci_layer:
            return "spin-oci-layer";
        case ManifestFormat::wasm_oci:
            return "wasm-oci";
        case ManifestFormat::oci_image:
            return "oci-image";
        case ManifestFormat::unknown:
            return "unknown";
    }
    return "unknown";
}

namespace {

std::string_view media_type_of(const rapidjson::Value& descriptor) {
    if (!descriptor.IsObject()) return {};
    auto it = descriptor.FindMember("mediaType");
    if (it == descriptor.MemberEnd() || !it->value.IsString()) return {};
    return {it->value.GetString(), it->value.GetStringLength()};
}

}  // namespace

ManifestFormat detect_format(const rapidjson::Value& manifest) {
    if (!manifest.IsObject()) return ManifestFormat::unknown;
    std::string_view config_type;
    if (auto config = manifest.FindMember("config"); config != manifest.MemberEnd()) {
        config_type = media_type_of(config->value);
    }
    if (config_type == media::kSpinLockfile) return ManifestFormat::spin_v1_config;
    if (auto layers = manifest.FindMember("layers");
        layers != manifest.MemberEnd() && layers->value.IsArray()) {
        for (const auto& layer : layers->value.GetArray()) {
            if (media_type_of(layer) == media::kSpinLockfile) return ManifestFormat::spin_oci_layer;
        }
    }
    if (config_type == media::kWasmConfig) return ManifestFormat::wasm_oci;
    if (config_type == media::kOciConfig ||
        config_type == "application/vnd.docker.container.image.v1+json") {
        return ManifestFormat::oci_image;
    }
    return ManifestFormat::unknown;
}

}  // namespace ociwasm
