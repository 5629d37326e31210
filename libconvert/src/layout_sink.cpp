// LayoutSink: writes an OCI image layout as a directory or a (compressed) tar. Deterministic:
// fixed entry metadata, directories before their files, small files sorted at commit.
// Atomic: everything goes to a temp file or dir beside the target, renamed over it at commit.
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "ociwasm/layout.h"

namespace ociwasm {
namespace {

constexpr std::size_t kWriteBufferSize = kMiB;
// Dirty pages are handed to the disk every this many bytes, so that the fsync at commit has
// little left to wait for and the writeback overlaps with the rest of the pass.
constexpr std::uint64_t kWritebackChunk = 16 * kMiB;
constexpr std::size_t kTempSuffixLength = 12;
constexpr std::string_view kTempAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

std::string describe_errno(int err) {
    return std::generic_category().message(err);
}

Status io_failure(const std::string& file, std::string_view action, int err) {
    return Status::io_error(file + ": " + std::string(action) + ": " + describe_errno(err));
}

std::string random_suffix() {
    std::random_device device;
    std::uniform_int_distribution<std::size_t> pick(0, kTempAlphabet.size() - 1);
    std::string suffix;
    for (std::size_t i = 0; i < kTempSuffixLength; ++i) suffix += kTempAlphabet[pick(device)];
    return suffix;
}

// ".<name>.tmp-<suffix>" or ".<name>.old-<suffix>", as made by temp_path below.
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

// An entry path inside the layout: relative, '/'-separated, no empty, "." or ".." components,
// printable ASCII (all a layout needs; other bytes would depend on the locale in tar headers).
bool is_clean_relative_path(std::string_view path) {
    if (path.empty()) return false;
    for (char c : path) {
        if (c < 0x21 || c > 0x7e) return false;
    }
    std::size_t start = 0;
    while (true) {
        std::size_t slash = path.find('/', start);
        std::string_view component = path.substr(start, slash - start);
        if (component.empty() || component == "." || component == "..") return false;
        if (slash == std::string_view::npos) return true;
        start = slash + 1;
    }
}

// The proper prefixes of `path` that are directories: "a/b/c" -> "a", "a/b".
std::vector<std::string> parent_directories(const std::string& path) {
    std::vector<std::string> parents;
    for (std::size_t slash = path.find('/'); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
        parents.push_back(path.substr(0, slash));
    }
    return parents;
}

// Makes a directory's entries (creations, renames) durable. Returns 0 or errno.
int sync_directory(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno;
    int err = ::fsync(fd) == 0 ? 0 : errno;
    ::close(fd);
    return err;
}

struct TargetPath {
    std::string path;    // as given, trailing slashes removed
    std::string parent;  // where the temp goes
    std::string name;    // last component
};

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
        start = end + 1;
    }
    return Status::ok();
}

std::string temp_path(const TargetPath& target, std::string_view marker) {
    return target.parent + "/." + target.name + std::string(marker) + random_suffix();
}

// A file descriptor with a large write buffer. Returns errno values, not Status, so that its
// owner can name the file the user knows (the target) rather than the temp.
class BufferedFile {
  public:
    BufferedFile() = default;
    ~BufferedFile() { close_quietly(); }
    BufferedFile(const BufferedFile&) = delete;
    BufferedFile& operator=(const BufferedFile&) = delete;

    void attach(int fd, bool owned) {
        close_quietly();
        fd_ = fd;
        owned_ = owned;
        used_ = 0;
        written_ = 0;
        writeback_start_ = 0;
        writeback_ = true;
        if (!buffer_) buffer_ = std::make_unique_for_overwrite<char[]>(kWriteBufferSize);
    }

    int write(const char* data, std::size_t size) {
        if (used_ + size > kWriteBufferSize) {
            if (int err = flush()) return err;
            // Large chunks skip the copy.
            if (size >= kWriteBufferSize) return write_all(data, size);
        }
        std::memcpy(buffer_.get() + used_, data, size);
        used_ += size;
        return 0;
    }

    int flush() {
        if (used_ == 0) return 0;
        int err = write_all(buffer_.get(), used_);
        used_ = 0;
        return err;
    }

    int sync() { return ::fsync(fd_) == 0 ? 0 : errno; }

    int close() {
        int err = 0;
        if (owned_ && fd_ >= 0 && ::close(fd_) != 0) err = errno;
        fd_ = -1;
        used_ = 0;
        return err;
    }

    void close_quietly() { close(); }

  private:
    int write_all(const char* data, std::size_t size) {
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

    void start_writeback() {
        if (!writeback_ || written_ - writeback_start_ < kWritebackChunk) return;
        // Only a hint: pipes and some filesystems refuse it, then we stop asking.
        if (::sync_file_range(fd_, static_cast<off_t>(writeback_start_),
                              static_cast<off_t>(written_ - writeback_start_),
                              SYNC_FILE_RANGE_WRITE) != 0) {
            writeback_ = false;
        }
        writeback_start_ = written_;
    }

    int fd_ = -1;
    bool owned_ = false;
    std::unique_ptr<char[]> buffer_;
    std::size_t used_ = 0;
    std::uint64_t written_ = 0;
    std::uint64_t writeback_start_ = 0;
    bool writeback_ = true;
};

// The call protocol, path checks and ordering, shared by both formats. Subclasses only write
// entries; any failure removes everything (fail -> discard).
class SinkBase : public LayoutSink {
  public:
    Status begin_blob(const std::string& path, std::uint64_t size) final {
        if (Status status = check_usable(); !status) return status;
        if (streaming_) {
            return fail(Status::usage(display_ + ": begin_blob(" + path + ") while " + current_ +
                                      " is still being written; expected end_blob first"));
        }
        if (streamed_.count(path) != 0 || pending_.count(path) != 0) {
            return fail(Status::invalid(display_ + ": " + path +
                                        " is written twice; expected each path once"));
        }
        if (Status status = check_new_path(path); !status) return fail(status);
        record_path(path);
        streamed_.insert(path);
        if (Status status = write_parents(path); !status) return fail(status);
        if (Status status = open_entry(path, size); !status) return fail(status);
        streaming_ = true;
        current_ = path;
        declared_ = size;
        received_ = 0;
        return Status::ok();
    }

    Status blob_data(const char* data, std::size_t size) final {
        if (Status status = check_usable(); !status) return status;
        if (!streaming_) {
            return fail(Status::usage(display_ + ": blob_data without begin_blob"));
        }
        if (size > declared_ - received_) {
            return fail(Status::invalid(display_ + ": " + current_ + ": declared size " +
                                        std::to_string(declared_) + " bytes, got at least " +
                                        std::to_string(received_ + size)));
        }
        if (Status status = write_entry(data, size); !status) return fail(status);
        received_ += size;
        return Status::ok();
    }

    Status end_blob() final {
        if (Status status = check_usable(); !status) return status;
        if (!streaming_) return fail(Status::usage(display_ + ": end_blob without begin_blob"));
        if (received_ != declared_) {
            return fail(Status::invalid(display_ + ": " + current_ + ": declared size " +
                                        std::to_string(declared_) + " bytes, got " +
                                        std::to_string(received_)));
        }
        if (Status status = close_entry(); !status) return fail(status);
        streaming_ = false;
        return Status::ok();
    }

    Status put_file(const std::string& path, std::string_view bytes) final {
        if (Status status = check_usable(); !status) return status;
        if (streamed_.count(path) != 0) {
            return fail(Status::invalid(display_ + ": " + path +
                                        " was already written as a streamed blob; expected "
                                        "put_file only for paths not streamed"));
        }
        if (auto found = pending_.find(path); found != pending_.end()) {
            if (found->second == bytes) return Status::ok();
            return fail(Status::invalid(display_ + ": " + path +
                                        " given twice with different content (" +
                                        std::to_string(found->second.size()) + " bytes, then " +
                                        std::to_string(bytes.size()) + " bytes)"));
        }
        if (Status status = check_new_path(path); !status) return fail(status);
        record_path(path);
        pending_.emplace(path, std::string(bytes));
        return Status::ok();
    }

    Status commit() final {
        if (Status status = check_usable(); !status) return status;
        if (streaming_) {
            return fail(Status::usage(display_ + ": commit while " + current_ +
                                      " is still being written; expected end_blob first"));
        }
        // A layout has blobs/ even when it holds no blob (image-layout.md). Written first, it
        // keeps the sorted order: "blobs/" sorts before "index.json" and "oci-layout".
        if (written_directories_.count("blobs") == 0 && files_.count("blobs") == 0) {
            if (Status status = add_directory("blobs"); !status) return fail(status);
            written_directories_.insert("blobs");
            directories_.insert("blobs");
        }
        for (const auto& [path, bytes] : pending_) {
            if (Status status = write_parents(path); !status) return fail(status);
            if (Status status = open_entry(path, bytes.size()); !status) return fail(status);
            if (Status status = write_entry(bytes.data(), bytes.size()); !status) {
                return fail(status);
            }
            if (Status status = close_entry(); !status) return fail(status);
        }
        if (Status status = finish(); !status) return fail(status);
        state_ = State::committed;
        pending_.clear();
        return Status::ok();
    }

    void abort() final {
        if (state_ != State::open) return;
        state_ = State::aborted;
        discard();
    }

  protected:
    explicit SinkBase(std::string display) : display_(std::move(display)) {}

    const std::string& display() const { return display_; }

    // A directory entry, called once per directory before the first file inside it.
    virtual Status add_directory(const std::string& dir) = 0;
    virtual Status open_entry(const std::string& path, std::uint64_t size) = 0;
    virtual Status write_entry(const char* data, std::size_t size) = 0;
    virtual Status close_entry() = 0;
    // All entries are written: make them durable and move the result into place.
    virtual Status finish() = 0;
    // Removes whatever was written; safe at any point, called at most once. Subclass destructors
    // call abort() themselves, since the base destructor can no longer reach discard().
    virtual void discard() = 0;

  private:
    enum class State { open, failed, committed, aborted };

    Status check_usable() const {
        switch (state_) {
            case State::open:
                return Status::ok();
            case State::failed:
                return failure_;
            case State::committed:
                return Status::usage(display_ + ": the layout is already committed");
            case State::aborted:
                break;
        }
        return Status::usage(display_ + ": the layout was aborted");
    }

    Status fail(Status status) {
        if (state_ == State::open) {
            state_ = State::failed;
            failure_ = status;
            discard();
        }
        return status;
    }

    // A path may not be a file and a directory at once.
    Status check_new_path(const std::string& path) const {
        if (!is_clean_relative_path(path)) {
            return Status::invalid(display_ + ": entry path \"" + path +
                                   "\" is not a clean relative path of printable ASCII; "
                                   "expected e.g. blobs/sha256/<hex>");
        }
        if (directories_.count(path) != 0) {
            return Status::invalid(display_ + ": " + path +
                                   " is already a directory; expected a file path");
        }
        for (const std::string& parent : parent_directories(path)) {
            if (files_.count(parent) != 0) {
                return Status::invalid(display_ + ": " + parent + " is already a file; expected " +
                                       "a directory to hold " + path);
            }
        }
        return Status::ok();
    }

    void record_path(const std::string& path) {
        files_.insert(path);
        for (std::string& parent : parent_directories(path)) directories_.insert(std::move(parent));
    }

    Status write_parents(const std::string& path) {
        for (std::string& parent : parent_directories(path)) {
            if (written_directories_.count(parent) != 0) continue;
            if (Status status = add_directory(parent); !status) return status;
            written_directories_.insert(std::move(parent));
        }
        return Status::ok();
    }

    std::string display_;
    State state_ = State::open;
    Status failure_;
    std::set<std::string> files_;        // streamed and pending
    std::set<std::string> directories_;  // implied by files_
    std::set<std::string> written_directories_;
    std::set<std::string> streamed_;
    std::map<std::string, std::string> pending_;  // sorted: written in this order at commit
    bool streaming_ = false;
    std::string current_;
    std::uint64_t declared_ = 0;
    std::uint64_t received_ = 0;
};

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
        for (int attempt = 0; attempt < 100; ++attempt) {
            std::string temp = temp_path(target, ".tmp-");
            int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
            if (fd >= 0) {
                temp_ = temp;
                file_.attach(fd, true);
                return Status::ok();
            }
            if (int err = errno; err != EEXIST) {
                return io_failure(display(), "cannot create temporary file " + temp, err);
            }
        }
        return Status::io_error(display() + ": cannot create a temporary file in " + target.parent +
                                ": every name tried exists");
    }

    void use_stdout() {
        to_stdout_ = true;
        file_.attach(STDOUT_FILENO, false);
    }

    Status start(SinkFormat format) {
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

    Status close_entry() override {
        if (archive_write_finish_entry(archive_) != ARCHIVE_OK) {
            return archive_failure("cannot finish " + entry_);
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
        if (int err = self->file_.write(static_cast<const char*>(buffer), length)) {
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
        const char* reason = archive_ != nullptr ? archive_error_string(archive_) : nullptr;
        return Status::io_error(display() + ": " + action + ": " +
                                (reason != nullptr ? reason : "unknown libarchive error"));
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
    bool discarding_ = false;
    int write_errno_ = 0;
};

// An existing directory may be replaced only when it is empty or holds a layout, so that a
// mistyped OUT cannot wipe an unrelated tree.
Status check_replaceable_directory(const std::string& display, const std::string& path) {
    struct stat info;
    if (::stat(path.c_str(), &info) != 0) {
        int err = errno;
        return err == ENOENT ? Status::ok() : io_failure(display, "cannot inspect", err);
    }
    if (!S_ISDIR(info.st_mode)) {
        return Status::usage(display +
                             ": exists and is not a directory; expected a directory (or nothing) "
                             "to write a directory layout to");
    }
    std::string marker = path + "/oci-layout";
    if (::lstat(marker.c_str(), &info) == 0) return Status::ok();
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) {
        int err = errno;
        return io_failure(display, "cannot read directory", err);
    }
    bool empty = true;
    while (const dirent* entry = ::readdir(dir)) {
        std::string_view name = entry->d_name;
        if (name != "." && name != "..") {
            empty = false;
            break;
        }
    }
    ::closedir(dir);
    if (!empty) {
        return Status::usage(display +
                             ": exists and is not an OCI layout (no oci-layout file); expected an "
                             "empty directory or a layout to replace");
    }
    return Status::ok();
}

class DirectoryLayoutSink final : public SinkBase {
  public:
    explicit DirectoryLayoutSink(std::string display) : SinkBase(std::move(display)) {}
    ~DirectoryLayoutSink() override { abort(); }

    Status create_temp(const TargetPath& target) {
        target_ = target;
        for (int attempt = 0; attempt < 100; ++attempt) {
            std::string temp = temp_path(target, ".tmp-");
            if (::mkdir(temp.c_str(), 0755) == 0) {
                temp_ = temp;
                directories_.push_back(temp);
                // The umask must not change the layout's modes.
                if (::chmod(temp.c_str(), 0755) != 0) {
                    int err = errno;
                    return io_failure(display(), "cannot set the mode of " + temp, err);
                }
                return Status::ok();
            }
            if (int err = errno; err != EEXIST) {
                return io_failure(display(), "cannot create temporary directory " + temp, err);
            }
        }
        return Status::io_error(display() + ": cannot create a temporary directory in " +
                                target.parent + ": every name tried exists");
    }

  protected:
    Status add_directory(const std::string& dir) override {
        std::string path = temp_ + "/" + dir;
        if (::mkdir(path.c_str(), 0755) != 0) {
            int err = errno;
            return io_failure(display() + "/" + dir, "cannot create directory", err);
        }
        directories_.push_back(path);
        if (::chmod(path.c_str(), 0755) != 0) {
            int err = errno;
            return io_failure(display() + "/" + dir, "cannot set mode", err);
        }
        return Status::ok();
    }

    Status open_entry(const std::string& path, std::uint64_t) override {
        entry_ = path;
        std::string full = temp_ + "/" + path;
        int fd = ::open(full.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) {
            int err = errno;
            return io_failure(entry_display(), "cannot create", err);
        }
        file_.attach(fd, true);
        if (::fchmod(fd, 0644) != 0) {
            int err = errno;
            return io_failure(entry_display(), "cannot set mode", err);
        }
        return Status::ok();
    }

    Status write_entry(const char* data, std::size_t size) override {
        if (int err = file_.write(data, size)) {
            return io_failure(entry_display(), "cannot write", err);
        }
        return Status::ok();
    }

    Status close_entry() override {
        if (int err = file_.flush()) return io_failure(entry_display(), "cannot write", err);
        if (int err = file_.sync()) return io_failure(entry_display(), "cannot sync to disk", err);
        if (int err = file_.close()) return io_failure(entry_display(), "cannot close", err);
        return Status::ok();
    }

    Status finish() override {
        for (auto dir = directories_.rbegin(); dir != directories_.rend(); ++dir) {
            if (int err = sync_directory(*dir)) {
                return io_failure(display(), "cannot sync " + *dir + " to disk", err);
            }
        }
        if (Status status = move_into_place(); !status) return status;
        // Best effort: the layout is in place, a failure here only weakens crash durability.
        sync_directory(target_.parent);
        return Status::ok();
    }

    void discard() override {
        file_.close_quietly();
        if (!temp_.empty()) {
            std::error_code ignored;
            std::filesystem::remove_all(temp_, ignored);
            temp_.clear();
        }
    }

  private:
    std::string entry_display() const { return display() + "/" + entry_; }

    // Exchanges the temp dir with an existing target in one step, so that readers see either
    // the old layout or the new one, never a mix or nothing.
    Status move_into_place() {
        struct stat info;
        const char* from = temp_.c_str();
        const char* to = target_.path.c_str();
        if (::lstat(to, &info) != 0) {
            int lstat_err = errno;
            if (lstat_err != ENOENT) return io_failure(display(), "cannot inspect", lstat_err);
            if (::rename(from, to) != 0) {
                int err = errno;
                return io_failure(display(), "cannot rename " + temp_ + " into place", err);
            }
            temp_.clear();
            return Status::ok();
        }
        if (::renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_EXCHANGE) == 0) {
            std::string old_tree = std::move(temp_);
            temp_.clear();
            remove_quietly(old_tree);
            return Status::ok();
        }
        if (int err = errno; err != EINVAL && err != ENOSYS && err != ENOTSUP) {
            return io_failure(display(), "cannot exchange " + temp_ + " with the target", err);
        }
        // The filesystem cannot exchange: move the old tree aside first (a short window
        // without a target).
        std::string old_tree = temp_path(target_, ".old-");
        if (::rename(target_.path.c_str(), old_tree.c_str()) != 0) {
            int err = errno;
            return io_failure(display(), "cannot move the old layout aside to " + old_tree, err);
        }
        if (::rename(temp_.c_str(), target_.path.c_str()) != 0) {
            int err = errno;
            ::rename(old_tree.c_str(), target_.path.c_str());
            return io_failure(display(), "cannot rename " + temp_ + " into place", err);
        }
        temp_.clear();
        remove_quietly(old_tree);
        return Status::ok();
    }

    // The new layout is already in place: leftovers of the old one are not worth a failure.
    static void remove_quietly(const std::string& path) {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }

    TargetPath target_;
    std::string temp_;                      // non-empty while the temp dir is ours to remove
    std::vector<std::string> directories_;  // created, in creation order (synced at finish)
    std::string entry_;
    BufferedFile file_;
};

bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

SinkFormat sink_format_for_path(std::string_view path) {
    if (path == "-" || ends_with(path, ".tar")) return SinkFormat::tar;
    if (ends_with(path, ".tar.gz") || ends_with(path, ".tgz")) return SinkFormat::tar_gz;
    if (ends_with(path, ".tar.zst")) return SinkFormat::tar_zst;
    return SinkFormat::directory;
}

Status open_layout_sink(const std::string& path, SinkFormat format,
                        std::unique_ptr<LayoutSink>& out) {
    out.reset();
    if (path == "-") {
        if (format == SinkFormat::directory) {
            return Status::usage("-: cannot write a directory layout to stdout; expected tar");
        }
        auto sink = std::make_unique<TarLayoutSink>("stdout");
        sink->use_stdout();
        if (Status status = sink->start(format); !status) return status;
        out = std::move(sink);
        return Status::ok();
    }
    TargetPath target;
    if (Status status = parse_target(path, target); !status) return status;
    if (format == SinkFormat::directory) {
        if (Status status = check_replaceable_directory(path, target.path); !status) {
            return status;
        }
        auto sink = std::make_unique<DirectoryLayoutSink>(path);
        if (Status status = sink->create_temp(target); !status) return status;
        out = std::move(sink);
        return Status::ok();
    }
    struct stat info;
    if (::stat(target.path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
        return Status::usage(path + ": is a directory; expected a file name for a tar layout");
    }
    auto sink = std::make_unique<TarLayoutSink>(path);
    if (Status status = sink->create_temp(target); !status) return status;
    if (Status status = sink->start(format); !status) return status;
    out = std::move(sink);
    return Status::ok();
}

void ignore_sigxfsz() {
    struct sigaction action {};
    action.sa_handler = SIG_IGN;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGXFSZ, &action, nullptr);
}

}  // namespace ociwasm
