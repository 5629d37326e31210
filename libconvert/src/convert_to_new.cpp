// Converting one manifest to the new format (spin-oci-layer): the lockfile, until now the config
// blob, moves to the last layer, and the standard image config labelled with its digest takes its
// place. The standard image config is owned here both ways: written (spin_image_config), and
// recognised when converting back drops it (image_config_is_regenerable).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "convert_internal.h"
#include "ociwasm/finding_codes.h"
#include "ociwasm/json.h"
#include "ociwasm/media_types.h"
#include "text.h"
#include "validate_internal.h"

namespace ociwasm {

std::string spin_image_config(std::string_view lockfile_digest) {
    rapidjson::Document config(rapidjson::kObjectType);
    detail::JsonAllocator& alloc = config.GetAllocator();
    rapidjson::Value labels(rapidjson::kObjectType);
    detail::set_string(labels, media::kLockedAppDigestLabel, lockfile_digest, alloc);
    rapidjson::Value inner(rapidjson::kObjectType);
    detail::set_member(inner, "Labels", std::move(labels), alloc);
    rapidjson::Value rootfs(rapidjson::kObjectType);
    detail::set_string(rootfs, "type", "layers", alloc);
    detail::set_member(rootfs, "diff_ids", rapidjson::Value(rapidjson::kArrayType), alloc);
    detail::set_string(config, "architecture", "wasm", alloc);
    detail::set_string(config, "os", "wasip1", alloc);
    detail::set_member(config, "config", std::move(inner), alloc);
    detail::set_member(config, "rootfs", std::move(rootfs), alloc);
    return write_canonical(config);
}

namespace detail {

using rapidjson::Value;

namespace {

// Adds to `why` what of an image config's rootfs converting back would not write again.
void check_rootfs(const Value& rootfs, std::vector<std::string>& why) {
    bool ok = rootfs.IsObject();
    if (ok) {
        for (const auto& field : rootfs.GetObject()) {
            std::string_view name = as_view(field.name);
            if (name == "type") {
                ok = ok && field.value.IsString() && as_view(field.value) == "layers";
            } else if (name == "diff_ids") {
                ok = ok && field.value.IsArray() && field.value.Empty();
            } else {
                ok = ok && field.value.IsNull();
            }
        }
    }
    if (!ok) why.push_back("rootfs " + write_canonical(rootfs) + " is dropped");
}

// Adds to `why` what of an image config's `config` member converting back would not write
// again: anything but the lockedAppDigest label naming this lockfile.
void check_config_labels(const Value& config, const std::string& lockfile_digest,
                         std::vector<std::string>& why) {
    if (!config.IsObject()) {
        why.push_back("config " + write_canonical(config) + " is dropped");
        return;
    }
    for (const auto& field : config.GetObject()) {
        if (field.value.IsNull()) continue;
        if (as_view(field.name) != "Labels" || !field.value.IsObject()) {
            why.push_back("config." + std::string(as_view(field.name)) + " is dropped");
            continue;
        }
        for (const auto& label : field.value.GetObject()) {
            bool ours = as_view(label.name) == media::kLockedAppDigestLabel &&
                        label.value.IsString() && as_view(label.value) == lockfile_digest;
            if (!ours) {
                why.push_back("label " + quoted(as_view(label.name)) + " " +
                              write_canonical(label.value) + " is dropped");
            }
        }
    }
}

}  // namespace

bool image_config_is_regenerable(const Value& config, const std::string& lockfile_digest,
                                 std::vector<std::string>& why) {
    if (!config.IsObject()) {
        why.push_back("the config is not a JSON object");
        return false;
    }
    for (const auto& m : config.GetObject()) {
        std::string_view name = as_view(m.name);
        const Value& value = m.value;
        if (value.IsNull()) continue;
        if (name == "architecture" || name == "os") {
            std::string_view expected = name == "architecture" ? "wasm" : "wasip1";
            if (!value.IsString() || as_view(value) != expected) {
                why.push_back(std::string(name) + " " + write_canonical(value) + " becomes " +
                              quoted(expected));
            }
        } else if (name == "rootfs") {
            check_rootfs(value, why);
        } else if (name == "config") {
            check_config_labels(value, lockfile_digest, why);
        } else {
            why.push_back(quoted(name) + " is dropped");
        }
    }
    return why.empty();
}

Status Converter::to_new(rapidjson::Document& manifest, const std::string& file,
                         ManifestOutcome& out) {
    JsonAllocator& alloc = manifest.GetAllocator();
    Value* config = mutable_member(manifest, "config");
    Value* layers = mutable_member(manifest, "layers");
    std::optional<std::string> lockfile_digest;
    if (config != nullptr) {
        if (auto digest = string_member(*config, "digest")) lockfile_digest.emplace(*digest);
    }
    if (!lockfile_digest || layers == nullptr || !layers->IsArray()) {
        refuse(codes::kConvertLockfileLayers,
               "expected a config descriptor with a digest and a layers array, found neither", file,
               "");
        return Status::ok();
    }
    for (rapidjson::SizeType i = 0; i < layers->Size(); ++i) {
        if (string_member((*layers)[i], "mediaType") == media::kSpinLockfile) {
            refuse(codes::kConvertLockfileLayers,
                   "the config blob is the lockfile, and this layer is a lockfile too; expected "
                   "no lockfile layer in the old format, found one",
                   file, pointer_join("/layers", i));
            return Status::ok();
        }
    }
    std::string config_digest = add_blob(spin_image_config(*lockfile_digest));

    // The lockfile descriptor moves as it is: same mediaType, digest, size (and any extras).
    Value lockfile_layer(*config, alloc);
    layers->PushBack(lockfile_layer, alloc);
    Value image_config(rapidjson::kObjectType);
    set_string(image_config, "mediaType", media::kOciConfig, alloc);
    set_string(image_config, "digest", config_digest, alloc);
    set_member(image_config, "size",
               Value(static_cast<std::uint64_t>(new_blobs_.at(config_digest).size())), alloc);
    *config = image_config;
    if (options_.artifact_type) {
        set_string(manifest, "artifactType", *options_.artifact_type, alloc);
    } else {
        remove_member(manifest, "artifactType");
    }
    out.artifact_type = options_.artifact_type;

    std::string bytes = write_canonical(manifest);
    out.new_size = bytes.size();
    out.new_digest = add_blob(std::move(bytes));
    out.converted = true;
    return Status::ok();
}

}  // namespace detail
}  // namespace ociwasm
