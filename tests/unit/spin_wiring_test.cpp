// The graph walk's hook into the Spin checks (spin_wiring.cpp): Spin findings come at the points
// of the walk that call the hook (config reached, each layer reached, manifest done, walk over),
// interleaved with the OCI findings of the same walk. The order of findings is output (text
// reports list them in it), so these tests pin it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "layout_builder.h"
#include "ociwasm/validate.h"

namespace ociwasm {
namespace {

using testing::BuiltApp;
using testing::describe;
using testing::SpinAppBuilder;
using testing::validate_files;

std::vector<std::string> codes(const Findings& findings) {
    std::vector<std::string> out;
    for (const Finding& finding : findings.all()) out.push_back(finding.code);
    return out;
}

// A broken blob no descriptor reaches, so that the walk's last OCI check says something too.
void add_stray_blob(BuiltApp& app) {
    app.files[testing::blob_path(sha256_digest("stray"))] = "stray";
}

TEST(SpinWiring, NewFormatFindingsComeAtTheirPointsOfTheWalk) {
    SpinAppBuilder builder;
    builder.wasm = "not wasm";
    builder.edit_lockfile = [](rapidjson::Document& doc) {
        testing::set(doc, "/triggers/0/trigger_config/component", R"("nope")");
    };
    builder.edit_config = [](rapidjson::Document& doc) { testing::set(doc, "/os", R"("linux")"); };
    builder.edit_manifest = [](rapidjson::Document& doc) {
        testing::set(doc, "/layers/1/size", "1");
    };
    builder.edit_files = add_stray_blob;
    ValidationResult result = validate_files(builder.build().files);
    const std::vector<std::string> expected = {
        "WASM-MAGIC",                      // layer 0 reached
        "OCI-SIZE-MISMATCH",               // layer 1 reached (the walk's own check)
        "SPIN-TRIGGER-COMPONENT-MISSING",  // the lockfile layer reached
        "SPIN-PLATFORM",                   // manifest done: the image config
        "OCI-BLOB-UNREFERENCED",           // after the walk
    };
    EXPECT_EQ(codes(result.findings), expected) << describe(result.findings);
}

TEST(SpinWiring, OldFormatFindingsComeAtTheirPointsOfTheWalk) {
    SpinAppBuilder builder;
    builder.new_format = false;
    builder.wasm = "not wasm";
    builder.edit_lockfile = [](rapidjson::Document& doc) {
        testing::erase(doc, "/spin_lock_version");
        testing::set(doc, "/triggers/0/trigger_config/component", R"("nope")");
    };
    builder.edit_manifest = [](rapidjson::Document& doc) {
        testing::set(doc, "/layers/1/size", "1");
    };
    builder.edit_files = add_stray_blob;
    ValidationResult result = validate_files(builder.build().files);
    const std::vector<std::string> expected = {
        "SPIN-TRIGGER-COMPONENT-MISSING",  // the config (the lockfile) reached
        "WASM-MAGIC",                      // layer 0 reached
        "OCI-SIZE-MISMATCH",               // layer 1 reached
        "SPIN-LOCK-VERSION-MISSING",       // manifest done
        "OCI-BLOB-UNREFERENCED",           // after the walk
    };
    EXPECT_EQ(codes(result.findings), expected) << describe(result.findings);
}

}  // namespace
}  // namespace ociwasm
