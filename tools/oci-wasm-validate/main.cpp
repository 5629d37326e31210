// oci-wasm-validate: checks OCI image layouts (and bare OCI/Spin JSON documents) and prints the
// findings. Options -> library call -> output and exit code; nothing else lives here.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "command_line.h"
#include "progress_line.h"

#include "ociwasm/layout.h"
#include "ociwasm/report.h"
#include "ociwasm/status.h"
#include "ociwasm/text.h"
#include "ociwasm/validate.h"

#ifndef OCIWASM_VERSION
#define OCIWASM_VERSION "0.1.0"
#endif

namespace po = boost::program_options;
using namespace ociwasm;

namespace {

constexpr const char* kProgram = "oci-wasm-validate";

enum ExitCode { kValid = 0, kInvalid = 1, kUsage = 2, kUnreadable = 3 };

// A bare document larger than this is refused before parsing (as load_blob does for blobs).
constexpr std::size_t kMaxDocumentSize = 64 * kMiB;

struct UsageError {
    std::string message;
};

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
        << "digest and size, manifests, indexes, configs and Spin lockfiles. INPUT is a layout\n"
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

// Diagnostics name the input once, even when the library's message already starts with it.
void diagnose(const std::string& input, const std::string& message) {
    std::string line = message.starts_with(input + ": ") ? message : input + ": " + message;
    std::cerr << kProgram << ": " << text::one_line(line) << "\n";
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

int run(int argc, char** argv) {
    std::string format_name = "text";
    std::string as_name;
    int threads = 0;
    po::options_description visible("Options");
    // clang-format off
    visible.add_options()
        ("as", po::value<std::string>(&as_name)->value_name("KIND"),
         "each INPUT is one bare JSON document of this kind: manifest, index, config, "
         "descriptor, layout (the oci-layout file) or lockfile")
        ("format", po::value<std::string>(&format_name)->value_name("FORMAT"),
         "output: text (default), json (one JSON object per input per line), sarif (one SARIF "
         "2.1.0 log), github (GitHub Actions annotations), gitlab (GitLab Code Quality report), "
         "junit (JUnit XML, one testcase per input)")
        ("strict", "warnings fail validation too (exit 1)")
        ("quiet", "text: print only errors and warnings, no info findings and no summary "
                  "lines; github: no notices; json, sarif, gitlab and junit are unaffected")
        ("no-verify-blobs", "do not hash blobs (sizes are still checked)")
        ("threads", po::value<int>(&threads)->value_name("N"),
         "threads hashing the blobs of a directory (default 0: one per core)");
    tools::add_progress_options(visible);
    visible.add_options()
        ("help,h", "print this help and exit")
        ("version", "print the version and exit");
    // clang-format on
    po::variables_map vm;
    try {
        vm = tools::parse_command_line(argc, argv, visible, "input");
    } catch (const po::error& e) {
        throw UsageError{e.what()};
    }
    if (vm.count("help")) {
        print_usage(std::cout, visible);
        return kValid;
    }
    if (vm.count("version")) {
        std::cout << kProgram << " " << OCIWASM_VERSION << "\n";
        return kValid;
    }

    ReportFormat format = ReportFormat::text;
    if (!parse_report_format(format_name, format)) {
        throw UsageError{"unknown --format '" + format_name +
                         "' (expected text, json, sarif, github, gitlab or junit)"};
    }
    std::optional<DocumentKind> as;
    if (vm.count("as")) {
        as = parse_document_kind(as_name);
        if (!as) {
            throw UsageError{"unknown --as '" + as_name +
                             "' (expected manifest, index, config, descriptor, layout or "
                             "lockfile)"};
        }
    }
    std::optional<tools::ProgressMode> progress_mode = tools::progress_mode(vm);
    if (!progress_mode) {
        throw UsageError{"--progress and --no-progress exclude each other"};
    }
    if (threads < 0) {
        throw UsageError{"--threads must be 0 or more, found " + std::to_string(threads)};
    }
    std::vector<std::string> inputs;
    if (vm.count("input")) {
        inputs = vm["input"].as<std::vector<std::string>>();
    }
    if (inputs.empty()) {
        throw UsageError{"no INPUT (name a layout directory, a tar, or - for stdin)"};
    }
    if (std::count(inputs.begin(), inputs.end(), "-") > 1) {
        throw UsageError{"stdin (-) can be named only once"};
    }

    ValidateOptions validate_options;
    validate_options.verify_blobs = vm.count("no-verify-blobs") == 0;
    validate_options.threads = static_cast<unsigned>(threads);
    ReportOptions report_options;
    report_options.strict = vm.count("strict") > 0;
    report_options.quiet = vm.count("quiet") > 0;
    report_options.tool_name = kProgram;
    report_options.tool_version = OCIWASM_VERSION;

    int exit_code = kValid;
    std::vector<InputReport> aggregated;
    for (const std::string& input : inputs) {
        InputReport report = validate_input(input, as, validate_options, *progress_mode);
        int code = !report.status.is_ok()                        ? kUnreadable
                   : input_passes(report, report_options.strict) ? kValid
                                                                 : kInvalid;
        exit_code = std::max(exit_code, code);
        if (!report.status.is_ok()) {
            diagnose(input, report.status.message());
        }
        // Per-input formats are printed as soon as the input is done; the others at the end.
        if (is_aggregate_format(format)) {
            aggregated.push_back(std::move(report));
        } else {
            std::cout << render_report(format, {report}, report_options) << std::flush;
        }
    }
    if (is_aggregate_format(format)) {
        std::cout << render_report(format, aggregated, report_options) << std::flush;
    }
    return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const UsageError& e) {
        std::cerr << kProgram << ": " << text::one_line(e.message) << "\n"
                  << "Try '" << kProgram << " --help' for more information.\n";
        return kUsage;
    } catch (const std::exception& e) {
        std::cerr << kProgram << ": internal error: " << text::one_line(e.what()) << "\n";
        return kUnreadable;
    } catch (...) {
        std::cerr << kProgram << ": internal error\n";
        return kUnreadable;
    }
}
