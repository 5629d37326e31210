// Converting one manifest to the old format (spin-v1-config): the lockfile layer becomes the
// config blob, and the image config is dropped. Spin 1.x reads less than Spin 2 writes, so this
// is done as ninja builds: a plan first (every change and every refusal, editing nothing), then
// the decision (refuse, or go on with --allow-lossy), and only then the edits.
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <rapidjson/pointer.h>

#include "convert_internal.h"
#include "json_exact.h"
#include "layout_source_internal.h"
#include "lockfile_view.h"
#include "ociwasm/digest.h"
#include "ociwasm/finding_codes.h"
#include "ociwasm/json.h"
#include "ociwasm/media_types.h"
#include "text.h"
#include "validate_internal.h"

namespace ociwasm::detail {

using rapidjson::SizeType;
using rapidjson::Value;

namespace {

// A finding the plan holds until the decision: a refusal, or a change that loses something
// (refused, or made with allow_lossy).
struct Problem {
    std::string code;
    std::string file;
    std::string pointer;
    std::string message;
};

// An archive layer of the manifest; `members` is null when it is not in the layout.
struct ArchiveLayer {
    SizeType layer = 0;  // index in the manifest's layers
    std::string digest;
    ArchiveMembers* members = nullptr;
};

// Content of a lockfile file that becomes a data layer: decoded inline content, or an archive
// member.
struct FileContent {
    std::string digest;
    std::uint64_t size = 0;
    std::string inline_bytes;
    const ArchiveLayer* archive = nullptr;  // the member's archive; null for inline content
};

struct DataLayer {
    std::string digest;
    std::uint64_t size = 0;
};

}  // namespace

struct OldFormatPlan {
    // The lockfile layer, which becomes the config blob.
    SizeType lockfile_layer = 0;
    std::string lockfile_digest;
    std::string lockfile_file;
    rapidjson::Document lockfile;

    std::vector<Problem> refusals;  // refused whatever the options
    std::vector<Problem> lossy;     // refused without allow_lossy

    std::set<std::string, std::less<>> layer_digests;  // the other layers (no lockfile, archive)
    std::vector<ArchiveLayer> archives;
    std::set<std::string> used_members;       // archive members a lockfile file uses
    std::vector<FileContent> contents;        // in lockfile order
    std::vector<DataLayer> new_layers;        // one per new digest
    std::set<std::string> new_layer_digests;  // of new_layers
    std::vector<std::pair<std::string, std::string>> gained_digests;  // file pointer, digest
    std::size_t from_inline = 0;
    std::size_t from_archive = 0;
    // Digests that only the references which go with dropped features name: their layers go.
    std::set<std::string> dropped_references;
};

namespace {

// Lossy changes of each component, by index, held back so that they are reported per
// component: its features first, then its files.
using ComponentProblems = std::map<std::size_t, std::vector<Problem>>;

std::optional<std::string> string_at(const Value& object, std::string_view name) {
    if (auto text = string_member(object, name)) return std::string(*text);
    return std::nullopt;
}

// The digests a Spin runtime actually resolves: component sources, the sources of component
// dependencies, and component files. Digests elsewhere (unknown members) name nothing the
// runtime would fetch.
std::set<std::string> resolved_digests(const Value& lockfile) {
    std::set<std::string> out;
    LockfileView(lockfile).visit_components([&out](const ContentRef& ref) {
        if (ref.kind == ContentKind::trigger_dependency) return;
        if (auto digest = ref.digest()) out.emplace(*digest);
    });
    return out;
}

// Whether a reference goes with a feature Spin 1.x lacks: component dependencies, and trigger
// dependencies wherever they are (a trigger's own dependencies stay).
bool goes_with_dropped_feature(const ContentRef& ref) {
    return ref.kind == ContentKind::trigger_dependency ||
           (ref.kind == ContentKind::dependency && ref.owner == ContentOwner::component);
}

bool is_empty_container(const Value& value) {
    return (value.IsObject() && value.MemberCount() == 0) || (value.IsArray() && value.Empty()) ||
           value.IsNull();
}

// Lockfile-wide features Spin 1.x does not know: it would silently ignore them.
void plan_lockfile_features(OldFormatPlan& plan) {
    const Value& lockfile = plan.lockfile;
    const std::string& file = plan.lockfile_file;
    if (const Value* version = find_member(lockfile, "spin_lock_version");
        version && version->IsInt() && version->GetInt() != 0) {
        plan.lossy.push_back({codes::kConvertLossyLockVersion, file, "/spin_lock_version",
                              "spin_lock_version is " + std::to_string(version->GetInt()) +
                                  "; Spin 1.x reads only 0, so it becomes 0"});
    }
    if (const Value* must = find_member(lockfile, "must_understand");
        must && !is_empty_container(*must)) {
        plan.lossy.push_back({codes::kConvertLossyLockVersion, file, "/must_understand",
                              "must_understand " + write_canonical(*must) +
                                  " is not understood by Spin 1.x and is dropped"});
    }
    if (const Value* host = find_member(lockfile, "host_requirements");
        host && !is_empty_container(*host)) {
        plan.lossy.push_back({codes::kConvertLossyHostRequirements, file, "/host_requirements",
                              "host_requirements " + write_canonical(*host) +
                                  " cannot be expressed for Spin 1.x and is dropped"});
    }
    const Value* triggers = find_member(lockfile, "triggers");
    for (SizeType t = 0; triggers && triggers->IsArray() && t < triggers->Size(); ++t) {
        const Value* deps = find_member((*triggers)[t], "trigger_dependencies");
        if (deps && !is_empty_container(*deps)) {
            plan.lossy.push_back(
                {codes::kConvertLossyTriggerDependencies, file,
                 pointer_join(pointer_join("/triggers", t), "trigger_dependencies"),
                 "trigger dependencies are not supported by Spin 1.x and are "
                 "dropped"});
        }
    }
}

// The features of each component Spin 1.x does not support.
void plan_component_features(const OldFormatPlan& plan, ComponentProblems& by_component) {
    const Value* components = find_member(plan.lockfile, "components");
    for (SizeType c = 0; components && components->IsArray() && c < components->Size(); ++c) {
        const Value& component = (*components)[c];
        for (std::string_view feature :
             {"dependencies", "trigger_dependencies", "host_requirements"}) {
            const Value* value = find_member(component, feature);
            if (value == nullptr || is_empty_container(*value)) continue;
            std::string code = feature == "dependencies" ? codes::kConvertLossyDependencies
                               : feature == "trigger_dependencies"
                                   ? codes::kConvertLossyTriggerDependencies
                                   : codes::kConvertLossyHostRequirements;
            by_component[c].push_back({code, plan.lockfile_file,
                                       pointer_join(pointer_join("/components", c), feature),
                                       std::string(feature) + " of component " +
                                           quoted(string_member(component, "id").value_or("?")) +
                                           " are not supported by Spin 1.x and are dropped"});
        }
    }
}

// The archive member holding a file's content: by digest or, for a file without one, at the
// file's path.
std::optional<FileContent> find_archive_member(const OldFormatPlan& plan,
                                               std::optional<std::string_view> digest,
                                               std::string_view path) {
    for (const ArchiveLayer& archive : plan.archives) {
        if (archive.members == nullptr) continue;
        const ArchiveListing& listing = archive.members->listing;
        std::string member_digest;
        if (digest) {
            member_digest = *digest;
            if (!listing.digests.contains(member_digest)) continue;
        } else if (auto it = listing.by_path.find(normalize_entry_path(path).path);
                   it != listing.by_path.end()) {
            member_digest = it->second;
        } else {
            continue;
        }
        std::uint64_t size = listing.with_digest(member_digest)->size;
        return FileContent{member_digest, size, "", &archive};
    }
    return std::nullopt;
}

// A file's content becomes a data layer (one per digest, none for a layer already there).
void plan_data_layer(OldFormatPlan& plan, FileContent content) {
    if (content.archive != nullptr) {
        plan.used_members.insert(content.digest);
        ++plan.from_archive;
    } else {
        ++plan.from_inline;
    }
    if (!plan.layer_digests.contains(content.digest) &&
        plan.new_layer_digests.insert(content.digest).second) {
        plan.new_layers.push_back({content.digest, content.size});
    }
    plan.contents.push_back(std::move(content));
}

// One lockfile file: Spin 1.x loads it from a data layer named by its digest.
void plan_file(const ContentRef& file, OldFormatPlan& plan, std::vector<Problem>& lossy) {
    const std::string& lockfile_file = plan.lockfile_file;
    const std::string& pointer = file.pointer;
    std::string_view path = file.path().value_or("?");
    std::optional<std::string_view> digest = file.digest();
    std::optional<std::string_view> inline_text = file.inline_content();
    if (digest && plan.layer_digests.contains(*digest)) return;
    std::string decoded;
    if (inline_text && !decode_base64(*inline_text, false, decoded)) {
        plan.refusals.push_back(
            {codes::kConvertFileMissing, lockfile_file, pointer_join(pointer, "inline"),
             "file " + quoted(path) + " has inline content that is not base64 without padding"});
        return;
    }
    if (digest && inline_text) {
        std::string computed = sha256_digest(decoded);
        if (computed != *digest) {
            plan.refusals.push_back({codes::kConvertFileMissing, lockfile_file, pointer,
                                     "file " + quoted(path) + ": inline content hashes to " +
                                         computed + ", expected " + std::string(*digest)});
            return;
        }
        plan_data_layer(plan, {computed, decoded.size(), std::move(decoded), nullptr});
        return;
    }
    std::optional<FileContent> member = find_archive_member(plan, digest, path);
    if (digest) {
        if (member) {
            plan_data_layer(plan, std::move(*member));
        } else {
            plan.refusals.push_back(
                {codes::kConvertFileMissing, lockfile_file, pointer,
                 "file " + quoted(path) + " has digest " + std::string(*digest) +
                     "; expected a data layer, inline content or an archive member with it, "
                     "found none"});
        }
        return;
    }
    // No digest: Spin 1.x finds files by digest only, so the lockfile has to gain one.
    FileContent content;
    if (inline_text) {
        content = {sha256_digest(decoded), decoded.size(), std::move(decoded), nullptr};
    } else if (member) {
        content = std::move(*member);
    } else {
        return;  // a source URI only: nothing in the layout to add
    }
    lossy.push_back({codes::kConvertLossyFileDigest, lockfile_file, pointer,
                     "file " + quoted(path) + " has no digest (" +
                         (inline_text ? "inline content" : "an archive member") +
                         "); Spin 1.x finds files by digest, so the lockfile gains \"digest\": " +
                         quoted(content.digest) + " and a data layer"});
    plan.gained_digests.emplace_back(pointer, content.digest);
    plan_data_layer(plan, std::move(content));
}

void plan_files(OldFormatPlan& plan, ComponentProblems& by_component) {
    LockfileView(plan.lockfile).visit_components([&](const ContentRef& ref) {
        if (ref.kind == ContentKind::file) plan_file(ref, plan, by_component[ref.owner_index]);
    });
}

// Archive members no lockfile file uses would be lost with the archive layer (content that
// also exists as a source or another file's layer is not lost).
void plan_archive_extras(const std::string& file, OldFormatPlan& plan) {
    std::set<std::string> referenced = resolved_digests(plan.lockfile);
    for (const ArchiveLayer& archive : plan.archives) {
        if (archive.members == nullptr) continue;
        std::vector<std::string> unused;
        std::set<std::string> seen;
        for (const ArchiveMember& member : archive.members->listing.members) {
            if (seen.insert(member.digest).second && !referenced.contains(member.digest) &&
                !plan.used_members.contains(member.digest)) {
                unused.push_back(member.name);
            }
        }
        if (unused.empty()) continue;
        std::sort(unused.begin(), unused.end());
        std::string list;
        for (std::size_t i = 0; i < unused.size() && i < 5; ++i) {
            list += (i ? ", " : "") + quoted(unused[i]);
        }
        if (unused.size() > 5) list += ", ...";
        plan.lossy.push_back({codes::kConvertLossyArchiveExtra, file,
                              pointer_join("/layers", archive.layer),
                              std::to_string(unused.size()) +
                                  " archive member(s) that no lockfile file uses are dropped "
                                  "with the archive layer: " +
                                  list});
    }
}

// The content that only features Spin 1.x lacks use, whose layers go with those features (each
// such reference sits in a non-empty feature, which is lossy, so it is dropped whenever the
// conversion goes on). Content that a reference which stays, or a digest a file gains, names
// is kept.
void plan_dropped_references(OldFormatPlan& plan) {
    std::set<std::string> dropped;
    std::set<std::string> kept;
    LockfileView(plan.lockfile).visit([&](const ContentRef& ref) {
        if (auto digest = ref.digest()) {
            (goes_with_dropped_feature(ref) ? dropped : kept).emplace(*digest);
        }
    });
    for (const auto& gained : plan.gained_digests) kept.insert(gained.second);
    for (const std::string& digest : dropped) {
        if (!kept.contains(digest)) plan.dropped_references.insert(digest);
    }
}

// Removes member `name` unless it is absent or empty.
bool drop_feature(Value& object, std::string_view name) {
    Value* value = mutable_member(object, name);
    if (value == nullptr || is_empty_container(*value)) return false;
    return remove_member(object, name);
}

// Applies the plan's lockfile edits: files gain their digests and, when anything is lossy, what
// Spin 1.x cannot read is removed. Returns whether the lockfile changed.
bool rewrite_lockfile(OldFormatPlan& plan) {
    rapidjson::Document& lockfile = plan.lockfile;
    bool changed = false;
    for (const auto& [pointer, digest] : plan.gained_digests) {
        Value* entry = rapidjson::Pointer(pointer.c_str()).Get(lockfile);
        set_string(*entry, "digest", digest, lockfile.GetAllocator());
        changed = true;
    }
    if (plan.lossy.empty()) return changed;
    if (Value* version = mutable_member(lockfile, "spin_lock_version");
        version && version->IsInt() && version->GetInt() != 0) {
        version->SetInt(0);
        changed = true;
    }
    changed = drop_feature(lockfile, "must_understand") || changed;
    changed = drop_feature(lockfile, "host_requirements") || changed;
    if (Value* triggers = mutable_member(lockfile, "triggers"); triggers && triggers->IsArray()) {
        for (auto& trigger : triggers->GetArray()) {
            changed = drop_feature(trigger, "trigger_dependencies") || changed;
        }
    }
    if (Value* components = mutable_member(lockfile, "components");
        components && components->IsArray()) {
        for (auto& component : components->GetArray()) {
            for (std::string_view feature :
                 {"dependencies", "trigger_dependencies", "host_requirements"}) {
                changed = drop_feature(component, feature) || changed;
            }
        }
    }
    return changed;
}

// The old format's layers: the input's, less the lockfile, the archive layers and those only
// dropped features used, then a data layer per new file content.
Value old_format_layers(const Value& layers, const OldFormatPlan& plan, JsonAllocator& alloc,
                        std::vector<std::string>& notes) {
    std::set<SizeType> archive_layers;
    for (const ArchiveLayer& archive : plan.archives) archive_layers.insert(archive.layer);
    Value out(rapidjson::kArrayType);
    for (SizeType i = 0; i < layers.Size(); ++i) {
        if (i == plan.lockfile_layer || archive_layers.contains(i)) continue;
        std::string digest = string_at(layers[i], "digest").value_or("");
        if (plan.dropped_references.contains(digest)) {
            notes.push_back("layer " + digest + " dropped: only removed features used it");
            continue;
        }
        out.PushBack(Value(layers[i], alloc), alloc);
    }
    for (const DataLayer& layer : plan.new_layers) {
        Value descriptor(rapidjson::kObjectType);
        set_string(descriptor, "mediaType", media::kDataLayer, alloc);
        set_string(descriptor, "digest", layer.digest, alloc);
        set_member(descriptor, "size", Value(layer.size), alloc);
        out.PushBack(descriptor, alloc);
    }
    return out;
}

}  // namespace

Status Converter::to_old(rapidjson::Document& manifest, const std::string& file,
                         ManifestOutcome& out) {
    OldFormatPlan plan;
    bool found = false;
    if (Status status = find_lockfile(manifest, file, plan, found); !status || !found) {
        return status;
    }
    if (Status status = plan_old_format(manifest, file, plan); !status) return status;
    if (decide(plan)) apply_old_format(manifest, plan, out);
    return Status::ok();
}

// The one lockfile layer, in the layout and a JSON object; refuses the manifest otherwise.
Status Converter::find_lockfile(const Value& manifest, const std::string& file, OldFormatPlan& plan,
                                bool& found) {
    const Value* layers = find_member(manifest, "layers");
    const Value* config = find_member(manifest, "config");
    std::vector<SizeType> lockfile_layers;
    for (SizeType i = 0; layers && layers->IsArray() && i < layers->Size(); ++i) {
        if (string_member((*layers)[i], "mediaType") == media::kSpinLockfile) {
            lockfile_layers.push_back(i);
        }
    }
    if (lockfile_layers.size() != 1 || config == nullptr || !config->IsObject()) {
        refuse(codes::kConvertLockfileLayers,
               "expected exactly one lockfile layer and a config descriptor, found " +
                   std::to_string(lockfile_layers.size()) + " lockfile layers",
               file, "/layers");
        return Status::ok();
    }
    plan.lockfile_layer = lockfile_layers.front();
    plan.lockfile_digest = string_at((*layers)[plan.lockfile_layer], "digest").value_or("");
    plan.lockfile_file = blob_path(plan.lockfile_digest);
    if (!scan_.find(plan.lockfile_digest)) {
        refuse(codes::kConvertLockfileLayers,
               "the lockfile layer " + plan.lockfile_digest +
                   " is not in the layout; expected it, since it becomes the config blob",
               file, pointer_join("/layers", plan.lockfile_layer));
        return Status::ok();
    }
    std::string bytes;
    if (Status status = content(plan.lockfile_digest, bytes, kMaxDocumentSize); !status) {
        return status;
    }
    if (JsonError error;
        !detail::parse_json_exact(bytes, plan.lockfile, &error) || !plan.lockfile.IsObject()) {
        refuse(codes::kConvertLockfileLayers,
               "expected a JSON object lockfile, found: " +
                   (error.message.empty() ? std::string("not an object")
                                          : error.message + " at " + json_error_position(error)),
               plan.lockfile_file, error.pointer);
        return Status::ok();
    }
    found = true;
    return Status::ok();
}

// Everything converting would change or lose, and every refusal; edits nothing.
Status Converter::plan_old_format(const Value& manifest, const std::string& file,
                                  OldFormatPlan& plan) {
    if (Status status = plan_image_config(*find_member(manifest, "config"), plan); !status) {
        return status;
    }
    plan_lockfile_features(plan);
    ComponentProblems by_component;
    plan_component_features(plan, by_component);
    if (Status status = plan_archive_layers(*find_member(manifest, "layers"), file, plan);
        !status) {
        return status;
    }
    plan_files(plan, by_component);
    for (auto& [component, problems] : by_component) {
        std::move(problems.begin(), problems.end(), std::back_inserter(plan.lossy));
    }
    plan_archive_extras(file, plan);
    plan_dropped_references(plan);
    return Status::ok();
}

// The image config is dropped; converting back regenerates it from the lockfile digest.
Status Converter::plan_image_config(const Value& config, OldFormatPlan& plan) {
    std::string config_digest = string_at(config, "digest").value_or("");
    std::string config_type = string_at(config, "mediaType").value_or("");
    if (!scan_.find(config_digest)) return Status::ok();
    std::string config_bytes;
    if (Status status = content(config_digest, config_bytes, kMaxDocumentSize); !status) {
        return status;
    }
    std::vector<std::string> why;
    rapidjson::Document image_config;
    if (config_type != media::kOciConfig) {
        why.push_back("its media type " + quoted(config_type) + " becomes " +
                      quoted(media::kOciConfig));
    } else if (!parse_json(config_bytes, image_config, nullptr)) {
        why.push_back("it is not JSON");
    } else {
        image_config_is_regenerable(image_config, plan.lockfile_digest, why);
    }
    if (why.empty()) return Status::ok();
    std::string message =
        "the old format has no image config, so this one is dropped and converting back writes "
        "the standard one: ";
    for (std::size_t i = 0; i < why.size(); ++i) message += (i ? "; " : "") + why[i];
    plan.lossy.push_back({codes::kConvertLossyImageConfig, blob_path(config_digest), "", message});
    return Status::ok();
}

// Sorts the layers (the lockfile aside) into archive layers, whose files become data layers,
// and the rest, which stay; loads each archive layer.
Status Converter::plan_archive_layers(const Value& layers, const std::string& file,
                                      OldFormatPlan& plan) {
    for (SizeType i = 0; i < layers.Size(); ++i) {
        if (i == plan.lockfile_layer) continue;
        if (is_archive_layer_type(string_member(layers[i], "mediaType").value_or(""))) {
            plan.archives.push_back({i, string_at(layers[i], "digest").value_or(""), nullptr});
        } else if (auto digest = string_at(layers[i], "digest")) {
            plan.layer_digests.insert(*digest);
        }
    }
    for (ArchiveLayer& archive : plan.archives) {
        if (!scan_.find(archive.digest)) {
            plan.refusals.push_back({codes::kConvertFileMissing, file,
                                     pointer_join("/layers", archive.layer),
                                     "the archive layer " + archive.digest +
                                         " is not in the layout; expected it, since its files "
                                         "become data layers"});
            continue;
        }
        if (Status status = load_archive(archive.digest, archive.members); !status) return status;
    }
    return Status::ok();
}

// Records the plan's refusals, then its lossy changes: warnings with allow_lossy, refusals
// without. Returns whether the conversion goes on (nothing, in this manifest or another, was
// refused).
bool Converter::decide(const OldFormatPlan& plan) {
    for (const Problem& problem : plan.refusals) {
        refuse(problem.code, problem.message, problem.file, problem.pointer);
    }
    for (const Problem& change : plan.lossy) {
        if (options_.allow_lossy) {
            result_.findings.warning(change.code, change.message, change.file, change.pointer);
        } else {
            refuse(change.code, change.message + " (refused: pass --allow-lossy to convert anyway)",
                   change.file, change.pointer);
        }
    }
    return !refused_;
}

// The new blobs of file contents: inline content, and archive members written from their
// archive at the end.
void Converter::add_file_contents(OldFormatPlan& plan) {
    for (FileContent& content : plan.contents) {
        if (content.archive == nullptr) {
            add_blob(std::move(content.inline_bytes));
        } else if (!has_blob(content.digest) && !archive_member_source_.contains(content.digest)) {
            archive_member_source_.emplace(content.digest, content.archive->digest);
            result_.added_blobs.push_back(content.digest);
        }
    }
}

void Converter::apply_old_format(rapidjson::Document& manifest, OldFormatPlan& plan,
                                 ManifestOutcome& out) {
    JsonAllocator& alloc = manifest.GetAllocator();
    Value* layers = mutable_member(manifest, "layers");
    Value* config = mutable_member(manifest, "config");
    add_file_contents(plan);
    Value lockfile_descriptor((*layers)[plan.lockfile_layer], alloc);
    if (rewrite_lockfile(plan)) {
        std::string bytes = write_canonical(plan.lockfile);
        std::uint64_t size = bytes.size();
        std::string digest = add_blob(std::move(bytes));
        set_string(lockfile_descriptor, "digest", digest, alloc);
        set_member(lockfile_descriptor, "size", Value(size), alloc);
        remove_member(lockfile_descriptor, "data");
        out.notes.push_back("lockfile rewritten: " + plan.lockfile_digest + " -> " + digest);
    }
    Value old_layers = old_format_layers(*layers, plan, alloc, out.notes);
    for (const ArchiveLayer& archive : plan.archives) {
        out.notes.push_back("archive layer " + archive.digest + " expanded into data layers");
    }
    if (plan.from_archive > 0) {
        out.notes.push_back(std::to_string(plan.from_archive) +
                            " file(s) from archive layers added as data layers");
    }
    if (plan.from_inline > 0) {
        out.notes.push_back(std::to_string(plan.from_inline) +
                            " inline file(s) added as data layers");
    }
    *layers = old_layers;
    *config = lockfile_descriptor;
    remove_member(manifest, "artifactType");
    out.artifact_type.reset();

    std::string bytes = write_canonical(manifest);
    out.new_size = bytes.size();
    out.new_digest = add_blob(std::move(bytes));
    out.converted = true;
}

}  // namespace ociwasm::detail
