// The directory sink: a layout written file by file into a temporary directory beside the
// target, synced, then exchanged with (or renamed to) the target in one step, so that readers
// see the old layout or the new one, never a mix. It replaces only an empty directory or a
// layout. The sync is one syncfs of the output's filesystem before the rename, not an fsync per
// file: a layout of 100,000 small blobs spent nearly all of its 37 s in those fsyncs.
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "layout_sink_internal.h"
#include "ociwasm/layout.h"
#include "sink_files.h"

namespace ociwasm::detail {
namespace {

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
        Status status = make_temporary(
            display(), target, "directory",
            [](const std::string& temp) { return ::mkdir(temp.c_str(), 0755) == 0 ? 0 : errno; },
            temp_);
        if (!status) return status;
        directories_.push_back(temp_);
        // The umask must not change the layout's modes.
        if (::chmod(temp_.c_str(), 0755) != 0) {
            int err = errno;
            return io_failure(display(), "cannot set the mode of " + temp_, err);
        }
        return Status::ok();
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
        written_.push_back(full);
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

    Status write_entry_from(int fd, std::uint64_t offset, std::uint64_t size) override {
        int err = file_.copy_in_kernel(fd, offset, size);
        if (err == BufferedFile::kSourceEnded) return source_ended(entry_display(), size);
        if (err != 0) return io_failure(entry_display(), "cannot write", err);
        return SinkBase::write_entry_from(fd, offset, size);  // what the kernel did not copy
    }

    Status close_entry() override {
        if (int err = file_.flush()) return io_failure(entry_display(), "cannot write", err);
        if (int err = file_.close()) return io_failure(entry_display(), "cannot close", err);
        return Status::ok();
    }

    Status finish() override {
        if (Status status = sync_temp(); !status) return status;
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

    // Everything in the temp dir durable before it is renamed into place: the rename must
    // never publish files whose data is not on disk yet. One syncfs (which reports writeback
    // errors since Linux 5.8); where there is none, each file, then each directory.
    Status sync_temp() {
        int err = sync_filesystem(temp_);
        if (err == 0) return Status::ok();
        if (err != ENOSYS) return io_failure(display(), "cannot sync " + temp_ + " to disk", err);
        for (const std::string& file : written_) {
            if (int file_err = sync_file(file)) {
                return io_failure(display(), "cannot sync " + file + " to disk", file_err);
            }
        }
        for (auto dir = directories_.rbegin(); dir != directories_.rend(); ++dir) {
            if (int dir_err = sync_directory(*dir)) {
                return io_failure(display(), "cannot sync " + *dir + " to disk", dir_err);
            }
        }
        return Status::ok();
    }

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
    std::vector<std::string> directories_;  // created, in creation order
    std::vector<std::string> written_;      // files created (synced one by one without syncfs)
    std::string entry_;
    BufferedFile file_;
};

}  // namespace

Status open_directory_sink(const std::string& display, const TargetPath& target, TargetLock lock,
                           std::unique_ptr<LayoutSink>& out) {
    if (Status status = check_replaceable_directory(display, target.path); !status) {
        return status;
    }
    auto sink = std::make_unique<DirectoryLayoutSink>(display);
    sink->hold(std::move(lock));
    if (Status status = sink->create_temp(target); !status) return status;
    out = std::move(sink);
    return Status::ok();
}

}  // namespace ociwasm::detail
