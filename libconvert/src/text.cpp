#include "text.h"

#include <cstdint>
#include <cstdio>

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

std::string valid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        auto byte = static_cast<unsigned char>(text[i]);
        std::size_t length = 0;
        std::uint32_t min = 0;
        if (byte < 0x80) {
            out.push_back(text[i++]);
            continue;
        }
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
        bool ok = length != 0 && i + length <= text.size();
        std::uint32_t code_point = byte & (0xFF >> (length + 1));
        for (std::size_t k = 1; ok && k < length; ++k) {
            auto next = static_cast<unsigned char>(text[i + k]);
            ok = (next & 0xC0) == 0x80;
            code_point = (code_point << 6) | (next & 0x3F);
        }
        ok = ok && code_point >= min && code_point <= 0x10FFFF &&
             !(code_point >= 0xD800 && code_point <= 0xDFFF);
        if (ok) {
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
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (byte < 0x20 || byte == 0x7F) {
            char hex[5];
            std::snprintf(hex, sizeof hex, "\\x%02X", byte);
            out += hex;
        } else {
            out.push_back(c);
        }
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
