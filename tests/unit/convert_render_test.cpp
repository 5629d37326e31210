// The convert renderers (convert_render.cpp): every string they write, whatever bytes it came
// from, goes through the text module: one_line in text, write_json_string in JSON, so the text
// is one line per entry and the JSON is valid UTF-8.
#include <gtest/gtest.h>

#include <string>

#include <rapidjson/document.h>

#include "ociwasm/convert.h"
#include "ociwasm/json.h"

namespace ociwasm {
namespace {

// Ill-formed UTF-8, a C1 control (U+009B, CSI), ESC and LF.
const std::string kBad =
    "a\xff\xfe"
    "b\xc2\x9b"
    "c\x1b[31md\ne";

ConvertResult crafted_result() {
    ConvertResult result;
    ManifestPlan converted;
    converted.location = "index.json#/manifests/0";
    converted.ref_name = "ref" + kBad;
    converted.from = ManifestFormat::spin_v1_config;
    converted.to = ManifestFormat::spin_oci_layer;
    converted.converted = true;
    converted.old_digest = "sha256:old" + kBad;
    converted.new_digest = "sha256:new" + kBad;
    converted.notes = {"note" + kBad};
    ManifestPlan unchanged;
    unchanged.location = "blobs/sha256/x" + kBad + "#/manifests/1";
    unchanged.reason = "reason" + kBad;
    unchanged.old_digest = "sha256:same";
    unchanged.new_digest = "sha256:same";
    result.manifests = {converted, unchanged};
    result.added_blobs = {"sha256:added" + kBad};
    result.dropped_blobs = {"sha256:dropped" + kBad};
    result.findings.warning("CONVERT-LOSSY-FILE-DIGEST", "message" + kBad, "file" + kBad,
                            "/pointer" + kBad, "sha256:digest" + kBad);
    return result;
}

TEST(ConvertRender, TextShowsEveryInputDerivedByteOnOneLine) {
    ConvertResult result = crafted_result();
    const std::string shown = R"(a\xFF\xFEb\xC2\x9Bc\x1B[31md\ne)";
    EXPECT_EQ(render_convert_text(result, "out" + kBad, false),
              "ref" + shown + ": spin-v1-config -> spin-oci-layer: sha256:old" + shown +
                  " -> sha256:new" + shown + "\n  note: note" + shown + "\nblobs/sha256/x" + shown +
                  "#/manifests/1: unchanged (reason" + shown + "): sha256:same\nout" + shown +
                  ": 1 converted, 1 unchanged, 1 blob(s) added, 1 dropped\n");
}

TEST(ConvertRender, JsonIsValidUtf8WithReplacementCharacters) {
    ConvertResult result = crafted_result();
    ConvertOptions options;
    options.ref_name = "ref" + kBad;
    options.artifact_type = "type" + kBad;
    std::string json = render_convert_json(result, "in" + kBad, "out" + kBad, options, false,
                                           Status::invalid("message" + kBad));
    ASSERT_EQ(json.back(), '\n');
    rapidjson::Document doc;
    JsonError error;
    ASSERT_TRUE(parse_json(json.substr(0, json.size() - 1), doc, &error)) << error.message << "\n"
                                                                          << json;
    // Each ill-formed byte becomes U+FFFD; well-formed text, controls included, stays as it is
    // (escaped by the JSON writer).
    const std::string replaced =
        "a\xef\xbf\xbd\xef\xbf\xbd"
        "b\xc2\x9b"
        "c\x1b[31md\ne";
    EXPECT_EQ(doc["input"].GetString(), "in" + replaced);
    EXPECT_EQ(doc["output"].GetString(), "out" + replaced);
    EXPECT_EQ(doc["message"].GetString(), "message" + replaced);
    EXPECT_EQ(doc["ref"].GetString(), "ref" + replaced);
    EXPECT_EQ(doc["artifactType"].GetString(), "type" + replaced);
    const rapidjson::Value& converted = doc["manifests"][0];
    EXPECT_EQ(converted["ref"].GetString(), "ref" + replaced);
    EXPECT_EQ(converted["oldDigest"].GetString(), "sha256:old" + replaced);
    EXPECT_EQ(converted["newDigest"].GetString(), "sha256:new" + replaced);
    EXPECT_EQ(converted["notes"][0].GetString(), "note" + replaced);
    const rapidjson::Value& unchanged = doc["manifests"][1];
    EXPECT_EQ(unchanged["location"].GetString(), "blobs/sha256/x" + replaced + "#/manifests/1");
    EXPECT_EQ(unchanged["reason"].GetString(), "reason" + replaced);
    EXPECT_EQ(doc["addedBlobs"][0].GetString(), "sha256:added" + replaced);
    EXPECT_EQ(doc["droppedBlobs"][0].GetString(), "sha256:dropped" + replaced);
    const rapidjson::Value& finding = doc["findings"][0];
    EXPECT_EQ(finding["message"].GetString(), "message" + replaced);
    EXPECT_EQ(finding["file"].GetString(), "file" + replaced);
    EXPECT_EQ(finding["pointer"].GetString(), "/pointer" + replaced);
    EXPECT_EQ(finding["digest"].GetString(), "sha256:digest" + replaced);
}

}  // namespace
}  // namespace ociwasm
