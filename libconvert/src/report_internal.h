// What the validation report formats share between report.cpp (text, JSON Lines, the code
// catalogue) and report_ci.cpp (SARIF, GitHub, GitLab, JUnit): the catalogue lookup, where a
// finding is inside its input, a finding's text line, one JSON string member, and the buffered
// stream the JSON formats are written through.
#pragma once

#include <ostream>
#include <sstream>
#include <string>
#include <string_view>

#include "ociwasm/finding.h"
#include "ociwasm/finding_codes.h"
#include "ociwasm/report.h"
#include "text.h"

namespace ociwasm::detail {

// One entry of the finding-code catalogue (ociwasm/finding_codes.h).
using CodeInfo = FindingCode;

// The catalogue entry of `code`, or nullptr when the code is not catalogued.
const CodeInfo* find_code(std::string_view code);

// Where inside the input a finding is: "FILE#POINTER", "FILE", "DIGEST", "#POINTER" or "".
std::string inner_location(const InputReport& report, const Finding& finding);

// One finding as the text format prints it: `WHERE: SEVERITY: CODE: MESSAGE`, no newline.
std::string finding_line(const InputReport& report, const Finding& finding);

// A member `"key": "value"` of the object being written, both as valid UTF-8.
template <typename Writer>
void write_member(Writer& writer, std::string_view key, std::string_view value) {
    write_json_string(writer, key);
    write_json_string(writer, value);
}

// A RapidJSON output stream writing to a std::ostream in chunks, so that a report of any size
// goes out as it is made.
class JsonOStream {
  public:
    using Ch = char;

    explicit JsonOStream(std::ostream& out) : out_(out) { buffer_.reserve(kChunk); }
    ~JsonOStream() { Flush(); }
    JsonOStream(const JsonOStream&) = delete;
    JsonOStream& operator=(const JsonOStream&) = delete;

    void Put(char c) {
        buffer_.push_back(c);
        if (buffer_.size() >= kChunk) Flush();
    }
    void Flush() {
        out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
        buffer_.clear();
    }

  private:
    static constexpr std::size_t kChunk = 64 * 1024;
    std::ostream& out_;
    std::string buffer_;
};

// What `write` writes to a stream, as a string (the render_* functions).
template <typename Write>
std::string written(Write write) {
    std::ostringstream out;
    write(out);
    return std::move(out).str();
}

}  // namespace ociwasm::detail
