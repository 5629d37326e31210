// Command-line parsing shared by the tools, so all three accept options the same way.
#pragma once

#include <string>
#include <vector>

#include <boost/program_options.hpp>

namespace ociwasm::tools {

// Parses argv against `visible` plus a hidden positional option `positional_name` collecting
// every operand. Unix style without abbreviated long options, so a typo is an error rather than
// a guess. Throws boost::program_options::error on bad input.
inline boost::program_options::variables_map parse_command_line(
    int argc, char** argv, const boost::program_options::options_description& visible,
    const char* positional_name) {
    namespace po = boost::program_options;
    po::options_description hidden;
    hidden.add_options()(positional_name, po::value<std::vector<std::string>>());
    po::options_description all;
    all.add(visible).add(hidden);
    po::positional_options_description positional;
    positional.add(positional_name, -1);
    po::variables_map vm;
    po::store(
        po::command_line_parser(argc, argv)
            .options(all)
            .positional(positional)
            .style(po::command_line_style::unix_style ^ po::command_line_style::allow_guessing)
            .run(),
        vm);
    po::notify(vm);
    return vm;
}

}  // namespace ociwasm::tools
