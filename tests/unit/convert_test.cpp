// convert: old <-> new Spin formats on in-memory layouts. Byte-exact outputs and round trips,
// refusals, pass-through, determinism, streaming of large blobs, and the rendered summaries.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ociwasm/convert.h"
#include "ociwasm/digest.h"
#include "ociwasm/json.h"
#include "ociwasm/layout.h"
#include "ociwasm/media_types.h"

namespace ociwasm {
namespace {

using Files = std::map<std::string, std::string>;

const std::string kLockfileType(media::kSpinLockfile);
const std::string kWasmType(media::kWasmLayer);
const std::string kDataType(media::kDataLayer);
const std::string kArchiveType(media::kArchiveLayer);
const std::string kManifestType(media::kOciManifest);
const std::string kConfigType(media::kOciConfig);
const std::string kArtifactType(media::kComponentArtifactType);
const std::string kOciLayout = R"({"imageLayoutVersion":"1.0.0"})";
// A minimal core wasm module: magic and version 1.
const std::string kWasm("\0asm\x01\0\0\0", 8);

// Compact JSON with sorted keys, as the converter writes (and as canonical inputs are).
std::string canon(std::string_view json) {
    rapidjson::Document doc;
    JsonError error;
    if (!parse_json(json, doc, &error)) {
        ADD_FAILURE() << "test JSON does not parse: " << error.message << "\n" << json;
        return {};
    }
    return write_canonical(doc);
}

std::string path_of(const std::string& digest) {
    return "blobs/sha256/" + digest.substr(7);
}

std::string descriptor(const std::string& media_type, const std::string& digest, std::size_t size,
                       const std::string& extra = "") {
    return R"({"mediaType":")" + media_type + R"(","digest":")" + digest + R"(","size":)" +
           std::to_string(size) + extra + "}";
}

// A layout under construction: blobs named by their sha256.
struct Layout {
    Files files{{"oci-layout", kOciLayout}};

    std::string add(const std::string& bytes) {
        std::string digest = sha256_digest(bytes);
        files[path_of(digest)] = bytes;
        return digest;
    }
    std::string blob_descriptor(const std::string& media_type, const std::string& bytes,
                                const std::string& extra = "") {
        return descriptor(media_type, add(bytes), bytes.size(), extra);
    }
    void set_index(const std::vector<std::string>& descriptors) {
        std::string list;
        for (const auto& d : descriptors) list += (list.empty() ? "" : ",") + d;
        files["index.json"] = canon(R"({"schemaVersion":2,"manifests":[)" + list + "]}");
    }
    const std::string& blob(const std::string& digest) const { return files.at(path_of(digest)); }
};

std::string ref_annotation(const std::string& ref) {
    return R"(,"annotations":{"org.opencontainers.image.ref.name":")" + ref + R"("})";
}

// The lockfile of a one-component app with one file; `extra_top` / `extra_component` add members.
std::string hello_lockfile(const std::string& wasm_digest, const std::string& file_digest,
                           const std::string& extra_top = "",
                           const std::string& extra_component = "", int version = 0) {
    return canon(R"({"spin_lock_version":)" + std::to_string(version) +
                 R"(,"triggers":[{"id":"t","trigger_type":"http",)"
                 R"("trigger_config":{"component":"hello","route":"/..."}}],)"
                 R"("components":[{"id":"hello","source":{"content_type":"application/wasm",)"
                 R"("digest":")" +
                 wasm_digest + R"("},"files":[{"digest":")" + file_digest +
                 R"(","path":"hello.txt"}])" + extra_component + "}]" + extra_top + "}");
}

struct App {
    std::string manifest_digest;
    std::string manifest;
    std::string lockfile_digest;
    std::string index_descriptor;
};

// Spin 1.x shape: the config blob is the lockfile, no mediaType, no annotations.
App add_old_app(Layout& layout, const std::string& ref, const std::string& file_text) {
    std::string wasm = layout.add(kWasm);
    std::string file = layout.add(file_text);
    std::string lockfile = hello_lockfile(wasm, file);
    App app;
    app.lockfile_digest = layout.add(lockfile);
    app.manifest = canon(R"({"schemaVersion":2,"config":)" +
                         descriptor(kLockfileType, app.lockfile_digest, lockfile.size()) +
                         R"(,"layers":[)" + descriptor(kWasmType, wasm, kWasm.size()) + "," +
                         descriptor(kDataType, file, file_text.size()) + "]}");
    app.manifest_digest = layout.add(app.manifest);
    app.index_descriptor =
        descriptor(kManifestType, app.manifest_digest, app.manifest.size(), ref_annotation(ref));
    return app;
}

// New shape with the given lockfile and layers (the lockfile layer is appended last).
App add_new_app(Layout& layout, const std::string& ref, const std::string& lockfile,
                const std::vector<std::string>& layers, const std::string& config = "") {
    App app;
    app.lockfile_digest = layout.add(lockfile);
    std::string config_bytes = config.empty() ? spin_image_config(app.lockfile_digest) : config;
    std::string list;
    for (const auto& l : layers) list += l + ",";
    list += descriptor(kLockfileType, app.lockfile_digest, lockfile.size());
    app.manifest =
        canon(R"({"schemaVersion":2,"artifactType":")" + kArtifactType + R"(","config":)" +
              layout.blob_descriptor(kConfigType, config_bytes) + R"(,"layers":[)" + list +
              R"(],"annotations":{"org.opencontainers.image.title":"hello"}})");
    app.manifest_digest = layout.add(app.manifest);
    app.index_descriptor =
        descriptor(kManifestType, app.manifest_digest, app.manifest.size(), ref_annotation(ref));
    return app;
}

// A LayoutSink in memory; remembers which paths were streamed and whether it was committed.
class MemorySink : public LayoutSink {
  public:
    Status begin_blob(const std::string& path, std::uint64_t size) override {
        current_ = path;
        expected_ = size;
        streamed.push_back(path);
        staged_[path].clear();
        return Status::ok();
    }
    Status blob_data(const char* data, std::size_t size) override {
        staged_[current_].append(data, size);
        return Status::ok();
    }
    Status end_blob() override {
        if (staged_[current_].size() != expected_) {
            return Status::invalid(current_ + ": size differs from begin_blob");
        }
        return Status::ok();
    }
    Status put_file(const std::string& path, std::string_view bytes) override {
        if (std::find(streamed.begin(), streamed.end(), path) != streamed.end()) {
            return Status::invalid(path + ": put_file after streaming it");
        }
        staged_[path] = bytes;
        return Status::ok();
    }
    Status commit() override {
        committed = true;
        files = std::move(staged_);
        return Status::ok();
    }
    void abort() override {
        aborted = true;
        staged_.clear();
    }

    Files files;  // what a commit published
    std::vector<std::string> streamed;
    bool committed = false;
    bool aborted = false;

  private:
    Files staged_;
    std::string current_;
    std::uint64_t expected_ = 0;
};

struct Run {
    Status status;
    ConvertResult result;
    MemorySink sink;
};

std::unique_ptr<Run> convert(const Files& files, const ConvertOptions& options = {}) {
    auto run = std::make_unique<Run>();
    auto source = make_memory_source("in", files);
    run->status = convert_layout(*source, &run->sink, options, run->result);
    return run;
}

ConvertOptions to_old() {
    ConvertOptions options;
    options.target = ConvertTarget::old_format;
    return options;
}

std::string findings_text(const ConvertResult& result) {
    std::string text;
    for (const Finding& f : result.findings.all()) {
        text += std::string(severity_name(f.severity)) + " " + f.code + " " + f.file + "#" +
                f.pointer + ": " + f.message + "\n";
    }
    return text;
}

std::optional<Finding> find_finding(const ConvertResult& result, std::string_view code,
                                    std::string_view pointer) {
    for (const Finding& f : result.findings.all()) {
        if (f.code == code && f.pointer == pointer) return f;
    }
    return std::nullopt;
}

TEST(ConvertTest, OldToNewWritesTheExpectedBytes) {
    Layout in;
    App app = add_old_app(in, "hello:v1", "hello world\n");
    in.set_index({app.index_descriptor});

    auto run = convert(in.files);
    ASSERT_TRUE(run->status) << run->status.message() << "\n" << findings_text(run->result);
    ASSERT_TRUE(run->sink.committed);
    const Files& out = run->sink.files;

    std::string config = spin_image_config(app.lockfile_digest);
    EXPECT_EQ(config,
              R"({"architecture":"wasm","config":{"Labels":{"com.fermyon.spin.lockedAppDigest":")" +
                  app.lockfile_digest +
                  R"("}},"os":"wasip1","rootfs":{"diff_ids":[],"type":"layers"}})");
    std::string config_digest = sha256_digest(config);
    ASSERT_TRUE(out.contains(path_of(config_digest)));
    EXPECT_EQ(out.at(path_of(config_digest)), config);

    // Old layers in order, then the old config descriptor as the last layer.
    rapidjson::Document old_manifest;
    ASSERT_TRUE(parse_json(app.manifest, old_manifest, nullptr));
    std::string layers;
    for (const auto& layer : old_manifest["layers"].GetArray()) {
        layers += write_canonical(layer) + ",";
    }
    std::string expected_manifest =
        R"({"artifactType":")" + kArtifactType + R"(","config":{"digest":")" + config_digest +
        R"(","mediaType":")" + kConfigType + R"(","size":)" + std::to_string(config.size()) +
        R"(},"layers":[)" + layers + write_canonical(old_manifest["config"]) +
        R"(],"schemaVersion":2})";
    std::string manifest_digest = sha256_digest(expected_manifest);
    ASSERT_TRUE(out.contains(path_of(manifest_digest)));
    EXPECT_EQ(out.at(path_of(manifest_digest)), expected_manifest);

    EXPECT_EQ(out.at("index.json"),
              R"({"manifests":[{"annotations":{"org.opencontainers.image.ref.name":"hello:v1"},)"
              R"("digest":")" +
                  manifest_digest + R"(","mediaType":")" + kManifestType + R"(","size":)" +
                  std::to_string(expected_manifest.size()) + R"(}],"schemaVersion":2})");
    EXPECT_EQ(out.at("oci-layout"), kOciLayout);
    // The lockfile bytes move unchanged; the old manifest is gone, nothing else is.
    EXPECT_EQ(out.at(path_of(app.lockfile_digest)), in.blob(app.lockfile_digest));
    EXPECT_FALSE(out.contains(path_of(app.manifest_digest)));
    EXPECT_EQ(out.size(), in.files.size() + 1);  // + image config, new manifest - old manifest
    EXPECT_EQ(run->result.dropped_blobs, std::vector<std::string>{app.manifest_digest});

    ASSERT_EQ(run->result.manifests.size(), 1u);
    const ManifestPlan& plan = run->result.manifests[0];
    EXPECT_TRUE(plan.converted);
    EXPECT_EQ(plan.ref_name, "hello:v1");
    EXPECT_EQ(plan.location, "index.json#/manifests/0");
    EXPECT_EQ(plan.from, ManifestFormat::spin_v1_config);
    EXPECT_EQ(plan.to, ManifestFormat::spin_oci_layer);
    EXPECT_EQ(plan.old_digest, app.manifest_digest);
    EXPECT_EQ(plan.new_digest, manifest_digest);
}

TEST(ConvertTest, ArtifactTypeNoneLeavesItOut) {
    Layout in;
    App app = add_old_app(in, "hello:v1", "hi");
    in.set_index({app.index_descriptor});
    ConvertOptions options;
    options.artifact_type.reset();
    auto run = convert(in.files, options);
    ASSERT_TRUE(run->status) << run->status.message();
    const std::string& manifest =
        run->sink.files.at(path_of(run->result.manifests.at(0).new_digest));
    EXPECT_EQ(manifest.find("artifactType"), std::string::npos) << manifest;
    EXPECT_EQ(run->sink.files.at("index.json").find("artifactType"), std::string::npos);
}

TEST(ConvertTest, ADescriptorStatingAnArtifactTypeFollowsTheManifest) {
    Layout in;
    App app = add_old_app(in, "hello:v1", "hi");
    // The descriptor states one already; conversions keep it equal to the manifest's.
    in.set_index(
        {descriptor(kManifestType, app.manifest_digest, app.manifest.size(),
                    R"(,"artifactType":"application/x-before")" + ref_annotation("hello:v1"))});
    ConvertOptions options;
    options.artifact_type = "application/x-other";
    auto run = convert(in.files, options);
    ASSERT_TRUE(run->status) << run->status.message();
    rapidjson::Document index;
    ASSERT_TRUE(parse_json(run->sink.files.at("index.json"), index, nullptr));
    EXPECT_STREQ(index["manifests"][0]["artifactType"].GetString(), "application/x-other");
    const std::string& manifest =
        run->sink.files.at(path_of(run->result.manifests.at(0).new_digest));
    EXPECT_NE(manifest.find(R"("artifactType":"application/x-other")"), std::string::npos);

    auto old = convert(run->sink.files, to_old());
    ASSERT_TRUE(old->status) << old->status.message();
    EXPECT_EQ(old->sink.files.at("index.json").find("artifactType"), std::string::npos)
        << old->sink.files.at("index.json");
}

TEST(ConvertTest, OldToNewToOldIsByteIdentical) {
    Layout in;
    App first = add_old_app(in, "hello:v1", "hello world\n");
    App second = add_old_app(in, "other:v2", "other file");
    in.set_index({first.index_descriptor, second.index_descriptor});

    auto to_new = convert(in.files);
    ASSERT_TRUE(to_new->status) << to_new->status.message() << findings_text(to_new->result);
    auto back = convert(to_new->sink.files, to_old());
    ASSERT_TRUE(back->status) << back->status.message() << findings_text(back->result);
    EXPECT_EQ(back->sink.files, in.files);
    EXPECT_EQ(back->result.converted_count(), 2u);
}

TEST(ConvertTest, NewToOldToNewIsByteIdentical) {
    Layout in;
    std::string wasm = in.add(kWasm);
    std::string file = in.add("some data");
    App app =
        add_new_app(in, "app:v1", hello_lockfile(wasm, file),
                    {descriptor(kWasmType, wasm, kWasm.size()), descriptor(kDataType, file, 9)});
    in.set_index({app.index_descriptor});

    auto old = convert(in.files, to_old());
    ASSERT_TRUE(old->status) << old->status.message() << findings_text(old->result);
    // The old manifest: lockfile descriptor as config, no artifactType, annotations kept.
    const std::string& old_manifest =
        old->sink.files.at(path_of(old->result.manifests.at(0).new_digest));
    EXPECT_EQ(old_manifest,
              R"({"annotations":{"org.opencontainers.image.title":"hello"},"config":)" +
                  canon(descriptor(kLockfileType, app.lockfile_digest,
                                   in.blob(app.lockfile_digest).size())) +
                  R"(,"layers":[)" + canon(descriptor(kWasmType, wasm, kWasm.size())) + "," +
                  canon(descriptor(kDataType, file, 9)) + R"(],"schemaVersion":2})");
    EXPECT_EQ(old->sink.files.at("index.json").find("artifactType"), std::string::npos);
    EXPECT_TRUE(old->result.findings.empty()) << findings_text(old->result);

    auto back = convert(old->sink.files);
    ASSERT_TRUE(back->status) << back->status.message() << findings_text(back->result);
    EXPECT_EQ(back->sink.files, in.files);
}

TEST(ConvertTest, NonSpinManifestsAndTargetFormatPassThroughByteIdentical) {
    Layout in;
    // A container image written non-canonically (Go field order, a trailing newline).
    std::string image_config =
        R"({"os":"linux","architecture":"amd64","rootfs":{"type":"layers","diff_ids":[]}})";
    std::string layer = "not really a tar layer";
    std::string image =
        "{\"schemaVersion\":2,\"mediaType\":\"" + kManifestType +
        "\",\"config\":" + in.blob_descriptor(kConfigType, image_config) + ",\"layers\":[" +
        in.blob_descriptor("application/vnd.oci.image.layer.v1.tar", layer) + "]}\n";
    std::string image_digest = in.add(image);
    std::string wasm = in.add(kWasm);
    std::string file = in.add("x");
    App app =
        add_new_app(in, "app:v1", hello_lockfile(wasm, file),
                    {descriptor(kWasmType, wasm, kWasm.size()), descriptor(kDataType, file, 1)});
    // index.json written by someone else: not canonical either.
    in.files["index.json"] =
        "{\n  \"schemaVersion\": 2,\n  \"manifests\": [" +
        descriptor(kManifestType, image_digest, image.size(), ref_annotation("motd:v1")) + ", " +
        app.index_descriptor + "]\n}\n";
    in.files[path_of(in.add("unreferenced"))] = "unreferenced";

    auto run = convert(in.files);
    ASSERT_TRUE(run->status) << run->status.message() << findings_text(run->result);
    EXPECT_EQ(run->sink.files, in.files);
    ASSERT_EQ(run->result.manifests.size(), 2u);
    EXPECT_FALSE(run->result.manifests[0].converted);
    EXPECT_EQ(run->result.manifests[0].from, ManifestFormat::oci_image);
    EXPECT_EQ(run->result.manifests[0].reason, "not a Spin app");
    EXPECT_FALSE(run->result.manifests[1].converted);
    EXPECT_EQ(run->result.manifests[1].reason, "already spin-oci-layer");
    EXPECT_TRUE(run->result.added_blobs.empty());
    EXPECT_TRUE(run->result.dropped_blobs.empty());

    // The container image survives a conversion of the app next to it, byte for byte.
    auto old = convert(in.files, to_old());
    ASSERT_TRUE(old->status) << old->status.message() << findings_text(old->result);
    EXPECT_EQ(old->sink.files.at(path_of(image_digest)), image);
    EXPECT_EQ(old->sink.files.at(path_of(sha256_digest(image_config))), image_config);
    EXPECT_EQ(old->sink.files.at(path_of(sha256_digest("unreferenced"))), "unreferenced");
    EXPECT_EQ(old->result.converted_count(), 1u);
}

TEST(ConvertTest, RefSelectsWhatIsConverted) {
    Layout in;
    App first = add_old_app(in, "first:v1", "one");
    App second = add_old_app(in, "second:v1", "two");
    in.set_index({first.index_descriptor, second.index_descriptor});
    ConvertOptions options;
    options.ref_name = "second:v1";
    auto run = convert(in.files, options);
    ASSERT_TRUE(run->status) << run->status.message();
    ASSERT_EQ(run->result.manifests.size(), 2u);
    EXPECT_FALSE(run->result.manifests[0].converted);
    EXPECT_EQ(run->result.manifests[0].reason, "ref name is not \"second:v1\"");
    EXPECT_TRUE(run->result.manifests[1].converted);
    EXPECT_EQ(run->sink.files.at(path_of(first.manifest_digest)), first.manifest);
    EXPECT_FALSE(run->sink.files.contains(path_of(second.manifest_digest)));
}

TEST(ConvertTest, RefNotFoundIsRefusedAndWritesNothing) {
    Layout in;
    App app = add_old_app(in, "hello:v1", "one");
    in.set_index({app.index_descriptor});
    ConvertOptions options;
    options.ref_name = "nope";
    auto run = convert(in.files, options);
    EXPECT_EQ(run->status.code(), Status::Code::invalid);
    EXPECT_NE(run->status.message().find("no index.json descriptor has ref name \"nope\"; found "
                                         "\"hello:v1\""),
              std::string::npos)
        << run->status.message();
    EXPECT_TRUE(run->result.findings.contains("CONVERT-REF-NOT-FOUND"));
    EXPECT_FALSE(run->sink.committed);
    EXPECT_TRUE(run->sink.aborted);
}

TEST(ConvertTest, InvalidInputIsRefusedWithTheValidatorsFindings) {
    Layout in;
    App app = add_old_app(in, "hello:v1", "hello");
    in.set_index({app.index_descriptor});
    // The data blob's bytes no longer match its name.
    in.files[path_of(sha256_digest("hello"))] = "HELLO";
    auto run = convert(in.files);
    EXPECT_EQ(run->status.code(), Status::Code::invalid);
    EXPECT_TRUE(run->result.findings.has_errors()) << findings_text(run->result);
    EXPECT_FALSE(run->sink.committed);
    EXPECT_TRUE(run->sink.aborted);
    EXPECT_TRUE(run->result.manifests.empty());
}

// A new-format app using what Spin 1.x cannot read.
Layout lossy_layout(App& app) {
    Layout in;
    std::string wasm = in.add(kWasm);
    std::string dep_wasm = in.add(std::string("\0asm\x01\0\0\0\0", 9));
    std::string file = in.add("data");
    std::string lockfile = hello_lockfile(
        wasm, file,
        R"(,"must_understand":["host_requirements"],)"
        R"("host_requirements":{"local_service_chaining":"required"})",
        R"(,"dependencies":{"dep:x/y":{"source":{"content_type":"application/wasm","digest":")" +
            dep_wasm + R"("}}})",
        1);
    app = add_new_app(in, "app:v1", lockfile,
                      {descriptor(kWasmType, wasm, kWasm.size()),
                       descriptor(kWasmType, dep_wasm, 9), descriptor(kDataType, file, 4)});
    in.set_index({app.index_descriptor});
    return in;
}

TEST(ConvertTest, LossyConversionIsRefusedListingEachProblem) {
    App app;
    Layout in = lossy_layout(app);
    auto run = convert(in.files, to_old());
    EXPECT_EQ(run->status.code(), Status::Code::invalid);
    EXPECT_FALSE(run->sink.committed);
    EXPECT_TRUE(run->sink.aborted);
    const ConvertResult& result = run->result;
    std::string lockfile_file = path_of(app.lockfile_digest);
    for (auto [code, pointer] : std::vector<std::pair<std::string, std::string>>{
             {"CONVERT-LOSSY-LOCK-VERSION", "/spin_lock_version"},
             {"CONVERT-LOSSY-LOCK-VERSION", "/must_understand"},
             {"CONVERT-LOSSY-HOST-REQUIREMENTS", "/host_requirements"},
             {"CONVERT-LOSSY-DEPENDENCIES", "/components/0/dependencies"}}) {
        std::optional<Finding> f = find_finding(result, code, pointer);
        ASSERT_NE(f, std::nullopt) << code << " at " << pointer << "\n" << findings_text(result);
        EXPECT_EQ(f->severity, Severity::error);
        EXPECT_EQ(f->file, lockfile_file);
        EXPECT_NE(f->message.find("--allow-lossy"), std::string::npos) << f->message;
    }
}

TEST(ConvertTest, AllowLossyRewritesTheLockfileAndSaysWhat) {
    App app;
    Layout in = lossy_layout(app);
    ConvertOptions options = to_old();
    options.allow_lossy = true;
    auto run = convert(in.files, options);
    ASSERT_TRUE(run->status) << run->status.message() << findings_text(run->result);
    EXPECT_EQ(run->result.findings.count(Severity::warning), 4u) << findings_text(run->result);
    EXPECT_FALSE(run->result.findings.has_errors());

    rapidjson::Document manifest;
    ASSERT_TRUE(parse_json(run->sink.files.at(path_of(run->result.manifests.at(0).new_digest)),
                           manifest, nullptr));
    std::string new_lockfile_digest = manifest["config"]["digest"].GetString();
    EXPECT_NE(new_lockfile_digest, app.lockfile_digest);
    rapidjson::Document lockfile;
    ASSERT_TRUE(parse_json(run->sink.files.at(path_of(new_lockfile_digest)), lockfile, nullptr));
    EXPECT_EQ(lockfile["spin_lock_version"].GetInt(), 0);
    EXPECT_FALSE(lockfile.HasMember("must_understand"));
    EXPECT_FALSE(lockfile.HasMember("host_requirements"));
    EXPECT_FALSE(lockfile["components"][0].HasMember("dependencies"));
    // The dependency's wasm layer went with it; the component's layers stayed.
    EXPECT_EQ(manifest["layers"].Size(), 2u);
    EXPECT_FALSE(run->sink.files.contains(path_of(app.lockfile_digest)));
}

TEST(ConvertTest, InlineFilesWithDigestBecomeDataLayersWithoutTouchingTheLockfile) {
    Layout in;
    std::string wasm = in.add(kWasm);
    std::string empty_digest = sha256_digest("");
    std::string lockfile = canon(
        R"({"spin_lock_version":0,"triggers":[],"components":[{"id":"c","source":)"
        R"({"content_type":"application/wasm","digest":")" +
        wasm + R"("},"files":[{"path":"a.txt","inline":"aGk","digest":")" + sha256_digest("hi") +
        R"("},{"path":"empty","inline":"","digest":")" + empty_digest + R"("}]}]})");
    App app = add_new_app(in, "app:v1", lockfile, {descriptor(kWasmType, wasm, kWasm.size())});
    in.set_index({app.index_descriptor});

    auto run = convert(in.files, to_old());
    ASSERT_TRUE(run->status) << run->status.message() << findings_text(run->result);
    EXPECT_TRUE(run->result.findings.empty()) << findings_text(run->result);
    const Files& out = run->sink.files;
    EXPECT_EQ(out.at(path_of(sha256_digest("hi"))), "hi");
    EXPECT_EQ(out.at(path_of(empty_digest)), "");
    EXPECT_EQ(out.at(path_of(app.lockfile_digest)), lockfile);
    const std::string& manifest = out.at(path_of(run->result.manifests.at(0).new_digest));
    EXPECT_NE(manifest.find(canon(descriptor(kDataType, sha256_digest("hi"), 2))),
              std::string::npos)
        << manifest;
    EXPECT_NE(manifest.find(canon(descriptor(kDataType, empty_digest, 0))), std::string::npos);
    EXPECT_NE(manifest.find(R"("config":)" +
                            canon(descriptor(kLockfileType, app.lockfile_digest, lockfile.size()))),
              std::string::npos);
}

TEST(ConvertTest, InlineFileWithoutDigestNeedsAllowLossy) {
    Layout in;
    std::string wasm = in.add(kWasm);
    std::string lockfile =
        canon(R"({"spin_lock_version":0,"triggers":[],"components":[{"id":"c","source":)"
              R"({"content_type":"application/wasm","digest":")" +
              wasm + R"("},"files":[{"path":"a.txt","inline":"aGk"}]}]})");
    App app = add_new_app(in, "app:v1", lockfile, {descriptor(kWasmType, wasm, kWasm.size())});
    in.set_index({app.index_descriptor});

    auto refused = convert(in.files, to_old());
    EXPECT_EQ(refused->status.code(), Status::Code::invalid);
    EXPECT_NE(find_finding(refused->result, "CONVERT-LOSSY-FILE-DIGEST", "/components/0/files/0"),
              std::nullopt)
        << findings_text(refused->result);

    ConvertOptions options = to_old();
    options.allow_lossy = true;
    auto run = convert(in.files, options);
    ASSERT_TRUE(run->status) << run->status.message() << findings_text(run->result);
    rapidjson::Document manifest;
    ASSERT_TRUE(parse_json(run->sink.files.at(path_of(run->result.manifests.at(0).new_digest)),
                           manifest, nullptr));
    std::string lockfile_bytes =
        run->sink.files.at(path_of(manifest["config"]["digest"].GetString()));
    EXPECT_NE(lockfile_bytes.find(R"("digest":")" + sha256_digest("hi") + R"(","inline":"aGk")"),
              std::string::npos)
        << lockfile_bytes;
    EXPECT_EQ(run->sink.files.at(path_of(sha256_digest("hi"))), "hi");
}

// A gzip'd tar of (path, content) members, as Spin writes archive layers.
std::string make_tar_gz(const std::vector<std::pair<std::string, std::string>>& members) {
    archive* writer = archive_write_new();
    archive_write_add_filter_gzip(writer);
    archive_write_set_format_ustar(writer);
    std::string buffer(1 << 20, '\0');
    std::size_t used = 0;
    archive_write_open_memory(writer, buffer.data(), buffer.size(), &used);
    for (const auto& [path, content] : members) {
        archive_entry* entry = archive_entry_new();
        archive_entry_set_pathname(entry, path.c_str());
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_perm(entry, 0644);
        archive_entry_set_size(entry, static_cast<la_int64_t>(content.size()));
        archive_write_header(writer, entry);
        archive_write_data(writer, content.data(), content.size());
        archive_entry_free(entry);
    }
    archive_write_close(writer);
    archive_write_free(writer);
    buffer.resize(used);
    return buffer;
}

Layout archive_layout(App& app, bool extra_member) {
    Layout in;
    std::string wasm = in.add(kWasm);
    std::vector<std::pair<std::string, std::string>> members = {{"./index.html", "<h1>hi</h1>"},
                                                                {"img/logo.svg", "<svg/>"}};
    if (extra_member) members.emplace_back("stray.txt", "not in the lockfile");
    std::string archive = make_tar_gz(members);
    std::string lockfile =
        canon(R"({"spin_lock_version":0,"triggers":[],"components":[{"id":"c","source":)"
              R"({"content_type":"application/wasm","digest":")" +
              wasm +
              R"("},"files":[)"
              R"({"path":"index.html","digest":")" +
              sha256_digest("<h1>hi</h1>") +
              R"("},)"
              R"({"path":"img/logo.svg","digest":")" +
              sha256_digest("<svg/>") + R"("}]}]})");
    app = add_new_app(
        in, "app:v1", lockfile,
        {descriptor(kWasmType, wasm, kWasm.size()), in.blob_descriptor(kArchiveType, archive)});
    in.set_index({app.index_descriptor});
    return in;
}

TEST(ConvertTest, ArchiveLayersExpandIntoDataLayersCheckedByDigest) {
    App app;
    Layout in = archive_layout(app, false);
    for (std::size_t keep_limit : {std::size_t{4 * kMiB}, std::size_t{8}}) {
        ConvertOptions options = to_old();
        options.keep_limit = keep_limit;  // 8: the archive and its members stream
        auto run = convert(in.files, options);
        ASSERT_TRUE(run->status) << run->status.message() << findings_text(run->result);
        EXPECT_TRUE(run->result.findings.empty()) << findings_text(run->result);
        const Files& out = run->sink.files;
        EXPECT_EQ(out.at(path_of(sha256_digest("<h1>hi</h1>"))), "<h1>hi</h1>");
        EXPECT_EQ(out.at(path_of(sha256_digest("<svg/>"))), "<svg/>");
        EXPECT_EQ(out.at(path_of(app.lockfile_digest)), in.blob(app.lockfile_digest));
        const std::string& manifest = out.at(path_of(run->result.manifests.at(0).new_digest));
        EXPECT_EQ(manifest.find(kArchiveType), std::string::npos) << manifest;
        EXPECT_NE(manifest.find(canon(descriptor(kDataType, sha256_digest("<svg/>"), 6))),
                  std::string::npos);
        ASSERT_FALSE(run->result.manifests[0].notes.empty());
        // The new manifest and the two members; the archive and image config are dropped.
        std::vector<std::string> added = run->result.added_blobs;
        std::sort(added.begin(), added.end());
        std::vector<std::string> expected = {run->result.manifests[0].new_digest,
                                             sha256_digest("<h1>hi</h1>"), sha256_digest("<svg/>")};
        std::sort(expected.begin(), expected.end());
        EXPECT_EQ(added, expected);
    }
}

TEST(ConvertTest, ArchiveMembersNoFileUsesAreLossy) {
    App app;
    Layout in = archive_layout(app, true);
    auto run = convert(in.files, to_old());
    EXPECT_EQ(run->status.code(), Status::Code::invalid);
    std::optional<Finding> f =
        find_finding(run->result, "CONVERT-LOSSY-ARCHIVE-EXTRA", "/layers/1");
    ASSERT_NE(f, std::nullopt) << findings_text(run->result);
    EXPECT_NE(f->message.find("\"stray.txt\""), std::string::npos) << f->message;
}

TEST(ConvertTest, ImageConfigWithMoreThanTheLabelIsLossyButTheOldShapeIsNot) {
    for (bool extra : {true, false}) {
        Layout in;
        std::string wasm = in.add(kWasm);
        std::string file = in.add("f");
        std::string lockfile = hello_lockfile(wasm, file);
        // Spin 2.0-2.3 wrote no label; `created` is something the old format cannot keep.
        std::string config =
            extra
                ? R"({"architecture":"wasm","os":"wasip1","created":"2024-01-01T00:00:00Z",)"
                  R"("rootfs":{"type":"layers","diff_ids":[]}})"
                : R"({"architecture":"wasm","os":"wasip1","rootfs":{"type":"layers","diff_ids":[]}})";
        App app = add_new_app(
            in, "app:v1", lockfile,
            {descriptor(kWasmType, wasm, kWasm.size()), descriptor(kDataType, file, 1)}, config);
        in.set_index({app.index_descriptor});
        auto run = convert(in.files, to_old());
        if (extra) {
            EXPECT_EQ(run->status.code(), Status::Code::invalid);
            std::optional<Finding> f = find_finding(run->result, "CONVERT-LOSSY-IMAGE-CONFIG", "");
            ASSERT_NE(f, std::nullopt) << findings_text(run->result);
            EXPECT_NE(f->message.find("\"created\" is dropped"), std::string::npos) << f->message;
        } else {
            EXPECT_TRUE(run->status) << run->status.message() << findings_text(run->result);
        }
    }
}

TEST(ConvertTest, NestedIndexesAreRewrittenUpTheChain) {
    Layout in;
    App app = add_old_app(in, "unused", "nested");
    std::string nested = canon(R"({"schemaVersion":2,"mediaType":")" +
                               std::string(media::kOciIndex) + R"(","manifests":[)" +
                               descriptor(kManifestType, app.manifest_digest, app.manifest.size(),
                                          R"(,"platform":{"os":"wasip1","architecture":"wasm"})") +
                               "]}");
    std::string nested_digest = in.add(nested);
    in.set_index({descriptor(std::string(media::kOciIndex), nested_digest, nested.size(),
                             ref_annotation("multi:v1"))});
    auto run = convert(in.files);
    ASSERT_TRUE(run->status) << run->status.message() << findings_text(run->result);
    ASSERT_EQ(run->result.manifests.size(), 1u);
    const ManifestPlan& plan = run->result.manifests[0];
    EXPECT_TRUE(plan.converted);
    EXPECT_EQ(plan.location, path_of(nested_digest) + "#/manifests/0");
    const Files& out = run->sink.files;
    EXPECT_FALSE(out.contains(path_of(nested_digest)));
    rapidjson::Document index;
    ASSERT_TRUE(parse_json(out.at("index.json"), index, nullptr));
    std::string new_nested_digest = index["manifests"][0]["digest"].GetString();
    ASSERT_TRUE(out.contains(path_of(new_nested_digest)));
    const std::string& new_nested = out.at(path_of(new_nested_digest));
    EXPECT_NE(new_nested.find(plan.new_digest), std::string::npos) << new_nested;
    EXPECT_NE(new_nested.find(R"("platform":{"architecture":"wasm","os":"wasip1"})"),
              std::string::npos);
    EXPECT_EQ(index["manifests"][0]["size"].GetUint64(), new_nested.size());

    auto back = convert(out, to_old());
    ASSERT_TRUE(back->status) << back->status.message() << findings_text(back->result);
    EXPECT_EQ(back->sink.files, in.files);
}

TEST(ConvertTest, LargeBlobsStreamDuringThePassAndTheOutputIsDeterministic) {
    Layout in;
    std::string big(300000, 'x');
    App app = add_old_app(in, "hello:v1", big);
    in.set_index({app.index_descriptor});
    ConvertOptions options;
    options.keep_limit = 1024;
    auto first = convert(in.files, options);
    auto second = convert(in.files, options);
    ASSERT_TRUE(first->status) << first->status.message();
    ASSERT_TRUE(second->status) << second->status.message();
    EXPECT_EQ(first->sink.streamed, std::vector<std::string>{path_of(sha256_digest(big))});
    EXPECT_EQ(first->sink.files.at(path_of(sha256_digest(big))), big);
    EXPECT_EQ(first->sink.files, second->sink.files);
    EXPECT_EQ(first->sink.streamed, second->sink.streamed);
}

TEST(ConvertTest, DryRunPlansWithoutASink) {
    Layout in;
    App app = add_old_app(in, "hello:v1", "dry");
    in.set_index({app.index_descriptor});
    auto source = make_memory_source("in", in.files);
    ConvertResult dry;
    ASSERT_TRUE(convert_layout(*source, nullptr, {}, dry));
    EXPECT_FALSE(dry.written);
    auto real = convert(in.files);
    ASSERT_TRUE(real->status);
    EXPECT_TRUE(real->result.written);
    ASSERT_EQ(dry.manifests.size(), 1u);
    EXPECT_EQ(dry.manifests[0].new_digest, real->result.manifests[0].new_digest);
    EXPECT_EQ(dry.added_blobs, real->result.added_blobs);
    EXPECT_EQ(dry.dropped_blobs, real->result.dropped_blobs);
}

// A converted app without one of its layers cannot run: the validator only warns (a layout may
// hold part of what it references), so convert refuses it unless allow_missing_blobs, and keeps
// the validator's warnings either way (issue 13 item 4).
Layout app_without_its_wasm(App& app) {
    Layout in;
    app = add_old_app(in, "hello:v1", "hello");
    in.set_index({app.index_descriptor});
    in.files.erase(path_of(sha256_digest(kWasm)));
    return in;
}

TEST(ConvertTest, AnAppToConvertWithAMissingLayerIsRefused) {
    App app;
    Layout in = app_without_its_wasm(app);
    auto run = convert(in.files);
    EXPECT_EQ(run->status.code(), Status::Code::invalid);
    EXPECT_FALSE(run->sink.committed);
    std::optional<Finding> refusal = find_finding(run->result, "CONVERT-BLOB-MISSING", "/layers/0");
    ASSERT_NE(refusal, std::nullopt) << findings_text(run->result);
    EXPECT_EQ(refusal->severity, Severity::error);
    EXPECT_EQ(refusal->file, path_of(app.manifest_digest));
    EXPECT_NE(refusal->message.find(path_of(sha256_digest(kWasm))), std::string::npos);
    EXPECT_NE(refusal->message.find("--allow-missing-blobs"), std::string::npos);
    std::optional<Finding> warning = find_finding(run->result, "OCI-BLOB-MISSING", "/layers/0");
    ASSERT_NE(warning, std::nullopt) << findings_text(run->result);
    EXPECT_EQ(warning->severity, Severity::warning);
}

TEST(ConvertTest, AllowMissingBlobsConvertsAndKeepsTheWarning) {
    App app;
    Layout in = app_without_its_wasm(app);
    ConvertOptions options;
    options.allow_missing_blobs = true;
    auto run = convert(in.files, options);
    ASSERT_TRUE(run->status) << run->status.message() << findings_text(run->result);
    EXPECT_TRUE(run->sink.committed);
    EXPECT_EQ(run->result.converted_count(), 1u);
    EXPECT_EQ(find_finding(run->result, "CONVERT-BLOB-MISSING", "/layers/0"), std::nullopt);
    EXPECT_NE(find_finding(run->result, "OCI-BLOB-MISSING", "/layers/0"), std::nullopt)
        << findings_text(run->result);
}

TEST(ConvertTest, AnAppPassedThroughWithAMissingLayerIsOnlyWarnedAbout) {
    App app;
    Layout in = app_without_its_wasm(app);
    auto run = convert(in.files, to_old());  // already in the old format: not converted
    ASSERT_TRUE(run->status) << run->status.message() << findings_text(run->result);
    EXPECT_EQ(run->result.converted_count(), 0u);
    EXPECT_NE(find_finding(run->result, "OCI-BLOB-MISSING", "/layers/0"), std::nullopt)
        << findings_text(run->result);
}

// A source whose scan lists a blob without keeping its bytes and which then cannot open it
// again (removed by another process meanwhile).
class VanishingSource : public LayoutSource {
  public:
    VanishingSource(const Files& files, std::string gone)
        : inner_(make_memory_source("in", files)), gone_(std::move(gone)) {}
    const std::string& name() const override { return inner_->name(); }
    bool can_reread() const override { return true; }
    Status scan(const ScanOptions& options, LayoutScan& out) override {
        Status status = inner_->scan(options, out);
        for (BlobRecord& record : out.blobs) {
            if (record.path() == gone_) record.content.reset();
        }
        return status;
    }
    Status read_blob(const std::string& path,
                     const std::function<Status(const char*, std::size_t)>& fn) override {
        if (path == gone_) return Status::io_error("in/" + path + ": no such file");
        return inner_->read_blob(path, fn);
    }

  private:
    std::unique_ptr<LayoutSource> inner_;
    std::string gone_;
};

TEST(ConvertTest, ADocumentGoneWhenReadAgainIsAnIoErrorNotAFinding) {
    Layout in;
    App app = add_old_app(in, "hello:v1", "hello");
    in.set_index({app.index_descriptor});
    VanishingSource source(in.files, path_of(app.manifest_digest));
    MemorySink sink;
    ConvertResult result;
    Status status = convert_layout(source, &sink, {}, result);
    EXPECT_EQ(status.code(), Status::Code::io_error) << status.message();
    EXPECT_NE(status.message().find(path_of(app.manifest_digest)), std::string::npos)
        << status.message();
    EXPECT_FALSE(sink.committed);
}

TEST(ConvertTest, RenderedSummaries) {
    Layout in;
    App app = add_old_app(in, "hello:v1", "text");
    in.set_index({app.index_descriptor});
    auto run = convert(in.files);
    ASSERT_TRUE(run->status);
    const ManifestPlan& plan = run->result.manifests.at(0);
    EXPECT_EQ(render_convert_text(run->result, "out", false),
              "hello:v1: spin-v1-config -> spin-oci-layer: " + plan.old_digest + " -> " +
                  plan.new_digest +
                  "\nout: 1 converted, 0 unchanged, 2 blob(s) added, 1 dropped\n");
    EXPECT_EQ(render_convert_text(run->result, "out", true)
                  .substr(render_convert_text(run->result, "out", true).rfind("dry run")),
              "dry run: 1 to convert, 0 unchanged, 2 blob(s) added, 1 dropped; nothing written\n");

    std::string json = render_convert_json(run->result, "in", "out", {}, false, run->status);
    ASSERT_EQ(json.back(), '\n');
    rapidjson::Document doc;
    ASSERT_TRUE(parse_json(json.substr(0, json.size() - 1), doc, nullptr)) << json;
    EXPECT_STREQ(doc["status"].GetString(), "ok");
    EXPECT_STREQ(doc["target"].GetString(), "spin-oci-layer");
    EXPECT_EQ(doc["converted"].GetUint64(), 1u);
    EXPECT_STREQ(doc["manifests"][0]["newDigest"].GetString(), plan.new_digest.c_str());
    EXPECT_STREQ(doc["manifests"][0]["ref"].GetString(), "hello:v1");

    Status refused = Status::invalid("in: conversion refused");
    ConvertResult result;
    result.findings.error("CONVERT-LOSSY-DEPENDENCIES", "m", "f", "/p");
    json = render_convert_json(result, "in", "out", {}, false, refused);
    ASSERT_TRUE(parse_json(json.substr(0, json.size() - 1), doc, nullptr)) << json;
    EXPECT_STREQ(doc["status"].GetString(), "refused");
    EXPECT_STREQ(doc["findings"][0]["pointer"].GetString(), "/p");
}

}  // namespace
}  // namespace ociwasm
