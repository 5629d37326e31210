// Recognising Spin (and other wasm) artifacts in OCI manifests.
#pragma once

#include <string_view>

#include <rapidjson/document.h>

namespace ociwasm {

enum class ManifestFormat {
    spin_v1_config,  // old: the config blob is the Spin lockfile
    spin_oci_layer,  // new: image config (wasm/wasip1) + lockfile as the last layer
    wasm_oci,        // CNCF wasm artifact: config application/vnd.wasm.config.v0+json
    oci_image,       // an ordinary container image
    unknown,
};

// Stable names used in output: "spin-v1-config", "spin-oci-layer", "wasm-oci", "oci-image",
// "unknown".
std::string_view format_name(ManifestFormat format);

// Detection looks only at the manifest's own JSON (config.mediaType, layer media types):
// spin_v1_config when config.mediaType is the Spin lockfile type; spin_oci_layer when any layer
// has the Spin lockfile type; wasm_oci for the wasm config type; oci_image for the OCI or Docker
// image config type; unknown otherwise (including non-objects).
ManifestFormat detect_format(const rapidjson::Value& manifest);

}  // namespace ociwasm
