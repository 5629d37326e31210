// An append-only log of byte records that holds only its newest records in memory: once the held
// records pass a limit they move to an unnamed temporary file, and reading visits the file, then
// what is held. Findings (ociwasm/finding.h) keep their records here, so that however many
// findings a hostile input makes, memory holds at most one limit's worth of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace ociwasm::detail {

// The fields of a record: a number as its 8 bytes, a text as its 4-byte size and its bytes.
// Records never leave the process, so native byte order is fine. The take_* functions throw
// std::runtime_error on a record cut short.
void put_number(std::string& record, std::uint64_t value);
void put_text(std::string& record, std::string_view text);
std::uint64_t take_number(std::string_view& record);
void take_text(std::string_view& record, std::string& out);

class RecordLog {
  public:
    // What a log holds in memory before it moves its records to a temporary file.
    static constexpr std::size_t kHeldLimit = 1 << 20;

    explicit RecordLog(std::size_t held_limit = kHeldLimit) : held_limit_(held_limit) {}
    ~RecordLog();
    RecordLog(const RecordLog&) = delete;
    RecordLog& operator=(const RecordLog&) = delete;

    void append(std::string_view record);
    std::size_t size() const { return count_; }
    // Whether some records are in the temporary file (for tests).
    bool spilled() const { return spilled_bytes_ > 0; }

    // Visits every record in the order appended; stops when `visit` returns false. Throws
    // std::runtime_error when the temporary file cannot be read back (as std::bad_alloc says
    // that memory ran out): a finding is never dropped without a word.
    void visit(const std::function<bool(std::string_view)>& visit) const;

  private:
    void spill();
    bool open_file();

    std::size_t held_limit_;
    std::string held_;  // records after the spilled ones, each a 64-bit size then its bytes
    int fd_ = -1;
    std::uint64_t spilled_bytes_ = 0;
    bool spill_failed_ = false;  // no file could be had: everything stays held
    std::size_t count_ = 0;
};

}  // namespace ociwasm::detail
