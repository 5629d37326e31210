// The tar sink: a layout as one tar stream (plain, gzip or zstd) written through libarchive to
// a temporary file beside the target (renamed into place at commit) or to stdout.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "archive_reader.h"
#include "layout_sink_internal.h"
#include "ociwasm/layout.h"
#include "sink_files.h"

namespace ociwasm::detail {
namespace {

// pax restricted: plain ustar headers, plus a pax "path" record only for names over 100
// characters (sha512 blobs). No atime/ctime or pid-dependent names; Go's archive/tar (skopeo,
// umoci) and GNU tar read it.
class TarLayoutSink final : public SinkBase {
  public:
    explicit TarLayoutSink(std::string display) : SinkBase(std::move(display)) {}
    ~TarLayoutSink() override {
        abort();
        release_archive();
    }

    Status create_temp(const TargetPath& target) {
        target_ = target;
        return make_temporary(
            display(), target, "file",
            [this](const std::string& temp) {
                int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
                if (fd < 0) return errno;
                file_.attach(fd, true);
                return 0;
            },
            temp_);
    }

    void use_stdout() {
        to_stdout_ = true;
        file_.attach(STDOUT_FILENO, false);
    }

    Status start(SinkFormat format) {
        compressed_ = format != SinkFormat::tar;
        archive_ = archive_write_new();
        if (archive_ == nullptr) return Status::io_error(display() + ": out of memory");
        if (archive_write_set_format_pax_restricted(archive_) != ARCHIVE_OK ||
            archive_write_set_bytes_per_block(archive_, 0) != ARCHIVE_OK) {
            return archive_failure("cannot set up the tar writer");
        }
        // ARCHIVE_WARN means an external compressor program: slower, still deterministic.
        if (format == SinkFormat::tar_gz) {
            if (archive_write_add_filter_gzip(archive_) < ARCHIVE_WARN ||
                archive_write_set_filter_option(archive_, "gzip", "timestamp", nullptr) !=
                    ARCHIVE_OK) {
                return archive_failure("cannot set up gzip compression");
            }
        } else if (format == SinkFormat::tar_zst) {
            if (archive_write_add_filter_zstd(archive_) < ARCHIVE_WARN) {
                return archive_failure("cannot set up zstd compression");
            }
        }
        if (archive_write_open2(archive_, this, nullptr, &TarLayoutSink::write_callback, nullptr,
                                nullptr) != ARCHIVE_OK) {
            return archive_failure("cannot start the archive");
        }
        return Status::ok();
    }

  protected:
    Status add_directory(const std::string& dir) override {
        return write_header(dir + "/", AE_IFDIR, 0755, 0);
    }

    Status open_entry(const std::string& path, std::uint64_t size) override {
        if (size > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            return Status::invalid(display() + ": " + path + ": size " + std::to_string(size) +
                                   " is too large for a tar entry");
        }
        entry_ = path;
        return write_header(path, AE_IFREG, 0644, size);
    }

    Status write_entry(const char* data, std::size_t size) override {
        if (size == 0) return Status::ok();
        la_ssize_t written = archive_write_data(archive_, data, size);
        if (written < 0 || static_cast<std::size_t>(written) != size) {
            return archive_failure("cannot write " + entry_);
        }
        return Status::ok();
    }

    // Uncompressed, the entry's bytes go straight from the input file to the output, inside
    // the kernel; libarchive, which counts them as not written, pads the entry with as many
    // zeros at close_entry, and write_callback drops those.
    Status write_entry_from(int fd, std::uint64_t offset, std::uint64_t size) override {
        if (compressed_) return SinkBase::write_entry_from(fd, offset, size);
        std::uint64_t asked = size;
        int err = file_.copy_in_kernel(fd, offset, size);
        zeros_to_drop_ += asked - size;
        if (err == BufferedFile::kSourceEnded) return source_ended(display() + ": " + entry_, size);
        if (err != 0) return io_failure(display(), "cannot write", err);
        return SinkBase::write_entry_from(fd, offset, size);  // what the kernel did not copy
    }

    Status close_entry() override {
        finishing_entry_ = true;
        int r = archive_write_finish_entry(archive_);
        finishing_entry_ = false;
        if (r != ARCHIVE_OK) return archive_failure("cannot finish " + entry_);
        if (zeros_to_drop_ != 0) {
            return Status::io_error(display() + ": " + entry_ +
                                    ": expected libarchive to pad the entry with the bytes copied "
                                    "around it, found " +
                                    std::to_string(zeros_to_drop_) + " bytes fewer");
        }
        return Status::ok();
    }

    Status finish() override {
        if (archive_write_close(archive_) != ARCHIVE_OK) {
            return archive_failure("cannot finish the archive");
        }
        if (int err = file_.flush()) return io_failure(display(), "cannot write", err);
        if (to_stdout_) return Status::ok();
        if (int err = file_.sync()) return io_failure(display(), "cannot sync to disk", err);
        if (int err = file_.close()) return io_failure(display(), "cannot close", err);
        if (::rename(temp_.c_str(), target_.path.c_str()) != 0) {
            int err = errno;
            return io_failure(display(), "cannot rename " + temp_ + " into place", err);
        }
        temp_.clear();
        // Best effort: the rename is done, a failure here only weakens crash durability.
        sync_directory(target_.parent);
        return Status::ok();
    }

    void discard() override {
        discarding_ = true;  // release_archive may flush: nothing more reaches the file
        release_archive();
        file_.close_quietly();
        if (!temp_.empty()) {
            ::unlink(temp_.c_str());
            temp_.clear();
        }
    }

  private:
    static la_ssize_t write_callback(struct archive*, void* client, const void* buffer,
                                     size_t length) {
        auto* self = static_cast<TarLayoutSink*>(client);
        if (self->discarding_) return -1;
        std::size_t dropped = 0;
        if (self->finishing_entry_ && self->zeros_to_drop_ > 0) {
            dropped =
                static_cast<std::size_t>(std::min<std::uint64_t>(self->zeros_to_drop_, length));
            self->zeros_to_drop_ -= dropped;
        }
        if (int err =
                self->file_.write(static_cast<const char*>(buffer) + dropped, length - dropped)) {
            self->write_errno_ = err;
            return -1;
        }
        return static_cast<la_ssize_t>(length);
    }

    Status write_header(const std::string& name, unsigned type, unsigned permissions,
                        std::uint64_t size) {
        std::unique_ptr<archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(),
                                                                            &archive_entry_free);
        if (!entry) return Status::io_error(display() + ": out of memory");
        archive_entry_set_pathname(entry.get(), name.c_str());
        archive_entry_set_filetype(entry.get(), type);
        archive_entry_set_perm(entry.get(), permissions);
        archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
        archive_entry_set_mtime(entry.get(), 0, 0);
        archive_entry_set_uid(entry.get(), 0);
        archive_entry_set_gid(entry.get(), 0);
        // Any warning (e.g. a name that cannot be encoded) would make the entry differ from
        // what was asked: treat it as failure.
        if (archive_write_header(archive_, entry.get()) != ARCHIVE_OK) {
            return archive_failure("cannot write the header of " + name);
        }
        return Status::ok();
    }

    Status archive_failure(const std::string& action) const {
        if (write_errno_ != 0) return io_failure(display(), "cannot write", write_errno_);
        const std::string fallback = "unknown libarchive error";
        std::string reason = archive_ != nullptr ? archive_problem(archive_, fallback) : fallback;
        return Status::io_error(display() + ": " + action + ": " + reason);
    }

    void release_archive() {
        if (archive_ != nullptr) {
            archive_write_free(archive_);
            archive_ = nullptr;
        }
    }

    struct archive* archive_ = nullptr;
    BufferedFile file_;
    TargetPath target_;
    std::string temp_;  // non-empty while the temp file is ours to remove
    std::string entry_;
    bool to_stdout_ = false;
    bool compressed_ = false;
    bool discarding_ = false;
    bool finishing_entry_ = false;
    std::uint64_t zeros_to_drop_ = 0;  // bytes of the entry that the kernel copied
    int write_errno_ = 0;
};

}  // namespace

Status open_tar_sink(const std::string& display, const TargetPath& target, SinkFormat format,
                     TargetLock lock, std::unique_ptr<LayoutSink>& out) {
    struct stat info;
    if (::stat(target.path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
        return Status::usage(display + ": is a directory; expected a file name for a tar layout");
    }
    auto sink = std::make_unique<TarLayoutSink>(display);
    sink->hold(std::move(lock));
    if (Status status = sink->create_temp(target); !status) return status;
    if (Status status = sink->start(format); !status) return status;
    out = std::move(sink);
    return Status::ok();
}

Status open_tar_stdout(SinkFormat format, std::unique_ptr<LayoutSink>& out) {
    auto sink = std::make_unique<TarLayoutSink>("stdout");
    sink->use_stdout();
    if (Status status = sink->start(format); !status) return status;
    out = std::move(sink);
    return Status::ok();
}

}  // namespace ociwasm::detail
