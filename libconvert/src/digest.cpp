#include "ociwasm/digest.h"

#include <openssl/evp.h>

#include <array>

namespace ociwasm {

namespace {

// What each byte may be in a digest, one table lookup per character: the checks run on every
// blob name and every descriptor (600,000 digests for 100,000 apps).
enum DigestChar : unsigned char {
    kLowerAlnum = 1,  // [a-z0-9]: algorithm components
    kSeparator = 2,   // [+._-]: between algorithm components
    kEncoded = 4,     // [a-zA-Z0-9=_-]
    kLowerHex = 8,    // [0-9a-f]
};

constexpr std::array<unsigned char, 256> kDigestChars = [] {
    std::array<unsigned char, 256> table{};
    for (int c = 0; c < 256; ++c) {
        bool digit = c >= '0' && c <= '9';
        bool lower = c >= 'a' && c <= 'z';
        bool upper = c >= 'A' && c <= 'Z';
        unsigned char bits = 0;
        if (digit || lower) bits |= kLowerAlnum;
        if (c == '+' || c == '.' || c == '_' || c == '-') bits |= kSeparator;
        if (digit || lower || upper || c == '=' || c == '_' || c == '-') bits |= kEncoded;
        if (digit || (c >= 'a' && c <= 'f')) bits |= kLowerHex;
        table[static_cast<std::size_t>(c)] = bits;
    }
    return table;
}();

unsigned char digest_char(char c) {
    return kDigestChars[static_cast<unsigned char>(c)];
}

bool all_chars(std::string_view s, unsigned char bit) {
    unsigned char all = bit;
    for (char c : s) all &= digest_char(c);  // no branch per character
    return all != 0;
}

bool is_lower_alnum(char c) {
    return (digest_char(c) & kLowerAlnum) != 0;
}

// Fetched once: OpenSSL 3 looks the implementation up again at every EVP_DigestInit_ex given
// EVP_sha256(), which cost more than hashing a small blob. Never freed: hashers may still run
// while the process exits.
const EVP_MD* fetched(const char* name, const EVP_MD* fallback) {
    const EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
    return md != nullptr ? md : fallback;
}

const EVP_MD* md_for(std::string_view algorithm) {
    if (algorithm == "sha256") {
        static const EVP_MD* const kSha256 = fetched("SHA2-256", EVP_sha256());
        return kSha256;
    }
    if (algorithm == "sha512") {
        static const EVP_MD* const kSha512 = fetched("SHA2-512", EVP_sha512());
        return kSha512;
    }
    return nullptr;
}

std::string to_hex(const unsigned char* data, unsigned int size) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(size * 2, '\0');
    for (unsigned int i = 0; i < size; ++i) {
        out[2 * i] = kHex[data[i] >> 4];
        out[2 * i + 1] = kHex[data[i] & 0x0f];
    }
    return out;
}

}  // namespace

// algorithm ::= component (separator component)*, component ::= [a-z0-9]+, separator ::= [+._-]
bool is_valid_algorithm_name(std::string_view algorithm) {
    if (algorithm.empty()) return false;
    bool need_alnum = true;
    for (char c : algorithm) {
        if (is_lower_alnum(c)) {
            need_alnum = false;
        } else if ((digest_char(c) & kSeparator) != 0) {
            if (need_alnum) return false;
            need_alnum = true;
        } else {
            return false;
        }
    }
    return !need_alnum;
}

// encoded ::= [a-zA-Z0-9=_-]+
bool is_valid_encoded(std::string_view encoded) {
    return !encoded.empty() && all_chars(encoded, kEncoded);
}

bool is_lowercase_hex(std::string_view text) {
    return all_chars(text, kLowerHex);
}

bool is_verifiable_algorithm(std::string_view algorithm) {
    return md_for(algorithm) != nullptr;
}

bool check_digest_parts(std::string_view algorithm, std::string_view encoded, std::string* why) {
    // The common case in one pass: a registered algorithm and its lowercase hex.
    if ((algorithm == "sha256" && encoded.size() == 64) ||
        (algorithm == "sha512" && encoded.size() == 128)) {
        if (is_lowercase_hex(encoded)) return true;
    }
    auto fail = [why](std::string reason) {
        if (why) *why = std::move(reason);
        return false;
    };
    if (!is_valid_algorithm_name(algorithm)) {
        return fail("digest algorithm \"" + std::string(algorithm) +
                    "\" does not match [a-z0-9]+([+._-][a-z0-9]+)*");
    }
    if (!is_valid_encoded(encoded)) {
        return fail("digest encoded part \"" + std::string(encoded) +
                    "\" does not match [a-zA-Z0-9=_-]+");
    }
    std::size_t expected = algorithm == "sha256" ? 64 : algorithm == "sha512" ? 128 : 0;
    if (expected != 0 && (encoded.size() != expected || !is_lowercase_hex(encoded))) {
        return fail(std::string(algorithm) + " digest must be " + std::to_string(expected) +
                    " lowercase hex characters, found " + std::to_string(encoded.size()) +
                    (is_lowercase_hex(encoded) ? " characters"
                                               : " characters that are not all lowercase hex"));
    }
    return true;
}

bool split_digest(std::string_view text, std::string_view& algorithm, std::string_view& encoded,
                  std::string* why) {
    auto colon = text.find(':');
    if (colon == std::string_view::npos) {
        if (why)
            *why = "digest \"" + std::string(text) + "\" has no ':' between algorithm and encoded";
        return false;
    }
    if (!check_digest_parts(text.substr(0, colon), text.substr(colon + 1), why)) return false;
    algorithm = text.substr(0, colon);
    encoded = text.substr(colon + 1);
    return true;
}

std::optional<Digest> parse_digest(std::string_view text, std::string* why) {
    std::string_view algorithm;
    std::string_view encoded;
    if (!split_digest(text, algorithm, encoded, why)) return std::nullopt;
    return Digest{std::string(algorithm), std::string(encoded)};
}

bool is_valid_digest(std::string_view text) {
    std::string_view algorithm;
    std::string_view encoded;
    return split_digest(text, algorithm, encoded, nullptr);
}

struct StreamHasher::Impl {
    EVP_MD_CTX* ctx = nullptr;
    const EVP_MD* md = nullptr;
    ~Impl() { EVP_MD_CTX_free(ctx); }
};

StreamHasher::StreamHasher(std::string_view algorithm) : impl_(std::make_unique<Impl>()) {
    impl_->md = md_for(algorithm);
    if (impl_->md) {
        impl_->ctx = EVP_MD_CTX_new();
        if (!impl_->ctx || EVP_DigestInit_ex(impl_->ctx, impl_->md, nullptr) != 1) {
            EVP_MD_CTX_free(impl_->ctx);
            impl_->ctx = nullptr;
        }
    }
}

StreamHasher::~StreamHasher() = default;
StreamHasher::StreamHasher(StreamHasher&&) noexcept = default;
StreamHasher& StreamHasher::operator=(StreamHasher&&) noexcept = default;

bool StreamHasher::valid() const {
    return impl_ && impl_->ctx != nullptr;
}

void StreamHasher::update(const void* data, std::size_t size) {
    bytes_ += size;
    if (valid() && size > 0) EVP_DigestUpdate(impl_->ctx, data, size);
}

std::string StreamHasher::finish_hex() {
    if (!valid()) return {};
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int size = 0;
    EVP_DigestFinal_ex(impl_->ctx, out.data(), &size);
    EVP_DigestInit_ex(impl_->ctx, impl_->md, nullptr);
    bytes_ = 0;
    return to_hex(out.data(), size);
}

std::string sha256_hex(std::string_view data) {
    StreamHasher hasher("sha256");
    hasher.update(data.data(), data.size());
    return hasher.finish_hex();
}

std::string sha512_hex(std::string_view data) {
    StreamHasher hasher("sha512");
    hasher.update(data.data(), data.size());
    return hasher.finish_hex();
}

std::string sha256_digest(std::string_view data) {
    return "sha256:" + sha256_hex(data);
}

}  // namespace ociwasm
