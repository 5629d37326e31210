// What the validation report formats share between report.cpp (text, JSON Lines, the code
// catalogue) and report_ci.cpp (SARIF, GitHub, GitLab, JUnit): the catalogue lookup, where a
// finding is inside its input, a finding's text line, and one JSON string member.
#pragma once

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

}  // namespace ociwasm::detail
