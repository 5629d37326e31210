#include "ociwasm/report.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <map>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "ociwasm/digest.h"
#include "ociwasm/finding_text.h"
#include "ociwasm/spin.h"
#include "text.h"

namespace ociwasm {

using detail::github_escape;
using detail::one_line;
using detail::plural;
using detail::valid_utf8;
using detail::write_json_string;
using detail::xml_escape;

namespace {

struct CodeInfo {
    std::string_view code;
    Severity severity;
    std::string_view description;
};

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

const CodeInfo* find_code(std::string_view code) {
    auto it = std::find_if(kCodes.begin(), kCodes.end(),
                           [&](const CodeInfo& info) { return info.code == code; });
    return it == kCodes.end() ? nullptr : &*it;
}

// The file a finding is about, as a path on disk; "" when there is none (stdin).
std::string artifact_path(const InputReport& report, const Finding& finding) {
    switch (report.kind) {
        case InputKind::stdin_stream:
            return {};
        case InputKind::file:
            return report.input;
        case InputKind::directory:
            break;
    }
    if (finding.file.empty() || finding.file == report.input) {
        return report.input;
    }
    std::string base = report.input;
    while (base.size() > 1 && base.back() == '/') {
        base.pop_back();
    }
    return base == "/" ? base + finding.file : base + "/" + finding.file;
}

// Where inside the input a finding is: "FILE#POINTER", "FILE", "DIGEST", "#POINTER" or "".
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

// The location a tool that takes a file path cannot say, to follow the message in parentheses:
// the pointer for a file on disk; for a tar or stdin also the file inside the layout.
std::string unsaid_location(const InputReport& report, const Finding& finding) {
    std::string where = inner_location(report, finding);
    if (report.kind == InputKind::directory && !finding.file.empty()) {
        where = finding.pointer;
    } else if (where.starts_with('#')) {
        where.erase(0, 1);
    }
    return where;
}

// One finding as the text format prints it: `WHERE: SEVERITY: CODE: MESSAGE`, no newline.
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

std::string formats_list(const ValidationResult& result, std::string_view separator) {
    std::string out;
    for (ManifestFormat format : result.formats) {
        if (!out.empty()) {
            out += separator;
        }
        out += format_name(format);
    }
    return out;
}

std::string_view sarif_level(Severity severity) {
    switch (severity) {
        case Severity::error:
            return "error";
        case Severity::warning:
            return "warning";
        case Severity::info:
            return "note";
    }
    return "error";
}

// A relative or absolute file path as a URI reference (RFC 3986): unreserved characters and '/'
// stay, everything else is percent-encoded (':' too, so a relative path never reads as a scheme).
std::string path_to_uri(std::string_view path) {
    while (path.size() > 2 && path.substr(0, 2) == "./") {
        path.remove_prefix(2);
    }
    std::string out = path.starts_with('/') ? "file://" : "";
    for (char c : path) {
        auto byte = static_cast<unsigned char>(c);
        bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
        if (keep) {
            out.push_back(c);
        } else {
            char hex[4];
            std::snprintf(hex, sizeof hex, "%%%02X", byte);
            out += hex;
        }
    }
    return out;
}

template <typename Writer>
void write_member(Writer& writer, std::string_view key, std::string_view value) {
    write_json_string(writer, key);
    write_json_string(writer, value);
}

// A "physicalLocation" member naming `path`; relative paths are relative to the source root.
void write_physical_location(rapidjson::PrettyWriter<rapidjson::StringBuffer>& writer,
                             std::string_view path) {
    std::string uri = path_to_uri(path);
    write_json_string(writer, "physicalLocation");
    writer.StartObject();
    write_json_string(writer, "artifactLocation");
    writer.StartObject();
    write_member(writer, "uri", uri);
    if (!uri.starts_with("file://")) {
        write_member(writer, "uriBaseId", "%SRCROOT%");
    }
    writer.EndObject();
    writer.EndObject();
}

std::string_view gitlab_severity(Severity severity) {
    switch (severity) {
        case Severity::error:
            return "major";
        case Severity::warning:
            return "minor";
        case Severity::info:
            return "info";
    }
    return "major";
}

// One GitLab Code Quality issue.
void write_gitlab_issue(rapidjson::PrettyWriter<rapidjson::StringBuffer>& writer,
                        std::string_view description, std::string_view check_name,
                        std::string_view fingerprint_source, std::string_view severity,
                        std::string path) {
    while (path.size() > 2 && path.starts_with("./")) {
        path.erase(0, 2);
    }
    writer.StartObject();
    write_member(writer, "type", "issue");
    write_member(writer, "description", description);
    write_member(writer, "check_name", check_name);
    write_member(writer, "fingerprint", sha256_hex(valid_utf8(fingerprint_source)));
    write_member(writer, "severity", severity);
    write_json_string(writer, "location");
    writer.StartObject();
    write_member(writer, "path", path);
    write_json_string(writer, "lines");
    writer.StartObject();
    write_json_string(writer, "begin");
    writer.Int(1);
    writer.EndObject();
    writer.EndObject();
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
    const CodeInfo* info = find_code(code);
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
        std::string formats = formats_list(report.result, ", ");
        if (!formats.empty()) {
            out += "; formats: " + formats;
        }
        out += "\n";
    }
    return out;
}

std::string render_json(const InputReport& report, const ReportOptions& options) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
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

std::string render_github(const InputReport& report, const ReportOptions& options) {
    if (!report.status.is_ok()) {
        std::string properties = "title=" + github_escape("unreadable input", true);
        if (report.kind != InputKind::stdin_stream) {
            properties = "file=" + github_escape(report.input, true) + "," + properties;
        }
        return "::error " + properties + "::" + github_escape(report.status.message(), false) +
               "\n";
    }
    std::string out;
    for (const Finding& finding : report.result.findings.all()) {
        std::string_view command = finding.severity == Severity::error     ? "error"
                                   : finding.severity == Severity::warning ? "warning"
                                                                           : "notice";
        if (options.quiet && finding.severity == Severity::info) {
            continue;
        }
        std::string path = artifact_path(report, finding);
        std::string where = unsaid_location(report, finding);
        std::string message(message_without_location(finding));
        if (!where.empty()) {
            message += " (" + where + ")";
        }
        out += "::";
        out += command;
        out += " ";
        if (!path.empty()) {
            out += "file=" + github_escape(path, true) + ",";
        }
        out += "title=" + github_escape(finding.code, true) + "::" + github_escape(message, false) +
               "\n";
    }
    return out;
}

std::string render_sarif(const std::vector<InputReport>& reports, const ReportOptions& options) {
    // Rules: one per code used, sorted by code, so results can refer to them by index.
    std::map<std::string, int> rule_index;
    for (const InputReport& report : reports) {
        if (report.status.is_ok()) {
            for (const Finding& finding : report.result.findings.all()) {
                rule_index.emplace(finding.code, 0);
            }
        }
    }
    int next_index = 0;
    for (auto& [code, index] : rule_index) {
        index = next_index++;
    }

    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
    writer.SetIndent(' ', 2);
    writer.StartObject();
    write_member(writer, "$schema",
                 "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                 "sarif-schema-2.1.0.json");
    write_member(writer, "version", "2.1.0");
    write_json_string(writer, "runs");
    writer.StartArray();
    writer.StartObject();

    write_json_string(writer, "tool");
    writer.StartObject();
    write_json_string(writer, "driver");
    writer.StartObject();
    write_member(writer, "name", options.tool_name);
    write_member(writer, "version", options.tool_version);
    if (!options.information_uri.empty()) {
        write_member(writer, "informationUri", options.information_uri);
    }
    write_json_string(writer, "rules");
    writer.StartArray();
    for (const auto& [code, index] : rule_index) {
        writer.StartObject();
        write_member(writer, "id", code);
        if (const CodeInfo* info = find_code(code)) {
            write_json_string(writer, "shortDescription");
            writer.StartObject();
            write_member(writer, "text", info->description);
            writer.EndObject();
            write_json_string(writer, "defaultConfiguration");
            writer.StartObject();
            write_member(writer, "level", sarif_level(info->severity));
            writer.EndObject();
        }
        writer.EndObject();
    }
    writer.EndArray();
    writer.EndObject();  // driver
    writer.EndObject();  // tool

    // Unreadable inputs are tool execution failures, not results.
    bool all_read = std::all_of(reports.begin(), reports.end(),
                                [](const InputReport& report) { return report.status.is_ok(); });
    write_json_string(writer, "invocations");
    writer.StartArray();
    writer.StartObject();
    write_json_string(writer, "executionSuccessful");
    writer.Bool(all_read);
    write_json_string(writer, "toolExecutionNotifications");
    writer.StartArray();
    for (const InputReport& report : reports) {
        if (report.status.is_ok()) {
            continue;
        }
        writer.StartObject();
        write_member(writer, "level", "error");
        write_json_string(writer, "message");
        writer.StartObject();
        write_member(writer, "text", report.status.message());
        writer.EndObject();
        if (report.kind != InputKind::stdin_stream) {
            write_json_string(writer, "locations");
            writer.StartArray();
            writer.StartObject();
            write_physical_location(writer, report.input);
            writer.EndObject();
            writer.EndArray();
        }
        writer.EndObject();
    }
    writer.EndArray();
    writer.EndObject();
    writer.EndArray();  // invocations

    write_json_string(writer, "results");
    writer.StartArray();
    for (const InputReport& report : reports) {
        if (!report.status.is_ok()) {
            continue;
        }
        for (const Finding& finding : report.result.findings.all()) {
            writer.StartObject();
            write_member(writer, "ruleId", finding.code);
            write_json_string(writer, "ruleIndex");
            writer.Int(rule_index.at(finding.code));
            write_member(writer, "level", sarif_level(finding.severity));
            write_json_string(writer, "message");
            writer.StartObject();
            write_member(writer, "text", message_without_location(finding));
            writer.EndObject();

            write_json_string(writer, "locations");
            writer.StartArray();
            writer.StartObject();
            std::string path = artifact_path(report, finding);
            if (!path.empty()) {
                write_physical_location(writer, path);
            }
            std::string where = inner_location(report, finding);
            if (where.empty()) {
                where = report.input;
            } else if (where.starts_with('#')) {
                where = finding.file + where;
            }
            write_json_string(writer, "logicalLocations");
            writer.StartArray();
            writer.StartObject();
            write_member(writer, "fullyQualifiedName", where);
            writer.EndObject();
            writer.EndArray();
            writer.EndObject();
            writer.EndArray();  // locations

            write_json_string(writer, "properties");
            writer.StartObject();
            write_member(writer, "input", report.input);
            write_member(writer, "file", finding.file);
            write_member(writer, "pointer", finding.pointer);
            write_member(writer, "digest", finding.digest);
            writer.EndObject();
            writer.EndObject();
        }
    }
    writer.EndArray();  // results

    writer.EndObject();
    writer.EndArray();  // runs
    writer.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

std::string render_gitlab(const std::vector<InputReport>& reports, const ReportOptions&) {
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
    writer.SetIndent(' ', 2);
    writer.StartArray();
    for (const InputReport& report : reports) {
        if (!report.status.is_ok()) {
            write_gitlab_issue(writer, report.status.message(), "unreadable input",
                               report.input + '\0' + "unreadable input", "critical", report.input);
            continue;
        }
        for (const Finding& finding : report.result.findings.all()) {
            std::string path = artifact_path(report, finding);
            std::string where = unsaid_location(report, finding);
            std::string description(message_without_location(finding));
            if (!where.empty()) {
                description += " (" + where + ")";
            }
            std::string key = report.input + '\0' + finding.code + '\0' + finding.file + '\0' +
                              finding.pointer + '\0' + finding.digest + '\0' + finding.message;
            write_gitlab_issue(writer, description, finding.code, key,
                               gitlab_severity(finding.severity),
                               path.empty() ? report.input : path);
        }
    }
    writer.EndArray();
    return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

std::string render_junit(const std::vector<InputReport>& reports, const ReportOptions& options) {
    std::size_t failures = 0;
    std::size_t errors = 0;
    std::string cases;
    const std::string suite = xml_escape(options.tool_name, true);
    for (const InputReport& report : reports) {
        cases += "    <testcase classname=\"" + suite + "\" name=\"" +
                 xml_escape(report.input, true) + "\">\n";
        if (!report.status.is_ok()) {
            ++errors;
            cases += "      <error type=\"unreadable input\" message=\"" +
                     xml_escape(report.status.message(), true) + "\"/>\n";
            cases += "    </testcase>\n";
            continue;
        }
        std::string other;
        bool failed = false;
        for (const Finding& finding : report.result.findings.all()) {
            bool fails = finding.severity == Severity::error ||
                         (options.strict && finding.severity == Severity::warning);
            std::string line = finding_line(report, finding);
            if (!fails) {
                other += xml_escape(line, false) + "\n";
                continue;
            }
            failed = true;
            cases += "      <failure type=\"" + xml_escape(finding.code, true) + "\" message=\"" +
                     xml_escape(message_without_location(finding), true) + "\">" +
                     xml_escape(line, false) + "</failure>\n";
        }
        if (failed) {
            ++failures;
        }
        if (!other.empty()) {
            cases += "      <system-out>" + other + "</system-out>\n";
        }
        cases += "    </testcase>\n";
    }
    std::string counts = " tests=\"" + std::to_string(reports.size()) + "\" failures=\"" +
                         std::to_string(failures) + "\" errors=\"" + std::to_string(errors) + "\"";
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"" + suite + "\"" +
           counts + ">\n  <testsuite name=\"" + suite + "\"" + counts + ">\n" + cases +
           "  </testsuite>\n</testsuites>\n";
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
