// The "file: pointer: " that starts every finding message, written in one place for every check
// (finding_text.h's message_without_location takes it off again where a format shows the
// location apart).
#pragma once

#include <string>
#include <string_view>

namespace ociwasm::detail {

// "file: ", or "file: pointer: " when the finding points into a JSON document.
inline std::string where(std::string_view file, std::string_view pointer) {
    std::string out(file);
    out += ": ";
    if (!pointer.empty()) {
        out += pointer;
        out += ": ";
    }
    return out;
}

}  // namespace ociwasm::detail
