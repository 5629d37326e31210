// libFuzzer entry point: conversion both ways of Spin apps built around a fuzzed lockfile.
#include <cstddef>
#include <cstdint>

#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    ociwasm::fuzz::convert(data, size);
    return 0;
}
