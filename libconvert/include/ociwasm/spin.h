// Recognising Spin and the other wasm packaging formats in OCI manifests.
#pragma once

#include <string_view>

#include <rapidjson/document.h>

namespace ociwasm {

enum class ManifestFormat {
    spin_v1_config,  // old Spin: the config blob is the Spin lockfile
    spin_oci_layer,  // new Spin: image config (wasm/wasip1) + lockfile as the last layer
    wasm_oci,        // CNCF TAG Runtime wasm artifact: config application/vnd.wasm.config.v0+json
    wasm_to_oci,     // wasm-to-oci / krustlet: config application/vnd.wasm.config.v1+json
    runwasi_wasm_layers,   // image config + runwasi's wasm layer types (oci-tar-builder)
    wasmcloud_actor,       // wasmCloud: config application/vnd.wasmcloud.actor.archive.config
    wasm_container_image,  // a container image whose platform is wasm (.wasm files in its layers)
    oci_image,             // an ordinary container image
    unknown,
};

// Stable names used in output: "spin-v1-config", "spin-oci-layer", "wasm-oci", "wasm-to-oci",
// "runwasi-wasm-layers", "wasmcloud-actor", "wasm-container-image", "oci-image", "unknown".
std::string_view format_name(ManifestFormat format);

// Detection from the manifest's own JSON (config.mediaType, layer media types), first match:
// spin_v1_config when config.mediaType is the Spin lockfile type; spin_oci_layer when any layer
// has the Spin lockfile type; wasm_oci, wasm_to_oci and wasmcloud_actor by their config types;
// runwasi_wasm_layers for an OCI or Docker image config with a layer of runwasi's layer types
// (application/vnd.bytecodealliance.wasm.component.layer.v0+wasm, application/wasm); oci_image
// for any other image config; unknown otherwise (including non-objects).
ManifestFormat detect_format(const rapidjson::Value& manifest);

// The same, told whether the image config or the index entry that leads to the manifest names
// architecture "wasm": an oci_image then is a wasm_container_image.
ManifestFormat detect_format(const rapidjson::Value& manifest, bool wasm_platform);

}  // namespace ociwasm
