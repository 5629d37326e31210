// What the three tools share around their run(), as libarchive_fe/err.h is for bsdtar, bsdcpio
// and bsdcat: the exit codes and the Status -> exit code mapping, the `PROGRAM: ` diagnostic line
// (escaped onto one line), --help and --version, and the exception ladder main() runs run() in.
// Each tool keeps only its options, its call into the library and its output.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include <boost/program_options.hpp>

#include "ociwasm/status.h"

namespace ociwasm::tools {

// The exit codes of every tool (README "Exit codes"). 1 is what the tool calls failure: findings
// (validate), an invalid input or a refused conversion (convert), nothing to inspect (inspect).
enum ExitCode { kOk = 0, kFailed = 1, kUsage = 2, kUnreadable = 3 };

// Thrown by run() for a bad command line: printed with the --help hint, exit 2.
struct UsageError {
    std::string message;
};

// Thrown by run() when a library call about `input` fails before there is anything else to
// report (opening IN or OUT): printed by diagnose(), exit code by exit_code_for(status).
struct InputError {
    std::string input;
    Status status;
};

// ok -> 0, invalid -> 1, usage -> 2, io_error and unreadable -> 3.
int exit_code_for(const Status& status);

// `PROGRAM: MESSAGE` on stderr, MESSAGE escaped onto one line (it names inputs, blobs and tar
// members, whose bytes are not ours).
void print_error(std::string_view program, std::string_view message);

// A diagnostic about `input` that names it once: the library's message already starts with
// `input: ` (or `output: `, when given and the message is about the output) or gets that prefix.
void diagnose(std::string_view program, const std::string& input, const std::string& message,
              const std::string& output = {});

using UsagePrinter = void (*)(std::ostream& out,
                              const boost::program_options::options_description& options);

// The options every tool ends its list with: --help (-h) and --version.
void add_help_and_version(boost::program_options::options_description& visible);

// Parses argv (command_line.h: operands collected under `positional`); a bad command line is a
// UsageError. Answers --help (print_usage on stdout) and --version itself and returns false:
// the tool then exits 0 without doing anything else.
bool parse_arguments(std::string_view program, int argc, char** argv,
                     const boost::program_options::options_description& visible,
                     const char* positional, UsagePrinter print_usage,
                     boost::program_options::variables_map& vm);

// Runs `run` and turns what escapes it into a diagnostic and an exit code: UsageError -> 2 with
// the --help hint, InputError -> its status's code, any other exception -> 3 ("internal error").
int run_tool(std::string_view program, int (*run)(int argc, char** argv), int argc, char** argv);

}  // namespace ociwasm::tools
