// Findings: what validation says about an input. The library returns them; tools print them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ociwasm {

enum class Severity { info, warning, error };

std::string_view severity_name(Severity severity);

struct Finding {
    Severity severity = Severity::error;
    std::string code;     // stable identifier from ociwasm/finding_codes.h; documented in README
    std::string message;  // says what was expected and what was found
    std::string file;     // path inside the layout ("index.json", "blobs/sha256/<hex>") or input
    std::string pointer;  // RFC 6901 JSON pointer into `file`, "" when not about a JSON value
    std::string digest;   // the blob's digest when the finding is about a blob
    // How many descriptors said this about the blob (Findings::add_reached): the finding shows
    // the first of them. 1 for every other finding.
    std::uint64_t occurrences = 1;
};

// The findings of one input, in the order they were made. However many there are, memory holds
// only the newest (about 1 MiB of them): older ones wait in an unnamed temporary file (in
// $TMPDIR, else /tmp) until they are visited. Reading them back failing is an exception
// (std::runtime_error), like running out of memory.
class Findings {
  public:
    Findings();
    ~Findings();
    Findings(const Findings& other);
    Findings& operator=(const Findings& other);
    Findings(Findings&& other) noexcept;
    Findings& operator=(Findings&& other) noexcept;

    void add(Finding finding);
    // A finding about the blob `finding.digest` made at one of the descriptors that reach it:
    // the first one is kept (its location and message), each later one with the same code and
    // digest only counts in its `occurrences`. One blob shared by a million descriptors is one
    // finding, not a million.
    void add_reached(Finding finding);
    void error(std::string code, std::string message, std::string file = {},
               std::string pointer = {}, std::string digest = {});
    void warning(std::string code, std::string message, std::string file = {},
                 std::string pointer = {}, std::string digest = {});
    void info(std::string code, std::string message, std::string file = {},
              std::string pointer = {}, std::string digest = {});
    void append(const Findings& other);

    bool has_errors() const;
    bool has_warnings() const;
    std::size_t count(Severity severity) const;
    bool contains(std::string_view code) const;
    // The distinct codes, sorted.
    std::vector<std::string> codes() const;
    bool empty() const { return size() == 0; }
    std::size_t size() const;

    // Visits the findings in order; `visit` returns false to stop. The Finding is valid only
    // during its call.
    void visit(const std::function<bool(const Finding&)>& visit) const;
    void for_each(const std::function<void(const Finding&)>& visit) const;
    bool any_of(const std::function<bool(const Finding&)>& predicate) const;
    // Drops the findings `predicate` is true of; the others keep their order.
    void remove_if(const std::function<bool(const Finding&)>& predicate);
    // Every finding, copied into a vector: for tests and for sets known to be small. Visit
    // anything else.
    std::vector<Finding> all() const;

  private:
    struct Store;
    Store& store();
    std::unique_ptr<Store> store_;  // null until the first finding: most Findings stay empty
};

}  // namespace ociwasm
