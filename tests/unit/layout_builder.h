// Builds OCI layouts in memory for the validation tests: a valid Spin app in either packaging
// format, with hooks to mutate each document before it is hashed, so one test = one mutation.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include "ociwasm/digest.h"
#include "ociwasm/json.h"
#include "ociwasm/layout.h"
#include "ociwasm/media_types.h"
#include "ociwasm/validate.h"

namespace ociwasm::testing {

using Files = std::map<std::string, std::string>;

inline std::string blob_path(std::string_view digest) {
    auto colon = digest.find(':');
    return "blobs/" + std::string(digest.substr(0, colon)) + "/" +
           std::string(digest.substr(colon + 1));
}

inline rapidjson::Document json(std::string_view text) {
    rapidjson::Document doc;
    EXPECT_TRUE(parse_json(text, doc, nullptr)) << text;
    return doc;
}

// Sets the value at `pointer` (created if needed) to the JSON `value_json`.
inline void set(rapidjson::Document& doc, const char* pointer, std::string_view value_json) {
    rapidjson::Document value;
    ASSERT_TRUE(parse_json(value_json, value, nullptr)) << value_json;
    rapidjson::Value copy(value, doc.GetAllocator());
    rapidjson::Pointer(pointer).Set(doc, copy);
}

inline void erase(rapidjson::Document& doc, const char* pointer) {
    EXPECT_TRUE(rapidjson::Pointer(pointer).Erase(doc)) << pointer;
}

inline std::string quote(std::string_view text) {
    // Appended, not `"\"" + std::string(text)`: inserting into the temporary makes GCC 12 at
    // -O3 report a false -Wrestrict.
    std::string quoted;
    quoted.reserve(text.size() + 2);
    quoted.append(1, '"').append(text).append(1, '"');
    return quoted;
}

// Inserts the JSON `value_json` into the array at `pointer` before position `index`.
inline void insert(rapidjson::Document& doc, const char* pointer, std::size_t index,
                   std::string_view value_json) {
    rapidjson::Value* array = rapidjson::Pointer(pointer).Get(doc);
    ASSERT_TRUE(array != nullptr && array->IsArray()) << pointer;
    rapidjson::Document value;
    ASSERT_TRUE(parse_json(value_json, value, nullptr)) << value_json;
    rapidjson::Value rebuilt(rapidjson::kArrayType);
    auto& allocator = doc.GetAllocator();
    for (rapidjson::SizeType i = 0; i <= array->Size(); ++i) {
        if (i == index) rebuilt.PushBack(rapidjson::Value(value, allocator), allocator);
        if (i < array->Size()) rebuilt.PushBack((*array)[i], allocator);
    }
    *array = std::move(rebuilt);
}

inline std::string descriptor(std::string_view media_type, std::string_view bytes) {
    return R"({"mediaType":")" + std::string(media_type) + R"(","digest":")" +
           sha256_digest(bytes) + R"(","size":)" + std::to_string(bytes.size()) + "}";
}

// A wasm component (version 0x0d, layer 1) or core module (version 1) with some payload.
inline std::string wasm_component(std::string_view payload = "component") {
    return std::string("\0asm\x0d\x00\x01\x00", 8) + std::string(payload);
}
inline std::string wasm_module(std::string_view payload = "module") {
    return std::string("\0asm\x01\x00\x00\x00", 8) + std::string(payload);
}

// A tar of (path, content) entries, written with libarchive, gzipped or not.
inline std::string make_tar(const std::vector<std::pair<std::string, std::string>>& entries,
                            bool gzip) {
    std::size_t capacity = 1 << 20;
    for (const auto& entry : entries) capacity += entry.second.size() + entry.second.size() / 8;
    std::string buffer(capacity, '\0');
    std::size_t used = 0;
    archive* writer = archive_write_new();
    if (gzip) archive_write_add_filter_gzip(writer);
    archive_write_set_format_pax_restricted(writer);
    EXPECT_EQ(archive_write_open_memory(writer, buffer.data(), buffer.size(), &used), ARCHIVE_OK);
    for (const auto& [path, content] : entries) {
        archive_entry* entry = archive_entry_new();
        archive_entry_set_pathname(entry, path.c_str());
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_perm(entry, 0644);
        archive_entry_set_size(entry, static_cast<la_int64_t>(content.size()));
        EXPECT_EQ(archive_write_header(writer, entry), ARCHIVE_OK);
        EXPECT_EQ(archive_write_data(writer, content.data(), content.size()),
                  static_cast<la_ssize_t>(content.size()));
        archive_entry_free(entry);
    }
    archive_write_close(writer);
    archive_write_free(writer);
    buffer.resize(used);
    return buffer;
}

inline std::string make_tar_gz(const std::vector<std::pair<std::string, std::string>>& entries) {
    return make_tar(entries, true);
}

// What a built app is made of, for assertions.
struct BuiltApp {
    Files files;
    std::string manifest_digest;
    std::string manifest_path;
    std::string lockfile_digest;
    std::string lockfile_path;
    std::string config_path;  // new format: the image config; old format: the lockfile
    std::string wasm_digest;
    std::vector<std::string> data_digests;
    std::string archive_digest;  // when archive_files is set
};

// A small valid Spin app: one component, two files, one http trigger.
class SpinAppBuilder {
  public:
    bool new_format = true;
    std::optional<std::string> artifact_type = std::string(media::kComponentArtifactType);
    std::string wasm = wasm_component();
    std::vector<std::pair<std::string, std::string>> data_files = {
        {"index.html", "<h1>hello</h1>"}, {"css/site.css", "body { margin: 0 }"}};
    // New format only: ship these files in one archive layer instead of data layers.
    std::vector<std::pair<std::string, std::string>> archive_files;
    // Raw bytes used instead of the generated lockfile / archive (still hashed consistently).
    std::optional<std::string> lockfile_bytes_override;
    std::optional<std::string> archive_bytes_override;

    std::function<void(rapidjson::Document&)> edit_lockfile;
    std::function<void(rapidjson::Document&)> edit_config;
    std::function<void(rapidjson::Document&)> edit_manifest;
    std::function<void(rapidjson::Document&)> edit_index;
    std::function<void(BuiltApp&)> edit_files;

    BuiltApp build() const {
        BuiltApp app;
        app.wasm_digest = add(app, wasm);
        std::string files_json;
        std::string data_layers;
        for (const auto& [path, content] : data_files) {
            std::string digest = add(app, content);
            app.data_digests.push_back(digest);
            if (!files_json.empty()) files_json += ",";
            files_json += R"({"digest":")" + digest + R"(","path":")" + path + "\"}";
            data_layers += "," + descriptor(media::kDataLayer, content);
        }
        if (!archive_files.empty()) {
            std::vector<std::pair<std::string, std::string>> entries;
            for (const auto& [path, content] : archive_files) {
                entries.emplace_back("./" + path, content);
                if (!files_json.empty()) files_json += ",";
                files_json +=
                    R"({"digest":")" + sha256_digest(content) + R"(","path":")" + path + "\"}";
            }
            std::string archive = archive_bytes_override.value_or(make_tar_gz(entries));
            app.archive_digest = add(app, archive);
            data_layers += "," + descriptor(media::kArchiveLayer, archive);
        }
        rapidjson::Document lockfile =
            json(R"({"spin_lock_version":0,"metadata":{"name":"hello"},)"
                 R"("triggers":[{"id":"trigger--hello","trigger_type":"http",)"
                 R"("trigger_config":{"component":"hello","route":"/..."}}],)"
                 R"("components":[{"id":"hello","source":{"content_type":"application/wasm",)"
                 R"("digest":")" +
                 app.wasm_digest + R"("},"files":[)" + files_json + "]}]}");
        if (edit_lockfile) edit_lockfile(lockfile);
        std::string lockfile_bytes = lockfile_bytes_override.value_or(write_canonical(lockfile));
        app.lockfile_digest = add(app, lockfile_bytes);
        app.lockfile_path = blob_path(app.lockfile_digest);

        std::string layers = descriptor(media::kWasmLayer, wasm) + data_layers;
        std::string manifest_text;
        if (new_format) {
            rapidjson::Document config =
                json(R"({"architecture":"wasm","os":"wasip1","config":{"Labels":{")" +
                     std::string(media::kLockedAppDigestLabel) + R"(":")" + app.lockfile_digest +
                     R"("}},"rootfs":{"type":"layers","diff_ids":[]}})");
            if (edit_config) edit_config(config);
            std::string config_bytes = write_canonical(config);
            app.config_path = blob_path(add(app, config_bytes));
            manifest_text = R"({"schemaVersion":2,)" +
                            (artifact_type ? R"("artifactType":")" + *artifact_type + "\"," : "") +
                            R"("config":)" + descriptor(media::kOciConfig, config_bytes) +
                            R"(,"layers":[)" + layers + "," +
                            descriptor(media::kSpinLockfile, lockfile_bytes) +
                            R"(],"annotations":{"org.opencontainers.image.created":)"
                            R"("2024-05-01T10:20:30Z","org.opencontainers.image.title":"hello"}})";
        } else {
            app.config_path = app.lockfile_path;
            manifest_text = R"({"schemaVersion":2,"config":)" +
                            descriptor(media::kSpinLockfile, lockfile_bytes) + R"(,"layers":[)" +
                            layers + "]}";
        }
        rapidjson::Document manifest = json(manifest_text);
        if (edit_manifest) edit_manifest(manifest);
        std::string manifest_bytes = write_canonical(manifest);
        app.manifest_digest = add(app, manifest_bytes);
        app.manifest_path = blob_path(app.manifest_digest);

        rapidjson::Document index = json(
            R"({"schemaVersion":2,"mediaType":")" + std::string(media::kOciIndex) +
            R"(","manifests":[)" +
            descriptor(media::kOciManifest, manifest_bytes)
                .insert(1, R"("annotations":{"org.opencontainers.image.ref.name":"hello:1.0"},)") +
            "]}");
        if (edit_index) edit_index(index);
        app.files["index.json"] = write_canonical(index);
        app.files["oci-layout"] = R"({"imageLayoutVersion":"1.0.0"})";
        if (edit_files) edit_files(app);
        return app;
    }

  private:
    static std::string add(BuiltApp& app, std::string_view bytes) {
        std::string digest = sha256_digest(bytes);
        app.files[blob_path(digest)] = std::string(bytes);
        return digest;
    }
};

inline ValidationResult validate_files(const Files& files, const ValidateOptions& options = {}) {
    auto source = make_memory_source("memory", files);
    ValidationResult result;
    Status status = validate_layout(*source, options, result);
    EXPECT_TRUE(status.is_ok()) << status.message();
    return result;
}

inline std::string describe(const Findings& findings) {
    std::string out;
    for (const Finding& f : findings.all()) {
        out += "  " + std::string(severity_name(f.severity)) + " " + f.code + " [" + f.file + "#" +
               f.pointer + "] " + f.message + "\n";
    }
    return out.empty() ? "  (no findings)\n" : out;
}

inline std::optional<Finding> find_code(const Findings& findings, std::string_view code) {
    for (const Finding& f : findings.all()) {
        if (f.code == code) return f;
    }
    return std::nullopt;
}

inline std::size_t count_code(const Findings& findings, std::string_view code) {
    std::size_t n = 0;
    for (const Finding& f : findings.all()) n += f.code == code ? 1 : 0;
    return n;
}

// Asserts a finding with `code` exists with the given severity, file and pointer.
inline ::testing::AssertionResult has_finding(const Findings& findings, std::string_view code,
                                              Severity severity, std::string_view file,
                                              std::string_view pointer) {
    for (const Finding& f : findings.all()) {
        if (f.code == code && f.severity == severity && f.file == file && f.pointer == pointer) {
            return ::testing::AssertionSuccess();
        }
    }
    return ::testing::AssertionFailure() << "no " << severity_name(severity) << " " << code
                                         << " at [" << file << "#" << pointer << "]; findings:\n"
                                         << describe(findings);
}

inline ::testing::AssertionResult clean(const Findings& findings) {
    if (findings.count(Severity::error) == 0 && findings.count(Severity::warning) == 0) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "expected no errors or warnings:\n"
                                         << describe(findings);
}

}  // namespace ociwasm::testing
