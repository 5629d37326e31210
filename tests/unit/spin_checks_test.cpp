// Spin checks: a valid app in each packaging format passes clean; one mutation per finding code
// gives that code with its severity, file and pointer.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "test_support.h"

#include "layout_builder.h"
#include "ociwasm/digest.h"
#include "ociwasm/media_types.h"
#include "ociwasm/validate.h"
#include "validate_internal.h"
#include "wasm_format_checks.h"

namespace ociwasm {
namespace {

using testing::blob_path;
using testing::BuiltApp;
using testing::clean;
using testing::count_code;
using testing::describe;
using testing::find_code;
using testing::has_finding;
using testing::SpinAppBuilder;
using testing::validate_files;

ValidationResult validate_app(const BuiltApp& app) {
    return validate_files(app.files);
}

const std::string kLabelPointer = "/config/Labels/com.fermyon.spin.lockedAppDigest";

TEST(SpinChecks, ValidNewFormatIsClean) {
    BuiltApp app = SpinAppBuilder().build();
    ValidationResult result = validate_app(app);
    EXPECT_TRUE(clean(result.findings));
    EXPECT_TRUE(result.valid());
    ASSERT_EQ(result.manifests.size(), 1u);
    const ManifestEntry entry = result.manifests.all()[0];
    EXPECT_EQ(entry.format, ManifestFormat::spin_oci_layer);
    EXPECT_EQ(entry.digest, app.manifest_digest);
    EXPECT_EQ(entry.file, app.manifest_path);
    EXPECT_EQ(entry.ref_name, "hello:1.0");
    EXPECT_EQ(entry.index_pointer, "/manifests/0");
    EXPECT_EQ(result.formats, std::vector<ManifestFormat>{ManifestFormat::spin_oci_layer});
    // The only info is the wasm kind of the one component.
    EXPECT_TRUE(
        has_finding(result.findings, "WASM-KIND", Severity::info, blob_path(app.wasm_digest), ""));
    EXPECT_EQ(result.findings.size(), 1u) << describe(result.findings);
}

TEST(SpinChecks, ValidNewFormatWithoutArtifactTypeIsClean) {
    SpinAppBuilder builder;
    builder.artifact_type.reset();
    ValidationResult result = validate_app(builder.build());
    EXPECT_TRUE(clean(result.findings));
}

TEST(SpinChecks, ValidNewFormatWithOtherArtifactTypeIsClean) {
    SpinAppBuilder builder;
    builder.artifact_type = "application/vnd.example.spin+type";
    ValidationResult result = validate_app(builder.build());
    EXPECT_TRUE(clean(result.findings));
}

TEST(SpinChecks, ValidOldFormatIsClean) {
    SpinAppBuilder builder;
    builder.new_format = false;
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    EXPECT_TRUE(clean(result.findings));
    ASSERT_EQ(result.manifests.size(), 1u);
    EXPECT_EQ(result.manifests.all()[0].format, ManifestFormat::spin_v1_config);
    EXPECT_EQ(result.formats, std::vector<ManifestFormat>{ManifestFormat::spin_v1_config});
}

TEST(SpinChecks, ValidArchiveLayerAppIsClean) {
    SpinAppBuilder builder;
    builder.data_files.clear();
    builder.archive_files = {{"index.html", "<p>archived</p>"},
                             {"assets/app.js", "console.log(1)"},
                             {"assets/deep/data.json", "{}"}};
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    EXPECT_TRUE(clean(result.findings));
}

TEST(SpinChecks, RootfsWithoutDiffIdsIsNotAFinding) {
    // The valid app already has diff_ids []: make sure no finding mentions rootfs.
    ValidationResult result = validate_app(SpinAppBuilder().build());
    for (const Finding& f : result.findings.all()) {
        EXPECT_EQ(f.pointer.find("rootfs"), std::string::npos) << describe(result.findings);
    }
}

TEST(SpinChecks, LockfileBlobMissingNewFormat) {
    SpinAppBuilder builder;
    builder.edit_files = [](BuiltApp& app) { app.files.erase(app.lockfile_path); };
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    EXPECT_TRUE(has_finding(result.findings, "SPIN-LOCKFILE-MISSING", Severity::error,
                            app.manifest_path, "/layers/3/digest"));
    EXPECT_TRUE(has_finding(result.findings, "OCI-BLOB-MISSING", Severity::warning,
                            app.manifest_path, "/layers/3"));
}

TEST(SpinChecks, LockfileBlobMissingOldFormat) {
    SpinAppBuilder builder;
    builder.new_format = false;
    builder.edit_files = [](BuiltApp& app) { app.files.erase(app.lockfile_path); };
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    EXPECT_TRUE(has_finding(result.findings, "SPIN-LOCKFILE-MISSING", Severity::error,
                            app.manifest_path, "/config/digest"));
}

TEST(SpinChecks, LockfileUnparsable) {
    SpinAppBuilder builder;
    builder.lockfile_bytes_override = R"({"spin_lock_version":0,"triggers":[],"triggers":[]})";
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    std::optional<Finding> finding = find_code(result.findings, "SPIN-LOCKFILE-INVALID");
    ASSERT_NE(finding, std::nullopt) << describe(result.findings);
    EXPECT_EQ(finding->severity, Severity::error);
    EXPECT_EQ(finding->file, app.lockfile_path);
    EXPECT_NE(finding->message.find("byte"), std::string::npos) << finding->message;
    EXPECT_NE(finding->message.find("duplicate"), std::string::npos) << finding->message;
}

TEST(SpinChecks, LockfileFailsSchema) {
    SpinAppBuilder builder;
    builder.edit_lockfile = [](rapidjson::Document& doc) {
        testing::set(doc, "/components/0/id", "5");
    };
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    EXPECT_TRUE(has_finding(result.findings, "SPIN-LOCKFILE-SCHEMA", Severity::error,
                            app.lockfile_path, "/components/0/id"));
}

TEST(SpinChecks, MultipleLockfileLayers) {
    SpinAppBuilder builder;
    builder.edit_manifest = [](rapidjson::Document& doc) {
        rapidjson::Value copy(doc["layers"][3], doc.GetAllocator());
        doc["layers"].PushBack(copy, doc.GetAllocator());
    };
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    EXPECT_TRUE(has_finding(result.findings, "SPIN-LOCKFILE-MULTIPLE", Severity::error,
                            app.manifest_path, "/layers/3"));
    EXPECT_EQ(count_code(result.findings, "SPIN-LOCKFILE-MULTIPLE"), 1u);
    EXPECT_EQ(count_code(result.findings, "SPIN-LOCKFILE-NOT-LAST"), 0u);
}

TEST(SpinChecks, LockfileLayerNotLast) {
    SpinAppBuilder builder;
    builder.edit_manifest = [](rapidjson::Document& doc) {
        rapidjson::Value& layers = doc["layers"];
        layers[2].Swap(layers[3]);
    };
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    EXPECT_TRUE(has_finding(result.findings, "SPIN-LOCKFILE-NOT-LAST", Severity::warning,
                            app.manifest_path, "/layers/2"));
    EXPECT_TRUE(result.valid()) << describe(result.findings);
    EXPECT_EQ(result.findings.count(Severity::warning), 1u) << describe(result.findings);
}

TEST(SpinChecks, ComponentSourceDigestNamesNoLayer) {
    SpinAppBuilder builder;
    builder.edit_lockfile = [](rapidjson::Document& doc) {
        testing::set(doc, "/components/0/source/digest", testing::quote(sha256_digest("other")));
    };
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    EXPECT_TRUE(has_finding(result.findings, "SPIN-SOURCE-DIGEST-MISSING", Severity::error,
                            app.lockfile_path, "/components/0/source/digest"));
    // The wasm layer no longer serves anything.
    EXPECT_TRUE(has_finding(result.findings, "SPIN-LAYER-UNREFERENCED", Severity::warning,
                            app.manifest_path, "/layers/0"));
}

TEST(SpinChecks, ComponentSourceDigestNamesADataLayer) {
    SpinAppBuilder builder;
    BuiltApp base = builder.build();
    builder.edit_lockfile = [&](rapidjson::Document& doc) {
        testing::set(doc, "/components/0/source/digest", testing::quote(base.data_digests[0]));
    };
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    std::optional<Finding> finding = find_code(result.findings, "SPIN-SOURCE-DIGEST-MISSING");
    ASSERT_NE(finding, std::nullopt) << describe(result.findings);
    EXPECT_EQ(finding->pointer, "/components/0/source/digest");
    EXPECT_NE(finding->message.find("/layers/1"), std::string::npos) << finding->message;
}

TEST(SpinChecks, DependencySourceDigestNamesNoLayer) {
    SpinAppBuilder builder;
    builder.edit_lockfile = [](rapidjson::Document& doc) {
        testing::set(doc, "/components/0/dependencies",
                     R"({"aaa:bbb/ccc":{"source":{"content_type":"application/wasm","digest":")" +
                         sha256_digest("dep") + "\"}}}");
    };
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    EXPECT_TRUE(has_finding(result.findings, "SPIN-SOURCE-DIGEST-MISSING", Severity::error,
                            app.lockfile_path,
                            "/components/0/dependencies/aaa:bbb~1ccc/source/digest"));
}

TEST(SpinChecks, DependencyWithItsOwnWasmLayerIsClean) {
    std::string dependency = testing::wasm_component("dependency");
    SpinAppBuilder builder;
    builder.edit_lockfile = [&](rapidjson::Document& doc) {
        testing::set(doc, "/components/0/dependencies",
                     R"({"aaa:bbb/ccc":{"source":{"content_type":"application/wasm","digest":")" +
                         sha256_digest(dependency) + "\"}}}");
    };
    builder.edit_manifest = [&](rapidjson::Document& doc) {
        testing::insert(doc, "/layers", 1, testing::descriptor(media::kWasmLayer, dependency));
    };
    builder.edit_files = [&](BuiltApp& app) {
        app.files[blob_path(sha256_digest(dependency))] = dependency;
    };
    ValidationResult result = validate_app(builder.build());
    EXPECT_TRUE(clean(result.findings));
}

TEST(SpinChecks, SourceWithoutDigestOrInline) {
    SpinAppBuilder builder;
    builder.edit_lockfile = [](rapidjson::Document& doc) {
        testing::erase(doc, "/components/0/source/digest");
        testing::set(doc, "/components/0/source/source", R"("file:///app/hello.wasm")");
    };
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    EXPECT_TRUE(has_finding(result.findings, "SPIN-SOURCE-DIGEST-MISSING", Severity::error,
                            app.lockfile_path, "/components/0/source"));
}

TEST(SpinChecks, InlineFileDigestMismatch) {
    SpinAppBuilder builder;
    builder.edit_lockfile = [](rapidjson::Document& doc) {
        // "aGVsbG8" is "hello" without padding; the digest is of something else.
        testing::set(doc, "/components/0/files/0",
                     R"({"path":"hello.txt","inline":"aGVsbG8","digest":")" +
                         sha256_digest("goodbye") + "\"}");
    };
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    EXPECT_TRUE(has_finding(result.findings, "SPIN-INLINE-DIGEST-MISMATCH", Severity::error,
                            app.lockfile_path, "/components/0/files/0/inline"));
}

TEST(SpinChecks, InlineFileWithMatchingDigestNeedsNoLayer) {
    SpinAppBuilder builder;
    builder.data_files = {{"index.html", "<h1>hello</h1>"}};
    builder.edit_lockfile = [](rapidjson::Document& doc) {
        testing::insert(doc, "/components/0/files", 1,
                        R"({"path":"hello.txt","inline":"aGVsbG8","digest":")" +
                            sha256_digest("hello") + "\"}");
    };
    ValidationResult result = validate_app(builder.build());
    EXPECT_TRUE(clean(result.findings));
}

TEST(SpinChecks, FilePathUnsafe) {
    for (const char* path :
         {"../etc/passwd", "/etc/passwd", "static/../../x", "C:\\\\x", "./index.html", "."}) {
        SpinAppBuilder builder;
        builder.edit_lockfile = [&](rapidjson::Document& doc) {
            testing::set(doc, "/components/0/files/1/path", testing::quote(path));
        };
        BuiltApp app = builder.build();
        ValidationResult result = validate_app(app);
        EXPECT_TRUE(has_finding(result.findings, "SPIN-FILE-PATH-UNSAFE", Severity::error,
                                app.lockfile_path, "/components/0/files/1/path"))
            << path;
    }
}

TEST(SpinChecks, FileDigestNamesNoLayer) {
    SpinAppBuilder builder;
    builder.edit_lockfile = [](rapidjson::Document& doc) {
        testing::set(doc, "/components/0/files/1/digest", testing::quote(sha256_digest("absent")));
    };
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    EXPECT_TRUE(has_finding(result.findings, "SPIN-FILE-MISSING", Severity::error,
                            app.lockfile_path, "/components/0/files/1"));
    EXPECT_TRUE(has_finding(result.findings, "SPIN-LAYER-UNREFERENCED", Severity::warning,
                            app.manifest_path, "/layers/2"));
}

TEST(SpinChecks, FileMissingFromArchive) {
    SpinAppBuilder builder;
    builder.data_files.clear();
    builder.archive_files = {{"index.html", "<p>archived</p>"}};
    builder.edit_lockfile = [](rapidjson::Document& doc) {
        testing::insert(doc, "/components/0/files", 1,
                        R"({"path":"missing.txt","digest":")" + sha256_digest("nope") + "\"}");
    };
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    EXPECT_TRUE(has_finding(result.findings, "SPIN-FILE-MISSING", Severity::error,
                            app.lockfile_path, "/components/0/files/1"));
    EXPECT_EQ(count_code(result.findings, "SPIN-FILE-MISSING"), 1u) << describe(result.findings);
}

TEST(SpinChecks, ArchiveMemberWithOtherContentIsMissing) {
    SpinAppBuilder builder;
    builder.data_files.clear();
    builder.archive_files = {{"index.html", "<p>archived</p>"}};
    builder.edit_lockfile = [](rapidjson::Document& doc) {
        testing::set(doc, "/components/0/files/0/digest", testing::quote(sha256_digest("other")));
    };
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    std::optional<Finding> finding = find_code(result.findings, "SPIN-FILE-MISSING");
    ASSERT_NE(finding, std::nullopt) << describe(result.findings);
    EXPECT_EQ(finding->pointer, "/components/0/files/0");
    EXPECT_NE(finding->message.find("hashing to " + sha256_digest("<p>archived</p>")),
              std::string::npos)
        << finding->message;
}

TEST(SpinChecks, ArchiveMatchedByPathWhenNoDigest) {
    SpinAppBuilder builder;
    builder.data_files.clear();
    builder.archive_files = {{"index.html", "<p>archived</p>"}};
    builder.edit_lockfile = [](rapidjson::Document& doc) {
        testing::erase(doc, "/components/0/files/0/digest");
    };
    ValidationResult result = validate_app(builder.build());
    EXPECT_TRUE(clean(result.findings));
}

TEST(SpinChecks, ArchiveLayerUnreadable) {
    SpinAppBuilder builder;
    builder.data_files.clear();
    builder.archive_files = {{"index.html", "<p>archived</p>"}};
    builder.archive_bytes_override = "this is not a tar.gz";
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    EXPECT_TRUE(has_finding(result.findings, "SPIN-ARCHIVE-INVALID", Severity::error,
                            blob_path(app.archive_digest), ""));
    EXPECT_EQ(count_code(result.findings, "SPIN-ARCHIVE-INVALID"), 1u);
    EXPECT_TRUE(has_finding(result.findings, "SPIN-FILE-MISSING", Severity::error,
                            app.lockfile_path, "/components/0/files/0"));
}

TEST(SpinChecks, TriggerNamesNoComponent) {
    SpinAppBuilder builder;
    builder.edit_lockfile = [](rapidjson::Document& doc) {
        testing::set(doc, "/triggers/0/trigger_config/component", R"("nope")");
    };
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    EXPECT_TRUE(has_finding(result.findings, "SPIN-TRIGGER-COMPONENT-MISSING", Severity::error,
                            app.lockfile_path, "/triggers/0/trigger_config/component"));
}

// Spin messages quote input the way every other message does (text.h's quoted): a control
// byte shows as its JSON escape, not as '?' (the Spin checks' own copy of quoted did that).
TEST(SpinChecks, MessagesQuoteControlBytesAsEscapes) {
    SpinAppBuilder builder;
    builder.edit_lockfile = [](rapidjson::Document& doc) {
        testing::set(doc, "/triggers/0/trigger_config/component", R"("no\u0001pe\nx")");
    };
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    std::optional<Finding> finding = find_code(result.findings, "SPIN-TRIGGER-COMPONENT-MISSING");
    ASSERT_NE(finding, std::nullopt) << describe(result.findings);
    EXPECT_NE(finding->message.find(R"(found "no\u0001pe\u000ax" which no component has)"),
              std::string::npos)
        << finding->message;
}

TEST(SpinChecks, LabelMismatch) {
    SpinAppBuilder builder;
    builder.edit_config = [](rapidjson::Document& doc) {
        testing::set(
            doc, kLabelPointer.c_str(),
            R"("sha256:0000000000000000000000000000000000000000000000000000000000000000")");
    };
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    EXPECT_TRUE(has_finding(result.findings, "SPIN-LABEL-MISMATCH", Severity::error,
                            app.config_path, kLabelPointer));
}

TEST(SpinChecks, LabelMissingIsAWarning) {
    SpinAppBuilder builder;
    builder.edit_config = [](rapidjson::Document& doc) { testing::erase(doc, "/config"); };
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    EXPECT_TRUE(
        has_finding(result.findings, "SPIN-LABEL-MISSING", Severity::warning, app.config_path, ""));
    EXPECT_TRUE(result.valid()) << describe(result.findings);
}

TEST(SpinChecks, ExtraLayerIsUnreferenced) {
    const std::string extra = "nobody uses me";
    SpinAppBuilder builder;
    builder.edit_manifest = [&](rapidjson::Document& doc) {
        testing::insert(doc, "/layers", 1, testing::descriptor(media::kDataLayer, extra));
    };
    builder.edit_files = [&](BuiltApp& app) { app.files[blob_path(sha256_digest(extra))] = extra; };
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    EXPECT_TRUE(has_finding(result.findings, "SPIN-LAYER-UNREFERENCED", Severity::warning,
                            app.manifest_path, "/layers/1"));
    EXPECT_EQ(result.findings.count(Severity::warning), 1u) << describe(result.findings);
    EXPECT_TRUE(result.valid());
}

TEST(SpinChecks, PlatformValues) {
    struct Case {
        const char* pointer;
        const char* value;
        bool warned;
    };
    // Spin releases (2.0 to 4.0) write os "wasip1"; any other spelling is warned, "wasi" too.
    for (const Case& c : {Case{"/os", R"("linux")", true}, Case{"/os", R"("Wasip1")", true},
                          Case{"/os", R"("wasi")", true}, Case{"/os", R"("wasip1")", false},
                          Case{"/architecture", R"("amd64")", true}}) {
        SpinAppBuilder builder;
        builder.edit_config = [&](rapidjson::Document& doc) {
            testing::set(doc, c.pointer, c.value);
        };
        BuiltApp app = builder.build();
        ValidationResult result = validate_app(app);
        if (c.warned) {
            EXPECT_TRUE(has_finding(result.findings, "SPIN-PLATFORM", Severity::warning,
                                    app.config_path, c.pointer))
                << c.value;
        } else {
            EXPECT_TRUE(clean(result.findings)) << c.value;
        }
    }
}

TEST(SpinChecks, ConfigThatIsNotAnImageConfig) {
    SpinAppBuilder builder;
    builder.edit_manifest = [](rapidjson::Document& doc) {
        testing::set(doc, "/config/mediaType", R"("application/vnd.example.config+json")");
    };
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    EXPECT_TRUE(has_finding(result.findings, "SPIN-PLATFORM", Severity::warning, app.manifest_path,
                            "/config/mediaType"));
    EXPECT_EQ(count_code(result.findings, "SPIN-LABEL-MISSING"), 0u);
}

TEST(SpinChecks, TooManyLayers) {
    SpinAppBuilder builder;
    builder.data_files.clear();
    for (int i = 0; i < 501; ++i) {
        // `"literal" + temporary` inserts into the temporary, which GCC 12 at -O3 flags with a
        // false -Wrestrict; `"literal" + lvalue` only appends.
        const std::string number = std::to_string(i);
        builder.data_files.emplace_back("f" + number, "content " + number);
    }
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    EXPECT_TRUE(has_finding(result.findings, "SPIN-TOO-MANY-LAYERS", Severity::warning,
                            app.manifest_path, "/layers"));
    EXPECT_EQ(result.findings.count(Severity::warning), 1u) << describe(result.findings);
}

TEST(SpinChecks, OldFormatWithoutLockVersionAndSeveralLayers) {
    SpinAppBuilder builder;
    builder.new_format = false;
    builder.edit_lockfile = [](rapidjson::Document& doc) {
        testing::erase(doc, "/spin_lock_version");
    };
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    EXPECT_TRUE(has_finding(result.findings, "SPIN-LOCK-VERSION-MISSING", Severity::error,
                            app.lockfile_path, ""));
    // One problem, one finding: the schema's "required" finding is folded into it.
    EXPECT_EQ(count_code(result.findings, "SPIN-LOCKFILE-SCHEMA"), 0u) << describe(result.findings);
}

TEST(SpinChecks, OldFormatWithoutLockVersionAndOneLayerIsOnlyASchemaError) {
    SpinAppBuilder builder;
    builder.new_format = false;
    builder.data_files.clear();
    builder.edit_lockfile = [](rapidjson::Document& doc) {
        testing::erase(doc, "/spin_lock_version");
    };
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    EXPECT_EQ(count_code(result.findings, "SPIN-LOCK-VERSION-MISSING"), 0u);
    EXPECT_TRUE(has_finding(result.findings, "SPIN-LOCKFILE-SCHEMA", Severity::error,
                            app.lockfile_path, ""));
}

TEST(SpinChecks, WasmLayerWithoutMagic) {
    SpinAppBuilder builder;
    builder.wasm = "MZ this is an exe";
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    EXPECT_TRUE(has_finding(result.findings, "WASM-MAGIC", Severity::error,
                            blob_path(app.wasm_digest), ""));
    EXPECT_EQ(count_code(result.findings, "WASM-KIND"), 0u);
}

TEST(SpinChecks, WasmKindSaysModuleOrComponent) {
    SpinAppBuilder builder;
    builder.wasm = testing::wasm_module();
    BuiltApp app = builder.build();
    ValidationResult result = validate_app(app);
    std::optional<Finding> module = find_code(result.findings, "WASM-KIND");
    ASSERT_NE(module, std::nullopt);
    EXPECT_EQ(module->severity, Severity::info);
    EXPECT_EQ(module->digest, app.wasm_digest);
    EXPECT_NE(module->message.find("core wasm module"), std::string::npos) << module->message;

    BuiltApp component_app = SpinAppBuilder().build();
    ValidationResult component = validate_app(component_app);
    std::optional<Finding> kind = find_code(component.findings, "WASM-KIND");
    ASSERT_NE(kind, std::nullopt);
    EXPECT_NE(kind->message.find("component"), std::string::npos) << kind->message;
}

TEST(SpinChecks, WasmHeaderParsing) {
    Findings out;
    detail::check_wasm_header(std::string("\0asm", 4), 4, "blobs/sha256/x", "sha256:x", out);
    EXPECT_TRUE(out.contains("WASM-MAGIC"));
    Findings unknown;
    detail::check_wasm_header(std::string("\0asm\x02\x00\x00\x00", 8), 8, "f", "d", unknown);
    ASSERT_EQ(unknown.size(), 1u);
    EXPECT_NE(unknown.all()[0].message.find("unrecognised"), std::string::npos);
}

TEST(SpinChecks, ListArchiveHashesMembers) {
    std::string archive =
        testing::make_tar_gz({{"./a.txt", "A"}, {"dir/b.txt", "BB"}, {"/abs.txt", "C"}});
    detail::ArchiveListing listing = detail::list_archive_layer(archive);
    EXPECT_TRUE(listing.readable) << listing.problem;
    EXPECT_EQ(listing.by_path.at("a.txt"), sha256_digest("A"));
    EXPECT_EQ(listing.by_path.at("dir/b.txt"), sha256_digest("BB"));
    EXPECT_EQ(listing.by_path.at("abs.txt"), sha256_digest("C"));
    EXPECT_EQ(listing.digests.count(sha256_digest("BB")), 1u);

    detail::ArchiveListing truncated =
        detail::list_archive_layer(archive.substr(0, archive.size() / 2));
    EXPECT_FALSE(truncated.readable);
    EXPECT_FALSE(truncated.problem.empty());
}

// Incompressible bytes, so a tar.gz of them stays larger than what the scan keeps in memory.
std::string noise(std::size_t size) {
    std::string out(size, '\0');
    std::uint64_t state = 0x9e3779b97f4a7c15ull;
    for (char& c : out) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        c = static_cast<char>(state >> 56);
    }
    return out;
}

TEST(SpinChecks, LargeArchiveIsStreamedFromADirectory) {
    SpinAppBuilder builder;
    builder.data_files.clear();
    builder.archive_files = {{"big.bin", noise(5 * kMiB)}, {"small.txt", "small"}};
    BuiltApp app = builder.build();
    ASSERT_GT(app.files[blob_path(app.archive_digest)].size(), 4 * kMiB);
    testing::TempDir dir;
    for (const auto& [path, bytes] : app.files) testing::write_file(dir / path, bytes);
    auto source = make_directory_source(dir.path().string());
    ValidationResult result;
    ASSERT_TRUE(validate_layout(*source, {}, result).is_ok());
    EXPECT_TRUE(clean(result.findings));
    EXPECT_EQ(count_code(result.findings, "SPIN-ARCHIVE-UNCHECKED"), 0u)
        << describe(result.findings);

    // The same with a member whose content differs from what the lockfile says.
    SpinAppBuilder broken = builder;
    broken.edit_lockfile = [](rapidjson::Document& doc) {
        testing::set(doc, "/components/0/files/0/digest", testing::quote(sha256_digest("x")));
    };
    BuiltApp broken_app = broken.build();
    testing::TempDir broken_dir;
    for (const auto& [path, bytes] : broken_app.files) {
        testing::write_file(broken_dir / path, bytes);
    }
    auto broken_source = make_directory_source(broken_dir.path().string());
    ValidationResult broken_result;
    ASSERT_TRUE(validate_layout(*broken_source, {}, broken_result).is_ok());
    EXPECT_TRUE(has_finding(broken_result.findings, "SPIN-FILE-MISSING", Severity::error,
                            broken_app.lockfile_path, "/components/0/files/0"));
}

TEST(SpinChecks, ArchiveOnAStreamThatWasNotKeptIsUnchecked) {
    // The pass dropped the archive's bytes and the input cannot be read again: say so, and
    // neither call its files missing nor the layer unreferenced.
    class StreamSource : public LayoutSource {
      public:
        explicit StreamSource(testing::Files files)
            : memory_(make_memory_source("-", std::move(files))) {}
        const std::string& name() const override { return memory_->name(); }
        Status scan(const ScanOptions& options, LayoutScan& out) override {
            return memory_->scan(options, out);
        }
        bool can_reread() const override { return false; }
        Status read_blob(const std::string&,
                         const std::function<Status(const char*, std::size_t)>&) override {
            return Status::unreadable("stdin cannot be read again");
        }

      private:
        std::unique_ptr<LayoutSource> memory_;
    };
    SpinAppBuilder builder;
    builder.data_files.clear();
    builder.archive_files = {{"index.html", "<p>archived</p>"}};
    BuiltApp app = builder.build();
    StreamSource source(app.files);
    LayoutScan scan;
    ASSERT_TRUE(source.scan({}, scan).is_ok());
    scan.blobs.find(app.archive_digest)->content.reset();  // as if it had been too large to keep
    ValidationResult result;
    validate_scan(source, scan, {}, result);
    EXPECT_TRUE(has_finding(result.findings, "SPIN-ARCHIVE-UNCHECKED", Severity::info,
                            blob_path(app.archive_digest), ""));
    EXPECT_TRUE(clean(result.findings));
}

}  // namespace
}  // namespace ociwasm
