// oci-wasm-convert: converts Spin apps in an OCI image layout between the old config-as-lockfile
// format and the new lockfile-layer format. Options -> library call -> output and exit code.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/program_options.hpp>

#include "command_line.h"
#include "progress_line.h"

#include "ociwasm/convert.h"
#include "ociwasm/finding_text.h"
#include "ociwasm/layout.h"
#include "ociwasm/status.h"
#include "ociwasm/text.h"

#ifndef OCIWASM_VERSION
#define OCIWASM_VERSION "0.1.0"
#endif

namespace po = boost::program_options;
namespace fs = std::filesystem;
using namespace ociwasm;

namespace {

constexpr const char* kProgram = "oci-wasm-convert";

enum ExitCode { kOk = 0, kRefused = 1, kUsage = 2, kUnreadable = 3 };

struct UsageError {
    std::string message;
};

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
        << "     --allow-lossy, --ref not found)\n"
        << "  2  usage error\n"
        << "  3  the input could not be read, or the output not written\n";
}

// Diagnostics name the input once, or the output when the library's message is about it.
void diagnose(const std::string& input, const std::string& message,
              const std::string& output = {}) {
    bool named = message.starts_with(input + ": ") ||
                 (!output.empty() && message.starts_with(output + ": "));
    std::cerr << kProgram << ": " << text::one_line(named ? message : input + ": " + message)
              << "\n";
}

int exit_code_for(const Status& status) {
    switch (status.code()) {
        case Status::Code::ok:
            return kOk;
        case Status::Code::invalid:
            return kRefused;
        case Status::Code::usage:
            return kUsage;
        case Status::Code::io_error:
        case Status::Code::unreadable:
            return kUnreadable;
    }
    return kUnreadable;
}

// RFC 6838 restricted-name: 1 to 127 characters, alphanumeric first.
bool is_restricted_name(std::string_view name) {
    if (name.empty() || name.size() > 127 || !std::isalnum(static_cast<unsigned char>(name[0]))) {
        return false;
    }
    for (char c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c)) &&
            std::string_view("!#$&-^_.+").find(c) == std::string_view::npos) {
            return false;
        }
    }
    return true;
}

bool is_media_type(std::string_view text) {
    auto slash = text.find('/');
    return slash != std::string_view::npos && is_restricted_name(text.substr(0, slash)) &&
           is_restricted_name(text.substr(slash + 1));
}

std::optional<SinkFormat> parse_sink_format(std::string_view name) {
    if (name == "dir") return SinkFormat::directory;
    if (name == "tar") return SinkFormat::tar;
    if (name == "tar.gz") return SinkFormat::tar_gz;
    if (name == "tar.zst") return SinkFormat::tar_zst;
    return std::nullopt;
}

// For --in-place on a file without a telling suffix: the compression its bytes show.
SinkFormat sniff_tar_format(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    unsigned char magic[4] = {};
    in.read(reinterpret_cast<char*>(magic), sizeof magic);
    if (in.gcount() >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) return SinkFormat::tar_gz;
    if (in.gcount() == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f &&
        magic[3] == 0xfd) {
        return SinkFormat::tar_zst;
    }
    return SinkFormat::tar;
}

fs::path resolved(const std::string& path) {
    std::error_code ec;
    fs::path result = fs::weakly_canonical(fs::absolute(path, ec), ec);
    return ec ? fs::absolute(path).lexically_normal() : result;
}

// True when `inner` lies strictly inside the directory `outer`.
bool is_inside(const fs::path& inner, const fs::path& outer) {
    auto [outer_end, inner_it] =
        std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
    return outer_end == outer.end() && inner_it != inner.end();
}

// Refuses IN/OUT combinations that would lose data, before anything is read or written.
void check_paths(const std::string& in, const std::string& out, bool in_place) {
    if (in == "-" || out == "-") return;
    fs::path in_path = resolved(in);
    fs::path out_path = resolved(out);
    if (in_path == out_path) {
        if (!in_place) {
            throw UsageError{out +
                             ": OUT is IN; expected a different output, or --in-place to "
                             "replace IN atomically"};
        }
        return;
    }
    if (in_place) {
        throw UsageError{"--in-place writes IN itself; expected OUT to be IN or left out, found " +
                         out};
    }
    if (is_inside(out_path, in_path)) {
        throw UsageError{out + ": OUT lies inside IN (" + in + "); expected an output outside it"};
    }
    if (is_inside(in_path, out_path)) {
        throw UsageError{out + ": IN (" + in +
                         ") lies inside OUT, which would be replaced; "
                         "expected an output that does not contain IN"};
    }
    std::error_code ec;
    if (fs::is_directory(out_path, ec) && !fs::exists(out_path / "oci-layout", ec) &&
        !fs::is_empty(out_path, ec)) {
        throw UsageError{out +
                         ": OUT is a non-empty directory that is not an OCI layout; "
                         "refusing to replace it"};
    }
}

void print_findings(const std::string& input, const ConvertResult& result) {
    for (const Finding& f : result.findings.all()) {
        if (f.severity == Severity::info) continue;
        std::cerr << kProgram << ": " << text::one_line(input) << ": " << finding_diagnostic(f)
                  << "\n";
    }
}

int run(int argc, char** argv) {
    std::string to_name = "new";
    std::string artifact_type(media::kComponentArtifactType);
    std::string format_name = "text";
    std::string output_format_name;
    ConvertOptions options;
    po::options_description visible("Options");
    // clang-format off
    visible.add_options()
        ("to", po::value<std::string>(&to_name)->value_name("new|old"),
         "target format: new (default: image config + lockfile layer, runs on containerd) or "
         "old (Spin 1.x: the lockfile as the config blob)")
        ("artifact-type", po::value<std::string>(&artifact_type)->value_name("TYPE|none"),
         "artifactType of manifests converted to the new format (default "
         "application/vnd.bytecodealliance.component.v1+wasm); none leaves it out")
        ("ref", po::value<std::string>(&options.ref_name)->value_name("NAME"),
         "convert only what the index.json entry with this org.opencontainers.image.ref.name "
         "reaches (exit 1 when there is none)")
        ("allow-lossy", "convert to old even where Spin 1.x cannot express everything (the "
                        "lockfile is rewritten, content dropped); says on stderr what changed")
        ("dry-run", "print the plan (old digest -> new digest per manifest); write nothing")
        ("format", po::value<std::string>(&format_name)->value_name("text|json"),
         "summary on stdout: text (default) or json (one JSON object)")
        ("output-format", po::value<std::string>(&output_format_name)->value_name("FORMAT"),
         "dir, tar, tar.gz or tar.zst (default: by OUT's suffix; a directory otherwise)")
        ("in-place", "replace IN with the result (atomically); OUT may be left out");
    tools::add_progress_options(visible);
    visible.add_options()
        ("help,h", "print this help and exit")
        ("version", "print the version and exit");
    // clang-format on
    po::variables_map vm;
    try {
        vm = tools::parse_command_line(argc, argv, visible, "path");
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

    if (!parse_convert_target(to_name, options.target)) {
        throw UsageError{"unknown --to '" + to_name + "' (expected new or old)"};
    }
    if (artifact_type == "none") {
        options.artifact_type.reset();
    } else if (!is_media_type(artifact_type)) {
        throw UsageError{"--artifact-type '" + artifact_type +
                         "' is not a media type (expected type/subtype, or none)"};
    } else {
        options.artifact_type = artifact_type;
    }
    if (format_name != "text" && format_name != "json") {
        throw UsageError{"unknown --format '" + format_name + "' (expected text or json)"};
    }
    bool json = format_name == "json";
    options.allow_lossy = vm.count("allow-lossy") > 0;
    bool dry_run = vm.count("dry-run") > 0;
    bool in_place = vm.count("in-place") > 0;
    std::optional<tools::ProgressMode> progress_mode = tools::progress_mode(vm);
    if (!progress_mode) throw UsageError{"--progress and --no-progress exclude each other"};
    if (vm.count("ref") && options.ref_name.empty()) {
        throw UsageError{"--ref needs a non-empty ref name"};
    }

    std::vector<std::string> paths;
    if (vm.count("path")) paths = vm["path"].as<std::vector<std::string>>();
    if (paths.empty()) throw UsageError{"no IN (name a layout directory, a tar, or -)"};
    if (paths.size() > 2) {
        throw UsageError{"expected IN and OUT, found " + std::to_string(paths.size()) + " paths"};
    }
    std::string in = paths[0];
    std::string out;
    if (paths.size() == 2) {
        out = paths[1];
    } else if (in_place) {
        out = in;
    } else if (!dry_run) {
        throw UsageError{
            "no OUT (name a directory, a .tar/.tar.gz/.tar.zst file, or - for "
            "stdout)"};
    }
    if (in_place && in == "-") throw UsageError{"--in-place needs IN to be a path, not -"};
    if (in_place && dry_run) throw UsageError{"--in-place and --dry-run exclude each other"};
    if (!out.empty()) check_paths(in, out, in_place);

    std::optional<SinkFormat> sink_format;
    if (!output_format_name.empty()) {
        sink_format = parse_sink_format(output_format_name);
        if (!sink_format) {
            throw UsageError{"unknown --output-format '" + output_format_name +
                             "' (expected dir, tar, tar.gz or tar.zst)"};
        }
        if (out == "-" && *sink_format == SinkFormat::directory) {
            throw UsageError{"--output-format dir cannot be written to stdout"};
        }
        std::error_code ec;
        if (in_place && fs::is_directory(in, ec) != (*sink_format == SinkFormat::directory)) {
            throw UsageError{"--in-place keeps IN's kind; --output-format " + output_format_name +
                             " does not fit " + in};
        }
    } else if (in_place) {
        std::error_code ec;
        sink_format = fs::is_directory(in, ec)                            ? SinkFormat::directory
                      : sink_format_for_path(in) != SinkFormat::directory ? sink_format_for_path(in)
                                                                          : sniff_tar_format(in);
    } else if (!out.empty()) {
        sink_format = sink_format_for_path(out);
    }
    bool to_stdout = out == "-" && !dry_run;
    if (to_stdout && isatty(STDOUT_FILENO)) {
        throw UsageError{"refusing to write a tar to a terminal; redirect stdout or name OUT"};
    }

    std::unique_ptr<LayoutSource> source;
    if (Status status = open_layout_source(in, source); !status) {
        diagnose(in, status.message());
        return exit_code_for(status);
    }
    std::unique_ptr<LayoutSink> sink;
    if (!dry_run) {
        if (Status status = open_layout_sink(out, *sink_format, sink); !status) {
            diagnose(out, status.message());
            return exit_code_for(status);
        }
    }

    ConvertResult result;
    tools::ProgressLine progress(kProgram, in, *progress_mode);
    options.progress = &progress;
    Status status = convert_layout(*source, sink.get(), options, result);
    progress.finish();
    print_findings(in, result);
    if (!status) diagnose(in, status.message(), out);

    std::ostream& summary = to_stdout ? std::cerr : std::cout;
    if (json) {
        summary << render_convert_json(result, in, out, options, dry_run, status) << std::flush;
    } else if (status) {
        summary << render_convert_text(result, out, dry_run) << std::flush;
    }
    return exit_code_for(status);
}

}  // namespace

int main(int argc, char** argv) {
    // A write past RLIMIT_FSIZE then fails with EFBIG (exit 3, output removed), not a signal.
    ignore_sigxfsz();
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
