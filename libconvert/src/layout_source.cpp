// What every layout source shares: path rules, the per-blob accumulator, load_blob, and the
// in-memory source used by tests.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "layout_source_internal.h"
#include "ociwasm/digest.h"
#include "ociwasm/finding_codes.h"
#include "ociwasm/layout.h"

namespace ociwasm {

bool BlobObserver::take_file_range(int, std::uint64_t, std::uint64_t) {
    return false;
}

namespace detail {

std::size_t top_level_file_limit(const ScanOptions& options) {
    return std::max<std::size_t>(options.json_keep_limit, 16 * kMiB);
}

bool is_layout_name(std::string_view path) {
    return path == "oci-layout" || path == "index.json" || path == "blobs" ||
           path.starts_with("blobs/");
}

LayoutPath classify_layout_path(std::string_view path) {
    LayoutPath result;
    if (path == "oci-layout") {
        result.kind = LayoutPathKind::oci_layout;
        return result;
    }
    if (path == "index.json") {
        result.kind = LayoutPathKind::index_json;
        return result;
    }
    if (path != "blobs" && !path.starts_with("blobs/")) return result;

    result.kind = LayoutPathKind::bad_blob_name;
    std::string_view rest = path == "blobs" ? std::string_view() : path.substr(6);
    auto slash = rest.find('/');
    if (rest.empty() || slash == std::string_view::npos || slash == 0 ||
        rest.find('/', slash + 1) != std::string_view::npos || slash + 1 == rest.size()) {
        result.why = "found a file that is not directly inside an algorithm directory";
        return result;
    }
    std::string_view algorithm = rest.substr(0, slash);
    std::string_view encoded = rest.substr(slash + 1);
    if (std::string why; !check_digest_parts(algorithm, encoded, &why)) {
        result.why = "found \"" + std::string(algorithm) + ":" + std::string(encoded) +
                     "\", which is not a valid digest" +
                     (why.empty() ? std::string() : " (" + why + ")");
        return result;
    }
    result.kind = LayoutPathKind::blob;
    result.algorithm = algorithm;
    result.encoded = encoded;
    return result;
}

void add_blob_name_finding(Findings& findings, const std::string& file, const std::string& why) {
    findings.error(codes::kOciBlobName,
                   file +
                       ": expected a blob named blobs/<algorithm>/<encoded> that forms a "
                       "valid digest; " +
                       why,
                   file);
}

BlobStream::BlobStream(BlobRecord& record, const ScanOptions& options, std::uint64_t size_hint,
                       bool notify_observer, KeptBudget& budget, SpillFile* spill)
    : record_(record),
      options_(options),
      size_hint_(size_hint),
      notify_observer_(notify_observer),
      budget_(budget),
      spill_(spill) {
    if (options.verify && is_verifiable_algorithm(record.algorithm())) {
        hasher_.emplace(record.algorithm());
        if (!hasher_->valid()) hasher_.reset();
    }
    std::size_t most_kept = std::max(options.keep_limit, options.json_keep_limit);
    keeping_ = size_hint <= most_kept;
    // Reserving is charged up front; a blob the budget cannot hold is spilled or not kept.
    if (keeping_ && size_hint <= options.keep_limit) {
        if (budget_.take(static_cast<std::size_t>(size_hint))) {
            charged_ = static_cast<std::size_t>(size_hint);
            content_.reserve(charged_);
        } else {
            keeping_ = start_spilling();
        }
    }
}

BlobStream::~BlobStream() {
    budget_.give_back(charged_);
    // A blob cut short: its spilled bytes are no one's.
    if (spilled_at_ && !finished_) spill_->truncate_to(*spilled_at_);
}

Status BlobStream::begin(int fd, std::uint64_t offset) {
    if (notify_observer_ && options_.observer != nullptr &&
        options_.observer->begin_blob(record_, size_hint_)) {
        observer_ = options_.observer;
        observer_reads_file_ = fd >= 0 && observer_->take_file_range(fd, offset, size_hint_);
    }
    return Status::ok();
}

// The bytes kept so far move to the spill file, and the rest follow them there.
bool BlobStream::start_spilling() {
    if (spill_ == nullptr) return false;
    std::uint64_t start = spill_->end();
    if (!spill_->append(content_.data(), content_.size())) return false;
    spilled_at_ = start;
    std::string().swap(content_);
    budget_.give_back(charged_);
    charged_ = 0;
    return true;
}

void BlobStream::drop_content() {
    keeping_ = false;
    std::string().swap(content_);
    budget_.give_back(charged_);
    charged_ = 0;
    if (spilled_at_) {
        spill_->truncate_to(*spilled_at_);
        spilled_at_.reset();
    }
}

void BlobStream::keep(const char* data, std::size_t size) {
    if (first_non_space_ == 0) {
        for (std::size_t i = 0; i < size; ++i) {
            char c = data[i];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                first_non_space_ = c;
                break;
            }
        }
    }
    if (size_ > options_.keep_limit) {
        bool looks_json = first_non_space_ == '{' || first_non_space_ == '[';
        if (!looks_json || size_ > options_.json_keep_limit) {
            drop_content();
            return;
        }
        if (!spilled_at_ && charged_ < size_hint_ && size_hint_ <= options_.json_keep_limit &&
            budget_.take(static_cast<std::size_t>(size_hint_) - charged_)) {
            charged_ = static_cast<std::size_t>(size_hint_);
            content_.reserve(charged_);
        }
    }
    if (spilled_at_) {
        if (size_ > Spill::kMaxBlob || !spill_->append(data, size)) drop_content();
        return;
    }
    std::size_t needed = content_.size() + size;
    if (needed > charged_ && !budget_.take(needed - charged_)) {
        if (!start_spilling() || !spill_->append(data, size)) drop_content();
        return;
    }
    charged_ = std::max(charged_, needed);
    content_.append(data, size);
}

Status BlobStream::update(const char* data, std::size_t size) {
    if (size == 0) return Status::ok();
    size_ += size;
    if (hasher_) hasher_->update(data, size);
    if (keeping_) keep(data, size);
    if (options_.progress != nullptr) options_.progress->advanced(size);
    if (observer_ != nullptr && !observer_reads_file_) return observer_->blob_data(data, size);
    return Status::ok();
}

Status BlobStream::finish() {
    record_.size = size_;
    if (hasher_) {
        record_.set_computed(hasher_->finish_hex());
    } else {
        record_.clear_computed();
    }
    finished_ = true;
    if (spilled_at_) {
        record_.content.reset();
    } else if (keeping_) {
        // The record now owns the bytes: the budget keeps their size, not what was reserved.
        budget_.give_back(charged_ - content_.size());
        charged_ = 0;
        content_.shrink_to_fit();
        record_.content = std::make_unique<std::string>(std::move(content_));
    } else {
        record_.content.reset();
    }
    if (observer_ != nullptr) return observer_->end_blob(record_);
    return Status::ok();
}

Status stream_blob_from_memory(BlobRecord& record, const ScanOptions& options,
                               std::string_view data, bool notify_observer, KeptBudget& budget) {
    BlobStream stream(record, options, data.size(), notify_observer, budget);
    if (Status status = stream.begin(); !status) return status;
    for (std::size_t offset = 0; offset < data.size(); offset += kReadChunkSize) {
        std::size_t n = std::min(kReadChunkSize, data.size() - offset);
        if (Status status = stream.update(data.data() + offset, n); !status) return status;
    }
    return stream.finish();
}

NormalizedPath normalize_entry_path(std::string_view written) {
    NormalizedPath result;
    result.absolute = written.starts_with('/');
    std::size_t start = 0;
    while (start <= written.size()) {
        std::size_t end = written.find('/', start);
        if (end == std::string_view::npos) end = written.size();
        std::string_view component = written.substr(start, end - start);
        if (component == "..") {
            result.traversal = true;
        } else if (!component.empty() && component != ".") {
            if (!result.path.empty()) result.path += '/';
            result.path += component;
        }
        start = end + 1;
    }
    return result;
}

std::optional<std::string> resolve_relative_link(std::string_view link_path,
                                                 std::string_view target) {
    if (target.starts_with('/')) return std::nullopt;
    std::vector<std::string> parts;
    std::string_view dir = link_path;
    auto slash = dir.rfind('/');
    dir = slash == std::string_view::npos ? std::string_view() : dir.substr(0, slash);
    auto push_components = [&parts](std::string_view text) {
        std::size_t start = 0;
        while (start <= text.size()) {
            std::size_t end = text.find('/', start);
            if (end == std::string_view::npos) end = text.size();
            std::string_view component = text.substr(start, end - start);
            if (component == "..") {
                if (parts.empty()) return false;
                parts.pop_back();
            } else if (!component.empty() && component != ".") {
                parts.emplace_back(component);
            }
            start = end + 1;
        }
        return true;
    };
    if (!push_components(dir) || !push_components(target)) return std::nullopt;
    std::string resolved;
    for (const auto& part : parts) {
        if (!resolved.empty()) resolved += '/';
        resolved += part;
    }
    return resolved;
}

namespace {

// A layout held in memory. Paths are taken as written, so tests can also feed it odd names.
class MemoryLayoutSource : public LayoutSource {
  public:
    MemoryLayoutSource(std::string name, std::map<std::string, std::string> files)
        : name_(std::move(name)), files_(std::move(files)) {}

    const std::string& name() const override { return name_; }
    bool can_reread() const override { return true; }

    Status scan(const ScanOptions& options, LayoutScan& out) override {
        KeptBudget budget(options.rereadable_kept_budget);
        for (const auto& [path, bytes] : files_) {
            if (path == "blobs" || path.starts_with("blobs/")) out.has_blobs_dir = true;
            // "blobs/" alone stands for an empty blobs directory.
            if (path == "blobs" || path == "blobs/") continue;
            LayoutPath kind = classify_layout_path(path);
            switch (kind.kind) {
                case LayoutPathKind::oci_layout:
                    out.oci_layout = bytes;
                    break;
                case LayoutPathKind::index_json:
                    out.index_json = bytes;
                    if (options.index_json_read) options.index_json_read(*out.index_json);
                    break;
                case LayoutPathKind::bad_blob_name:
                    add_blob_name_finding(out.findings, path, kind.why);
                    break;
                case LayoutPathKind::other:
                    break;
                case LayoutPathKind::blob: {
                    BlobRecord record(kind.algorithm, kind.encoded);
                    if (Status status =
                            stream_blob_from_memory(record, options, bytes, true, budget);
                        !status) {
                        out.blobs.seal();
                        return status;
                    }
                    out.blobs.add(std::move(record));
                    break;
                }
            }
        }
        out.blobs.seal();
        return Status::ok();
    }

    bool can_reread_in_parallel() const override { return true; }

    Status read_blob(const std::string& path,
                     const std::function<Status(const char*, std::size_t)>& fn) override {
        auto it = files_.find(path);
        if (it == files_.end()) {
            return Status::io_error(name_ + ": " + path + ": no such file in the layout");
        }
        const std::string& bytes = it->second;
        for (std::size_t offset = 0; offset < bytes.size(); offset += kReadChunkSize) {
            std::size_t n = std::min(kReadChunkSize, bytes.size() - offset);
            if (Status status = fn(bytes.data() + offset, n); !status) return status;
        }
        return Status::ok();
    }

  private:
    std::string name_;
    std::map<std::string, std::string> files_;
};

}  // namespace
}  // namespace detail

std::unique_ptr<LayoutSource> make_memory_source(std::string name,
                                                 std::map<std::string, std::string> files) {
    return std::make_unique<detail::MemoryLayoutSource>(std::move(name), std::move(files));
}

Status open_layout_source(const std::string& input, std::unique_ptr<LayoutSource>& out) {
    if (input == "-") {
        out = make_tar_source(input);
        return Status::ok();
    }
    struct stat info {};
    if (::stat(input.c_str(), &info) != 0) {
        int error = errno;
        return Status::io_error(input + ": cannot open: " + std::strerror(error));
    }
    if (S_ISDIR(info.st_mode)) {
        out = make_directory_source(input);
    } else if (S_ISREG(info.st_mode) || S_ISFIFO(info.st_mode) || S_ISCHR(info.st_mode)) {
        // FIFOs and character devices cover process substitution and /dev/stdin.
        out = make_tar_source(input);
    } else {
        return Status::unreadable(input +
                                  ": expected a layout directory or a tar archive, found neither");
    }
    return Status::ok();
}

Status load_blob(LayoutSource& source, const LayoutScan& scan, std::string_view digest,
                 std::string& out, std::size_t max_size) {
    const BlobRecord* record = scan.find(digest);
    if (record == nullptr) {
        return Status::invalid(source.name() + ": blob " + std::string(digest) +
                               " is not in the layout");
    }
    return load_blob(source, *record, out, max_size);
}

Status load_blob(LayoutSource& source, const BlobRecord& record, std::string& out,
                 std::size_t max_size) {
    if (record.size > max_size) {
        return Status::invalid(source.name() + ": blob " + record.digest() + " is " +
                               std::to_string(record.size) + " bytes, more than the " +
                               std::to_string(max_size) + " bytes a document may have");
    }
    if (record.content) {
        out = *record.content;
        return Status::ok();
    }
    std::string path = record.path();
    if (!source.can_reread_blob(path)) {
        return Status::unreadable(source.name() + ": blob " + record.digest() + " (" +
                                  std::to_string(record.size) +
                                  " bytes) was not kept during the pass and the input is a "
                                  "stream that cannot be read again");
    }
    std::string bytes;
    bytes.reserve(static_cast<std::size_t>(record.size));
    std::optional<StreamHasher> hasher;
    if (record.hashed()) hasher.emplace(record.algorithm());
    Status status = source.read_blob(path, [&](const char* data, std::size_t size) {
        if (bytes.size() + size > max_size) {
            return Status::invalid(source.name() + ": blob " + record.digest() + " grew beyond " +
                                   std::to_string(max_size) + " bytes while re-reading it");
        }
        bytes.append(data, size);
        if (hasher) hasher->update(data, size);
        return Status::ok();
    });
    if (!status) return status;
    // The bytes validated during the pass must be the bytes handed out now.
    if (bytes.size() != record.size || (hasher && hasher->finish_hex() != record.computed())) {
        return Status::io_error(source.name() + ": blob " + record.digest() +
                                " changed since it was scanned (expected " +
                                std::to_string(record.size) + " bytes, read " +
                                std::to_string(bytes.size()) + ")");
    }
    out = std::move(bytes);
    return Status::ok();
}

}  // namespace ociwasm
