// Rendering validation results for people and machines: text, JSON Lines, SARIF 2.1.0, GitHub
// Actions workflow commands, GitLab Code Quality and JUnit XML. Each write_* function writes its
// format to a stream a finding at a time (the findings of an input can be many more than memory
// should hold: see ociwasm/finding.h); each render_* function returns the same text as a string,
// for tests and small reports.
#pragma once

#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ociwasm/finding.h"
#include "ociwasm/status.h"
#include "ociwasm/validate.h"

namespace ociwasm {

enum class ReportFormat { text, json, sarif, github, gitlab, junit };

// "text", "json", "sarif", "github", "gitlab", "junit"; returns false for anything else and
// leaves `out` alone.
bool parse_report_format(std::string_view name, ReportFormat& out);
std::string_view report_format_name(ReportFormat format);

// How the user named an input. It decides which path a finding points at in SARIF and GitHub
// output: a file inside a directory exists on disk, a file inside a tar does not.
enum class InputKind {
    directory,     // a layout directory: a finding about FILE points at INPUT/FILE
    file,          // a tar or a bare JSON document: findings point at INPUT itself
    stdin_stream,  // "-": there is no path to point at
};

// What validating one input produced.
struct InputReport {
    std::string input;  // as the user named it
    InputKind kind = InputKind::file;
    Status status;  // not ok: the input could not be read at all (`result` is then not used)
    ValidationResult result;
};

struct ReportOptions {
    bool strict = false;  // warnings fail too: changes "valid" in the json and text summaries
    bool quiet = false;   // text: only error and warning lines, no summary; github: no notices
    std::string tool_name = "oci-wasm-validate";
    std::string tool_version = "0.0.0";
    std::string information_uri;  // SARIF tool.driver.informationUri, left out when empty
};

// Read fine, no error findings, and no warnings either when `strict`.
bool input_passes(const InputReport& report, bool strict);

// One line per finding, `WHERE: SEVERITY: CODE: MESSAGE`, then one summary line
// `INPUT: valid|invalid (N errors, N warnings, N info); formats: a, b` (or `INPUT: unreadable`).
// WHERE is INPUT, then `: FILE` (or `: DIGEST` when there is no file) unless FILE is INPUT
// itself, then `#POINTER` when there is one. Control characters are shown as \n, \r, \t, \xHH so
// every finding stays on one line. Text, GitHub and SARIF output drop a leading "FILE: " and
// "POINTER: " from messages, as the location is printed beside them; json keeps messages whole.
void write_text(std::ostream& out, const InputReport& report, const ReportOptions& options);
std::string render_text(const InputReport& report, const ReportOptions& options);

// One compact JSON object and a newline (JSON Lines), described by
// schemas/validate-output.schema.json. `quiet` does not apply.
void write_json(std::ostream& out, const InputReport& report, const ReportOptions& options);
std::string render_json(const InputReport& report, const ReportOptions& options);

// One GitHub Actions workflow command per finding (`::error file=PATH,title=CODE::MESSAGE`),
// `::notice` for info findings. Data and property values are escaped per the workflow-command
// rules.
void write_github(std::ostream& out, const InputReport& report, const ReportOptions& options);
std::string render_github(const InputReport& report, const ReportOptions& options);

// One SARIF 2.1.0 log covering every input (one run), pretty-printed, newline-terminated.
// schemas/sarif-2.1.0-subset.schema.json describes the part of SARIF it uses.
void write_sarif(std::ostream& out, std::span<const InputReport> reports,
                 const ReportOptions& options);
std::string render_sarif(const std::vector<InputReport>& reports, const ReportOptions& options);

// One GitLab Code Quality report (a JSON array, pretty-printed, newline-terminated) covering
// every input: one issue per finding (and one per unreadable input) with description,
// check_name (the code), fingerprint (stable over runs: a sha256 of input, code, location and
// message), severity (error: major, warning: minor, info: info, unreadable: critical) and
// location.path / location.lines.begin (always 1: findings are located by JSON pointer, which
// the description names). schemas/gitlab-code-quality.schema.json describes it.
void write_gitlab(std::ostream& out, std::span<const InputReport> reports,
                  const ReportOptions& options);
std::string render_gitlab(const std::vector<InputReport>& reports, const ReportOptions& options);

// One JUnit XML document covering every input: one <testsuite>, one <testcase> per input (name:
// the input), one <failure> per finding that fails it (errors; warnings too when `strict`), an
// <error> for an unreadable input, and the other findings in <system-out>. Text is valid XML
// 1.0 whatever the input: ill-formed UTF-8 becomes U+FFFD, and control characters XML cannot
// carry are shown as \xHH. schemas/junit.xsd describes it.
void write_junit(std::ostream& out, std::span<const InputReport> reports,
                 const ReportOptions& options);
std::string render_junit(const std::vector<InputReport>& reports, const ReportOptions& options);

// Whether a format is one document for all inputs (sarif, gitlab, junit) rather than output per
// input that can be printed as soon as the input is done.
bool is_aggregate_format(ReportFormat format);

// All inputs in one format: text, json and github concatenate the per-input output.
void write_report(std::ostream& out, ReportFormat format, std::span<const InputReport> reports,
                  const ReportOptions& options);
std::string render_report(ReportFormat format, const std::vector<InputReport>& reports,
                          const ReportOptions& options);

// A one-line description of a catalogued finding code (used for SARIF rules); "" when unknown.
std::string_view finding_code_description(std::string_view code);

}  // namespace ociwasm
