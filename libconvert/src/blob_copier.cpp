// The converter's blob copier (blob_copier.h): large blobs into the sink during the pass.
#include "blob_copier.h"

#include <exception>
#include <utility>

namespace ociwasm::detail {

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
    if (status_) status_ = sink_.begin_blob(blob.path, size);
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
    std::string chunk;
    if (!spare_.empty()) {
        chunk = std::move(spare_.back());
        spare_.pop_back();
    }
    lock.unlock();
    chunk.assign(data, size);
    lock.lock();
    queue_.push_back(std::move(chunk));
    lock.unlock();
    work_.notify_one();
    return status_;
}

Status SinkCopier::end_blob(const BlobRecord& blob) {
    drain();
    if (!status_) return status_;
    status_ = sink_.end_blob();
    if (status_) streamed_.insert(blob.digest());
    return status_;
}

void SinkCopier::stop() {
    if (!writer_.joinable()) return;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        queue_.clear();
    }
    work_.notify_all();
    writer_.join();
}

void SinkCopier::start_writer() {
    if (writer_.joinable() || writer_failed_to_start_ || stopping_) return;
    try {
        writer_ = std::thread([this] { write_chunks(); });
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

void SinkCopier::write_chunks() {
    std::unique_lock lock(mutex_);
    while (true) {
        work_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        std::string chunk = std::move(queue_.front());
        queue_.pop_front();
        writing_ = true;
        bool failed = !writer_status_;
        lock.unlock();
        Status status = failed ? Status::ok() : sink_.blob_data(chunk.data(), chunk.size());
        lock.lock();
        writing_ = false;
        if (!status) writer_status_ = status;
        if (spare_.size() < kQueuedChunks) spare_.push_back(std::move(chunk));
        space_.notify_all();
    }
}

}  // namespace ociwasm::detail
