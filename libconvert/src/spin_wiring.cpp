// The graph walk's one hook into the Spin checks: it recognises what in a manifest belongs to a
// Spin app (the lockfile as the config or as a layer, wasm layers), loads it once, and runs the
// Spin checks (spin_checks.cpp) on it at the points of the walk that call in. The walk itself
// (validate.cpp) keeps only the OCI rules.
#include <optional>
#include <string>
#include <string_view>

#include "finding_location.h"
#include "ociwasm/digest.h"
#include "ociwasm/finding_codes.h"
#include "ociwasm/json.h"
#include "ociwasm/media_types.h"
#include "validate_internal.h"
#include "wasm_format_checks.h"
#include "wasm_formats.h"

namespace ociwasm::detail {
namespace {

// /layers/<index> of a manifest pick_lockfile_layer found it in.
const rapidjson::Value& layer_at(const rapidjson::Value& manifest, std::size_t index) {
    return find_member(manifest, "layers")->GetArray()[static_cast<rapidjson::SizeType>(index)];
}

}  // namespace

SpinWiring::SpinWiring(BlobAccess& blobs, Findings& out)
    : blobs_(blobs),
      out_(out),
      lockfiles_({codes::kSpinLockfileInvalid, "a Spin lockfile", SchemaKind::lockfile,
                  check_lockfile_internal}) {}

void SpinWiring::config_reached(const BlobRecord& record, std::string_view media_type) {
    if (media_type == media::kSpinLockfile) lockfiles_.get(record, blobs_, out_);
}

void SpinWiring::lockfiles_named(const rapidjson::Value& manifest,
                                 std::vector<const BlobRecord*>& out) const {
    auto add = [&](const rapidjson::Value& descriptor) {
        if (string_member(descriptor, "mediaType").value_or("") != media::kSpinLockfile) return;
        if (auto digest = string_member(descriptor, "digest")) {
            if (const BlobRecord* record = blobs_.find(*digest)) out.push_back(record);
        }
    };
    if (const rapidjson::Value* config = find_member(manifest, "config");
        config != nullptr && config->IsObject()) {
        add(*config);
    }
    const rapidjson::Value* layers = find_member(manifest, "layers");
    if (layers == nullptr || !layers->IsArray()) return;
    for (const rapidjson::Value& layer : layers->GetArray()) {
        if (layer.IsObject()) add(layer);
    }
}

void SpinWiring::layer_reached(ManifestFormat format, std::string_view media_type,
                               const BlobRecord& record) {
    if (is_wasm_layer_format(format) && is_wasm_layer_type(media_type)) check_wasm(record);
    if (format == ManifestFormat::spin_oci_layer && media_type == media::kSpinLockfile) {
        lockfiles_.get(record, blobs_, out_);
    }
}

void SpinWiring::manifest_walked(const WalkedManifest& walked) {
    if (walked.format == ManifestFormat::spin_v1_config) {
        check_v1_config(walked);
    } else if (walked.format == ManifestFormat::spin_oci_layer) {
        check_oci_layer(walked);
    }
}

void SpinWiring::finish() {
    if (lock_version_files_.empty()) return;
    out_.remove_if([&](const Finding& f) {
        return f.code == codes::kSpinLockfileSchema && f.pointer.empty() &&
               lock_version_files_.count(f.file) > 0 &&
               f.message.find("\"spin_lock_version\"") != std::string::npos;
    });
}

void SpinWiring::check_wasm(const BlobRecord& record) {
    std::string key = record.digest();
    if (!wasm_checked_.insert(key).second) return;
    if (auto head = blobs_.head(key, 8))
        check_wasm_header(*head, record.size, record.path(), key, out_);
}

void SpinWiring::lockfile_missing(const std::string& file, const std::string& pointer,
                                  std::string_view digest) {
    out_.error(codes::kSpinLockfileMissing,
               where(file, pointer) + "expected the Spin lockfile blob " + std::string(digest) +
                   " in the layout, found none",
               file, pointer, std::string(digest));
}

// Old format: the config blob is the lockfile.
void SpinWiring::check_v1_config(const WalkedManifest& walked) {
    const std::string& file = *walked.file;
    SpinManifestInput input;
    input.manifest = walked.manifest;
    input.manifest_file = file;
    input.v1_config = true;
    if (walked.config_record == nullptr) {
        auto digest =
            walked.config != nullptr ? string_member(*walked.config, "digest") : std::nullopt;
        if (digest && is_valid_digest(*digest)) lockfile_missing(file, "/config/digest", *digest);
    } else {
        input.lockfile = lockfiles_.get(*walked.config_record, blobs_, out_);
        input.lockfile_file = walked.config_record->path();
        input.lockfile_digest = walked.config_record->digest();
    }
    check_lock_version(input);
    check_spin_manifest(input, blobs_, out_);
}

// Spin refuses an old-format lockfile without spin_lock_version when the app has several layers.
void SpinWiring::check_lock_version(const SpinManifestInput& input) {
    if (input.lockfile == nullptr || !input.lockfile->IsObject() ||
        find_member(*input.lockfile, "spin_lock_version") != nullptr) {
        return;
    }
    const rapidjson::Value* layers = find_member(*input.manifest, "layers");
    std::size_t count = layers != nullptr && layers->IsArray() ? layers->Size() : 0;
    if (count <= 1) return;
    lock_version_files_.insert(input.lockfile_file);
    out_.error(codes::kSpinLockVersionMissing,
               where(input.lockfile_file, "") +
                   "expected member \"spin_lock_version\" (0) in a lockfile used with " +
                   std::to_string(count) +
                   " layers, found a lockfile without it (Spin refuses to load it)",
               input.lockfile_file, "");
}

// New format: the lockfile is a layer, the image config carries the platform and its digest.
void SpinWiring::check_oci_layer(const WalkedManifest& walked) {
    const rapidjson::Value& manifest = *walked.manifest;
    const std::string& file = *walked.file;
    SpinManifestInput input;
    input.manifest = &manifest;
    input.manifest_file = file;
    input.lockfile_layer = pick_lockfile_layer(manifest, file, out_);
    if (input.lockfile_layer) {
        auto digest = string_member(layer_at(manifest, *input.lockfile_layer), "digest");
        const BlobRecord* record =
            digest && is_valid_digest(*digest) ? blobs_.find(*digest) : nullptr;
        std::string pointer = pointer_join("/layers", *input.lockfile_layer);
        if (record == nullptr) {
            if (digest && is_valid_digest(*digest))
                lockfile_missing(file, pointer + "/digest", *digest);
        } else {
            input.lockfile = lockfiles_.get(*record, blobs_, out_);
            input.lockfile_file = record->path();
            input.lockfile_digest = record->digest();
        }
    }
    std::string lockfile_digest = input.lockfile_digest;
    if (lockfile_digest.empty() && input.lockfile_layer) {
        lockfile_digest = std::string(
            string_member(layer_at(manifest, *input.lockfile_layer), "digest").value_or(""));
    }
    check_spin_config(walked.image_config,
                      walked.config_record != nullptr ? walked.config_record->path() : "",
                      walked.config_type, file, lockfile_digest, out_);
    check_spin_manifest(input, blobs_, out_);
}

}  // namespace ociwasm::detail
