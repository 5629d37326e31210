// The validation engine: checks the layout files, walks the graph index.json -> manifests /
// nested indexes -> config and layers once, and runs the schema and OCI checks on what it
// reaches; the Spin checks run through one hook (SpinWiring, spin_wiring.cpp) at fixed points
// of the walk. Every blob is checked once however often it is referenced; lookups go through
// hash maps keyed by digest, so large layouts validate in linear time.
#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "finding_location.h"
#include "ociwasm/digest.h"
#include "ociwasm/finding_codes.h"
#include "ociwasm/json.h"
#include "ociwasm/media_types.h"
#include "ociwasm/schema.h"
#include "ociwasm/spin.h"
#include "ociwasm/validate.h"
#include "parallel.h"
#include "text.h"
#include "validate_internal.h"
#include "walk_ahead.h"
#include "wasm_format_checks.h"
#include "wasm_formats.h"

namespace ociwasm {

namespace {

using detail::BlobAccess;
using detail::CheckedManifest;
using detail::find_member;
using detail::quoted;
using detail::string_member;
using detail::where;

enum class DocType { oci_manifest, oci_index, docker_manifest, docker_index, other };

// The graph's media-type classes (oci_graph.h), split by whose rules apply: OCI or Docker.
DocType doc_type_for(std::string_view media_type) {
    const bool docker = detail::is_docker_document_type(media_type);
    if (detail::is_manifest_type(media_type)) {
        return docker ? DocType::docker_manifest : DocType::oci_manifest;
    }
    if (detail::is_index_type(media_type)) {
        return docker ? DocType::docker_index : DocType::oci_index;
    }
    return DocType::other;
}

// The digest a descriptor names, "" when it names none that parses.
std::string digest_of(const rapidjson::Value& descriptor) {
    auto digest = parse_digest(string_member(descriptor, "digest").value_or(""));
    return digest ? digest->str() : std::string();
}

// The manifests of an index are walked in windows of this many descriptors; the documents of a
// window are parsed and checked on other threads while the walk goes through the window before
// (check_ahead).
constexpr rapidjson::SizeType kPrepareWindow = 256;

class GraphWalk {
  public:
    // `index_json`: index.json's own checks when they were made ahead (IndexJsonAhead).
    GraphWalk(LayoutSource& source, const LayoutScan& scan, ValidationResult& result,
              unsigned threads, std::optional<detail::CheckedIndexJson> index_json = std::nullopt)
        : index_json_(std::move(index_json)),
          blobs_(source, scan),
          scan_(scan),
          result_(result),
          out_(result.findings),
          referenced_(scan.blobs.size(), false),
          manifests_(scan.blobs.size()),
          threads_(threads),
          documents_(scan.blobs.size(), 0),
          spin_(blobs_, result.findings),
          wasm_(blobs_, result.findings) {}

    void run() {
        out_.append(scan_.findings);
        check_blob_digests();
        check_oci_layout();
        check_blobs_directory();
        check_index_json();
        check_subjects();
        report_unreferenced();
        spin_.finish();
        detail::drop_redundant_schema_findings(out_);
    }

  private:
    // Kept for every manifest reached (100,000 in a large layout): small on purpose.
    struct ManifestState {
        static constexpr std::uint32_t kNoPlatform = 0xffffffff;
        bool visited = false;  // visit_manifest has run for this record
        bool parsed = false;
        ManifestFormat format = ManifestFormat::unknown;
        // Position of its image config in the scan, when that config has a platform (platforms_).
        std::uint32_t config_platform = kNoPlatform;
    };

    struct SubjectSeen {
        std::string file;  // the referrer's blob path (or index.json)
        std::string digest;
        std::string media_type;
    };

    struct IndexContext {
        std::string file;  // the index's own file ("index.json" or a blob path)
        bool is_index_json = false;
        std::string ref_name;  // inherited from the index.json descriptor that led here
        int depth = 0;
    };

    bool scan_has_finding_for(std::string_view file) const {
        return scan_.findings.any_of([&](const Finding& finding) { return finding.file == file; });
    }

    void check_blob_digests() {
        for (const BlobRecord& record : scan_.blobs) {
            if (record.matches()) continue;
            std::string digest = record.digest();
            out_.error(codes::kOciDigestMismatch,
                       where(record.path(), "") + "expected content hashing to " + digest +
                           " (its name), found " + record.algorithm() + ":" + record.computed(),
                       record.path(), "", digest);
        }
    }

    void check_oci_layout() {
        if (scan_.oci_layout) {
            detail::check_oci_layout(*scan_.oci_layout, "oci-layout", out_);
        } else if (!scan_has_finding_for("oci-layout")) {
            out_.error(codes::kLayoutMissingOciLayout,
                       "oci-layout: expected this file ({\"imageLayoutVersion\":\"1.0.0\"}) at "
                       "the layout root, found none",
                       "oci-layout");
        }
    }

    void check_index_json() {
        if (!scan_.index_json) {
            if (!scan_has_finding_for("index.json")) {
                out_.error(codes::kLayoutMissingIndex,
                           "index.json: expected this file (the image index) at the layout root, "
                           "found none",
                           "index.json");
            }
            return;
        }
        detail::CheckedIndexJson checked =
            index_json_ ? std::move(*index_json_) : detail::check_index_json(*scan_.index_json);
        index_json_.reset();
        out_.append(checked.findings);
        if (!checked.document) return;
        IndexContext context{"index.json", true, "", 0};
        visit_index_descriptors(checked.document->doc, context, Window());
    }

    void check_blobs_directory() {
        if (scan_.has_blobs_dir || scan_has_finding_for("blobs")) return;
        out_.error(codes::kLayoutMissingBlobs,
                   "blobs: expected this directory (for the content; it may be empty) at the "
                   "layout root, found none",
                   "blobs");
    }

    // Blob-level checks of one descriptor: digest algorithm, presence, size. Marks the blob
    // referenced. Returns its record when present.
    const BlobRecord* reach(const rapidjson::Value& descriptor, const std::string& file,
                            const std::string& pointer, bool missing_ok = false) {
        auto text = string_member(descriptor, "digest");
        if (!text) return nullptr;
        std::string_view algorithm;
        std::string_view encoded;
        // OCI-DIGEST-INVALID comes from the body checks.
        if (!split_digest(*text, algorithm, encoded)) return nullptr;
        std::string key(*text);
        // Many descriptors may reach one blob: what they say about it is one finding each
        // (add_reached), counted, however many there are.
        if (!is_verifiable_algorithm(algorithm)) {
            out_.add_reached({Severity::warning, codes::kOciDigestUnverifiable,
                              where(file, pointer + "/digest") +
                                  "expected a digest algorithm we can verify (sha256, sha512), "
                                  "found " +
                                  std::string(algorithm) + ": the content of " + key +
                                  " is not checked",
                              file, pointer + "/digest", key});
        }
        const BlobRecord* record = blobs_.find(key);
        if (record == nullptr) {
            if (!missing_ok) {
                out_.add_reached({Severity::warning, codes::kOciBlobMissing,
                                  where(file, pointer) + "expected blob blobs/" +
                                      std::string(algorithm) + "/" + std::string(encoded) +
                                      " in the layout, found none",
                                  file, pointer, key});
            }
            return nullptr;
        }
        referenced_[scan_.blobs.position_of(*record)] = true;
        if (const rapidjson::Value* size = find_member(descriptor, "size");
            size != nullptr && size->IsUint64() && size->GetUint64() != record->size) {
            out_.add_reached({Severity::error, codes::kOciSizeMismatch,
                              where(file, pointer + "/size") + "expected the size of " +
                                  record->path() + ", " + std::to_string(record->size) +
                                  " bytes, found " + std::to_string(size->GetUint64()),
                              file, pointer + "/size", key});
        }
        return record;
    }

    // A referrer's `subject`: its blob is checked like any descriptor's (missing is no warning:
    // a subject may live elsewhere); whether it is a document of the layout is known only when
    // the walk is over (check_subjects).
    void reach_subject(const rapidjson::Value& subject, const std::string& file) {
        reach(subject, file, "/subject", true);
        auto text = string_member(subject, "digest");
        auto digest = text ? parse_digest(*text) : std::nullopt;
        if (!digest) return;
        subjects_.push_back(
            {file, digest->str(), std::string(string_member(subject, "mediaType").value_or(""))});
    }

    // Every subject against the manifests and indexes index.json reaches, directly or through
    // nested indexes (a referrer and its subject may sit at different levels).
    void check_subjects() {
        for (const SubjectSeen& subject : subjects_) {
            const BlobRecord* record = blobs_.find(subject.digest);
            std::uint32_t reached =
                record != nullptr ? documents_[scan_.blobs.position_of(*record)] : 0;
            if (reached != 0) {
                std::string_view media_type = media_types_[reached - 1];
                if (subject.media_type.empty() || subject.media_type == media_type) continue;
                out_.error(codes::kOciMediatypeMismatch,
                           where(subject.file, "/subject/mediaType") + "expected \"" +
                               std::string(media_type) + "\" (the subject " + subject.digest +
                               " is reached through a descriptor of that type), found \"" +
                               subject.media_type + "\"",
                           subject.file, "/subject/mediaType", subject.digest);
                continue;
            }
            bool blob_here = record != nullptr;
            out_.info(codes::kOciSubjectNotInLayout,
                      where(subject.file, "/subject") + "expected the subject " + subject.digest +
                          " to be a manifest or index that index.json reaches, found " +
                          (blob_here ? "only its blob (no index entry names it)"
                                     : "no blob of it (it may be in a registry)"),
                      subject.file, "/subject", subject.digest);
        }
    }

    // Descriptors [0, end) of an index's manifests, checked ahead by `ahead`.
    struct Window {
        std::unique_ptr<detail::WalkAhead> ahead;
        rapidjson::SizeType end = 0;
    };

    // The first window of a nested index, started before the index's own checks: four windows'
    // worth (within WalkAhead::kWindowBytes still), so that the other threads stay busy while
    // this one checks the index.
    Window start_first_window(const rapidjson::Value& index) {
        const rapidjson::Value* manifests = find_member(index, "manifests");
        if (manifests == nullptr || !manifests->IsArray()) return {};
        rapidjson::SizeType end = std::min(manifests->Size(), 4 * kPrepareWindow);
        return {check_ahead(*manifests, 0, end), end};
    }

    // `first`: the first window when it was started already (start_first_window), else empty.
    void visit_index_descriptors(const rapidjson::Value& index, const IndexContext& context,
                                 Window first) {
        if (const rapidjson::Value* subject = find_member(index, "subject")) {
            reach_subject(*subject, context.file);
        }
        const rapidjson::Value* manifests = find_member(index, "manifests");
        if (manifests == nullptr || !manifests->IsArray()) return;
        // The next window is checked ahead on other threads while the walk goes through this one.
        const rapidjson::SizeType count = manifests->Size();
        if (first.end == 0) {
            first.end = std::min(count, kPrepareWindow);
            first.ahead = check_ahead(*manifests, 0, first.end);
        }
        std::unique_ptr<detail::WalkAhead> ahead = std::move(first.ahead);
        for (rapidjson::SizeType start = 0, end = first.end; start < count;) {
            std::vector<std::string> prepared = adopt(std::move(ahead));
            rapidjson::SizeType next = std::min(count, end + kPrepareWindow);
            ahead = check_ahead(*manifests, end, next);
            for (rapidjson::SizeType i = start; i < end; ++i) {
                visit_index_descriptor((*manifests)[i], i, context);
            }
            for (const std::string& key : prepared) prepared_.erase(key);  // left unused
            image_configs_.drop_prepared();
            spin_.lockfiles().drop_prepared();
            start = end;
            end = next;
        }
    }

    void visit_index_descriptor(const rapidjson::Value& descriptor, rapidjson::SizeType i,
                                const IndexContext& context) {
        if (!descriptor.IsObject()) return;
        std::string pointer = pointer_join("/manifests", i);
        std::string ref_name = context.ref_name;
        if (context.is_index_json) {
            ref_name = std::string(detail::ref_name_of(descriptor).value_or(""));
        }
        const BlobRecord* record = reach(descriptor, context.file, pointer);
        std::string_view media_type = string_member(descriptor, "mediaType").value_or("");
        switch (doc_type_for(media_type)) {
            case DocType::oci_manifest:
            case DocType::docker_manifest: {
                ManifestEntry entry;
                entry.digest = std::string(string_member(descriptor, "digest").value_or(""));
                entry.ref_name = ref_name;
                entry.index_pointer =
                    context.is_index_json ? pointer : context.file + "#" + pointer;
                if (record != nullptr) {
                    entry.file = record->path();
                    note_document(*record, media_type);
                    const rapidjson::Value* platform = find_member(descriptor, "platform");
                    if (platform != nullptr && !platform->IsObject()) platform = nullptr;
                    const ManifestState& state = visit_manifest(*record, media_type, platform);
                    entry.format = state.format;
                    if (state.parsed) note_format(state.format);
                    const detail::ConfigPlatform* config_platform = platform_of(state);
                    if (platform != nullptr && config_platform != nullptr) {
                        detail::check_entry_platform(*platform, *config_platform, context.file,
                                                     pointer, out_);
                    }
                } else if (is_valid_digest(entry.digest)) {
                    entry.file = detail::blob_path(entry.digest);
                }
                result_.manifests.push_back(std::move(entry));
                break;
            }
            case DocType::oci_index:
            case DocType::docker_index:
                if (record != nullptr) {
                    note_document(*record, media_type);
                    visit_nested_index(*record, media_type, context, pointer, ref_name);
                }
                break;
            case DocType::other:
                if (!media_type.empty()) {
                    out_.add_reached(
                        {Severity::info, codes::kOciUnknownMediatype,
                         where(context.file, pointer + "/mediaType") +
                             "not a manifest or index media type we check: " + quoted(media_type),
                         context.file, pointer + "/mediaType", digest_of(descriptor)});
                }
                break;
        }
    }

    const detail::ConfigPlatform* platform_of(const ManifestState& state) const {
        if (state.config_platform == ManifestState::kNoPlatform) return nullptr;
        auto it = platforms_.find(state.config_platform);
        return it != platforms_.end() ? &it->second : nullptr;
    }

    // Remembers the media type of the first descriptor that reaches a manifest or index, as a
    // number into media_types_ (a layout uses a handful).
    void note_document(const BlobRecord& record, std::string_view media_type) {
        std::uint32_t& reached = documents_[scan_.blobs.position_of(record)];
        if (reached != 0) return;
        auto [known, added] = media_type_numbers_.try_emplace(
            std::string(media_type), static_cast<std::uint32_t>(media_types_.size() + 1));
        if (added) media_types_.emplace_back(media_type);
        reached = known->second;
    }

    void note_format(ManifestFormat format) {
        for (ManifestFormat seen : result_.formats) {
            if (seen == format) return;
        }
        result_.formats.push_back(format);
    }

    void visit_nested_index(const BlobRecord& record, std::string_view media_type,
                            const IndexContext& parent, const std::string& pointer,
                            const std::string& ref_name) {
        std::string key = record.digest();
        bool first = !indexes_done_.contains(key);
        switch (index_path_.enter(key, static_cast<std::size_t>(parent.depth) + 1)) {
            case detail::NestedIndexGuard::Entry::cycle:
                out_.add_reached({Severity::error, codes::kOciIndexCycle,
                                  where(parent.file, pointer) +
                                      "expected nested indexes to form a tree, found " + key +
                                      " reaching itself",
                                  parent.file, pointer, key});
                return;
            case detail::NestedIndexGuard::Entry::too_deep:
                if (!indexes_done_.insert(key).second) return;
                out_.warning(codes::kOciIndexTooDeep,
                             where(parent.file, pointer) + "expected at most " +
                                 std::to_string(detail::kMaxIndexDepth) +
                                 " levels of nested indexes, found more: " + key +
                                 " is not followed",
                             parent.file, pointer, key);
                return;
            case detail::NestedIndexGuard::Entry::entered:
                break;
        }
        if (first) {
            indexes_done_.insert(key);
            check_nested_index(record, media_type, parent, pointer, ref_name);
        }
        index_path_.leave(key);
    }

    // A nested index seen for the first time: its body, then its descriptors.
    void check_nested_index(const BlobRecord& record, std::string_view media_type,
                            const IndexContext& parent, const std::string& pointer,
                            const std::string& ref_name) {
        std::string key = record.digest();
        CheckedManifest checked;
        {
            std::string storage;     // the document holds its own copies: the walk below may go
            std::string_view bytes;  // 32 indexes deep
            if (!detail::load_document(blobs_, record, storage, bytes, out_)) return;
            checked = detail::parse_index_document(record, bytes);
        }
        // Its first manifests are checked on other threads while this one checks the index.
        Window first;
        if (checked.document) first = start_first_window(checked.document->doc);
        detail::check_index_document(record, media_type, checked);
        out_.append(checked.findings);
        if (checked.manifest_shaped) {
            out_.error(codes::kOciMediatypeMismatch,
                       where(record.path(), "") + "expected an index (the descriptor at " +
                           parent.file + "#" + pointer + " says " + std::string(media_type) +
                           "), found a manifest (config/layers, no manifests); not followed",
                       record.path(), "", key);
            return;
        }
        if (!checked.document) return;
        IndexContext context{record.path(), false, ref_name, parent.depth + 1};
        visit_index_descriptors(checked.document->doc, context, std::move(first));
    }

    // `entry_platform` is the `platform` of the index entry that reaches the manifest first.
    const ManifestState& visit_manifest(const BlobRecord& record, std::string_view media_type,
                                        const rapidjson::Value* entry_platform) {
        ManifestState& state = manifests_[scan_.blobs.position_of(record)];
        if (state.visited) return state;
        state.visited = true;

        CheckedManifest checked;
        if (auto prepared = prepared_.find(prepared_key(record.digest(), media_type));
            prepared != prepared_.end()) {
            checked = std::move(prepared->second);
            prepared_.erase(prepared);
        } else {
            std::string storage;
            std::string_view bytes;
            if (!detail::load_document(blobs_, record, storage, bytes, out_)) return state;
            checked = detail::check_manifest_document(record, media_type, bytes);
        }
        out_.append(checked.findings);
        if (!checked.document) return state;
        state.parsed = true;
        state.format = checked.format;
        walk_manifest_children(checked.document->doc, record.path(), state, entry_platform);
        return state;
    }

    static std::string prepared_key(std::string_view digest, std::string_view media_type) {
        std::string key;
        key.reserve(digest.size() + 1 + media_type.size());
        key.append(digest).append(1, ' ').append(media_type);
        return key;
    }

    // Starts checking the manifests named by descriptors [start, end) of an index, and the
    // image configs and lockfiles they name, on other threads (detail::WalkAhead); nullptr when
    // there is nothing to check ahead or one thread to do it. Bytes not kept during the pass are
    // read again there where the source allows reads in parallel, else by the walk; a document
    // that cannot be read ahead is left to the walk, which reports why.
    std::unique_ptr<detail::WalkAhead> check_ahead(const rapidjson::Value& manifests,
                                                   rapidjson::SizeType start,
                                                   rapidjson::SizeType end) {
        if (start >= end || detail::parallel_threads(end - start, threads_) < 2) return nullptr;
        std::vector<detail::AheadManifest> wanted;
        std::unordered_set<std::string> queued;
        for (rapidjson::SizeType i = start; i < end; ++i) {
            const rapidjson::Value& descriptor = manifests[i];
            if (!descriptor.IsObject()) continue;
            std::string_view media_type = string_member(descriptor, "mediaType").value_or("");
            auto digest = string_member(descriptor, "digest");
            DocType type = doc_type_for(media_type);
            if (!digest || (type != DocType::oci_manifest && type != DocType::docker_manifest)) {
                continue;
            }
            const BlobRecord* record = blobs_.find(*digest);
            if (record == nullptr || !blobs_.loads_in_parallel(*record)) continue;
            std::string key = prepared_key(*digest, media_type);
            if (manifests_[scan_.blobs.position_of(*record)].visited || prepared_.contains(key) ||
                !queued.insert(key).second) {
                continue;
            }
            wanted.push_back({record, media_type, std::move(key)});
        }
        if (wanted.empty()) return nullptr;
        return std::make_unique<detail::WalkAhead>(std::move(wanted),
                                                   detail::check_manifest_document, blobs_,
                                                   image_configs_, spin_, threads_);
    }

    // Waits for what `ahead` checks and hands it to the walk; returns the keys of the manifests
    // in prepared_ now, which the walk erases when it is done with the window.
    std::vector<std::string> adopt(std::unique_ptr<detail::WalkAhead> ahead) {
        std::vector<std::string> keys;
        if (!ahead) return keys;
        detail::WalkAhead::Result result = ahead->finish();
        for (auto& [key, checked] : result.manifests) {
            if (prepared_.try_emplace(key, std::move(checked)).second) keys.push_back(key);
        }
        for (auto& [record, prepared] : result.image_configs) {
            image_configs_.adopt(*record, std::move(prepared), blobs_);
        }
        for (auto& [record, prepared] : result.lockfiles) {
            spin_.lockfiles().adopt(*record, std::move(prepared), blobs_);
        }
        return keys;
    }

    // The config and layers of a manifest. The Spin and wasm format checks are called at fixed
    // points (config reached, each layer reached, manifest done): the order of findings follows
    // those calls. Once the image config is read, a container image whose config or index entry
    // says wasm becomes a wasm container image.
    void walk_manifest_children(const rapidjson::Value& manifest, const std::string& file,
                                ManifestState& state, const rapidjson::Value* entry_platform) {
        if (!manifest.IsObject()) return;
        const ManifestFormat format = state.format;
        detail::WalkedManifest walked;
        walked.manifest = &manifest;
        walked.file = &file;
        walked.format = format;
        walked.config = find_member(manifest, "config");
        if (walked.config != nullptr && walked.config->IsObject()) {
            walked.config_record = reach(*walked.config, file, "/config");
            walked.config_type = string_member(*walked.config, "mediaType").value_or("");
            if (walked.config_record != nullptr) {
                if (walked.config_type == media::kOciConfig) {
                    walked.image_config = image_configs_.get(*walked.config_record, blobs_, out_);
                }
                spin_.config_reached(*walked.config_record, walked.config_type);
                wasm_.config_reached(*walked.config_record, walked.config_type);
            }
        }
        const rapidjson::Value* layers = find_member(manifest, "layers");
        if (layers != nullptr && layers->IsArray()) {
            for (rapidjson::SizeType i = 0; i < layers->Size(); ++i) {
                const rapidjson::Value& layer = (*layers)[i];
                const BlobRecord* record = reach(layer, file, pointer_join("/layers", i));
                if (record == nullptr) continue;
                spin_.layer_reached(format, string_member(layer, "mediaType").value_or(""),
                                    *record);
            }
        }
        if (const rapidjson::Value* subject = find_member(manifest, "subject")) {
            reach_subject(*subject, file);
        }
        if (walked.image_config != nullptr && walked.image_config->IsObject()) {
            if (auto platform =
                    detail::config_platform(*walked.image_config, walked.config_record->path())) {
                std::size_t config = scan_.blobs.position_of(*walked.config_record);
                platforms_[config] = std::move(*platform);
                state.config_platform = static_cast<std::uint32_t>(config);
            }
        }
        const detail::ConfigPlatform* config_platform = platform_of(state);
        bool wasm_platform =
            (config_platform != nullptr &&
             config_platform->architecture == detail::kWasmArchitecture) ||
            (entry_platform != nullptr &&
             string_member(*entry_platform, "architecture") == detail::kWasmArchitecture);
        state.format = detect_format(manifest, wasm_platform);
        walked.format = state.format;
        spin_.manifest_walked(walked);
        wasm_.manifest_walked(walked);
    }

    void report_unreferenced() {
        for (const BlobRecord& record : scan_.blobs) {
            if (referenced_[scan_.blobs.position_of(record)]) continue;
            out_.info(codes::kOciBlobUnreferenced,
                      where(record.path(), "") + "no descriptor reaches this blob (" +
                          std::to_string(record.size) + " bytes)",
                      record.path(), "", record.digest());
        }
    }

    std::optional<detail::CheckedIndexJson> index_json_;
    BlobAccess blobs_;
    const LayoutScan& scan_;
    ValidationResult& result_;
    Findings& out_;
    std::vector<bool> referenced_;  // by position in scan_.blobs
    detail::NestedIndexGuard index_path_;
    std::unordered_set<std::string> indexes_done_;
    std::vector<ManifestState> manifests_;  // by position in scan_.blobs
    // The platforms of the image configs manifests_ point to, by config record.
    std::unordered_map<std::size_t, detail::ConfigPlatform> platforms_;  // by config position
    // Manifests checked ahead (check_ahead), by digest and media type.
    std::unordered_map<std::string, CheckedManifest> prepared_;
    unsigned threads_;
    // Manifests and indexes reached from index.json, with the mediaType of the first descriptor:
    // by position in scan_.blobs, 1 + its number in media_types_ (0: not reached).
    std::vector<std::uint32_t> documents_;
    std::vector<std::string> media_types_;
    std::unordered_map<std::string, std::uint32_t> media_type_numbers_;  // 1 + the number
    std::vector<SubjectSeen> subjects_;
    detail::DocumentCache image_configs_{
        {codes::kJsonInvalid, "an image config", SchemaKind::config, detail::check_image_config}};
    detail::SpinWiring spin_;
    detail::WasmFormatChecks wasm_;
};

}  // namespace

Status validate_layout(LayoutSource& source, const ValidateOptions& options,
                       ValidationResult& result) {
    ScanOptions scan_options;
    scan_options.verify = options.verify_blobs;
    scan_options.threads = options.threads;
    scan_options.progress = options.progress;
    // Documents not kept are read again when the walk reaches them, from a temporary file the
    // pass moves them to (one read each, where a directory would take an open by name, a stat,
    // a read and a close), so keeping every small blob of a large layout is not worth its
    // memory. 8 MiB still holds all of a layout of 10,000 small apps (6.4 MiB), and leaves
    // room under 64 MiB for the records of 200,000 blobs (about 80 bytes each with their names)
    // and where the temporary file holds the others (16 bytes each). 1 GiB of temporary file
    // holds the documents of 1,000,000 small apps; without one, stdin, pipes and compressed
    // tars keep up to 256 MiB in memory as before.
    scan_options.rereadable_kept_budget = 8 * kMiB;
    scan_options.spill_budget = std::uint64_t{1} << 30;
    // index.json is checked on another thread while the scan lists and hashes the blobs, from
    // the scan's own bytes: `scan` outlives the check (declared first, destroyed last).
    LayoutScan scan;
    detail::IndexJsonAhead index_json;
    if (options.threads != 1) index_json.hook(scan_options);
    if (Status status = source.scan(scan_options, scan); !status) return status;
    GraphWalk(source, scan, result, options.threads, index_json.take(scan.index_json)).run();
    return Status::ok();
}

void validate_scan(LayoutSource& source, const LayoutScan& scan, const ValidateOptions& options,
                   ValidationResult& result) {
    GraphWalk(source, scan, result, options.threads).run();
}

}  // namespace ociwasm
