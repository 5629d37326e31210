// oci-wasm-inspect: shows what an OCI image layout holds (manifests, formats, layers, Spin
// lockfile summaries), or writes one lockfile or blob to stdout. Options -> library call ->
// output and exit code; nothing else lives here.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "command_line.h"

#include "ociwasm/inspect.h"
#include "ociwasm/layout.h"
#include "ociwasm/status.h"
#include "ociwasm/text.h"

#ifndef OCIWASM_VERSION
#define OCIWASM_VERSION "0.1.0"
#endif

namespace po = boost::program_options;
using namespace ociwasm;

namespace {

constexpr const char* kProgram = "oci-wasm-inspect";

enum ExitCode { kOk = 0, kNotFound = 1, kUsage = 2, kUnreadable = 3 };

struct UsageError {
    std::string message;
};

int exit_code_for(const Status& status) {
    switch (status.code()) {
        case Status::Code::ok:
            return kOk;
        case Status::Code::invalid:
            return kNotFound;
        case Status::Code::usage:
            return kUsage;
        case Status::Code::io_error:
        case Status::Code::unreadable:
            return kUnreadable;
    }
    return kUnreadable;
}

void print_usage(std::ostream& out, const po::options_description& options) {
    out << "Usage: " << kProgram << " [options] INPUT\n"
        << "\n"
        << "Shows what an OCI image layout holds: every index.json entry with its ref name,\n"
        << "digest, detected format (spin-v1-config, spin-oci-layer, wasm-oci, oci-image,\n"
        << "unknown), artifactType, platform, config and layers (wasm layers as module or\n"
        << "component), and for Spin apps a summary of the lockfile. Nested indexes are shown\n"
        << "inside their entry. INPUT is a layout directory, a tar of one (plain, gzip, zstd\n"
        << "or xz), or - for a tar on stdin. Inspecting is not validating: a layout with\n"
        << "errors is shown as far as it can be read (run oci-wasm-validate for the findings).\n"
        << "\n"
        << options << "\n"
        << "Examples:\n"
        << "  " << kProgram << " app.tar\n"
        << "  " << kProgram << " --format json app.tar | jq -r '.manifests[].refName'\n"
        << "  " << kProgram << " --lockfile app.tar | jq -r '.components[].id'\n"
        << "  " << kProgram << " --blob sha256:<hex> app/ > component.wasm\n"
        << "\n"
        << "Exit status:\n"
        << "  0  shown (whatever validation would say)\n"
        << "  1  nothing to inspect (no index.json, index.json not an index), or the ref,\n"
        << "     Spin app or blob asked for is not there\n"
        << "  2  usage error (also: --lockfile with several Spin apps and no --ref)\n"
        << "  3  the input could not be read, or an internal error\n";
}

void diagnose(const std::string& input, const std::string& message) {
    std::string line =
        message.starts_with(input + ": ") || input.empty() ? message : input + ": " + message;
    std::cerr << kProgram << ": " << text::one_line(line) << "\n";
}

Status write_stdout(const char* data, std::size_t size) {
    if (size > 0 && std::fwrite(data, 1, size, stdout) != size) {
        return Status::io_error(std::string("stdout: write failed: ") + std::strerror(errno));
    }
    return Status::ok();
}

int run(int argc, char** argv) {
    std::string format = "text";
    std::string ref_name;
    std::string blob;
    po::options_description visible("Options");
    // clang-format off
    visible.add_options()
        ("format", po::value<std::string>(&format)->value_name("FORMAT"),
         "text (default) or json (one JSON object, described by "
         "schemas/inspect-output.schema.json)")
        ("ref", po::value<std::string>(&ref_name)->value_name("NAME"),
         "only the index.json entry with this org.opencontainers.image.ref.name (exit 1 when "
         "there is none)")
        ("lockfile", "write the Spin lockfile's exact bytes to stdout instead (needs --ref when "
                     "the layout holds several Spin apps)")
        ("blob", po::value<std::string>(&blob)->value_name("DIGEST"),
         "write the bytes of blob DIGEST to stdout instead (verified against DIGEST)")
        ("no-verify-blobs", "do not hash blobs while listing (faster; the validation counts "
                            "then miss digest mismatches)")
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
        return kOk;
    }
    if (vm.count("version")) {
        std::cout << kProgram << " " << OCIWASM_VERSION << "\n";
        return kOk;
    }
    if (format != "text" && format != "json") {
        throw UsageError{"unknown --format '" + format + "' (expected text or json)"};
    }
    bool lockfile = vm.count("lockfile") > 0;
    bool want_blob = vm.count("blob") > 0;
    if (lockfile && want_blob) throw UsageError{"--lockfile and --blob exclude each other"};
    if ((lockfile || want_blob) && vm.count("format")) {
        throw UsageError{std::string("--format applies to the listing, not to ") +
                         (lockfile ? "--lockfile" : "--blob") + " (which write raw bytes)"};
    }
    if (want_blob && vm.count("ref")) {
        throw UsageError{"--ref does not apply to --blob (a digest names one blob already)"};
    }
    if (vm.count("ref") && ref_name.empty()) throw UsageError{"--ref needs a non-empty NAME"};
    std::vector<std::string> inputs;
    if (vm.count("input")) inputs = vm["input"].as<std::vector<std::string>>();
    if (inputs.empty()) {
        throw UsageError{"no INPUT (name a layout directory, a tar, or - for stdin)"};
    }
    if (inputs.size() > 1) {
        throw UsageError{"expected one INPUT, found " + std::to_string(inputs.size())};
    }
    const std::string& input = inputs.front();

    std::unique_ptr<LayoutSource> source;
    if (Status status = open_layout_source(input, source); !status) {
        diagnose(input, status.message());
        return exit_code_for(status);
    }
    Status status;
    if (lockfile) {
        std::string bytes;
        status = extract_lockfile(*source, ref_name, bytes);
        if (status) status = write_stdout(bytes.data(), bytes.size());
    } else if (want_blob) {
        status = extract_blob(*source, blob, write_stdout);
    } else {
        InspectOptions options;
        options.ref_name = ref_name;
        options.verify_blobs = vm.count("no-verify-blobs") == 0;
        InspectResult result;
        status = inspect_layout(*source, options, result);
        if (status) {
            std::string rendered =
                format == "json" ? render_inspect_json(result) : render_inspect_text(result);
            status = write_stdout(rendered.data(), rendered.size());
        }
    }
    if (status && std::fflush(stdout) != 0) {
        status = Status::io_error(std::string("stdout: write failed: ") + std::strerror(errno));
    }
    if (!status) diagnose(input, status.message());
    return exit_code_for(status);
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
