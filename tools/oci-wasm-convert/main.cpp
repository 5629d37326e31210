// oci-wasm-convert: converts Spin apps in an OCI image layout between the old config-as-lockfile
// format and the new lockfile-layer format. Options -> library call -> output and exit code.
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <boost/program_options.hpp>

#include "progress_line.h"
#include "tool_main.h"

#include "ociwasm/convert.h"
#include "ociwasm/convert_arguments.h"
#include "ociwasm/finding_text.h"
#include "ociwasm/layout.h"
#include "ociwasm/status.h"
#include "ociwasm/text.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;
using namespace ociwasm;
using tools::UsageError;

namespace {

constexpr const char* kProgram = "oci-wasm-convert";

void print_usage(std::ostream& out, const po::options_description& options) {
    out << "Usage: " << kProgram << " [options] IN OUT\n"
        << "   or: " << kProgram << " --in-place [options] IN\n"
        << "   or: " << kProgram << " --dry-run [options] IN\n"
        << "\n"
        << "Converts the Spin apps in an OCI image layout between the old format (Spin 1.x: the\n"
        << "config blob is the lockfile) and the new one (Spin 2+, containerd: an image config\n"
        << "and the lockfile as the last layer). Other manifests pass through byte for byte.\n"
        << "IN and OUT are layout directories, tars (.tar, .tar.gz, .tar.zst; OUT by suffix or\n"
        << "--output-format), or - for a tar on stdin/stdout. The input is validated first and\n"
        << "OUT is written atomically; IN is never modified (except with --in-place, atomically).\n"
        << "\n"
        << options << "\n"
        << "Exit status:\n"
        << "  0  converted (or nothing to convert)\n"
        << "  1  the input is invalid, or the conversion was refused (lossy without\n"
        << "     --allow-lossy, a blob of an app missing without --allow-missing-blobs,\n"
        << "     --ref not found)\n"
        << "  2  usage error\n"
        << "  3  the input could not be read, or the output not written (also when another\n"
        << "     conversion is writing OUT, without --wait)\n";
}

// The options as given, before they are checked.
struct Arguments {
    std::string to = "new";
    std::string artifact_type{media::kComponentArtifactType};
    std::string format = "text";
    std::string output_format;
};

// What to do, once the arguments are checked.
struct Command {
    ConvertOptions options;
    std::string in;
    std::string out;                        // empty for a dry run without OUT
    std::optional<SinkFormat> sink_format;  // set whenever there is an OUT
    tools::ProgressMode progress = tools::ProgressMode::automatic;
    bool json = false;
    bool dry_run = false;
    bool in_place = false;
    bool wait = false;  // for the lock of OUT
};

void add_options(po::options_description& visible, Arguments& args, ConvertOptions& options) {
    // clang-format off
    visible.add_options()
        ("to", po::value<std::string>(&args.to)->value_name("new|old"),
         "target format: new (default: image config + lockfile layer, runs on containerd) or "
         "old (Spin 1.x: the lockfile as the config blob)")
        ("artifact-type", po::value<std::string>(&args.artifact_type)->value_name("TYPE|none"),
         "artifactType of manifests converted to the new format (default "
         "application/vnd.bytecodealliance.component.v1+wasm); none leaves it out")
        ("ref", po::value<std::string>(&options.ref_name)->value_name("NAME"),
         "convert only what the index.json entry with this org.opencontainers.image.ref.name "
         "reaches (exit 1 when there is none)")
        ("allow-lossy", "convert to old even where Spin 1.x cannot express everything (the "
                        "lockfile is rewritten, content dropped); says on stderr what changed")
        ("allow-missing-blobs", "convert a Spin app even when its config or a layer blob is "
                                "missing from IN (refused by default)")
        ("drop-referrers", "leave out the referrers (signatures, SBOMs) whose subject a "
                           "conversion replaced, and their blobs (default: keep them unchanged, "
                           "with a warning each)")
        ("dry-run", "print the plan (old digest -> new digest per manifest); write nothing")
        ("format", po::value<std::string>(&args.format)->value_name("text|json"),
         "summary on stdout: text (default) or json (one JSON object)")
        ("output-format", po::value<std::string>(&args.output_format)->value_name("FORMAT"),
         "dir, tar, tar.gz or tar.zst (default: by OUT's suffix; a directory otherwise)")
        ("in-place", "replace IN with the result (atomically); OUT may be left out")
        ("wait", "when another conversion is writing OUT (or IN, with --in-place), wait for "
                 "it to finish rather than fail");
    // clang-format on
    tools::add_progress_options(visible);
    tools::add_help_and_version(visible);
}

// The options other than paths and output format, checked in the order they are listed.
void apply_options(const Arguments& args, const po::variables_map& vm, Command& command) {
    ConvertOptions& options = command.options;
    if (!parse_convert_target(args.to, options.target)) {
        throw UsageError{"unknown --to '" + args.to + "' (expected new or old)"};
    }
    if (args.artifact_type == "none") {
        options.artifact_type.reset();
    } else if (!is_media_type(args.artifact_type)) {
        throw UsageError{"--artifact-type '" + args.artifact_type +
                         "' is not a media type (expected type/subtype, or none)"};
    } else {
        options.artifact_type = args.artifact_type;
    }
    if (args.format != "text" && args.format != "json") {
        throw UsageError{"unknown --format '" + args.format + "' (expected text or json)"};
    }
    command.json = args.format == "json";
    options.allow_lossy = vm.count("allow-lossy") > 0;
    options.allow_missing_blobs = vm.count("allow-missing-blobs") > 0;
    command.wait = vm.count("wait") > 0;
    options.drop_referrers = vm.count("drop-referrers") > 0;
    command.dry_run = vm.count("dry-run") > 0;
    command.in_place = vm.count("in-place") > 0;
    std::optional<tools::ProgressMode> progress = tools::progress_mode(vm);
    if (!progress) throw UsageError{"--progress and --no-progress exclude each other"};
    command.progress = *progress;
    if (vm.count("ref") && options.ref_name.empty()) {
        throw UsageError{"--ref needs a non-empty ref name"};
    }
}

// What --in-place replaces: IN itself, or for a symlink the layout it leads to, so the link
// stays a link (replacing the link would leave its target unconverted).
std::string in_place_target(const std::string& in) {
    std::error_code error;
    if (!fs::is_symlink(in, error)) return in;
    fs::path target = fs::canonical(in, error);
    return error ? in : target.string();
}

// IN and OUT from the operands, and whether writing OUT is safe for IN.
void apply_paths(const po::variables_map& vm, Command& command) {
    std::vector<std::string> paths;
    if (vm.count("path")) paths = vm["path"].as<std::vector<std::string>>();
    if (paths.empty()) throw UsageError{"no IN (name a layout directory, a tar, or -)"};
    if (paths.size() > 2) {
        throw UsageError{"expected IN and OUT, found " + std::to_string(paths.size()) + " paths"};
    }
    command.in = paths[0];
    if (paths.size() == 2) {
        command.out = paths[1];
    } else if (command.in_place) {
        command.out = in_place_target(command.in);
    } else if (!command.dry_run) {
        throw UsageError{
            "no OUT (name a directory, a .tar/.tar.gz/.tar.zst file, or - for "
            "stdout)"};
    }
    if (command.in_place && command.in == "-") {
        throw UsageError{"--in-place needs IN to be a path, not -"};
    }
    if (command.in_place && command.dry_run) {
        throw UsageError{"--in-place and --dry-run exclude each other"};
    }
    if (command.out.empty()) return;
    if (Status status = check_output_path(command.in, command.out, command.in_place); !status) {
        throw UsageError{status.message()};
    }
}

// The format OUT is written in: --output-format `name` when given, else IN's own for --in-place,
// else by OUT's suffix; none without OUT.
std::optional<SinkFormat> choose_sink_format(const std::string& name, const Command& command) {
    if (name.empty()) {
        if (command.in_place) return in_place_format(command.in);
        if (command.out.empty()) return std::nullopt;
        return sink_format_for_path(command.out);
    }
    std::optional<SinkFormat> format = parse_sink_format(name);
    if (!format) {
        throw UsageError{"unknown --output-format '" + name +
                         "' (expected dir, tar, tar.gz or tar.zst)"};
    }
    if (command.out == "-" && *format == SinkFormat::directory) {
        throw UsageError{"--output-format dir cannot be written to stdout"};
    }
    std::error_code ec;
    if (command.in_place &&
        fs::is_directory(command.in, ec) != (*format == SinkFormat::directory)) {
        throw UsageError{"--in-place keeps IN's kind; --output-format " + name + " does not fit " +
                         command.in};
    }
    return format;
}

void print_findings(const std::string& input, const ConvertResult& result) {
    result.findings.for_each([&](const Finding& f) {
        if (f.severity == Severity::info) return;
        std::cerr << kProgram << ": " << text::one_line(input) << ": " << finding_diagnostic(f)
                  << "\n";
    });
}

// Opens OUT and IN, converts, and reports: findings and errors on stderr, the summary on stdout
// (on stderr when the tar goes to stdout).
int convert(Command& command) {
    // OUT first: the sink holds OUT's lock from here until it is in place, so that with
    // --in-place, IN is read under that lock too (never while another writer replaces it).
    std::unique_ptr<LayoutSink> sink;
    if (!command.dry_run) {
        SinkOptions sink_options;
        sink_options.wait_for_lock = command.wait;
        if (Status status = open_layout_sink(command.out, *command.sink_format, sink_options, sink);
            !status) {
            throw tools::InputError{command.out, status};
        }
    }
    std::unique_ptr<LayoutSource> source;
    if (Status status = open_layout_source(command.in, source); !status) {
        throw tools::InputError{command.in, status};
    }
    ConvertResult result;
    tools::ProgressLine progress(kProgram, command.in, command.progress);
    command.options.progress = &progress;
    Status status = convert_layout(*source, sink.get(), command.options, result);
    progress.finish();
    print_findings(command.in, result);
    if (!status) tools::diagnose(kProgram, command.in, status.message(), command.out);

    bool to_stdout = command.out == "-" && !command.dry_run;
    std::ostream& summary = to_stdout ? std::cerr : std::cout;
    if (command.json) {
        summary << render_convert_json(result, command.in, command.out, command.options,
                                       command.dry_run, status)
                << std::flush;
    } else if (status) {
        summary << render_convert_text(result, command.out, command.dry_run) << std::flush;
    }
    return tools::exit_code_for(status);
}

int run(int argc, char** argv) {
    Arguments args;
    Command command;
    po::options_description visible("Options");
    add_options(visible, args, command.options);
    po::variables_map vm;
    if (!tools::parse_arguments(kProgram, argc, argv, visible, "path", print_usage, vm)) {
        return tools::kOk;
    }
    apply_options(args, vm, command);
    apply_paths(vm, command);
    command.sink_format = choose_sink_format(args.output_format, command);
    if (command.out == "-" && !command.dry_run && isatty(STDOUT_FILENO)) {
        throw UsageError{"refusing to write a tar to a terminal; redirect stdout or name OUT"};
    }
    return convert(command);
}

}  // namespace

int main(int argc, char** argv) {
    // A write past RLIMIT_FSIZE then fails with EFBIG (exit 3, output removed), not a signal.
    ignore_sigxfsz();
    return tools::run_tool(kProgram, run, argc, argv);
}
