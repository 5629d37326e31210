// The scan's compact record of each blob (BlobRecord) and their store in digest order
// (BlobStore): what a tool keeps of every blob for as long as it runs.
#include <algorithm>
#include <cassert>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ociwasm/layout.h"

namespace ociwasm {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

bool is_lowercase_hex(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return hex_value(c) >= 0; });
}

int sign(int value) {
    return (value > 0) - (value < 0);
}

}  // namespace

BlobRecord::BlobRecord(std::string_view algorithm, std::string_view encoded) {
    rebuild(algorithm, encoded, 0, {});
}

// The name: flags, algorithm, encoded (nibbles when it is lowercase hex of even length, which
// keeps the order of the text: '0'-'9' < 'a'-'f' as 0-9 < 10-15), then `computed` and a NUL
// when it is given.
void BlobRecord::rebuild(std::string_view algorithm, std::string_view encoded, unsigned char flags,
                         std::string_view computed) {
    bool packed = encoded.size() % 2 == 0 && is_lowercase_hex(encoded);
    std::size_t encoded_bytes = packed ? encoded.size() / 2 : encoded.size();
    std::size_t size =
        1 + algorithm.size() + encoded_bytes + (computed.empty() ? 0 : computed.size() + 1);
    auto name = std::make_unique_for_overwrite<char[]>(size);
    flags = static_cast<unsigned char>(flags & kHashed);
    if (packed) flags |= kPacked;
    if (!computed.empty()) flags |= kMismatch;
    name[0] = static_cast<char>(flags);
    std::memcpy(name.get() + 1, algorithm.data(), algorithm.size());
    char* out = name.get() + 1 + algorithm.size();
    if (packed) {
        for (std::size_t i = 0; i < encoded_bytes; ++i) {
            out[i] =
                static_cast<char>((hex_value(encoded[2 * i]) << 4) | hex_value(encoded[2 * i + 1]));
        }
    } else {
        std::memcpy(out, encoded.data(), encoded.size());
    }
    if (!computed.empty()) {
        std::memcpy(out + encoded_bytes, computed.data(), computed.size());
        name[size - 1] = '\0';
    }
    name_ = std::move(name);
    algorithm_size_ = static_cast<std::uint32_t>(algorithm.size());
    encoded_size_ = static_cast<std::uint32_t>(encoded.size());
}

std::string_view BlobRecord::encoded_bytes() const {
    if (!name_) return {};
    bool packed = (flags() & kPacked) != 0;
    return {name_.get() + 1 + algorithm_size_, packed ? encoded_size_ / 2 : encoded_size_};
}

std::string BlobRecord::algorithm() const {
    return name_ ? std::string(algorithm_view()) : std::string();
}

std::string BlobRecord::encoded() const {
    std::string_view stored = encoded_bytes();
    if ((flags() & kPacked) == 0) return std::string(stored);
    std::string hex(encoded_size_, '\0');
    for (std::size_t i = 0; i < stored.size(); ++i) {
        auto byte = static_cast<unsigned char>(stored[i]);
        hex[2 * i] = kHexDigits[byte >> 4];
        hex[2 * i + 1] = kHexDigits[byte & 15];
    }
    return hex;
}

std::string BlobRecord::digest() const {
    if (!name_) return {};
    return std::string(algorithm_view()) + ":" + encoded();
}

std::string BlobRecord::path() const {
    if (!name_) return {};
    return "blobs/" + std::string(algorithm_view()) + "/" + encoded();
}

bool BlobRecord::encoded_is(std::string_view hex) const {
    if (hex.size() != encoded_size_) return false;
    std::string_view stored = encoded_bytes();
    if ((flags() & kPacked) == 0) return stored == hex;
    for (std::size_t i = 0; i < stored.size(); ++i) {
        auto byte = static_cast<unsigned char>(stored[i]);
        if (hex[2 * i] != kHexDigits[byte >> 4] || hex[2 * i + 1] != kHexDigits[byte & 15]) {
            return false;
        }
    }
    return true;
}

int BlobRecord::compare(std::string_view digest) const {
    std::string_view algorithm = algorithm_view();
    // The common case, within one algorithm: compare the encoded parts nibble by nibble.
    if (name_ && (flags() & kPacked) != 0 && digest.size() > algorithm.size() &&
        digest.starts_with(algorithm) && digest[algorithm.size()] == ':') {
        std::string_view hex = digest.substr(algorithm.size() + 1);
        std::string_view stored = encoded_bytes();
        std::size_t common = std::min<std::size_t>(encoded_size_, hex.size());
        for (std::size_t i = 0; i < common; ++i) {
            auto byte = static_cast<unsigned char>(stored[i / 2]);
            char mine = kHexDigits[i % 2 == 0 ? byte >> 4 : byte & 15];
            if (mine != hex[i]) return mine < hex[i] ? -1 : 1;
        }
        return encoded_size_ < hex.size() ? -1 : encoded_size_ > hex.size() ? 1 : 0;
    }
    return sign(this->digest().compare(digest));
}

int BlobRecord::compare(const BlobRecord& other) const {
    if (name_ && other.name_ && algorithm_view() == other.algorithm_view() &&
        (flags() & kPacked) != 0 && (other.flags() & kPacked) != 0) {
        std::string_view mine = encoded_bytes();
        std::string_view theirs = other.encoded_bytes();
        std::size_t common = std::min(mine.size(), theirs.size());
        if (int order = std::memcmp(mine.data(), theirs.data(), common); order != 0) {
            return sign(order);
        }
        return mine.size() < theirs.size() ? -1 : mine.size() > theirs.size() ? 1 : 0;
    }
    return sign(digest().compare(other.digest()));
}

std::string BlobRecord::computed() const {
    if (!hashed()) return {};
    if ((flags() & kMismatch) == 0) return encoded();
    return std::string(encoded_bytes().data() + encoded_bytes().size());
}

void BlobRecord::set_computed(std::string_view hex) {
    if (!name_) return;
    bool differs = !hex.empty() && !encoded_is(hex);
    if (differs || (flags() & kMismatch) != 0) {
        rebuild(algorithm_view(), encoded(), kHashed, differs ? hex : std::string_view());
    } else {
        name_[0] = static_cast<char>(flags() | kHashed);
    }
}

void BlobRecord::clear_computed() {
    if (!name_) return;
    if ((flags() & kMismatch) != 0) {
        rebuild(algorithm_view(), encoded(), 0, {});
    } else {
        name_[0] = static_cast<char>(flags() & ~kHashed);
    }
}

std::size_t BlobStore::add(BlobRecord record) {
    sealed_ = false;
    records_.push_back(std::move(record));
    return records_.size() - 1;
}

void BlobStore::remove(const std::vector<std::size_t>& positions) {
    if (positions.empty()) return;
    std::size_t next = 0;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < records_.size(); ++i) {
        if (next < positions.size() && positions[next] == i) {
            ++next;
            continue;
        }
        if (kept != i) records_[kept] = std::move(records_[i]);
        ++kept;
    }
    records_.resize(kept);
}

void BlobStore::seal() {
    auto by_digest = [](const BlobRecord& a, const BlobRecord& b) { return a.compare(b) < 0; };
    if (!std::is_sorted(records_.begin(), records_.end(), by_digest)) {
        std::sort(records_.begin(), records_.end(), by_digest);
    }
    sealed_ = true;
}

const BlobRecord* BlobStore::find(std::string_view digest) const {
    assert(sealed_ && "BlobStore::find before seal");
    auto it = std::lower_bound(
        records_.begin(), records_.end(), digest,
        [](const BlobRecord& record, std::string_view key) { return record.compare(key) < 0; });
    return it != records_.end() && it->compare(digest) == 0 ? &*it : nullptr;
}

BlobRecord* BlobStore::find(std::string_view digest) {
    return const_cast<BlobRecord*>(std::as_const(*this).find(digest));
}

const BlobRecord* LayoutScan::find(std::string_view digest) const {
    return blobs.find(digest);
}

}  // namespace ociwasm
