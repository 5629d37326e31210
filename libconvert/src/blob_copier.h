// The converter's blob copier: while the input layout streams by, every blob too large to keep
// in memory is copied into the sink, its writes on a second thread.
#pragma once

#include <sys/stat.h>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ociwasm/layout.h"
#include "ociwasm/status.h"

namespace ociwasm::detail {

// Copies every blob larger than the keep limit into the sink while the input streams by, so
// large layers are never held in memory. The sink's writes run on a second thread so that they
// overlap with reading and hashing on this one. A blob stored as it is in an input file is
// copied from there (LayoutSink::blob_data_from: inside the kernel where the output allows it),
// so that the hashing thread only reads; other blobs are handed over in chunks, at most
// kQueuedChunks in flight. Only one thread uses the sink at a time: begin and end wait for the
// queue to drain.
class SinkCopier : public BlobObserver {
  public:
    // `source_name` names the input in messages.
    SinkCopier(LayoutSink& sink, const ScanOptions& options, std::string source_name)
        : sink_(sink),
          keep_limit_(options.keep_limit),
          kept_budget_(options.kept_budget),
          source_name_(std::move(source_name)) {}
    ~SinkCopier() override { stop(); }
    SinkCopier(const SinkCopier&) = delete;
    SinkCopier& operator=(const SinkCopier&) = delete;

    bool begin_blob(const BlobRecord& blob, std::uint64_t size) override;
    bool take_file_range(int fd, std::uint64_t offset, std::uint64_t size) override;
    Status blob_data(const char* data, std::size_t size) override;
    Status end_blob(const BlobRecord& blob) override;

    // The digests of the blobs copied so far.
    const std::set<std::string>& streamed() const { return streamed_; }

    // Ends the writer thread, dropping what is still queued (only a failed pass leaves any), so
    // that the caller may use (or abort) the sink again.
    void stop();

  private:
    static constexpr std::size_t kQueuedChunks = 4;
    // A range is copied in slices of this size, so that stop() need not wait for a whole blob.
    static constexpr std::uint64_t kRangeSlice = 64 * kMiB;

    // Work for the writer: bytes to write, or a range of an input file to copy.
    struct Job {
        std::string bytes;
        int fd = -1;  // >= 0: copy `size` bytes at `offset` of this file instead
        std::uint64_t offset = 0;
        std::uint64_t size = 0;
    };

    void start_writer();
    // Waits until the writer has written everything queued; takes over its error, if any.
    void drain();
    void write_jobs();
    Status write_job(const Job& job);
    // A file changed while its range was copied may have given other bytes than were hashed.
    Status check_range_unchanged(const BlobRecord& blob) const;
    void close_range();

    LayoutSink& sink_;
    std::uint64_t keep_limit_;
    std::uint64_t kept_budget_;
    std::uint64_t kept_ = 0;
    std::string source_name_;
    Status status_;  // this thread's view; the writer's error is taken over at the next call
    std::set<std::string> streamed_;

    // The blob being copied from a file range: our own descriptor of the file (closed at
    // end_blob), what fstat said before, and the size copied.
    int range_fd_ = -1;
    struct stat range_before_ {};
    std::uint64_t range_size_ = 0;

    std::thread writer_;
    bool writer_failed_to_start_ = false;
    std::mutex mutex_;
    std::condition_variable work_;   // the writer waits for chunks
    std::condition_variable space_;  // this thread waits for room, or for the queue to drain
    std::deque<Job> queue_;
    std::vector<std::string> spare_;  // written chunks, reused to avoid reallocating
    bool writing_ = false;
    bool stopping_ = false;
    Status writer_status_;
};

}  // namespace ociwasm::detail
