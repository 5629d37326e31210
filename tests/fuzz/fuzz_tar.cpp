// libFuzzer entry point: a layout tar, read as a file and as a stream, validated, converted when
// valid.
#include <cstddef>
#include <cstdint>

#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    ociwasm::fuzz::tar_layout(data, size);
    return 0;
}
