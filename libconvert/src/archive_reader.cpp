#include "archive_reader.h"

#include <utility>

namespace ociwasm::detail {

namespace {

struct Filter {
    const char* name;
    int (*enable)(archive*);
};

constexpr Filter kGzip[] = {{"gzip", archive_read_support_filter_gzip}};
constexpr Filter kLayout[] = {{"gzip", archive_read_support_filter_gzip},
                              {"bzip2", archive_read_support_filter_bzip2},
                              {"xz", archive_read_support_filter_xz},
                              {"lzma", archive_read_support_filter_lzma},
                              {"zstd", archive_read_support_filter_zstd}};

template <std::size_t N>
Status enable_filters(archive* reader, const Filter (&filters)[N]) {
    for (const Filter& filter : filters) {
        // ARCHIVE_WARN: this libarchive would run an external program for the filter.
        if (filter.enable(reader) != ARCHIVE_OK) {
            return Status::io_error(std::string("libarchive cannot decompress ") + filter.name +
                                    " in process (" + archive_problem(reader, "no reason given") +
                                    "); no external program is ever run");
        }
    }
    return Status::ok();
}

Status new_reader(TarCompression compression, bool raw, ArchiveReader& out) {
    ArchiveReader reader(archive_read_new());
    if (!reader) return Status::io_error("cannot allocate an archive reader");
    Status status;
    if (compression == TarCompression::gzip) status = enable_filters(reader.get(), kGzip);
    if (compression == TarCompression::layout) status = enable_filters(reader.get(), kLayout);
    if (!status) return status;
    bool formats = raw ? archive_read_support_format_raw(reader.get()) == ARCHIVE_OK &&
                             archive_read_support_format_empty(reader.get()) == ARCHIVE_OK
                       : archive_read_support_format_tar(reader.get()) == ARCHIVE_OK;
    if (!formats) {
        return Status::io_error("cannot set up an archive reader: " +
                                archive_problem(reader.get(), "no reason given"));
    }
    out = std::move(reader);
    return Status::ok();
}

}  // namespace

Status new_tar_reader(TarCompression compression, ArchiveReader& out) {
    return new_reader(compression, false, out);
}

Status new_decompressor(ArchiveReader& out) {
    return new_reader(TarCompression::layout, true, out);
}

std::string archive_problem(archive* handle, const std::string& fallback) {
    const char* text = archive_error_string(handle);
    return text != nullptr ? std::string(text) : fallback;
}

}  // namespace ociwasm::detail
