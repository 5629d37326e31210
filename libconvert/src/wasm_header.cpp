#include "wasm_header.h"

namespace ociwasm::detail {

WasmHeader read_wasm_header(std::string_view head) {
    WasmHeader header;
    if (head.size() < 4 || head.substr(0, 4) != std::string_view("\0asm", 4)) return header;
    if (head.size() < kWasmHeaderSize) {
        header.shape = WasmHeader::Shape::truncated;
        return header;
    }
    auto byte = [&](std::size_t i) {
        return static_cast<unsigned>(static_cast<unsigned char>(head[i]));
    };
    header.version = byte(4) | (byte(5) << 8);
    header.layer = byte(6) | (byte(7) << 8);
    if (header.version == 1 && header.layer == 0) {
        header.shape = WasmHeader::Shape::module;
    } else if (header.layer == 1) {
        header.shape = WasmHeader::Shape::component;
    } else {
        header.shape = WasmHeader::Shape::other;
    }
    return header;
}

}  // namespace ociwasm::detail
