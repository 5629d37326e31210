// oci-wasm-inspect: shows what an OCI image layout holds (manifests, formats, layers, Spin
// lockfile summaries), or writes one lockfile or blob to stdout. Options -> library call ->
// output and exit code; nothing else lives here.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "tool_main.h"

#include "ociwasm/inspect.h"
#include "ociwasm/layout.h"
#include "ociwasm/status.h"

namespace po = boost::program_options;
using namespace ociwasm;
using tools::UsageError;

namespace {

constexpr const char* kProgram = "oci-wasm-inspect";

void print_usage(std::ostream& out, const po::options_description& options) {
    out << "Usage: " << kProgram << " [options] INPUT\n"
        << "\n"
        << "Shows what an OCI image layout holds: every index.json entry with its ref name,\n"
        << "digest, detected format (spin-v1-config, spin-oci-layer, wasm-oci, wasm-to-oci,\n"
        << "runwasi-wasm-layers, wasmcloud-actor, wasm-container-image, oci-image, unknown),\n"
        << "artifactType, platform, config and layers (wasm layers, and the .wasm files in\n"
        << "the layers of wasm container images, as module or component), and for Spin apps\n"
        << "a summary of the lockfile. Nested indexes are shown\n"
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

Status write_stdout(const char* data, std::size_t size) {
    if (size > 0 && std::fwrite(data, 1, size, stdout) != size) {
        return Status::io_error(std::string("stdout: write failed: ") + std::strerror(errno));
    }
    return Status::ok();
}

// The options as given, before they are checked.
struct Arguments {
    std::string format = "text";
    std::string ref_name;
    std::string blob;
};

// What to write to stdout.
enum class Output { listing, lockfile, blob };

// What to do, once the arguments are checked.
struct Command {
    Output output = Output::listing;
    std::string input;
    std::string ref_name;
    std::string blob;
    bool json = false;
    bool verify_blobs = true;
};

void add_options(po::options_description& visible, Arguments& args) {
    // clang-format off
    visible.add_options()
        ("format", po::value<std::string>(&args.format)->value_name("FORMAT"),
         "text (default) or json (one JSON object, described by "
         "schemas/inspect-output.schema.json)")
        ("ref", po::value<std::string>(&args.ref_name)->value_name("NAME"),
         "only the index.json entry with this org.opencontainers.image.ref.name (exit 1 when "
         "there is none)")
        ("lockfile", "write the Spin lockfile's exact bytes to stdout instead (needs --ref when "
                     "the layout holds several Spin apps)")
        ("blob", po::value<std::string>(&args.blob)->value_name("DIGEST"),
         "write the bytes of blob DIGEST to stdout instead (verified against DIGEST)")
        ("no-verify-blobs", "do not hash blobs while listing (faster; the validation counts "
                            "then miss digest mismatches)");
    // clang-format on
    tools::add_help_and_version(visible);
}

// The arguments checked in the order they are listed.
Command check_arguments(const Arguments& args, const po::variables_map& vm) {
    if (args.format != "text" && args.format != "json") {
        throw UsageError{"unknown --format '" + args.format + "' (expected text or json)"};
    }
    bool lockfile = vm.count("lockfile") > 0;
    bool blob = vm.count("blob") > 0;
    if (lockfile && blob) throw UsageError{"--lockfile and --blob exclude each other"};
    if ((lockfile || blob) && vm.count("format")) {
        throw UsageError{std::string("--format applies to the listing, not to ") +
                         (lockfile ? "--lockfile" : "--blob") + " (which write raw bytes)"};
    }
    if (blob && vm.count("ref")) {
        throw UsageError{"--ref does not apply to --blob (a digest names one blob already)"};
    }
    if (vm.count("ref") && args.ref_name.empty()) {
        throw UsageError{"--ref needs a non-empty NAME"};
    }
    std::vector<std::string> inputs;
    if (vm.count("input")) inputs = vm["input"].as<std::vector<std::string>>();
    if (inputs.empty()) {
        throw UsageError{"no INPUT (name a layout directory, a tar, or - for stdin)"};
    }
    if (inputs.size() > 1) {
        throw UsageError{"expected one INPUT, found " + std::to_string(inputs.size())};
    }
    Command command;
    command.output = lockfile ? Output::lockfile : blob ? Output::blob : Output::listing;
    command.input = inputs.front();
    command.ref_name = args.ref_name;
    command.blob = args.blob;
    command.json = args.format == "json";
    command.verify_blobs = vm.count("no-verify-blobs") == 0;
    return command;
}

// Writes what `command` asks for to stdout.
Status show(LayoutSource& source, const Command& command) {
    if (command.output == Output::lockfile) {
        std::string bytes;
        Status status = extract_lockfile(source, command.ref_name, bytes);
        return status ? write_stdout(bytes.data(), bytes.size()) : status;
    }
    if (command.output == Output::blob) return extract_blob(source, command.blob, write_stdout);
    InspectOptions options;
    options.ref_name = command.ref_name;
    options.verify_blobs = command.verify_blobs;
    InspectResult result;
    Status status = inspect_layout(source, options, result);
    if (!status) return status;
    std::string rendered = command.json ? render_inspect_json(result) : render_inspect_text(result);
    return write_stdout(rendered.data(), rendered.size());
}

int run(int argc, char** argv) {
    Arguments args;
    po::options_description visible("Options");
    add_options(visible, args);
    po::variables_map vm;
    if (!tools::parse_arguments(kProgram, argc, argv, visible, "input", print_usage, vm)) {
        return tools::kOk;
    }
    Command command = check_arguments(args, vm);
    std::unique_ptr<LayoutSource> source;
    if (Status status = open_layout_source(command.input, source); !status) {
        throw tools::InputError{command.input, status};
    }
    Status status = show(*source, command);
    if (status && std::fflush(stdout) != 0) {
        status = Status::io_error(std::string("stdout: write failed: ") + std::strerror(errno));
    }
    if (!status) tools::diagnose(kProgram, command.input, status.message());
    return tools::exit_code_for(status);
}

}  // namespace

int main(int argc, char** argv) {
    return tools::run_tool(kProgram, run, argc, argv);
}
