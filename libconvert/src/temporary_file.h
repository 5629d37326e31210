// Unnamed temporary files in $TMPDIR, for what a tool moves out of memory: the findings of a
// hostile input (record_log.h) and the blob bytes a scan cannot keep (SpillFile).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "ociwasm/status.h"

namespace ociwasm::detail {

// An unnamed file (O_TMPFILE) in $TMPDIR, or /tmp when that is unset or empty: nothing to clean
// up, nothing left behind if we are killed. Where the file system has no O_TMPFILE, a file named
// `.ociwasm-<purpose>-XXXXXX` removed at once. -1 (errno set) when no file can be made.
int open_unnamed_temporary(const std::string& purpose);

// pwrite / pread of all `size` bytes at `offset`, retrying short transfers and EINTR. False
// (errno set; 0 when the file ended first) otherwise.
bool write_all_at(int fd, const char* data, std::size_t size, std::uint64_t offset);
bool read_all_at(int fd, char* data, std::size_t size, std::uint64_t offset);

// The blob bytes a scan of a stream could not keep within its memory budget
// (ScanOptions::spill_budget): written front to back during the pass, one blob after another,
// and read again at any offset after it, from several threads at once.
class SpillFile {
  public:
    // nullptr when no temporary file can be made (the scan then keeps in memory, as before).
    static std::unique_ptr<SpillFile> create(std::uint64_t budget);
    ~SpillFile();
    SpillFile(const SpillFile&) = delete;
    SpillFile& operator=(const SpillFile&) = delete;

    // Where the next byte appended goes.
    std::uint64_t end() const { return end_; }
    // Appends all of `size` bytes, or nothing and false once the budget would be passed or a
    // write failed (then nothing more is taken).
    bool append(const char* data, std::size_t size);
    // Forgets the bytes from `offset` (<= end()) on: a blob that turned out not to be kept.
    void truncate_to(std::uint64_t offset);
    // Writes out what is buffered; read() sees only what was written out.
    void finish_writing();
    // Streams the `size` bytes at `offset` to `fn` in chunks; `what` names them in errors.
    Status read(std::uint64_t offset, std::uint64_t size, const std::string& what,
                const std::function<Status(const char*, std::size_t)>& fn) const;

  private:
    SpillFile(int fd, std::uint64_t budget) : fd_(fd), budget_(budget) {}
    bool flush();

    int fd_;
    std::uint64_t budget_;
    std::uint64_t end_ = 0;      // bytes appended and not forgotten
    std::uint64_t written_ = 0;  // of those, the ones in the file; the rest are in buffer_
    std::string buffer_;
    std::string failure_;  // why a write failed; empty while none did
};

}  // namespace ociwasm::detail
