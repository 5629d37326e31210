// The OCI graph as every walk sees it: media-type classes, blob paths, ref names, and the one
// limit and cycle guard for nested indexes. Validate, convert and inspect walk the graph in
// their own ways (share the rules, not the control flow); each asks here.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include <rapidjson/document.h>

namespace ociwasm::detail {

// ---- media-type classes ----

bool is_index_type(std::string_view media_type);         // OCI index, Docker manifest list
bool is_manifest_type(std::string_view media_type);      // OCI manifest, Docker manifest v2
bool is_image_config_type(std::string_view media_type);  // OCI image config, Docker's
// Every wasm layer type of the formats we know (wasm_formats.h): its bytes are one wasm binary.
bool is_wasm_layer_type(std::string_view media_type);
bool is_spin_wasm_layer_type(std::string_view media_type);  // Spin's wasm layer, application/wasm
bool is_archive_layer_type(std::string_view media_type);    // Spin's tar+gzip bundle of files
// A manifest or index type whose rules are Docker Image Manifest V2 Schema 2's (Docker's manifest
// and manifest list), not OCI's.
bool is_docker_document_type(std::string_view media_type);

// ---- blobs and ref names ----

// "blobs/<algorithm>/<encoded>" for "algorithm:encoded" (a digest without ':' stays whole).
std::string blob_path(std::string_view digest);

// The org.opencontainers.image.ref.name annotation of a descriptor, if it has one.
std::optional<std::string_view> ref_name_of(const rapidjson::Value& descriptor);

// ---- nested indexes ----

// Indexes are followed down to this many levels below index.json (level 1: an index that
// index.json names). Real layouts nest one or two levels.
inline constexpr std::size_t kMaxIndexDepth = 32;

// The path of nested indexes a walk is inside: entering an index that is already on the path
// (a cycle) or one deeper than kMaxIndexDepth is refused.
class NestedIndexGuard {
  public:
    enum class Entry { entered, cycle, too_deep };
    // Enters index `digest` at `level` (1 for an index that index.json names).
    Entry enter(const std::string& digest, std::size_t level);
    void leave(const std::string& digest) { path_.erase(digest); }

  private:
    std::unordered_set<std::string> path_;
};

}  // namespace ociwasm::detail
