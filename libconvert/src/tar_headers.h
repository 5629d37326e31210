// The header structure of a tar stream as GNU tar reads it, walked over the same bytes that
// libarchive parses, to see what libarchive reads another way without saying so. libarchive
// skips global PAX headers ('g'); GNU tar applies their `path` and `linkpath` to every entry
// that follows, so one tar would unpack to other names than the ones we checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ociwasm::detail {

// Tar headers and data come in blocks of this many bytes; an archive ends with two zero blocks.
inline constexpr std::int64_t kTarBlockSize = 512;

// The longest entry name or link target a layout tar may hold (Linux's PATH_MAX; layout names
// are under 200 bytes). A longer one is TAR-NAME-TOO-LONG, and the entry is not read.
inline constexpr std::size_t kMaxEntryNameSize = 4096;
// How much of a longer name messages show.
inline constexpr std::size_t kShownNameSize = 200;

// A name as findings show it: whole up to kMaxEntryNameSize, else cut to kShownNameSize bytes
// with its length, so that no finding holds a name of hundreds of KiB.
std::string shown_entry_name(std::string_view name);

class TarHeaderWalk {
  public:
    struct GlobalName {
        std::int64_t offset = 0;  // of the 'g' header in the uncompressed stream
        std::string keyword;      // path or linkpath
        std::string value;        // as shown_entry_name shows it
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
