// Unnamed temporary files in $TMPDIR, for what a tool moves out of memory: the findings of a
// hostile input (record_log.h) and the blob bytes a scan cannot keep (SpillFile).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ociwasm/status.h"

namespace ociwasm::detail {

// An unnamed file (O_TMPFILE) in $TMPDIR, or /tmp when that is unset or empty: nothing to clean
// up, nothing left behind if we are killed. Where the file system has no O_TMPFILE, a file named
// `.ociwasm-<purpose>-XXXXXX` removed at once. -1 (errno set) when no file can be made.
int open_unnamed_temporary(const std::string& purpose);

// pwrite / pread of all `size` bytes at `offset`, retrying short transfers and EINTR. False
// (errno set; 0 when the file ended first) otherwise.
bool write_all_at(int fd, const char* data, std::size_t size, std::uint64_t offset);
bool read_all_at(int fd, char* data, std::size_t size, std::uint64_t offset);

// Entries keyed by a 64-bit hash of a blob's path (`path_hash`), sorted for lookup: the tar
// source's stored entries and the spill files' index. Entries whose hash is not unique (a path
// written twice, or two paths that collide) are dropped: their blobs are read again the slow way.
template <typename Entry>
void index_by_path_hash(std::vector<Entry>& entries) {
    auto by_hash = [](const Entry& a, const Entry& b) { return a.path_hash < b.path_hash; };
    std::sort(entries.begin(), entries.end(), by_hash);
    std::size_t kept = 0;
    for (std::size_t i = 0; i < entries.size();) {
        std::size_t end = i + 1;
        while (end < entries.size() && entries[end].path_hash == entries[i].path_hash) ++end;
        if (end == i + 1) entries[kept++] = entries[i];
        i = end;
    }
    entries.resize(kept);
    entries.shrink_to_fit();
}

template <typename Entry>
const Entry* find_by_path_hash(const std::vector<Entry>& entries, std::string_view path) {
    std::uint64_t hash = std::hash<std::string_view>{}(path);
    auto it = std::lower_bound(
        entries.begin(), entries.end(), hash,
        [](const Entry& entry, std::uint64_t key) { return entry.path_hash < key; });
    return it != entries.end() && it->path_hash == hash ? &*it : nullptr;
}

// The blob bytes a scan of a stream could not keep within its memory budget
// (ScanOptions::spill_budget): written front to back during the pass, one blob after another,
// and read again at any offset after it, from several threads at once.
class SpillFile {
  public:
    // nullptr when no temporary file can be made (the scan then keeps in memory, as before).
    static std::unique_ptr<SpillFile> create(std::uint64_t budget);
    ~SpillFile();
    SpillFile(const SpillFile&) = delete;
    SpillFile& operator=(const SpillFile&) = delete;

    // Where the next byte appended goes.
    std::uint64_t end() const { return end_; }
    // Appends all of `size` bytes, or nothing and false once the budget would be passed or a
    // write failed (then nothing more is taken).
    bool append(const char* data, std::size_t size);
    // Forgets the bytes from `offset` (<= end()) on: a blob that turned out not to be kept.
    void truncate_to(std::uint64_t offset);
    // Writes out what is buffered; read() sees only what was written out.
    void finish_writing();
    // Whether the `size` bytes at `offset` were written out (not lost to a failed write).
    bool written(std::uint64_t offset, std::uint64_t size) const {
        return offset <= written_ && size <= written_ - offset;
    }
    // Streams the `size` bytes at `offset` to `fn` in chunks; `what` names them in errors.
    Status read(std::uint64_t offset, std::uint64_t size, const std::string& what,
                const std::function<Status(const char*, std::size_t)>& fn) const;

  private:
    SpillFile(int fd, std::uint64_t budget) : fd_(fd), budget_(budget) {}
    bool flush();

    int fd_;
    std::uint64_t budget_;
    std::uint64_t end_ = 0;      // bytes appended and not forgotten
    std::uint64_t written_ = 0;  // of those, the ones in the file; the rest are in buffer_
    std::string buffer_;
    std::string failure_;  // why a write failed; empty while none did
};

// The spill files of one scan, one per thread that writes (a file is written by one thread at
// a time, front to back), and where they hold each blob, by a hash of its path: 16 bytes a
// blob, so that the 170,000 documents a layout of 100,000 apps cannot keep cost 2.7 MiB here.
class Spill {
  public:
    // A blob larger than this is not moved to a spill file (the index has 28 bits for its size).
    static constexpr std::uint64_t kMaxBlob = (std::uint64_t{1} << 28) - 1;

    // `files` (1 to 16) files sharing `budget` (at most 4 GiB in all); nullptr when no
    // temporary file can be made.
    static std::unique_ptr<Spill> create(std::uint64_t budget, unsigned files);

    SpillFile& file(unsigned index) { return *files_[index]; }
    // Room for `count` more blobs in the index, so that it does not grow by copying itself.
    void reserve(std::size_t count) { entries_.reserve(entries_.size() + count); }
    // After a blob `path` was appended to file(file) at `offset`; one thread at a time.
    void add(std::string_view path, unsigned file, std::uint64_t offset, std::uint64_t size);
    // Ends the writing: the files write out their buffers, and the index is sorted (paths whose
    // hashes are not unique are dropped: those blobs are read again as without a spill).
    void finish_writing();

    // Whether blob `path` is in a spill file (a write that failed, a full disk, loses some: they
    // are read again as without a spill).
    bool holds(std::string_view path) const;
    // Streams blob `path`, `what` naming it in errors; nullopt (nothing read) when !holds(path).
    // Any thread.
    std::optional<Status> read(std::string_view path, const std::string& what,
                               const std::function<Status(const char*, std::size_t)>& fn) const;

  private:
    struct Entry {
        std::uint64_t path_hash = 0;
        std::uint64_t place = 0;  // file (4 bits), offset (32 bits), size (28 bits)
    };
    struct Location {
        std::size_t file = 0;
        std::uint64_t offset = 0;
        std::uint64_t size = 0;
    };
    // The entry of a blob whose bytes are all in its file.
    const Entry* find(std::string_view path) const;
    static Location location(const Entry& entry) {
        return {static_cast<std::size_t>(entry.place >> 60), (entry.place >> 28) & 0xffffffffu,
                entry.place & kMaxBlob};
    }

    std::vector<std::unique_ptr<SpillFile>> files_;
    std::vector<Entry> entries_;
};

}  // namespace ociwasm::detail
