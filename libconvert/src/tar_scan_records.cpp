// What an admitted entry adds to the scan of TarScanPass (tar_scan_pass.h): a regular file is
// kept (stray files, within the budget), read whole (oci-layout, index.json) or streamed as a
// blob; a hardlink records its target's bytes under its own path; a second entry for a path is
// only compared with the first.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "ociwasm/digest.h"
#include "ociwasm/finding_codes.h"
#include "tar_input.h"
#include "tar_scan_pass.h"

namespace ociwasm::detail {
namespace {

std::string hex_or_size(const BlobRecord& record) {
    std::string text = std::to_string(record.size) + " bytes";
    if (record.hashed()) text += ", " + record.algorithm() + ":" + record.computed();
    return text;
}

// The first of two entries for one path, named only when the tar spells it differently from
// the second (which the finding is about).
std::string first_entry(const std::string& first_written, const std::string& written) {
    return first_written == written ? "the first one"
                                    : "the first one, written as " + first_written;
}

// Same bytes? nullopt when neither the hashes nor the kept bytes allow telling.
std::optional<bool> same_content(const BlobRecord& a, const BlobRecord& b) {
    if (a.size != b.size) return false;
    if (a.hashed() && b.hashed()) return a.computed() == b.computed();
    if (a.content && b.content) return *a.content == *b.content;
    return std::nullopt;
}

}  // namespace

Status TarScanPass::handle_regular(archive_entry* entry, const std::string& written,
                                   const std::string& path) {
    LayoutPath kind = classify_layout_path(path);
    bool duplicate = seen_.contains(path);
    std::uint64_t size = archive_entry_size_is_set(entry)
                             ? static_cast<std::uint64_t>(archive_entry_size(entry))
                             : 0;
    switch (kind.kind) {
        case LayoutPathKind::other:
            if (duplicate) return Status::ok();
            return keep_stray(entry, written, path, size);
        case LayoutPathKind::bad_blob_name:
            add_blob_name_finding(out_.findings, written, kind.why);
            return Status::ok();
        case LayoutPathKind::oci_layout:
        case LayoutPathKind::index_json:
            return read_top_level(entry, written, path, kind.kind, size);
        case LayoutPathKind::blob:
            break;
    }
    return stream_blob(entry, written, std::move(kind), path, size, duplicate);
}

// Small stray files are kept only so that a hardlink to them can be resolved, and only within
// the kept-content budget.
Status TarScanPass::keep_stray(archive_entry* entry, const std::string& written,
                               const std::string& path, std::uint64_t size) {
    SeenEntry seen{LayoutPathKind::other, written, size, SeenEntry::kNoRecord, {}};
    if (size <= options_.keep_limit && budget_.take(size)) {
        std::string bytes;
        Status status;
        if (!read_whole(entry, written, bytes, status)) {
            budget_.give_back(size);
            return status;
        }
        seen.size = bytes.size();
        if (bytes.size() <= size) {
            budget_.give_back(size - bytes.size());
            seen.stray_content = std::move(bytes);
        } else {
            budget_.give_back(size);  // more than announced: not kept
        }
    }
    seen_.add(path, std::move(seen));
    return Status::ok();
}

Status TarScanPass::read_top_level(archive_entry* entry, const std::string& written,
                                   const std::string& path, LayoutPathKind kind,
                                   std::uint64_t size) {
    std::size_t limit = top_level_file_limit(options_);
    if (size > limit) {
        out_.findings.error(codes::kLayoutFileTooLarge,
                            written + ": expected at most " + std::to_string(limit) +
                                " bytes, found " + std::to_string(size),
                            written);
        return Status::ok();
    }
    std::string bytes;
    Status status;
    if (!read_whole(entry, written, bytes, status)) return status;
    set_top_level(written, path, kind, std::move(bytes));
    return Status::ok();
}

Status TarScanPass::stream_blob(archive_entry* entry, const std::string& written, LayoutPath kind,
                                const std::string& path, std::uint64_t size, bool duplicate) {
    BlobRecord record(kind.algorithm, kind.encoded);
    // A second entry for a path is hashed to compare it, but never shown to the observer.
    SpillFile* spill = rereads_.spill != nullptr && !duplicate ? &rereads_.spill->file(0) : nullptr;
    BlobStream stream(record, options_, size, !duplicate, budget_, spill);
    std::int64_t stored_at = input_.stored_data_offset();
    Status begun = stored_at >= 0 ? stream.begin(input_.fd(), static_cast<std::uint64_t>(stored_at))
                                  : stream.begin();
    if (!begun) return begun;
    DataRead read = read_entry_data(handle_, entry, [&stream](const char* data, std::size_t n) {
        return stream.update(data, n);
    });
    if (!read.status) return read.status;
    if (!read.complete) {
        truncated(written, read.error);
        return Status::ok();
    }
    if (Status status = stream.finish(); !status) return status;
    std::size_t path_hash = std::hash<std::string_view>{}(path);
    if (rereads_.stored != nullptr && stored_at >= 0) {
        rereads_.stored->push_back({path_hash, static_cast<std::uint64_t>(stored_at), record.size});
    }
    if (std::optional<std::uint64_t> spilled = stream.spilled()) {
        rereads_.spill->add(path, 0, *spilled, record.size);
    }
    commit_blob(written, path, std::move(record), duplicate);
    return Status::ok();
}

// Reads the whole entry into `bytes`; false (after a TAR-TRUNCATED finding) on a short read.
bool TarScanPass::read_whole(archive_entry* entry, const std::string& written, std::string& bytes,
                             Status& status) {
    DataRead read = read_entry_data(handle_, entry, [&bytes](const char* data, std::size_t n) {
        bytes.append(data, n);
        return Status::ok();
    });
    status = read.status;
    if (!read.complete && status) truncated(written, read.error);
    return read.complete;
}

Status TarScanPass::handle_hardlink(const std::string& written, const std::string& path,
                                    const std::string& target, const char* target_written) {
    LayoutPath kind = classify_layout_path(path);
    if (kind.kind == LayoutPathKind::other) return Status::ok();
    if (kind.kind == LayoutPathKind::bad_blob_name) {
        add_blob_name_finding(out_.findings, written, kind.why);
        return Status::ok();
    }
    std::optional<SeenEntry> found = seen_.find(target);
    if (!found) {
        out_.findings.error(codes::kTarLinkEscape,
                            written +
                                ": expected a hardlink to an earlier entry of the layout, found "
                                "a link to " +
                                target_written + ", which no earlier entry provides",
                            written);
        return Status::ok();
    }
    // A copy: `content` may point into it, and recording the link may add to seen_.
    const SeenEntry target_entry = std::move(*found);
    auto previous_link = hardlinks_.find(target);
    std::string ultimate = previous_link != hardlinks_.end() ? previous_link->second : target;
    const std::string* content = content_of(target_entry);
    if (kind.kind != LayoutPathKind::blob) {
        link_top_level(written, path, kind.kind, content, ultimate, target_written);
        return Status::ok();
    }
    return link_blob(written, path, kind, target_entry, content, ultimate);
}

const std::string* TarScanPass::content_of(const SeenEntry& seen) const {
    switch (seen.kind) {
        case LayoutPathKind::oci_layout:
            return out_.oci_layout ? &*out_.oci_layout : nullptr;
        case LayoutPathKind::index_json:
            return out_.index_json ? &*out_.index_json : nullptr;
        case LayoutPathKind::blob: {
            if (seen.record == SeenEntry::kNoRecord) return nullptr;
            return out_.blobs.at(seen.record).content.get();
        }
        case LayoutPathKind::other:
        case LayoutPathKind::bad_blob_name:
            return seen.stray_content ? &*seen.stray_content : nullptr;
    }
    return nullptr;
}

// A hardlink at oci-layout or index.json: those are read whole, so the target's bytes must
// have been kept.
void TarScanPass::link_top_level(const std::string& written, const std::string& path,
                                 LayoutPathKind kind, const std::string* content,
                                 const std::string& ultimate, const char* target_written) {
    if (content == nullptr) {
        out_.findings.error(codes::kTarLinkEscape,
                            written +
                                ": expected a hardlink to a small layout file, found a link "
                                "to " +
                                target_written + ", whose bytes were not kept",
                            written);
        return;
    }
    if (!seen_.contains(path)) hardlinks_[path] = ultimate;
    std::string bytes = *content;
    set_top_level(written, path, kind, std::move(bytes));
}

// A hardlink at a blob path: streamed again from kept bytes, or sized from the target with its
// hash reused (same algorithm) or left pending.
Status TarScanPass::link_blob(const std::string& written, const std::string& path,
                              const LayoutPath& kind, const SeenEntry& target_entry,
                              const std::string* content, const std::string& ultimate) {
    bool duplicate = seen_.contains(path);
    if (!duplicate) hardlinks_[path] = ultimate;
    BlobRecord record(kind.algorithm, kind.encoded);
    if (content != nullptr) {
        std::string bytes = *content;  // `content` may live in out_.blobs, which we insert into
        if (Status status = stream_blob_from_memory(record, options_, bytes, !duplicate, budget_);
            !status) {
            return status;
        }
        commit_blob(written, path, std::move(record), duplicate);
        return Status::ok();
    }
    record.size = target_entry.size;
    bool needs_hash = options_.verify && is_verifiable_algorithm(record.algorithm());
    const BlobRecord* target_record = nullptr;
    if (target_entry.kind == LayoutPathKind::blob && target_entry.record != SeenEntry::kNoRecord) {
        target_record = &out_.blobs.at(target_entry.record);
    }
    bool pending = false;
    if (needs_hash) {
        if (target_record != nullptr && target_record->hashed() &&
            target_record->algorithm() == record.algorithm()) {
            record.set_computed(target_record->computed());
        } else {
            pending = true;
        }
    }
    std::string key = record.digest();
    if (commit_blob(written, path, std::move(record), duplicate) && pending) {
        pending_.push_back({key, ultimate, written});
    }
    return Status::ok();
}

void TarScanPass::set_top_level(const std::string& written, const std::string& path,
                                LayoutPathKind kind, std::string bytes) {
    std::optional<std::string>& slot =
        kind == LayoutPathKind::oci_layout ? out_.oci_layout : out_.index_json;
    std::optional<SeenEntry> seen = seen_.find(path);
    if (seen) {
        if (!slot || *slot != bytes) {
            out_.findings.error(codes::kTarDuplicateEntry,
                                written +
                                    ": expected one entry per path, found a second entry with "
                                    "different content (" +
                                    first_entry(seen->written, written) + ": " +
                                    std::to_string(seen->size) +
                                    " bytes; this one: " + std::to_string(bytes.size()) + " bytes)",
                                written);
        }
        return;
    }
    seen_.add(path, SeenEntry{kind, written, bytes.size(), SeenEntry::kNoRecord, {}});
    slot = std::move(bytes);
    if (kind == LayoutPathKind::index_json && options_.index_json_read) {
        options_.index_json_read(*slot);
    }
}

// Records a finished blob; for a repeated path, compares instead. True when it was stored.
bool TarScanPass::commit_blob(const std::string& written, const std::string& path,
                              BlobRecord record, bool duplicate) {
    if (duplicate) {
        std::optional<SeenEntry> seen = seen_.find(path);
        const BlobRecord* first =
            seen && seen->record != SeenEntry::kNoRecord ? &out_.blobs.at(seen->record) : nullptr;
        std::optional<bool> same;
        if (first != nullptr) same = same_content(*first, record);
        // The second copy is only compared, never kept.
        if (record.content) budget_.give_back(record.content->size());
        if (same != true) {
            std::string first_text = first != nullptr ? hex_or_size(*first) : "unreadable";
            out_.findings.error(
                codes::kTarDuplicateEntry,
                written + ": expected one entry per path, found a second entry" +
                    (same.has_value() ? " with different content"
                                      : " whose content cannot be compared (not hashed)") +
                    " (" + first_entry(seen ? seen->written : written, written) + ": " +
                    first_text + "; this one: " + hex_or_size(record) + ")",
                written, {}, record.digest());
        }
        return false;
    }
    std::uint64_t size = record.size;
    std::size_t position = out_.blobs.add(std::move(record));
    seen_.add(path, SeenEntry{LayoutPathKind::blob, written, size, position, {}});
    return true;
}

}  // namespace ociwasm::detail
