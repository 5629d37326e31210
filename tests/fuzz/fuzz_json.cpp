// libFuzzer entry point: one bare JSON document of each kind (parse, schema, rules).
#include <cstddef>
#include <cstdint>

#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    ociwasm::fuzz::json_document(data, size);
    return 0;
}
