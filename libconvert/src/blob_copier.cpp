// The converter's blob copier (blob_copier.h): large blobs into the sink during the pass.
#include "blob_copier.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <utility>

namespace ociwasm::detail {
namespace {

bool same_time(const struct timespec& a, const struct timespec& b) {
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

}  // namespace

bool SinkCopier::begin_blob(const BlobRecord& blob, std::uint64_t size) {
    if (streamed_.contains(blob.digest())) return false;
    // Small blobs stay in the scan until its kept budget is spent; past it they would be
    // neither kept nor copied, so they are copied now.
    if (size <= keep_limit_ && kept_ + size <= kept_budget_) {
        kept_ += size;
        return false;
    }
    start_writer();
    drain();
    if (status_) status_ = sink_.begin_blob(blob.path(), size);
    return true;
}

bool SinkCopier::take_file_range(int fd, std::uint64_t offset, std::uint64_t size) {
    if (!status_ || !writer_.joinable()) return false;
    // A descriptor of our own: the writer may still read it when the source closes its own.
    int own = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (own < 0) return false;
    if (::fstat(own, &range_before_) != 0) {
        ::close(own);
        return false;
    }
    range_fd_ = own;
    range_size_ = size;
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(Job{{}, own, offset, size});
    }
    work_.notify_one();
    return true;
}

Status SinkCopier::blob_data(const char* data, std::size_t size) {
    if (!status_) return status_;
    if (!writer_.joinable()) {
        status_ = sink_.blob_data(data, size);
        return status_;
    }
    std::unique_lock lock(mutex_);
    space_.wait(lock, [this] { return queue_.size() < kQueuedChunks || !writer_status_; });
    if (!writer_status_) {
        status_ = writer_status_;
        return status_;
    }
    Job job;
    if (!spare_.empty()) {
        job.bytes = std::move(spare_.back());
        spare_.pop_back();
    }
    lock.unlock();
    job.bytes.assign(data, size);
    lock.lock();
    queue_.push_back(std::move(job));
    lock.unlock();
    work_.notify_one();
    return status_;
}

Status SinkCopier::end_blob(const BlobRecord& blob) {
    drain();
    if (range_fd_ >= 0) {
        if (status_) status_ = check_range_unchanged(blob);
        close_range();
    }
    if (!status_) return status_;
    status_ = sink_.end_blob();
    if (status_) streamed_.insert(blob.digest());
    return status_;
}

Status SinkCopier::check_range_unchanged(const BlobRecord& blob) const {
    struct stat after {};
    bool same = ::fstat(range_fd_, &after) == 0 && after.st_dev == range_before_.st_dev &&
                after.st_ino == range_before_.st_ino && after.st_size == range_before_.st_size &&
                same_time(after.st_mtim, range_before_.st_mtim) &&
                same_time(after.st_ctim, range_before_.st_ctim);
    if (same && blob.size == range_size_) return Status::ok();
    return Status::io_error(source_name_ + ": " + blob.path() +
                            ": the input file changed while this blob was read and copied "
                            "(read " +
                            std::to_string(blob.size) + " bytes, copied " +
                            std::to_string(range_size_) +
                            "); expected it to stay as it is until the conversion ends");
}

void SinkCopier::close_range() {
    if (range_fd_ >= 0) ::close(range_fd_);
    range_fd_ = -1;
}

void SinkCopier::stop() {
    if (writer_.joinable()) {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
            queue_.clear();
        }
        work_.notify_all();
        writer_.join();
    }
    close_range();
}

void SinkCopier::start_writer() {
    if (writer_.joinable() || writer_failed_to_start_ || stopping_) return;
    try {
        writer_ = std::thread([this] { write_jobs(); });
    } catch (const std::exception&) {
        writer_failed_to_start_ = true;  // writes then happen on this thread
    }
}

void SinkCopier::drain() {
    if (!writer_.joinable()) return;
    std::unique_lock lock(mutex_);
    space_.wait(lock, [this] { return queue_.empty() && !writing_; });
    if (status_ && !writer_status_) status_ = writer_status_;
}

void SinkCopier::write_jobs() {
    std::unique_lock lock(mutex_);
    while (true) {
        work_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        Job job = std::move(queue_.front());
        queue_.pop_front();
        writing_ = true;
        bool failed = !writer_status_;
        lock.unlock();
        Status status = failed ? Status::ok() : write_job(job);
        lock.lock();
        writing_ = false;
        if (!status) writer_status_ = status;
        if (job.fd < 0 && spare_.size() < kQueuedChunks) spare_.push_back(std::move(job.bytes));
        space_.notify_all();
    }
}

// On the writer thread.
Status SinkCopier::write_job(const Job& job) {
    if (job.fd < 0) return sink_.blob_data(job.bytes.data(), job.bytes.size());
    for (std::uint64_t done = 0; done < job.size;) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return Status::ok();
        }
        std::uint64_t slice = std::min(kRangeSlice, job.size - done);
        if (Status status = sink_.blob_data_from(job.fd, job.offset + done, slice); !status) {
            return status;
        }
        done += slice;
    }
    return Status::ok();
}

}  // namespace ociwasm::detail
