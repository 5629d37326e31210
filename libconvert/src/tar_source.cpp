// A layout inside a tar stream (plain, gzip, bzip2, xz or zstd), read once from start to end.
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
//   from kept bytes, or (for large blobs under another algorithm) recomputed after the pass by
//   re-reading the target when the input is a file.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "archive_reader.h"
#include "tar_headers.h"
#include "text.h"
#include "layout_source_internal.h"
#include "ociwasm/digest.h"
#include "ociwasm/layout.h"

namespace ociwasm {
namespace {

using detail::kReadChunkSize;
using detail::LayoutPath;
using detail::LayoutPathKind;

constexpr std::int64_t kTarBlock = 512;

using ArchiveHandle = detail::ArchiveReader;

std::string archive_message(archive* handle) {
    const char* message = archive_error_string(handle);
    return message != nullptr ? message : "unknown libarchive error";
}

std::string entry_name(archive_entry* entry) {
    const char* name = archive_entry_pathname(entry);
    if (name == nullptr) name = archive_entry_pathname_utf8(entry);
    return name != nullptr ? name : "";
}

std::string hex_or_size(const BlobRecord& record) {
    std::string text = std::to_string(record.size) + " bytes";
    if (record.hashed) text += ", " + record.algorithm + ":" + record.computed;
    return text;
}

// Same bytes? nullopt when neither the hashes nor the kept bytes allow telling.
std::optional<bool> same_content(const BlobRecord& a, const BlobRecord& b) {
    if (a.size != b.size) return false;
    if (a.hashed && b.hashed) return a.computed == b.computed;
    if (a.content && b.content) return *a.content == *b.content;
    return std::nullopt;
}

// Outcome of streaming one entry's data.
struct DataRead {
    bool complete = false;  // all declared bytes arrived
    std::string error;      // why not, when !complete and status is ok
    Status status;          // the consumer's failure (observer, I/O)
};

// Streams the current entry's data in libarchive's own blocks (no copy). Holes of sparse
// entries are fed as zeros so the bytes match what an extractor would write.
template <typename Fn>
DataRead read_entry_data(archive* handle, archive_entry* entry, Fn&& fn) {
    static const char kZeros[64 * 1024] = {};
    DataRead result;
    std::int64_t position = 0;
    auto feed_zeros = [&](std::int64_t until) {
        while (position < until) {
            auto n = static_cast<std::size_t>(
                std::min<std::int64_t>(until - position, static_cast<std::int64_t>(sizeof kZeros)));
            if (Status status = fn(kZeros, n); !status) return status;
            position += static_cast<std::int64_t>(n);
        }
        return Status::ok();
    };
    for (;;) {
        const void* block = nullptr;
        std::size_t size = 0;
        la_int64_t offset = 0;
        int r = archive_read_data_block(handle, &block, &size, &offset);
        if (r == ARCHIVE_EOF) break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            result.error = archive_message(handle);
            return result;
        }
        if (offset < position) {
            result.error = "data blocks out of order";
            return result;
        }
        if (result.status = feed_zeros(offset); !result.status) return result;
        if (size > 0) {
            result.status = fn(static_cast<const char*>(block), size);
            if (!result.status) return result;
            position = offset + static_cast<std::int64_t>(size);
        }
    }
    if (archive_entry_size_is_set(entry) && position < archive_entry_size(entry)) {
        if (archive_entry_sparse_count(entry) > 0) {
            if (result.status = feed_zeros(archive_entry_size(entry)); !result.status) {
                return result;
            }
        } else {
            result.error = "the data ends after " + std::to_string(position) + " of " +
                           std::to_string(archive_entry_size(entry)) + " bytes";
            return result;
        }
    }
    result.complete = true;
    return result;
}

// Opens an archive reader over `fd` for the formats we accept (archive_reader.h: no filter that
// would run an external program).
Status open_archive(int fd, const std::string& name, ArchiveHandle& out) {
    ArchiveHandle handle;
    if (Status status = detail::new_tar_reader(detail::TarCompression::layout, handle); !status) {
        return Status::io_error(name + ": " + status.message());
    }
    if (archive_read_open_fd(handle.get(), fd, kReadChunkSize) != ARCHIVE_OK) {
        return Status::unreadable(name +
                                  ": expected a tar archive (optionally gzip, bzip2, xz "
                                  "or zstd compressed): " +
                                  archive_message(handle.get()));
    }
    out = std::move(handle);
    return Status::ok();
}

// A layout tar read in two stages: `raw` decompresses, `tar` parses what `raw` hands out, and
// the header walk sees the same bytes as `tar` on the way (no copy), to find what libarchive
// would read differently from GNU tar (tar_headers.h).
class WatchedTar {
  public:
    Status open(int fd, const std::string& name) {
        auto unreadable = [&](archive* handle) {
            return Status::unreadable(name +
                                      ": expected a tar archive (optionally gzip, bzip2, xz "
                                      "or zstd compressed): " +
                                      archive_message(handle));
        };
        if (Status status = detail::new_decompressor(raw_); !status) {
            return Status::io_error(name + ": " + status.message());
        }
        if (archive_read_open_fd(raw_.get(), fd, kReadChunkSize) != ARCHIVE_OK) {
            return unreadable(raw_.get());
        }
        archive_entry* stream = nullptr;
        int r = archive_read_next_header(raw_.get(), &stream);
        if (r == ARCHIVE_EOF) {
            ended_ = true;
        } else if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            return unreadable(raw_.get());
        }
        if (Status status = detail::new_tar_reader(detail::TarCompression::none, tar_); !status) {
            return Status::io_error(name + ": " + status.message());
        }
        if (archive_read_open(tar_.get(), this, nullptr, &WatchedTar::read, nullptr) !=
            ARCHIVE_OK) {
            return unreadable(tar_.get());
        }
        return Status::ok();
    }

    archive* handle() const { return tar_.get(); }
    const detail::TarHeaderWalk& walk() const { return walk_; }

  private:
    static la_ssize_t read(archive* tar, void* client, const void** buffer) {
        auto* self = static_cast<WatchedTar*>(client);
        if (self->ended_) return 0;
        std::size_t size = 0;
        la_int64_t offset = 0;
        int r = archive_read_data_block(self->raw_.get(), buffer, &size, &offset);
        if (r == ARCHIVE_EOF) {
            self->ended_ = true;
            return 0;
        }
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            archive_set_error(tar, EIO, "%s",
                              archive_message(self->raw_.get()).c_str());
            return -1;
        }
        self->walk_.feed(static_cast<const char*>(*buffer), size);
        return static_cast<la_ssize_t>(size);
    }

    ArchiveHandle raw_;
    ArchiveHandle tar_;
    detail::TarHeaderWalk walk_;
    bool ended_ = false;
};

// What the pass remembers about each regular entry, so hardlinks and duplicates can be judged.
struct SeenEntry {
    LayoutPathKind kind = LayoutPathKind::other;
    std::string written;
    std::uint64_t size = 0;
    std::string digest_key;                    // for blobs: key into LayoutScan::blobs
    std::optional<std::string> stray_content;  // small files outside the layout names
};

struct PendingRehash {
    std::string key;     // the blob whose hash is still unknown
    std::string target;  // the normalized entry path holding its bytes
    std::string written;
};

// One scanning pass over an open archive.
class TarScanPass {
  public:
    TarScanPass(const std::string& name, const ScanOptions& options, LayoutScan& out,
                archive* handle, std::map<std::string, std::string>& hardlinks)
        : name_(name),
          options_(options),
          out_(out),
          handle_(handle),
          hardlinks_(hardlinks),
          budget_(options.kept_budget) {}

    Status run() {
        bool any_entry = false;
        while (!stopped_) {
            archive_entry* entry = nullptr;
            int r = archive_read_next_header(handle_, &entry);
            if (r == ARCHIVE_EOF) {
                if (any_entry) check_end_marker();
                break;
            }
            if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
                if (!any_entry) {
                    return Status::unreadable(name_ +
                                              ": expected a tar archive (optionally gzip, "
                                              "bzip2, xz or zstd compressed): " +
                                              archive_message(handle_));
                }
                truncated(name_, "after entry " + last_written_ + ": " + archive_message(handle_));
                break;
            }
            any_entry = true;
            last_written_ = entry_name(entry);
            if (Status status = handle_entry(entry); !status) return status;
            if (stopped_) break;
            // Consuming what the entry did not read (and its padding) now makes the position
            // below the end of this entry, where the end-of-archive marker must follow.
            if (int skipped = archive_read_data_skip(handle_);
                skipped != ARCHIVE_OK && skipped != ARCHIVE_WARN) {
                truncated(last_written_, archive_message(handle_));
                break;
            }
            entries_end_ = archive_filter_bytes(handle_, 0);
        }
        return Status::ok();
    }

    std::vector<PendingRehash>& pending() { return pending_; }

  private:
    void truncated(const std::string& file, const std::string& detail) {
        out_.findings.error("TAR-TRUNCATED",
                            file +
                                ": expected a complete tar archive, found it ends early or is "
                                "damaged (" +
                                detail + "); the scan stopped here",
                            file);
        stopped_ = true;
    }

    // libarchive ends quietly when the input stops at an entry boundary ("some writers omit the
    // marker"), so a tar cut there would pass for a complete one with blobs missing. Every
    // writer of layout tars we know writes the two zero blocks; their absence is truncation.
    void check_end_marker() {
        std::int64_t marker = archive_filter_bytes(handle_, 0) - entries_end_;
        if (marker >= 2 * kTarBlock) return;
        truncated(name_, "it stops after the entry " + last_written_ +
                             (marker == 0 ? " without the end-of-archive marker of two zero "
                                            "blocks"
                                          : " with only one of the two zero blocks that end an "
                                            "archive"));
    }

    // The first proper prefix of `path` that is a symlink entry, if any.
    const std::string* symlink_prefix(const std::string& path) const {
        for (std::size_t slash = path.find('/'); slash != std::string::npos;
             slash = path.find('/', slash + 1)) {
            auto it = symlinks_.find(path.substr(0, slash));
            if (it != symlinks_.end()) return &*it;
        }
        return nullptr;
    }

    Status handle_entry(archive_entry* entry) {
        std::string written = entry_name(entry);
        detail::NormalizedPath normalized = detail::normalize_entry_path(written);
        if (normalized.absolute) {
            out_.findings.error("TAR-ABSOLUTE-PATH",
                                written +
                                    ": expected an entry name relative to the layout root, "
                                    "found an absolute name",
                                written);
            return Status::ok();
        }
        if (normalized.traversal) {
            out_.findings.error("TAR-PATH-TRAVERSAL",
                                written +
                                    ": expected an entry name inside the layout, found a "
                                    "\"..\" component",
                                written);
            return Status::ok();
        }
        const std::string& path = normalized.path;
        if (const std::string* link = symlink_prefix(path)) {
            out_.findings.error("TAR-LINK-ESCAPE",
                                written +
                                    ": expected a path through directories, found it lies "
                                    "beneath the symlink " +
                                    *link,
                                written);
            return Status::ok();
        }

        if (path == "blobs" || path.starts_with("blobs/")) out_.has_blobs_dir = true;
        mode_t type = archive_entry_filetype(entry);
        const char* hardlink = archive_entry_hardlink(entry);
        if (type == AE_IFLNK) {
            const char* target = archive_entry_symlink(entry);
            return handle_symlink(written, path, target != nullptr ? target : "");
        }
        if (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO || type == AE_IFSOCK) {
            out_.findings.error(
                "TAR-SPECIAL-FILE",
                written + ": expected a regular file or directory, found " + describe_type(type),
                written);
            return Status::ok();
        }
        if (archive_entry_sparse_count(entry) > 0) {
            // No layout writer makes sparse entries. A few KiB can declare a TiB of holes, and
            // GNU tar and libarchive expand old GNU sparse maps differently: refused unread.
            out_.findings.error("TAR-SPARSE-ENTRY",
                                written + ": expected an entry stored whole, found a sparse "
                                          "entry (a GNU sparse map declaring " +
                                    std::to_string(archive_entry_size(entry)) +
                                    " bytes); its data is not read",
                                written);
            return Status::ok();
        }
        if (hardlink != nullptr) {
            // Checked even when the entry carries its own data: an extractor links first.
            detail::NormalizedPath target = detail::normalize_entry_path(hardlink);
            if (target.absolute || target.traversal || symlink_prefix(target.path) != nullptr) {
                out_.findings.error("TAR-LINK-ESCAPE",
                                    written +
                                        ": expected a hardlink to an entry inside the "
                                        "layout, found a link to " +
                                        hardlink,
                                    written);
                return Status::ok();
            }
            if (!archive_entry_size_is_set(entry) || archive_entry_size(entry) == 0) {
                return handle_hardlink(written, path, target.path, hardlink);
            }
        } else if (type == AE_IFDIR) {
            return Status::ok();
        } else if (type != AE_IFREG) {
            out_.findings.error("TAR-SPECIAL-FILE",
                                written +
                                    ": expected a regular file or directory, found an "
                                    "entry of unknown type",
                                written);
            return Status::ok();
        }
        if (path.empty()) return Status::ok();
        return handle_regular(entry, written, path);
    }

    static std::string describe_type(mode_t type) {
        switch (type) {
            case AE_IFCHR:
                return "a character device";
            case AE_IFBLK:
                return "a block device";
            case AE_IFIFO:
                return "a FIFO";
            case AE_IFSOCK:
                return "a socket";
            default:
                return "a special file";
        }
    }

    Status handle_symlink(const std::string& written, const std::string& path,
                          const std::string& target) {
        std::optional<std::string> resolved = detail::resolve_relative_link(path, target);
        if (!resolved) {
            out_.findings.error("TAR-LINK-ESCAPE",
                                written +
                                    ": expected links to stay inside the layout, found a "
                                    "symlink to " +
                                    target,
                                written);
            return Status::ok();
        }
        if (detail::is_layout_name(path)) {
            out_.findings.error("TAR-LINK-ESCAPE",
                                written +
                                    ": expected a regular file at a layout path, found a "
                                    "symlink to " +
                                    target,
                                written);
            return Status::ok();
        }
        symlinks_.insert(path);
        return Status::ok();
    }

    const std::string* content_of(const SeenEntry& seen) const {
        switch (seen.kind) {
            case LayoutPathKind::oci_layout:
                return out_.oci_layout ? &*out_.oci_layout : nullptr;
            case LayoutPathKind::index_json:
                return out_.index_json ? &*out_.index_json : nullptr;
            case LayoutPathKind::blob: {
                auto it = out_.blobs.find(seen.digest_key);
                if (it == out_.blobs.end() || !it->second.content) return nullptr;
                return &*it->second.content;
            }
            case LayoutPathKind::other:
            case LayoutPathKind::bad_blob_name:
                return seen.stray_content ? &*seen.stray_content : nullptr;
        }
        return nullptr;
    }

    Status handle_hardlink(const std::string& written, const std::string& path,
                           const std::string& target, const char* target_written) {
        LayoutPath kind = detail::classify_layout_path(path);
        if (kind.kind == LayoutPathKind::other) return Status::ok();
        if (kind.kind == LayoutPathKind::bad_blob_name) {
            detail::add_blob_name_finding(out_.findings, written, kind.why);
            return Status::ok();
        }
        auto found = seen_.find(target);
        if (found == seen_.end()) {
            out_.findings.error("TAR-LINK-ESCAPE",
                                written +
                                    ": expected a hardlink to an earlier entry of the "
                                    "layout, found a link to " +
                                    target_written + ", which no earlier entry provides",
                                written);
            return Status::ok();
        }
        const SeenEntry target_entry = found->second;
        auto previous_link = hardlinks_.find(target);
        std::string ultimate = previous_link != hardlinks_.end() ? previous_link->second : target;
        const std::string* content = content_of(target_entry);

        if (kind.kind != LayoutPathKind::blob) {
            if (content == nullptr) {
                out_.findings.error("TAR-LINK-ESCAPE",
                                    written +
                                        ": expected a hardlink to a small layout file, "
                                        "found a link to " +
                                        target_written + ", whose bytes were not kept",
                                    written);
                return Status::ok();
            }
            if (seen_.count(path) == 0) hardlinks_[path] = ultimate;
            std::string bytes = *content;
            set_top_level(written, path, kind.kind, std::move(bytes));
            return Status::ok();
        }

        bool duplicate = seen_.count(path) != 0;
        if (!duplicate) hardlinks_[path] = ultimate;
        BlobRecord record;
        record.path = path;
        record.algorithm = kind.algorithm;
        record.encoded = kind.encoded;
        if (content != nullptr) {
            std::string bytes = *content;  // `content` may live in out_.blobs, which we insert into
            if (Status status =
                    detail::stream_blob_from_memory(record, options_, bytes, !duplicate, budget_);
                !status) {
                return status;
            }
            commit_blob(written, std::move(record), duplicate);
            return Status::ok();
        }
        record.size = target_entry.size;
        bool needs_hash = options_.verify && is_verifiable_algorithm(record.algorithm);
        const BlobRecord* target_record = nullptr;
        if (target_entry.kind == LayoutPathKind::blob) {
            auto it = out_.blobs.find(target_entry.digest_key);
            if (it != out_.blobs.end()) target_record = &it->second;
        }
        bool pending = false;
        if (needs_hash) {
            if (target_record != nullptr && target_record->hashed &&
                target_record->algorithm == record.algorithm) {
                record.computed = target_record->computed;
                record.hashed = true;
            } else {
                pending = true;
            }
        }
        std::string key = record.digest();
        if (commit_blob(written, std::move(record), duplicate) && pending) {
            pending_.push_back({key, ultimate, written});
        }
        return Status::ok();
    }

    // Reads the whole entry into `bytes`; false (after a TAR-TRUNCATED finding) on a short read.
    bool read_whole(archive_entry* entry, const std::string& written, std::string& bytes,
                    Status& status) {
        DataRead read = read_entry_data(handle_, entry, [&bytes](const char* data, std::size_t n) {
            bytes.append(data, n);
            return Status::ok();
        });
        status = read.status;
        if (!read.complete && status) truncated(written, read.error);
        return read.complete;
    }

    Status handle_regular(archive_entry* entry, const std::string& written,
                          const std::string& path) {
        LayoutPath kind = detail::classify_layout_path(path);
        bool duplicate = seen_.count(path) != 0;
        std::uint64_t size = archive_entry_size_is_set(entry)
                                 ? static_cast<std::uint64_t>(archive_entry_size(entry))
                                 : 0;
        Status status;
        switch (kind.kind) {
            case LayoutPathKind::other: {
                if (duplicate) return Status::ok();
                SeenEntry seen{LayoutPathKind::other, written, size, {}, {}};
                // Small stray files are kept only so that a hardlink to them can be resolved,
                // and only within the kept-content budget.
                if (size <= options_.keep_limit && budget_.take(size)) {
                    std::string bytes;
                    bool complete = read_whole(entry, written, bytes, status);
                    if (!complete) {
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
                seen_.emplace(path, std::move(seen));
                return Status::ok();
            }
            case LayoutPathKind::bad_blob_name:
                detail::add_blob_name_finding(out_.findings, written, kind.why);
                return Status::ok();
            case LayoutPathKind::oci_layout:
            case LayoutPathKind::index_json: {
                std::size_t limit = detail::top_level_file_limit(options_);
                if (size > limit) {
                    out_.findings.error("LAYOUT-FILE-TOO-LARGE",
                                        written + ": expected at most " + std::to_string(limit) +
                                            " bytes, found " + std::to_string(size),
                                        written);
                    return Status::ok();
                }
                std::string bytes;
                if (!read_whole(entry, written, bytes, status)) return status;
                set_top_level(written, path, kind.kind, std::move(bytes));
                return Status::ok();
            }
            case LayoutPathKind::blob:
                break;
        }

        BlobRecord record;
        record.path = path;
        record.algorithm = std::move(kind.algorithm);
        record.encoded = std::move(kind.encoded);
        // A second entry for a path is hashed to compare it, but never shown to the observer.
        detail::BlobStream stream(record, options_, size, !duplicate, budget_);
        if (status = stream.begin(); !status) return status;
        DataRead read = read_entry_data(handle_, entry, [&stream](const char* data, std::size_t n) {
            return stream.update(data, n);
        });
        if (!read.status) return read.status;
        if (!read.complete) {
            truncated(written, read.error);
            return Status::ok();
        }
        if (status = stream.finish(); !status) return status;
        commit_blob(written, std::move(record), duplicate);
        return Status::ok();
    }

    void set_top_level(const std::string& written, const std::string& path, LayoutPathKind kind,
                       std::string bytes) {
        std::optional<std::string>& slot =
            kind == LayoutPathKind::oci_layout ? out_.oci_layout : out_.index_json;
        auto seen = seen_.find(path);
        if (seen != seen_.end()) {
            if (!slot || *slot != bytes) {
                out_.findings.error(
                    "TAR-DUPLICATE-ENTRY",
                    written + ": expected one entry per path, found a second entry for " + path +
                        " with different content (first " + seen->second.written + ", " +
                        std::to_string(seen->second.size) + " bytes; now " +
                        std::to_string(bytes.size()) + " bytes)",
                    written);
            }
            return;
        }
        seen_.emplace(path, SeenEntry{kind, written, bytes.size(), {}, {}});
        slot = std::move(bytes);
    }

    // Records a finished blob; for a repeated path, compares instead. True when it was stored.
    bool commit_blob(const std::string& written, BlobRecord record, bool duplicate) {
        std::string key = record.digest();
        if (duplicate) {
            auto seen = seen_.find(record.path);
            auto first = out_.blobs.find(key);
            std::optional<bool> same;
            if (first != out_.blobs.end()) same = same_content(first->second, record);
            // The second copy is only compared, never kept.
            if (record.content) budget_.give_back(record.content->size());
            if (same != true) {
                std::string first_text =
                    first != out_.blobs.end() ? hex_or_size(first->second) : "unreadable";
                out_.findings.error(
                    "TAR-DUPLICATE-ENTRY",
                    written + ": expected one entry per path, found a second entry for " +
                        record.path +
                        (same.has_value() ? " with different content"
                                          : " whose content cannot be compared (not hashed)") +
                        " (first " + seen->second.written + ": " + first_text + "; now " +
                        hex_or_size(record) + ")",
                    written, {}, key);
            }
            return false;
        }
        seen_.emplace(record.path, SeenEntry{LayoutPathKind::blob, written, record.size, key, {}});
        out_.blobs.insert_or_assign(key, std::move(record));
        return true;
    }

    const std::string& name_;
    const ScanOptions& options_;
    LayoutScan& out_;
    archive* handle_;
    std::map<std::string, std::string>& hardlinks_;
    std::map<std::string, SeenEntry> seen_;
    std::set<std::string> symlinks_;
    std::vector<PendingRehash> pending_;
    detail::KeptBudget budget_;
    std::string last_written_;
    std::int64_t entries_end_ = 0;  // uncompressed offset just past the last entry's data
    bool stopped_ = false;
};

class TarLayoutSource : public LayoutSource {
  public:
    // `owned_fd` >= 0: read that descriptor (closed on destruction); otherwise open `name`.
    TarLayoutSource(std::string name, int owned_fd, bool rereadable)
        : name_(std::move(name)), owned_fd_(owned_fd), rereadable_(rereadable) {}
    ~TarLayoutSource() override {
        if (owned_fd_ >= 0) ::close(owned_fd_);
    }
    TarLayoutSource(const TarLayoutSource&) = delete;
    TarLayoutSource& operator=(const TarLayoutSource&) = delete;

    const std::string& name() const override { return name_; }
    bool can_reread() const override { return rereadable_; }

    Status scan(const ScanOptions& options, LayoutScan& out) override {
        if (!rereadable_ && streamed_) {
            return Status::usage(name_ + ": a stream can be scanned only once");
        }
        int fd = -1;
        if (Status status = open_input(fd); !status) return status;
        streamed_ = true;
        auto tar = std::make_unique<WatchedTar>();
        Status status = tar->open(fd, name_);
        if (status) {
            hardlinks_.clear();
            TarScanPass pass(name_, options, out, tar->handle(), hardlinks_);
            status = pass.run();
            report_global_names(tar->walk(), out);
            tar.reset();
            if (status) status = rehash_pending(options, out, pass.pending());
        }
        close_input(fd);
        return status;
    }

    Status read_blob(const std::string& path,
                     const std::function<Status(const char*, std::size_t)>& fn) override {
        if (!rereadable_) {
            return Status::unreadable(name_ + ": " + path +
                                      ": the input is a stream and cannot be read again");
        }
        auto link = hardlinks_.find(path);
        std::string wanted = link != hardlinks_.end() ? link->second : path;
        // Each round ends at the entry or at a hardlink pointing further back; bounded so that
        // a cycle (impossible in a sane tar) cannot spin forever.
        for (int round = 0; round < 16; ++round) {
            std::optional<std::string> next;
            if (Status status = read_entry_pass(path, wanted, fn, next); !status || !next) {
                return status;
            }
            wanted = *next;
        }
        return Status::io_error(name_ + ": " + path + ": too many hardlinks to follow");
    }

  private:
    // GNU tar names every entry after a global PAX header by its path (or links them all to its
    // linkpath); libarchive ignores it. The layout we checked is then not what GNU tar unpacks.
    void report_global_names(const detail::TarHeaderWalk& walk, LayoutScan& out) {
        for (const auto& global : walk.global_names()) {
            out.findings.error("TAR-PAX-GLOBAL-PATH",
                               name_ + ": expected no global PAX header that names entries, " +
                                   "found one at byte " + std::to_string(global.offset) +
                                   " setting " + global.keyword + "=" +
                                   detail::quoted(global.value) +
                                   ": GNU tar applies it to every entry after it, libarchive "
                                   "ignores it, so the two unpack different layouts",
                               name_);
        }
    }

    Status open_input(int& fd) {
        if (owned_fd_ >= 0) {
            fd = owned_fd_;
        } else if (name_ == "-") {
            fd = STDIN_FILENO;
        } else {
            fd = ::open(name_.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
            if (fd < 0) {
                return Status::io_error(name_ + ": cannot open: " + std::strerror(errno));
            }
        }
        return Status::ok();
    }

    void close_input(int fd) {
        if (fd != owned_fd_ && fd != STDIN_FILENO) ::close(fd);
    }

    // One pass looking for `wanted`; sets `next` when it is a hardlink to follow.
    Status read_entry_pass(const std::string& path, const std::string& wanted,
                           const std::function<Status(const char*, std::size_t)>& fn,
                           std::optional<std::string>& next) {
        int fd = -1;
        if (Status status = open_input(fd); !status) return status;
        ArchiveHandle handle;
        Status status = open_archive(fd, name_, handle);
        bool found = false;
        while (status && !found) {
            archive_entry* entry = nullptr;
            int r = archive_read_next_header(handle.get(), &entry);
            if (r == ARCHIVE_EOF) break;
            if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
                status = Status::io_error(name_ + ": " + path + ": cannot read the archive: " +
                                          archive_message(handle.get()));
                break;
            }
            detail::NormalizedPath normalized = detail::normalize_entry_path(entry_name(entry));
            if (normalized.absolute || normalized.traversal || normalized.path != wanted) continue;
            mode_t type = archive_entry_filetype(entry);
            const char* hardlink = archive_entry_hardlink(entry);
            bool has_data = archive_entry_size_is_set(entry) && archive_entry_size(entry) > 0;
            if (hardlink != nullptr && !has_data) {
                detail::NormalizedPath target = detail::normalize_entry_path(hardlink);
                if (target.absolute || target.traversal) {
                    status = Status::io_error(name_ + ": " + path + ": hardlink leaves the layout");
                } else {
                    next = target.path;
                }
                found = true;
                break;
            }
            if (type != AE_IFREG && hardlink == nullptr) continue;
            found = true;
            DataRead read = read_entry_data(handle.get(), entry, fn);
            if (!read.status) {
                status = read.status;
            } else if (!read.complete) {
                status = Status::io_error(name_ + ": " + path + ": cannot read: " + read.error);
            }
        }
        if (status && !found) {
            status = Status::io_error(name_ + ": " + path + ": no such entry in the archive");
        }
        handle.reset();
        close_input(fd);
        return status;
    }

    // Hardlinks to large blobs under another algorithm: hash the target's bytes now.
    Status rehash_pending(const ScanOptions& options, LayoutScan& out,
                          std::vector<PendingRehash>& pending) {
        for (const PendingRehash& item : pending) {
            auto it = out.blobs.find(item.key);
            if (it == out.blobs.end()) continue;
            BlobRecord& record = it->second;
            if (!rereadable_) {
                out.findings.warning(
                    "TAR-LINK-UNVERIFIED",
                    item.written +
                        ": expected to verify this hardlinked blob, but its bytes "
                        "(in " +
                        item.target +
                        ") streamed by before its algorithm was known and the input cannot be "
                        "read again",
                    item.written, {}, item.key);
                continue;
            }
            StreamHasher hasher(record.algorithm);
            Status status = read_blob(item.target, [&hasher](const char* data, std::size_t n) {
                hasher.update(data, n);
                return Status::ok();
            });
            if (!status) return status;
            record.size = hasher.bytes();
            record.computed = hasher.finish_hex();
            record.hashed = options.verify;
        }
        return Status::ok();
    }

    std::string name_;
    int owned_fd_ = -1;
    bool rereadable_ = false;
    bool streamed_ = false;
    // Normalized link path -> the normalized path of the entry holding the bytes.
    std::map<std::string, std::string> hardlinks_;
};

}  // namespace

std::unique_ptr<LayoutSource> make_tar_source(const std::string& file) {
    bool rereadable = false;
    if (file != "-") {
        struct stat info {};
        rereadable = ::stat(file.c_str(), &info) == 0 && S_ISREG(info.st_mode);
    }
    return std::make_unique<TarLayoutSource>(file, -1, rereadable);
}

namespace detail {

std::unique_ptr<LayoutSource> make_tar_source_from_fd(int fd, std::string name) {
    return std::make_unique<TarLayoutSource>(std::move(name), fd, false);
}

}  // namespace detail
}  // namespace ociwasm
