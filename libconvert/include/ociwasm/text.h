// Escaping of input-derived text, for programs built on the library (the tools' stderr): the
// functions of the library's one text module (src/text.cpp), which every renderer uses too.
// src/text.h declares the same functions for the library's own files.
#pragma once

#include <string>
#include <string_view>

namespace ociwasm {

namespace detail {
std::string valid_utf8(std::string_view text);
std::string one_line(std::string_view text);
}  // namespace detail

namespace text {
// `text` with every ill-formed UTF-8 sequence replaced by U+FFFD.
using detail::valid_utf8;
// For one line of text output: LF, CR and tab as \n, \r, \t; other control bytes (C0 and DEL)
// as \xHH, so that an input-derived value can neither break a line nor drive a terminal.
using detail::one_line;
}  // namespace text

}  // namespace ociwasm
