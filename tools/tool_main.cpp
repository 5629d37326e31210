#include "tool_main.h"

#include <exception>
#include <iostream>
#include <new>

#include "command_line.h"

#include "ociwasm/text.h"

#ifndef OCIWASM_VERSION
#define OCIWASM_VERSION "0.1.0"
#endif

namespace po = boost::program_options;

namespace ociwasm::tools {

int exit_code_for(const Status& status) {
    switch (status.code()) {
        case Status::Code::ok:
            return kOk;
        case Status::Code::invalid:
            return kFailed;
        case Status::Code::usage:
            return kUsage;
        case Status::Code::io_error:
        case Status::Code::unreadable:
            return kUnreadable;
    }
    return kUnreadable;
}

void print_error(std::string_view program, std::string_view message) {
    std::cerr << program << ": " << text::one_line(message) << "\n";
}

void diagnose(std::string_view program, const std::string& input, const std::string& message,
              const std::string& output) {
    bool named = message.starts_with(input + ": ") ||
                 (!output.empty() && message.starts_with(output + ": "));
    print_error(program, named ? message : input + ": " + message);
}

void add_help_and_version(po::options_description& visible) {
    // clang-format off
    visible.add_options()
        ("help,h", "print this help and exit")
        ("version", "print the version and exit");
    // clang-format on
}

bool parse_arguments(std::string_view program, int argc, char** argv,
                     const po::options_description& visible, const char* positional,
                     UsagePrinter print_usage, po::variables_map& vm) {
    try {
        vm = parse_command_line(argc, argv, visible, positional);
    } catch (const po::error& e) {
        throw UsageError{e.what()};
    }
    if (vm.count("help")) {
        print_usage(std::cout, visible);
        return false;
    }
    if (vm.count("version")) {
        std::cout << program << " " << OCIWASM_VERSION << "\n";
        return false;
    }
    return true;
}

int run_tool(std::string_view program, int (*run)(int argc, char** argv), int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const UsageError& e) {
        print_error(program, e.message);
        std::cerr << "Try '" << program << " --help' for more information.\n";
        return kUsage;
    } catch (const InputError& e) {
        diagnose(program, e.input, e.status.message());
        return exit_code_for(e.status);
    } catch (const std::bad_alloc& e) {
        // Out of memory: print what() as it is (plain ASCII), since escaping it would allocate.
        std::cerr << program << ": internal error: " << e.what() << "\n";
        return kUnreadable;
    } catch (const std::exception& e) {
        print_error(program, std::string("internal error: ") + e.what());
        return kUnreadable;
    } catch (...) {
        std::cerr << program << ": internal error\n";
        return kUnreadable;
    }
}

}  // namespace ociwasm::tools
