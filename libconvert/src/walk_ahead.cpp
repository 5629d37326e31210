#include "walk_ahead.h"

#include <exception>
#include <functional>
#include <system_error>

#include "finding_location.h"
#include "ociwasm/finding_codes.h"
#include "ociwasm/json.h"
#include "ociwasm/media_types.h"
#include "ociwasm/schema.h"
#include "parallel.h"

namespace ociwasm::detail {

namespace {

void warn_if_large(const BlobRecord& record, std::string_view what, Findings& out) {
    if (record.size <= kManifestWarnSize) return;
    out.warning(codes::kOciManifestTooLarge,
                where(record.path(), "") + "expected " + std::string(what) + " of at most " +
                    std::to_string(kManifestWarnSize) +
                    " bytes (what registries must accept), found " + std::to_string(record.size) +
                    " bytes",
                record.path(), "", record.digest());
}

}  // namespace

CheckedManifest check_manifest_document(const BlobRecord& record, std::string_view media_type,
                                        std::string_view bytes) {
    CheckedManifest checked;
    Findings& out = checked.findings;
    const std::string path = record.path();  // in every finding: made once
    warn_if_large(record, "a manifest", out);
    auto owned = parse_owned_document(bytes, path, codes::kJsonInvalid, "an image manifest", out);
    if (!owned) return checked;
    const rapidjson::Value& doc = owned->doc;
    if (looks_like_index(doc)) {
        out.error(codes::kOciMediatypeMismatch,
                  where(path, "") + "expected a manifest (its descriptor says " +
                      std::string(media_type) +
                      "), found an index (manifests, no config/layers); not followed",
                  path, "", record.digest());
        return checked;
    }
    check_body_media_type(doc, path, media::kOciManifest, media_type, out);
    if (is_docker_document_type(media_type)) {
        check_docker_manifest(doc, path, out);
    } else {
        check_schema(SchemaKind::manifest, doc, path, out);
        check_manifest_body(doc, path, BodyCheck::oci, out);
    }
    checked.format = detect_format(doc);
    checked.document = std::move(owned);
    return checked;
}

CheckedManifest parse_index_document(const BlobRecord& record, std::string_view bytes) {
    CheckedManifest parsed;
    warn_if_large(record, "an index", parsed.findings);
    parsed.document = parse_owned_document(bytes, record.path(), codes::kJsonInvalid,
                                           "an image index", parsed.findings);
    if (parsed.document && looks_like_manifest(parsed.document->doc)) {
        parsed.manifest_shaped = true;
        parsed.document.reset();
    }
    return parsed;
}

void check_index_document(const BlobRecord& record, std::string_view media_type,
                          CheckedManifest& parsed) {
    if (!parsed.document) return;
    const rapidjson::Value& doc = parsed.document->doc;
    Findings& out = parsed.findings;
    const std::string path = record.path();
    check_body_media_type(doc, path, media::kOciIndex, media_type, out);
    if (is_docker_document_type(media_type)) {
        check_docker_manifest_list(doc, path, out);
    } else {
        check_schema(SchemaKind::index, doc, path, out);
        check_index_body(doc, path, false, BodyCheck::oci, out);
    }
}

CheckedIndexJson check_index_json(std::string_view bytes) {
    CheckedIndexJson checked;
    Findings& out = checked.findings;
    auto owned =
        parse_owned_document(bytes, "index.json", codes::kJsonInvalid, "an image index", out);
    if (!owned) return checked;
    const rapidjson::Value& doc = owned->doc;
    check_schema(SchemaKind::index, doc, "index.json", out);
    check_body_media_type(doc, "index.json", media::kOciIndex, "", out);
    check_index_body(doc, "index.json", true, BodyCheck::oci, out);
    checked.document = std::move(owned);
    return checked;
}

IndexJsonAhead::~IndexJsonAhead() {
    if (thread_.joinable()) thread_.join();
}

void IndexJsonAhead::hook(ScanOptions& options) {
    options.index_json_read = [this](const std::string& bytes) {
        if (thread_.joinable()) return;
        bytes_ = &bytes;
        size_ = bytes.size();
        hash_ = std::hash<std::string_view>()(bytes);
        try {
            thread_ = std::thread([this] {
                try {
                    result_ = check_index_json(*bytes_);
                } catch (const std::exception&) {
                    result_.reset();  // out of memory: the walk checks it and fails there
                }
            });
        } catch (const std::system_error&) {
            // No thread: the walk checks index.json itself.
        }
    };
}

std::optional<CheckedIndexJson> IndexJsonAhead::take(const std::optional<std::string>& bytes) {
    if (thread_.joinable()) thread_.join();
    if (!result_ || !bytes || &*bytes != bytes_ || bytes->size() != size_ ||
        std::hash<std::string_view>()(*bytes) != hash_) {
        return std::nullopt;
    }
    std::optional<CheckedIndexJson> result = std::move(result_);
    result_.reset();
    return result;
}

WalkAhead::WalkAhead(std::vector<AheadManifest> manifests, ManifestCheck check, BlobAccess& blobs,
                     const DocumentCache& image_configs, const SpinWiring& spin, unsigned threads)
    : check_(check), blobs_(blobs), image_configs_(image_configs), spin_(spin) {
    for (AheadManifest& manifest : manifests) {
        if (manifest.record->size > kWindowBytes - bytes_) continue;
        bytes_ += manifest.record->size;
        manifests_.push_back(std::move(manifest));
    }
    done_.resize(manifests_.size());
    // The walk goes on meanwhile: even one document gets a thread of its own.
    unsigned helpers = parallel_threads(manifests_.size() + 1, threads) - 1;
    try {
        for (unsigned i = 0; i < helpers; ++i) threads_.emplace_back([this] { work(); });
    } catch (const std::system_error&) {
        // Fewer threads than asked for: finish() does the rest on the walk's thread.
    }
}

WalkAhead::~WalkAhead() {
    stop_ = true;
    for (std::thread& thread : threads_) thread.join();
}

WalkAhead::Result WalkAhead::finish() {
    work();
    for (std::thread& thread : threads_) thread.join();
    threads_.clear();
    Result result;
    for (std::size_t job = 0; job < done_.size(); ++job) {
        Done& done = done_[job];
        if (done.manifest) {
            result.manifests.emplace_back(std::move(manifests_[job].key),
                                          std::move(*done.manifest));
        }
        for (auto& document : done.image_configs)
            result.image_configs.push_back(std::move(document));
        for (auto& document : done.lockfiles) result.lockfiles.push_back(std::move(document));
    }
    done_.clear();
    return result;
}

void WalkAhead::work() {
    for (std::size_t job = next_++; job < done_.size() && !stop_; job = next_++) {
        try {
            run(job);
        } catch (const std::exception&) {
            // Out of memory, most likely: the walk checks this manifest itself and fails there
            // as one thread would.
            done_[job] = Done();
        }
    }
}

void WalkAhead::run(std::size_t job) {
    const AheadManifest& wanted = manifests_[job];
    Done& done = done_[job];
    std::string storage;
    std::string_view bytes;
    Findings unread;  // the walk loads it again and reports why
    if (!load_document(blobs_, *wanted.record, storage, bytes, unread)) return;
    done.manifest = check_(*wanted.record, wanted.media_type, bytes);
    std::string().swap(storage);
    if (!done.manifest->document) return;
    const rapidjson::Value& manifest = done.manifest->document->doc;
    const rapidjson::Value* config = find_member(manifest, "config");
    if (config != nullptr && config->IsObject() &&
        string_member(*config, "mediaType").value_or("") == media::kOciConfig) {
        if (auto digest = string_member(*config, "digest")) {
            check_document(blobs_.find(*digest), image_configs_, claimed_configs_,
                           done.image_configs);
        }
    }
    std::vector<const BlobRecord*> lockfiles;
    spin_.lockfiles_named(manifest, lockfiles);
    for (const BlobRecord* lockfile : lockfiles) {
        check_document(lockfile, spin_.lockfiles(), claimed_lockfiles_, done.lockfiles);
    }
}

void WalkAhead::check_document(const BlobRecord* record, const DocumentCache& cache,
                               std::unordered_set<const BlobRecord*>& claimed, Documents& out) {
    // What load_document would refuse is left to the walk, which reports it.
    if (record == nullptr || !blobs_.loads_in_parallel(*record)) return;
    {
        std::lock_guard lock(claim_mutex_);
        if (record->size > kWindowBytes - bytes_ || !claimed.insert(record).second) return;
        bytes_ += record->size;
    }
    if (auto prepared = cache.check_ahead(*record, blobs_)) {
        out.emplace_back(record, std::move(*prepared));
    }
}

}  // namespace ociwasm::detail
