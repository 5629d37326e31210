// Opening a layout tar (plain or watched by the GNU tar header walk) and naming its entries.
#include "tar_input.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

#include "layout_source_internal.h"

namespace ociwasm::detail {

std::string entry_name(archive_entry* entry) {
    const char* name = archive_entry_pathname(entry);
    if (name == nullptr) name = archive_entry_pathname_utf8(entry);
    return name != nullptr ? name : "";
}

Status not_a_tar(const std::string& name, archive* handle) {
    return Status::unreadable(name +
                              ": expected a tar archive (optionally gzip, bzip2, xz or zstd "
                              "compressed): " +
                              archive_message(handle));
}

Status open_archive(int fd, const std::string& name, ArchiveReader& out) {
    ArchiveReader handle;
    if (Status status = new_tar_reader(TarCompression::layout, handle); !status) {
        return Status::io_error(name + ": " + status.message());
    }
    if (archive_read_open_fd(handle.get(), fd, kReadChunkSize) != ARCHIVE_OK) {
        return not_a_tar(name, handle.get());
    }
    out = std::move(handle);
    return Status::ok();
}

Status WatchedTar::open(int fd, const std::string& name) {
    // Where the input is before libarchive reads it: a shell may hand over stdin part-way.
    off_t start = ::lseek(fd, 0, SEEK_CUR);
    if (Status status = new_decompressor(raw_); !status) {
        return Status::io_error(name + ": " + status.message());
    }
    fd_ = fd;
    input_buffer_ = make_io_buffer(kReadChunkSize);
    if (archive_read_open(raw_.get(), this, nullptr, &WatchedTar::read_input, nullptr) !=
        ARCHIVE_OK) {
        return not_a_tar(name, raw_.get());
    }
    archive_entry* stream = nullptr;
    int r = archive_read_next_header(raw_.get(), &stream);
    if (r == ARCHIVE_EOF) {
        ended_ = true;
    } else if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
        return not_a_tar(name, raw_.get());
    }
    if (Status status = new_tar_reader(TarCompression::none, tar_); !status) {
        return Status::io_error(name + ": " + status.message());
    }
    if (archive_read_open(tar_.get(), this, nullptr, &WatchedTar::read, nullptr) != ARCHIVE_OK) {
        return not_a_tar(name, tar_.get());
    }
    struct stat info {};
    if (start >= 0 && archive_filter_count(raw_.get()) == 1 &&
        archive_filter_code(raw_.get(), 0) == ARCHIVE_FILTER_NONE && ::fstat(fd, &info) == 0 &&
        S_ISREG(info.st_mode)) {
        stored_base_ = start;
    }
    return Status::ok();
}

std::int64_t WatchedTar::stored_data_offset() const {
    if (stored_base_ < 0) return -1;
    return stored_base_ + archive_filter_bytes(tar_.get(), 0);
}

la_ssize_t WatchedTar::read_input(archive* raw, void* client, const void** buffer) {
    auto* self = static_cast<WatchedTar*>(client);
    for (;;) {
        ssize_t n = ::read(self->fd_, self->input_buffer_.get(), kReadChunkSize);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            archive_set_error(raw, errno, "read failed: %s", std::strerror(errno));
            return -1;
        }
        *buffer = self->input_buffer_.get();
        return n;
    }
}

la_ssize_t WatchedTar::read(archive* tar, void* client, const void** buffer) {
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
        archive_set_error(tar, EIO, "%s", archive_message(self->raw_.get()).c_str());
        return -1;
    }
    self->walk_.feed(static_cast<const char*>(*buffer), size);
    return static_cast<la_ssize_t>(size);
}

DataRead read_entry_data(archive* handle, archive_entry* entry,
                         const std::function<Status(const char*, std::size_t)>& fn) {
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

}  // namespace ociwasm::detail
