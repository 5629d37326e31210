// Recognising the packaging format of a manifest (spin.h), and the media-type and platform
// classes of the wasm formats (wasm_formats.h).
#include "wasm_formats.h"

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
        case ManifestFormat::wasm_to_oci:
            return "wasm-to-oci";
        case ManifestFormat::runwasi_wasm_layers:
            return "runwasi-wasm-layers";
        case ManifestFormat::wasmcloud_actor:
            return "wasmcloud-actor";
        case ManifestFormat::wasm_container_image:
            return "wasm-container-image";
        case ManifestFormat::oci_image:
            return "oci-image";
        case ManifestFormat::unknown:
            return "unknown";
    }
    return "unknown";
}

namespace {

// runwasi's shim takes these layer types from an image whose config says architecture wasm
// (containerd-shim-wasm, Shim::supported_layers_types).
bool is_runwasi_layer_type(std::string_view media_type) {
    return media_type == media::kRunwasiWasmLayer || media_type == media::kWasmLayerAlt;
}

}  // namespace

ManifestFormat detect_format(const rapidjson::Value& manifest) {
    using detail::find_member;
    using detail::string_member;
    if (!manifest.IsObject()) return ManifestFormat::unknown;
    std::string_view config_type;
    if (const rapidjson::Value* config = find_member(manifest, "config")) {
        config_type = string_member(*config, "mediaType").value_or("");
    }
    if (config_type == media::kSpinLockfile) return ManifestFormat::spin_v1_config;
    bool runwasi_layer = false;
    if (const rapidjson::Value* layers = find_member(manifest, "layers");
        layers != nullptr && layers->IsArray()) {
        for (const auto& layer : layers->GetArray()) {
            std::string_view type = string_member(layer, "mediaType").value_or("");
            if (type == media::kSpinLockfile) return ManifestFormat::spin_oci_layer;
            runwasi_layer = runwasi_layer || is_runwasi_layer_type(type);
        }
    }
    if (config_type == media::kWasmConfig) return ManifestFormat::wasm_oci;
    if (config_type == media::kWasmConfigV1) return ManifestFormat::wasm_to_oci;
    if (config_type == media::kWasmCloudActorConfig) return ManifestFormat::wasmcloud_actor;
    if (detail::is_image_config_type(config_type)) {
        return runwasi_layer ? ManifestFormat::runwasi_wasm_layers : ManifestFormat::oci_image;
    }
    return ManifestFormat::unknown;
}

ManifestFormat detect_format(const rapidjson::Value& manifest, bool wasm_platform) {
    ManifestFormat format = detect_format(manifest);
    if (format == ManifestFormat::oci_image && wasm_platform) {
        return ManifestFormat::wasm_container_image;
    }
    return format;
}

namespace detail {

bool is_wasm_layer_format(ManifestFormat format) {
    switch (format) {
        case ManifestFormat::spin_v1_config:
        case ManifestFormat::spin_oci_layer:
        case ManifestFormat::wasm_oci:
        case ManifestFormat::wasm_to_oci:
        case ManifestFormat::runwasi_wasm_layers:
        case ManifestFormat::wasmcloud_actor:
            return true;
        case ManifestFormat::wasm_container_image:
        case ManifestFormat::oci_image:
        case ManifestFormat::unknown:
            return false;
    }
    return false;
}

bool config_has_platform(std::string_view media_type) {
    return is_image_config_type(media_type) || media_type == media::kWasmConfig;
}

bool is_filesystem_layer_type(std::string_view media_type) {
    return media_type == media::kOciLayerTar || media_type == media::kOciLayerTarGzip ||
           media_type == media::kOciLayerTarZstd || media_type == media::kDockerLayerTarGzip;
}

bool is_wasm_file_path(std::string_view path) {
    constexpr std::string_view kSuffix = ".wasm";
    return path.size() > kSuffix.size() && path.ends_with(kSuffix) &&
           path[path.size() - kSuffix.size() - 1] != '/';
}

}  // namespace detail
}  // namespace ociwasm
