// Recognising the packaging format of a manifest from its own JSON (spin.h).
#include "ociwasm/media_types.h"
#include "ociwasm/spin.h"
#include "validate_internal.h"

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

ManifestFormat detect_format(const rapidjson::Value& manifest) {
    using detail::find_member;
    using detail::string_member;
    if (!manifest.IsObject()) return ManifestFormat::unknown;
    std::string_view config_type;
    if (const rapidjson::Value* config = find_member(manifest, "config")) {
        config_type = string_member(*config, "mediaType").value_or("");
    }
    if (config_type == media::kSpinLockfile) return ManifestFormat::spin_v1_config;
    if (const rapidjson::Value* layers = find_member(manifest, "layers");
        layers != nullptr && layers->IsArray()) {
        for (const auto& layer : layers->GetArray()) {
            if (string_member(layer, "mediaType") == media::kSpinLockfile) {
                return ManifestFormat::spin_oci_layer;
            }
        }
    }
    if (config_type == media::kWasmConfig) return ManifestFormat::wasm_oci;
    if (detail::is_image_config_type(config_type)) return ManifestFormat::oci_image;
    return ManifestFormat::unknown;
}

}  // namespace ociwasm
