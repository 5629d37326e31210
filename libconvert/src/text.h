// Text shown to people and machines: the one place that decides how input-derived bytes are
// quoted, escaped onto one line, or written as JSON strings. Every renderer uses these.
#pragma once

#include <string>
#include <string_view>

namespace ociwasm::detail {

// A JSON string literal of `text` for messages: quotes and backslashes escaped, control bytes
// as \u00XX, cut after 200 bytes with "...".
std::string quoted(std::string_view text);

}  // namespace ociwasm::detail
