// Findings: what validation says about an input. The library returns them; tools print them.
#pragma once

#include <cstddef>
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
};

class Findings {
  public:
    void add(Finding finding) { items_.push_back(std::move(finding)); }
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
    bool empty() const { return items_.empty(); }
    std::size_t size() const { return items_.size(); }
    const std::vector<Finding>& all() const { return items_; }
    std::vector<Finding>& all() { return items_; }

  private:
    std::vector<Finding> items_;
};

}  // namespace ociwasm
