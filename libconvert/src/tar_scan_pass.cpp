// The walk of TarScanPass (tar_scan_pass.h): entry after entry to the end-of-archive marker,
// truncation, and the checks on each entry's name and type before anything of it is read.
#include "tar_scan_pass.h"

#include "ociwasm/finding_codes.h"
#include "tar_headers.h"
#include "tar_input.h"

namespace ociwasm::detail {
namespace {

std::string describe_type(mode_t type) {
    switch (type) {
        case AE_IFCHR:
            return "a character device";
        case AE_IFBLK:
            return "a block device";
        case AE_IFIFO:
            return "a FIFO";
        case AE_IFSOCK:
            return "a socket";
        default:
            return "a special file";
    }
}

}  // namespace

Status TarScanPass::run() {
    bool any_entry = false;
    while (!stopped_) {
        archive_entry* entry = nullptr;
        int r = archive_read_next_header(handle_, &entry);
        if (r == ARCHIVE_EOF) {
            if (any_entry) check_end_marker();
            break;
        }
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            if (!any_entry) return not_a_tar(name_, handle_);
            truncated(name_, "after entry " + last_written_ + ": " + archive_message(handle_));
            break;
        }
        any_entry = true;
        std::string written = entry_name(entry);
        last_written_ = shown_entry_name(written);
        if (Status status = handle_entry(entry, written); !status) return status;
        if (stopped_) break;
        // Consuming what the entry did not read (and its padding) now makes the position
        // below the end of this entry, where the end-of-archive marker must follow.
        if (int skipped = archive_read_data_skip(handle_);
            skipped != ARCHIVE_OK && skipped != ARCHIVE_WARN) {
            truncated(last_written_, archive_message(handle_));
            break;
        }
        entries_end_ = archive_filter_bytes(handle_, 0);
    }
    return Status::ok();
}

void TarScanPass::truncated(const std::string& file, const std::string& detail) {
    out_.findings.error(codes::kTarTruncated,
                        file +
                            ": expected a complete tar archive, found it ends early or is "
                            "damaged (" +
                            detail + "); the scan stopped here",
                        file);
    stopped_ = true;
}

// libarchive ends quietly when the input stops at an entry boundary ("some writers omit the
// marker"), so a tar cut there would pass for a complete one with blobs missing. Every writer
// of layout tars we know writes the two zero blocks; their absence is truncation.
void TarScanPass::check_end_marker() {
    std::int64_t marker = archive_filter_bytes(handle_, 0) - entries_end_;
    if (marker >= 2 * kTarBlockSize) return;
    truncated(name_, "it stops after the entry " + last_written_ +
                         (marker == 0 ? " without the end-of-archive marker of two zero blocks"
                                      : " with only one of the two zero blocks that end an "
                                        "archive"));
}

// The first proper prefix of `path` that is a symlink entry, if any.
const std::string* TarScanPass::symlink_prefix(const std::string& path) const {
    for (std::size_t slash = path.find('/'); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
        auto it = symlinks_.find(path.substr(0, slash));
        if (it != symlinks_.end()) return &*it;
    }
    return nullptr;
}

// False (after its finding) for a name outside the layout root or beneath a symlink.
bool TarScanPass::admit_path(const std::string& written, const NormalizedPath& normalized) {
    if (normalized.absolute) {
        out_.findings.error(codes::kTarAbsolutePath,
                            written +
                                ": expected an entry name relative to the layout root, found an "
                                "absolute name",
                            written);
        return false;
    }
    if (normalized.traversal) {
        out_.findings.error(codes::kTarPathTraversal,
                            written +
                                ": expected an entry name inside the layout, found a \"..\" "
                                "component",
                            written);
        return false;
    }
    if (const std::string* link = symlink_prefix(normalized.path)) {
        out_.findings.error(codes::kTarLinkEscape,
                            written +
                                ": expected a path through directories, found it lies beneath "
                                "the symlink " +
                                *link,
                            written);
        return false;
    }
    return true;
}

// True (after its finding) for a device, FIFO or socket, and for a sparse entry.
bool TarScanPass::refuse_special(archive_entry* entry, const std::string& written, mode_t type) {
    if (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO || type == AE_IFSOCK) {
        out_.findings.error(
            codes::kTarSpecialFile,
            written + ": expected a regular file or directory, found " + describe_type(type),
            written);
        return true;
    }
    if (archive_entry_sparse_count(entry) > 0) {
        // No layout writer makes sparse entries. A few KiB can declare a TiB of holes, and GNU
        // tar and libarchive expand old GNU sparse maps differently: refused unread.
        out_.findings.error(codes::kTarSparseEntry,
                            written +
                                ": expected an entry stored whole, found a sparse entry (a GNU "
                                "sparse map declaring " +
                                std::to_string(archive_entry_size(entry)) +
                                " bytes); its data is not read",
                            written);
        return true;
    }
    return false;
}

// True (after its finding) for a name or link target longer than kMaxEntryNameSize: one finding
// for the entry, which is not read, showing the name cut short.
bool TarScanPass::refuse_long_name(archive_entry* entry, const std::string& written) {
    const std::string limit = std::to_string(kMaxEntryNameSize);
    if (written.size() > kMaxEntryNameSize) {
        std::string shown = shown_entry_name(written);
        out_.findings.error(codes::kTarNameTooLong,
                            shown + ": expected an entry name of at most " + limit +
                                " bytes, found " + std::to_string(written.size()) +
                                " bytes; the entry is not read",
                            shown);
        return true;
    }
    const char* hardlink = archive_entry_hardlink(entry);
    const char* symlink =
        archive_entry_filetype(entry) == AE_IFLNK ? archive_entry_symlink(entry) : nullptr;
    std::string_view target = hardlink != nullptr ? hardlink : symlink != nullptr ? symlink : "";
    if (target.size() <= kMaxEntryNameSize) return false;
    out_.findings.error(codes::kTarNameTooLong,
                        written + ": expected a link target of at most " + limit +
                            " bytes, found " + std::to_string(target.size()) + " bytes (" +
                            (hardlink != nullptr ? "a hardlink to " : "a symlink to ") +
                            shown_entry_name(target) + "); the entry is not read",
                        written);
    return true;
}

Status TarScanPass::handle_entry(archive_entry* entry, const std::string& written) {
    if (refuse_long_name(entry, written)) return Status::ok();
    NormalizedPath normalized = normalize_entry_path(written);
    if (!admit_path(written, normalized)) return Status::ok();
    const std::string& path = normalized.path;

    if (path == "blobs" || path.starts_with("blobs/")) out_.has_blobs_dir = true;
    mode_t type = archive_entry_filetype(entry);
    const char* hardlink = archive_entry_hardlink(entry);
    if (type == AE_IFLNK) {
        const char* target = archive_entry_symlink(entry);
        return handle_symlink(written, path, target != nullptr ? target : "");
    }
    if (refuse_special(entry, written, type)) return Status::ok();
    if (hardlink != nullptr) {
        // Checked even when the entry carries its own data: an extractor links first.
        NormalizedPath target = normalize_entry_path(hardlink);
        if (target.absolute || target.traversal || symlink_prefix(target.path) != nullptr) {
            out_.findings.error(codes::kTarLinkEscape,
                                written +
                                    ": expected a hardlink to an entry inside the layout, found "
                                    "a link to " +
                                    hardlink,
                                written);
            return Status::ok();
        }
        if (!archive_entry_size_is_set(entry) || archive_entry_size(entry) == 0) {
            return handle_hardlink(written, path, target.path, hardlink);
        }
    } else if (type == AE_IFDIR) {
        return Status::ok();
    } else if (type != AE_IFREG) {
        out_.findings.error(codes::kTarSpecialFile,
                            written +
                                ": expected a regular file or directory, found an entry of "
                                "unknown type",
                            written);
        return Status::ok();
    }
    if (path.empty()) return Status::ok();
    return handle_regular(entry, written, path);
}

Status TarScanPass::handle_symlink(const std::string& written, const std::string& path,
                                   const std::string& target) {
    std::optional<std::string> resolved = resolve_relative_link(path, target);
    if (!resolved) {
        out_.findings.error(codes::kTarLinkEscape,
                            written +
                                ": expected links to stay inside the layout, found a symlink "
                                "to " +
                                target,
                            written);
        return Status::ok();
    }
    if (is_layout_name(path)) {
        out_.findings.error(codes::kTarLinkEscape,
                            written +
                                ": expected a regular file at a layout path, found a symlink "
                                "to " +
                                target,
                            written);
        return Status::ok();
    }
    symlinks_.insert(path);
    return Status::ok();
}

}  // namespace ociwasm::detail
