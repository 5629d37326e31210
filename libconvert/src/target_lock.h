// The lock every writer of one output target takes, so that two conversions to one OUT (or two
// --in-place conversions of one IN) never interleave: the second is refused, or waits. An
// advisory flock on "<parent>/.<name>.oci-wasm-lock": beside the target, so that it survives the
// rename that replaces the target and never lands inside a layout; one name per target however
// the target is spelled, since it lives in the same directory as the target's own name.
#pragma once

#include <string>

#include "ociwasm/status.h"
#include "sink_files.h"

namespace ociwasm::detail {

// The lock file's name is lock_path(target) (sink_files.h). Held from acquire() until release() or
// destruction. The lock file exists only while it is held (a writer killed with SIGKILL leaves it,
// empty and unlocked; the next writer takes it over).
class TargetLock {
  public:
    TargetLock() = default;
    ~TargetLock() { release(); }
    TargetLock(TargetLock&& other) noexcept;
    TargetLock& operator=(TargetLock&& other) noexcept;
    TargetLock(const TargetLock&) = delete;
    TargetLock& operator=(const TargetLock&) = delete;

    // Takes the lock on `target`. When another process holds it: waits for it when `wait`, else
    // returns io_error naming `display` and the lock file. Any other failure is an io_error too.
    Status acquire(const std::string& display, const TargetPath& target, bool wait);

    // Removes the lock file, then unlocks. Idempotent.
    void release();

    bool held() const { return fd_ >= 0; }

  private:
    int fd_ = -1;
    std::string path_;
};

}  // namespace ociwasm::detail
