// One scanning pass over a layout tar: every entry is judged, then what it holds is recorded
// into a LayoutScan.
//
// Tars are hostile input: every entry name is normalized and checked before anything is read,
// and each kind of trouble gets its own finding code. Policy for links:
// - a symlink that leaves the archive root, or that sits at a layout path (oci-layout,
//   index.json, blobs/...), is TAR-LINK-ESCAPE: layout files must be regular files, and a
//   symlink there would make an extracted layout differ from what we validated. Symlinks
//   elsewhere that stay inside (Docker's legacy <id>/layer.tar links) are ignored, but no entry
//   may lie beneath one.
// - a hardlink must name an earlier entry (tar can only link backwards); its record is that
//   entry's bytes under the new path. Hashes are reused when the algorithm matches, recomputed
//   from kept bytes, or (for large blobs under another algorithm) left pending for the source
//   to recompute after the pass by re-reading the target when the input is a file.
//
// tar_scan_pass.cpp walks the entries and judges names and types; tar_scan_records.cpp records
// regular files, hardlinks and repeated paths.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "layout_source_internal.h"
#include "ociwasm/layout.h"
#include "ociwasm/status.h"
#include "tar_input.h"

namespace ociwasm::detail {

// What the pass remembers about each regular entry, so hardlinks and duplicates can be judged.
struct SeenEntry {
    static constexpr std::size_t kNoRecord = static_cast<std::size_t>(-1);
    LayoutPathKind kind = LayoutPathKind::other;
    std::string written;
    std::uint64_t size = 0;
    std::size_t record = kNoRecord;            // for blobs: position in LayoutScan::blobs
    std::optional<std::string> stray_content;  // small files outside the layout names
};

// The entries seen so far, by normalized path. Blob entries, all but a few of a layout's, are
// held compactly: a table of their positions in the scan's BlobStore hashed by path (the record
// has the name and size), and the name they were written as only when it is neither the path
// nor "./" + the path. 200,000 blobs cost 5 MiB here instead of 60 MiB for a map of strings.
class SeenEntries {
  public:
    explicit SeenEntries(const BlobStore& blobs) : blobs_(blobs) {}
    bool contains(const std::string& path) const {
        return find_blob(path).has_value() || others_.contains(path);
    }
    std::optional<SeenEntry> find(const std::string& path) const;
    // `path` must not be in yet.
    void add(const std::string& path, SeenEntry entry);

  private:
    struct Slot {
        std::uint32_t position = 0;  // in blobs_, plus one; 0 for an empty slot
        std::uint32_t hash = 0;      // of the path, low 32 bits
    };
    enum class WrittenAs : std::uint8_t { path, dot_slash_path, other };

    std::optional<std::size_t> find_blob(const std::string& path) const;
    void insert_slot(Slot slot);

    const BlobStore& blobs_;
    std::map<std::string, SeenEntry> others_;  // entries that are not blobs
    std::vector<Slot> table_;                  // open addressing, a power of two in size
    std::size_t blob_count_ = 0;
    std::vector<WrittenAs> written_as_;                     // by position in blobs_
    std::unordered_map<std::size_t, std::string> written_;  // WrittenAs::other, by position
};

// A hardlinked blob whose hash the pass could not compute (see the policy above).
struct PendingRehash {
    std::string key;     // the blob whose hash is still unknown
    std::string target;  // the normalized entry path holding its bytes
    std::string written;
};

// Where the bytes of a blob entry lie, as they are, in an uncompressed tar file: what lets
// TarLayoutSource::read_blob read one blob again without a pass over the tar. Keyed by a hash of
// the entry's normalized path, so that 100,000 entries cost 2.3 MiB.
struct StoredEntry {
    std::size_t path_hash = 0;
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
};

// How TarLayoutSource::read_blob can give the blobs of one pass again, besides hardlinks (each
// part optional).
struct TarRereads {
    // Where each blob entry's bytes lie in the input (only for a tar file stored uncompressed).
    std::vector<StoredEntry>* stored = nullptr;
    // Other inputs: the blobs to be kept that kept_budget cannot hold go to its first file.
    Spill* spill = nullptr;
};

class TarScanPass {
  public:
    // `hardlinks` receives normalized link path -> normalized path of the entry holding the
    // bytes, for TarLayoutSource::read_blob. Kept content stays within `kept_budget` bytes.
    TarScanPass(const std::string& name, const ScanOptions& options, std::size_t kept_budget,
                LayoutScan& out, const WatchedTar& input,
                std::map<std::string, std::string>& hardlinks, TarRereads rereads)
        : name_(name),
          options_(options),
          out_(out),
          input_(input),
          handle_(input.handle()),
          hardlinks_(hardlinks),
          rereads_(rereads),
          seen_(out.blobs),
          budget_(kept_budget) {}

    // Reads every entry; findings go to `out`. Fails only when the input is no tar at all or a
    // consumer (observer) fails.
    Status run();

    std::vector<PendingRehash>& pending() { return pending_; }

  private:
    // tar_scan_pass.cpp: the walk, names and types.
    void truncated(const std::string& file, const std::string& detail);
    void check_end_marker();
    const std::string* symlink_prefix(const std::string& path) const;
    bool admit_path(const std::string& written, const NormalizedPath& normalized);
    bool refuse_special(archive_entry* entry, const std::string& written, mode_t type);
    bool refuse_long_name(archive_entry* entry, const std::string& written);
    Status handle_entry(archive_entry* entry, const std::string& written);
    Status handle_symlink(const std::string& written, const std::string& path,
                          const std::string& target);

    // tar_scan_records.cpp: what a regular file or a hardlink adds to the scan.
    Status handle_regular(archive_entry* entry, const std::string& written,
                          const std::string& path);
    Status keep_stray(archive_entry* entry, const std::string& written, const std::string& path,
                      std::uint64_t size);
    Status read_top_level(archive_entry* entry, const std::string& written, const std::string& path,
                          LayoutPathKind kind, std::uint64_t size);
    Status stream_blob(archive_entry* entry, const std::string& written, LayoutPath kind,
                       const std::string& path, std::uint64_t size, bool duplicate);
    bool read_whole(archive_entry* entry, const std::string& written, std::string& bytes,
                    Status& status);
    Status handle_hardlink(const std::string& written, const std::string& path,
                           const std::string& target, const char* target_written);
    const std::string* content_of(const SeenEntry& seen) const;
    void link_top_level(const std::string& written, const std::string& path, LayoutPathKind kind,
                        const std::string* content, const std::string& ultimate,
                        const char* target_written);
    Status link_blob(const std::string& written, const std::string& path, const LayoutPath& kind,
                     const SeenEntry& target_entry, const std::string* content,
                     const std::string& ultimate);
    void set_top_level(const std::string& written, const std::string& path, LayoutPathKind kind,
                       std::string bytes);
    bool commit_blob(const std::string& written, const std::string& path, BlobRecord record,
                     bool duplicate);

    const std::string& name_;
    const ScanOptions& options_;
    LayoutScan& out_;
    const WatchedTar& input_;
    archive* handle_;
    std::map<std::string, std::string>& hardlinks_;
    TarRereads rereads_;
    SeenEntries seen_;
    std::set<std::string> symlinks_;
    std::vector<PendingRehash> pending_;
    KeptBudget budget_;
    std::string last_written_;      // as findings show it (shown_entry_name)
    std::int64_t entries_end_ = 0;  // uncompressed offset just past the last entry's data
    bool stopped_ = false;
};

}  // namespace ociwasm::detail
