#include "text.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace ociwasm::detail {

namespace {

// The length of the well-formed UTF-8 sequence `text` starts with (shortest form, no surrogate,
// at most U+10FFFF), or 0 when it does not start with one.
std::size_t utf8_sequence_length(std::string_view text) {
    auto byte = static_cast<unsigned char>(text[0]);
    if (byte < 0x80) return 1;
    std::size_t length = 0;
    std::uint32_t min = 0;
    if ((byte & 0xE0) == 0xC0) {
        length = 2;
        min = 0x80;
    } else if ((byte & 0xF0) == 0xE0) {
        length = 3;
        min = 0x800;
    } else if ((byte & 0xF8) == 0xF0) {
        length = 4;
        min = 0x10000;
    }
    if (length == 0 || length > text.size()) return 0;
    std::uint32_t code_point = byte & (0xFF >> (length + 1));
    for (std::size_t k = 1; k < length; ++k) {
        auto next = static_cast<unsigned char>(text[k]);
        if ((next & 0xC0) != 0x80) return 0;
        code_point = (code_point << 6) | (next & 0x3F);
    }
    bool ok = code_point >= min && code_point <= 0x10FFFF &&
              !(code_point >= 0xD800 && code_point <= 0xDFFF);
    return ok ? length : 0;
}

}  // namespace

std::size_t utf8_cut(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return text.size();
    std::size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    return cut;
}

std::string shortened(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return std::string(text);
    return std::string(text.substr(0, utf8_cut(text, max_bytes))) + "... (" +
           std::to_string(text.size()) + " bytes)";
}

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

std::string valid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        if (static_cast<unsigned char>(text[i]) < 0x80) {
            out.push_back(text[i++]);
            continue;
        }
        std::size_t length = utf8_sequence_length(text.substr(i));
        if (length != 0) {
            out.append(text.substr(i, length));
            i += length;
        } else {
            out.append("\xEF\xBF\xBD");
            ++i;
        }
    }
    return out;
}

std::string one_line(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    auto hex = [&out](unsigned char byte) {
        char buffer[5];
        std::snprintf(buffer, sizeof buffer, "\\x%02X", byte);
        out += buffer;
    };
    std::size_t i = 0;
    while (i < text.size()) {
        auto byte = static_cast<unsigned char>(text[i]);
        if (byte == '\n') {
            out += "\\n";
        } else if (byte == '\r') {
            out += "\\r";
        } else if (byte == '\t') {
            out += "\\t";
        } else if (byte < 0x20 || byte == 0x7F) {
            hex(byte);
        } else if (byte < 0x80) {
            out.push_back(text[i]);
        } else {
            // A well-formed UTF-8 sequence is kept, except the C1 controls U+0080-U+009F (U+009B
            // is CSI to a terminal); any other byte at or above 0x80 is shown as \xHH.
            std::size_t length = utf8_sequence_length(text.substr(i));
            bool c1 = length == 2 && byte == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0;
            if (length == 0 || c1) {
                for (std::size_t k = 0; k < std::max<std::size_t>(length, 1); ++k) {
                    hex(static_cast<unsigned char>(text[i + k]));
                }
                i += std::max<std::size_t>(length, 1);
                continue;
            }
            out.append(text.substr(i, length));
            i += length;
            continue;
        }
        ++i;
    }
    return out;
}

std::string plural(std::uint64_t count, std::string_view one, std::string_view many) {
    return std::to_string(count) + " " + std::string(count == 1 ? one : many);
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
    std::string out;
    for (const std::string& item : items) {
        if (!out.empty()) out += separator;
        out += item;
    }
    return out;
}

std::string github_escape(std::string_view text, bool property) {
    std::string out;
    for (char c : valid_utf8(text)) {
        switch (c) {
            case '%':
                out += "%25";
                break;
            case '\r':
                out += "%0D";
                break;
            case '\n':
                out += "%0A";
                break;
            case ':':
                out += property ? "%3A" : ":";
                break;
            case ',':
                out += property ? "%2C" : ",";
                break;
            default:
                if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == '\x7F') {
                    out += one_line(std::string_view(&c, 1));
                } else {
                    out.push_back(c);
                }
        }
    }
    return out;
}

std::string xml_escape(std::string_view text, bool attribute) {
    std::string clean = valid_utf8(text);
    std::string out;
    out.reserve(clean.size());
    for (std::size_t i = 0; i < clean.size(); ++i) {
        char c = clean[i];
        auto byte = static_cast<unsigned char>(c);
        if (byte == 0xEF && i + 2 < clean.size() && clean[i + 1] == '\xBF' &&
            (clean[i + 2] == '\xBE' || clean[i + 2] == '\xBF')) {
            out += "\xEF\xBF\xBD";
            i += 2;
            continue;
        }
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += attribute ? "&quot;" : "\"";
                break;
            case '\'':
                out += attribute ? "&apos;" : "'";
                break;
            case '\t':
                out += attribute ? "&#9;" : "\t";
                break;
            case '\n':
                out += attribute ? "&#10;" : "\n";
                break;
            case '\r':
                out += "&#13;";
                break;
            default:
                if (byte < 0x20) {
                    char hex[5];
                    std::snprintf(hex, sizeof hex, "\\x%02X", byte);
                    out += hex;
                } else {
                    out.push_back(c);
                }
        }
    }
    return out;
}

}  // namespace ociwasm::detail
