// The scan's compact record of each blob (BlobRecord) and their store in digest order
// (BlobStore): what a tool keeps of every blob for as long as it runs.
#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ociwasm/digest.h"
#include "ociwasm/layout.h"

namespace ociwasm {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// Each byte's value as a lowercase hex digit (16 when it is none; pack_hex is given checked
// hex): a table lookup per character for the 200,000 names of a large layout, each packed.
constexpr std::array<unsigned char, 256> kNibbles = [] {
    std::array<unsigned char, 256> table{};
    for (int c = 0; c < 256; ++c) {
        table[static_cast<std::size_t>(c)] = c >= '0' && c <= '9'   ? c - '0'
                                             : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                                                    : 16;
    }
    return table;
}();

unsigned hex_value(char c) {
    return kNibbles[static_cast<unsigned char>(c)];
}

int sign(int value) {
    return (value > 0) - (value < 0);
}

// Lowercase hex of even length as nibbles, two to a byte: `out` holds hex.size() / 2 bytes.
// Packed bytes keep the order of the text: '0'-'9' < 'a'-'f' as 0-9 < 10-15.
void pack_hex(std::string_view hex, char* out) {
    for (std::size_t i = 0; i < hex.size() / 2; ++i) {
        out[i] = static_cast<char>((hex_value(hex[2 * i]) << 4) | hex_value(hex[2 * i + 1]));
    }
}

// Two packed encoded parts as their hex texts compare: < 0, 0 or > 0.
int compare_packed(std::string_view a, std::string_view b) {
    if (int order = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size())); order != 0) {
        return sign(order);
    }
    return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}

// The first 8 bytes (16 hex digits) of a packed encoded part as a big-endian number, zeros
// past its end: BlobStore's buckets.
std::uint64_t leading_digits_of(std::string_view packed) {
    std::uint64_t key = 0;
    for (std::size_t i = 0; i < std::min<std::size_t>(packed.size(), 8); ++i) {
        key |= static_cast<std::uint64_t>(static_cast<unsigned char>(packed[i])) << (56 - 8 * i);
    }
    return key;
}

}  // namespace

BlobRecord::BlobRecord(std::string_view algorithm, std::string_view encoded) {
    rebuild(algorithm, encoded, 0, {});
}

BlobRecord::BlobRecord(BlobRecord&& other) noexcept {
    *this = std::move(other);
}

BlobRecord& BlobRecord::operator=(BlobRecord&& other) noexcept {
    if (this == &other) return *this;
    size = other.size;
    content = std::move(other.content);
    heap_name_ = std::move(other.heap_name_);
    algorithm_size_ = other.algorithm_size_;
    encoded_size_ = other.encoded_size_;
    std::memcpy(inline_name_, other.inline_name_, kInlineName);
    name_at_ = std::exchange(other.name_at_, NameAt::none);
    return *this;
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
    // Written apart and then moved in: `algorithm` may be this record's own name.
    std::array<char, kInlineName> local;
    std::unique_ptr<char[]> heap;
    char* name = local.data();
    if (size > kInlineName) {
        heap = std::make_unique_for_overwrite<char[]>(size);
        name = heap.get();
    }
    flags = static_cast<unsigned char>(flags & kHashed);
    if (packed) flags |= kPacked;
    if (!computed.empty()) flags |= kMismatch;
    name[0] = static_cast<char>(flags);
    std::memcpy(name + 1, algorithm.data(), algorithm.size());
    char* out = name + 1 + algorithm.size();
    if (packed) {
        pack_hex(encoded, out);
    } else {
        std::memcpy(out, encoded.data(), encoded.size());
    }
    if (!computed.empty()) {
        std::memcpy(out + encoded_bytes, computed.data(), computed.size());
        name[size - 1] = '\0';
    }
    if (heap) {
        heap_name_ = std::move(heap);
        name_at_ = NameAt::heap;
    } else {
        std::memcpy(inline_name_, local.data(), size);
        heap_name_.reset();
        name_at_ = NameAt::inline_name;
    }
    algorithm_size_ = static_cast<std::uint32_t>(algorithm.size());
    encoded_size_ = static_cast<std::uint32_t>(encoded.size());
}

std::string_view BlobRecord::encoded_bytes() const {
    if (!has_name()) return {};
    bool packed = (flags() & kPacked) != 0;
    return {name() + 1 + algorithm_size_, packed ? encoded_size_ / 2 : encoded_size_};
}

std::string BlobRecord::algorithm() const {
    return has_name() ? std::string(algorithm_view()) : std::string();
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
    if (!has_name()) return {};
    return std::string(algorithm_view()) + ":" + encoded();
}

std::string BlobRecord::path() const {
    if (!has_name()) return {};
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
    if (has_name() && (flags() & kPacked) != 0 && digest.size() > algorithm.size() &&
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
    if (has_name() && other.has_name() && algorithm_view() == other.algorithm_view() &&
        (flags() & kPacked) != 0 && (other.flags() & kPacked) != 0) {
        return compare_packed(encoded_bytes(), other.encoded_bytes());
    }
    return sign(digest().compare(other.digest()));
}

std::uint64_t BlobRecord::leading_digits() const {
    return leading_digits_of(encoded_bytes());
}

std::string BlobRecord::computed() const {
    if (!hashed()) return {};
    if ((flags() & kMismatch) == 0) return encoded();
    return std::string(encoded_bytes().data() + encoded_bytes().size());
}

void BlobRecord::set_computed(std::string_view hex) {
    if (!has_name()) return;
    bool differs = !hex.empty() && !encoded_is(hex);
    if (differs || (flags() & kMismatch) != 0) {
        rebuild(algorithm_view(), encoded(), kHashed, differs ? hex : std::string_view());
    } else {
        name()[0] = static_cast<char>(flags() | kHashed);
    }
}

void BlobRecord::clear_computed() {
    if (!has_name()) return;
    if ((flags() & kMismatch) != 0) {
        rebuild(algorithm_view(), encoded(), 0, {});
    } else {
        name()[0] = static_cast<char>(flags() & ~kHashed);
    }
}

std::size_t BlobStore::add(BlobRecord record) {
    sealed_ = false;
    indexed_ = false;
    records_.push_back(std::move(record));
    return records_.size() - 1;
}

void BlobStore::remove(const std::vector<std::size_t>& positions) {
    if (positions.empty()) return;
    indexed_ = false;
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
    if (sealed_) index();
}

void BlobStore::sort_from(std::size_t first) {
    if (first >= records_.size()) return;
    sealed_ = false;
    indexed_ = false;
    auto begin = records_.begin() + static_cast<std::ptrdiff_t>(first);
    auto by_digest = [](const BlobRecord& a, const BlobRecord& b) { return a.compare(b) < 0; };
    const BlobRecord& front = records_[first];
    bool keyed = records_.size() - first < std::numeric_limits<std::uint32_t>::max() &&
                 std::all_of(begin, records_.end(), [&](const BlobRecord& record) {
                     return record.has_name() && (record.flags() & BlobRecord::kPacked) != 0 &&
                            record.algorithm_view() == front.algorithm_view();
                 });
    if (!keyed) {
        std::sort(begin, records_.end(), by_digest);
        return;
    }
    // Names of one algorithm, all packed (a directory of sha256 blobs): sorted by their first 16
    // digits beside their positions, without following each record's name at every comparison
    // (200,000 names took 130 ms that way), then by whole names where those digits are equal.
    std::size_t count = records_.size() - first;
    std::vector<std::pair<std::uint64_t, std::uint32_t>> keys(count);
    for (std::size_t i = 0; i < count; ++i) {
        keys[i] = {records_[first + i].leading_digits(), static_cast<std::uint32_t>(i)};
    }
    std::sort(keys.begin(), keys.end());
    for (auto run = keys.begin(); run != keys.end();) {
        auto end =
            std::find_if(run, keys.end(), [&](const auto& key) { return key.first != run->first; });
        if (end - run > 1) {
            std::sort(run, end, [&](const auto& a, const auto& b) {
                return by_digest(records_[first + a.second], records_[first + b.second]);
            });
        }
        run = end;
    }
    // Moves each record to its place, one cycle of the permutation at a time: position i takes
    // the record now at from[i].
    std::vector<std::uint32_t> from(count);
    for (std::size_t i = 0; i < count; ++i) from[i] = keys[i].second;
    std::vector<std::pair<std::uint64_t, std::uint32_t>>().swap(keys);
    for (std::size_t i = 0; i < count; ++i) {
        if (from[i] == i) continue;
        BlobRecord held = std::move(records_[first + i]);
        std::size_t j = i;
        while (from[j] != i) {
            std::size_t next = from[j];
            records_[first + j] = std::move(records_[first + next]);
            from[j] = static_cast<std::uint32_t>(j);
            j = next;
        }
        records_[first + j] = std::move(held);
        from[j] = static_cast<std::uint32_t>(j);
    }
}

void BlobStore::seal() {
    auto by_digest = [](const BlobRecord& a, const BlobRecord& b) { return a.compare(b) < 0; };
    if (!std::is_sorted(records_.begin(), records_.end(), by_digest)) sort_from(0);
    sealed_ = true;
    index();
}

void BlobStore::index() {
    ranges_.clear();
    buckets_.clear();
    indexed_ = std::all_of(records_.begin(), records_.end(),
                           [](const BlobRecord& record) { return record.has_name(); });
    if (!indexed_ || records_.size() >= std::numeric_limits<std::uint32_t>::max()) {
        indexed_ = false;
        return;
    }
    for (std::size_t i = 0; i < records_.size(); ++i) {
        const BlobRecord& record = records_[i];
        std::string_view algorithm = record.algorithm_view();
        if (ranges_.empty() || ranges_.back().algorithm != algorithm) {
            ranges_.push_back({std::string(algorithm), i, i, true, 0, 0});
        }
        ranges_.back().end = i + 1;
        ranges_.back().packed = ranges_.back().packed && (record.flags() & BlobRecord::kPacked);
    }
    for (AlgorithmRange& range : ranges_) {
        if (range.packed) index_buckets(range);
    }
    buckets_.shrink_to_fit();
}

// Half as many buckets as records (a power of two, at most 2^20): one to four records each
// when the names are digests, 2 bytes a record; names made to share their leading digits only
// make a bucket larger.
void BlobStore::index_buckets(AlgorithmRange& range) {
    std::size_t count = range.end - range.begin;
    range.bits = std::clamp<unsigned>(std::bit_width(count), 2, 21) - 1;
    range.buckets = buckets_.size();
    std::uint64_t buckets = std::uint64_t{1} << range.bits;
    std::size_t next = range.begin;
    for (std::uint64_t bucket = 0; bucket <= buckets; ++bucket) {
        while (next < range.end &&
               (records_[next].leading_digits() >> (64 - range.bits)) < bucket) {
            ++next;
        }
        buckets_.push_back(static_cast<std::uint32_t>(next));
    }
}

const BlobRecord* BlobStore::find(std::string_view digest) const {
    assert(sealed_ && "BlobStore::find before seal");
    auto before = [](const BlobRecord& record, std::string_view key) {
        return record.compare(key) < 0;
    };
    auto colon = digest.find(':');
    if (indexed_ && colon != std::string_view::npos) {
        std::string_view algorithm = digest.substr(0, colon);
        auto range = std::find_if(ranges_.begin(), ranges_.end(), [&](const AlgorithmRange& r) {
            return r.algorithm == algorithm;
        });
        if (range == ranges_.end()) return nullptr;
        if (range->packed) {
            // Within the range the names differ only in their nibbles: compare those.
            std::string_view hex = digest.substr(colon + 1);
            if (hex.size() % 2 != 0 || !is_lowercase_hex(hex)) return nullptr;  // none is packed
            std::array<char, 64> stack;  // sha512 and shorter: no allocation
            std::string heap;
            char* bytes = stack.data();
            if (hex.size() / 2 > stack.size()) {
                heap.resize(hex.size() / 2);
                bytes = heap.data();
            }
            pack_hex(hex, bytes);
            std::string_view packed(bytes, hex.size() / 2);
            std::size_t bucket = range->buckets + (leading_digits_of(packed) >> (64 - range->bits));
            auto first = records_.begin() + buckets_[bucket];
            auto last = records_.begin() + buckets_[bucket + 1];
            auto it = std::partition_point(first, last, [packed](const BlobRecord& record) {
                return compare_packed(record.encoded_bytes(), packed) < 0;
            });
            return it != last && compare_packed(it->encoded_bytes(), packed) == 0 ? &*it : nullptr;
        }
    }
    auto it = std::lower_bound(records_.begin(), records_.end(), digest, before);
    return it != records_.end() && it->compare(digest) == 0 ? &*it : nullptr;
}

BlobRecord* BlobStore::find(std::string_view digest) {
    return const_cast<BlobRecord*>(std::as_const(*this).find(digest));
}

const BlobRecord* LayoutScan::find(std::string_view digest) const {
    return blobs.find(digest);
}

}  // namespace ociwasm
