// The header structure of a tar stream as GNU tar reads it, walked over the same bytes that
// libarchive parses, to see what libarchive reads another way without saying so. libarchive
// skips global PAX headers ('g'); GNU tar applies their `path` and `linkpath` to every entry
// that follows, so one tar would unpack to other names than the ones we checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ociwasm::detail {

// Tar headers and data come in blocks of this many bytes; an archive ends with two zero blocks.
inline constexpr std::int64_t kTarBlockSize = 512;

class TarHeaderWalk {
  public:
    struct GlobalName {
        std::int64_t offset = 0;  // of the 'g' header in the uncompressed stream
        std::string keyword;      // path or linkpath
        std::string value;
    };

    // The next bytes of the uncompressed tar stream, in order.
    void feed(const char* data, std::size_t size);

    const std::vector<GlobalName>& global_names() const { return global_names_; }

  private:
    enum class State { header, data, extended_data, sparse_blocks, done };

    void on_header();
    void on_extended_data();
    void begin_data(std::int64_t size);

    State state_ = State::header;
    std::int64_t offset_ = 0;         // bytes fed so far
    std::int64_t header_offset_ = 0;  // of the header being handled
    char block_[kTarBlockSize] = {};
    std::size_t filled_ = 0;      // bytes of block_ filled
    std::int64_t remaining_ = 0;  // data (with padding) still to skip or collect
    std::int64_t padding_ = 0;    // of the extended data being collected
    char extended_type_ = 0;
    std::string extended_;                   // 'x' or 'g' records being collected
    std::optional<std::int64_t> next_size_;  // a 'x' size= for the next entry
    std::vector<GlobalName> global_names_;
};

}  // namespace ociwasm::detail
