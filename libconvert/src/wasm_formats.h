// The wasm packaging formats beside Spin's (spin.h names them): which media types and platform
// values make each one, in one place. Format detection (wasm_formats.cpp), the walk's format
// checks (wasm_format_checks.cpp) and inspect all ask here.
#pragma once

#include <string_view>

#include "ociwasm/spin.h"

namespace ociwasm::detail {

// The platform architecture of wasm, in image configs, wasm configs and index entries.
inline constexpr std::string_view kWasmArchitecture = "wasm";
// The os values the CNCF wasm config allows: a core module (wasip1) or a component (wasip2).
inline constexpr std::string_view kWasiP1 = "wasip1";
inline constexpr std::string_view kWasiP2 = "wasip2";

// Formats whose wasm layers (oci_graph.h is_wasm_layer_type) each hold one wasm binary, whose
// header is checked.
bool is_wasm_layer_format(ManifestFormat format);

// Config media types that carry a platform (os, architecture) of their own: OCI and Docker image
// configs, and the CNCF wasm config.
bool config_has_platform(std::string_view media_type);

// Filesystem layers of container images: tar, tar+gzip, tar+zstd (OCI), tar.gzip (Docker).
bool is_filesystem_layer_type(std::string_view media_type);

// A file a wasm container image holds as a wasm binary, by its name ("app.wasm", "lib/c.wasm").
bool is_wasm_file_path(std::string_view path);

}  // namespace ociwasm::detail
