// Pieces shared by the layout sources (directory, tar, memory): path classification and the
// per-blob accumulator that hashes, counts, keeps and forwards bytes as they stream by.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ociwasm/digest.h"
#include "ociwasm/finding.h"
#include "ociwasm/layout.h"
#include "ociwasm/status.h"
#include "temporary_file.h"

namespace ociwasm::detail {

// Reads happen in chunks of this size: large enough that hashing, not syscalls, dominates.
inline constexpr std::size_t kReadChunkSize = kMiB;

// oci-layout and index.json are read whole; this bounds what a hostile layout can make us hold.
std::size_t top_level_file_limit(const ScanOptions& options);

enum class LayoutPathKind {
    oci_layout,
    index_json,
    blob,           // blobs/<alg>/<encoded> with a name that fits the digest grammar
    bad_blob_name,  // anything else under blobs/ (why says what is wrong)
    other,          // outside the layout's names: ignored
};

struct LayoutPath {
    LayoutPathKind kind = LayoutPathKind::other;
    std::string algorithm;
    std::string encoded;
    std::string why;
};

// `path` is relative to the layout root, already normalized ("a/b", no "./", no "//").
LayoutPath classify_layout_path(std::string_view path);

// True when `path` is "blobs" or lies under it, or names oci-layout / index.json.
bool is_layout_name(std::string_view path);

// Adds the OCI-BLOB-NAME finding for a file under blobs/ whose name is not a digest.
void add_blob_name_finding(Findings& findings, const std::string& file, const std::string& why);

// What one scan may still keep in memory (ScanOptions::kept_budget). Shared by every blob of the
// scan, on several threads for directories.
class KeptBudget {
  public:
    explicit KeptBudget(std::size_t bytes) : left_(bytes) {}
    KeptBudget(const KeptBudget&) = delete;
    KeptBudget& operator=(const KeptBudget&) = delete;

    // Takes `bytes` if that many are left; false (taking nothing) otherwise.
    bool take(std::size_t bytes) {
        std::size_t left = left_.load(std::memory_order_relaxed);
        do {
            if (left < bytes) return false;
        } while (!left_.compare_exchange_weak(left, left - bytes, std::memory_order_relaxed));
        return true;
    }
    void give_back(std::size_t bytes) { left_.fetch_add(bytes, std::memory_order_relaxed); }
    std::size_t left() const { return left_.load(std::memory_order_relaxed); }

  private:
    std::atomic<std::size_t> left_;
};

// Accumulates one blob: size, hash (when verifiable and verification is on), kept content, and
// the observer's view of the bytes. Use: begin(), update()..., finish().
class BlobStream {
  public:
    // `record` must carry path/algorithm/encoded. `size_hint` is the size announced by the
    // container (tar header, fstat); the real size is what streams by.
    // Kept bytes are taken from `budget`; when it runs out they go to `spill` when given (see
    // spilled()), or the content is dropped.
    BlobStream(BlobRecord& record, const ScanOptions& options, std::uint64_t size_hint,
               bool notify_observer, KeptBudget& budget, SpillFile* spill = nullptr);
    ~BlobStream();
    BlobStream(const BlobStream&) = delete;
    BlobStream& operator=(const BlobStream&) = delete;

    // `fd` >= 0: the bytes also lie at `offset` of that regular file, as they are (offered to
    // the observer: BlobObserver::take_file_range).
    Status begin(int fd = -1, std::uint64_t offset = 0);
    Status update(const char* data, std::size_t size);
    // Fills record.size, computed, hashed and content, then tells the observer.
    Status finish();
    // After finish(): where the spill file holds the blob's record.size bytes, when it was to be
    // kept and the budget could not hold it.
    std::optional<std::uint64_t> spilled() const { return finished_ ? spilled_at_ : std::nullopt; }

  private:
    void keep(const char* data, std::size_t size);
    bool start_spilling();
    void drop_content();

    BlobRecord& record_;
    const ScanOptions& options_;
    std::uint64_t size_hint_;
    BlobObserver* observer_ = nullptr;  // set only when the observer wants this blob
    bool observer_reads_file_ = false;  // it took the file range: no blob_data
    bool notify_observer_;
    std::optional<StreamHasher> hasher_;
    std::uint64_t size_ = 0;
    bool keeping_ = true;
    char first_non_space_ = 0;
    std::string content_;
    KeptBudget& budget_;
    std::size_t charged_ = 0;  // bytes taken from budget_ for content_ (its reservation or size)
    SpillFile* spill_;
    std::optional<std::uint64_t> spilled_at_;  // set while the kept bytes go to spill_
    bool finished_ = false;
};

// Streams `data` through a BlobStream in one go (memory source, hardlinks to kept content).
Status stream_blob_from_memory(BlobRecord& record, const ScanOptions& options,
                               std::string_view data, bool notify_observer, KeptBudget& budget);

// Lexically resolves `target` relative to the directory holding `link_path`; nullopt when the
// result leaves the root (or `target` is absolute).
std::optional<std::string> resolve_relative_link(std::string_view link_path,
                                                 std::string_view target);

struct NormalizedPath {
    bool absolute = false;
    bool traversal = false;  // has a ".." component
    std::string path;        // "" for the root itself
};

// Drops "." and empty components ("./blobs//x" -> "blobs/x"); flags absolute names and "..".
NormalizedPath normalize_entry_path(std::string_view written);

// A tar source over an already open descriptor (a pipe in tests); it owns and closes `fd`.
// Not re-readable.
std::unique_ptr<LayoutSource> make_tar_source_from_fd(int fd, std::string name);

}  // namespace ociwasm::detail
