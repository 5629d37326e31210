// The files under a LayoutSink: the target path and the temporaries made beside it (renamed
// into place at commit), a buffered descriptor that hands dirty pages to the disk early, and
// durable directory entries. Shared by the directory sink and the tar sink.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "io_buffer.h"
#include "ociwasm/status.h"

namespace ociwasm::detail {

// "<file>: <action>: <strerror of err>" as an io_error.
Status io_failure(const std::string& file, std::string_view action, int err);

// Makes a directory's entries (creations, renames) durable. Returns 0 or errno.
int sync_directory(const std::string& path);

// Makes everything written to the filesystem holding `path` durable, data and metadata, in one
// syncfs call: far cheaper than an fsync per file when there are many. Returns 0 or errno
// (ENOSYS where syncfs is missing: the caller then syncs file by file).
int sync_filesystem(const std::string& path);

// fsync of the file at `path`, opened read-only. Returns 0 or errno.
int sync_file(const std::string& path);

struct TargetPath {
    std::string path;    // as given, trailing slashes removed
    std::string parent;  // where the temp goes
    std::string name;    // last component
};

// Splits `given` into a TargetPath; refuses "", "/", "." and "..", and any path through the
// temporary of an unfinished write or through a writer's lock file.
Status parse_target(const std::string& given, TargetPath& out);

// A fresh name beside the target: "<parent>/.<name><marker><random suffix>", where `marker` is
// ".tmp-" (the output being written) or ".old-" (a replaced layout on its way out).
std::string temp_path(const TargetPath& target, std::string_view marker);

// The lock file of the target's writers (target_lock.h): "<parent>/.<name>.oci-wasm-lock".
std::string lock_path(const TargetPath& target);

// Creates the temporary that the output is written to, beside `target`: `create(path)` returns 0
// or an errno value, and fresh names are tried while one exists. `what` ("file", "directory")
// names the temporary in messages, `display` the output. Sets `made` on success.
Status make_temporary(const std::string& display, const TargetPath& target, std::string_view what,
                      const std::function<int(const std::string&)>& create, std::string& made);

// Reads the `size` bytes at `offset` of the regular file `fd` in chunks and hands them to
// `write`; `what` names the blob in messages.
Status copy_through_buffer(int fd, std::uint64_t offset, std::uint64_t size,
                           const std::string& what,
                           const std::function<Status(const char*, std::size_t)>& write);

// The message for BufferedFile::kSourceEnded and a short read: `what` lacks `missing` bytes.
Status source_ended(const std::string& what, std::uint64_t missing);

// A file descriptor with a large write buffer. Returns errno values, not Status, so that its
// owner can name the file the user knows (the target) rather than the temp.
class BufferedFile {
  public:
    BufferedFile() = default;
    ~BufferedFile() { close_quietly(); }
    BufferedFile(const BufferedFile&) = delete;
    BufferedFile& operator=(const BufferedFile&) = delete;

    // copy_from's answer when the source ends before `size` bytes.
    static constexpr int kSourceEnded = -1;

    // Writes to `fd` from now on; closes it at close() when `owned`.
    void attach(int fd, bool owned);
    int write(const char* data, std::size_t size);
    // Appends the `size` bytes at `offset` of the regular file `from` inside the kernel, as far
    // as both ends allow it (copy_file_range; sendfile where that refuses: another filesystem,
    // a pipe). Leaves `offset` and `size` at what is left to copy some other way (all of it
    // when neither call works for these two files). Returns 0, an errno value, or
    // kSourceEnded.
    int copy_in_kernel(int from, std::uint64_t& offset, std::uint64_t& size);
    int flush();
    int sync();
    int close();
    void close_quietly() { close(); }

  private:
    int write_all(const char* data, std::size_t size);
    void start_writeback();

    int fd_ = -1;
    bool owned_ = false;
    IoBuffer buffer_;
    std::size_t used_ = 0;
    std::uint64_t written_ = 0;
    std::uint64_t writeback_start_ = 0;
    bool writeback_ = true;
    bool copy_file_range_works_ = true;  // cleared at the first refusal; sendfile is tried next
    bool sendfile_works_ = true;
};

}  // namespace ociwasm::detail
