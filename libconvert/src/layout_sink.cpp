// LayoutSink: writes an OCI image layout as a directory or a (compressed) tar. Deterministic:
// fixed entry metadata, directories before their files, small files sorted at commit.
// Atomic: everything goes to a temp file or dir beside the target, renamed over it at commit.
//
// This file holds the call protocol every format follows (SinkBase) and the entry points;
// directory_sink.cpp and tar_sink.cpp write the entries, sink_files.h the files under them.
#include <signal.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "layout_sink_internal.h"
#include "ociwasm/layout.h"
#include "sink_files.h"

namespace ociwasm {
namespace detail {
namespace {

// An entry path inside the layout: relative, '/'-separated, no empty, "." or ".." components,
// printable ASCII (all a layout needs; other bytes would depend on the locale in tar headers).
bool is_clean_relative_path(std::string_view path) {
    if (path.empty()) return false;
    for (char c : path) {
        if (c < 0x21 || c > 0x7e) return false;
    }
    std::size_t start = 0;
    while (true) {
        std::size_t slash = path.find('/', start);
        std::string_view component = path.substr(start, slash - start);
        if (component.empty() || component == "." || component == "..") return false;
        if (slash == std::string_view::npos) return true;
        start = slash + 1;
    }
}

// The proper prefixes of `path` that are directories: "a/b/c" -> "a", "a/b".
std::vector<std::string> parent_directories(const std::string& path) {
    std::vector<std::string> parents;
    for (std::size_t slash = path.find('/'); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
        parents.push_back(path.substr(0, slash));
    }
    return parents;
}

}  // namespace

Status SinkBase::begin_blob(const std::string& path, std::uint64_t size) {
    if (Status status = check_usable(); !status) return status;
    if (streaming_) {
        return fail(Status::usage(display_ + ": begin_blob(" + path + ") while " + current_ +
                                  " is still being written; expected end_blob first"));
    }
    if (streamed_.count(path) != 0 || pending_.count(path) != 0) {
        return fail(
            Status::invalid(display_ + ": " + path + " is written twice; expected each path once"));
    }
    if (Status status = check_new_path(path); !status) return fail(status);
    record_path(path);
    streamed_.insert(path);
    if (Status status = write_parents(path); !status) return fail(status);
    if (Status status = open_entry(path, size); !status) return fail(status);
    streaming_ = true;
    current_ = path;
    declared_ = size;
    received_ = 0;
    return Status::ok();
}

// Whether `size` more bytes fit the blob being streamed.
Status SinkBase::check_room(std::uint64_t size) {
    if (Status status = check_usable(); !status) return status;
    if (!streaming_) {
        return fail(Status::usage(display_ + ": blob_data without begin_blob"));
    }
    if (size > declared_ - received_) {
        return fail(Status::invalid(display_ + ": " + current_ + ": declared size " +
                                    std::to_string(declared_) + " bytes, got at least " +
                                    std::to_string(received_ + size)));
    }
    return Status::ok();
}

Status SinkBase::blob_data(const char* data, std::size_t size) {
    if (Status status = check_room(size); !status) return status;
    if (Status status = write_entry(data, size); !status) return fail(status);
    received_ += size;
    return Status::ok();
}

Status SinkBase::blob_data_from(int fd, std::uint64_t offset, std::uint64_t size) {
    if (Status status = check_room(size); !status) return status;
    if (Status status = write_entry_from(fd, offset, size); !status) return fail(status);
    received_ += size;
    return Status::ok();
}

Status SinkBase::write_entry_from(int fd, std::uint64_t offset, std::uint64_t size) {
    return copy_through_buffer(
        fd, offset, size, display_ + ": " + current_,
        [this](const char* data, std::size_t n) { return write_entry(data, n); });
}

Status SinkBase::end_blob() {
    if (Status status = check_usable(); !status) return status;
    if (!streaming_) return fail(Status::usage(display_ + ": end_blob without begin_blob"));
    if (received_ != declared_) {
        return fail(Status::invalid(display_ + ": " + current_ + ": declared size " +
                                    std::to_string(declared_) + " bytes, got " +
                                    std::to_string(received_)));
    }
    if (Status status = close_entry(); !status) return fail(status);
    streaming_ = false;
    return Status::ok();
}

Status SinkBase::put_file(const std::string& path, std::string_view bytes) {
    if (Status status = check_usable(); !status) return status;
    if (streamed_.count(path) != 0) {
        return fail(Status::invalid(display_ + ": " + path +
                                    " was already written as a streamed blob; expected "
                                    "put_file only for paths not streamed"));
    }
    if (auto found = pending_.find(path); found != pending_.end()) {
        if (found->second == bytes) return Status::ok();
        return fail(Status::invalid(display_ + ": " + path +
                                    " given twice with different content (" +
                                    std::to_string(found->second.size()) + " bytes, then " +
                                    std::to_string(bytes.size()) + " bytes)"));
    }
    if (Status status = check_new_path(path); !status) return fail(status);
    record_path(path);
    pending_.emplace(path, std::string(bytes));
    return Status::ok();
}

Status SinkBase::commit() {
    if (Status status = check_usable(); !status) return status;
    if (streaming_) {
        return fail(Status::usage(display_ + ": commit while " + current_ +
                                  " is still being written; expected end_blob first"));
    }
    // A layout has blobs/ even when it holds no blob (image-layout.md). Written first, it
    // keeps the sorted order: "blobs/" sorts before "index.json" and "oci-layout".
    if (written_directories_.count("blobs") == 0 && files_.count("blobs") == 0) {
        if (Status status = add_directory("blobs"); !status) return fail(status);
        written_directories_.insert("blobs");
        directories_.insert("blobs");
    }
    for (const auto& [path, bytes] : pending_) {
        if (Status status = write_parents(path); !status) return fail(status);
        if (Status status = open_entry(path, bytes.size()); !status) return fail(status);
        if (Status status = write_entry(bytes.data(), bytes.size()); !status) {
            return fail(status);
        }
        if (Status status = close_entry(); !status) return fail(status);
    }
    if (Status status = finish(); !status) return fail(status);
    state_ = State::committed;
    pending_.clear();
    lock_.release();
    return Status::ok();
}

void SinkBase::abort() {
    if (state_ != State::open) return;
    state_ = State::aborted;
    discard();
    lock_.release();
}

Status SinkBase::check_usable() const {
    switch (state_) {
        case State::open:
            return Status::ok();
        case State::failed:
            return failure_;
        case State::committed:
            return Status::usage(display_ + ": the layout is already committed");
        case State::aborted:
            break;
    }
    return Status::usage(display_ + ": the layout was aborted");
}

Status SinkBase::fail(Status status) {
    if (state_ == State::open) {
        state_ = State::failed;
        failure_ = status;
        discard();
        lock_.release();
    }
    return status;
}

// A path may not be a file and a directory at once.
Status SinkBase::check_new_path(const std::string& path) const {
    if (!is_clean_relative_path(path)) {
        return Status::invalid(display_ + ": entry path \"" + path +
                               "\" is not a clean relative path of printable ASCII; "
                               "expected e.g. blobs/sha256/<hex>");
    }
    if (directories_.count(path) != 0) {
        return Status::invalid(display_ + ": " + path +
                               " is already a directory; expected a file path");
    }
    for (const std::string& parent : parent_directories(path)) {
        if (files_.count(parent) != 0) {
            return Status::invalid(display_ + ": " + parent + " is already a file; expected " +
                                   "a directory to hold " + path);
        }
    }
    return Status::ok();
}

void SinkBase::record_path(const std::string& path) {
    files_.insert(path);
    for (std::string& parent : parent_directories(path)) directories_.insert(std::move(parent));
}

Status SinkBase::write_parents(const std::string& path) {
    for (std::string& parent : parent_directories(path)) {
        if (written_directories_.count(parent) != 0) continue;
        if (Status status = add_directory(parent); !status) return status;
        written_directories_.insert(std::move(parent));
    }
    return Status::ok();
}

}  // namespace detail

Status LayoutSink::blob_data_from(int fd, std::uint64_t offset, std::uint64_t size) {
    return detail::copy_through_buffer(
        fd, offset, size, "blob data",
        [this](const char* data, std::size_t n) { return blob_data(data, n); });
}

namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

SinkFormat sink_format_for_path(std::string_view path) {
    if (path == "-" || ends_with(path, ".tar")) return SinkFormat::tar;
    if (ends_with(path, ".tar.gz") || ends_with(path, ".tgz")) return SinkFormat::tar_gz;
    if (ends_with(path, ".tar.zst")) return SinkFormat::tar_zst;
    return SinkFormat::directory;
}

Status open_layout_sink(const std::string& path, SinkFormat format,
                        std::unique_ptr<LayoutSink>& out) {
    return open_layout_sink(path, format, SinkOptions{}, out);
}

Status open_layout_sink(const std::string& path, SinkFormat format, const SinkOptions& options,
                        std::unique_ptr<LayoutSink>& out) {
    out.reset();
    if (path == "-") {
        if (format == SinkFormat::directory) {
            return Status::usage("-: cannot write a directory layout to stdout; expected tar");
        }
        return detail::open_tar_stdout(format, out);
    }
    detail::TargetPath target;
    if (Status status = detail::parse_target(path, target); !status) return status;
    // Taken before the target is looked at, so that what is checked is what gets replaced.
    detail::TargetLock lock;
    if (Status status = lock.acquire(path, target, options.wait_for_lock); !status) return status;
    if (format == SinkFormat::directory) {
        return detail::open_directory_sink(path, target, std::move(lock), out);
    }
    return detail::open_tar_sink(path, target, format, std::move(lock), out);
}

void ignore_sigxfsz() {
    struct sigaction action {};
    action.sa_handler = SIG_IGN;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGXFSZ, &action, nullptr);
}

}  // namespace ociwasm
