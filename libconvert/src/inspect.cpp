// Inspection: walks index.json (and nested indexes) and describes what it reaches, reading only
// the small documents and the first bytes of wasm layers; pulls single blobs and lockfiles out
// of a layout. inspect_render.cpp shows the result as text and JSON.
#include "ociwasm/inspect.h"

#include <algorithm>
#include <utility>

#include "oci_graph.h"
#include "ociwasm/digest.h"
#include "ociwasm/json.h"
#include "ociwasm/media_types.h"
#include "ociwasm/validate.h"
#include "referrers.h"
#include "text.h"
#include "validate_internal.h"
#include "wasm_formats.h"
#include "wasm_header.h"

namespace ociwasm {

namespace {

using detail::BlobAccess;
using detail::find_member;
using detail::join;
using detail::one_line;
using detail::string_member;

using detail::is_index_type;
using detail::is_manifest_type;
using detail::is_wasm_layer_type;
using detail::kWasmHeaderSize;

std::string string_or_empty(const rapidjson::Value& object, std::string_view name) {
    auto value = string_member(object, name);
    return value ? std::string(*value) : std::string();
}

InspectDescriptor read_descriptor(const rapidjson::Value& value) {
    InspectDescriptor descriptor;
    descriptor.media_type = string_or_empty(value, "mediaType");
    descriptor.digest = string_or_empty(value, "digest");
    const rapidjson::Value* size = find_member(value, "size");
    if (size != nullptr && size->IsUint64()) descriptor.size = size->GetUint64();
    return descriptor;
}

std::optional<InspectPlatform> read_platform(const rapidjson::Value& object, std::string source) {
    auto os = string_member(object, "os");
    auto architecture = string_member(object, "architecture");
    if (!os && !architecture) return std::nullopt;
    InspectPlatform platform;
    platform.os = os ? std::string(*os) : std::string();
    platform.architecture = architecture ? std::string(*architecture) : std::string();
    platform.variant = string_or_empty(object, "variant");
    platform.source = std::move(source);
    return platform;
}

// Records the first bytes of every blob while a stream passes (a stream cannot be re-read).
class HeadObserver : public BlobObserver {
  public:
    bool begin_blob(const BlobRecord& blob, std::uint64_t) override {
        current_ = &heads_[blob.digest()];
        current_->clear();
        return true;
    }
    Status blob_data(const char* data, std::size_t size) override {
        if (current_ != nullptr && current_->size() < kWasmHeaderSize) {
            current_->append(data, std::min(size, kWasmHeaderSize - current_->size()));
        }
        return Status::ok();
    }
    Status end_blob(const BlobRecord&) override {
        current_ = nullptr;
        return Status::ok();
    }
    const std::map<std::string, std::string>& heads() const { return heads_; }

  private:
    std::map<std::string, std::string> heads_;
    std::string* current_ = nullptr;
};

// Hands one blob's bytes to `write` while a stream passes (used when it cannot be read again).
class StreamingObserver : public BlobObserver {
  public:
    StreamingObserver(std::string digest,
                      const std::function<Status(const char*, std::size_t)>& write)
        : digest_(std::move(digest)), write_(write) {}
    bool begin_blob(const BlobRecord& blob, std::uint64_t) override {
        active_ = blob.digest() == digest_;
        seen_ = seen_ || active_;
        return active_;
    }
    Status blob_data(const char* data, std::size_t size) override {
        return active_ ? write_(data, size) : Status::ok();
    }
    Status end_blob(const BlobRecord&) override {
        active_ = false;
        return Status::ok();
    }
    bool seen() const { return seen_; }

  private:
    std::string digest_;
    const std::function<Status(const char*, std::size_t)>& write_;
    bool active_ = false;
    bool seen_ = false;
};

// A message about `source`: its name, then `message` on one line (it may quote names read from
// the input, which must not drive the terminal or a CI log).
std::string about(const LayoutSource& source, std::string_view message) {
    return source.name() + ": " + one_line(message);
}

// "MESSAGE at line L, column C (byte N)": why and where a document stops being JSON.
std::string where_json_fails(const JsonError& error) {
    return error.message + " at " + json_error_position(error);
}

// A blob handed out by digest that does not hash to it: its path, the digest, what it hashes to.
std::string hash_mismatch(const BlobRecord& record, std::string_view digest) {
    return record.path() + ": expected content hashing to " + std::string(digest) + ", found " +
           record.algorithm() + ":" + record.computed();
}

// Builds InspectEntry trees from a scanned layout.
class Inspector {
  public:
    Inspector(LayoutSource& source, const LayoutScan& scan,
              const std::map<std::string, std::string>* streamed_heads)
        : blobs_(source, scan), scan_(scan), streamed_heads_(streamed_heads) {}

    InspectEntry entry(const rapidjson::Value& descriptor, std::string location,
                       std::string ref_name) {
        detail::NestedIndexGuard path;
        return build(descriptor, std::move(location), std::move(ref_name), 0, path);
    }

    // The referrers every entry built so far holds.
    const detail::ReferrerIndex& referrers() const { return referrers_; }

  private:
    InspectEntry build(const rapidjson::Value& value, std::string location, std::string ref_name,
                       int depth, detail::NestedIndexGuard& path) {
        InspectEntry entry;
        entry.location = std::move(location);
        entry.ref_name = std::move(ref_name);
        entry.descriptor = read_descriptor(value);
        if (const rapidjson::Value* platform = find_member(value, "platform")) {
            entry.descriptor_platform = read_platform(*platform, "descriptor");
            entry.platform = entry.descriptor_platform;
        }
        const std::string& media_type = entry.descriptor.media_type;
        if (is_index_type(media_type)) entry.kind = InspectEntry::Kind::index;
        if (is_manifest_type(media_type)) entry.kind = InspectEntry::Kind::manifest;
        if (!value.IsObject()) {
            entry.problem = "the descriptor is not a JSON object";
            return entry;
        }
        if (entry.descriptor.digest.empty()) {
            entry.problem = "the descriptor has no digest";
            return entry;
        }
        rapidjson::Document doc;
        if (!load_document(entry, doc)) return entry;
        // The body's shape decides, so a descriptor with a wrong media type is still shown.
        if (detail::looks_like_index(doc)) {
            entry.kind = InspectEntry::Kind::index;
        } else if (detail::looks_like_manifest(doc)) {
            entry.kind = InspectEntry::Kind::manifest;
        }
        if (entry.kind != InspectEntry::Kind::other) note_subject(entry, value, doc);
        if (entry.kind == InspectEntry::Kind::index) {
            fill_index(entry, doc, depth, path);
        } else if (entry.kind == InspectEntry::Kind::manifest) {
            fill_manifest(entry, doc);
        }
        return entry;
    }

    // A manifest or index with a `subject` is a referrer of what it names.
    void note_subject(InspectEntry& entry, const rapidjson::Value& descriptor,
                      const rapidjson::Document& doc) {
        std::optional<detail::Referrer> referrer = detail::referrer_of(doc);
        if (!referrer) return;
        entry.subject = read_descriptor(*find_member(doc, "subject"));
        detail::named_by(*referrer, descriptor, entry.location);
        referrers_.add(std::move(*referrer));
    }

    // Loads the entry's blob as JSON. Blobs of media types we do not know are looked at only
    // when they were kept during the pass (they may be large and are rarely documents).
    bool load_document(InspectEntry& entry, rapidjson::Document& doc) {
        const std::string& digest = entry.descriptor.digest;
        if (entry.kind == InspectEntry::Kind::other) {
            const BlobRecord* record = scan_.find(digest);
            if (record == nullptr || !record->content) return false;
            return parse_json(*record->content, doc, nullptr) && doc.IsObject();
        }
        return load_object(digest, "", doc, entry.problem);
    }

    // Loads blob `digest` as a JSON object; when it cannot, says why in `problem`, as
    // `subject` ("" or "the lockfile is ") followed by what the bytes are not.
    bool load_object(const std::string& digest, std::string_view subject, rapidjson::Document& doc,
                     std::string& problem) {
        std::string storage;
        std::string_view bytes;
        if (!load(digest, storage, bytes, problem)) return false;
        JsonError error;
        if (!parse_json(bytes, doc, &error)) {
            problem = std::string(subject) + "not valid JSON (" + where_json_fails(error) + ")";
            return false;
        }
        if (!doc.IsObject()) {
            problem = std::string(subject) + "not a JSON object";
            return false;
        }
        return true;
    }

    bool load(const std::string& digest, std::string& storage, std::string_view& bytes,
              std::string& problem) {
        std::string why;
        switch (blobs_.load(digest, detail::kMaxDocumentSize, storage, bytes, why)) {
            case BlobAccess::Load::ok:
                return true;
            case BlobAccess::Load::missing:
                problem = "blob " + digest + " is missing from the layout";
                return false;
            case BlobAccess::Load::too_large:
            case BlobAccess::Load::unreadable:
                problem = "blob " + digest + " could not be read: " + why;
                return false;
        }
        return false;
    }

    void fill_index(InspectEntry& entry, const rapidjson::Document& doc, int depth,
                    detail::NestedIndexGuard& path) {
        const rapidjson::Value* manifests = find_member(doc, "manifests");
        if (manifests == nullptr || !manifests->IsArray()) {
            entry.problem = "the index has no manifests array";
            return;
        }
        switch (path.enter(entry.descriptor.digest, static_cast<std::size_t>(depth) + 1)) {
            case detail::NestedIndexGuard::Entry::too_deep:
                entry.problem = "nested more than " + std::to_string(detail::kMaxIndexDepth) +
                                " indexes deep; not followed further";
                return;
            case detail::NestedIndexGuard::Entry::cycle:
                entry.problem = "the index reaches itself (a cycle); not followed again";
                return;
            case detail::NestedIndexGuard::Entry::entered:
                break;
        }
        std::string file = detail::blob_path(entry.descriptor.digest);
        for (rapidjson::SizeType i = 0; i < manifests->Size(); ++i) {
            entry.manifests.push_back(build(
                (*manifests)[i], file + "#" + pointer_join("/manifests", i), "", depth + 1, path));
        }
        path.leave(entry.descriptor.digest);
    }

    void fill_manifest(InspectEntry& entry, const rapidjson::Document& doc) {
        entry.artifact_type = string_or_empty(doc, "artifactType");
        if (const rapidjson::Value* annotations = find_member(doc, "annotations");
            annotations != nullptr && annotations->IsObject()) {
            for (const auto& member : annotations->GetObject()) {
                if (!member.value.IsString()) continue;
                entry.annotations[std::string(detail::as_view(member.name))] =
                    std::string(detail::as_view(member.value));
            }
        }
        if (const rapidjson::Value* config = find_member(doc, "config");
            config != nullptr && config->IsObject()) {
            entry.config = read_descriptor(*config);
            if (detail::config_has_platform(entry.config->media_type)) {
                if (auto platform = config_platform(entry.config->digest)) {
                    entry.platform = std::move(platform);
                }
            }
        }
        auto is_wasm = [](const std::optional<InspectPlatform>& platform) {
            return platform && platform->architecture == detail::kWasmArchitecture;
        };
        entry.format =
            detect_format(doc, is_wasm(entry.platform) || is_wasm(entry.descriptor_platform));
        if (const rapidjson::Value* layers = find_member(doc, "layers");
            layers != nullptr && layers->IsArray()) {
            for (const rapidjson::Value& layer : layers->GetArray()) {
                InspectLayer item;
                item.descriptor = read_descriptor(layer);
                if (is_wasm_layer_type(item.descriptor.media_type)) {
                    item.wasm = wasm_kind(item.descriptor.digest);
                }
                if (entry.format == ManifestFormat::wasm_container_image &&
                    detail::is_filesystem_layer_type(item.descriptor.media_type)) {
                    list_wasm_files(item);
                }
                entry.layers.push_back(std::move(item));
            }
        }
        if (entry.format == ManifestFormat::spin_v1_config && entry.config) {
            entry.lockfile = summarise_lockfile(*entry.config, "config");
        } else if (entry.format == ManifestFormat::spin_oci_layer) {
            // Spin writes it last; when there are several (a validation error), the last one.
            for (std::size_t i = entry.layers.size(); i-- > 0;) {
                if (entry.layers[i].descriptor.media_type == media::kSpinLockfile) {
                    entry.lockfile = summarise_lockfile(entry.layers[i].descriptor,
                                                        "layers/" + std::to_string(i));
                    break;
                }
            }
        }
    }

    std::optional<InspectPlatform> config_platform(const std::string& digest) {
        // The config is shown as it is; when it cannot be read there is just no platform.
        rapidjson::Document doc;
        std::string problem;
        if (digest.empty() || !load_object(digest, "", doc, problem)) return std::nullopt;
        return read_platform(doc, "config");
    }

    // The .wasm files of a filesystem layer (the listing validation makes of it too).
    void list_wasm_files(InspectLayer& layer) {
        const std::string& digest = layer.descriptor.digest;
        if (scan_.find(digest) == nullptr) {
            layer.files_problem = "blob " + digest + " is missing from the layout";
            return;
        }
        const detail::LayerWasmFiles& listing = blobs_.wasm_files(digest);
        if (!listing.readable) {
            layer.files_problem = listing.problem;
            return;
        }
        for (const detail::LayerWasmFile& file : listing.files) {
            layer.files.push_back({"/" + file.path, file.size, classify_wasm_header(file.head)});
        }
    }

    WasmKind wasm_kind(const std::string& digest) {
        if (auto cached = wasm_kinds_.find(digest); cached != wasm_kinds_.end()) {
            return cached->second;
        }
        std::optional<std::string> head;
        if (streamed_heads_ != nullptr) {
            if (auto it = streamed_heads_->find(digest); it != streamed_heads_->end()) {
                head = it->second;
            }
        }
        if (!head && scan_.find(digest) != nullptr) head = blobs_.head(digest, kWasmHeaderSize);
        WasmKind kind = head ? classify_wasm_header(*head) : WasmKind::unavailable;
        wasm_kinds_[digest] = kind;
        return kind;
    }

    LockfileSummary summarise_lockfile(const InspectDescriptor& descriptor, std::string location) {
        LockfileSummary summary;
        summary.digest = descriptor.digest;
        summary.size = descriptor.size;
        summary.location = std::move(location);
        rapidjson::Document doc;
        if (!load_object(descriptor.digest, "the lockfile is ", doc, summary.problem)) {
            return summary;
        }
        if (const rapidjson::Value* version = find_member(doc, "spin_lock_version");
            version != nullptr && version->IsInt64()) {
            summary.spin_lock_version = version->GetInt64();
        }
        if (const rapidjson::Value* components = find_member(doc, "components");
            components != nullptr && components->IsArray()) {
            for (const rapidjson::Value& component : components->GetArray()) {
                LockfileComponent item;
                item.id = string_or_empty(component, "id");
                if (const rapidjson::Value* source = find_member(component, "source")) {
                    item.source_digest = string_or_empty(*source, "digest");
                }
                if (const rapidjson::Value* files = find_member(component, "files");
                    files != nullptr && files->IsArray()) {
                    item.files = files->Size();
                }
                summary.components.push_back(std::move(item));
            }
        }
        if (const rapidjson::Value* triggers = find_member(doc, "triggers");
            triggers != nullptr && triggers->IsArray()) {
            for (const rapidjson::Value& trigger : triggers->GetArray()) {
                LockfileTrigger item;
                item.id = string_or_empty(trigger, "id");
                item.type = string_or_empty(trigger, "trigger_type");
                if (const rapidjson::Value* config = find_member(trigger, "trigger_config")) {
                    item.component = string_or_empty(*config, "component");
                }
                summary.triggers.push_back(std::move(item));
            }
        }
        return summary;
    }

    BlobAccess blobs_;
    const LayoutScan& scan_;
    const std::map<std::string, std::string>* streamed_heads_;
    std::map<std::string, WasmKind> wasm_kinds_;
    detail::ReferrerIndex referrers_;
};

// Each manifest and index shown gets the referrers the layout holds for it.
void attach_referrers(InspectEntry& entry, const detail::ReferrerIndex& referrers) {
    if (entry.kind != InspectEntry::Kind::other && !entry.descriptor.digest.empty()) {
        for (const detail::Referrer* referrer : referrers.of(entry.descriptor.digest)) {
            entry.referrers.push_back({referrer->artifact_type,
                                       {referrer->media_type, referrer->digest, referrer->size},
                                       referrer->annotations,
                                       referrer->location});
        }
    }
    for (InspectEntry& child : entry.manifests) attach_referrers(child, referrers);
}

void collect_formats(const InspectEntry& entry, std::vector<ManifestFormat>& formats) {
    if (entry.kind == InspectEntry::Kind::manifest && entry.problem.empty() &&
        std::find(formats.begin(), formats.end(), entry.format) == formats.end()) {
        formats.push_back(entry.format);
    }
    for (const InspectEntry& child : entry.manifests) collect_formats(child, formats);
}

// Scans and builds the entries; `validate` adds the validation findings.
Status inspect_impl(LayoutSource& source, const InspectOptions& options, bool validate,
                    LayoutScan& scan, InspectResult& out) {
    out = InspectResult{};
    out.input = source.name();
    ScanOptions scan_options;
    scan_options.verify = options.verify_blobs;
    HeadObserver observer;
    // A stream cannot be read again for the wasm headers of large layers: catch them in passing.
    if (!source.can_reread()) scan_options.observer = &observer;
    if (Status status = source.scan(scan_options, scan); !status) return status;
    if (validate) {
        ValidationResult validation;
        ValidateOptions validate_options;
        validate_options.verify_blobs = options.verify_blobs;
        validate_scan(source, scan, validate_options, validation);
        out.findings = std::move(validation.findings);
    }
    for (const BlobRecord& record : scan.blobs) {
        ++out.blob_count;
        out.blob_bytes += record.size;
    }
    if (!scan.index_json) {
        return Status::invalid(source.name() +
                               ": expected index.json at the layout root, found none: nothing "
                               "to inspect (oci-wasm-validate says more)");
    }
    rapidjson::Document index;
    JsonError error;
    if (!parse_json(*scan.index_json, index, &error)) {
        return Status::invalid(source.name() + ": index.json: expected JSON, found " +
                               where_json_fails(error));
    }
    const rapidjson::Value* manifests = find_member(index, "manifests");
    if (!index.IsObject() || manifests == nullptr || !manifests->IsArray()) {
        return Status::invalid(source.name() +
                               ": index.json: expected an image index with a manifests array, "
                               "found none");
    }
    Inspector inspector(source, scan, source.can_reread() ? nullptr : &observer.heads());
    out.index_entries = manifests->Size();
    // Every entry is built, also those --ref does not show: their referrers may name one shown.
    for (rapidjson::SizeType i = 0; i < manifests->Size(); ++i) {
        const rapidjson::Value& descriptor = (*manifests)[i];
        std::string ref_name(detail::ref_name_of(descriptor).value_or(""));
        if (!ref_name.empty()) out.ref_names.push_back(ref_name);
        InspectEntry entry =
            inspector.entry(descriptor, "index.json#" + pointer_join("/manifests", i), ref_name);
        if (!options.ref_name.empty() && ref_name != options.ref_name) continue;
        out.entries.push_back(std::move(entry));
    }
    for (InspectEntry& entry : out.entries) attach_referrers(entry, inspector.referrers());
    if (!options.ref_name.empty() && out.entries.empty()) {
        std::string known = join(out.ref_names, ", ");
        return Status::invalid(about(
            source, "expected an index.json entry with ref name '" + options.ref_name +
                        "', found " +
                        (known.empty() ? std::string("no ref names at all") : "only: " + known)));
    }
    for (const InspectEntry& entry : out.entries) collect_formats(entry, out.formats);
    return Status::ok();
}

// Every Spin manifest the entries reach, with the index.json ref that leads to it.
struct SpinApp {
    const InspectEntry* manifest;
    std::string via;  // ref name of the index.json entry, or its location when it has none
};

void collect_spin_apps(const InspectEntry& entry, const std::string& via,
                       std::vector<SpinApp>& out) {
    if (entry.kind == InspectEntry::Kind::manifest && entry.lockfile) {
        out.push_back({&entry, via});
    }
    for (const InspectEntry& child : entry.manifests) collect_spin_apps(child, via, out);
}

}  // namespace

WasmKind classify_wasm_header(std::string_view head) {
    switch (detail::read_wasm_header(head).shape) {
        case detail::WasmHeader::Shape::module:
            return WasmKind::module;
        case detail::WasmHeader::Shape::component:
            return WasmKind::component;
        case detail::WasmHeader::Shape::no_magic:
        case detail::WasmHeader::Shape::truncated:
        case detail::WasmHeader::Shape::other:
            return WasmKind::not_wasm;
    }
    return WasmKind::not_wasm;
}

Status inspect_layout(LayoutSource& source, const InspectOptions& options, InspectResult& out) {
    LayoutScan scan;
    return inspect_impl(source, options, true, scan, out);
}

Status extract_lockfile(LayoutSource& source, const std::string& ref_name, std::string& out) {
    InspectOptions options;
    options.ref_name = ref_name;
    InspectResult result;
    LayoutScan scan;
    if (Status status = inspect_impl(source, options, false, scan, result); !status) {
        return status;
    }
    std::vector<SpinApp> apps;
    for (const InspectEntry& entry : result.entries) {
        collect_spin_apps(entry, entry.ref_name.empty() ? entry.location : entry.ref_name, apps);
    }
    if (apps.empty()) {
        if (ref_name.empty()) {
            return Status::invalid(source.name() +
                                   ": expected a Spin app (a manifest with a Spin lockfile), "
                                   "found none");
        }
        std::vector<std::string> formats;
        for (ManifestFormat format : result.formats) formats.emplace_back(format_name(format));
        return Status::invalid(
            about(source, "expected '" + ref_name + "' to be a Spin app, found " +
                              (formats.empty() ? std::string("no readable manifest")
                                               : "format " + join(formats, ", "))));
    }
    // The same lockfile reached twice (a nested index, both formats of one app) is one answer.
    std::vector<std::string> digests;
    std::vector<std::string> vias;
    for (const SpinApp& app : apps) {
        const std::string& digest = app.manifest->lockfile->digest;
        if (std::find(digests.begin(), digests.end(), digest) != digests.end()) continue;
        digests.push_back(digest);
        if (std::find(vias.begin(), vias.end(), app.via) == vias.end()) vias.push_back(app.via);
    }
    if (digests.size() > 1) {
        if (ref_name.empty()) {
            return Status::usage(
                about(source, "holds " + std::to_string(digests.size()) +
                                  " Spin apps with different lockfiles; choose one with --ref: " +
                                  join(vias, ", ")));
        }
        return Status::invalid(
            about(source, "'" + ref_name + "' reaches " + std::to_string(digests.size()) +
                              " Spin apps with different lockfiles (" + join(digests, ", ") +
                              "); take one with --blob DIGEST"));
    }
    const std::string& digest = digests.front();
    const BlobRecord* record = scan.find(digest);
    if (record == nullptr) {
        return Status::invalid(
            about(source, "expected the lockfile blob " + digest + " in the layout, found none"));
    }
    if (!record->matches()) {
        return Status::invalid(about(source, hash_mismatch(*record, digest)));
    }
    // A lockfile that is not valid JSON is still handed out as it is: its bytes are the answer.
    return load_blob(source, scan, digest, out);
}

Status extract_blob(LayoutSource& source, std::string_view digest,
                    const std::function<Status(const char*, std::size_t)>& write) {
    std::string why;
    if (!parse_digest(digest, &why)) {
        return Status::usage(one_line("expected a digest like sha256:<64 hex digits>, found '" +
                                      std::string(digest) + "': " + why));
    }
    const std::string wanted(digest);
    ScanOptions options;
    StreamingObserver observer(wanted, write);
    bool stream = !source.can_reread();
    if (stream) options.observer = &observer;
    LayoutScan scan;
    if (Status status = source.scan(options, scan); !status) return status;
    const BlobRecord* record = scan.find(wanted);
    if (record == nullptr) {
        return Status::invalid(source.name() + ": expected blob " + wanted +
                               " in the layout, found none");
    }
    auto mismatch = [&] { return Status::invalid(about(source, hash_mismatch(*record, wanted))); };
    if (stream) {
        if (!observer.seen()) {
            return Status::unreadable(about(
                source, record->path() + ": its bytes did not pass by as a blob of their own (a "
                                         "hardlink) and the input cannot be read again"));
        }
        // Already written: the caller hears about a mismatch only now.
        return record->matches() ? Status::ok() : mismatch();
    }
    if (!record->matches()) return mismatch();
    if (record->content) return write(record->content->data(), record->content->size());
    std::optional<StreamHasher> hasher;
    if (record->hashed()) hasher.emplace(record->algorithm());
    std::uint64_t size = 0;
    Status status = source.read_blob(record->path(), [&](const char* data, std::size_t n) {
        if (hasher) hasher->update(data, n);
        size += n;
        return write(data, n);
    });
    if (!status) return status;
    if (size != record->size || (hasher && hasher->finish_hex() != record->computed())) {
        return Status::io_error(
            about(source, record->path() + ": changed while it was being read (expected " +
                              std::to_string(record->size) + " bytes hashing to " + wanted +
                              ", read " + std::to_string(size) + " bytes)"));
    }
    return Status::ok();
}

}  // namespace ociwasm
