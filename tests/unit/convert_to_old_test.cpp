// convert to the old format (convert_to_old.cpp), decided before done: a refused conversion
// adds nothing, an allowed one adds what it planned in lockfile order, and which layers go with
// the features Spin 1.x lacks is read through the lockfile view.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "../fuzz/fuzz_targets.h"
#include "layout_builder.h"
#include "ociwasm/convert.h"
#include "ociwasm/digest.h"
#include "ociwasm/json.h"
#include "ociwasm/layout.h"
#include "ociwasm/media_types.h"

namespace ociwasm {
namespace {

using testing::blob_path;
using testing::describe;

struct OldRun {
    Status status;
    ConvertResult result;
    fuzz::MemorySink sink;
};

// Converts a valid app to the old format (it must validate: the converter checks first).
std::unique_ptr<OldRun> to_old(const testing::BuiltApp& app, bool allow_lossy) {
    ValidationResult input = testing::validate_files(app.files);
    EXPECT_FALSE(input.findings.has_errors()) << describe(input.findings);
    auto run = std::make_unique<OldRun>();
    auto source = make_memory_source("app", app.files);
    ConvertOptions options;
    options.target = ConvertTarget::old_format;
    options.allow_lossy = allow_lossy;
    run->status = convert_layout(*source, &run->sink, options, run->result);
    return run;
}

// The converted manifest's config blob: the lockfile, as the old format has it.
rapidjson::Document converted_lockfile(const OldRun& run) {
    const auto& files = run.sink.files();
    rapidjson::Document manifest =
        testing::json(files.at(blob_path(run.result.manifests.at(0).new_digest)));
    return testing::json(files.at(blob_path(manifest["config"]["digest"].GetString())));
}

TEST(ConvertToOld, ARefusedConversionAddsNothingAndAnAllowedOneAddsInLockfileOrder) {
    // Two inline files and no data layers: one with a digest (a data layer as it is), one
    // without (the lockfile would have to gain a digest: lossy).
    testing::SpinAppBuilder builder;
    builder.data_files.clear();
    builder.edit_lockfile = [](rapidjson::Document& lockfile) {
        testing::set(lockfile, "/components/0/files",
                     R"([{"path":"a.txt","digest":")" + sha256_digest("hi") +
                         R"(","inline":"aGk"},{"path":"b.txt","inline":"Ynll"}])");
    };
    testing::BuiltApp app = builder.build();

    auto refused = to_old(app, false);
    EXPECT_EQ(refused->status.code(), Status::Code::invalid);
    ASSERT_NE(testing::find_code(refused->result.findings, "CONVERT-LOSSY-FILE-DIGEST"),
              std::nullopt)
        << describe(refused->result.findings);
    EXPECT_EQ(refused->result.added_blobs, std::vector<std::string>{})
        << "planned content is added only once the conversion is decided";
    EXPECT_FALSE(refused->sink.committed());

    auto allowed = to_old(app, true);
    ASSERT_TRUE(allowed->status) << allowed->status.message() << describe(allowed->result.findings);
    rapidjson::Document lockfile = converted_lockfile(*allowed);
    EXPECT_EQ(std::string(lockfile["components"][0]["files"][1]["digest"].GetString()),
              sha256_digest("bye"));
    const ManifestPlan& plan = allowed->result.manifests.at(0);
    std::string lockfile_digest = sha256_digest(write_canonical(lockfile));
    EXPECT_EQ(allowed->result.added_blobs,
              (std::vector<std::string>{sha256_digest("hi"), sha256_digest("bye"), lockfile_digest,
                                        plan.new_digest}));
    EXPECT_EQ(allowed->sink.files().at(blob_path(sha256_digest("bye"))), "bye");
}

// A dependency source: a wasm layer of its own, named by `digest`.
std::string dependency(const std::string& digest) {
    return R"({"source":{"content_type":"application/wasm","digest":")" + digest + R"("}})";
}

TEST(ConvertToOld, LayersGoWithTheFeaturesThatAloneUseThem) {
    // One wasm layer per place a lockfile names content that Spin 1.x does not read.
    const std::string component_dep = testing::wasm_module("component dependency");
    const std::string component_trigger_dep = testing::wasm_module("component trigger dep");
    const std::string trigger_dep = testing::wasm_module("trigger dependency");
    const std::string trigger_own_dep = testing::wasm_module("a trigger's own dependency");
    const std::string unknown_too = testing::wasm_module("also in an unknown member");
    testing::SpinAppBuilder builder;
    const std::string component_wasm = sha256_digest(builder.wasm);  // also a dependency's
    builder.edit_lockfile = [&](rapidjson::Document& lockfile) {
        testing::set(lockfile, "/components/0/dependencies",
                     R"({"a:b/c":)" + dependency(sha256_digest(component_dep)) + R"(,"a:b/same":)" +
                         dependency(component_wasm) + R"(,"a:b/unknown":)" +
                         dependency(sha256_digest(unknown_too)) + "}");
        testing::set(lockfile, "/components/0/trigger_dependencies",
                     R"({"g":[)" + dependency(sha256_digest(component_trigger_dep)) + "]}");
        testing::set(lockfile, "/triggers/0/trigger_dependencies",
                     R"({"g":[)" + dependency(sha256_digest(trigger_dep)) + "]}");
        testing::set(lockfile, "/triggers/0/dependencies",
                     R"({"own":)" + dependency(sha256_digest(trigger_own_dep)) + "}");
        testing::set(lockfile, "/components/0/x-unknown",
                     R"({"digest":")" + sha256_digest(unknown_too) + R"("})");
    };
    const std::vector<std::string> extra = {component_dep, component_trigger_dep, trigger_dep,
                                            trigger_own_dep, unknown_too};
    builder.edit_manifest = [&](rapidjson::Document& manifest) {
        for (const std::string& wasm : extra) {
            testing::insert(manifest, "/layers", 1, testing::descriptor(media::kWasmLayer, wasm));
        }
    };
    builder.edit_files = [&](testing::BuiltApp& app) {
        for (const std::string& wasm : extra) app.files[blob_path(sha256_digest(wasm))] = wasm;
    };
    testing::BuiltApp app = builder.build();

    auto run = to_old(app, true);
    ASSERT_TRUE(run->status) << run->status.message() << describe(run->result.findings);
    const auto& files = run->sink.files();
    rapidjson::Document manifest =
        testing::json(files.at(blob_path(run->result.manifests.at(0).new_digest)));
    std::vector<std::string> layers;
    for (const auto& layer : manifest["layers"].GetArray()) {
        layers.emplace_back(layer["digest"].GetString());
    }
    // Kept: the component's wasm (a dependency names it too) and files, and what a trigger's own
    // dependencies name (they stay in the lockfile). Dropped: what only dependencies and trigger
    // dependencies named; a digest in an unknown member is not a reference Spin 1.x reads, so it
    // keeps nothing.
    std::vector<std::string> kept = {sha256_digest(trigger_own_dep), app.wasm_digest,
                                     app.data_digests.at(0), app.data_digests.at(1)};
    std::sort(layers.begin(), layers.end());
    std::sort(kept.begin(), kept.end());
    EXPECT_EQ(layers, kept);
    std::size_t dropped_notes = 0;
    for (const std::string& note : run->result.manifests.at(0).notes) {
        if (note.find("dropped: only removed features used it") != std::string::npos) {
            ++dropped_notes;
        }
    }
    EXPECT_EQ(dropped_notes, 4u);
}

}  // namespace
}  // namespace ociwasm
