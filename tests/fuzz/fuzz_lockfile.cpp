// libFuzzer entry point: a Spin lockfile alone and inside Spin apps of both formats.
#include <cstddef>
#include <cstdint>

#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    ociwasm::fuzz::lockfile(data, size);
    return 0;
}
