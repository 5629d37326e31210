// convert to the old format (convert_to_old.cpp), decided before done: a refused conversion
// adds nothing, an allowed one adds what it planned in lockfile order, and which layers go with
// the features Spin 1.x lacks is read through the lockfile view.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "../fuzz/fuzz_targets.h"
#include "layout_builder.h"
#include "ociwasm/convert.h"
#include "ociwasm/digest.h"
#include "ociwasm/json.h"
#include "ociwasm/layout.h"

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
    ASSERT_NE(testing::find_code(refused->result.findings, "CONVERT-LOSSY-FILE-DIGEST"), nullptr)
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

}  // namespace
}  // namespace ociwasm
