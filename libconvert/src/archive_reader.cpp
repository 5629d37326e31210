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

}  // namespace

Status new_tar_reader(TarCompression compression, ArchiveReader& out) {
    ArchiveReader reader(archive_read_new());
    if (!reader) return Status::io_error("cannot allocate an archive reader");
    auto enable_all = [&](const auto& filters) -> Status {
        for (const Filter& filter : filters) {
            // ARCHIVE_WARN: this libarchive would run an external program for the filter.
            if (filter.enable(reader.get()) != ARCHIVE_OK) {
                return Status::io_error(std::string("libarchive cannot decompress ") + filter.name +
                                        " in process (" +
                                        archive_problem(reader.get(), "no reason given") +
                                        "); no external program is ever run");
            }
        }
        return Status::ok();
    };
    Status status = compression == TarCompression::gzip ? enable_all(kGzip) : enable_all(kLayout);
    if (!status) return status;
    if (archive_read_support_format_tar(reader.get()) != ARCHIVE_OK) {
        return Status::io_error("cannot set up a tar reader: " +
                                archive_problem(reader.get(), "no reason given"));
    }
    out = std::move(reader);
    return Status::ok();
}

std::string archive_problem(archive* handle, const std::string& fallback) {
    const char* text = archive_error_string(handle);
    return text != nullptr ? std::string(text) : fallback;
}

}  // namespace ociwasm::detail
