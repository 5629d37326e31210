#include "text.h"

namespace ociwasm::detail {

std::string quoted(std::string_view text) {
    constexpr std::size_t kMaxShown = 200;
    std::string out = "\"";
    std::size_t shown = 0;
    for (char c : text) {
        if (++shown > kMaxShown) {
            out += "...";
            break;
        }
        auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20) {
            static constexpr char kHex[] = "0123456789abcdef";
            out += "\\u00";
            out += kHex[byte >> 4];
            out += kHex[byte & 0xf];
        } else {
            out += c;
        }
    }
    out += '"';
    return out;
}

}  // namespace ociwasm::detail
