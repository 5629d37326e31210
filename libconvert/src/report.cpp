// Validation reports for people and scripts: the text and JSON Lines formats, the finding-code
// catalogue, and the choice of format. The CI formats (SARIF, GitHub, GitLab, JUnit) are in
// report_ci.cpp.
#include "ociwasm/report.h"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "ociwasm/finding_text.h"
#include "ociwasm/spin.h"
#include "report_internal.h"
#include "text.h"

namespace ociwasm {

namespace detail {

namespace {

// The finding-code catalogue (README "Finding codes"), for SARIF rule descriptions.
constexpr std::array kCodes = {
    CodeInfo{"LAYOUT-MISSING-OCI-LAYOUT", Severity::error, "The oci-layout file is missing."},
    CodeInfo{"LAYOUT-BAD-OCI-LAYOUT", Severity::error,
             "The oci-layout file is unparsable, fails its schema, or its imageLayoutVersion is "
             "not 1.0.0."},
    CodeInfo{"LAYOUT-MISSING-INDEX", Severity::error, "The index.json file is missing."},
    CodeInfo{"LAYOUT-MISSING-BLOBS", Severity::error, "The blobs directory is missing."},
    CodeInfo{"LAYOUT-FILE-TOO-LARGE", Severity::error,
             "oci-layout or index.json is larger than the reader accepts."},
    CodeInfo{"LAYOUT-NOT-REGULAR-FILE", Severity::error,
             "A blob is a symbolic link or another non-regular file."},
    CodeInfo{"TAR-ABSOLUTE-PATH", Severity::error, "A tar entry has an absolute path."},
    CodeInfo{"TAR-PATH-TRAVERSAL", Severity::error, "A tar entry path has a '..' component."},
    CodeInfo{"TAR-LINK-ESCAPE", Severity::error, "A tar link points outside the layout."},
    CodeInfo{"TAR-LINK-UNVERIFIED", Severity::warning,
             "A hardlinked blob from stdin could not be hashed with its own algorithm."},
    CodeInfo{"TAR-SPECIAL-FILE", Severity::error,
             "A tar entry is a device node, FIFO or other special file."},
    CodeInfo{"TAR-DUPLICATE-ENTRY", Severity::error,
             "Two tar entries name the same path with different content."},
    CodeInfo{"TAR-TRUNCATED", Severity::error, "The tar archive is truncated or corrupt."},
    CodeInfo{"OCI-BLOB-NAME", Severity::error,
             "A file under blobs/ has a name that breaks the digest grammar."},
    CodeInfo{"JSON-INVALID", Severity::error,
             "A document is not I-JSON (syntax, UTF-8, duplicate member names, nesting)."},
    CodeInfo{"OCI-DOCUMENT-TOO-LARGE", Severity::error,
             "A referenced manifest, index, config or lockfile is too large to check."},
    CodeInfo{"OCI-MANIFEST-TOO-LARGE", Severity::warning,
             "A manifest or index is larger than 4 MiB, which registries may refuse."},
    CodeInfo{"OCI-SCHEMA", Severity::error, "A document fails its OCI JSON schema."},
    CodeInfo{"OCI-DIGEST-INVALID", Severity::error,
             "A digest breaks the digest grammar or its algorithm's encoding."},
    CodeInfo{"OCI-DIGEST-UNVERIFIABLE", Severity::warning,
             "A well-formed digest uses an algorithm that cannot be computed."},
    CodeInfo{"OCI-DIGEST-MISMATCH", Severity::error, "Blob content does not hash to its digest."},
    CodeInfo{"OCI-SIZE-MISMATCH", Severity::error,
             "A descriptor size differs from the blob's byte count."},
    CodeInfo{"OCI-BLOB-MISSING", Severity::warning, "A referenced blob is not in the layout."},
    CodeInfo{"OCI-BLOB-UNREFERENCED", Severity::info, "A blob is not referenced by anything."},
    CodeInfo{"OCI-BLOB-UNREADABLE", Severity::error,
             "A blob could not be read again after the pass."},
    CodeInfo{"OCI-DATA-INVALID", Severity::error,
             "A descriptor's data field is not standard base64 with padding."},
    CodeInfo{"OCI-DATA-MISMATCH", Severity::error,
             "A descriptor's decoded data differs from the blob, its size or its digest."},
    CodeInfo{"OCI-URL-INVALID", Severity::error, "A descriptor urls entry is not an RFC 3986 URI."},
    CodeInfo{"OCI-REF-NAME-INVALID", Severity::error,
             "An org.opencontainers.image.ref.name annotation breaks the reference grammar."},
    CodeInfo{"OCI-ANNOTATION-CREATED", Severity::warning,
             "An org.opencontainers.image.created annotation is not an RFC 3339 date-time."},
    CodeInfo{"OCI-MEDIATYPE-INVALID", Severity::error,
             "A document's mediaType is present but not the manifest or index type."},
    CodeInfo{"OCI-MEDIATYPE-MISMATCH", Severity::error,
             "A descriptor's mediaType does not match the document it points to."},
    CodeInfo{"OCI-MANIFEST-HAS-MANIFESTS", Severity::error, "A manifest carries manifests."},
    CodeInfo{"OCI-INDEX-HAS-LAYERS", Severity::error, "An index carries config or layers."},
    CodeInfo{"OCI-ARTIFACTTYPE-REQUIRED", Severity::error,
             "The config is the empty descriptor type but artifactType is not set."},
    CodeInfo{"OCI-EMPTY-DESCRIPTOR", Severity::error,
             "An empty-type descriptor does not describe the '{}' blob."},
    CodeInfo{"OCI-LAYERS-EMPTY", Severity::warning, "A manifest has no layers."},
    CodeInfo{"OCI-CONFIG-ENV", Severity::error, "An image config Env entry is not KEY=value."},
    CodeInfo{"OCI-INDEX-CYCLE", Severity::error, "An index reaches itself."},
    CodeInfo{"OCI-INDEX-TOO-DEEP", Severity::warning,
             "Nested indexes deeper than the limit are not followed."},
    CodeInfo{"OCI-UNKNOWN-MEDIATYPE", Severity::info,
             "A descriptor has a media type that is not checked further."},
    CodeInfo{"SPIN-LOCKFILE-MISSING", Severity::error, "A Spin app has no lockfile."},
    CodeInfo{"SPIN-LOCKFILE-INVALID", Severity::error, "The Spin lockfile cannot be parsed."},
    CodeInfo{"SPIN-LOCKFILE-SCHEMA", Severity::error, "The Spin lockfile fails its schema."},
    CodeInfo{"SPIN-LOCKFILE-MULTIPLE", Severity::error,
             "A manifest has more than one Spin lockfile layer."},
    CodeInfo{"SPIN-LOCKFILE-NOT-LAST", Severity::warning,
             "The Spin lockfile layer is not the last layer."},
    CodeInfo{"SPIN-SOURCE-DIGEST-MISSING", Severity::error,
             "A component or dependency source digest names no layer."},
    CodeInfo{"SPIN-INLINE-DIGEST-MISMATCH", Severity::error,
             "Inline file content does not hash to its digest."},
    CodeInfo{"SPIN-FILE-PATH-UNSAFE", Severity::error,
             "A file path is absolute or has a '..' component."},
    CodeInfo{"SPIN-FILE-MISSING", Severity::error,
             "A file is neither inline, nor a data layer, nor inside an archive layer."},
    CodeInfo{"SPIN-ARCHIVE-INVALID", Severity::error, "An archive layer is not a readable tar.gz."},
    CodeInfo{"SPIN-ARCHIVE-UNCHECKED", Severity::info,
             "An archive layer too large to keep from stdin was not listed."},
    CodeInfo{"SPIN-TRIGGER-COMPONENT-MISSING", Severity::error,
             "A trigger names a component that does not exist."},
    CodeInfo{"SPIN-LABEL-MISMATCH", Severity::error,
             "The config label com.fermyon.spin.lockedAppDigest differs from the lockfile "
             "layer digest."},
    CodeInfo{"SPIN-LABEL-MISSING", Severity::warning,
             "The config has no com.fermyon.spin.lockedAppDigest label (Spin 2.0 to 2.3 shape)."},
    CodeInfo{"SPIN-LAYER-UNREFERENCED", Severity::warning,
             "A layer is not referenced by any lockfile entry."},
    CodeInfo{"SPIN-PLATFORM", Severity::warning,
             "The config os/architecture is not wasip1 (or wasi) / wasm."},
    CodeInfo{"SPIN-TOO-MANY-LAYERS", Severity::warning,
             "A manifest has more than 500 layers, which some registries refuse."},
    CodeInfo{"SPIN-LOCK-VERSION-MISSING", Severity::error,
             "An old-format lockfile has no spin_lock_version and more than one layer."},
    CodeInfo{"WASM-MAGIC", Severity::error, "A wasm layer does not start with the wasm magic."},
    CodeInfo{"WASM-KIND", Severity::info, "Whether a wasm layer is a core module or a component."},
};

}  // namespace

const CodeInfo* find_code(std::string_view code) {
    auto it = std::find_if(kCodes.begin(), kCodes.end(),
                           [&](const CodeInfo& info) { return info.code == code; });
    return it == kCodes.end() ? nullptr : &*it;
}

std::string inner_location(const InputReport& report, const Finding& finding) {
    std::string where;
    if (!finding.file.empty() && finding.file != report.input) {
        where = finding.file;
    } else if (finding.file.empty()) {
        where = finding.digest;
    }
    if (!finding.pointer.empty()) {
        where += "#" + finding.pointer;
    }
    return where;
}

std::string finding_line(const InputReport& report, const Finding& finding) {
    std::string where = inner_location(report, finding);
    std::string out = one_line(report.input);
    if (!where.empty()) {
        out += where.starts_with('#') ? "" : ": ";
        out += one_line(where);
    }
    out += ": ";
    out += severity_name(finding.severity);
    out += ": " + one_line(finding.code) + ": " + one_line(message_without_location(finding));
    return out;
}

}  // namespace detail

using detail::find_code;
using detail::finding_line;
using detail::join;
using detail::one_line;
using detail::plural;
using detail::write_json_string;
using detail::write_member;

namespace {

// The names of the detected formats, "a, b"; "" when there are none.
std::string formats_list(const ValidationResult& result) {
    std::vector<std::string> names;
    for (ManifestFormat format : result.formats) {
        names.emplace_back(format_name(format));
    }
    return join(names, ", ");
}

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// One member of the json format's "manifests" array.
void write_manifest_entry(JsonWriter& writer, const ManifestEntry& manifest) {
    writer.StartObject();
    write_member(writer, "digest", manifest.digest);
    write_member(writer, "refName", manifest.ref_name);
    write_member(writer, "format", format_name(manifest.format));
    write_member(writer, "file", manifest.file);
    // index_pointer is "/manifests/N" in index.json, or "FILE#POINTER" in a nested index.
    std::string_view index_file = "index.json";
    std::string_view index_pointer = manifest.index_pointer;
    if (auto hash = index_pointer.find('#'); hash != std::string_view::npos) {
        index_file = index_pointer.substr(0, hash);
        index_pointer.remove_prefix(hash + 1);
    }
    write_member(writer, "indexFile", index_file);
    write_member(writer, "indexPointer", index_pointer);
    writer.EndObject();
}

}  // namespace

bool parse_report_format(std::string_view name, ReportFormat& out) {
    for (ReportFormat format : {ReportFormat::text, ReportFormat::json, ReportFormat::sarif,
                                ReportFormat::github, ReportFormat::gitlab, ReportFormat::junit}) {
        if (report_format_name(format) == name) {
            out = format;
            return true;
        }
    }
    return false;
}

std::string_view report_format_name(ReportFormat format) {
    switch (format) {
        case ReportFormat::text:
            return "text";
        case ReportFormat::json:
            return "json";
        case ReportFormat::sarif:
            return "sarif";
        case ReportFormat::github:
            return "github";
        case ReportFormat::gitlab:
            return "gitlab";
        case ReportFormat::junit:
            return "junit";
    }
    return "text";
}

std::string_view finding_code_description(std::string_view code) {
    const detail::CodeInfo* info = find_code(code);
    return info == nullptr ? std::string_view() : info->description;
}

bool input_passes(const InputReport& report, bool strict) {
    if (!report.status.is_ok()) {
        return false;
    }
    const Findings& findings = report.result.findings;
    return !findings.has_errors() && !(strict && findings.has_warnings());
}

std::string render_text(const InputReport& report, const ReportOptions& options) {
    std::string input = one_line(report.input);
    if (!report.status.is_ok()) {
        return options.quiet ? std::string() : input + ": unreadable\n";
    }
    std::string out;
    for (const Finding& finding : report.result.findings.all()) {
        if (options.quiet && finding.severity == Severity::info) {
            continue;
        }
        out += finding_line(report, finding) + "\n";
    }
    if (!options.quiet) {
        const Findings& findings = report.result.findings;
        out += input + ": " + (input_passes(report, options.strict) ? "valid" : "invalid") + " (" +
               plural(findings.count(Severity::error), "error", "errors") + ", " +
               plural(findings.count(Severity::warning), "warning", "warnings") + ", " +
               std::to_string(findings.count(Severity::info)) + " info)";
        std::string formats = formats_list(report.result);
        if (!formats.empty()) {
            out += "; formats: " + formats;
        }
        out += "\n";
    }
    return out;
}

std::string render_json(const InputReport& report, const ReportOptions& options) {
    rapidjson::StringBuffer buffer;
    JsonWriter writer(buffer);
    const bool readable = report.status.is_ok();
    const Findings& findings = report.result.findings;
    writer.StartObject();
    write_member(writer, "input", report.input);
    write_json_string(writer, "valid");
    writer.Bool(input_passes(report, options.strict));
    if (!readable) {
        write_member(writer, "error", report.status.message());
    }
    write_json_string(writer, "formats");
    writer.StartArray();
    if (readable) {
        for (ManifestFormat format : report.result.formats) {
            write_json_string(writer, format_name(format));
        }
    }
    writer.EndArray();
    write_json_string(writer, "manifests");
    writer.StartArray();
    if (readable) {
        for (const ManifestEntry& manifest : report.result.manifests) {
            write_manifest_entry(writer, manifest);
        }
    }
    writer.EndArray();
    write_json_string(writer, "findings");
    writer.StartArray();
    if (readable) {
        for (const Finding& finding : findings.all()) {
            writer.StartObject();
            write_member(writer, "severity", severity_name(finding.severity));
            write_member(writer, "code", finding.code);
            write_member(writer, "message", finding.message);
            write_member(writer, "file", finding.file);
            write_member(writer, "pointer", finding.pointer);
            write_member(writer, "digest", finding.digest);
            writer.EndObject();
        }
    }
    writer.EndArray();
    write_json_string(writer, "summary");
    writer.StartObject();
    for (Severity severity : {Severity::error, Severity::warning, Severity::info}) {
        write_json_string(writer, severity == Severity::error     ? "errors"
                                  : severity == Severity::warning ? "warnings"
                                                                  : "info");
        writer.Uint64(readable ? findings.count(severity) : 0);
    }
    writer.EndObject();
    writer.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

bool is_aggregate_format(ReportFormat format) {
    return format == ReportFormat::sarif || format == ReportFormat::gitlab ||
           format == ReportFormat::junit;
}

std::string render_report(ReportFormat format, const std::vector<InputReport>& reports,
                          const ReportOptions& options) {
    switch (format) {
        case ReportFormat::sarif:
            return render_sarif(reports, options);
        case ReportFormat::gitlab:
            return render_gitlab(reports, options);
        case ReportFormat::junit:
            return render_junit(reports, options);
        default:
            break;
    }
    std::string out;
    for (const InputReport& report : reports) {
        switch (format) {
            case ReportFormat::text:
                out += render_text(report, options);
                break;
            case ReportFormat::json:
                out += render_json(report, options);
                break;
            case ReportFormat::github:
                out += render_github(report, options);
                break;
            case ReportFormat::sarif:
            case ReportFormat::gitlab:
            case ReportFormat::junit:
                break;
        }
    }
    return out;
}

}  // namespace ociwasm
