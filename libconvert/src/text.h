// Text shown to people and machines: the one place that decides how input-derived bytes are
// quoted, escaped onto one line, or written as JSON strings. Every renderer uses these.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/rapidjson.h>

namespace ociwasm::detail {

// A JSON string literal of `text` for messages: quotes and backslashes escaped, control bytes
// as \u00XX, cut after 200 bytes with "...".
std::string quoted(std::string_view text);

// The size of the longest prefix of `text` of at most `max_bytes` bytes that does not end inside
// a UTF-8 sequence.
std::size_t utf8_cut(std::string_view text, std::size_t max_bytes);

// `text` when it has at most `max_bytes` bytes; otherwise its first bytes (cut by utf8_cut),
// "..." and its whole length: "blobs/sha256/aaaa... (262157 bytes)".
std::string shortened(std::string_view text, std::size_t max_bytes);

// `text` with every ill-formed UTF-8 sequence (and lone surrogate) replaced by U+FFFD: what every
// JSON, SARIF, GitLab and JUnit writer puts in a string, so machine output is always valid UTF-8.
std::string valid_utf8(std::string_view text);

// Writes `text` as a JSON string (or member name) through a RapidJSON writer, as valid UTF-8:
// every JSON writer of every tool writes its strings through here.
template <typename Writer>
void write_json_string(Writer& writer, std::string_view text) {
    std::string clean = valid_utf8(text);
    writer.String(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
}

// For one line of text output: LF, CR and tab as \n, \r, \t; other control bytes (C0 and DEL)
// as \xHH, so that an input-derived value can neither break a line nor drive a terminal.
std::string one_line(std::string_view text);

// "1 blob", "2 blobs": a count and the word for it, in the text outputs.
std::string plural(std::uint64_t count, std::string_view one, std::string_view many);

// `items` with `separator` between them ("a, b, c"); "" when there are none.
std::string join(const std::vector<std::string>& items, std::string_view separator);

// A GitHub Actions workflow-command value: % CR LF percent-encoded, and in a property value ':'
// and ',' too; other control bytes except tab as \xHH (ESC or BEL would reach the log
// viewer's terminal).
std::string github_escape(std::string_view text, bool property);

// XML 1.0 character data (or attribute value when `attribute`): markup characters as entities,
// ill-formed UTF-8 and U+FFFE/U+FFFF as U+FFFD, control bytes XML forbids as \xHH.
std::string xml_escape(std::string_view text, bool attribute);

}  // namespace ociwasm::detail
