#include "oci_graph.h"

#include "ociwasm/media_types.h"

namespace ociwasm::detail {

bool is_index_type(std::string_view media_type) {
    return media_type == media::kOciIndex || media_type == media::kDockerManifestList;
}

bool is_manifest_type(std::string_view media_type) {
    return media_type == media::kOciManifest || media_type == media::kDockerManifest;
}

bool is_image_config_type(std::string_view media_type) {
    return media_type == media::kOciConfig || media_type == media::kDockerImageConfig;
}

bool is_wasm_layer_type(std::string_view media_type) {
    return is_spin_wasm_layer_type(media_type) || media_type == media::kRunwasiWasmLayer ||
           media_type == media::kWasmCloudActorLayer;
}

bool is_spin_wasm_layer_type(std::string_view media_type) {
    return media_type == media::kWasmLayer || media_type == media::kWasmLayerAlt;
}

bool is_archive_layer_type(std::string_view media_type) {
    return media_type == media::kArchiveLayer;
}

bool is_docker_document_type(std::string_view media_type) {
    return media_type == media::kDockerManifest || media_type == media::kDockerManifestList;
}

std::string blob_path(std::string_view digest) {
    auto colon = digest.find(':');
    if (colon == std::string_view::npos) return "blobs/" + std::string(digest);
    return "blobs/" + std::string(digest.substr(0, colon)) + "/" +
           std::string(digest.substr(colon + 1));
}

std::optional<std::string_view> ref_name_of(const rapidjson::Value& descriptor) {
    if (!descriptor.IsObject()) return std::nullopt;
    auto annotations = descriptor.FindMember("annotations");
    if (annotations == descriptor.MemberEnd() || !annotations->value.IsObject()) {
        return std::nullopt;
    }
    const rapidjson::Value& map = annotations->value;
    auto name = map.FindMember(
        rapidjson::StringRef(media::kRefNameAnnotation.data(), media::kRefNameAnnotation.size()));
    if (name == map.MemberEnd() || !name->value.IsString()) return std::nullopt;
    return std::string_view(name->value.GetString(), name->value.GetStringLength());
}

NestedIndexGuard::Entry NestedIndexGuard::enter(const std::string& digest, std::size_t level) {
    if (path_.contains(digest)) return Entry::cycle;
    if (level > kMaxIndexDepth) return Entry::too_deep;
    path_.insert(digest);
    return Entry::entered;
}

}  // namespace ociwasm::detail
