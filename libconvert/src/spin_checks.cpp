// Spin checks (FORMATS.md sections 4 and 5): the lockfile on its own, the lockfile against the
// manifest's layers (both packaging formats), the image config's platform and label, archive
// layers. (Wasm headers are wasm_format_checks.cpp's.)

#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "finding_location.h"
#include "layout_source_internal.h"
#include "lockfile_view.h"
#include "ociwasm/digest.h"
#include "ociwasm/finding_codes.h"
#include "ociwasm/json.h"
#include "ociwasm/media_types.h"
#include "text.h"
#include "validate_internal.h"

namespace ociwasm::detail {
namespace {

// A file Spin's local loader wrote (crates/loader): a directory named by a file:// URL in
// `source`, mounted at `path` in the guest, with no digest or inline content. Spin's files
// mounter (crates/factor-wasi) hands such a guest path to WASI as it is, so "/" is normal there.
bool is_local_file(const ContentRef& ref) {
    auto source = string_member(ref.value, "source");
    return source && source->starts_with("file://") && !ref.digest() && !ref.inline_content();
}

// Why a registry file path (one with a digest or inline content) is not what Spin's OCI loader
// joins below its mount directory, or nullopt when it is fine. crates/oci refuses every path
// component that is not a normal name (std::path::Component::Normal): the root, "..", and a
// leading "." (Rust drops "." elsewhere); "\\" and drive letters are refused too, as a Windows
// host would read them.
std::optional<std::string> registry_path_problem(std::string_view path) {
    if (!path.empty() && (path.front() == '/' || path.front() == '\\')) {
        return "an absolute path";
    }
    if (path.size() >= 2 && std::isalpha(static_cast<unsigned char>(path[0])) && path[1] == ':') {
        return "a path with a drive letter";
    }
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find_first_of("/\\", start);
        if (end == std::string_view::npos) end = path.size();
        std::string_view component = path.substr(start, end - start);
        if (component == "..") return "a path with a \"..\" component";
        if (start == 0 && component == ".") return "a path starting with a \".\" component";
        start = end + 1;
    }
    return std::nullopt;
}

// The inline content of a content ref must hash to its digest when both are given.
void check_inline(const rapidjson::Value& ref, std::string_view file, const std::string& pointer,
                  Findings& out) {
    auto inline_text = string_member(ref, "inline");
    auto digest_text = string_member(ref, "digest");
    if (!inline_text || !digest_text) return;
    std::string decoded;
    // A malformed inline value or digest is the schema's to report.
    if (!decode_base64(*inline_text, false, decoded)) return;
    auto digest = parse_digest(*digest_text);
    if (!digest || digest->algorithm != "sha256") return;
    std::string computed = sha256_hex(decoded);
    if (computed == digest->encoded) return;
    std::string at = pointer + "/inline";
    out.error(codes::kSpinInlineDigestMismatch,
              where(file, at) + "expected inline content hashing to " + digest->str() +
                  " (its digest), found sha256:" + computed,
              std::string(file), at);
}

const rapidjson::Value* array_member(const rapidjson::Value& object, std::string_view name) {
    const rapidjson::Value* value = find_member(object, name);
    return value != nullptr && value->IsArray() ? value : nullptr;
}

struct Layer {
    std::string media_type;
    std::string digest;
};

// Layers Spin treats as data: anything not wasm, not the lockfile, not an archive.
bool is_data_like_type(std::string_view media_type) {
    return !is_spin_wasm_layer_type(media_type) && media_type != media::kSpinLockfile &&
           !is_archive_layer_type(media_type);
}

std::string normalized_member_path(std::string_view path) {
    return normalize_entry_path(path).path;
}

// Cross-checks one lockfile against the layers of one manifest.
class SpinCrossCheck {
  public:
    SpinCrossCheck(const SpinManifestInput& input, BlobAccess& blobs, Findings& out)
        : input_(input), blobs_(blobs), out_(out) {}

    void run() {
        const rapidjson::Value* layers = array_member(*input_.manifest, "layers");
        if (layers != nullptr) {
            for (rapidjson::SizeType i = 0; i < layers->Size(); ++i) {
                const rapidjson::Value& layer = (*layers)[i];
                Layer entry{std::string(string_member(layer, "mediaType").value_or("")),
                            std::string(string_member(layer, "digest").value_or(""))};
                if (!entry.digest.empty()) by_digest_[entry.digest].push_back(i);
                if (is_archive_layer_type(entry.media_type)) archives_.push_back(i);
                layers_.push_back(std::move(entry));
            }
        }
        referenced_.assign(layers_.size(), false);
        if (layers_.size() > kMaxSpinLayers) {
            out_.warning(codes::kSpinTooManyLayers,
                         where(input_.manifest_file, "/layers") + "expected at most " +
                             std::to_string(kMaxSpinLayers) +
                             " layers (some registries refuse more; Spin switches to archive "
                             "layers past that), found " +
                             std::to_string(layers_.size()),
                         input_.manifest_file, "/layers");
        }
        for (std::size_t i = 0; i < layers_.size(); ++i) {
            if (layers_[i].media_type == media::kSpinLockfile) referenced_[i] = true;
        }
        if (input_.lockfile == nullptr || !input_.lockfile->IsObject()) return;

        check_components();
        report_unreferenced();
    }

  private:
    void check_components() {
        LockfileView(*input_.lockfile).visit([this](const ContentRef& ref) {
            if (ref.kind == ContentKind::file) {
                check_file(ref.value, ref.pointer);
            } else {
                check_wasm_source(ref.value, ref.pointer,
                                  ref.kind == ContentKind::source ? "component" : "dependency");
            }
        });
    }

    void check_wasm_source(const rapidjson::Value& source, const std::string& pointer,
                           std::string_view what) {
        if (!source.IsObject()) return;
        bool has_inline = string_member(source, "inline").has_value();
        auto digest = string_member(source, "digest");
        const std::string& file = input_.lockfile_file;
        if (!digest) {
            if (has_inline) return;
            out_.error(codes::kSpinSourceDigestMissing,
                       where(file, pointer) + "expected the " + std::string(what) +
                           " source to carry a digest naming a wasm layer (or inline content), "
                           "found neither",
                       file, pointer);
            return;
        }
        std::string at = pointer + "/digest";
        auto found = by_digest_.find(std::string(*digest));
        std::optional<std::size_t> other_type;
        if (found != by_digest_.end()) {
            bool matched = false;
            for (std::size_t index : found->second) {
                if (is_spin_wasm_layer_type(layers_[index].media_type)) {
                    referenced_[index] = true;
                    matched = true;
                } else {
                    other_type = index;
                }
            }
            if (matched) return;
        }
        if (has_inline) return;
        std::string message = where(file, at) + "expected a wasm layer (" +
                              std::string(media::kWasmLayer) + ") with digest " +
                              std::string(*digest) + " in " + input_.manifest_file + ", found ";
        if (other_type) {
            message += "only /layers/" + std::to_string(*other_type) + " of type " +
                       quoted(layers_[*other_type].media_type);
        } else {
            message += "no such layer";
        }
        out_.error(codes::kSpinSourceDigestMissing, message, file, at, std::string(*digest));
    }

    void check_file(const rapidjson::Value& file_ref, const std::string& pointer) {
        if (!file_ref.IsObject()) return;
        const std::string& file = input_.lockfile_file;
        bool has_inline = string_member(file_ref, "inline").has_value();
        auto digest = string_member(file_ref, "digest");
        auto path = string_member(file_ref, "path");
        bool resolved = has_inline;
        std::optional<std::size_t> wrong_type;

        if (digest) {
            if (auto found = by_digest_.find(std::string(*digest)); found != by_digest_.end()) {
                for (std::size_t index : found->second) {
                    if (is_data_like_type(layers_[index].media_type)) {
                        referenced_[index] = true;
                        resolved = true;
                    } else if (!is_archive_layer_type(layers_[index].media_type)) {
                        wrong_type = index;
                    }
                }
            }
        }
        // Archive members: matched by digest (as Spin indexes them) or, without a digest, by path.
        std::string path_mismatch;
        bool unchecked_archive = false;
        if (!archives_.empty() && (digest || path)) {
            std::string member_path = path ? normalized_member_path(*path) : std::string();
            for (std::size_t index : archives_) {
                ArchiveListing& listing = archive_listing(index);
                if (!listing.checked || !listing.readable) {
                    unchecked_archive = unchecked_archive || !listing.checked;
                    continue;
                }
                if (digest) {
                    if (listing.digests.count(std::string(*digest)) > 0) {
                        referenced_[index] = true;
                        resolved = true;
                    } else if (auto member = listing.by_path.find(member_path);
                               path && member != listing.by_path.end()) {
                        path_mismatch = "/layers/" + std::to_string(index) + " holds " +
                                        quoted(member_path) + " hashing to " + member->second;
                    }
                } else if (listing.by_path.count(member_path) > 0) {
                    referenced_[index] = true;
                    resolved = true;
                }
            }
            if (unchecked_archive && !resolved) {
                // An archive we could not read may hold the file: do not call it missing, and
                // do not call the archive unreferenced.
                for (std::size_t index : archives_) {
                    if (!archive_listing(index).checked) referenced_[index] = true;
                }
                return;
            }
        }
        if (resolved) return;

        std::string what = path ? quoted(*path) : std::string("(no path)");
        if (digest) what += " with digest " + std::string(*digest);
        std::string found;
        if (!path_mismatch.empty()) {
            found = path_mismatch;
        } else if (wrong_type) {
            found = "only /layers/" + std::to_string(*wrong_type) + " of type " +
                    quoted(layers_[*wrong_type].media_type);
        } else if (!digest) {
            found = "no inline content and no digest";
        } else {
            found = "none";
        }
        out_.error(codes::kSpinFileMissing,
                   where(file, pointer) + "expected file " + what +
                       " inline, as a data layer or inside an archive layer of " +
                       input_.manifest_file + ", found " + found,
                   file, pointer, digest ? std::string(*digest) : std::string());
    }

    ArchiveListing& archive_listing(std::size_t layer_index) {
        const std::string& digest = layers_[layer_index].digest;
        ArchiveListing& listing = blobs_.archive(digest);
        if (!listing.reported && !listing.problem.empty()) {
            listing.reported = true;
            const BlobRecord* record = blobs_.scan().find(digest);
            std::string file = record != nullptr ? record->path() : input_.manifest_file;
            std::string pointer =
                record != nullptr ? std::string() : "/layers/" + std::to_string(layer_index);
            if (listing.checked) {
                out_.error(codes::kSpinArchiveInvalid,
                           where(file, pointer) + "expected a readable tar.gz archive (" +
                               std::string(media::kArchiveLayer) + "), found " + listing.problem,
                           file, pointer, digest);
            } else if (record != nullptr) {
                out_.info(codes::kSpinArchiveUnchecked,
                          where(file, pointer) + "archive layer not listed: " + listing.problem +
                              "; files it may hold are not checked",
                          file, pointer, digest);
            }
        }
        return listing;
    }

    void report_unreferenced() {
        for (std::size_t i = 0; i < layers_.size(); ++i) {
            if (referenced_[i]) continue;
            std::string at = "/layers/" + std::to_string(i);
            out_.warning(codes::kSpinLayerUnreferenced,
                         where(input_.manifest_file, at) + "expected every layer to be used by " +
                             "the lockfile " + input_.lockfile_file + ", found layer " +
                             layers_[i].digest + " (" + quoted(layers_[i].media_type) +
                             ") that no component, dependency or file references",
                         input_.manifest_file, at, layers_[i].digest);
        }
    }

    const SpinManifestInput& input_;
    BlobAccess& blobs_;
    Findings& out_;
    std::vector<Layer> layers_;
    std::vector<bool> referenced_;
    std::unordered_map<std::string, std::vector<std::size_t>> by_digest_;
    std::vector<std::size_t> archives_;
};

}  // namespace

void check_lockfile_internal(const rapidjson::Value& lockfile, std::string_view file,
                             Findings& out) {
    if (!lockfile.IsObject()) return;
    std::unordered_set<std::string> component_ids;
    const rapidjson::Value* components = array_member(lockfile, "components");
    if (components != nullptr) {
        for (const auto& component : components->GetArray()) {
            if (auto id = string_member(component, "id")) component_ids.emplace(*id);
        }
    }

    if (const rapidjson::Value* triggers = array_member(lockfile, "triggers")) {
        for (rapidjson::SizeType i = 0; i < triggers->Size(); ++i) {
            const rapidjson::Value* config = find_member((*triggers)[i], "trigger_config");
            if (config == nullptr) continue;
            auto component = string_member(*config, "component");
            if (!component || component_ids.count(std::string(*component)) > 0) continue;
            std::string at = pointer_join("/triggers", i) + "/trigger_config/component";
            out.error(codes::kSpinTriggerComponentMissing,
                      where(file, at) + "expected the id of a component in /components, found " +
                          quoted(*component) + " which no component has",
                      std::string(file), at);
        }
    }

    LockfileView view(lockfile);
    auto check = [&](const ContentRef& ref) {
        check_inline(ref.value, file, ref.pointer, out);
        if (ref.kind != ContentKind::file || is_local_file(ref)) return;
        auto path = ref.path();
        if (!path) return;
        if (auto problem = registry_path_problem(*path)) {
            std::string at = ref.pointer + "/path";
            out.error(codes::kSpinFilePathUnsafe,
                      where(file, at) +
                          "expected a relative path of plain names joined by \"/\" (as Spin's OCI "
                          "loader requires of a file with a digest or inline content), found " +
                          *problem + " " + quoted(*path),
                      std::string(file), at);
        }
    };
    // Triggers first: the order findings have always come in.
    view.visit_triggers(check);
    view.visit_components(check);
}

std::optional<std::size_t> pick_lockfile_layer(const rapidjson::Value& manifest,
                                               std::string_view manifest_file, Findings& out) {
    const rapidjson::Value* layers = array_member(manifest, "layers");
    if (layers == nullptr) return std::nullopt;
    std::vector<std::size_t> lockfiles;
    for (rapidjson::SizeType i = 0; i < layers->Size(); ++i) {
        if (string_member((*layers)[i], "mediaType") == media::kSpinLockfile) {
            lockfiles.push_back(i);
        }
    }
    if (lockfiles.empty()) return std::nullopt;
    std::size_t chosen = lockfiles.back();
    if (lockfiles.size() > 1) {
        for (std::size_t index : lockfiles) {
            if (index == chosen) continue;
            std::string at = "/layers/" + std::to_string(index);
            out.error(codes::kSpinLockfileMultiple,
                      where(manifest_file, at) + "expected exactly one layer of type " +
                          std::string(media::kSpinLockfile) + ", found " +
                          std::to_string(lockfiles.size()) +
                          " (runtimes may pick any of them; /layers/" + std::to_string(chosen) +
                          " is the one checked)",
                      std::string(manifest_file), at);
        }
    }
    if (chosen + 1 != layers->Size()) {
        std::string at = "/layers/" + std::to_string(chosen);
        out.warning(codes::kSpinLockfileNotLast,
                    where(manifest_file, at) + "expected the lockfile layer last (at /layers/" +
                        std::to_string(layers->Size() - 1) + "), found " +
                        std::to_string(layers->Size() - 1 - chosen) + " layer(s) after it",
                    std::string(manifest_file), at);
    }
    return chosen;
}

void check_spin_config(const rapidjson::Value* config, std::string_view config_file,
                       std::string_view config_media_type, std::string_view manifest_file,
                       const std::string& lockfile_digest, Findings& out) {
    if (config_media_type != media::kOciConfig) {
        out.warning(codes::kSpinPlatform,
                    where(manifest_file, "/config/mediaType") + "expected an image config (" +
                        std::string(media::kOciConfig) +
                        ") with architecture wasm and os wasip1 that runtimes can run, found " +
                        quoted(config_media_type),
                    std::string(manifest_file), "/config/mediaType");
        return;
    }
    if (config == nullptr || !config->IsObject()) return;
    const std::string file(config_file);

    auto os = string_member(*config, "os");
    if (os && *os == "Wasip1") {
        out.warning(codes::kSpinPlatform,
                    where(file, "/os") +
                        "expected os \"wasip1\" (lowercase), found \"Wasip1\" "
                        "(written by one Spin build; some runtimes reject it)",
                    file, "/os");
    } else if (os && *os != "wasip1") {
        out.warning(codes::kSpinPlatform,
                    where(file, "/os") +
                        "expected os \"wasip1\", as Spin releases write it (runtimes compare "
                        "it), found " +
                        quoted(*os),
                    file, "/os");
    }
    auto architecture = string_member(*config, "architecture");
    if (architecture && *architecture != "wasm") {
        out.warning(codes::kSpinPlatform,
                    where(file, "/architecture") + "expected architecture \"wasm\", found " +
                        quoted(*architecture),
                    file, "/architecture");
    }

    const rapidjson::Value* inner = find_member(*config, "config");
    const rapidjson::Value* labels =
        inner != nullptr && inner->IsObject() ? find_member(*inner, "Labels") : nullptr;
    const rapidjson::Value* label = labels != nullptr && labels->IsObject()
                                        ? find_member(*labels, media::kLockedAppDigestLabel)
                                        : nullptr;
    if (label == nullptr) {
        std::string at = labels != nullptr && labels->IsObject() ? "/config/Labels"
                         : inner != nullptr && inner->IsObject() ? "/config"
                                                                 : "";
        out.warning(codes::kSpinLabelMissing,
                    where(file, at) + "expected label " +
                        std::string(media::kLockedAppDigestLabel) + " = " +
                        (lockfile_digest.empty() ? std::string("the lockfile layer's digest")
                                                 : lockfile_digest) +
                        ", found no such label (the Spin 2.0-2.3 shape: every app then has the "
                        "same config digest and runtimes may serve a stale app)",
                    file, at);
        return;
    }
    if (!label->IsString() || lockfile_digest.empty()) return;
    if (as_view(*label) == lockfile_digest) return;
    std::string at = pointer_join("/config/Labels", media::kLockedAppDigestLabel);
    out.error(codes::kSpinLabelMismatch,
              where(file, at) + "expected the lockfile layer's digest " + lockfile_digest +
                  ", found " + quoted(as_view(*label)),
              file, at);
}

void check_spin_manifest(const SpinManifestInput& input, BlobAccess& blobs, Findings& out) {
    if (input.manifest == nullptr || !input.manifest->IsObject()) return;
    SpinCrossCheck(input, blobs, out).run();
}

}  // namespace ociwasm::detail
