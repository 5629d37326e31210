#include "archive_layer.h"

#include <archive.h>
#include <archive_entry.h>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "archive_reader.h"
#include "layout_source_internal.h"
#include "ociwasm/digest.h"
#include "text.h"
#include "wasm_formats.h"

namespace ociwasm::detail {
namespace {

constexpr std::size_t kReadBuffer = 64 * 1024;

// Walks the entries of an archive opened on `handle`. `fn(entry_index, entry)` sees every
// entry; the entry index counts every tar entry from 0, as read_archive_entries does.
template <typename Fn>
std::string for_each_entry(archive* handle, Fn&& fn) {
    for (std::size_t index = 0;; ++index) {
        archive_entry* entry = nullptr;
        int status = archive_read_next_header(handle, &entry);
        if (status == ARCHIVE_EOF) return {};
        if (status < ARCHIVE_WARN) return archive_problem(handle, "a broken tar entry");
        if (std::string problem = fn(index, entry); !problem.empty()) return problem;
    }
}

std::string entry_name(archive_entry* entry) {
    const char* name = archive_entry_pathname(entry);
    return name != nullptr ? name : "";
}

// Lists the members of an archive opened on `handle`: hashes every regular file; a hardlink is
// a member with the content of the earlier member it names (one naming no earlier member is
// not one: Spin's unpacking fails on it, and there is nothing to read).
ArchiveListing list_entries(archive* handle) {
    ArchiveListing listing;
    listing.checked = true;
    std::unordered_map<std::string, std::size_t> member_at;  // path -> index in members
    std::vector<char> buffer(kReadBuffer);
    auto add = [&](ArchiveMember member) {
        listing.digests.insert(member.digest);
        listing.by_path[member.path] = member.digest;
        member_at[member.path] = listing.members.size();
        listing.members.push_back(std::move(member));
    };
    listing.problem = for_each_entry(handle, [&](std::size_t index, archive_entry* entry) {
        std::string name = entry_name(entry);
        std::string path = normalize_entry_path(name).path;
        if (const char* target = archive_entry_hardlink(entry)) {
            auto found = member_at.find(normalize_entry_path(target).path);
            if (found == member_at.end()) return std::string();
            ArchiveMember member = listing.members[found->second];
            member.name = name;
            member.path = path;
            member.hardlink = true;
            add(std::move(member));
            return std::string();
        }
        if (archive_entry_filetype(entry) != AE_IFREG) return std::string();
        StreamHasher hasher("sha256");
        for (;;) {
            la_ssize_t n = archive_read_data(handle, buffer.data(), buffer.size());
            if (n == 0) break;
            if (n < 0) {
                return archive_problem(handle, "truncated data") + " (in member " + quoted(path) +
                       ")";
            }
            hasher.update(buffer.data(), static_cast<std::size_t>(n));
        }
        std::uint64_t size = hasher.bytes();
        add(ArchiveMember{name, path, "sha256:" + hasher.finish_hex(), size, index, false});
        return std::string();
    });
    listing.readable = listing.problem.empty();
    return listing;
}

class ChunkPipe {
  public:
    Status push(const char* data, std::size_t size) {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return cancelled_ || queued_.size() < kMaxQueued; });
        if (cancelled_) return Status::stopped("archive listing stopped");
        queued_.emplace_back(data, size);
        changed_.notify_all();
        return Status::ok();
    }
    void finish(Status status) {
        std::lock_guard lock(mutex_);
        done_ = true;
        status_ = std::move(status);
        changed_.notify_all();
    }
    void cancel() {
        std::lock_guard lock(mutex_);
        cancelled_ = true;
        changed_.notify_all();
    }
    // The next non-empty chunk into `current`; false at the end of the stream.
    bool pop() {
        std::unique_lock lock(mutex_);
        for (;;) {
            changed_.wait(lock, [&] { return done_ || !queued_.empty(); });
            if (queued_.empty()) return false;
            current_ = std::move(queued_.front());
            queued_.pop_front();
            changed_.notify_all();
            if (!current_.empty()) return true;
        }
    }
    const std::string& current() const { return current_; }
    Status status() {
        std::lock_guard lock(mutex_);
        return status_;
    }

    static la_ssize_t read(archive*, void* client, const void** buffer) {
        auto* pipe = static_cast<ChunkPipe*>(client);
        if (!pipe->pop()) return 0;
        *buffer = pipe->current().data();
        return static_cast<la_ssize_t>(pipe->current().size());
    }

  private:
    static constexpr std::size_t kMaxQueued = 4;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::string> queued_;
    std::string current_;
    bool done_ = false;
    bool cancelled_ = false;
    Status status_;
};

}  // namespace

const ArchiveMember* ArchiveListing::with_digest(std::string_view digest) const {
    for (const ArchiveMember& member : members) {
        if (member.digest == digest) return &member;
    }
    return nullptr;
}

namespace {

// What libarchive's silence means when it cannot open bytes as an archive of `compression`.
std::string not_an_archive(TarCompression compression) {
    return compression == TarCompression::gzip ? "not a tar.gz archive"
                                               : "not a tar archive (plain or compressed)";
}

// Opens an archive of `compression` held in memory and lists it with `list(handle)`.
template <typename Listing, typename List>
Listing list_in_memory(std::string_view bytes, TarCompression compression, List&& list) {
    const std::string not_readable = not_an_archive(compression);
    Listing listing;
    ArchiveReader reader;
    if (Status status = new_tar_reader(compression, reader); !status) {
        listing.problem = status.message();
        return listing;
    }
    if (archive_read_open_memory(reader.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
        listing.checked = true;
        listing.problem = archive_problem(reader.get(), not_readable);
        return listing;
    }
    return list(reader.get());
}

// The same over blob `path` of `source`, read again in bounded memory (one pass over it).
template <typename Listing, typename List>
Listing list_streamed(LayoutSource& source, const std::string& path, TarCompression compression,
                      List&& list) {
    const std::string not_readable = not_an_archive(compression);
    ChunkPipe pipe;
    std::thread producer([&] {
        pipe.finish(source.read_blob(
            path, [&](const char* data, std::size_t size) { return pipe.push(data, size); }));
    });
    Listing listing;
    {
        ArchiveReader reader;
        if (Status status = new_tar_reader(compression, reader); !status) {
            listing.problem = status.message();
        } else if (archive_read_open(reader.get(), &pipe, nullptr, &ChunkPipe::read, nullptr) !=
                   ARCHIVE_OK) {
            listing.checked = true;
            listing.problem = archive_problem(reader.get(), not_readable);
        } else {
            listing = list(reader.get());
        }
    }
    pipe.cancel();
    producer.join();
    Status status = pipe.status();
    if (!status && !listing.readable && !status.is_stopped()) {
        // The bytes could not be read again: that says nothing about the archive itself.
        Listing unread;
        unread.problem = status.message();
        return unread;
    }
    return listing;
}

// The .wasm files of a filesystem layer opened on `handle`: the first bytes of every regular
// file are kept by path, so that a hardlink named *.wasm gets the head of the file it names.
LayerWasmFiles list_wasm_entries(archive* handle) {
    LayerWasmFiles listing;
    listing.checked = true;
    struct Seen {
        std::uint64_t size = 0;
        std::string head;
    };
    std::unordered_map<std::string, Seen> seen;
    char head[kWasmHeaderSize];
    listing.problem = for_each_entry(handle, [&](std::size_t, archive_entry* entry) {
        std::string path = normalize_entry_path(entry_name(entry)).path;
        auto slash = path.rfind('/');
        bool whiteout = path.compare(slash == std::string::npos ? 0 : slash + 1, 4, ".wh.") == 0;
        Seen file;
        if (const char* target = archive_entry_hardlink(entry)) {
            auto found = seen.find(normalize_entry_path(target).path);
            if (found == seen.end()) return std::string();
            file = found->second;
        } else if (archive_entry_filetype(entry) == AE_IFREG) {
            file.size = static_cast<std::uint64_t>(archive_entry_size(entry));
            std::size_t filled = 0;
            while (filled < sizeof head) {
                la_ssize_t n = archive_read_data(handle, head + filled, sizeof head - filled);
                if (n == 0) break;
                if (n < 0) {
                    return archive_problem(handle, "truncated data") + " (in member " +
                           quoted(path) + ")";
                }
                filled += static_cast<std::size_t>(n);
            }
            file.head.assign(head, filled);
        } else {
            return std::string();
        }
        if (!whiteout && is_wasm_file_path(path)) {
            listing.files.push_back(LayerWasmFile{path, file.size, file.head});
        }
        seen[path] = std::move(file);
        return std::string();
    });
    listing.readable = listing.problem.empty();
    return listing;
}

}  // namespace

ArchiveListing list_archive_layer(std::string_view bytes) {
    return list_in_memory<ArchiveListing>(bytes, TarCompression::gzip, list_entries);
}

ArchiveListing list_archive_layer(LayoutSource& source, const std::string& path) {
    return list_streamed<ArchiveListing>(source, path, TarCompression::gzip, list_entries);
}

LayerWasmFiles list_layer_wasm_files(std::string_view bytes) {
    return list_in_memory<LayerWasmFiles>(bytes, TarCompression::layout, list_wasm_entries);
}

LayerWasmFiles list_layer_wasm_files(LayoutSource& source, const std::string& path) {
    return list_streamed<LayerWasmFiles>(source, path, TarCompression::layout, list_wasm_entries);
}

Status read_archive_entries(
    std::string_view bytes, const std::set<std::size_t>& entries,
    const std::function<Status(std::size_t entry, const char* data, std::size_t size)>& fn) {
    ArchiveReader reader;
    if (Status status = new_tar_reader(TarCompression::gzip, reader); !status) return status;
    if (archive_read_open_memory(reader.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
        return Status::invalid(archive_problem(reader.get(), "cannot open the archive"));
    }
    auto buffer = std::make_unique<char[]>(kMiB);
    Status failure;
    std::size_t left = entries.size();
    std::string problem = for_each_entry(reader.get(), [&](std::size_t index, archive_entry*) {
        if (left == 0 || !entries.contains(index)) return std::string();
        --left;
        for (;;) {
            la_ssize_t n = archive_read_data(reader.get(), buffer.get(), kMiB);
            if (n < 0) return archive_problem(reader.get(), "cannot read the member's data");
            if (n == 0) break;
            if (failure = fn(index, buffer.get(), static_cast<std::size_t>(n)); !failure) {
                return std::string("stopped");
            }
        }
        if (failure = fn(index, nullptr, 0); !failure) return std::string("stopped");
        return std::string();
    });
    if (!failure) return failure;
    if (!problem.empty()) return Status::invalid(problem);
    if (left > 0) return Status::invalid("the archive ended before every wanted member");
    return Status::ok();
}

}  // namespace ociwasm::detail
