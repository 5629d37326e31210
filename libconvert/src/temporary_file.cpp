#include "temporary_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "io_buffer.h"
namespace ociwasm::detail {
namespace {

// Appended bytes are written out in pieces of this size: one system call per many small blobs.
constexpr std::size_t kSpillBuffer = 256 * 1024;

// $TMPDIR, or /tmp when it is unset or empty.
std::string temporary_directory() {
    const char* dir = std::getenv("TMPDIR");
    return dir != nullptr && *dir != '\0' ? dir : "/tmp";
}

}  // namespace

int open_unnamed_temporary(const std::string& purpose) {
    std::string dir = temporary_directory();
    int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) return fd;
    std::string path = dir + "/.ociwasm-" + purpose + "-XXXXXX";
    fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd >= 0) ::unlink(path.c_str());
    return fd;
}

bool write_all_at(int fd, const char* data, std::size_t size, std::uint64_t offset) {
    while (size > 0) {
        ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
        offset += static_cast<std::uint64_t>(n);
    }
    return true;
}

bool read_all_at(int fd, char* data, std::size_t size, std::uint64_t offset) {
    while (size > 0) {
        ssize_t n = ::pread(fd, data, size, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = 0;
            return false;
        }
        data += n;
        size -= static_cast<std::size_t>(n);
        offset += static_cast<std::uint64_t>(n);
    }
    return true;
}

std::unique_ptr<SpillFile> SpillFile::create(std::uint64_t budget) {
    int fd = open_unnamed_temporary("spill");
    if (fd < 0) return nullptr;
    return std::unique_ptr<SpillFile>(new SpillFile(fd, budget));
}

SpillFile::~SpillFile() {
    ::close(fd_);
}

bool SpillFile::append(const char* data, std::size_t size) {
    if (!failure_.empty() || size > budget_ - end_) return false;
    buffer_.append(data, size);
    end_ += size;
    return buffer_.size() < kSpillBuffer || flush();
}

// A failed write loses the buffered bytes of blobs already appended: read() then says why.
bool SpillFile::flush() {
    if (buffer_.empty() || !failure_.empty()) return failure_.empty();
    if (!write_all_at(fd_, buffer_.data(), buffer_.size(), written_)) {
        failure_ = errno != 0 ? std::strerror(errno) : "a short write";
        end_ = written_;
        std::string().swap(buffer_);
        return false;
    }
    written_ += buffer_.size();
    buffer_.clear();
    return true;
}

void SpillFile::truncate_to(std::uint64_t offset) {
    if (offset >= end_) return;
    if (offset >= written_) {
        buffer_.resize(static_cast<std::size_t>(offset - written_));
    } else {
        buffer_.clear();
        written_ = offset;  // later writes go over the forgotten bytes
    }
    end_ = offset;
}

void SpillFile::finish_writing() {
    flush();
    std::string().swap(buffer_);
}

Status SpillFile::read(std::uint64_t offset, std::uint64_t size, const std::string& what,
                       const std::function<Status(const char*, std::size_t)>& fn) const {
    if (!written(offset, size)) {
        return Status::io_error(what + ": cannot read it again: its bytes did not reach the " +
                                "temporary file they were moved to during the pass" +
                                (failure_.empty() ? std::string() : " (" + failure_ + ")"));
    }
    auto capacity = static_cast<std::size_t>(std::min<std::uint64_t>(size, kSpillBuffer));
    IoBuffer chunk = make_io_buffer(capacity);
    for (std::uint64_t done = 0; done < size;) {
        auto want = static_cast<std::size_t>(std::min<std::uint64_t>(size - done, capacity));
        if (!read_all_at(fd_, chunk.get(), want, offset + done)) {
            return Status::io_error(what + ": cannot read it again from the temporary file it " +
                                    "was moved to during the pass: " +
                                    (errno != 0 ? std::strerror(errno) : "the file got shorter"));
        }
        if (Status status = fn(chunk.get(), want); !status) return status;
        done += want;
    }
    return Status::ok();
}

std::unique_ptr<Spill> Spill::create(std::uint64_t budget, unsigned files) {
    files = std::clamp(files, 1u, 16u);
    budget = std::min<std::uint64_t>(budget, std::uint64_t{4} << 30);
    auto spill = std::make_unique<Spill>();
    for (unsigned i = 0; i < files; ++i) {
        // Each file's offsets fit the index's 32 bits.
        auto file = SpillFile::create(std::min<std::uint64_t>(budget / files, 0xffffffffu));
        if (!file) return nullptr;
        spill->files_.push_back(std::move(file));
    }
    return spill;
}

void Spill::add(std::string_view path, unsigned file, std::uint64_t offset, std::uint64_t size) {
    if (size > kMaxBlob || offset > 0xffffffffu || file >= files_.size()) return;
    entries_.push_back(
        {std::hash<std::string_view>{}(path), (std::uint64_t{file} << 60) | (offset << 28) | size});
}

void Spill::finish_writing() {
    for (auto& file : files_) file->finish_writing();
    index_by_path_hash(entries_);
}

const Spill::Entry* Spill::find(std::string_view path) const {
    const Entry* entry = find_by_path_hash(entries_, path);
    if (entry == nullptr) return nullptr;
    Location at = location(*entry);
    return files_[at.file]->written(at.offset, at.size) ? entry : nullptr;
}

bool Spill::holds(std::string_view path) const {
    return find(path) != nullptr;
}

std::optional<Status> Spill::read(std::string_view path, const std::string& what,
                                  const std::function<Status(const char*, std::size_t)>& fn) const {
    const Entry* entry = find(path);
    if (entry == nullptr) return std::nullopt;
    Location at = location(*entry);
    return files_[at.file]->read(at.offset, at.size, what, fn);
}

}  // namespace ociwasm::detail
