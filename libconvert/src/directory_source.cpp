// A layout stored as a directory. Every file is opened without following symlinks and checked
// with fstat to be a regular file, so a layout cannot make us read outside itself. Without an
// observer, blobs are hashed on several threads; with one, they stream in sorted order.
#include <dirent.h>
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
#include <utility>
#include <vector>

#include "io_buffer.h"
#include "layout_source_internal.h"
#include "ociwasm/finding_codes.h"
#include "ociwasm/layout.h"
#include "parallel.h"

namespace ociwasm {
namespace {

using detail::kReadChunkSize;

// Closes a descriptor when it goes out of scope.
class FileDescriptor {
  public:
    FileDescriptor() = default;
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() { reset(); }
    FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    FileDescriptor& operator=(FileDescriptor&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;

    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    void reset() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

  private:
    int fd_ = -1;
};

std::string describe_mode(mode_t mode) {
    if (S_ISLNK(mode)) return "a symbolic link";
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISSOCK(mode)) return "a socket";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISREG(mode)) return "a regular file";
    return "an unknown kind of file";
}

void add_not_regular(Findings& findings, const std::string& file, const std::string& found) {
    findings.error(codes::kLayoutNotRegularFile,
                   file + ": expected a regular file, found " + found +
                       " (layout files are never followed through links)",
                   file);
}

enum class OpenResult { opened, missing, not_regular, failed };

// A name the scan listed and then could not find: the layout changed while it was read (another
// process replaced it). An error of the input, never a blob the layout lacks.
Status vanished(const std::string& shown) {
    return Status::io_error(shown +
                            ": listed, then gone when opened; expected the layout to stay "
                            "unchanged while it is read");
}

// Opens `name` under `dir_fd` as a regular file without following a final symlink. O_NONBLOCK
// keeps a FIFO from blocking the open; fstat then tells what the name really is. The flag stays:
// it means nothing for a regular file (open(2)), and clearing it cost two system calls per blob
// in a layout of small files. A filesystem that does answer EAGAIN gets it cleared then
// (read_retrying).
OpenResult open_regular(int dir_fd, const char* name, FileDescriptor& out, std::string& found,
                        struct stat& info) {
    int fd = ::openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        int error = errno;
        if (error == ENOENT) return OpenResult::missing;
        if (error == ELOOP || error == EMLINK) {
            found = "a symbolic link";
            return OpenResult::not_regular;
        }
        found = std::strerror(error);
        return OpenResult::failed;
    }
    out = FileDescriptor(fd);
    if (::fstat(fd, &info) != 0) {
        found = std::strerror(errno);
        return OpenResult::failed;
    }
    if (!S_ISREG(info.st_mode)) {
        found = describe_mode(info.st_mode);
        return OpenResult::not_regular;
    }
    return OpenResult::opened;
}

OpenResult open_directory(int dir_fd, const char* name, FileDescriptor& out, std::string& found) {
    int fd = ::openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int error = errno;
        if (error == ENOENT) return OpenResult::missing;
        if (error == ELOOP || error == ENOTDIR) {
            struct stat info {};
            found = ::fstatat(dir_fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0
                        ? describe_mode(info.st_mode)
                        : std::string("not a directory");
            return OpenResult::not_regular;
        }
        found = std::strerror(error);
        return OpenResult::failed;
    }
    out = FileDescriptor(fd);
    return OpenResult::opened;
}

// Hands each name in a directory, except "." and "..", to `fn`, in the order readdir gives.
template <typename Fn>
Status for_each_name(int dir_fd, const std::string& shown, Fn&& fn) {
    int copy = ::dup(dir_fd);
    if (copy < 0) return Status::io_error(shown + ": cannot list: " + std::strerror(errno));
    DIR* dir = ::fdopendir(copy);
    if (dir == nullptr) {
        int error = errno;
        ::close(copy);
        return Status::io_error(shown + ": cannot list: " + std::strerror(error));
    }
    ::rewinddir(dir);
    errno = 0;
    while (struct dirent* entry = ::readdir(dir)) {
        std::string_view name = entry->d_name;
        if (name != "." && name != "..") fn(name);
        errno = 0;
    }
    int error = errno;
    ::closedir(dir);
    if (error != 0) return Status::io_error(shown + ": cannot list: " + std::strerror(error));
    return Status::ok();
}

// Names in a directory, sorted, without "." and "..".
Status list_directory(int dir_fd, const std::string& shown, std::vector<std::string>& names) {
    Status status =
        for_each_name(dir_fd, shown, [&names](std::string_view name) { names.emplace_back(name); });
    std::sort(names.begin(), names.end());
    return status;
}

// read(2) that retries EINTR, and EAGAIN after clearing the O_NONBLOCK of open_regular.
ssize_t read_retrying(int fd, char* buffer, std::size_t size) {
    for (;;) {
        ssize_t n = ::read(fd, buffer, size);
        if (n >= 0) return n;
        if (errno == EINTR) continue;
        if (errno != EAGAIN) return -1;
        int flags = ::fcntl(fd, F_GETFL);
        if (flags < 0 || (flags & O_NONBLOCK) == 0 ||
            ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
            errno = EAGAIN;
            return -1;
        }
    }
}

Status read_small_file(int fd, const std::string& shown, std::string& out) {
    char buffer[64 * 1024];
    for (;;) {
        ssize_t n = read_retrying(fd, buffer, sizeof buffer);
        if (n < 0) return Status::io_error(shown + ": read failed: " + std::strerror(errno));
        if (n == 0) return Status::ok();
        out.append(buffer, static_cast<std::size_t>(n));
    }
}

// Streams an open regular file of `size` bytes (as fstat said) through `fn` in chunks of up to
// `capacity` bytes (the size of `buffer`). A short read that reaches `size` is the end: a regular
// file reads short only there, and the read that would return 0 cost a system call per blob in a
// layout of small files. A file that grew since fstat reads on to its real end.
template <typename Fn>
Status stream_file(int fd, std::uint64_t size, const std::string& shown, char* buffer,
                   std::size_t capacity, Fn&& fn) {
    if (size > kReadChunkSize) ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    std::uint64_t total = 0;
    for (;;) {
        ssize_t n = read_retrying(fd, buffer, capacity);
        if (n < 0) return Status::io_error(shown + ": read failed: " + std::strerror(errno));
        if (n == 0) return Status::ok();
        total += static_cast<std::uint64_t>(n);
        if (Status status = fn(buffer, static_cast<std::size_t>(n)); !status) return status;
        if (static_cast<std::size_t>(n) < capacity && total == size) return Status::ok();
    }
}

// One blob of the store to hash; jobs run in batches, so that 200,000 blobs do not each carry
// their findings and status at once.
struct BlobJob {
    BlobRecord* record = nullptr;
    Findings findings;
    Status status;
    bool present = false;                     // still a regular file when opened
    std::optional<std::uint64_t> spilled_at;  // in spill file `spill_file`
    unsigned spill_file = 0;
};

// Blobs hashed per batch of jobs.
constexpr std::size_t kJobBatch = 4096;

class DirectoryLayoutSource : public LayoutSource {
  public:
    explicit DirectoryLayoutSource(std::string dir) : dir_(std::move(dir)) {}

    const std::string& name() const override { return dir_; }
    bool can_reread() const override { return true; }
    bool can_reread_in_parallel() const override { return true; }

    Status scan(const ScanOptions& options, LayoutScan& out) override {
        has_blobs_dir_ = false;
        FileDescriptor root(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!root.valid()) {
            return Status::io_error(dir_ + ": cannot open directory: " + std::strerror(errno));
        }
        if (Status status =
                read_top_level(root.get(), "oci-layout", options, out.oci_layout, out.findings);
            !status) {
            return status;
        }
        if (Status status =
                read_top_level(root.get(), "index.json", options, out.index_json, out.findings);
            !status) {
            return status;
        }
        if (out.index_json && options.index_json_read) options.index_json_read(*out.index_json);

        // One algorithm directory at a time: its blobs are listed and hashed, then it is closed,
        // so the scan holds a bounded number of descriptors whatever the layout holds.
        Findings hashed;  // the blobs' own findings, after every listing finding as before
        detail::KeptBudget budget(options.rereadable_kept_budget);
        // What the budget cannot keep is read again from a spill file, one read instead of an
        // open by name, a stat, a read and a close: one file per hashing thread.
        spill_.reset();
        if (options.spill_budget > 0 && options.observer == nullptr) {
            spill_ = detail::Spill::create(options.spill_budget,
                                           detail::parallel_threads(kJobBatch, options.threads));
        }
        auto hash_directory = [&](int dir_fd, std::size_t first) -> Status {
            std::vector<std::size_t> gone;  // records that were no regular file when opened
            std::vector<BlobJob> jobs;
            if (spill_) spill_->reserve(out.blobs.size() - first);
            auto buffer = detail::make_io_buffer(kReadChunkSize);
            for (std::size_t start = first; start < out.blobs.size(); start += kJobBatch) {
                std::size_t end = std::min(out.blobs.size(), start + kJobBatch);
                jobs.assign(end - start, BlobJob());
                for (std::size_t i = start; i < end; ++i) jobs[i - start].record = &out.blobs.at(i);
                if (options.observer != nullptr) {
                    for (BlobJob& job : jobs) {
                        hash_blob(dir_fd, job, options, budget, buffer.get(), 0);
                        if (!job.status) return job.status;
                    }
                } else {
                    hash_in_parallel(dir_fd, jobs, options, budget);
                }
                for (std::size_t i = start; i < end; ++i) {
                    BlobJob& job = jobs[i - start];
                    if (!job.status) return job.status;
                    hashed.append(job.findings);
                    if (!job.present) gone.push_back(i);
                    if (job.spilled_at) {
                        spill_->add(job.record->path(), job.spill_file, *job.spilled_at,
                                    job.record->size);
                    }
                }
            }
            out.blobs.remove(gone);
            return Status::ok();
        };
        Status scanned = scan_blobs(root.get(), out, hash_directory);
        out.blobs.seal();
        if (spill_) spill_->finish_writing();
        if (!scanned) return scanned;
        out.has_blobs_dir = has_blobs_dir_;
        out.findings.append(hashed);
        // What is read again comes from the directory scanned, even once its name is reused.
        std::lock_guard lock(reread_mutex_);
        reread_root_ = std::move(root);
        reread_blobs_ = FileDescriptor();
        reread_algorithms_.clear();
        return Status::ok();
    }

    Status read_blob(const std::string& path,
                     const std::function<Status(const char*, std::size_t)>& fn) override {
        std::string shown = dir_ + "/" + path;
        if (spill_) {
            if (std::optional<Status> spilled = spill_->read(path, shown, fn)) return *spilled;
        }
        detail::LayoutPath kind = detail::classify_layout_path(path);
        FileDescriptor file;
        std::string found;
        struct stat info {};
        OpenResult result = OpenResult::failed;
        if (kind.kind == detail::LayoutPathKind::blob) {
            int algorithm = -1;
            result = reread_directory(kind.algorithm, algorithm, found);
            if (result == OpenResult::opened) {
                result = open_regular(algorithm, kind.encoded.c_str(), file, found, info);
            }
        } else if (kind.kind == detail::LayoutPathKind::oci_layout ||
                   kind.kind == detail::LayoutPathKind::index_json) {
            int root = -1;
            result = reread_directory({}, root, found);
            if (result == OpenResult::opened) {
                result = open_regular(root, path.c_str(), file, found, info);
            }
        } else {
            return Status::usage(shown + ": not a layout file (expected blobs/<alg>/<encoded>)");
        }
        switch (result) {
            case OpenResult::opened:
                break;
            case OpenResult::missing:
                return Status::io_error(shown + ": no such file");
            case OpenResult::not_regular:
                return Status::io_error(shown + ": expected a regular file, found " + found);
            case OpenResult::failed:
                return Status::io_error(shown + ": cannot open: " + found);
        }
        // A buffer of the file's size (one byte more, so that one read sees the end), up to a
        // chunk, and not zeroed: validate reads back 160,000 small documents of a layout of
        // 100,000 apps here, and a zeroed 1 MiB buffer for each cost a memset, an mmap and its
        // page faults per document.
        auto size = static_cast<std::uint64_t>(info.st_size);
        auto capacity = static_cast<std::size_t>(std::min<std::uint64_t>(size + 1, kReadChunkSize));
        auto buffer = detail::make_io_buffer(capacity);
        return stream_file(file.get(), size, shown, buffer.get(), capacity, fn);
    }

  private:
    Status read_top_level(int root_fd, const char* name, const ScanOptions& options,
                          std::optional<std::string>& out, Findings& findings) {
        FileDescriptor file;
        std::string found;
        struct stat info {};
        std::string shown = dir_ + "/" + name;
        switch (open_regular(root_fd, name, file, found, info)) {
            case OpenResult::missing:
                return Status::ok();
            case OpenResult::not_regular:
                add_not_regular(findings, name, found);
                return Status::ok();
            case OpenResult::failed:
                return Status::io_error(shown + ": cannot open: " + found);
            case OpenResult::opened:
                break;
        }
        std::size_t limit = detail::top_level_file_limit(options);
        if (static_cast<std::uint64_t>(info.st_size) > limit) {
            findings.error(codes::kLayoutFileTooLarge,
                           std::string(name) + ": expected at most " + std::to_string(limit) +
                               " bytes, found " + std::to_string(info.st_size),
                           name);
            return Status::ok();
        }
        std::string bytes;
        bytes.reserve(static_cast<std::size_t>(info.st_size));  // growing it would take up to 2x
        if (Status status = read_small_file(file.get(), shown, bytes); !status) return status;
        out = std::move(bytes);
        return Status::ok();
    }

    // Lists blobs/ and, for each algorithm directory in turn, adds its blobs to `out.blobs` and
    // hands them (from position `first` on) to `hash_directory` while that directory is open.
    Status scan_blobs(int root_fd, LayoutScan& out,
                      const std::function<Status(int, std::size_t)>& hash_directory) {
        Findings& findings = out.findings;
        FileDescriptor blobs;
        std::string found;
        switch (open_directory(root_fd, "blobs", blobs, found)) {
            case OpenResult::missing:
                return Status::ok();
            case OpenResult::not_regular:
                findings.error(codes::kLayoutNotRegularFile,
                               "blobs: expected a directory, found " + found, "blobs");
                return Status::ok();
            case OpenResult::failed:
                return Status::io_error(dir_ + "/blobs: cannot open: " + found);
            case OpenResult::opened:
                has_blobs_dir_ = true;
                break;
        }
        std::vector<std::string> algorithms;
        if (Status status = list_directory(blobs.get(), dir_ + "/blobs", algorithms); !status) {
            return status;
        }
        for (const std::string& algorithm : algorithms) {
            std::string shown = "blobs/" + algorithm;
            FileDescriptor dir;
            switch (open_directory(blobs.get(), algorithm.c_str(), dir, found)) {
                case OpenResult::missing:
                    return vanished(dir_ + "/" + shown);
                case OpenResult::failed:
                    return Status::io_error(dir_ + "/" + shown + ": cannot open: " + found);
                case OpenResult::not_regular:
                    if (found == "a regular file") {
                        detail::add_blob_name_finding(
                            findings, shown,
                            "found a file that is not inside an algorithm directory");
                    } else {
                        add_not_regular(findings, shown, found);
                    }
                    continue;
                case OpenResult::opened:
                    break;
            }
            std::size_t first = out.blobs.size();
            if (Status status = list_algorithm(dir.get(), algorithm, out.blobs, findings);
                !status) {
                return status;
            }
            if (Status status = hash_directory(dir.get(), first); !status) return status;
        }
        return Status::ok();
    }

    // Adds the blobs of one algorithm directory to `blobs`, in name order; names that are not
    // blob names are findings. Records are made straight from the listing: at 200,000 blobs a
    // list of names besides them would cost 20 MiB more.
    Status list_algorithm(int dir_fd, const std::string& algorithm, BlobStore& blobs,
                          Findings& findings) {
        std::string shown = "blobs/" + algorithm;
        std::size_t first = blobs.size();
        std::vector<std::pair<std::string, std::string>> bad;  // path, why
        std::string path;
        Status status = for_each_name(dir_fd, dir_ + "/" + shown, [&](std::string_view name) {
            path.assign(shown).append(1, '/').append(name);
            detail::LayoutPath kind = detail::classify_layout_path(path);
            if (kind.kind != detail::LayoutPathKind::blob) {
                bad.emplace_back(path, std::move(kind.why));
            } else {
                blobs.add(BlobRecord(kind.algorithm, kind.encoded));
            }
        });
        if (!status) return status;
        blobs.sort_from(first);
        std::sort(bad.begin(), bad.end());
        for (const auto& [bad_path, why] : bad)
            detail::add_blob_name_finding(findings, bad_path, why);
        return Status::ok();
    }

    // `worker` numbers the thread: its spill file.
    void hash_blob(int dir_fd, BlobJob& job, const ScanOptions& options, detail::KeptBudget& budget,
                   char* buffer, unsigned worker) {
        BlobRecord& record = *job.record;
        FileDescriptor file;
        std::string found;
        struct stat info {};
        std::string encoded(record.encoded());
        switch (open_regular(dir_fd, encoded.c_str(), file, found, info)) {
            case OpenResult::missing:
                // Listed, then gone: the layout changed under us (another process replacing
                // it). Taking the blob as absent would lose it from any output made of this scan.
                job.status = vanished(dir_ + "/" + record.path());
                return;
            case OpenResult::not_regular:
                add_not_regular(job.findings, record.path(), found);
                return;
            case OpenResult::failed:
                job.status =
                    Status::io_error(dir_ + "/" + record.path() + ": cannot open: " + found);
                return;
            case OpenResult::opened:
                break;
        }
        detail::BlobStream stream(record, options, static_cast<std::uint64_t>(info.st_size), true,
                                  budget, spill_ ? &spill_->file(worker) : nullptr);
        job.status = stream.begin(file.get(), 0);
        if (!job.status) return;
        job.status = stream_file(
            file.get(), static_cast<std::uint64_t>(info.st_size), dir_ + "/" + record.path(),
            buffer, kReadChunkSize,
            [&stream](const char* data, std::size_t size) { return stream.update(data, size); });
        if (!job.status) return;
        job.status = stream.finish();
        job.present = job.status.is_ok();
        job.spilled_at = stream.spilled();
        job.spill_file = worker;
    }

    void hash_in_parallel(int dir_fd, std::vector<BlobJob>& jobs, const ScanOptions& options,
                          detail::KeptBudget& budget) {
        unsigned threads = detail::parallel_threads(jobs.size(), options.threads);
        std::vector<detail::IoBuffer> buffers(threads);
        detail::run_in_parallel(jobs.size(), threads, [&](std::size_t job, unsigned worker) {
            if (!buffers[worker]) buffers[worker] = detail::make_io_buffer(kReadChunkSize);
            hash_blob(dir_fd, jobs[job], options, budget, buffers[worker].get(), worker);
        });
    }

    // The layout's directory (`algorithm` empty; the one scanned) or its blobs/<algorithm>
    // directory, opened on the first read again and kept open. Validate reads back 160,000
    // documents of a layout of 100,000 apps: opening the three directories again for each was
    // 980,000 of its 2.4 million system calls, 11.2 s of time where 7.0 s are left. Any thread
    // may read; each directory opens once.
    OpenResult reread_directory(const std::string& algorithm, int& out, std::string& found) {
        std::lock_guard lock(reread_mutex_);
        if (!reread_root_.valid()) {
            reread_root_ = FileDescriptor(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
            if (!reread_root_.valid()) {
                int error = errno;
                found = std::strerror(error);
                return error == ENOENT ? OpenResult::missing : OpenResult::failed;
            }
        }
        if (algorithm.empty()) {
            out = reread_root_.get();
            return OpenResult::opened;
        }
        auto kept = reread_algorithms_.find(algorithm);
        if (kept == reread_algorithms_.end()) {
            if (!reread_blobs_.valid()) {
                OpenResult result =
                    open_directory(reread_root_.get(), "blobs", reread_blobs_, found);
                if (result != OpenResult::opened) return result;
            }
            FileDescriptor opened;
            OpenResult result =
                open_directory(reread_blobs_.get(), algorithm.c_str(), opened, found);
            if (result != OpenResult::opened) return result;
            kept = reread_algorithms_.emplace(algorithm, std::move(opened)).first;
        }
        out = kept->second.get();
        return OpenResult::opened;
    }

    std::string dir_;
    bool has_blobs_dir_ = false;
    std::unique_ptr<detail::Spill> spill_;  // when the scan options allow
    std::mutex reread_mutex_;
    FileDescriptor reread_root_;
    FileDescriptor reread_blobs_;
    std::map<std::string, FileDescriptor, std::less<>> reread_algorithms_;
};

}  // namespace

std::unique_ptr<LayoutSource> make_directory_source(const std::string& dir) {
    return std::make_unique<DirectoryLayoutSource>(dir);
}

}  // namespace ociwasm
