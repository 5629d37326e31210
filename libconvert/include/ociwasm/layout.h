// Reading an OCI image layout in one streaming pass, from a directory or a tar stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ociwasm/finding.h"
#include "ociwasm/progress.h"
#include "ociwasm/status.h"

namespace ociwasm {

inline constexpr std::size_t kMiB = 1024 * 1024;

// One file under blobs/ as seen during the pass. Small on purpose (32 bytes and a name of 48): a
// layout of 100,000 apps holds 200,000 of them for as long as a tool runs. The name is one
// allocation: a byte of flags, the algorithm, the encoded part (as 4-bit nibbles when it is
// lowercase hex, as for sha256 and sha512), and the computed hash only when it differs from the
// encoded part (a blob that does not match).
class BlobRecord {
  public:
    BlobRecord() = default;
    // `algorithm` and `encoded` as classify_layout_path split "blobs/<alg>/<encoded>".
    BlobRecord(std::string_view algorithm, std::string_view encoded);
    // A record moved from has no name (as a default one).
    BlobRecord(BlobRecord&& other) noexcept;
    BlobRecord& operator=(BlobRecord&& other) noexcept;

    std::string digest() const;     // "alg:encoded"
    std::string algorithm() const;  // "sha256"
    std::string encoded() const;    // the hex part
    std::string path() const;       // "blobs/<alg>/<encoded>", relative to the layout root
    // This record's digest against `digest` ("alg:encoded"), or against another record's, as
    // the strings compare: < 0, 0 or > 0.
    int compare(std::string_view digest) const;
    int compare(const BlobRecord& other) const;

    // Whether the bytes were hashed (verifiable algorithm and verification enabled).
    bool hashed() const { return (flags() & kHashed) != 0; }
    // Lowercase hex computed over the bytes; "" if not hashed.
    std::string computed() const;
    void set_computed(std::string_view hex);
    void clear_computed();
    bool matches() const { return (flags() & (kHashed | kMismatch)) != (kHashed | kMismatch); }

    std::uint64_t size = 0;
    std::unique_ptr<std::string> content;  // the bytes, when small enough to keep (ScanOptions)

  private:
    friend class BlobStore;
    static constexpr unsigned char kPacked = 1;    // encoded is held as nibbles
    static constexpr unsigned char kHashed = 2;    // computed is known
    static constexpr unsigned char kMismatch = 4;  // and follows the name, NUL-terminated

    // The name: flags, algorithm, encoded (nibbles when packed), then on a mismatch computed and
    // a NUL. In the record when it fits, as a sha256 name does (39 bytes): the records of a
    // scan are then one allocation, and finding or sorting them reads no other memory.
    static constexpr std::size_t kInlineName = 39;
    enum class NameAt : unsigned char { none, inline_name, heap };
    bool has_name() const { return name_at_ != NameAt::none; }
    const char* name() const { return name_at_ == NameAt::heap ? heap_name_.get() : inline_name_; }
    char* name() { return name_at_ == NameAt::heap ? heap_name_.get() : inline_name_; }
    unsigned char flags() const { return has_name() ? static_cast<unsigned char>(name()[0]) : 0; }
    std::string_view algorithm_view() const { return {name() + 1, algorithm_size_}; }
    std::string_view encoded_bytes() const;  // as stored: nibbles or characters
    bool encoded_is(std::string_view hex) const;
    // The first 16 hex digits of a packed encoded part as a number (zeros past its end): the
    // records of one algorithm ordered by digest are ordered by it too.
    std::uint64_t leading_digits() const;
    void rebuild(std::string_view algorithm, std::string_view encoded, unsigned char flags,
                 std::string_view computed);

    std::unique_ptr<char[]> heap_name_;  // the name when it does not fit in inline_name_
    std::uint32_t algorithm_size_ = 0;
    std::uint32_t encoded_size_ = 0;  // in characters
    char inline_name_[kInlineName] = {};
    NameAt name_at_ = NameAt::none;
};

// The blobs of one scan, in digest order once the scan is over (seal). A vector of records, so
// that 200,000 blobs cost about 72 bytes each (more with a doubling vector's spare room) instead
// of a map node and four strings.
class BlobStore {
  public:
    using iterator = std::vector<BlobRecord>::iterator;
    using const_iterator = std::vector<BlobRecord>::const_iterator;

    // During the scan: adds a record whose digest is not in the store yet; returns its position
    // (valid until seal) for `at`.
    std::size_t add(BlobRecord record);
    BlobRecord& at(std::size_t position) { return records_[position]; }
    const BlobRecord& at(std::size_t position) const { return records_[position]; }
    void reserve(std::size_t count) { records_.reserve(count); }
    // Drops the records at `positions` (sorted, unique); scan only.
    void remove(const std::vector<std::size_t>& positions);
    // Puts the records from position `first` on in digest order (a directory lists its names in
    // the order readdir gives them); scan only.
    void sort_from(std::size_t first);
    // Puts the records in digest order; a scan calls it last, and find needs it.
    void seal();

    const BlobRecord* find(std::string_view digest) const;
    BlobRecord* find(std::string_view digest);
    // Where a record of this store is, 0 to size() - 1 (for per-blob flags kept beside it).
    std::size_t position_of(const BlobRecord& record) const {
        return static_cast<std::size_t>(&record - records_.data());
    }

    iterator begin() { return records_.begin(); }
    iterator end() { return records_.end(); }
    const_iterator begin() const { return records_.begin(); }
    const_iterator end() const { return records_.end(); }
    std::size_t size() const { return records_.size(); }
    bool empty() const { return records_.empty(); }

  private:
    // The records of one algorithm: a range in digest order, since they share "<algorithm>:".
    // When all of them are packed, buckets_ from `buckets` on holds 2^bits + 1 positions: where
    // the records whose BlobRecord::leading_digits start with each value of `bits` bits begin.
    struct AlgorithmRange {
        std::string algorithm;
        std::size_t begin = 0;
        std::size_t end = 0;
        bool packed = true;
        unsigned bits = 0;
        std::size_t buckets = 0;
    };
    void index();
    void index_buckets(AlgorithmRange& range);

    std::vector<BlobRecord> records_;
    bool sealed_ = true;
    // Built by seal(): find goes to the bucket of a digest's leading digits, and compares names
    // only within it (about one), where a binary search over 200,000 names took 18 scattered
    // reads per lookup: 14% of validating 100,000 apps.
    std::vector<AlgorithmRange> ranges_;
    std::vector<std::uint32_t> buckets_;
    bool indexed_ = false;
};

// Sees every blob's bytes while they stream by (used to copy large blobs in the same pass).
class BlobObserver {
  public:
    virtual ~BlobObserver() = default;
    // Returns false when the observer does not want this blob's bytes.
    virtual bool begin_blob(const BlobRecord& blob, std::uint64_t size) = 0;
    // Offered after begin_blob returned true when the blob's `size` bytes also lie, stored as
    // they are, at `offset` of the regular file `fd`, which stays open until end_blob. An
    // observer that returns true reads them from there itself, and blob_data is not called for
    // this blob; the bytes still stream by to be hashed.
    virtual bool take_file_range(int fd, std::uint64_t offset, std::uint64_t size);
    virtual Status blob_data(const char* data, std::size_t size) = 0;
    // Called after the last byte; `blob` now carries size, hash and (maybe) content.
    virtual Status end_blob(const BlobRecord& blob) = 0;
};

struct ScanOptions {
    bool verify = true;                 // hash every blob with its path's algorithm
    std::size_t keep_limit = 4 * kMiB;  // blobs up to this size are kept in memory
    // Blobs that look like JSON (first non-space byte '{' or '[') are kept up to this size, so
    // large manifests can still be checked; larger ones are hashed and dropped.
    std::size_t json_keep_limit = 16 * kMiB;
    // All content kept during one scan (blobs, and small stray tar entries kept for hardlinks)
    // stays within this many bytes; once it is spent, further blobs are hashed and dropped like
    // large ones (read again later when the input allows it). Bounds memory for hostile layouts
    // made of many small blobs.
    std::size_t kept_budget = 256 * kMiB;
    // The same for inputs that can read a blob again cheaply, by one open and read of its own
    // bytes: a directory, an uncompressed tar file (read again at the offset the pass saw). A
    // tool that reads documents again after the pass sets it low; stdin, pipes and compressed
    // tars (where one blob read again means a pass over the input) keep kept_budget.
    std::size_t rereadable_kept_budget = 256 * kMiB;
    // When not 0: the blobs a scan would keep beyond its budget go to unnamed temporary files
    // in $TMPDIR, up to this many bytes, and are read again from there (by one read, where a
    // stream could not give them again at all and a directory would open them by name); stdin,
    // pipes and compressed tars then keep rereadable_kept_budget too. Not for observers (an
    // uncompressed tar file reads its blobs again at their offsets and needs none). Without a
    // temporary file, streams keep kept_budget.
    std::uint64_t spill_budget = 0;
    unsigned threads = 0;              // directory hashing threads; 0 = hardware concurrency
    BlobObserver* observer = nullptr;  // when set, blobs are read in order on one thread
    ScanProgress* progress = nullptr;  // when set, told how many blob bytes were read
    // When set, called on the scanning thread with the bytes of index.json as soon as they are
    // read (before the blobs of a directory; where a tar has it), at most once, so that a caller
    // may check them on another thread while the scan goes on: `bytes` is the scan's own
    // LayoutScan::index_json, which no source changes once set (a second index.json entry in a
    // tar is a finding, not kept).
    std::function<void(const std::string& bytes)> index_json_read;
};

struct LayoutScan {
    std::optional<std::string> oci_layout;  // bytes of oci-layout, if present
    std::optional<std::string> index_json;  // bytes of index.json, if present
    BlobStore blobs;                        // in digest order
    bool has_blobs_dir = false;  // blobs/ exists (as a directory, or implied by entries below it)
    Findings findings;  // problems of the container itself (hostile tar entries, bad names ...)

    const BlobRecord* find(std::string_view digest) const;
};

class LayoutSource {
  public:
    virtual ~LayoutSource() = default;
    // What the user named: a directory, a file, or "-".
    virtual const std::string& name() const = 0;
    // The one pass. Fills `out`; a non-ok Status means the input could not be read at all.
    virtual Status scan(const ScanOptions& options, LayoutScan& out) = 0;
    // Whether read_blob can fetch bytes again after the pass (false for stdin).
    virtual bool can_reread() const = 0;
    // Whether read_blob can fetch this blob path again: can_reread(), or a stream that moved the
    // blob to a spill file during the pass (ScanOptions::spill_budget).
    virtual bool can_reread_blob(const std::string& /*path*/) const { return can_reread(); }
    // Streams the bytes of one blob path again; fn is called with chunks in order.
    virtual Status read_blob(const std::string& path,
                             const std::function<Status(const char*, std::size_t)>& fn) = 0;
    // Whether read_blob may be called from several threads at once (validate then reads the
    // documents of a window of manifests again on every core).
    virtual bool can_reread_in_parallel() const { return false; }
};

// `input` is a directory, a tar file (plain, gzip, zstd, xz, detected by content), or "-".
Status open_layout_source(const std::string& input, std::unique_ptr<LayoutSource>& out);
std::unique_ptr<LayoutSource> make_directory_source(const std::string& dir);
std::unique_ptr<LayoutSource> make_tar_source(const std::string& file);  // "-" is stdin
// For tests: a layout held in memory, path -> bytes ("oci-layout", "index.json", "blobs/...").
std::unique_ptr<LayoutSource> make_memory_source(std::string name,
                                                 std::map<std::string, std::string> files);

// Fetches the content of a blob: kept content when present, else re-read when possible.
// Fails (with a message naming the blob) when neither works or the blob exceeds max_size.
Status load_blob(LayoutSource& source, const LayoutScan& scan, std::string_view digest,
                 std::string& out, std::size_t max_size = 64 * kMiB);
// The same for a record of the source's scan (no lookup by digest).
Status load_blob(LayoutSource& source, const BlobRecord& record, std::string& out,
                 std::size_t max_size = 64 * kMiB);

enum class SinkFormat { directory, tar, tar_gz, tar_zst };

// Picks the format from the path's suffix (.tar, .tar.gz/.tgz, .tar.zst, "-" -> tar, else dir).
SinkFormat sink_format_for_path(std::string_view path);

// Writing a layout: deterministic (fixed mtime 0, uid/gid 0, mode 0644 files / 0755 dirs,
// small files written sorted at commit) and atomic (a temp file/dir beside the target, renamed
// into place by commit(); destroying an uncommitted sink removes everything it wrote).
class LayoutSink {
  public:
    virtual ~LayoutSink() = default;
    // Streams one blob in: begin, data..., end. `size` must be exact.
    virtual Status begin_blob(const std::string& path, std::uint64_t size) = 0;
    virtual Status blob_data(const char* data, std::size_t size) = 0;
    // blob_data for the `size` bytes at `offset` of the regular file `fd` (the caller keeps it
    // open). The sinks of open_layout_sink copy them inside the kernel where the output allows
    // it; this default reads them into a buffer for blob_data.
    virtual Status blob_data_from(int fd, std::uint64_t offset, std::uint64_t size);
    virtual Status end_blob() = 0;
    // A small file (blob, index.json, oci-layout) written at commit in sorted path order.
    virtual Status put_file(const std::string& path, std::string_view bytes) = 0;
    // Writes what is pending and moves the result into place.
    virtual Status commit() = 0;
    // Removes everything written so far. Idempotent.
    virtual void abort() = 0;
};

struct SinkOptions {
    // When another writer holds the target's lock: wait for it (true) or fail (false).
    bool wait_for_lock = false;
};

// `path` "-" writes a tar to stdout (not atomic by nature). An existing target is replaced only
// at commit. After any failed call the sink has already removed what it wrote, and every later
// call returns that same error.
//
// One writer at a time: the sink holds an advisory lock on the target from here until the
// result is in place (after the rename) or discarded, a flock on "<parent>/.<name>.oci-wasm-lock"
// beside the target (removed on release). Another sink for the same target meanwhile fails with
// io_error naming the lock, or waits with options.wait_for_lock.
Status open_layout_sink(const std::string& path, SinkFormat format, const SinkOptions& options,
                        std::unique_ptr<LayoutSink>& out);
Status open_layout_sink(const std::string& path, SinkFormat format,
                        std::unique_ptr<LayoutSink>& out);  // default SinkOptions

// Tools call this once at startup. By default a write past RLIMIT_FSIZE raises SIGXFSZ, which
// kills the process before the sink can remove its temp file; ignored, the write fails with
// EFBIG and the sink reports an io_error and cleans up like on a full disk.
void ignore_sigxfsz();

}  // namespace ociwasm
