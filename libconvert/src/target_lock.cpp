// The writer's lock of target_lock.h. Removing the lock file on release (so that none is left
// beside the output) needs care: a waiter may have opened the file just before the holder
// removed it, and would then lock a file nobody else can find. So a writer that got the lock
// checks that the name still leads to the file it locked, and starts again when it does not.
#include "target_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

namespace ociwasm::detail {
TargetLock::TargetLock(TargetLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

TargetLock& TargetLock::operator=(TargetLock&& other) noexcept {
    if (this != &other) {
        release();
        fd_ = std::exchange(other.fd_, -1);
        path_ = std::move(other.path_);
    }
    return *this;
}

Status TargetLock::acquire(const std::string& display, const TargetPath& target, bool wait) {
    release();
    std::string path = lock_path(target);
    for (;;) {
        // Read-only is enough for flock, and works on a lock file another user made.
        int fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0) {
            int err = errno;
            return io_failure(display, "cannot open the lock file " + path, err);
        }
        int locked = 0;
        do {
            locked = ::flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB);
        } while (locked != 0 && errno == EINTR);
        if (locked != 0) {
            int err = errno;
            ::close(fd);
            if (err == EWOULDBLOCK) {
                return Status::io_error(
                    display + ": another process is writing it (it holds the lock " + path +
                    "); expected one writer at a time: try again when it has finished, or pass "
                    "--wait to wait for it");
            }
            return io_failure(display, "cannot lock " + path, err);
        }
        struct stat locked_file {};
        struct stat named_file {};
        if (::fstat(fd, &locked_file) != 0) {
            int err = errno;
            ::close(fd);
            return io_failure(display, "cannot inspect the lock file " + path, err);
        }
        if (::lstat(path.c_str(), &named_file) == 0 && named_file.st_dev == locked_file.st_dev &&
            named_file.st_ino == locked_file.st_ino) {
            fd_ = fd;
            path_ = std::move(path);
            return Status::ok();
        }
        // The previous holder removed the file after we opened it: lock the current one.
        ::close(fd);
    }
}

void TargetLock::release() {
    if (fd_ < 0) return;
    // Removed while still locked: whoever opened it meanwhile sees it gone and starts again.
    ::unlink(path_.c_str());
    ::close(fd_);
    fd_ = -1;
    path_.clear();
}

}  // namespace ociwasm::detail
