// The JSON schemas from schemas/, embedded at build time.
#pragma once

#include <cstddef>
#include <string_view>

namespace ociwasm::detail {

struct EmbeddedFile {
    std::string_view name;
    std::string_view bytes;
};

extern const EmbeddedFile kEmbeddedSchemas[];
extern const std::size_t kEmbeddedSchemaCount;

}  // namespace ociwasm::detail
