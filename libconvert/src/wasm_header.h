// The wasm binary header: its first 8 bytes (the \0asm magic, a 16-bit version, a 16-bit layer)
// say whether a blob is a core module or a component. Validation (WASM-MAGIC, WASM-KIND) and
// inspection (the layer's "wasm" kind) both read a layer's first bytes through here.
#pragma once

#include <cstddef>
#include <string_view>

namespace ociwasm::detail {

// The header's size: how many bytes of a wasm layer the checks read.
inline constexpr std::size_t kWasmHeaderSize = 8;

struct WasmHeader {
    enum class Shape {
        no_magic,   // fewer than 4 bytes, or they are not \0asm
        truncated,  // \0asm, then fewer than kWasmHeaderSize bytes in all
        module,     // version 1, layer 0: a core module
        component,  // layer 1 (any version): a component-model binary
        other,      // \0asm with any other version and layer
    };
    Shape shape = Shape::no_magic;
    unsigned version = 0;  // bytes 4-5, little-endian; 0 unless the header is complete
    unsigned layer = 0;    // bytes 6-7, little-endian; 0 unless the header is complete
};

// Reads the header from the first bytes of a blob (bytes past the header are ignored).
WasmHeader read_wasm_header(std::string_view head);

}  // namespace ociwasm::detail
