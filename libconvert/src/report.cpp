// Validation reports for people and scripts: the text and JSON Lines formats, the finding-code
// catalogue, and the choice of format. The CI formats (SARIF, GitHub, GitLab, JUnit) are in
// report_ci.cpp.
#include "ociwasm/report.h"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/writer.h>

#include "ociwasm/finding_text.h"
#include "ociwasm/spin.h"
#include "report_internal.h"
#include "text.h"

namespace ociwasm {

namespace detail {

const CodeInfo* find_code(std::string_view code) {
    return find_finding_code(code);
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
    out += ": " + one_line(finding.code) + ": " + one_line(shown_message(finding));
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
using detail::written;

namespace {

// The names of the detected formats, "a, b"; "" when there are none.
std::string formats_list(const ValidationResult& result) {
    std::vector<std::string> names;
    for (ManifestFormat format : result.formats) {
        names.emplace_back(format_name(format));
    }
    return join(names, ", ");
}

using JsonWriter = rapidjson::Writer<detail::JsonOStream>;

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

void write_text(std::ostream& out, const InputReport& report, const ReportOptions& options) {
    std::string input = one_line(report.input);
    if (!report.status.is_ok()) {
        if (!options.quiet) out << input << ": unreadable\n";
        return;
    }
    const Findings& findings = report.result.findings;
    findings.for_each([&](const Finding& finding) {
        if (options.quiet && finding.severity == Severity::info) return;
        out << finding_line(report, finding) << '\n';
    });
    if (options.quiet) return;
    out << input << ": " << (input_passes(report, options.strict) ? "valid" : "invalid") << " ("
        << plural(findings.count(Severity::error), "error", "errors") << ", "
        << plural(findings.count(Severity::warning), "warning", "warnings") << ", "
        << findings.count(Severity::info) << " info)";
    std::string formats = formats_list(report.result);
    if (!formats.empty()) out << "; formats: " << formats;
    out << '\n';
}

std::string render_text(const InputReport& report, const ReportOptions& options) {
    return written([&](std::ostream& out) { write_text(out, report, options); });
}

namespace {

void write_json_finding(JsonWriter& writer, const Finding& finding) {
    writer.StartObject();
    write_member(writer, "severity", severity_name(finding.severity));
    write_member(writer, "code", finding.code);
    // The file and pointer are members of their own: the message does not repeat them.
    write_member(writer, "message", shown_message(finding));
    write_member(writer, "file", finding.file);
    write_member(writer, "pointer", finding.pointer);
    write_member(writer, "digest", finding.digest);
    write_json_string(writer, "occurrences");
    writer.Uint64(finding.occurrences);
    writer.EndObject();
}

}  // namespace

void write_json(std::ostream& out, const InputReport& report, const ReportOptions& options) {
    const bool readable = report.status.is_ok();
    const Findings& findings = report.result.findings;
    {
        detail::JsonOStream stream(out);
        JsonWriter writer(stream);
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
            report.result.manifests.for_each(
                [&](const ManifestEntry& manifest) { write_manifest_entry(writer, manifest); });
        }
        writer.EndArray();
        write_json_string(writer, "findings");
        writer.StartArray();
        if (readable) {
            findings.for_each([&](const Finding& finding) { write_json_finding(writer, finding); });
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
    }
    out << '\n';
}

std::string render_json(const InputReport& report, const ReportOptions& options) {
    return written([&](std::ostream& out) { write_json(out, report, options); });
}

bool is_aggregate_format(ReportFormat format) {
    return format == ReportFormat::sarif || format == ReportFormat::gitlab ||
           format == ReportFormat::junit;
}

void write_report(std::ostream& out, ReportFormat format, std::span<const InputReport> reports,
                  const ReportOptions& options) {
    switch (format) {
        case ReportFormat::sarif:
            return write_sarif(out, reports, options);
        case ReportFormat::gitlab:
            return write_gitlab(out, reports, options);
        case ReportFormat::junit:
            return write_junit(out, reports, options);
        case ReportFormat::text:
        case ReportFormat::json:
        case ReportFormat::github:
            break;
    }
    for (const InputReport& report : reports) {
        if (format == ReportFormat::text) {
            write_text(out, report, options);
        } else if (format == ReportFormat::json) {
            write_json(out, report, options);
        } else {
            write_github(out, report, options);
        }
    }
}

std::string render_report(ReportFormat format, const std::vector<InputReport>& reports,
                          const ReportOptions& options) {
    return written([&](std::ostream& out) { write_report(out, format, reports, options); });
}

}  // namespace ociwasm
