// The one place a libarchive reader is made. libarchive implements some decompression filters
// (lrzip, lzop, grzip, and any filter it was built without a library for) by running a program
// from PATH, and `archive_read_support_filter_all` enables them all: bytes an attacker chose
// would pick the program. Readers here enable only named filters, and refuse any of them that
// libarchive reports (ARCHIVE_WARN) it would run as a program.
#pragma once

#include <archive.h>

#include <memory>
#include <string>

#include "ociwasm/status.h"

namespace ociwasm::detail {

struct ArchiveReadFree {
    void operator()(archive* handle) const { archive_read_free(handle); }
};
using ArchiveReader = std::unique_ptr<archive, ArchiveReadFree>;

enum class TarCompression {
    none,    // already uncompressed bytes (the second stage of a layout tar, see below)
    gzip,    // Spin archive layers (application/vnd.wasm.content.bundle.v1.tar+gzip)
    layout,  // layout tars: plain, gzip, bzip2, xz, lzma or zstd
};

// A tar reader that decompresses exactly `compression`, in process. Fails (io_error) when no
// reader can be allocated or when libarchive could only run a filter as an external program.
Status new_tar_reader(TarCompression compression, ArchiveReader& out);

// A reader that only decompresses (layout compressions) and hands out the uncompressed stream
// as one entry, so that a second reader (TarCompression::none) can parse the tar while the
// caller sees every byte on the way (tar_headers.h).
Status new_decompressor(ArchiveReader& out);

// libarchive's message for the last error of `handle`, or `fallback`.
std::string archive_problem(archive* handle, const std::string& fallback);

}  // namespace ociwasm::detail
