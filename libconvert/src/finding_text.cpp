#include "ociwasm/finding_text.h"

#include "text.h"

namespace ociwasm {

std::string_view message_without_location(const Finding& finding) {
    std::string_view message = finding.message;
    for (std::string_view prefix :
         {std::string_view(finding.file), std::string_view(finding.pointer)}) {
        if (!prefix.empty() && message.size() > prefix.size() + 2 && message.starts_with(prefix) &&
            message.substr(prefix.size(), 2) == ": ") {
            message.remove_prefix(prefix.size() + 2);
        }
    }
    return message;
}

std::string occurrences_note(const Finding& finding) {
    if (finding.occurrences <= 1) return {};
    return " (found at " + std::to_string(finding.occurrences) +
           " descriptors of this blob; the first is shown)";
}

std::string shown_message(const Finding& finding) {
    return std::string(message_without_location(finding)) + occurrences_note(finding);
}

std::string finding_diagnostic(const Finding& finding) {
    std::string where = finding.file;
    if (!finding.pointer.empty()) where += "#" + finding.pointer;
    std::string out = where.empty() ? std::string() : detail::one_line(where) + ": ";
    if (finding.severity == Severity::warning) out += "warning: ";
    out += detail::one_line(finding.code) + ": " + detail::one_line(shown_message(finding));
    return out;
}

}  // namespace ociwasm
