#include "record_log.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "temporary_file.h"

namespace ociwasm::detail {
namespace {

constexpr std::size_t kSizeBytes = sizeof(std::uint64_t);
constexpr std::size_t kReadChunk = 64 * 1024;

void read_all(int fd, char* data, std::size_t size, std::uint64_t offset) {
    if (!read_all_at(fd, data, size, offset)) {
        throw std::runtime_error(
            std::string("cannot read back the findings kept in a temporary file: ") +
            (errno == 0 ? "it is shorter than written" : std::strerror(errno)));
    }
}

std::uint64_t size_at(const char* data) {
    std::uint64_t size = 0;
    std::memcpy(&size, data, kSizeBytes);
    return size;
}

// Reads the spilled part of a log front to back in chunks.
class SpillReader {
  public:
    SpillReader(int fd, std::uint64_t end) : fd_(fd), end_(end) {}

    bool done() const { return offset_ == end_ && start_ == buffer_.size(); }

    // The next record; valid until the next call.
    std::string_view next() {
        std::uint64_t size = size_at(take(kSizeBytes).data());
        return take(static_cast<std::size_t>(size));
    }

  private:
    // The next `count` bytes, reading more of the file when the buffer holds fewer.
    std::string_view take(std::size_t count) {
        if (buffer_.size() - start_ < count) {
            buffer_.erase(0, start_);
            start_ = 0;
            std::size_t want = std::max(count - buffer_.size(), kReadChunk);
            want = static_cast<std::size_t>(std::min<std::uint64_t>(want, end_ - offset_));
            if (buffer_.size() + want < count) {
                throw std::runtime_error(
                    "cannot read back the findings kept in a temporary file: a record ends past "
                    "its end");
            }
            std::size_t old = buffer_.size();
            buffer_.resize(old + want);
            read_all(fd_, buffer_.data() + old, want, offset_);
            offset_ += want;
        }
        std::string_view out(buffer_.data() + start_, count);
        start_ += count;
        return out;
    }

    int fd_;
    std::uint64_t end_;
    std::uint64_t offset_ = 0;
    std::string buffer_;
    std::size_t start_ = 0;
};

}  // namespace

void put_number(std::string& record, std::uint64_t value) {
    record.append(reinterpret_cast<const char*>(&value), sizeof value);
}

void put_text(std::string& record, std::string_view text) {
    auto size = static_cast<std::uint32_t>(text.size());
    record.append(reinterpret_cast<const char*>(&size), sizeof size);
    record.append(text);
}

std::uint64_t take_number(std::string_view& record) {
    if (record.size() < sizeof(std::uint64_t)) throw std::runtime_error("a record is cut short");
    std::uint64_t value = size_at(record.data());
    record.remove_prefix(sizeof value);
    return value;
}

void take_text(std::string_view& record, std::string& out) {
    std::uint32_t size = 0;
    if (record.size() < sizeof size) throw std::runtime_error("a record is cut short");
    std::memcpy(&size, record.data(), sizeof size);
    record.remove_prefix(sizeof size);
    if (record.size() < size) throw std::runtime_error("a record is cut short");
    out.assign(record.data(), size);
    record.remove_prefix(size);
}

RecordLog::~RecordLog() {
    if (fd_ >= 0) ::close(fd_);
}

void RecordLog::append(std::string_view record) {
    std::uint64_t size = record.size();
    held_.append(reinterpret_cast<const char*>(&size), kSizeBytes);
    held_.append(record);
    ++count_;
    if (held_.size() >= held_limit_ && !spill_failed_) spill();
}

bool RecordLog::open_file() {
    fd_ = open_unnamed_temporary("findings");
    return fd_ >= 0;
}

// Moves the held records to the end of the file. Without a file (none can be made, or a write
// fails: a full disk) the records stay held: memory grows, but nothing is lost.
void RecordLog::spill() {
    if (fd_ < 0 && !open_file()) {
        spill_failed_ = true;
        return;
    }
    if (!write_all_at(fd_, held_.data(), held_.size(), spilled_bytes_)) {
        spill_failed_ = true;
        return;
    }
    spilled_bytes_ += held_.size();
    held_.clear();
}

void RecordLog::visit(const std::function<bool(std::string_view)>& visit) const {
    if (spilled_bytes_ > 0) {
        SpillReader reader(fd_, spilled_bytes_);
        while (!reader.done()) {
            if (!visit(reader.next())) return;
        }
    }
    for (std::size_t at = 0; at < held_.size();) {
        std::uint64_t size = size_at(held_.data() + at);
        at += kSizeBytes;
        if (!visit(std::string_view(held_.data() + at, static_cast<std::size_t>(size)))) return;
        at += static_cast<std::size_t>(size);
    }
}

}  // namespace ociwasm::detail
