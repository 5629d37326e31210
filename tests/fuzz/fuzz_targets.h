// The fuzz targets as plain functions, shared by the libFuzzer binaries (tests/fuzz/fuzz_*.cpp)
// and by the unit test that replays tests/fuzz/regressions/ (tests/unit/fuzz_regressions_test.cpp).
//
// Besides "no crash, no sanitizer report", each target checks invariants that must hold for any
// input; a broken one aborts, so libFuzzer keeps the input as a crash:
// - every finding has a code of the catalogue's shape and a message;
// - JSON: what parses, written canonically, parses again to the same canonical text; what does
//   not parse is an error finding of validate_document;
// - conversion: whatever converts without error yields a layout that validates without error,
//   and a lossless old -> new -> old round trip gives back the original manifest digest.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

#include "layout_source_internal.h"
#include "ociwasm/convert.h"
#include "ociwasm/digest.h"
#include "ociwasm/json.h"
#include "ociwasm/layout.h"
#include "ociwasm/media_types.h"
#include "ociwasm/validate.h"

namespace ociwasm::fuzz {

// Aborts with a message: libFuzzer (or the replaying test) reports the input.
[[noreturn]] inline void broken(const std::string& what) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what.c_str());
    std::fflush(stderr);
    std::abort();
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

inline bool is_code_shape(std::string_view code) {
    if (code.empty() || code.front() == '-' || code.back() == '-') return false;
    for (char c : code) {
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) return false;
    }
    return true;
}

inline void check_findings(const Findings& findings, std::string_view where) {
    findings.for_each([&](const Finding& finding) {
        if (!is_code_shape(finding.code)) {
            broken(std::string(where) + ": finding code \"" + finding.code +
                   "\" is not of the form WORD-WORD (message: " + finding.message + ")");
        }
        if (finding.message.empty()) {
            broken(std::string(where) + ": finding " + finding.code + " has no message");
        }
    });
}

// A sink that keeps the written layout in memory, so conversions can be checked without disk.
class MemorySink : public LayoutSink {
  public:
    Status begin_blob(const std::string& path, std::uint64_t size) override {
        if (done_) return Status::usage("memory sink: written after commit or abort");
        current_ = path;
        expected_ = size;
        pending_[path].clear();
        return Status::ok();
    }
    Status blob_data(const char* data, std::size_t size) override {
        if (current_.empty()) broken("memory sink: blob_data outside begin_blob/end_blob");
        pending_[current_].append(data, size);
        return Status::ok();
    }
    Status end_blob() override {
        if (current_.empty()) broken("memory sink: end_blob without begin_blob");
        if (pending_[current_].size() != expected_) {
            broken("memory sink: " + current_ + " announced " + std::to_string(expected_) +
                   " bytes, received " + std::to_string(pending_[current_].size()));
        }
        current_.clear();
        return Status::ok();
    }
    Status put_file(const std::string& path, std::string_view bytes) override {
        if (done_) return Status::usage("memory sink: written after commit or abort");
        pending_[path] = std::string(bytes);
        return Status::ok();
    }
    Status commit() override {
        if (done_) return Status::usage("memory sink: committed twice");
        done_ = true;
        committed_ = true;
        files_ = std::move(pending_);
        // Like the real sinks: a layout always has blobs/ ("blobs/" is the memory source's
        // name for an empty one).
        files_.emplace("blobs/", "");
        return Status::ok();
    }
    void abort() override {
        done_ = true;
        pending_.clear();
    }

    bool committed() const { return committed_; }
    const std::map<std::string, std::string>& files() const { return files_; }

  private:
    std::map<std::string, std::string> pending_;
    std::map<std::string, std::string> files_;
    std::string current_;
    std::uint64_t expected_ = 0;
    bool done_ = false;
    bool committed_ = false;
};

inline ValidationResult validate_files(const std::map<std::string, std::string>& files,
                                       std::string_view where) {
    auto source = make_memory_source("fuzz-layout", files);
    ValidationResult result;
    Status status = validate_layout(*source, ValidateOptions{}, result);
    if (!status)
        broken(std::string(where) + ": a memory layout failed to scan: " + status.message());
    check_findings(result.findings, where);
    return result;
}

inline std::string first_error(const Findings& findings) {
    std::string first = "no error";
    findings.visit([&](const Finding& finding) {
        if (finding.severity != Severity::error) return true;
        first = finding.code + ": " + finding.message;
        return false;
    });
    return first;
}

// The digest of the first manifest index.json lists, "" when there is none.
inline std::string first_manifest_digest(const std::map<std::string, std::string>& files) {
    auto it = files.find("index.json");
    rapidjson::Document index;
    if (it == files.end() || !parse_json(it->second, index, nullptr) || !index.IsObject()) {
        return {};
    }
    auto manifests = index.FindMember("manifests");
    if (manifests == index.MemberEnd() || !manifests->value.IsArray() || manifests->value.Empty() ||
        !manifests->value[0].IsObject()) {
        return {};
    }
    auto digest = manifests->value[0].FindMember("digest");
    if (digest == manifests->value[0].MemberEnd() || !digest->value.IsString()) return {};
    return digest->value.GetString();
}

inline bool has_lossy_findings(const Findings& findings) {
    return findings.any_of(
        [](const Finding& finding) { return finding.code.starts_with("CONVERT-LOSSY"); });
}

// Converts a layout that validated into memory, both ways, with and without lossy changes, and
// checks what comes out. `input_files` (when known) allows the round-trip check.
inline void convert_and_check(LayoutSource& source,
                              const std::map<std::string, std::string>* input_files,
                              bool round_trip_input, std::string_view where) {
    for (ConvertTarget target : {ConvertTarget::new_format, ConvertTarget::old_format}) {
        for (bool lossy : {false, true}) {
            std::string what = std::string(where) +
                               (target == ConvertTarget::new_format ? ": convert --to new"
                                                                    : ": convert --to old") +
                               (lossy ? " --allow-lossy" : "");
            ConvertOptions options;
            options.target = target;
            options.allow_lossy = lossy;
            // Small blobs stream through the observer too, so both write paths run.
            options.keep_limit = lossy ? 64 : 4 * kMiB;
            MemorySink sink;
            ConvertResult result;
            Status status = convert_layout(source, &sink, options, result);
            check_findings(result.findings, what);
            if (!status) {
                if (sink.committed()) {
                    broken(what + ": failed (" + status.message() + ") after commit");
                }
                if (status.code() == Status::Code::invalid && !result.findings.has_errors()) {
                    broken(what + ": refused (" + status.message() + ") without an error finding");
                }
                continue;
            }
            if (!sink.committed() || !result.written) broken(what + ": ok but nothing committed");
            ValidationResult output = validate_files(sink.files(), what + ": output");
            if (output.findings.has_errors()) {
                broken(what + ": the converted layout is invalid: " + first_error(output.findings));
            }
            // DESIGN: old -> new -> old reproduces the original manifest digest when the input
            // is what Spin 1.x writes (canonical, and never inline content: the way back adds a
            // data layer per inline file).
            if (input_files == nullptr || target != ConvertTarget::new_format || lossy ||
                !round_trip_input || result.converted_count() == 0 ||
                has_lossy_findings(result.findings)) {
                continue;
            }
            std::string original = first_manifest_digest(*input_files);
            auto converted = make_memory_source("fuzz-converted", sink.files());
            ConvertOptions back;
            back.target = ConvertTarget::old_format;
            MemorySink back_sink;
            ConvertResult back_result;
            if (convert_layout(*converted, &back_sink, back, back_result) &&
                !has_lossy_findings(back_result.findings) && back_result.converted_count() > 0 &&
                first_manifest_digest(back_sink.files()) != original) {
                broken(what + ": old -> new -> old gave manifest " +
                       first_manifest_digest(back_sink.files()) + ", expected " + original);
            }
        }
    }
}

// ---- fuzz_json: one bare document; the first byte picks its kind ----

inline void json_document(const std::uint8_t* data, std::size_t size) {
    static constexpr DocumentKind kKinds[] = {DocumentKind::manifest, DocumentKind::index,
                                              DocumentKind::config,   DocumentKind::descriptor,
                                              DocumentKind::layout,   DocumentKind::lockfile};
    if (size == 0) return;
    DocumentKind kind = kKinds[data[0] % std::size(kKinds)];
    std::string_view text = as_text(data + 1, size - 1);

    rapidjson::Document doc;
    JsonError error;
    bool parsed = parse_json(text, doc, &error);
    if (parsed) {
        std::string canonical = write_canonical(doc);
        rapidjson::Document again;
        if (!parse_json(canonical, again, &error)) {
            broken("canonical output does not parse: " + error.message + " at byte " +
                   std::to_string(error.offset) + " of " + canonical);
        }
        if (write_canonical(again) != canonical) {
            broken("canonical output is not a fixed point: " + canonical);
        }
    } else {
        if (error.message.empty()) broken("parse_json failed without a message");
        if (error.offset > text.size()) {
            broken("parse_json error offset " + std::to_string(error.offset) + " beyond the " +
                   std::to_string(text.size()) + " input bytes");
        }
    }

    ValidationResult result;
    validate_document(kind, text, "fuzz.json", result);
    check_findings(result.findings, "validate_document");
    if (!parsed && !result.findings.has_errors()) {
        broken("validate_document accepted a document parse_json rejects (" + error.message + ")");
    }
}

// ---- fuzz_tar: the bytes as a layout tar, read as a file and as a stream ----

// A file in memory, so the tar source can open, stat and re-read it like a file on disk.
class MemoryFile {
  public:
    explicit MemoryFile(std::string_view bytes) : fd_(::memfd_create("ociwasm-fuzz", MFD_CLOEXEC)) {
        if (fd_ < 0) broken("memfd_create failed");
        std::size_t done = 0;
        while (done < bytes.size()) {
            ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
            if (n <= 0) broken("writing the memfd failed");
            done += static_cast<std::size_t>(n);
        }
    }
    ~MemoryFile() { ::close(fd_); }
    MemoryFile(const MemoryFile&) = delete;
    MemoryFile& operator=(const MemoryFile&) = delete;

    std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }
    // A descriptor reading from the start, owned by the caller.
    int reopen() const {
        int fd = ::open(path().c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) broken("reopening the memfd failed");
        return fd;
    }

  private:
    int fd_;
};

inline void tar_layout(const std::uint8_t* data, std::size_t size) {
    MemoryFile file(as_text(data, size));
    {
        // A file: validation may read blobs again.
        auto source = make_tar_source(file.path());
        LayoutScan scan;
        Status status = source->scan(ScanOptions{}, scan);
        if (status) {
            check_findings(scan.findings, "tar scan");
            ValidationResult result;
            validate_scan(*source, scan, ValidateOptions{}, result);
            check_findings(result.findings, "tar validate");
            if (!result.findings.has_errors()) convert_and_check(*source, nullptr, false, "tar");
        } else if (status.message().empty()) {
            broken("tar scan failed without a message");
        }
    }
    {
        // A stream (like stdin) with tiny limits: content is dropped and cannot be re-read.
        auto source = detail::make_tar_source_from_fd(file.reopen(), "fuzz-stream");
        ScanOptions options;
        options.keep_limit = 16;
        options.json_keep_limit = 512;
        options.kept_budget = 1024;
        LayoutScan scan;
        if (source->scan(options, scan)) {
            check_findings(scan.findings, "stream scan");
            ValidationResult result;
            validate_scan(*source, scan, ValidateOptions{}, result);
            check_findings(result.findings, "stream validate");
        }
    }
}

// ---- fuzz_lockfile / fuzz_convert: the bytes as a Spin lockfile inside a Spin app ----

// The non-lockfile layers of the shipped Spin fixtures, by digest, with their media types.
struct FixtureLayer {
    std::string media_type;
    std::string bytes;
    std::vector<std::string> member_digests;  // archive layers: the digest of each file inside
};

inline std::vector<std::string> archive_member_digests(const std::string& bytes) {
    std::vector<std::string> digests;
    archive* reader = archive_read_new();
    archive_read_support_filter_gzip(reader);
    archive_read_support_format_tar(reader);
    if (archive_read_open_memory(reader, bytes.data(), bytes.size()) == ARCHIVE_OK) {
        archive_entry* entry = nullptr;
        while (archive_read_next_header(reader, &entry) == ARCHIVE_OK) {
            if (archive_entry_filetype(entry) != AE_IFREG) continue;
            std::string content;
            char buffer[4096];
            for (la_ssize_t n; (n = archive_read_data(reader, buffer, sizeof buffer)) > 0;) {
                content.append(buffer, static_cast<std::size_t>(n));
            }
            digests.push_back(sha256_digest(content));
        }
    }
    archive_read_free(reader);
    return digests;
}

inline std::string read_whole_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::map<std::string, FixtureLayer> load_fixture_layers() {
    std::map<std::string, FixtureLayer> layers;
    std::error_code ec;
    for (const char* format : {"spin-oci-layer", "spin-v1-config"}) {
        std::filesystem::path dir = std::filesystem::path(OCIWASM_SOURCE_DIR) / "fixtures" / format;
        for (const auto& app : std::filesystem::directory_iterator(dir, ec)) {
            if (!app.is_directory()) continue;
            rapidjson::Document index;
            if (!parse_json(read_whole_file(app.path() / "index.json"), index, nullptr)) continue;
            for (const auto& entry : index["manifests"].GetArray()) {
                std::string digest = entry["digest"].GetString();
                rapidjson::Document manifest;
                std::filesystem::path blobs = app.path() / "blobs" / "sha256";
                if (!parse_json(read_whole_file(blobs / digest.substr(7)), manifest, nullptr)) {
                    continue;
                }
                for (const auto& layer : manifest["layers"].GetArray()) {
                    std::string media_type = layer["mediaType"].GetString();
                    if (media_type == media::kSpinLockfile) continue;
                    std::string layer_digest = layer["digest"].GetString();
                    FixtureLayer fixture{
                        media_type, read_whole_file(blobs / layer_digest.substr(7)), {}};
                    if (media_type == media::kArchiveLayer) {
                        fixture.member_digests = archive_member_digests(fixture.bytes);
                    }
                    layers[layer_digest] = std::move(fixture);
                }
            }
        }
    }
    return layers;
}

inline const std::map<std::string, FixtureLayer>& fixture_layers() {
    static const std::map<std::string, FixtureLayer> layers = load_fixture_layers();
    return layers;
}

inline std::string descriptor_json(std::string_view media_type, std::string_view bytes) {
    return R"({"digest":")" + sha256_digest(bytes) + R"(","mediaType":")" +
           std::string(media_type) + R"(","size":)" + std::to_string(bytes.size()) + "}";
}

// A Spin app around `lockfile`, as Spin writes it: the fixture layers the lockfile names (in the
// order it first names them), then the lockfile (new format) or the lockfile as config (old
// format). Every document is canonical, so conversions can be compared by digest.
inline std::map<std::string, std::string> spin_layout(std::string_view lockfile, bool new_format) {
    std::map<std::string, std::string> files;
    auto add_blob = [&files](std::string_view bytes) {
        files["blobs/sha256/" + sha256_hex(bytes)] = std::string(bytes);
    };
    std::vector<std::pair<std::size_t, std::string>> named;  // (position in lockfile, digest)
    for (const auto& [digest, layer] : fixture_layers()) {
        // A layer is named by its digest; an archive layer also by the digest of a file inside.
        std::size_t at = lockfile.find(digest);
        for (const std::string& member : layer.member_digests)
            at = std::min(at, lockfile.find(member));
        if (at != std::string_view::npos) named.emplace_back(at, digest);
    }
    std::sort(named.begin(), named.end());
    std::string layers;
    for (const auto& [at, digest] : named) {
        const FixtureLayer& layer = fixture_layers().at(digest);
        add_blob(layer.bytes);
        layers += (layers.empty() ? "" : ",") + descriptor_json(layer.media_type, layer.bytes);
    }
    add_blob(lockfile);
    std::string manifest;
    if (new_format) {
        std::string config = R"({"architecture":"wasm","config":{"Labels":{")" +
                             std::string(media::kLockedAppDigestLabel) + R"(":")" +
                             sha256_digest(lockfile) +
                             R"("}},"os":"wasip1","rootfs":{"diff_ids":[],"type":"layers"}})";
        add_blob(config);
        layers += (layers.empty() ? "" : ",") + descriptor_json(media::kSpinLockfile, lockfile);
        manifest = R"({"artifactType":")" + std::string(media::kComponentArtifactType) +
                   R"(","config":)" + descriptor_json(media::kOciConfig, config) +
                   R"(,"layers":[)" + layers + R"(],"schemaVersion":2})";
    } else {
        manifest = R"({"config":)" + descriptor_json(media::kSpinLockfile, lockfile) +
                   R"(,"layers":[)" + layers + R"(],"schemaVersion":2})";
    }
    add_blob(manifest);
    files["oci-layout"] = R"({"imageLayoutVersion":"1.0.0"})";
    files["index.json"] = R"({"manifests":[)" + descriptor_json(media::kOciManifest, manifest) +
                          R"(],"mediaType":")" + std::string(media::kOciIndex) +
                          R"(","schemaVersion":2})";
    return files;
}

inline void lockfile(const std::uint8_t* data, std::size_t size) {
    std::string_view text = as_text(data, size);
    ValidationResult document;
    validate_document(DocumentKind::lockfile, text, "spin.lock", document);
    check_findings(document.findings, "lockfile document");
    for (bool new_format : {true, false}) {
        ValidationResult result = validate_files(spin_layout(text, new_format),
                                                 new_format ? "lockfile layer" : "lockfile config");
        // The layout adds checks; it never makes a bad lockfile good. (The old format may lack
        // spin_lock_version, so the bare document's schema is stricter than the layout's.)
        if (new_format && document.findings.has_errors() && !result.findings.has_errors()) {
            broken("the lockfile alone has errors (" + first_error(document.findings) +
                   ") but the app holding it validates");
        }
    }
}

inline void convert(const std::uint8_t* data, std::size_t size) {
    std::string_view text = as_text(data, size);
    for (bool new_format : {false, true}) {
        std::map<std::string, std::string> files = spin_layout(text, new_format);
        ValidationResult input = validate_files(files, "convert input");
        if (input.findings.has_errors()) continue;
        auto source = make_memory_source("fuzz-app", files);
        // Spin 1.x never inlines content and never writes archive layers (tar.gz blobs).
        bool has_archive = std::any_of(files.begin(), files.end(), [](const auto& file) {
            return file.second.starts_with("\x1f\x8b");
        });
        bool spin1_shaped =
            !new_format && !has_archive && text.find("\"inline\"") == std::string_view::npos;
        convert_and_check(*source, &files, spin1_shaped,
                          new_format ? "new-format app" : "old-format app");
    }
}

}  // namespace ociwasm::fuzz
