// The finding-code catalogue: one entry per code, each well formed and findable.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "ociwasm/finding_codes.h"

namespace ociwasm {
namespace {

TEST(FindingCodes, EachCodeOnceWellFormedAndDescribed) {
    const std::regex grammar("(LAYOUT|TAR|OCI|JSON|SPIN|WASM|CONVERT)(-[A-Z0-9]+)+");
    std::set<std::string_view> seen;
    for (const FindingCode* entry : finding_codes()) {
        SCOPED_TRACE(std::string(entry->code));
        EXPECT_TRUE(seen.insert(entry->code).second) << "listed twice";
        EXPECT_TRUE(std::regex_match(std::string(entry->code), grammar));
        EXPECT_FALSE(entry->description.empty());
        EXPECT_TRUE(entry->description.back() == '.') << entry->description;
        EXPECT_EQ(find_finding_code(entry->code), entry);
    }
    EXPECT_GE(seen.size(), 70u);
    EXPECT_EQ(find_finding_code("NOT-A-CODE"), nullptr);
}

TEST(FindingCodes, ConstantsReadAsTheirCode) {
    std::string code = codes::kWasmMagic;
    EXPECT_EQ(code, "WASM-MAGIC");
    EXPECT_TRUE(std::string("OCI-SCHEMA") == codes::kOciSchema);
    EXPECT_FALSE(std::string("OCI-SCHEMA") == codes::kSpinLockfileSchema);
    EXPECT_EQ(codes::kOciBlobUnreferenced.severity, Severity::info);
    EXPECT_EQ(codes::kConvertLossyLockVersion.severity, Severity::error);
}

}  // namespace
}  // namespace ociwasm
