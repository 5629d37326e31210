// Reading blobs again after the scan, for the graph walk, the Spin checks and inspect: lookups by
// digest, documents within a size limit, the first bytes of a wasm layer, archive listings, and
// the parsed documents (image configs, lockfiles) a walk keeps because many manifests share them.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "finding_location.h"
#include "ociwasm/finding_codes.h"
#include "ociwasm/schema.h"
#include "validate_internal.h"

namespace ociwasm::detail {

BlobAccess::BlobAccess(LayoutSource& source, const LayoutScan& scan)
    : source_(source), scan_(scan) {}

const BlobRecord* BlobAccess::find(std::string_view digest) const {
    return scan_.find(digest);
}

BlobAccess::Load BlobAccess::load(std::string_view digest, std::size_t max_size,
                                  std::string& storage, std::string_view& bytes, std::string& why) {
    const BlobRecord* record = find(digest);
    if (record == nullptr) {
        why = "blob " + std::string(digest) + " is not in the layout";
        return Load::missing;
    }
    return load(*record, max_size, storage, bytes, why);
}

BlobAccess::Load BlobAccess::load(const BlobRecord& record, std::size_t max_size,
                                  std::string& storage, std::string_view& bytes, std::string& why) {
    if (record.size > max_size) {
        why = "expected at most " + std::to_string(max_size) + " bytes to check, found " +
              std::to_string(record.size) + " bytes";
        return Load::too_large;
    }
    if (record.content) {
        bytes = *record.content;
        return Load::ok;
    }
    if (!source_.can_reread_blob(record.path())) {
        why = "the blob (" + std::to_string(record.size) +
              " bytes) was too large to keep during the pass and the input is a stream that "
              "cannot be read again";
        return Load::too_large;
    }
    Status status = load_blob(source_, record, storage, max_size);
    if (!status) {
        why = status.message();
        return Load::unreadable;
    }
    bytes = storage;
    return Load::ok;
}

bool BlobAccess::loads_in_parallel(const BlobRecord& record) const {
    if (record.size > kMaxDocumentSize) return false;
    return record.content ||
           (source_.can_reread_in_parallel() && source_.can_reread_blob(record.path()));
}

std::optional<std::string> BlobAccess::head(std::string_view digest, std::size_t count) {
    const BlobRecord* record = find(digest);
    if (record == nullptr) return std::nullopt;
    if (record->content) return record->content->substr(0, count);
    if (!source_.can_reread_blob(record->path())) return std::nullopt;
    std::string bytes;
    Status status = source_.read_blob(record->path(), [&](const char* data, std::size_t size) {
        bytes.append(data, std::min(size, count - bytes.size()));
        // Stop reading once we have enough: the error is ours and ignored below.
        return bytes.size() >= count ? Status::stopped("enough") : Status::ok();
    });
    if (!status && bytes.size() < count && bytes.size() < record->size) return std::nullopt;
    return bytes;
}

namespace {

// A listing of blob `digest` of `blobs`, made once per digest with `list` (from the kept bytes,
// or from the source read again) and kept in `cache`.
template <typename Listing, typename List>
Listing& listed_once(std::unordered_map<std::string, std::unique_ptr<Listing>>& cache,
                     const BlobAccess& blobs, LayoutSource& source, std::string_view digest,
                     List&& list) {
    auto [it, inserted] = cache.try_emplace(std::string(digest));
    if (!inserted) return *it->second;
    it->second = std::make_unique<Listing>();
    Listing& listing = *it->second;
    const BlobRecord* record = blobs.find(digest);
    if (record == nullptr) {
        // OCI-BLOB-MISSING already says so; the files it holds cannot be checked.
        return listing;
    }
    if (record->content) {
        listing = list(std::string_view(*record->content));
    } else if (source.can_reread_blob(record->path())) {
        listing = list(source, record->path());
    } else {
        listing.problem = "the blob (" + std::to_string(record->size) +
                          " bytes) was too large to keep during the pass and the input is a "
                          "stream that cannot be read again";
    }
    return listing;
}

}  // namespace

ArchiveListing& BlobAccess::archive(std::string_view digest) {
    return listed_once(archives_, *this, source_, digest,
                       [](auto&&... args) { return list_archive_layer(args...); });
}

LayerWasmFiles& BlobAccess::wasm_files(std::string_view digest) {
    return listed_once(layer_files_, *this, source_, digest,
                       [](auto&&... args) { return list_layer_wasm_files(args...); });
}

bool load_document(BlobAccess& blobs, const BlobRecord& record, std::string& storage,
                   std::string_view& bytes, Findings& out) {
    std::string why;
    switch (blobs.load(record, kMaxDocumentSize, storage, bytes, why)) {
        case BlobAccess::Load::ok:
            return true;
        case BlobAccess::Load::missing:
            return false;
        case BlobAccess::Load::too_large:
            out.error(codes::kOciDocumentTooLarge,
                      where(record.path(), "") + "cannot check this document: " + why,
                      record.path(), "", record.digest());
            return false;
        case BlobAccess::Load::unreadable:
            out.error(codes::kOciBlobUnreadable,
                      where(record.path(), "") + "expected to read the blob again, failed: " + why,
                      record.path(), "", record.digest());
            return false;
    }
    return false;
}

OwnedDocument::OwnedDocument(std::size_t text_size)
    : allocator(std::max<std::size_t>(1024, 2 * text_size)), doc(&allocator) {}

std::unique_ptr<OwnedDocument> parse_owned_document(std::string_view bytes, std::string_view file,
                                                    std::string_view code, std::string_view what,
                                                    Findings& out) {
    auto owned = std::make_unique<OwnedDocument>(bytes.size());
    if (!parse_document(bytes, owned->doc, file, code, what, out)) return nullptr;
    return owned;
}

DocumentCache::DocumentCache(Kind kind) : kind_(kind) {}
DocumentCache::~DocumentCache() = default;

std::unique_ptr<OwnedDocument> DocumentCache::check(const BlobRecord& record,
                                                    std::string_view bytes, Findings& out) const {
    auto owned = parse_owned_document(bytes, record.path(), kind_.invalid_code, kind_.what, out);
    if (!owned) return nullptr;
    check_schema(kind_.schema, owned->doc, record.path(), out);
    kind_.check(owned->doc, record.path(), out);
    return owned;
}

const rapidjson::Value* DocumentCache::keep(const BlobRecord& record,
                                            std::unique_ptr<OwnedDocument> document) {
    if (!document) return nullptr;
    // Oldest first; the newest is always kept (the caller is about to use it).
    while (!kept_order_.empty() && (kept_order_.size() >= kKeptDocuments ||
                                    kept_bytes_ + record.size > kKeptDocumentBytes)) {
        const BlobRecord* oldest = kept_order_.front();
        kept_order_.pop_front();
        kept_bytes_ -= oldest->size;
        documents_.erase(oldest);
    }
    kept_order_.push_back(&record);
    kept_bytes_ += record.size;
    auto& kept = documents_[&record];
    kept = std::move(document);
    return &kept->doc;
}

DocumentCache::Asked& DocumentCache::asked(const BlobRecord& record, const BlobAccess& blobs) {
    const BlobStore& store = blobs.scan().blobs;
    if (asked_.size() != store.size()) asked_.assign(store.size(), Asked::no);
    return asked_[store.position_of(record)];
}

const rapidjson::Value* DocumentCache::get(const BlobRecord& record, BlobAccess& blobs,
                                           Findings& out) {
    Asked& seen = asked(record, blobs);
    if (seen != Asked::no) {
        if (seen == Asked::failed) return nullptr;
        if (auto it = documents_.find(&record); it != documents_.end()) return &it->second->doc;
        // Asked for again after it was dropped: the same bytes (load_document checks them
        // against the scan) parse the same way; the findings were reported the first time.
        std::string storage;
        std::string_view bytes;
        if (!load_document(blobs, record, storage, bytes, out)) return nullptr;
        Findings again;
        return keep(record, check(record, bytes, again));
    }
    seen = Asked::failed;  // until it parses: a blob that does not load is reported once
    std::unique_ptr<OwnedDocument> document;
    if (auto prepared = prepared_.find(&record); prepared != prepared_.end()) {
        out.append(prepared->second.findings);
        document = std::move(prepared->second.document);
        prepared_.erase(prepared);
    } else {
        std::string storage;
        std::string_view bytes;
        if (!load_document(blobs, record, storage, bytes, out)) return nullptr;
        document = check(record, bytes, out);
    }
    seen = document != nullptr ? Asked::parsed : Asked::failed;
    return keep(record, std::move(document));
}

std::optional<DocumentCache::Prepared> DocumentCache::check_ahead(const BlobRecord& record,
                                                                  BlobAccess& blobs) const {
    std::string storage;
    std::string_view bytes;
    Findings unread;  // get() loads it again and reports why
    if (!load_document(blobs, record, storage, bytes, unread)) return std::nullopt;
    Prepared prepared;
    prepared.document = check(record, bytes, prepared.findings);
    return prepared;
}

void DocumentCache::adopt(const BlobRecord& record, Prepared prepared, const BlobAccess& blobs) {
    if (asked(record, blobs) != Asked::no) return;
    prepared_.try_emplace(&record, std::move(prepared));
}

}  // namespace ociwasm::detail
