#include "tar_headers.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string_view>

#include "text.h"

namespace ociwasm::detail {
namespace {

constexpr std::int64_t kBlock = kTarBlockSize;
// Larger extended headers are skipped, not parsed (libarchive refuses them as well).
constexpr std::int64_t kMaxExtended = 1 << 20;

std::int64_t padded(std::int64_t size) {
    return (size + kBlock - 1) / kBlock * kBlock;
}

// A numeric header field: octal digits (space or NUL ended), or GNU base-256 when the first
// byte has its high bit set. -1 when it is neither.
std::int64_t numeric_field(const char* field, std::size_t length) {
    auto first = static_cast<unsigned char>(field[0]);
    if (first & 0x80) {
        if (first != 0x80) return -1;  // negative or too large to matter
        std::int64_t value = 0;
        for (std::size_t i = 1; i < length; ++i) {
            if (value > (INT64_MAX >> 8)) return -1;
            value = (value << 8) | static_cast<unsigned char>(field[i]);
        }
        return value;
    }
    std::int64_t value = 0;
    std::size_t i = 0;
    while (i < length && field[i] == ' ') ++i;
    bool any = false;
    for (; i < length && field[i] >= '0' && field[i] <= '7'; ++i) {
        if (value > (INT64_MAX >> 3)) return -1;
        value = value * 8 + (field[i] - '0');
        any = true;
    }
    return any ? value : (i < length && (field[i] == '\0' || field[i] == ' ') ? 0 : -1);
}

bool checksum_ok(const char* block) {
    std::int64_t stored = numeric_field(block + 148, 8);
    std::int64_t sum = 0;
    for (int i = 0; i < kBlock; ++i) {
        sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(block[i]);
    }
    return stored == sum;
}

}  // namespace

std::string shown_entry_name(std::string_view name) {
    return name.size() <= kMaxEntryNameSize ? std::string(name) : shortened(name, kShownNameSize);
}

void TarHeaderWalk::feed(const char* data, std::size_t size) {
    while (size > 0 && state_ != State::done) {
        if (state_ == State::data) {
            auto n = static_cast<std::size_t>(std::min<std::int64_t>(remaining_, size));
            remaining_ -= static_cast<std::int64_t>(n);
            data += n;
            size -= n;
            offset_ += static_cast<std::int64_t>(n);
            if (remaining_ == 0) state_ = State::header;
            continue;
        }
        if (state_ == State::extended_data) {
            auto n = static_cast<std::size_t>(std::min<std::int64_t>(remaining_, size));
            extended_.append(data, n);
            remaining_ -= static_cast<std::int64_t>(n);
            data += n;
            size -= n;
            offset_ += static_cast<std::int64_t>(n);
            if (remaining_ == 0) on_extended_data();
            continue;
        }
        // header or sparse_blocks: whole 512-byte blocks
        std::size_t n = std::min(size, static_cast<std::size_t>(kBlock) - filled_);
        std::memcpy(block_ + filled_, data, n);
        filled_ += n;
        data += n;
        size -= n;
        offset_ += static_cast<std::int64_t>(n);
        if (filled_ < static_cast<std::size_t>(kBlock)) continue;
        filled_ = 0;
        if (state_ == State::sparse_blocks) {
            // Old GNU sparse extension blocks: byte 504 says whether another one follows.
            if (block_[504] == 0) begin_data(remaining_);
            continue;
        }
        header_offset_ = offset_ - kBlock;
        on_header();
    }
}

void TarHeaderWalk::begin_data(std::int64_t size) {
    remaining_ = padded(size);
    state_ = remaining_ > 0 ? State::data : State::header;
}

void TarHeaderWalk::on_header() {
    if (std::all_of(block_, block_ + kBlock, [](char c) { return c == 0; })) {
        state_ = State::done;  // the end-of-archive marker; what follows is not read
        return;
    }
    if (!checksum_ok(block_)) {
        state_ = State::done;  // not a header: libarchive reports the damage itself
        return;
    }
    char type = block_[156];
    std::int64_t size = numeric_field(block_ + 124, 12);
    if (size < 0) {
        state_ = State::done;
        return;
    }
    switch (type) {
        case 'x':
        case 'X':
        case 'g':
            if (size <= kMaxExtended) {
                extended_type_ = type;
                extended_.clear();
                remaining_ = size;
                padding_ = padded(size) - size;
                state_ = size > 0 ? State::extended_data : State::header;
                return;
            }
            begin_data(size);
            return;
        case 'L':
        case 'K':
            begin_data(size);
            return;
        default:
            break;
    }
    if (next_size_) {
        size = *next_size_;
        next_size_.reset();
    }
    if (type == 'S' && block_[482] != 0) {
        remaining_ = size;  // the data follows the extension blocks
        state_ = State::sparse_blocks;
        return;
    }
    begin_data(size);
}

// Records are "LENGTH KEYWORD=VALUE\n", LENGTH counting the whole record.
void TarHeaderWalk::on_extended_data() {
    std::string_view records(extended_);
    while (!records.empty()) {
        std::size_t length = 0;
        auto [end, error] =
            std::from_chars(records.data(), records.data() + records.size(), length);
        if (error != std::errc() || length == 0 || length > records.size() || *end != ' ') break;
        std::string_view record = records.substr(0, length);
        records.remove_prefix(length);
        record.remove_prefix(static_cast<std::size_t>(end - record.data()) + 1);
        if (!record.empty() && record.back() == '\n') record.remove_suffix(1);
        auto equals = record.find('=');
        if (equals == std::string_view::npos) continue;
        std::string_view keyword = record.substr(0, equals);
        std::string_view value = record.substr(equals + 1);
        if (extended_type_ == 'g') {
            if (keyword == "path" || keyword == "linkpath") {
                global_names_.push_back(
                    {header_offset_, std::string(keyword), shown_entry_name(value)});
            }
        } else if (keyword == "size") {
            std::int64_t size = 0;
            auto [size_end, size_error] =
                std::from_chars(value.data(), value.data() + value.size(), size);
            if (size_error == std::errc() && size_end == value.data() + value.size() && size >= 0) {
                next_size_ = size;
            }
        }
    }
    extended_.clear();
    remaining_ = padding_;
    state_ = remaining_ > 0 ? State::data : State::header;
}

}  // namespace ociwasm::detail
