// Digests as the OCI image-spec defines them (descriptor.md "Digests"), and streaming hashes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ociwasm {

struct Digest {
    std::string algorithm;  // e.g. "sha256"
    std::string encoded;    // e.g. 64 lowercase hex characters

    std::string str() const { return algorithm + ":" + encoded; }
    bool operator==(const Digest&) const = default;
};

// Parses `algorithm ":" encoded` by the spec grammar. For the registered algorithms it also
// enforces the encoding (sha256: 64 lowercase hex; sha512: 128 lowercase hex). On failure
// returns nullopt and, when `why` is given, a sentence saying what is wrong.
std::optional<Digest> parse_digest(std::string_view text, std::string* why = nullptr);
// The same without copying: on success `algorithm` and `encoded` view into `text`.
bool split_digest(std::string_view text, std::string_view& algorithm, std::string_view& encoded,
                  std::string* why = nullptr);
// The same rules for the two parts, e.g. taken from a path blobs/<algorithm>/<encoded>.
bool check_digest_parts(std::string_view algorithm, std::string_view encoded,
                        std::string* why = nullptr);
// Whether `text` is a digest by parse_digest's rules (allocates nothing).
bool is_valid_digest(std::string_view text);

bool is_valid_algorithm_name(std::string_view algorithm);  // grammar only
bool is_valid_encoded(std::string_view encoded);           // grammar only
// Whether every character of `text` is one of 0-9a-f (true for "").
bool is_lowercase_hex(std::string_view text);

// True for the algorithms we can compute (sha256, sha512); others are "cannot verify".
bool is_verifiable_algorithm(std::string_view algorithm);

// Streaming hash over OpenSSL EVP. Construct with a verifiable algorithm name.
class StreamHasher {
  public:
    explicit StreamHasher(std::string_view algorithm);
    ~StreamHasher();
    StreamHasher(StreamHasher&&) noexcept;
    StreamHasher& operator=(StreamHasher&&) noexcept;
    StreamHasher(const StreamHasher&) = delete;
    StreamHasher& operator=(const StreamHasher&) = delete;

    bool valid() const;  // false when the algorithm is not verifiable
    void update(const void* data, std::size_t size);
    std::uint64_t bytes() const { return bytes_; }
    // Lowercase hex of the digest; the hasher is reset afterwards.
    std::string finish_hex();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::uint64_t bytes_ = 0;
};

std::string sha256_hex(std::string_view data);
std::string sha512_hex(std::string_view data);
// "sha256:<hex>" of data.
std::string sha256_digest(std::string_view data);

}  // namespace ociwasm
