// A layout inside a tar stream (plain, gzip, bzip2, xz or zstd), read once from start to end by
// TarScanPass (tar_scan_pass.h, which holds the policy for hostile entries and links).
// TarLayoutSource owns the input: it runs the pass, reports what GNU tar would unpack
// differently, and reads single blobs again (following hardlinks) when the input is a file.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "io_buffer.h"
#include "layout_source_internal.h"
#include "ociwasm/digest.h"
#include "ociwasm/finding_codes.h"
#include "ociwasm/layout.h"
#include "tar_input.h"
#include "tar_scan_pass.h"
#include "text.h"

namespace ociwasm {
namespace {

using detail::archive_message;
using detail::ArchiveReader;
using detail::DataRead;

class TarLayoutSource : public LayoutSource {
  public:
    // `owned_fd` >= 0: read that descriptor (closed on destruction); otherwise open `name`.
    TarLayoutSource(std::string name, int owned_fd, bool rereadable)
        : name_(std::move(name)), owned_fd_(owned_fd), rereadable_(rereadable) {}
    ~TarLayoutSource() override {
        if (owned_fd_ >= 0) ::close(owned_fd_);
        if (stored_fd_ >= 0) ::close(stored_fd_);
    }
    TarLayoutSource(const TarLayoutSource&) = delete;
    TarLayoutSource& operator=(const TarLayoutSource&) = delete;

    const std::string& name() const override { return name_; }
    bool can_reread() const override { return rereadable_; }
    // A stream gives again the blobs it moved to the spill file.
    bool can_reread_blob(const std::string& path) const override {
        return rereadable_ || (spill_ && spill_->holds(resolve_link(path)));
    }
    // A stored or spilled entry reads by its own descriptor; passes over the input take turns.
    bool can_reread_in_parallel() const override { return rereadable_ || spill_ != nullptr; }

    Status scan(const ScanOptions& options, LayoutScan& out) override {
        if (!rereadable_ && streamed_) {
            return Status::usage(name_ + ": a stream can be scanned only once");
        }
        int fd = -1;
        if (Status status = open_input(fd); !status) return status;
        streamed_ = true;
        auto tar = std::make_unique<detail::WatchedTar>();
        Status status = tar->open(fd, name_);
        if (status) {
            hardlinks_.clear();
            stored_.clear();
            spill_.reset();
            // A tar file stored uncompressed gives each blob's bytes again by one read at its
            // offset; any other tar only by a new pass, so it keeps more during this one, or
            // moves what it cannot keep to a spill file and reads it again from there.
            bool indexed = rereadable_ && tar->stored_plain();
            if (!indexed && options.spill_budget > 0) {
                spill_ = detail::Spill::create(options.spill_budget, 1);
            }
            detail::TarRereads rereads;
            if (indexed) rereads.stored = &stored_;
            if (spill_) rereads.spill = spill_.get();
            detail::TarScanPass pass(
                name_, options,
                indexed || spill_ ? options.rereadable_kept_budget : options.kept_budget, out, *tar,
                hardlinks_, rereads);
            status = pass.run();
            out.blobs.seal();
            if (spill_) spill_->finish_writing();
            detail::index_by_path_hash(stored_);
            // Stored entries are read again from the file scanned, by one pread each (opening
            // it by name for each was two more system calls per document read again).
            if (stored_fd_ >= 0) ::close(stored_fd_);
            stored_fd_ = indexed ? ::fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
            report_global_names(tar->walk(), out);
            tar.reset();
            if (status) status = rehash_pending(options, out, pass.pending());
        }
        close_input(fd);
        return status;
    }

    Status read_blob(const std::string& path,
                     const std::function<Status(const char*, std::size_t)>& fn) override {
        std::string wanted = resolve_link(path);
        if (spill_) {
            if (std::optional<Status> spilled = spill_->read(wanted, name_ + ": " + path, fn)) {
                return *spilled;
            }
        }
        if (!rereadable_) {
            return Status::unreadable(name_ + ": " + path +
                                      ": the input is a stream and cannot be read again");
        }
        if (const detail::StoredEntry* stored = detail::find_by_path_hash(stored_, wanted)) {
            return read_stored(path, *stored, fn);
        }
        // Each round ends at the entry or at a hardlink pointing further back; bounded so that
        // a cycle (impossible in a sane tar) cannot spin forever. One pass at a time: they may
        // share the input's descriptor.
        std::lock_guard lock(entry_pass_mutex_);
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
            out.findings.error(codes::kTarPaxGlobalPath,
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

    // The normalized path of the entry holding the bytes of `path`.
    std::string resolve_link(const std::string& path) const {
        auto link = hardlinks_.find(path);
        return link != hardlinks_.end() ? link->second : path;
    }

    // The bytes of an entry stored uncompressed, read at their offset in the tar file.
    Status read_stored(const std::string& path, const detail::StoredEntry& stored,
                       const std::function<Status(const char*, std::size_t)>& fn) {
        if (stored_fd_ < 0) return Status::io_error(name_ + ": " + path + ": cannot read it again");
        int fd = stored_fd_;
        auto capacity =
            static_cast<std::size_t>(std::min<std::uint64_t>(stored.size, detail::kReadChunkSize));
        detail::IoBuffer buffer = detail::make_io_buffer(capacity);
        Status status = Status::ok();
        for (std::uint64_t done = 0; status && done < stored.size;) {
            std::size_t want =
                static_cast<std::size_t>(std::min<std::uint64_t>(stored.size - done, capacity));
            ssize_t n = ::pread(fd, buffer.get(), want, static_cast<off_t>(stored.offset + done));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                status = Status::io_error(name_ + ": " + path + ": cannot read: " +
                                          (n < 0 ? std::strerror(errno) : "the file got shorter"));
                break;
            }
            done += static_cast<std::uint64_t>(n);
            status = fn(buffer.get(), static_cast<std::size_t>(n));
        }
        return status;
    }

    // One pass looking for `wanted`; sets `next` when it is a hardlink to follow.
    Status read_entry_pass(const std::string& path, const std::string& wanted,
                           const std::function<Status(const char*, std::size_t)>& fn,
                           std::optional<std::string>& next) {
        int fd = -1;
        if (Status status = open_input(fd); !status) return status;
        ArchiveReader handle;
        Status status = detail::open_archive(fd, name_, handle);
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
            detail::NormalizedPath normalized =
                detail::normalize_entry_path(detail::entry_name(entry));
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
            DataRead read = detail::read_entry_data(handle.get(), entry, fn);
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
                          std::vector<detail::PendingRehash>& pending) {
        for (const detail::PendingRehash& item : pending) {
            BlobRecord* found = out.blobs.find(item.key);
            if (found == nullptr) continue;
            BlobRecord& record = *found;
            if (!can_reread_blob(item.target)) {
                out.findings.warning(
                    codes::kTarLinkUnverified,
                    item.written +
                        ": expected to verify this hardlinked blob, but its bytes "
                        "(in " +
                        item.target +
                        ") streamed by before its algorithm was known and the input cannot be "
                        "read again",
                    item.written, {}, item.key);
                continue;
            }
            StreamHasher hasher(record.algorithm());
            Status status = read_blob(item.target, [&hasher](const char* data, std::size_t n) {
                hasher.update(data, n);
                return Status::ok();
            });
            if (!status) return status;
            record.size = hasher.bytes();
            if (options.verify) record.set_computed(hasher.finish_hex());
        }
        return Status::ok();
    }

    std::string name_;
    int owned_fd_ = -1;
    bool rereadable_ = false;
    bool streamed_ = false;
    // Normalized link path -> the normalized path of the entry holding the bytes.
    std::map<std::string, std::string> hardlinks_;
    std::vector<detail::StoredEntry> stored_;  // uncompressed tar files: sorted by path hash
    int stored_fd_ = -1;                       // the tar file stored_ refers to
    std::unique_ptr<detail::Spill> spill_;     // other inputs, when the scan options allow
    std::mutex entry_pass_mutex_;              // read_blob's passes over the input
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
