// JSON input per I-JSON (RFC 7493) and canonical JSON output.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

namespace ociwasm {

struct JsonError {
    std::size_t offset = 0;  // byte offset into the input where the problem was found
    std::size_t line = 1;    // 1-based line of `offset` (lines end at \n)
    std::size_t column = 1;  // 1-based column of `offset`, in characters (UTF-8 code points)
    std::string message;     // e.g. "duplicate member name \"config\""
    // RFC 6901 pointer: for a syntax error, the innermost container the parser had opened
    // (never a member it had not read yet); for a duplicate name or a bad string, that member.
    std::string pointer;
};

// "line L, column C (byte B)": where `error` is, for messages.
std::string json_error_position(const JsonError& error);

struct JsonLimits {
    std::size_t max_depth = 512;  // nesting of arrays/objects; deeper input is rejected
};

// Parses `text` into `doc`. Rejects invalid UTF-8, duplicate member names in one object,
// trailing content, and nesting deeper than the limit (parsing is iterative: no stack overflow).
// Numbers keep full precision. Returns false and fills `error` on failure.
bool parse_json(std::string_view text, rapidjson::Document& doc, JsonError* error,
                const JsonLimits& limits = {});

// Compact JSON with object members sorted by name (bytewise), no insignificant white space.
std::string write_canonical(const rapidjson::Value& value);

// RFC 6901 helpers.
std::string pointer_escape(std::string_view token);
std::string pointer_join(std::string_view base, std::string_view token);
std::string pointer_join(std::string_view base, std::size_t index);

}  // namespace ociwasm
