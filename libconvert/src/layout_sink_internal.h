// What the two sinks share: SinkBase holds the LayoutSink call protocol, the path checks and
// the order of entries (layout_sink.cpp); a format only writes entries (directory_sink.cpp,
// tar_sink.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "ociwasm/layout.h"
#include "ociwasm/status.h"
#include "sink_files.h"
#include "target_lock.h"

namespace ociwasm::detail {

// The call protocol, path checks and ordering, shared by both formats. Subclasses only write
// entries; any failure removes everything (fail -> discard).
class SinkBase : public LayoutSink {
  public:
    Status begin_blob(const std::string& path, std::uint64_t size) final;
    Status blob_data(const char* data, std::size_t size) final;
    Status blob_data_from(int fd, std::uint64_t offset, std::uint64_t size) final;
    Status end_blob() final;
    Status put_file(const std::string& path, std::string_view bytes) final;
    Status commit() final;
    void abort() final;

    // The target's lock (target_lock.h), held until the result is in place or discarded.
    void hold(TargetLock lock) { lock_ = std::move(lock); }

  protected:
    explicit SinkBase(std::string display) : display_(std::move(display)) {}

    const std::string& display() const { return display_; }

    // A directory entry, called once per directory before the first file inside it.
    virtual Status add_directory(const std::string& dir) = 0;
    virtual Status open_entry(const std::string& path, std::uint64_t size) = 0;
    virtual Status write_entry(const char* data, std::size_t size) = 0;
    // The entry's next `size` bytes, from `offset` of the regular file `fd`; by default read
    // through a buffer into write_entry.
    virtual Status write_entry_from(int fd, std::uint64_t offset, std::uint64_t size);
    virtual Status close_entry() = 0;
    // All entries are written: make them durable and move the result into place.
    virtual Status finish() = 0;
    // Removes whatever was written; safe at any point, called at most once. Subclass destructors
    // call abort() themselves, since the base destructor can no longer reach discard().
    virtual void discard() = 0;

  private:
    enum class State { open, failed, committed, aborted };

    Status check_usable() const;
    Status check_room(std::uint64_t size);
    Status fail(Status status);
    Status check_new_path(const std::string& path) const;
    void record_path(const std::string& path);
    Status write_parents(const std::string& path);

    std::string display_;
    TargetLock lock_;
    State state_ = State::open;
    Status failure_;
    std::set<std::string> files_;        // streamed and pending
    std::set<std::string> directories_;  // implied by files_
    std::set<std::string> written_directories_;
    std::set<std::string> streamed_;
    std::map<std::string, std::string> pending_;  // sorted: written in this order at commit
    bool streaming_ = false;
    std::string current_;
    std::uint64_t declared_ = 0;
    std::uint64_t received_ = 0;
};

// A directory layout written to a temporary directory beside `target`, whose `lock` the sink
// holds. `display` names the output in messages.
Status open_directory_sink(const std::string& display, const TargetPath& target, TargetLock lock,
                           std::unique_ptr<LayoutSink>& out);

// A tar layout (SinkFormat::tar, tar_gz or tar_zst) written to a temporary file beside `target`,
// whose `lock` the sink holds.
Status open_tar_sink(const std::string& display, const TargetPath& target, SinkFormat format,
                     TargetLock lock, std::unique_ptr<LayoutSink>& out);

// A tar layout written to stdout as it goes (not atomic by nature).
Status open_tar_stdout(SinkFormat format, std::unique_ptr<LayoutSink>& out);

}  // namespace ociwasm::detail
