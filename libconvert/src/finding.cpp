#include "ociwasm/finding.h"

#include <array>
#include <charconv>
#include <map>
#include <unordered_map>
#include <utility>

#include "ociwasm/digest.h"
#include "record_log.h"

namespace ociwasm {

std::string_view severity_name(Severity severity) {
    switch (severity) {
        case Severity::info:
            return "info";
        case Severity::warning:
            return "warning";
        case Severity::error:
            return "error";
    }
    return "error";
}

namespace {

// A finding as a record of the log: severity, whether it came through add_reached, its
// occurrences (for a reached one the store's count is the current one), then its texts.
void encode(const Finding& finding, bool reached, std::string& out) {
    out.clear();
    detail::put_number(out, static_cast<std::uint64_t>(finding.severity));
    detail::put_number(out, reached ? 1 : 0);
    detail::put_number(out, finding.occurrences);
    for (const std::string* text :
         {&finding.code, &finding.message, &finding.file, &finding.pointer, &finding.digest}) {
        detail::put_text(out, *text);
    }
}

bool decode(std::string_view in, Finding& finding) {
    finding.severity = static_cast<Severity>(detail::take_number(in));
    bool reached = detail::take_number(in) != 0;
    finding.occurrences = detail::take_number(in);
    for (std::string* text :
         {&finding.code, &finding.message, &finding.file, &finding.pointer, &finding.digest}) {
        detail::take_text(in, *text);
    }
    return reached;
}

// What add_reached counts by: code and digest, as 128 bits of their SHA-256, so that the
// findings about a million distinct blobs keep 16 bytes of key each, not the digests' text (no
// one can make two keys meet without breaking SHA-256).
struct ReachedKey {
    std::uint64_t high = 0;
    std::uint64_t low = 0;
    bool operator==(const ReachedKey&) const = default;
};

struct ReachedKeyHash {
    std::size_t operator()(const ReachedKey& key) const { return key.low; }
};

ReachedKey reached_key(std::string_view code, std::string_view digest) {
    std::string text(code);
    text += '\0';
    text += digest;
    std::string hex = sha256_hex(text);
    ReachedKey key;
    std::from_chars(hex.data(), hex.data() + 16, key.high, 16);
    std::from_chars(hex.data() + 16, hex.data() + 32, key.low, 16);
    return key;
}

std::size_t severity_slot(Severity severity) {
    return static_cast<std::size_t>(severity);
}

}  // namespace

struct Findings::Store {
    detail::RecordLog log;
    std::array<std::size_t, 3> counts{};                    // by severity
    std::map<std::string, std::size_t, std::less<>> codes;  // code -> findings with it
    std::unordered_map<ReachedKey, std::uint64_t, ReachedKeyHash> reached;  // -> occurrences
    std::string scratch;  // the record being encoded

    void append(const Finding& finding, bool is_reached) {
        encode(finding, is_reached, scratch);
        log.append(scratch);
        ++counts[severity_slot(finding.severity)];
        ++codes[finding.code];
    }

    // Every finding in order, with whether it came through add_reached (its occurrences then
    // the current count); stops when `visit` returns false.
    void visit(const std::function<bool(const Finding&, bool reached)>& visit) const {
        Finding finding;
        log.visit([&](std::string_view record) {
            bool is_reached = decode(record, finding);
            if (is_reached)
                finding.occurrences = reached.at(reached_key(finding.code, finding.digest));
            return visit(finding, is_reached);
        });
    }
};

Findings::Findings() = default;
Findings::~Findings() = default;
Findings::Findings(Findings&& other) noexcept = default;
Findings& Findings::operator=(Findings&& other) noexcept = default;

Findings::Findings(const Findings& other) {
    append(other);
}

Findings& Findings::operator=(const Findings& other) {
    if (this != &other) {
        store_.reset();
        append(other);
    }
    return *this;
}

Findings::Store& Findings::store() {
    if (!store_) store_ = std::make_unique<Store>();
    return *store_;
}

void Findings::add(Finding finding) {
    store().append(finding, false);
}

void Findings::add_reached(Finding finding) {
    if (finding.digest.empty()) {
        add(std::move(finding));
        return;
    }
    Store& s = store();
    auto [it, first] = s.reached.try_emplace(reached_key(finding.code, finding.digest), 0);
    it->second += finding.occurrences;
    if (first) s.append(finding, true);
}

void Findings::error(std::string code, std::string message, std::string file, std::string pointer,
                     std::string digest) {
    add(Finding{Severity::error, std::move(code), std::move(message), std::move(file),
                std::move(pointer), std::move(digest)});
}

void Findings::warning(std::string code, std::string message, std::string file, std::string pointer,
                       std::string digest) {
    add(Finding{Severity::warning, std::move(code), std::move(message), std::move(file),
                std::move(pointer), std::move(digest)});
}

void Findings::info(std::string code, std::string message, std::string file, std::string pointer,
                    std::string digest) {
    add(Finding{Severity::info, std::move(code), std::move(message), std::move(file),
                std::move(pointer), std::move(digest)});
}

void Findings::append(const Findings& other) {
    if (!other.store_) return;
    other.store_->visit([&](const Finding& finding, bool reached) {
        reached ? add_reached(finding) : add(finding);
        return true;
    });
}

std::size_t Findings::count(Severity severity) const {
    return store_ ? store_->counts[severity_slot(severity)] : 0;
}

bool Findings::has_errors() const {
    return count(Severity::error) > 0;
}
bool Findings::has_warnings() const {
    return count(Severity::warning) > 0;
}

bool Findings::contains(std::string_view code) const {
    return store_ && store_->codes.find(code) != store_->codes.end();
}

std::vector<std::string> Findings::codes() const {
    std::vector<std::string> out;
    if (store_) {
        for (const auto& [code, count] : store_->codes) out.push_back(code);
    }
    return out;
}

std::size_t Findings::size() const {
    return store_ ? store_->log.size() : 0;
}

void Findings::visit(const std::function<bool(const Finding&)>& visit) const {
    if (!store_) return;
    store_->visit([&](const Finding& finding, bool) { return visit(finding); });
}

void Findings::for_each(const std::function<void(const Finding&)>& visit_one) const {
    visit([&](const Finding& finding) {
        visit_one(finding);
        return true;
    });
}

bool Findings::any_of(const std::function<bool(const Finding&)>& predicate) const {
    bool found = false;
    visit([&](const Finding& finding) {
        found = predicate(finding);
        return !found;
    });
    return found;
}

void Findings::remove_if(const std::function<bool(const Finding&)>& predicate) {
    if (!store_) return;
    Findings kept;
    store_->visit([&](const Finding& finding, bool reached) {
        if (!predicate(finding)) reached ? kept.add_reached(finding) : kept.add(finding);
        return true;
    });
    store_ = std::move(kept.store_);
}

std::vector<Finding> Findings::all() const {
    std::vector<Finding> out;
    for_each([&](const Finding& finding) { out.push_back(finding); });
    return out;
}

}  // namespace ociwasm
