// The checks of the wasm formats beside Spin's (wasm_formats.h names them): the wasm header of a
// wasm layer, the CNCF wasm config's own rules, the one-layer rule, the platform of runwasi's
// images, and the .wasm files of wasm container images. The graph walk (validate.cpp) calls them
// at fixed points, the way it calls the Spin checks (spin_wiring.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include <rapidjson/document.h>

#include "ociwasm/finding.h"
#include "validate_internal.h"

namespace ociwasm::detail {

// WASM-MAGIC / WASM-KIND for one wasm layer blob, given its first bytes.
void check_wasm_header(std::string_view head, std::uint64_t size, std::string_view blob_file,
                       std::string_view digest, Findings& out);

// What an image config says of its platform, and where it says it.
struct ConfigPlatform {
    std::string os;
    std::string architecture;
    std::string file;  // the config blob's path
};

// The platform of a parsed image config; nullopt when it names neither os nor architecture.
std::optional<ConfigPlatform> config_platform(const rapidjson::Value& config,
                                              std::string_view file);

// WASM-PLATFORM-MISMATCH: the `platform` of the index entry at `file`#`pointer` against the
// config of the manifest it leads to, when either of them says wasm.
void check_entry_platform(const rapidjson::Value& platform, const ConfigPlatform& config,
                          std::string_view file, const std::string& pointer, Findings& out);

class WasmFormatChecks {
  public:
    WasmFormatChecks(BlobAccess& blobs, Findings& out);

    // A manifest's config blob is in the layout: a CNCF wasm config is loaded and schema-checked
    // (once per digest).
    void config_reached(const BlobRecord& record, std::string_view media_type);
    // The walk is done with a manifest's config and layers, its format known: that format's
    // checks.
    void manifest_walked(const WalkedManifest& walked);

  private:
    void check_cncf_config(const WalkedManifest& walked);
    void check_config_kind(const rapidjson::Value& config, const std::string& file,
                           const rapidjson::Value& layers);
    void check_one_layer(const WalkedManifest& walked, std::string_view what);
    void check_runwasi_platform(const WalkedManifest& walked);
    void check_container_files(const WalkedManifest& walked);

    BlobAccess& blobs_;
    Findings& out_;
    DocumentCache wasm_configs_;
    std::unordered_set<std::string> layers_listed_;
};

}  // namespace ociwasm::detail
