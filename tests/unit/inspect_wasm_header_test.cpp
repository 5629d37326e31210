// The wasm header as inspection and validation read it: one reader (wasm_header.h), so what
// oci-wasm-inspect calls a module or a component is what oci-wasm-validate's WASM-KIND says,
// and what it calls not-wasm is WASM-MAGIC or a kind it does not recognise.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "ociwasm/finding.h"
#include "ociwasm/inspect.h"
#include "validate_internal.h"
#include "wasm_format_checks.h"
#include "wasm_header.h"

namespace ociwasm {
namespace {

using detail::WasmHeader;

std::string bytes(std::string_view text) {
    return std::string(text);
}

TEST(InspectWasmHeader, ReadsMagicVersionAndLayer) {
    WasmHeader module = detail::read_wasm_header(bytes({"\0asm\x01\x00\x00\x00", 8}));
    EXPECT_EQ(module.shape, WasmHeader::Shape::module);
    EXPECT_EQ(module.version, 1u);
    EXPECT_EQ(module.layer, 0u);

    WasmHeader component = detail::read_wasm_header(bytes({"\0asm\x0d\x01\x01\x00tail", 12}));
    EXPECT_EQ(component.shape, WasmHeader::Shape::component);
    EXPECT_EQ(component.version, 0x010du);  // little-endian
    EXPECT_EQ(component.layer, 1u);

    EXPECT_EQ(detail::read_wasm_header(bytes({"\0asm\x02\x00\x00\x00", 8})).shape,
              WasmHeader::Shape::other);
    EXPECT_EQ(detail::read_wasm_header(bytes({"\0asm\x01\x00", 6})).shape,
              WasmHeader::Shape::truncated);
    EXPECT_EQ(detail::read_wasm_header(bytes({"\0as", 3})).shape, WasmHeader::Shape::no_magic);
    EXPECT_EQ(detail::read_wasm_header("PK\x03\x04....").shape, WasmHeader::Shape::no_magic);
    EXPECT_EQ(detail::read_wasm_header("").shape, WasmHeader::Shape::no_magic);
    EXPECT_EQ(detail::kWasmHeaderSize, 8u);
}

// For every header shape, inspection's kind and validation's finding tell the same story.
TEST(InspectWasmHeader, InspectionAgreesWithValidation) {
    struct Case {
        std::string head;
        WasmKind kind;
        std::string_view code;     // what validation reports
        std::string_view message;  // a part of its message
    };
    const Case cases[] = {
        {bytes({"\0asm\x01\x00\x00\x00", 8}), WasmKind::module, "WASM-KIND", "core wasm module"},
        {bytes({"\0asm\x0d\x00\x01\x00", 8}), WasmKind::component, "WASM-KIND",
         "component-model version 13"},
        {bytes({"\0asm\x0e\x00\x01\x00", 8}), WasmKind::component, "WASM-KIND",
         "component-model version 14"},
        {bytes({"\0asm\x02\x00\x00\x00", 8}), WasmKind::not_wasm, "WASM-KIND", "unrecognised"},
        {bytes({"\0asm\x01\x00\x02\x00", 8}), WasmKind::not_wasm, "WASM-KIND", "unrecognised"},
        {bytes({"\0asm\x01", 5}), WasmKind::not_wasm, "WASM-MAGIC", "8-byte wasm header"},
        {bytes({"\0asm", 4}), WasmKind::not_wasm, "WASM-MAGIC", "8-byte wasm header"},
        {"\x7F"
         "ELF\x02\x01\x01\x00",
         WasmKind::not_wasm, "WASM-MAGIC", "7f 45 4c 46"},
        {"", WasmKind::not_wasm, "WASM-MAGIC", "found nothing"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(::testing::PrintToString(c.head));
        EXPECT_EQ(classify_wasm_header(c.head), c.kind);
        Findings findings;
        detail::check_wasm_header(c.head, c.head.size(), "blobs/sha256/x", "sha256:x", findings);
        ASSERT_EQ(findings.size(), 1u);
        const Finding finding = findings.all()[0];
        EXPECT_EQ(finding.code, c.code);
        EXPECT_NE(finding.message.find(c.message), std::string::npos) << finding.message;
    }
}

}  // namespace
}  // namespace ociwasm
