// Parsing for documents that are rewritten (convert): every number keeps the digits it was
// written with. parse_json stores numbers as int64/uint64/double, and write_canonical writes a
// double in its shortest form, so 123456789012345678901234567890 came back as
// 1.2345678901234568e29 and 0.10000000000000000000000001 as 0.1 in members convert does not even
// know. With parse_json_exact, a number that write_canonical would not give back byte for byte is
// kept as its text, in a string that starts with kNumberTextMarker (a byte valid UTF-8 never
// holds, so no parsed string can start with it); write_canonical writes such a string as the
// number text. Every other number is stored as parse_json stores it.
#pragma once

#include <string_view>

#include "ociwasm/json.h"

namespace ociwasm::detail {

inline constexpr std::string_view kNumberTextMarker = "\xFF";

bool parse_json_exact(std::string_view text, rapidjson::Document& doc, JsonError* error,
                      const JsonLimits& limits = {});

}  // namespace ociwasm::detail
