// oci-wasm-validate: checks OCI image layouts (and bare OCI/Spin JSON documents) and prints the
// findings. Options -> library call -> output and exit code; nothing else lives here.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "progress_line.h"
#include "tool_main.h"

#include "ociwasm/layout.h"
#include "ociwasm/report.h"
#include "ociwasm/status.h"
#include "ociwasm/validate.h"

#ifndef OCIWASM_VERSION
#define OCIWASM_VERSION "0.1.0"
#endif

namespace po = boost::program_options;
using namespace ociwasm;
using tools::UsageError;

namespace {

constexpr const char* kProgram = "oci-wasm-validate";

// A bare document larger than this is refused before parsing (as load_blob does for blobs).
constexpr std::size_t kMaxDocumentSize = 64 * kMiB;

std::optional<DocumentKind> parse_document_kind(const std::string& name) {
    if (name == "manifest") return DocumentKind::manifest;
    if (name == "index") return DocumentKind::index;
    if (name == "config") return DocumentKind::config;
    if (name == "descriptor") return DocumentKind::descriptor;
    if (name == "layout") return DocumentKind::layout;
    if (name == "lockfile") return DocumentKind::lockfile;
    return std::nullopt;
}

void print_usage(std::ostream& out, const po::options_description& options) {
    out << "Usage: " << kProgram << " [options] INPUT...\n"
        << "\n"
        << "Checks OCI image layouts holding WebAssembly (Spin) apps: the layout, every blob's\n"
        << "digest and size, manifests, indexes, configs and Spin lockfiles, and the other wasm\n"
        << "formats (CNCF wasm artifacts, wasm-to-oci, runwasi, wasmCloud, container images\n"
        << "carrying .wasm files). INPUT is a layout\n"
        << "directory, a tar of one (plain, gzip, zstd or xz), or - for a tar on stdin. With\n"
        << "--as, each INPUT is one bare JSON document (a file, or - for stdin).\n"
        << "\n"
        << options << "\n"
        << "Exit status:\n"
        << "  0  valid (warnings allowed unless --strict)\n"
        << "  1  findings of severity error (or warnings with --strict)\n"
        << "  2  usage error\n"
        << "  3  an input could not be read, or an internal error\n"
        << "With several inputs, the worst status wins.\n";
}

// Reads one bare document from a file or stdin, refusing more than kMaxDocumentSize bytes.
Status read_document(const std::string& input, std::string& out) {
    std::FILE* file = stdin;
    if (input != "-") {
        std::error_code ec;
        if (std::filesystem::is_directory(input, ec)) {
            return Status::unreadable(input + ": expected a JSON document, found a directory");
        }
        file = std::fopen(input.c_str(), "rb");
        if (file == nullptr) {
            int error = errno;
            return Status::io_error(input + ": cannot open: " + std::strerror(error));
        }
    }
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(
        input == "-" ? nullptr : file, [](std::FILE* f) { return std::fclose(f); });
    out.clear();
    char buffer[64 * 1024];
    while (true) {
        std::size_t n = std::fread(buffer, 1, sizeof buffer, file);
        out.append(buffer, n);
        if (out.size() > kMaxDocumentSize) {
            return Status::unreadable(input + ": expected a JSON document of at most " +
                                      std::to_string(kMaxDocumentSize) + " bytes, found more");
        }
        if (n < sizeof buffer) {
            break;
        }
    }
    if (std::ferror(file)) {
        int error = errno;
        return Status::io_error(input + ": read failed: " + std::strerror(error));
    }
    return Status::ok();
}

InputReport validate_input(const std::string& input, std::optional<DocumentKind> as,
                           ValidateOptions options, tools::ProgressMode progress_mode) {
    InputReport report;
    report.input = input;
    std::error_code ec;
    if (input == "-") {
        report.kind = InputKind::stdin_stream;
    } else if (std::filesystem::is_directory(input, ec)) {
        report.kind = InputKind::directory;
    }
    if (as) {
        std::string bytes;
        report.status = read_document(input, bytes);
        if (report.status.is_ok()) {
            validate_document(*as, bytes, input, report.result);
        }
        return report;
    }
    std::unique_ptr<LayoutSource> source;
    report.status = open_layout_source(input, source);
    if (report.status.is_ok()) {
        tools::ProgressLine progress(kProgram, input, progress_mode);
        options.progress = &progress;
        report.status = validate_layout(*source, options, report.result);
    }
    return report;
}

// The options as given, before they are checked.
struct Arguments {
    std::string format = "text";
    std::string as;
    int threads = 0;
};

// What to do, once the arguments are checked.
struct Command {
    ReportFormat format = ReportFormat::text;
    std::optional<DocumentKind> as;
    tools::ProgressMode progress = tools::ProgressMode::automatic;
    ValidateOptions validate;
    ReportOptions report;
    std::vector<std::string> inputs;
};

void add_options(po::options_description& visible, Arguments& args) {
    // clang-format off
    visible.add_options()
        ("as", po::value<std::string>(&args.as)->value_name("KIND"),
         "each INPUT is one bare JSON document of this kind: manifest, index, config, "
         "descriptor, layout (the oci-layout file) or lockfile; a manifest or index whose "
         "mediaType is Docker's is checked by Docker's rules")
        ("format", po::value<std::string>(&args.format)->value_name("FORMAT"),
         "output: text (default), json (one JSON object per input per line), sarif (one SARIF "
         "2.1.0 log), github (GitHub Actions annotations), gitlab (GitLab Code Quality report), "
         "junit (JUnit XML, one testcase per input)")
        ("strict", "warnings fail validation too (exit 1)")
        ("quiet", "text: print only errors and warnings, no info findings and no summary "
                  "lines; github: no notices; json, sarif, gitlab and junit are unaffected")
        ("no-verify-blobs", "do not hash blobs (sizes are still checked)")
        ("threads", po::value<int>(&args.threads)->value_name("N"),
         "threads hashing the blobs of a directory (default 0: one per core)");
    // clang-format on
    tools::add_progress_options(visible);
    tools::add_help_and_version(visible);
}

// The arguments checked in the order they are listed.
Command check_arguments(const Arguments& args, const po::variables_map& vm) {
    Command command;
    if (!parse_report_format(args.format, command.format)) {
        throw UsageError{"unknown --format '" + args.format +
                         "' (expected text, json, sarif, github, gitlab or junit)"};
    }
    if (vm.count("as")) {
        command.as = parse_document_kind(args.as);
        if (!command.as) {
            throw UsageError{"unknown --as '" + args.as +
                             "' (expected manifest, index, config, descriptor, layout or "
                             "lockfile)"};
        }
    }
    std::optional<tools::ProgressMode> progress = tools::progress_mode(vm);
    if (!progress) throw UsageError{"--progress and --no-progress exclude each other"};
    command.progress = *progress;
    if (args.threads < 0) {
        throw UsageError{"--threads must be 0 or more, found " + std::to_string(args.threads)};
    }
    if (vm.count("input")) command.inputs = vm["input"].as<std::vector<std::string>>();
    if (command.inputs.empty()) {
        throw UsageError{"no INPUT (name a layout directory, a tar, or - for stdin)"};
    }
    if (std::count(command.inputs.begin(), command.inputs.end(), "-") > 1) {
        throw UsageError{"stdin (-) can be named only once"};
    }
    command.validate.verify_blobs = vm.count("no-verify-blobs") == 0;
    command.validate.threads = static_cast<unsigned>(args.threads);
    command.report.strict = vm.count("strict") > 0;
    command.report.quiet = vm.count("quiet") > 0;
    command.report.tool_name = kProgram;
    command.report.tool_version = OCIWASM_VERSION;
    return command;
}

// Validates every input in turn; the worst exit code wins (an unreadable input is 3 whatever its
// status says).
int validate_all(const Command& command) {
    int exit_code = tools::kOk;
    std::vector<InputReport> aggregated;
    for (const std::string& input : command.inputs) {
        InputReport report = validate_input(input, command.as, command.validate, command.progress);
        int code = !report.status.is_ok()                        ? tools::kUnreadable
                   : input_passes(report, command.report.strict) ? tools::kOk
                                                                 : tools::kFailed;
        exit_code = std::max(exit_code, code);
        if (!report.status.is_ok()) {
            tools::diagnose(kProgram, input, report.status.message());
        }
        // Per-input formats are printed as soon as the input is done; the others at the end.
        if (is_aggregate_format(command.format)) {
            aggregated.push_back(std::move(report));
        } else {
            write_report(std::cout, command.format, std::span(&report, 1), command.report);
            std::cout << std::flush;
        }
    }
    if (is_aggregate_format(command.format)) {
        write_report(std::cout, command.format, aggregated, command.report);
        std::cout << std::flush;
    }
    return exit_code;
}

int run(int argc, char** argv) {
    Arguments args;
    po::options_description visible("Options");
    add_options(visible, args);
    po::variables_map vm;
    if (!tools::parse_arguments(kProgram, argc, argv, visible, "input", print_usage, vm)) {
        return tools::kOk;
    }
    return validate_all(check_arguments(args, vm));
}

}  // namespace

int main(int argc, char** argv) {
    return tools::run_tool(kProgram, run, argc, argv);
}
