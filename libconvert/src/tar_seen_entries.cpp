// The entries a tar pass has seen (SeenEntries, tar_scan_pass.h): a map for the few that are not
// blobs, and for blobs a table of positions in the scan's BlobStore hashed by path.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tar_scan_pass.h"

namespace ociwasm::detail {
namespace {

std::uint32_t path_hash(std::string_view path) {
    return static_cast<std::uint32_t>(std::hash<std::string_view>{}(path));
}

// "blobs/<alg>/<encoded>" as the digest "<alg>:<encoded>"; "" for any other path.
std::string digest_of_blob_path(std::string_view path) {
    if (!path.starts_with("blobs/")) return {};
    std::string digest(path.substr(6));
    auto slash = digest.find('/');
    if (slash == std::string::npos) return {};
    digest[slash] = ':';
    return digest;
}

}  // namespace

std::optional<std::size_t> SeenEntries::find_blob(const std::string& path) const {
    if (table_.empty()) return std::nullopt;
    std::string digest = digest_of_blob_path(path);
    if (digest.empty()) return std::nullopt;
    std::uint32_t hash = path_hash(path);
    std::size_t mask = table_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
        const Slot& slot = table_[i];
        if (slot.position == 0) return std::nullopt;
        if (slot.hash == hash && blobs_.at(slot.position - 1).compare(digest) == 0) {
            return slot.position - 1;
        }
    }
}

std::optional<SeenEntry> SeenEntries::find(const std::string& path) const {
    if (std::optional<std::size_t> position = find_blob(path)) {
        SeenEntry entry;
        entry.kind = LayoutPathKind::blob;
        entry.record = *position;
        entry.size = blobs_.at(*position).size;
        switch (written_as_[*position]) {
            case WrittenAs::path:
                entry.written = path;
                break;
            case WrittenAs::dot_slash_path:
                entry.written = "./" + path;
                break;
            case WrittenAs::other:
                entry.written = written_.at(*position);
                break;
        }
        return entry;
    }
    auto it = others_.find(path);
    if (it == others_.end()) return std::nullopt;
    return it->second;
}

void SeenEntries::insert_slot(Slot slot) {
    std::size_t mask = table_.size() - 1;
    std::size_t i = slot.hash & mask;
    while (table_[i].position != 0) i = (i + 1) & mask;
    table_[i] = slot;
}

void SeenEntries::add(const std::string& path, SeenEntry entry) {
    if (entry.kind != LayoutPathKind::blob || entry.record == SeenEntry::kNoRecord) {
        others_.emplace(path, std::move(entry));
        return;
    }
    // At most half full, so that a probe ends soon.
    if (2 * (blob_count_ + 1) > table_.size()) {
        std::vector<Slot> old =
            std::exchange(table_, std::vector<Slot>(std::max<std::size_t>(64, 2 * table_.size())));
        for (const Slot& slot : old) {
            if (slot.position != 0) insert_slot(slot);
        }
    }
    insert_slot({static_cast<std::uint32_t>(entry.record + 1), path_hash(path)});
    ++blob_count_;
    if (written_as_.size() <= entry.record) written_as_.resize(entry.record + 1, WrittenAs::path);
    if (entry.written == path) {
        written_as_[entry.record] = WrittenAs::path;
    } else if (entry.written.size() == path.size() + 2 && entry.written.starts_with("./") &&
               entry.written.ends_with(path)) {
        written_as_[entry.record] = WrittenAs::dot_slash_path;
    } else {
        written_as_[entry.record] = WrittenAs::other;
        written_[entry.record] = std::move(entry.written);
    }
}

}  // namespace ociwasm::detail
