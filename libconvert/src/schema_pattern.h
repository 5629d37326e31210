// JSON Schema "pattern": an ECMAScript regular expression compiled to a DFA over bytes, so that a
// match is one table lookup per byte of the text, with no recursion and no allocation. The
// schemas' patterns are checked for every digest, media type and base64 field of every document;
// std::regex spent more time allocating its matcher state than matching.
//
// Accepted syntax (anything else is a compile error naming what is not supported, so a schema
// that needs more fails its compile test instead of matching differently): literals; "." (any
// byte but \n and \r); classes "[...]" and "[^...]" with ranges; the escapes \d \D \w \W \s \S,
// \t \n \v \f \r \0 and a backslash before any ASCII punctuation; groups "(...)" and "(?:...)";
// "|"; the quantifiers * + ? {n} {n,} {n,m}, greedy or lazy (the same for a yes/no answer); and
// the anchors ^ and $ anywhere (no multiline mode). Characters are bytes, as for std::regex over
// std::string.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ociwasm::detail {

class SchemaPattern {
  public:
    // The compiled pattern, or nullopt with `error` saying what is not supported (or too large:
    // the automaton is bounded).
    static std::optional<SchemaPattern> compile(std::string_view pattern, std::string& error);

    // Whether `text` holds a match anywhere in it, as RegExp.prototype.test and
    // std::regex_search answer.
    bool search(std::string_view text) const;

  private:
    friend class PatternAutomaton;

    static constexpr std::uint8_t kAcceptNow = 1;    // a match ends here: the search is over
    static constexpr std::uint8_t kAcceptAtEnd = 2;  // a match ends here if the text does
    static constexpr std::uint8_t kDead = 4;         // no match can follow: the search is over

    std::array<std::uint8_t, 256> byte_class_{};
    std::uint32_t classes_ = 0;
    std::vector<std::uint32_t> next_;  // [state * classes_ + class]
    std::vector<std::uint8_t> flags_;  // per state
    std::uint32_t start_ = 0;
};

}  // namespace ociwasm::detail
