// Checks of the wasm formats (wasm_format_checks.h). Facts, from each publisher:
// - CNCF TAG Runtime wasm OCI artifact guide (wgs/wasm/deliverables/wasm-oci-artifact): config
//   architecture "wasm", os "wasip1" (plain wasm) or "wasip2" (a component), layerDigests "the
//   digests of the layers in the same order", component metadata that "MUST be present when it
//   is a component (wasip2)", and "if a consumer sees more than a single layer for this version
//   of the spec, they should reject it". Its reference implementation (rust-oci-wasm) writes
//   wasip1 for modules and wasip2 for components.
// - runwasi (containerd-shim-wasm, client.rs load_modules): wasm layers are taken only from an
//   image whose config says architecture wasm; otherwise the container runs what its filesystem
//   holds.
// - wasmCloud (wash-lib registry.rs): an actor is pushed as one layer; pulling concatenates the
//   bytes of every layer into the one wasm binary.
#include "wasm_format_checks.h"

#include <vector>

#include "finding_location.h"
#include "ociwasm/finding_codes.h"
#include "ociwasm/media_types.h"
#include "text.h"
#include "wasm_formats.h"
#include "wasm_header.h"

namespace ociwasm::detail {
namespace {

std::string hex_bytes(std::string_view bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (char c : bytes) {
        auto byte = static_cast<unsigned char>(c);
        if (!out.empty()) out += ' ';
        out += kHex[byte >> 4];
        out += kHex[byte & 0xf];
    }
    return out.empty() ? "nothing" : out;
}

// What a complete header says the binary is, for messages.
std::string wasm_kind_phrase(const WasmHeader& header, std::string_view head) {
    if (header.shape == WasmHeader::Shape::module) return "a core wasm module (version 1)";
    if (header.shape == WasmHeader::Shape::component) {
        return "a wasm component (component-model version " + std::to_string(header.version) +
               ", layer 1)";
    }
    return "wasm of an unrecognised kind (version bytes " + hex_bytes(head.substr(4, 4)) + ")";
}

// Why `head` of a binary of `size` bytes is no wasm binary; "" when it is one.
std::string not_wasm_reason(const WasmHeader& header, std::string_view head, std::uint64_t size) {
    if (header.shape == WasmHeader::Shape::no_magic) {
        return "expected a wasm binary starting with \\0asm (00 61 73 6d), found " +
               hex_bytes(head.substr(0, 4));
    }
    if (size < kWasmHeaderSize || header.shape == WasmHeader::Shape::truncated) {
        return "expected an 8-byte wasm header (magic and version), found " + std::to_string(size) +
               " bytes";
    }
    return "";
}

void no_check(const rapidjson::Value&, std::string_view, Findings&) {}

const rapidjson::Value* layers_of(const rapidjson::Value& manifest) {
    const rapidjson::Value* layers = find_member(manifest, "layers");
    return layers != nullptr && layers->IsArray() ? layers : nullptr;
}

}  // namespace

void check_wasm_header(std::string_view head, std::uint64_t size, std::string_view blob_file,
                       std::string_view digest, Findings& out) {
    const std::string file(blob_file);
    const WasmHeader header = read_wasm_header(head);
    if (std::string reason = not_wasm_reason(header, head, size); !reason.empty()) {
        out.error(codes::kWasmMagic, where(file, "") + reason, file, "", std::string(digest));
        return;
    }
    out.info(codes::kWasmKind, where(file, "") + "this layer is " + wasm_kind_phrase(header, head),
             file, "", std::string(digest));
}

std::optional<ConfigPlatform> config_platform(const rapidjson::Value& config,
                                              std::string_view file) {
    auto os = string_member(config, "os");
    auto architecture = string_member(config, "architecture");
    if (!os && !architecture) return std::nullopt;
    return ConfigPlatform{std::string(os.value_or("")), std::string(architecture.value_or("")),
                          std::string(file)};
}

void check_entry_platform(const rapidjson::Value& platform, const ConfigPlatform& config,
                          std::string_view file, const std::string& pointer, Findings& out) {
    std::string_view os = string_member(platform, "os").value_or("");
    std::string_view architecture = string_member(platform, "architecture").value_or("");
    if (architecture != kWasmArchitecture && config.architecture != kWasmArchitecture) return;
    if (os == config.os && architecture == config.architecture) return;
    const std::string at = pointer + "/platform";
    out.warning(codes::kWasmPlatformMismatch,
                where(std::string(file), at) + "expected the platform of the image config " +
                    config.file + " (" + one_line(config.os) + "/" + one_line(config.architecture) +
                    "), found " + one_line(os) + "/" + one_line(architecture) +
                    " (runtimes pick the entry by one and run the image by the other)",
                std::string(file), at);
}

WasmFormatChecks::WasmFormatChecks(BlobAccess& blobs, Findings& out)
    : blobs_(blobs),
      out_(out),
      wasm_configs_({codes::kJsonInvalid, "a wasm config", SchemaKind::wasm_config, no_check}) {}

void WasmFormatChecks::config_reached(const BlobRecord& record, std::string_view media_type) {
    if (media_type == media::kWasmConfig) wasm_configs_.get(record, blobs_, out_);
}

void WasmFormatChecks::manifest_walked(const WalkedManifest& walked) {
    switch (walked.format) {
        case ManifestFormat::wasm_oci:
            check_one_layer(walked, "the CNCF wasm artifact guide tells consumers to reject more");
            check_cncf_config(walked);
            break;
        case ManifestFormat::wasmcloud_actor:
            check_one_layer(walked,
                            "wasmCloud pushes one and joins the bytes of every layer into one "
                            "wasm binary when it pulls");
            break;
        case ManifestFormat::runwasi_wasm_layers:
            check_runwasi_platform(walked);
            break;
        case ManifestFormat::wasm_container_image:
            check_container_files(walked);
            break;
        case ManifestFormat::spin_v1_config:
        case ManifestFormat::spin_oci_layer:
        case ManifestFormat::wasm_to_oci:
        case ManifestFormat::oci_image:
        case ManifestFormat::unknown:
            break;
    }
}

void WasmFormatChecks::check_one_layer(const WalkedManifest& walked, std::string_view why) {
    const rapidjson::Value* layers = layers_of(*walked.manifest);
    if (layers == nullptr || layers->Size() <= 1) return;
    out_.error(codes::kWasmLayersMultiple,
               where(*walked.file, "/layers") + "expected one layer (" + std::string(why) +
                   "), found " + std::to_string(layers->Size()),
               *walked.file, "/layers");
}

void WasmFormatChecks::check_cncf_config(const WalkedManifest& walked) {
    if (walked.config_record == nullptr) return;
    const rapidjson::Value* config = wasm_configs_.get(*walked.config_record, blobs_, out_);
    if (config == nullptr || !config->IsObject()) return;
    const std::string& file = walked.config_record->path();
    auto architecture = string_member(*config, "architecture");
    if (architecture && *architecture != kWasmArchitecture) {
        out_.error(codes::kWasmConfigPlatform,
                   where(file, "/architecture") + "expected architecture \"wasm\", found " +
                       quoted(*architecture),
                   file, "/architecture");
    }
    auto os = string_member(*config, "os");
    if (os && *os != kWasiP1 && *os != kWasiP2) {
        out_.error(codes::kWasmConfigPlatform,
                   where(file, "/os") +
                       "expected os \"wasip1\" (a core module) or \"wasip2\" (a component), "
                       "found " +
                       quoted(*os),
                   file, "/os");
    }
    const rapidjson::Value* component = find_member(*config, "component");
    if (os == kWasiP2 && (component == nullptr || component->IsNull())) {
        std::string at = component == nullptr ? "" : "/component";
        out_.error(codes::kWasmConfigComponent,
                   where(file, at) +
                       "expected component metadata (exports, imports) for os \"wasip2\" (the "
                       "guide says it MUST be present for a component), found " +
                       (component == nullptr ? "no member \"component\"" : "null"),
                   file, at);
    }
    const rapidjson::Value* layers = layers_of(*walked.manifest);
    if (layers == nullptr) return;
    if (const rapidjson::Value* listed = find_member(*config, "layerDigests");
        listed != nullptr && listed->IsArray()) {
        std::vector<std::string> expected;
        std::vector<std::string> found;
        for (const rapidjson::Value& layer : layers->GetArray()) {
            expected.emplace_back(string_member(layer, "digest").value_or(""));
        }
        for (const rapidjson::Value& digest : listed->GetArray()) {
            found.emplace_back(digest.IsString() ? as_view(digest) : std::string_view("?"));
        }
        if (expected != found) {
            out_.error(codes::kWasmConfigLayerDigests,
                       where(file, "/layerDigests") +
                           "expected the digests of the manifest's layers in their order [" +
                           join(expected, ", ") + "], found [" + one_line(join(found, ", ")) + "]",
                       file, "/layerDigests");
        }
    }
    if (os) check_config_kind(*config, file, *layers);
}

// The os of a CNCF config against what the first layer (the entrypoint) holds.
void WasmFormatChecks::check_config_kind(const rapidjson::Value& config, const std::string& file,
                                         const rapidjson::Value& layers) {
    std::string_view os = string_member(config, "os").value_or("");
    if (layers.Size() == 0 || (os != kWasiP1 && os != kWasiP2)) return;
    auto digest = string_member(layers[0], "digest");
    const BlobRecord* record = digest ? blobs_.find(*digest) : nullptr;
    if (record == nullptr) return;
    auto head = blobs_.head(record->digest(), kWasmHeaderSize);
    if (!head) return;
    WasmHeader header = read_wasm_header(*head);
    bool module = header.shape == WasmHeader::Shape::module;
    bool component = header.shape == WasmHeader::Shape::component;
    if ((os == kWasiP1 && !component) || (os == kWasiP2 && !module)) return;
    out_.warning(codes::kWasmConfigKind,
                 where(file, "/os") + "expected os \"" + std::string(module ? kWasiP1 : kWasiP2) +
                     "\" for the first layer " + record->path() + ", which is " +
                     wasm_kind_phrase(header, *head) + ", found " + quoted(os),
                 file, "/os");
}

void WasmFormatChecks::check_runwasi_platform(const WalkedManifest& walked) {
    if (walked.image_config == nullptr || !walked.image_config->IsObject()) return;
    auto architecture = string_member(*walked.image_config, "architecture");
    if (!architecture || *architecture == kWasmArchitecture) return;
    const std::string& file = walked.config_record->path();
    out_.error(codes::kWasmConfigPlatform,
               where(file, "/architecture") +
                   "expected architecture \"wasm\" in an image with wasm layers (runwasi takes "
                   "them only then, and otherwise runs the empty filesystem), found " +
                   quoted(*architecture),
               file, "/architecture");
}

// Every .wasm file in the filesystem layers of a wasm container image, once per layer blob.
void WasmFormatChecks::check_container_files(const WalkedManifest& walked) {
    const rapidjson::Value* layers = layers_of(*walked.manifest);
    if (layers == nullptr) return;
    for (const rapidjson::Value& layer : layers->GetArray()) {
        if (!is_filesystem_layer_type(string_member(layer, "mediaType").value_or(""))) continue;
        auto digest = string_member(layer, "digest");
        const BlobRecord* record = digest ? blobs_.find(*digest) : nullptr;
        if (record == nullptr || !layers_listed_.insert(record->digest()).second) continue;
        const std::string& file = record->path();
        const LayerWasmFiles& listing = blobs_.wasm_files(record->digest());
        if (!listing.checked) {
            out_.info(codes::kWasmFilesUnchecked,
                      where(file, "") + "the .wasm files of this layer are not checked: " +
                          one_line(listing.problem),
                      file, "", record->digest());
            continue;
        }
        if (!listing.readable) {
            out_.error(codes::kWasmLayerInvalid,
                       where(file, "") +
                           "expected a filesystem layer (a tar, plain or compressed), found "
                           "bytes that are not one: " +
                           one_line(listing.problem),
                       file, "", record->digest());
            continue;
        }
        for (const LayerWasmFile& wasm : listing.files) {
            WasmHeader header = read_wasm_header(wasm.head);
            const std::string name = "/" + wasm.path;
            if (std::string reason = not_wasm_reason(header, wasm.head, wasm.size);
                !reason.empty()) {
                out_.warning(codes::kWasmFileMagic,
                             where(file, "") + "layer file " + quoted(name) + ": " + reason, file,
                             "", record->digest());
                continue;
            }
            out_.info(codes::kWasmFileKind,
                      where(file, "") + "layer file " + quoted(name) + " is " +
                          wasm_kind_phrase(header, wasm.head),
                      file, "", record->digest());
        }
    }
}

}  // namespace ociwasm::detail
