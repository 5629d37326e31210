#include "ociwasm/report.h"
#include "ociwasm/finding_codes.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "ociwasm/json.h"
#include "ociwasm/layout.h"
#include "ociwasm/schema.h"
#include "test_support.h"

namespace ociwasm {
namespace {

constexpr const char* kBlob =
    "blobs/sha256/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr const char* kDigest =
    "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr const char* kMissing =
    "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

// A layout result with one finding of each severity and one Spin manifest.
InputReport layout_report(std::string input, InputKind kind) {
    InputReport report;
    report.input = std::move(input);
    report.kind = kind;
    Findings& findings = report.result.findings;
    findings.error("OCI-DIGEST-MISMATCH",
                   "blob content hashes to sha256:cc..., expected " + std::string(kDigest), kBlob,
                   "", kDigest);
    findings.warning("SPIN-LABEL-MISSING", "config has no label com.fermyon.spin.lockedAppDigest",
                     "index.json", "/manifests/0");
    findings.info("OCI-BLOB-UNREFERENCED", "no descriptor references this blob", "", "", kMissing);
    report.result.manifests.push_back(
        ManifestEntry{kDigest, "app:v1", kBlob, "/manifests/0", ManifestFormat::spin_oci_layer});
    // Reached through a nested index: its pointer names that index's blob.
    report.result.manifests.push_back(ManifestEntry{kMissing, "", "blobs/sha256/bb",
                                                    std::string(kBlob) + "#/manifests/1",
                                                    ManifestFormat::oci_image});
    report.result.formats = {ManifestFormat::spin_oci_layer, ManifestFormat::oci_image};
    return report;
}

InputReport clean_report(std::string input) {
    InputReport report;
    report.input = std::move(input);
    report.kind = InputKind::directory;
    report.result.formats = {ManifestFormat::spin_v1_config};
    return report;
}

InputReport unreadable_report(std::string input, InputKind kind) {
    InputReport report;
    report.input = input;
    report.kind = kind;
    report.status = Status::io_error(input + ": cannot open: No such file or directory");
    return report;
}

rapidjson::Document parse_or_fail(const std::string& text) {
    rapidjson::Document doc;
    JsonError error;
    EXPECT_TRUE(parse_json(text, doc, &error))
        << "output is not I-JSON at byte " << error.offset << ": " << error.message << "\n"
        << text;
    return doc;
}

// Fails with every schema violation listed when `doc` does not match `schema`.
void expect_matches_schema(std::string_view schema, const rapidjson::Value& doc,
                           const std::string& text) {
    Findings findings;
    bool ok = check_schema_named(schema, doc, "output", findings, "OUTPUT-SCHEMA");
    std::string problems;
    for (const Finding& f : findings.all()) {
        problems += f.pointer + ": " + f.message + "\n";
    }
    EXPECT_TRUE(ok) << "output does not match " << schema << ":\n" << problems << text;
    EXPECT_TRUE(findings.empty()) << problems;
}

TEST(ReportFormatName, ParsesEveryFormatAndRejectsOthers) {
    for (auto [name, expected] :
         {std::pair{"text", ReportFormat::text}, std::pair{"json", ReportFormat::json},
          std::pair{"sarif", ReportFormat::sarif}, std::pair{"github", ReportFormat::github},
          std::pair{"gitlab", ReportFormat::gitlab}, std::pair{"junit", ReportFormat::junit}}) {
        ReportFormat format = ReportFormat::text;
        EXPECT_TRUE(parse_report_format(name, format)) << name;
        EXPECT_EQ(format, expected) << name;
        EXPECT_EQ(report_format_name(format), name);
    }
    ReportFormat format = ReportFormat::github;
    EXPECT_FALSE(parse_report_format("JSON", format));
    EXPECT_FALSE(parse_report_format("", format));
    EXPECT_EQ(format, ReportFormat::github);
}

TEST(ReportCodes, DescribesCataloguedCodesOnly) {
    EXPECT_EQ(finding_code_description("OCI-DIGEST-MISMATCH"),
              "Blob content does not hash to its digest.");
    EXPECT_FALSE(finding_code_description("WASM-KIND").empty());
    EXPECT_TRUE(finding_code_description("NOT-A-CODE").empty());
}

TEST(ReportPasses, ErrorsFailWarningsFailOnlyWhenStrictUnreadableFails) {
    InputReport report = clean_report("app");
    EXPECT_TRUE(input_passes(report, false));
    EXPECT_TRUE(input_passes(report, true));
    report.result.findings.warning("OCI-LAYERS-EMPTY", "manifest has no layers", "index.json");
    EXPECT_TRUE(input_passes(report, false));
    EXPECT_FALSE(input_passes(report, true));
    report.result.findings.error("OCI-SCHEMA", "expected a string, found 1", "index.json", "/x");
    EXPECT_FALSE(input_passes(report, false));
    EXPECT_FALSE(input_passes(unreadable_report("gone", InputKind::file), false));
}

TEST(ReportText, OneLinePerFindingThenSummary) {
    std::string text = render_text(layout_report("app", InputKind::directory), {});
    EXPECT_EQ(
        text,
        std::string("app: ") + kBlob +
            ": error: OCI-DIGEST-MISMATCH: blob content hashes "
            "to sha256:cc..., expected " +
            kDigest + "\n" +
            "app: index.json#/manifests/0: warning: SPIN-LABEL-MISSING: config has no label "
            "com.fermyon.spin.lockedAppDigest\n" +
            "app: " + kMissing +
            ": info: OCI-BLOB-UNREFERENCED: no descriptor references "
            "this blob\n" +
            "app: invalid (1 error, 1 warning, 1 info); formats: spin-oci-layer, oci-image\n");
}

TEST(ReportText, QuietDropsInfoAndSummary) {
    ReportOptions options;
    options.quiet = true;
    std::string text = render_text(layout_report("app.tar", InputKind::file), options);
    EXPECT_EQ(text,
              std::string("app.tar: ") + kBlob +
                  ": error: OCI-DIGEST-MISMATCH: blob content "
                  "hashes to sha256:cc..., expected " +
                  kDigest + "\n" +
                  "app.tar: index.json#/manifests/0: warning: SPIN-LABEL-MISSING: config has no "
                  "label com.fermyon.spin.lockedAppDigest\n");
    EXPECT_EQ(render_text(clean_report("app"), options), "");
}

TEST(ReportText, CleanInputSummaryUsesPlurals) {
    EXPECT_EQ(render_text(clean_report("app"), {}),
              "app: valid (0 errors, 0 warnings, 0 info); formats: spin-v1-config\n");
    InputReport no_formats = clean_report("doc.json");
    no_formats.result.formats.clear();
    EXPECT_EQ(render_text(no_formats, {}), "doc.json: valid (0 errors, 0 warnings, 0 info)\n");
}

TEST(ReportText, StrictTurnsWarningsIntoInvalid) {
    InputReport report = clean_report("app");
    report.result.findings.warning("OCI-LAYERS-EMPTY", "manifest has no layers", kBlob);
    ReportOptions strict;
    strict.strict = true;
    EXPECT_EQ(render_text(report, {}),
              std::string("app: ") + kBlob +
                  ": warning: OCI-LAYERS-EMPTY: manifest has no "
                  "layers\napp: valid (0 errors, 1 warning, 0 info); formats: spin-v1-config\n");
    EXPECT_EQ(render_text(report, strict),
              std::string("app: ") + kBlob +
                  ": warning: OCI-LAYERS-EMPTY: manifest has no "
                  "layers\napp: invalid (0 errors, 1 warning, 0 info); formats: spin-v1-config\n");
}

TEST(ReportText, BareDocumentFindingsNameTheInputOnce) {
    InputReport report;
    report.input = "manifest.json";
    report.result.findings.error("OCI-SCHEMA", "expected an integer, found \"2\"", "manifest.json",
                                 "/schemaVersion");
    report.result.findings.error("JSON-INVALID", "unexpected end of input at byte 12",
                                 "manifest.json");
    EXPECT_EQ(render_text(report, {}),
              "manifest.json#/schemaVersion: error: OCI-SCHEMA: expected an integer, found "
              "\"2\"\n"
              "manifest.json: error: JSON-INVALID: unexpected end of input at byte 12\n"
              "manifest.json: invalid (2 errors, 0 warnings, 0 info)\n");
}

TEST(ReportText, ControlCharactersStayOnOneLine) {
    InputReport report = clean_report("dir\nname");
    report.result.formats.clear();
    report.result.findings.error("OCI-BLOB-NAME", "bad name \"x\ty\r\x01\x7f\"",
                                 "blobs/sha256/x\ny");
    EXPECT_EQ(render_text(report, {}),
              "dir\\nname: blobs/sha256/x\\ny: error: OCI-BLOB-NAME: bad name "
              "\"x\\ty\\r\\x01\\x7F\"\n"
              "dir\\nname: invalid (1 error, 0 warnings, 0 info)\n");
}

TEST(ReportText, MessagesDoNotRepeatTheirLocation) {
    InputReport report = clean_report("app.tar");
    report.kind = InputKind::file;
    report.result.formats.clear();
    report.result.findings.error("OCI-SIZE-MISMATCH",
                                 std::string(kBlob) + ": /layers/0/size: expected 3, found 4",
                                 kBlob, "/layers/0/size");
    report.result.findings.warning("OCI-LAYERS-EMPTY", "index.json is fine: kept as it is",
                                   "index.json");
    EXPECT_EQ(render_text(report, {}),
              std::string("app.tar: ") + kBlob +
                  "#/layers/0/size: error: OCI-SIZE-MISMATCH: expected 3, found 4\n"
                  "app.tar: index.json: warning: OCI-LAYERS-EMPTY: index.json is fine: kept as it "
                  "is\n"
                  "app.tar: invalid (1 error, 1 warning, 0 info)\n");
    EXPECT_EQ(render_github(report, {}),
              std::string("::error file=app.tar,title=OCI-SIZE-MISMATCH::expected 3, found 4 (") +
                  kBlob + "#/layers/0/size)\n" +
                  "::warning file=app.tar,title=OCI-LAYERS-EMPTY::index.json is fine: kept as it "
                  "is (index.json)\n");
    rapidjson::Document sarif = parse_or_fail(render_sarif({report}, {}));
    EXPECT_STREQ(sarif["runs"][0]["results"][0]["message"]["text"].GetString(),
                 "expected 3, found 4");
    // The JSON has file and pointer as members of their own: the message does not repeat them.
    rapidjson::Document json = parse_or_fail(render_json(report, {}));
    EXPECT_EQ(std::string(json["findings"][0]["message"].GetString()), "expected 3, found 4");
    EXPECT_EQ(std::string(json["findings"][0]["file"].GetString()), kBlob);
    EXPECT_EQ(std::string(json["findings"][0]["pointer"].GetString()), "/layers/0/size");
}

TEST(ReportText, UnreadableInputHasOnlyASummary) {
    InputReport report = unreadable_report("gone.tar", InputKind::file);
    EXPECT_EQ(render_text(report, {}), "gone.tar: unreadable\n");
    ReportOptions quiet;
    quiet.quiet = true;
    EXPECT_EQ(render_text(report, quiet), "");
}

TEST(ReportJson, OneObjectPerLineMatchingTheOutputSchema) {
    std::string line = render_json(layout_report("app", InputKind::directory), {});
    ASSERT_FALSE(line.empty());
    EXPECT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1) << "JSON Lines: one line per input\n" << line;
    rapidjson::Document doc = parse_or_fail(line);
    ASSERT_TRUE(doc.IsObject());
    expect_matches_schema("validate-output.schema.json", doc, line);

    EXPECT_STREQ(doc["input"].GetString(), "app");
    EXPECT_FALSE(doc["valid"].GetBool());
    EXPECT_FALSE(doc.HasMember("error"));
    ASSERT_EQ(doc["formats"].Size(), 2u);
    EXPECT_STREQ(doc["formats"][0].GetString(), "spin-oci-layer");
    EXPECT_STREQ(doc["formats"][1].GetString(), "oci-image");
    ASSERT_EQ(doc["manifests"].Size(), 2u);
    const rapidjson::Value& manifest = doc["manifests"][0];
    EXPECT_STREQ(manifest["digest"].GetString(), kDigest);
    EXPECT_STREQ(manifest["refName"].GetString(), "app:v1");
    EXPECT_STREQ(manifest["format"].GetString(), "spin-oci-layer");
    EXPECT_STREQ(manifest["file"].GetString(), kBlob);
    EXPECT_STREQ(manifest["indexFile"].GetString(), "index.json");
    EXPECT_STREQ(manifest["indexPointer"].GetString(), "/manifests/0");
    const rapidjson::Value& nested = doc["manifests"][1];
    EXPECT_STREQ(nested["indexFile"].GetString(), kBlob);
    EXPECT_STREQ(nested["indexPointer"].GetString(), "/manifests/1");
    ASSERT_EQ(doc["findings"].Size(), 3u);
    const rapidjson::Value& first = doc["findings"][0];
    EXPECT_STREQ(first["severity"].GetString(), "error");
    EXPECT_STREQ(first["code"].GetString(), "OCI-DIGEST-MISMATCH");
    EXPECT_STREQ(first["file"].GetString(), kBlob);
    EXPECT_STREQ(first["pointer"].GetString(), "");
    EXPECT_STREQ(first["digest"].GetString(), kDigest);
    EXPECT_STREQ(doc["findings"][1]["pointer"].GetString(), "/manifests/0");
    EXPECT_STREQ(doc["findings"][2]["severity"].GetString(), "info");
    EXPECT_EQ(doc["summary"]["errors"].GetInt(), 1);
    EXPECT_EQ(doc["summary"]["warnings"].GetInt(), 1);
    EXPECT_EQ(doc["summary"]["info"].GetInt(), 1);
}

TEST(ReportJson, ValidHonoursStrictButQuietChangesNothing) {
    InputReport report = clean_report("app");
    report.result.findings.warning("OCI-LAYERS-EMPTY", "manifest has no layers", kBlob);
    ReportOptions quiet;
    quiet.quiet = true;
    ReportOptions strict;
    strict.strict = true;
    EXPECT_EQ(render_json(report, quiet), render_json(report, {}));
    EXPECT_TRUE(parse_or_fail(render_json(report, {}))["valid"].GetBool());
    EXPECT_FALSE(parse_or_fail(render_json(report, strict))["valid"].GetBool());
}

TEST(ReportJson, UnreadableInputCarriesTheError) {
    std::string line = render_json(unreadable_report("gone.tar", InputKind::file), {});
    EXPECT_EQ(line,
              "{\"input\":\"gone.tar\",\"valid\":false,\"error\":\"gone.tar: cannot open: No such "
              "file or directory\",\"formats\":[],\"manifests\":[],\"findings\":[],\"summary\":"
              "{\"errors\":0,\"warnings\":0,\"info\":0}}\n");
    rapidjson::Document doc = parse_or_fail(line);
    expect_matches_schema("validate-output.schema.json", doc, line);
}

TEST(ReportJson, OddCharactersAreEscapedAndInvalidUtf8Replaced) {
    InputReport report = clean_report("we\"ird\\dir");
    std::string message =
        "quote \" backslash \\ newline \n tab \t ctrl \x01 bad \xff\xfe end "
        "\xc3\xa9 overlong \xc0\xaf surrogate \xed\xa0\x80";
    report.result.findings.error("OCI-SCHEMA", message, "index.json", "/a~1b/c~0d");
    std::string line = render_json(report, {});
    EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
    rapidjson::Document doc = parse_or_fail(line);
    expect_matches_schema("validate-output.schema.json", doc, line);
    EXPECT_STREQ(doc["input"].GetString(), "we\"ird\\dir");
    EXPECT_STREQ(doc["findings"][0]["pointer"].GetString(), "/a~1b/c~0d");
    EXPECT_EQ(std::string(doc["findings"][0]["message"].GetString()),
              "quote \" backslash \\ newline \n tab \t ctrl \x01 bad \xEF\xBF\xBD\xEF\xBF\xBD end "
              "\xc3\xa9 overlong \xEF\xBF\xBD\xEF\xBF\xBD surrogate "
              "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(ReportJson, OutputSchemaRejectsMissingMembersAndBadValues) {
    // The schema must have teeth, or the test above proves nothing.
    const char* broken[] = {
        R"({"input":"x","valid":true,"formats":[],"manifests":[],"findings":[]})",
        R"({"input":"x","valid":true,"formats":["spin"],"manifests":[],"findings":[],)"
        R"("summary":{"errors":0,"warnings":0,"info":0}})",
        R"({"input":"x","valid":true,"formats":[],"manifests":[],"findings":[{"severity":"fatal",)"
        R"("code":"X","message":"m","file":"","pointer":"","digest":""}],)"
        R"("summary":{"errors":0,"warnings":0,"info":0}})",
        R"({"input":"x","valid":true,"formats":[],"manifests":[],"findings":[{"severity":"error",)"
        R"("code":"X","message":"m","file":"","pointer":"no-slash","digest":""}],)"
        R"("summary":{"errors":0,"warnings":0,"info":0}})",
    };
    for (const char* text : broken) {
        rapidjson::Document doc = parse_or_fail(text);
        Findings findings;
        EXPECT_FALSE(check_schema_named("validate-output.schema.json", doc, "output", findings,
                                        "OUTPUT-SCHEMA"))
            << text;
        EXPECT_FALSE(findings.empty()) << text;
    }
}

TEST(ReportGithub, OneCommandPerFindingWithFileAndPointer) {
    std::string text = render_github(layout_report("app", InputKind::directory), {});
    EXPECT_EQ(text,
              std::string("::error file=app/") + kBlob +
                  ",title=OCI-DIGEST-MISMATCH::blob "
                  "content hashes to sha256:cc..., expected " +
                  kDigest + "\n" +
                  "::warning file=app/index.json,title=SPIN-LABEL-MISSING::config has no label "
                  "com.fermyon.spin.lockedAppDigest (/manifests/0)\n" +
                  "::notice file=app,title=OCI-BLOB-UNREFERENCED::no descriptor references this "
                  "blob (" +
                  kMissing + ")\n");
}

TEST(ReportGithub, TarAndStdinKeepTheInnerFileInTheMessage) {
    ReportOptions quiet;
    quiet.quiet = true;
    EXPECT_EQ(render_github(layout_report("out/app.tar", InputKind::file), quiet),
              std::string("::error file=out/app.tar,title=OCI-DIGEST-MISMATCH::blob content "
                          "hashes to sha256:cc..., expected ") +
                  kDigest + " (" + kBlob + ")\n" +
                  "::warning file=out/app.tar,title=SPIN-LABEL-MISSING::config has no label "
                  "com.fermyon.spin.lockedAppDigest (index.json#/manifests/0)\n");
    InputReport from_stdin = clean_report("-");
    from_stdin.kind = InputKind::stdin_stream;
    from_stdin.result.findings.error("LAYOUT-MISSING-INDEX", "expected index.json, found none",
                                     "index.json");
    EXPECT_EQ(render_github(from_stdin, {}),
              "::error title=LAYOUT-MISSING-INDEX::expected index.json, found none "
              "(index.json)\n");
}

TEST(ReportGithub, BareDocumentPointerFollowsTheMessage) {
    InputReport report;
    report.input = "m.json";
    report.result.findings.error("OCI-SCHEMA", "expected an integer", "m.json", "/schemaVersion");
    EXPECT_EQ(render_github(report, {}),
              "::error file=m.json,title=OCI-SCHEMA::expected an integer (/schemaVersion)\n");
}

TEST(ReportGithub, EscapesDataAndProperties) {
    InputReport report;
    report.input = "dir,with:odd%chars\n";
    report.kind = InputKind::directory;
    report.result.findings.warning("OCI-ANNOTATION-CREATED", "100% wrong:\r\nnot, RFC 3339",
                                   "index.json");
    EXPECT_EQ(render_github(report, {}),
              "::warning file=dir%2Cwith%3Aodd%25chars%0A/index.json,title=OCI-ANNOTATION-CREATED"
              "::100%25 wrong:%0D%0Anot, RFC 3339\n");
}

TEST(ReportGithub, UnreadableInputIsAnError) {
    EXPECT_EQ(render_github(unreadable_report("gone.tar", InputKind::file), {}),
              "::error file=gone.tar,title=unreadable input::gone.tar: cannot open: No such file "
              "or directory\n");
    EXPECT_EQ(render_github(unreadable_report("-", InputKind::stdin_stream), {}),
              "::error title=unreadable input::-: cannot open: No such file or directory\n");
}

TEST(ReportSarif, OneLogForAllInputsMatchingTheSubsetSchema) {
    ReportOptions options;
    options.tool_version = "1.2.3";
    options.information_uri = "https://example.org/oci-wasm";
    std::vector<InputReport> reports = {layout_report("./my app", InputKind::directory),
                                        layout_report("/tmp/app.tar", InputKind::file),
                                        unreadable_report("gone.tar", InputKind::file)};
    std::string text = render_sarif(reports, options);
    rapidjson::Document doc = parse_or_fail(text);
    ASSERT_TRUE(doc.IsObject());
    expect_matches_schema("sarif-2.1.0-subset.schema.json", doc, text);

    EXPECT_STREQ(doc["version"].GetString(), "2.1.0");
    EXPECT_STREQ(doc["$schema"].GetString(),
                 "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                 "sarif-schema-2.1.0.json");
    ASSERT_EQ(doc["runs"].Size(), 1u);
    const rapidjson::Value& run = doc["runs"][0];
    const rapidjson::Value& driver = run["tool"]["driver"];
    EXPECT_STREQ(driver["name"].GetString(), "oci-wasm-validate");
    EXPECT_STREQ(driver["version"].GetString(), "1.2.3");
    EXPECT_STREQ(driver["informationUri"].GetString(), "https://example.org/oci-wasm");

    // Rules: the codes used, sorted, each once.
    const rapidjson::Value& rules = driver["rules"];
    ASSERT_EQ(rules.Size(), 3u);
    EXPECT_STREQ(rules[0]["id"].GetString(), "OCI-BLOB-UNREFERENCED");
    EXPECT_STREQ(rules[1]["id"].GetString(), "OCI-DIGEST-MISMATCH");
    EXPECT_STREQ(rules[2]["id"].GetString(), "SPIN-LABEL-MISSING");
    EXPECT_STREQ(rules[1]["shortDescription"]["text"].GetString(),
                 "Blob content does not hash to its digest.");
    EXPECT_STREQ(rules[0]["defaultConfiguration"]["level"].GetString(), "note");

    // The unreadable input is a failed execution with a notification, not a result.
    const rapidjson::Value& invocation = run["invocations"][0];
    EXPECT_FALSE(invocation["executionSuccessful"].GetBool());
    ASSERT_EQ(invocation["toolExecutionNotifications"].Size(), 1u);
    const rapidjson::Value& note = invocation["toolExecutionNotifications"][0];
    EXPECT_STREQ(note["message"]["text"].GetString(),
                 "gone.tar: cannot open: No such file or directory");
    EXPECT_STREQ(note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].GetString(),
                 "gone.tar");

    const rapidjson::Value& results = run["results"];
    ASSERT_EQ(results.Size(), 6u);
    for (const rapidjson::Value& result : results.GetArray()) {
        int index = result["ruleIndex"].GetInt();
        ASSERT_GE(index, 0);
        ASSERT_LT(index, 3);
        EXPECT_STREQ(rules[index]["id"].GetString(), result["ruleId"].GetString());
    }
    EXPECT_STREQ(results[0]["level"].GetString(), "error");
    EXPECT_STREQ(results[1]["level"].GetString(), "warning");
    EXPECT_STREQ(results[2]["level"].GetString(), "note");

    // Directory input: the file on disk, relative, percent-encoded, with the pointer logical.
    const rapidjson::Value& warning = results[1];
    const rapidjson::Value& artifact =
        warning["locations"][0]["physicalLocation"]["artifactLocation"];
    EXPECT_STREQ(artifact["uri"].GetString(), "my%20app/index.json");
    EXPECT_STREQ(artifact["uriBaseId"].GetString(), "%SRCROOT%");
    EXPECT_STREQ(warning["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].GetString(),
                 "index.json#/manifests/0");
    EXPECT_STREQ(warning["message"]["text"].GetString(),
                 "config has no label com.fermyon.spin.lockedAppDigest");
    EXPECT_STREQ(warning["properties"]["input"].GetString(), "./my app");
    EXPECT_STREQ(warning["properties"]["pointer"].GetString(), "/manifests/0");

    // Tar input given as an absolute path: a file:// URI of the tar, the inner file logical.
    const rapidjson::Value& tar_error = results[3];
    const rapidjson::Value& tar_artifact =
        tar_error["locations"][0]["physicalLocation"]["artifactLocation"];
    EXPECT_STREQ(tar_artifact["uri"].GetString(), "file:///tmp/app.tar");
    EXPECT_FALSE(tar_artifact.HasMember("uriBaseId"));
    EXPECT_STREQ(tar_error["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].GetString(),
                 kBlob);
    EXPECT_STREQ(tar_error["properties"]["digest"].GetString(), kDigest);
}

TEST(ReportSarif, StdinHasNoPhysicalLocationAndCleanRunSucceeds) {
    InputReport report;
    report.input = "-";
    report.kind = InputKind::stdin_stream;
    report.result.findings.error("OCI-SCHEMA", "expected \"1.0.0\", found \"2\"", "oci-layout",
                                 "/imageLayoutVersion");
    std::string text = render_sarif({report}, {});
    rapidjson::Document doc = parse_or_fail(text);
    expect_matches_schema("sarif-2.1.0-subset.schema.json", doc, text);
    const rapidjson::Value& run = doc["runs"][0];
    EXPECT_FALSE(run["tool"]["driver"].HasMember("informationUri"));
    EXPECT_TRUE(run["invocations"][0]["executionSuccessful"].GetBool());
    EXPECT_EQ(run["invocations"][0]["toolExecutionNotifications"].Size(), 0u);
    const rapidjson::Value& location = run["results"][0]["locations"][0];
    EXPECT_FALSE(location.HasMember("physicalLocation"));
    EXPECT_STREQ(location["logicalLocations"][0]["fullyQualifiedName"].GetString(),
                 "oci-layout#/imageLayoutVersion");
}

TEST(ReportSarif, UnknownCodesGetBareRulesAndEmptyRunIsValid) {
    InputReport report = clean_report("app");
    report.result.findings.error("FUTURE-CODE", "something new", "index.json");
    std::string text = render_sarif({report}, {});
    rapidjson::Document doc = parse_or_fail(text);
    expect_matches_schema("sarif-2.1.0-subset.schema.json", doc, text);
    const rapidjson::Value& rule = doc["runs"][0]["tool"]["driver"]["rules"][0];
    EXPECT_STREQ(rule["id"].GetString(), "FUTURE-CODE");
    EXPECT_FALSE(rule.HasMember("shortDescription"));

    std::string empty = render_sarif({}, {});
    rapidjson::Document empty_doc = parse_or_fail(empty);
    expect_matches_schema("sarif-2.1.0-subset.schema.json", empty_doc, empty);
    EXPECT_EQ(empty_doc["runs"][0]["results"].Size(), 0u);
}

TEST(ReportSarif, SubsetSchemaRejectsWrongVersionAndLevel) {
    const char* broken[] = {
        R"({"version":"2.0.0","runs":[{"tool":{"driver":{"name":"t"}}}]})",
        R"({"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},)"
        R"("results":[{"level":"info","message":{"text":"m"}}]}]})",
        R"({"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},)"
        R"("results":[{"message":{}}]}]})",
    };
    for (const char* text : broken) {
        rapidjson::Document doc = parse_or_fail(text);
        Findings findings;
        EXPECT_FALSE(check_schema_named("sarif-2.1.0-subset.schema.json", doc, "output", findings,
                                        "OUTPUT-SCHEMA"))
            << text;
    }
}

// The engine's real findings (codes, pointers, messages) must fit the output schemas too.
TEST(ReportSchemas, RealValidationResultsMatchBothSchemas) {
    std::vector<InputReport> reports;
    for (const char* fixture : {"fixtures/spin-oci-layer/hello", "fixtures/spin-oci-layer/multi",
                                "fixtures/spin-v1-config/multi", "fixtures/mixed"}) {
        InputReport report;
        report.input = (testing::source_dir() / fixture).string();
        report.kind = InputKind::directory;
        std::unique_ptr<LayoutSource> source = make_directory_source(report.input);
        report.status = validate_layout(*source, {}, report.result);
        ASSERT_TRUE(report.status.is_ok()) << fixture << ": " << report.status.message();
        EXPECT_FALSE(report.result.manifests.empty()) << fixture;
        reports.push_back(std::move(report));
    }
    // A broken layout: a blob under a wrong name, a dangling and a malformed descriptor, an
    // index.json with a duplicate member further down.
    std::string blob = "not json at all";
    InputReport broken;
    broken.input = "broken";
    broken.kind = InputKind::stdin_stream;
    std::unique_ptr<LayoutSource> source = make_memory_source(
        "broken",
        {{"oci-layout", R"({"imageLayoutVersion":"1.0.0"})"},
         {"index.json",
          R"({"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
          R"("digest":")" +
              std::string(kMissing) +
              R"(","size":12},)"
              R"({"mediaType":"text/plain","digest":"sha256:XYZ","size":-1}]})"},
         {kBlob, blob}});
    broken.status = validate_layout(*source, {}, broken.result);
    ASSERT_TRUE(broken.status.is_ok()) << broken.status.message();
    EXPECT_TRUE(broken.result.findings.has_errors());
    reports.push_back(std::move(broken));

    for (const InputReport& report : reports) {
        std::string line = render_json(report, {});
        rapidjson::Document doc = parse_or_fail(line);
        expect_matches_schema("validate-output.schema.json", doc, line);
    }
    std::string sarif = render_sarif(reports, {});
    rapidjson::Document doc = parse_or_fail(sarif);
    expect_matches_schema("sarif-2.1.0-subset.schema.json", doc, sarif);
    // Every code the engine used is in the catalogue, so every rule has a description.
    for (const rapidjson::Value& rule : doc["runs"][0]["tool"]["driver"]["rules"].GetArray()) {
        EXPECT_TRUE(rule.HasMember("shortDescription"))
            << rule["id"].GetString() << ": expected a catalogued code, found an unknown one";
    }
}

TEST(ReportAll, RenderReportConcatenatesPerInput) {
    std::vector<InputReport> reports = {clean_report("a"), clean_report("b")};
    EXPECT_EQ(render_report(ReportFormat::text, reports, {}),
              render_text(reports[0], {}) + render_text(reports[1], {}));
    std::string lines = render_report(ReportFormat::json, reports, {});
    EXPECT_EQ(lines, render_json(reports[0], {}) + render_json(reports[1], {}));
    EXPECT_EQ(render_report(ReportFormat::github, reports, {}), "");
    EXPECT_EQ(render_report(ReportFormat::sarif, reports, {}), render_sarif(reports, {}));
    EXPECT_EQ(render_report(ReportFormat::gitlab, reports, {}), render_gitlab(reports, {}));
    EXPECT_EQ(render_report(ReportFormat::junit, reports, {}), render_junit(reports, {}));
    EXPECT_TRUE(is_aggregate_format(ReportFormat::junit));
    EXPECT_FALSE(is_aggregate_format(ReportFormat::github));
}

TEST(ReportGitlab, OneIssuePerFindingMatchingTheSchema) {
    std::vector<InputReport> reports = {layout_report("./my app", InputKind::directory),
                                        layout_report("app.tar", InputKind::file),
                                        unreadable_report("gone.tar", InputKind::file),
                                        layout_report("-", InputKind::stdin_stream)};
    std::string text = render_gitlab(reports, {});
    rapidjson::Document doc = parse_or_fail(text);
    ASSERT_TRUE(doc.IsArray());
    expect_matches_schema("gitlab-code-quality.schema.json", doc, text);
    ASSERT_EQ(doc.Size(), 10u);

    // Directory input: the file on disk (no "./"), the pointer after the message.
    const rapidjson::Value& warning = doc[1];
    EXPECT_STREQ(warning["check_name"].GetString(), "SPIN-LABEL-MISSING");
    EXPECT_STREQ(warning["severity"].GetString(), "minor");
    EXPECT_STREQ(warning["location"]["path"].GetString(), "my app/index.json");
    EXPECT_EQ(warning["location"]["lines"]["begin"].GetInt(), 1);
    EXPECT_STREQ(warning["description"].GetString(),
                 "config has no label com.fermyon.spin.lockedAppDigest (/manifests/0)");
    EXPECT_STREQ(doc[0]["severity"].GetString(), "major");
    EXPECT_STREQ(doc[2]["severity"].GetString(), "info");
    // A tar: the tar itself, and the file inside it after the message.
    EXPECT_STREQ(doc[4]["location"]["path"].GetString(), "app.tar");
    EXPECT_STREQ(doc[4]["description"].GetString(),
                 "config has no label com.fermyon.spin.lockedAppDigest (index.json#/manifests/0)");
    // The unreadable input is one critical issue about the input.
    EXPECT_STREQ(doc[6]["check_name"].GetString(), "unreadable input");
    EXPECT_STREQ(doc[6]["severity"].GetString(), "critical");
    EXPECT_STREQ(doc[6]["location"]["path"].GetString(), "gone.tar");
    // stdin has no path on disk: the input as named.
    EXPECT_STREQ(doc[7]["location"]["path"].GetString(), "-");

    // Fingerprints are distinct per finding and stable over runs.
    std::set<std::string> fingerprints;
    for (const rapidjson::Value& issue : doc.GetArray()) {
        fingerprints.insert(issue["fingerprint"].GetString());
    }
    EXPECT_EQ(fingerprints.size(), doc.Size());
    EXPECT_EQ(render_gitlab(reports, {}), text);
    EXPECT_EQ(render_gitlab({}, {}), "[]\n");
}

// SARIF URIs and GitLab paths drop a leading "./" (however often it is repeated) the same way.
TEST(ReportGitlab, LeadingDotSlashIsDroppedAsInSarif) {
    std::vector<InputReport> reports = {layout_report("././app.tar", InputKind::file),
                                        unreadable_report("./gone.tar", InputKind::file),
                                        layout_report("./", InputKind::file)};
    rapidjson::Document gitlab = parse_or_fail(render_gitlab(reports, {}));
    ASSERT_EQ(gitlab.Size(), 7u);
    rapidjson::Document sarif = parse_or_fail(render_sarif(reports, {}));
    const rapidjson::Value& run = sarif["runs"][0];
    ASSERT_EQ(run["results"].Size(), 6u);
    auto uri = [](const rapidjson::Value& located) {
        return std::string(
            located["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].GetString());
    };
    EXPECT_STREQ(gitlab[0]["location"]["path"].GetString(), "app.tar");
    EXPECT_EQ(uri(run["results"][0]), "app.tar");
    EXPECT_STREQ(gitlab[3]["location"]["path"].GetString(), "gone.tar");
    EXPECT_EQ(uri(run["invocations"][0]["toolExecutionNotifications"][0]), "gone.tar");
    // "./" alone is a path of its own and stays.
    EXPECT_STREQ(gitlab[4]["location"]["path"].GetString(), "./");
    EXPECT_EQ(uri(run["results"][3]), "./");
}

TEST(ReportGitlab, SchemaRejectsWhatGitlabCannotRead) {
    // The schema must have teeth: one good issue, then the same issue broken one way at a time.
    const std::string fingerprint(64, 'a');
    const std::string good = R"({"type":"issue","description":"d","check_name":"C",)"
                             R"("fingerprint":")" +
                             fingerprint +
                             R"(","severity":"major","location":{"path":"p","lines":{"begin":1}}})";
    auto with = [&](std::string_view from, std::string_view to) {
        std::string issue = good;
        issue.replace(issue.find(from), from.size(), to);
        return "[" + issue + "]";
    };
    Findings findings;
    rapidjson::Document ok = parse_or_fail("[" + good + "]");
    EXPECT_TRUE(check_schema_named("gitlab-code-quality.schema.json", ok, "output", findings,
                                   "OUTPUT-SCHEMA"));
    for (const std::string& bad :
         {with(fingerprint, "x"), with("\"major\"", "\"error\""),
          with(R"(,"lines":{"begin":1})", ""), with(R"("description":"d",)", "")}) {
        rapidjson::Document doc = parse_or_fail(bad);
        EXPECT_FALSE(check_schema_named("gitlab-code-quality.schema.json", doc, "output", findings,
                                        "OUTPUT-SCHEMA"))
            << bad;
    }
}

TEST(ReportGitlab, StringsStayValidUtf8) {
    InputReport report = clean_report("bad\xFFname");
    report.result.findings.error("TAR-PATH-TRAVERSAL", "entry \"../\xC0\x80x\" leaves the layout",
                                 "../\xC0\x80x");
    std::string text = render_gitlab({report}, {});
    rapidjson::Document doc = parse_or_fail(text);
    ASSERT_EQ(doc.Size(), 1u);
    EXPECT_STREQ(doc[0]["location"]["path"].GetString(),
                 "bad\xEF\xBF\xBDname/../\xEF\xBF\xBD\xEF\xBF\xBDx");
}

TEST(ReportJunit, OneTestcasePerInputOneFailurePerError) {
    ReportOptions options;
    std::vector<InputReport> reports = {layout_report("app", InputKind::directory),
                                        clean_report("ok"),
                                        unreadable_report("gone.tar", InputKind::file)};
    std::string xml = render_junit(reports, options);
    EXPECT_EQ(xml,
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
              "<testsuites name=\"oci-wasm-validate\" tests=\"3\" failures=\"1\" errors=\"1\">\n"
              "  <testsuite name=\"oci-wasm-validate\" tests=\"3\" failures=\"1\" errors=\"1\">\n"
              "    <testcase classname=\"oci-wasm-validate\" name=\"app\">\n"
              "      <failure type=\"OCI-DIGEST-MISMATCH\" message=\"blob content hashes to "
              "sha256:cc..., expected " +
                  std::string(kDigest) + "\">app: " + kBlob +
                  ": error: OCI-DIGEST-MISMATCH: blob content hashes to sha256:cc..., expected " +
                  kDigest +
                  "</failure>\n"
                  "      <system-out>app: index.json#/manifests/0: warning: SPIN-LABEL-MISSING: "
                  "config has no label com.fermyon.spin.lockedAppDigest\n"
                  "app: " +
                  kMissing +
                  ": info: OCI-BLOB-UNREFERENCED: no descriptor references this blob\n"
                  "</system-out>\n"
                  "    </testcase>\n"
                  "    <testcase classname=\"oci-wasm-validate\" name=\"ok\">\n"
                  "    </testcase>\n"
                  "    <testcase classname=\"oci-wasm-validate\" name=\"gone.tar\">\n"
                  "      <error type=\"unreadable input\" message=\"gone.tar: cannot open: No "
                  "such file or directory\"/>\n"
                  "    </testcase>\n"
                  "  </testsuite>\n"
                  "</testsuites>\n");
    // --strict: the warning fails too.
    options.strict = true;
    std::string strict = render_junit({reports[0]}, options);
    EXPECT_NE(strict.find("<failure type=\"SPIN-LABEL-MISSING\""), std::string::npos) << strict;
    EXPECT_NE(strict.find("failures=\"1\""), std::string::npos) << strict;
}

TEST(ReportJunit, EscapesEverythingXmlCannotCarry) {
    InputReport report = clean_report("a<b>&\"c'\x01\xFF");
    report.result.findings.error("JSON-INVALID", "bad\tbyte\x1B at \xEF\xBF\xBF <x>\r\nnext",
                                 "index.json");
    std::string xml = render_junit({report}, {});
    EXPECT_NE(xml.find("name=\"a&lt;b&gt;&amp;&quot;c&apos;\\x01\xEF\xBF\xBD\""), std::string::npos)
        << xml;
    EXPECT_NE(xml.find("message=\"bad&#9;byte\\x1B at \xEF\xBF\xBD &lt;x&gt;&#13;&#10;next\""),
              std::string::npos)
        << xml;
    // The body is the text line, where the text format already made control characters and
    // ill-formed UTF-8 visible.
    EXPECT_NE(xml.find(">a&lt;b&gt;&amp;\"c'\\x01\\xFF: index.json: error: JSON-INVALID: "
                       "bad\\tbyte\\x1B at \xEF\xBF\xBD &lt;x&gt;\\r\\nnext</failure>"),
              std::string::npos)
        << xml;
    for (char c : xml) {
        auto byte = static_cast<unsigned char>(c);
        EXPECT_FALSE(byte < 0x20 && c != '\n') << "raw control byte " << int(byte);
    }
}

}  // namespace
}  // namespace ociwasm

namespace ociwasm {
namespace {

// SARIF rule descriptions and levels come from the one finding-code catalogue: the table
// report.cpp kept had drifted, and the codes added after it (OCI-MEMBER-CASE, TAR-SPARSE-ENTRY,
// TAR-PAX-GLOBAL-PATH) got a rule with neither.
TEST(ReportSarif, EveryCatalogueCodeHasItsRuleDescription) {
    InputReport report = clean_report("app");
    for (const FindingCode* code : finding_codes()) {
        report.result.findings.error(std::string(code->code), "m", "index.json");
    }
    std::string text = render_sarif({report}, {});
    rapidjson::Document sarif;
    ASSERT_FALSE(sarif.Parse(text.c_str()).HasParseError());
    const auto& rules = sarif["runs"][0]["tool"]["driver"]["rules"];
    ASSERT_EQ(rules.Size(), finding_codes().size());
    for (const auto& rule : rules.GetArray()) {
        SCOPED_TRACE(rule["id"].GetString());
        ASSERT_TRUE(rule.HasMember("shortDescription"));
        const FindingCode* code = find_finding_code(rule["id"].GetString());
        ASSERT_NE(code, nullptr);
        EXPECT_EQ(std::string(rule["shortDescription"]["text"].GetString()), code->description);
    }
}

// A finding about one blob that many descriptors reach is reported once, and every format says
// how many descriptors it stands for.
TEST(ReportOccurrences, EveryFormatSaysHowManyDescriptorsOneFindingStandsFor) {
    InputReport report = clean_report("app");
    Findings& findings = report.result.findings;
    for (int i = 0; i < 3; ++i) {
        std::string pointer = "/manifests/" + std::to_string(i) + "/size";
        findings.add_reached({Severity::error, "OCI-SIZE-MISMATCH",
                              "index.json: " + pointer + ": expected 10 bytes, found 1",
                              "index.json", pointer, kDigest});
    }
    findings.add_reached({Severity::warning, "OCI-BLOB-MISSING", "index.json: /m: gone",
                          "index.json", "/m", kMissing});
    const std::string note = " (found at 3 descriptors of this blob; the first is shown)";

    std::string text = render_text(report, {});
    EXPECT_NE(text.find("app: index.json#/manifests/0/size: error: OCI-SIZE-MISMATCH: expected "
                        "10 bytes, found 1" +
                        note + "\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("OCI-BLOB-MISSING: gone\n"), std::string::npos) << "once: no note";
    EXPECT_EQ(text.find("/manifests/1"), std::string::npos) << text;

    std::string line = render_json(report, {});
    rapidjson::Document json = parse_or_fail(line);
    expect_matches_schema("validate-output.schema.json", json, line);
    ASSERT_EQ(json["findings"].Size(), 2u);
    EXPECT_EQ(json["findings"][0]["occurrences"].GetUint64(), 3u);
    EXPECT_EQ(std::string(json["findings"][0]["message"].GetString()),
              "expected 10 bytes, found 1" + note);
    EXPECT_EQ(json["findings"][1]["occurrences"].GetUint64(), 1u);

    std::string sarif_text = render_sarif({report}, {});
    rapidjson::Document sarif = parse_or_fail(sarif_text);
    expect_matches_schema("sarif-2.1.0-subset.schema.json", sarif, sarif_text);
    const auto& results = sarif["runs"][0]["results"];
    EXPECT_EQ(results[0]["occurrenceCount"].GetUint64(), 3u);
    EXPECT_EQ(std::string(results[0]["message"]["text"].GetString()),
              "expected 10 bytes, found 1" + note);
    EXPECT_FALSE(results[1].HasMember("occurrenceCount")) << "only written above 1";

    EXPECT_NE(render_github(report, {}).find("found 1" + note + " (/manifests/0/size)"),
              std::string::npos);
    EXPECT_NE(render_gitlab({report}, {}).find("found 1" + note), std::string::npos);
    EXPECT_NE(render_junit({report}, {}).find("message=\"expected 10 bytes, found 1" + note),
              std::string::npos);
}

}  // namespace
}  // namespace ociwasm
