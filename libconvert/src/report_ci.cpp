// Validation reports for CI systems: SARIF 2.1.0 (code scanning), GitHub Actions workflow
// commands, GitLab Code Quality and JUnit XML. Each points at files on disk where it can, so
// these formats also decide how a finding's location becomes a path or a URI.
#include "ociwasm/report.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/prettywriter.h>

#include "ociwasm/digest.h"
#include "ociwasm/finding_text.h"
#include "report_internal.h"
#include "text.h"

namespace ociwasm {

using detail::find_code;
using detail::finding_line;
using detail::github_escape;
using detail::inner_location;
using detail::valid_utf8;
using detail::write_json_string;
using detail::write_member;
using detail::written;
using detail::xml_escape;

namespace {

using PrettyWriter = rapidjson::PrettyWriter<detail::JsonOStream>;

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

// The message of a finding for a format that names only a file: the message without its
// location prefix, then the location the file path cannot say, in parentheses.
std::string message_with_unsaid_location(const InputReport& report, const Finding& finding) {
    std::string message = shown_message(finding);
    std::string where = unsaid_location(report, finding);
    if (!where.empty()) {
        message += " (" + where + ")";
    }
    return message;
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

// `path` without leading "./" (an input named ./app is shown, and linked, as app); "./" alone
// stays.
std::string_view without_dot_slash(std::string_view path) {
    while (path.size() > 2 && path.starts_with("./")) {
        path.remove_prefix(2);
    }
    return path;
}

// A relative or absolute file path as a URI reference (RFC 3986): unreserved characters and '/'
// stay, everything else is percent-encoded (':' too, so a relative path never reads as a scheme).
std::string path_to_uri(std::string_view path) {
    path = without_dot_slash(path);
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

// A "physicalLocation" member naming `path`; relative paths are relative to the source root.
void write_physical_location(PrettyWriter& writer, std::string_view path) {
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
void write_gitlab_issue(PrettyWriter& writer, std::string_view description,
                        std::string_view check_name, std::string_view fingerprint_source,
                        std::string_view severity, std::string_view path) {
    path = without_dot_slash(path);
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

// A SARIF message object, {"text": TEXT}, as member "message".
void write_sarif_message(PrettyWriter& writer, std::string_view text) {
    write_json_string(writer, "message");
    writer.StartObject();
    write_member(writer, "text", text);
    writer.EndObject();
}

// Rule index by code: one rule per code the readable inputs use, sorted by code, so results can
// refer to their rule by index.
using RuleIndexes = std::map<std::string, int>;

RuleIndexes sarif_rule_indexes(std::span<const InputReport> reports) {
    RuleIndexes rule_index;
    for (const InputReport& report : reports) {
        if (report.status.is_ok()) {
            for (const std::string& code : report.result.findings.codes()) {
                rule_index.emplace(code, 0);
            }
        }
    }
    int next_index = 0;
    for (auto& [code, index] : rule_index) {
        index = next_index++;
    }
    return rule_index;
}

// The "tool" member: the driver and its rules, described from the finding-code catalogue.
void write_sarif_tool(PrettyWriter& writer, const ReportOptions& options,
                      const RuleIndexes& rules) {
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
    for (const auto& [code, index] : rules) {
        writer.StartObject();
        write_member(writer, "id", code);
        if (const detail::CodeInfo* info = find_code(code)) {
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
}

// The "invocations" member: unreadable inputs are tool execution failures, not results.
void write_sarif_invocations(PrettyWriter& writer, std::span<const InputReport> reports) {
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
        write_sarif_message(writer, report.status.message());
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
    writer.EndArray();
}

// A result's "locations": the file on disk (when there is one) and, as a logical location, the
// place inside the input.
void write_sarif_locations(PrettyWriter& writer, const InputReport& report,
                           const Finding& finding) {
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
    writer.EndArray();
}

// One result: its rule, level, message (the location said by "locations" instead), and the
// finding's own input, file, pointer and digest as properties.
void write_sarif_result(PrettyWriter& writer, const InputReport& report, const Finding& finding,
                        int rule_index) {
    writer.StartObject();
    write_member(writer, "ruleId", finding.code);
    write_json_string(writer, "ruleIndex");
    writer.Int(rule_index);
    write_member(writer, "level", sarif_level(finding.severity));
    write_sarif_message(writer, shown_message(finding));
    write_sarif_locations(writer, report, finding);
    if (finding.occurrences > 1) {
        write_json_string(writer, "occurrenceCount");
        writer.Uint64(finding.occurrences);
    }
    write_json_string(writer, "properties");
    writer.StartObject();
    write_member(writer, "input", report.input);
    write_member(writer, "file", finding.file);
    write_member(writer, "pointer", finding.pointer);
    write_member(writer, "digest", finding.digest);
    writer.EndObject();
    writer.EndObject();
}

}  // namespace

void write_github(std::ostream& out, const InputReport& report, const ReportOptions& options) {
    if (!report.status.is_ok()) {
        std::string properties = "title=" + github_escape("unreadable input", true);
        if (report.kind != InputKind::stdin_stream) {
            properties = "file=" + github_escape(report.input, true) + "," + properties;
        }
        out << "::error " << properties << "::" << github_escape(report.status.message(), false)
            << '\n';
        return;
    }
    report.result.findings.for_each([&](const Finding& finding) {
        std::string_view command = finding.severity == Severity::error     ? "error"
                                   : finding.severity == Severity::warning ? "warning"
                                                                           : "notice";
        if (options.quiet && finding.severity == Severity::info) return;
        std::string path = artifact_path(report, finding);
        std::string message = message_with_unsaid_location(report, finding);
        out << "::" << command << " ";
        if (!path.empty()) out << "file=" << github_escape(path, true) << ",";
        out << "title=" << github_escape(finding.code, true)
            << "::" << github_escape(message, false) << '\n';
    });
}

std::string render_github(const InputReport& report, const ReportOptions& options) {
    return written([&](std::ostream& out) { write_github(out, report, options); });
}

void write_sarif(std::ostream& out, std::span<const InputReport> reports,
                 const ReportOptions& options) {
    RuleIndexes rules = sarif_rule_indexes(reports);
    {
        detail::JsonOStream stream(out);
        PrettyWriter writer(stream);
        writer.SetIndent(' ', 2);
        writer.StartObject();
        write_member(writer, "$schema",
                     "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                     "sarif-schema-2.1.0.json");
        write_member(writer, "version", "2.1.0");
        write_json_string(writer, "runs");
        writer.StartArray();
        writer.StartObject();
        write_sarif_tool(writer, options, rules);
        write_sarif_invocations(writer, reports);
        write_json_string(writer, "results");
        writer.StartArray();
        for (const InputReport& report : reports) {
            if (!report.status.is_ok()) continue;
            report.result.findings.for_each([&](const Finding& finding) {
                write_sarif_result(writer, report, finding, rules.at(finding.code));
            });
        }
        writer.EndArray();  // results
        writer.EndObject();
        writer.EndArray();  // runs
        writer.EndObject();
    }
    out << '\n';
}

std::string render_sarif(const std::vector<InputReport>& reports, const ReportOptions& options) {
    return written([&](std::ostream& out) { write_sarif(out, reports, options); });
}

void write_gitlab(std::ostream& out, std::span<const InputReport> reports, const ReportOptions&) {
    {
        detail::JsonOStream stream(out);
        PrettyWriter writer(stream);
        writer.SetIndent(' ', 2);
        writer.StartArray();
        for (const InputReport& report : reports) {
            if (!report.status.is_ok()) {
                write_gitlab_issue(writer, report.status.message(), "unreadable input",
                                   report.input + '\0' + "unreadable input", "critical",
                                   report.input);
                continue;
            }
            report.result.findings.for_each([&](const Finding& finding) {
                std::string path = artifact_path(report, finding);
                std::string description = message_with_unsaid_location(report, finding);
                std::string key = report.input + '\0' + finding.code + '\0' + finding.file + '\0' +
                                  finding.pointer + '\0' + finding.digest + '\0' + finding.message;
                write_gitlab_issue(writer, description, finding.code, key,
                                   gitlab_severity(finding.severity),
                                   path.empty() ? report.input : path);
            });
        }
        writer.EndArray();
    }
    out << '\n';
}

std::string render_gitlab(const std::vector<InputReport>& reports, const ReportOptions& options) {
    return written([&](std::ostream& out) { write_gitlab(out, reports, options); });
}

namespace {

// One input's <testcase>: a <failure> per finding that fails it, then the other findings in
// <system-out>, each list written as the findings are visited.
void write_junit_case(std::ostream& out, const InputReport& report, const std::string& suite,
                      const ReportOptions& options) {
    out << "    <testcase classname=\"" << suite << "\" name=\"" << xml_escape(report.input, true)
        << "\">\n";
    if (!report.status.is_ok()) {
        out << "      <error type=\"unreadable input\" message=\""
            << xml_escape(report.status.message(), true) << "\"/>\n";
        out << "    </testcase>\n";
        return;
    }
    auto fails = [&](const Finding& finding) {
        return finding.severity == Severity::error ||
               (options.strict && finding.severity == Severity::warning);
    };
    const Findings& findings = report.result.findings;
    findings.for_each([&](const Finding& finding) {
        if (!fails(finding)) return;
        out << "      <failure type=\"" << xml_escape(finding.code, true) << "\" message=\""
            << xml_escape(shown_message(finding), true) << "\">"
            << xml_escape(finding_line(report, finding), false) << "</failure>\n";
    });
    bool other = false;
    findings.for_each([&](const Finding& finding) {
        if (fails(finding)) return;
        if (!other) out << "      <system-out>";
        other = true;
        out << xml_escape(finding_line(report, finding), false) << "\n";
    });
    if (other) out << "</system-out>\n";
    out << "    </testcase>\n";
}

}  // namespace

void write_junit(std::ostream& out, std::span<const InputReport> reports,
                 const ReportOptions& options) {
    std::size_t failures = 0;
    std::size_t errors = 0;
    for (const InputReport& report : reports) {
        if (!report.status.is_ok()) {
            ++errors;
        } else if (!input_passes(report, options.strict)) {
            ++failures;
        }
    }
    const std::string suite = xml_escape(options.tool_name, true);
    std::string counts = " tests=\"" + std::to_string(reports.size()) + "\" failures=\"" +
                         std::to_string(failures) + "\" errors=\"" + std::to_string(errors) + "\"";
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"" << suite << "\""
        << counts << ">\n  <testsuite name=\"" << suite << "\"" << counts << ">\n";
    for (const InputReport& report : reports) write_junit_case(out, report, suite, options);
    out << "  </testsuite>\n</testsuites>\n";
}

std::string render_junit(const std::vector<InputReport>& reports, const ReportOptions& options) {
    return written([&](std::ostream& out) { write_junit(out, reports, options); });
}

}  // namespace ociwasm
