// Reading a layout tar with libarchive: opening it (readers come from archive_reader.h), entry
// names, and streaming one entry's data. Shared by the scanning pass (tar_scan_pass.h) and by
// TarLayoutSource's second reads of single blobs.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "archive_reader.h"
#include "io_buffer.h"
#include "ociwasm/status.h"
#include "tar_headers.h"

namespace ociwasm::detail {

// libarchive's message for the last error of `handle`.
inline std::string archive_message(archive* handle) {
    return archive_problem(handle, "unknown libarchive error");
}

// The entry's name as written in the archive ("" when it has none).
std::string entry_name(archive_entry* entry);

// The failure for input that does not open or start as a layout tar.
Status not_a_tar(const std::string& name, archive* handle);

// Opens a reader over `fd` for the formats we accept (archive_reader.h: no filter that would run
// an external program).
Status open_archive(int fd, const std::string& name, ArchiveReader& out);

// A layout tar read in two stages: `raw` decompresses, `tar` parses what `raw` hands out, and
// the header walk sees the same bytes as `tar` on the way (no copy), to find what libarchive
// would read differently from GNU tar (tar_headers.h).
class WatchedTar {
  public:
    Status open(int fd, const std::string& name);

    archive* handle() const { return tar_.get(); }
    const TarHeaderWalk& walk() const { return walk_; }

    // Where the data of the entry whose header was just read starts in the input, when the
    // input is a regular file holding the tar uncompressed (so the bytes lie there as they
    // are); -1 otherwise.
    std::int64_t stored_data_offset() const;
    // Whether the input is a regular file holding the tar uncompressed (see above).
    bool stored_plain() const { return stored_base_ >= 0; }
    // The input's descriptor (as given to open).
    int fd() const { return fd_; }

  private:
    static la_ssize_t read(archive* tar, void* client, const void** buffer);
    // The input for raw_, into an aligned buffer (io_buffer.h) where archive_read_open_fd
    // would read into one of malloc's.
    static la_ssize_t read_input(archive* raw, void* client, const void** buffer);

    IoBuffer input_buffer_;
    ArchiveReader raw_;
    ArchiveReader tar_;
    TarHeaderWalk walk_;
    bool ended_ = false;
    int fd_ = -1;
    std::int64_t stored_base_ = -1;  // file offset of the tar's first byte; -1: not stored plain
};

// Outcome of streaming one entry's data.
struct DataRead {
    bool complete = false;  // all declared bytes arrived
    std::string error;      // why not, when !complete and status is ok
    Status status;          // the consumer's failure (observer, I/O)
};

// Streams the current entry's data to `fn` in libarchive's own blocks (no copy). Holes of sparse
// entries are fed as zeros so the bytes match what an extractor would write.
DataRead read_entry_data(archive* handle, archive_entry* entry,
                         const std::function<Status(const char*, std::size_t)>& fn);

}  // namespace ociwasm::detail
