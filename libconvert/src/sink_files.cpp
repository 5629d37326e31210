// Temporary names, target paths, the buffered file and directory syncs of sink_files.h.
#include "sink_files.h"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>
#include <system_error>
#include <utility>

#include "ociwasm/layout.h"

namespace ociwasm::detail {
namespace {

constexpr std::size_t kWriteBufferSize = kMiB;
// Dirty pages are handed to the disk every this many bytes, so that the fsync at commit has
// little left to wait for and the writeback overlaps with the rest of the pass.
constexpr std::uint64_t kWritebackChunk = 16 * kMiB;
constexpr std::size_t kTempSuffixLength = 12;
constexpr std::string_view kTempAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::string_view kLockSuffix = ".oci-wasm-lock";

std::string describe_errno(int err) {
    return std::generic_category().message(err);
}

std::string random_suffix() {
    std::random_device device;
    std::uniform_int_distribution<std::size_t> pick(0, kTempAlphabet.size() - 1);
    std::string suffix;
    for (std::size_t i = 0; i < kTempSuffixLength; ++i) suffix += kTempAlphabet[pick(device)];
    return suffix;
}

// ".<name>.tmp-<suffix>" or ".<name>.old-<suffix>", as made by temp_path.
bool looks_like_temp_name(std::string_view component) {
    constexpr std::size_t kMarkerLength = 5;  // ".tmp-" / ".old-"
    if (component.size() < 1 + kMarkerLength + kTempSuffixLength || component.front() != '.') {
        return false;
    }
    std::string_view marker =
        component.substr(component.size() - kTempSuffixLength - kMarkerLength, kMarkerLength);
    if (marker != ".tmp-" && marker != ".old-") return false;
    std::string_view suffix = component.substr(component.size() - kTempSuffixLength);
    return suffix.find_first_not_of(kTempAlphabet) == std::string_view::npos;
}

int fsync_path(const std::string& path, int flags) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | flags);
    if (fd < 0) return errno;
    int err = ::fsync(fd) == 0 ? 0 : errno;
    ::close(fd);
    return err;
}

// ".<name>.oci-wasm-lock", as made by lock_path.
bool looks_like_lock_name(std::string_view component) {
    return component.size() > 1 + kLockSuffix.size() && component.front() == '.' &&
           component.ends_with(kLockSuffix);
}

}  // namespace

Status io_failure(const std::string& file, std::string_view action, int err) {
    return Status::io_error(file + ": " + std::string(action) + ": " + describe_errno(err));
}

int sync_directory(const std::string& path) {
    return fsync_path(path, O_DIRECTORY);
}

int sync_filesystem(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno;
    int err = ::syncfs(fd) == 0 ? 0 : errno;
    ::close(fd);
    return err;
}

int sync_file(const std::string& path) {
    return fsync_path(path, O_NOFOLLOW);
}

Status parse_target(const std::string& given, TargetPath& out) {
    std::string path = given;
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    if (path.empty()) return Status::usage("output path is empty; expected a file or directory");
    if (path == "/") return Status::usage("/: refusing to replace the root directory");
    std::size_t slash = path.rfind('/');
    out.path = path;
    out.name = slash == std::string::npos ? path : path.substr(slash + 1);
    out.parent = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    if (out.name == "." || out.name == "..") {
        return Status::usage(given + ": expected a path naming the output itself, found \"" +
                             out.name + "\"");
    }
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        std::string_view component(path.data() + start, end - start);
        if (looks_like_temp_name(component)) {
            return Status::usage(given + ": \"" + std::string(component) +
                                 "\" is the temporary of an unfinished write; expected a real "
                                 "output path");
        }
        if (looks_like_lock_name(component)) {
            return Status::usage(given + ": \"" + std::string(component) +
                                 "\" is the lock file of a writer; expected a real output path");
        }
        start = end + 1;
    }
    return Status::ok();
}

std::string lock_path(const TargetPath& target) {
    return target.parent + "/." + target.name + std::string(kLockSuffix);
}

std::string temp_path(const TargetPath& target, std::string_view marker) {
    return target.parent + "/." + target.name + std::string(marker) + random_suffix();
}

Status make_temporary(const std::string& display, const TargetPath& target, std::string_view what,
                      const std::function<int(const std::string&)>& create, std::string& made) {
    for (int attempt = 0; attempt < 100; ++attempt) {
        std::string temp = temp_path(target, ".tmp-");
        int err = create(temp);
        if (err == 0) {
            made = std::move(temp);
            return Status::ok();
        }
        if (err != EEXIST) {
            return io_failure(display, "cannot create temporary " + std::string(what) + " " + temp,
                              err);
        }
    }
    return Status::io_error(display + ": cannot create a temporary " + std::string(what) + " in " +
                            target.parent + ": every name tried exists");
}

Status copy_through_buffer(int fd, std::uint64_t offset, std::uint64_t size,
                           const std::string& what,
                           const std::function<Status(const char*, std::size_t)>& write) {
    auto buffer = make_io_buffer(kWriteBufferSize);
    while (size > 0) {
        auto count = static_cast<std::size_t>(std::min<std::uint64_t>(size, kWriteBufferSize));
        ssize_t got = ::pread(fd, buffer.get(), count, static_cast<off_t>(offset));
        if (got < 0) {
            if (errno == EINTR) continue;
            return io_failure(what, "cannot read its bytes from the input", errno);
        }
        if (got == 0) return source_ended(what, size);
        if (Status status = write(buffer.get(), static_cast<std::size_t>(got)); !status) {
            return status;
        }
        offset += static_cast<std::uint64_t>(got);
        size -= static_cast<std::uint64_t>(got);
    }
    return Status::ok();
}

Status source_ended(const std::string& what, std::uint64_t missing) {
    return Status::io_error(what + ": the input ended " + std::to_string(missing) +
                            " bytes before the end of the blob; expected it to stay as it was "
                            "while being converted");
}

void BufferedFile::attach(int fd, bool owned) {
    close_quietly();
    fd_ = fd;
    owned_ = owned;
    used_ = 0;
    written_ = 0;
    writeback_start_ = 0;
    writeback_ = true;
    copy_file_range_works_ = true;
    sendfile_works_ = true;
    if (!buffer_) buffer_ = make_io_buffer(kWriteBufferSize);
}

int BufferedFile::write(const char* data, std::size_t size) {
    if (used_ + size > kWriteBufferSize) {
        if (int err = flush()) return err;
        // Large chunks skip the copy.
        if (size >= kWriteBufferSize) return write_all(data, size);
    }
    std::memcpy(buffer_.get() + used_, data, size);
    used_ += size;
    return 0;
}

int BufferedFile::copy_in_kernel(int from, std::uint64_t& offset, std::uint64_t& size) {
    if (int err = flush()) return err;
    // Each call stays within what both calls and off_t take, and returns to start_writeback.
    constexpr std::uint64_t kMaxCall = 64 * kMiB;
    while (size > 0 && (copy_file_range_works_ || sendfile_works_)) {
        auto count = static_cast<std::size_t>(std::min(size, kMaxCall));
        auto position = static_cast<off_t>(offset);
        ssize_t copied = copy_file_range_works_
                             ? ::copy_file_range(from, &position, fd_, nullptr, count, 0)
                             : ::sendfile(fd_, from, &position, count);
        if (copied < 0) {
            int err = errno;
            if (err == EINTR) continue;
            // Not for these two files (another filesystem, a pipe, an O_APPEND output, an old
            // kernel): the next way is tried. Any other error is the output's.
            bool refused = err == EXDEV || err == EINVAL || err == ENOSYS || err == EOPNOTSUPP ||
                           err == EBADF || err == ETXTBSY;
            if (!refused) return err;
            if (copy_file_range_works_) {
                copy_file_range_works_ = false;
            } else {
                sendfile_works_ = false;
            }
            continue;
        }
        if (copied == 0) return kSourceEnded;
        offset += static_cast<std::uint64_t>(copied);
        size -= static_cast<std::uint64_t>(copied);
        written_ += static_cast<std::uint64_t>(copied);
        start_writeback();
    }
    return 0;
}

int BufferedFile::flush() {
    if (used_ == 0) return 0;
    int err = write_all(buffer_.get(), used_);
    used_ = 0;
    return err;
}

int BufferedFile::sync() {
    return ::fsync(fd_) == 0 ? 0 : errno;
}

int BufferedFile::close() {
    int err = 0;
    if (owned_ && fd_ >= 0 && ::close(fd_) != 0) err = errno;
    fd_ = -1;
    used_ = 0;
    return err;
}

int BufferedFile::write_all(const char* data, std::size_t size) {
    while (size > 0) {
        ssize_t written = ::write(fd_, data, size);
        if (written < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        if (written == 0) return EIO;
        data += written;
        size -= static_cast<std::size_t>(written);
        written_ += static_cast<std::uint64_t>(written);
    }
    start_writeback();
    return 0;
}

void BufferedFile::start_writeback() {
    if (!writeback_ || written_ - writeback_start_ < kWritebackChunk) return;
    // Only a hint: pipes and some filesystems refuse it, then we stop asking.
    if (::sync_file_range(fd_, static_cast<off_t>(writeback_start_),
                          static_cast<off_t>(written_ - writeback_start_),
                          SYNC_FILE_RANGE_WRITE) != 0) {
        writeback_ = false;
    }
    writeback_start_ = written_;
}

}  // namespace ociwasm::detail
