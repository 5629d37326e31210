// The checks and choices a conversion's arguments need before anything is read or written
// (ociwasm/convert_arguments.h): IN/OUT path relations, the output format names, the format an
// in-place conversion keeps, and media-type syntax.
#include "ociwasm/convert_arguments.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <locale>
#include <system_error>

namespace ociwasm {

namespace fs = std::filesystem;

namespace {

// ASCII letters and digits whatever the global locale (the classic locale's classes).
bool is_ascii_alnum(char c) {
    return std::isalnum(c, std::locale::classic());
}

fs::path resolved(const std::string& path) {
    std::error_code ec;
    fs::path result = fs::weakly_canonical(fs::absolute(path, ec), ec);
    return ec ? fs::absolute(path).lexically_normal() : result;
}

// True when `inner` lies strictly inside the directory `outer` (both resolved).
bool is_inside(const fs::path& inner, const fs::path& outer) {
    auto [outer_end, inner_it] =
        std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
    return outer_end == outer.end() && inner_it != inner.end();
}

// An existing directory with entries but no oci-layout file: not ours to replace.
bool is_foreign_directory(const fs::path& path) {
    std::error_code ec;
    return fs::is_directory(path, ec) && !fs::exists(path / "oci-layout", ec) &&
           !fs::is_empty(path, ec);
}

}  // namespace

bool is_restricted_name(std::string_view name) {
    if (name.empty() || name.size() > 127 || !is_ascii_alnum(name[0])) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return is_ascii_alnum(c) || std::string_view("!#$&-^_.+").find(c) != std::string_view::npos;
    });
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

SinkFormat in_place_format(const std::string& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) return SinkFormat::directory;
    SinkFormat by_suffix = sink_format_for_path(path);
    return by_suffix != SinkFormat::directory ? by_suffix : sniff_tar_format(path);
}

Status check_output_path(const std::string& in, const std::string& out, bool in_place) {
    if (in == "-" || out == "-") return Status::ok();
    fs::path in_path = resolved(in);
    fs::path out_path = resolved(out);
    if (in_path == out_path) {
        if (in_place) return Status::ok();
        return Status::usage(out +
                             ": OUT is IN; expected a different output, or --in-place to replace "
                             "IN atomically");
    }
    if (in_place) {
        return Status::usage(
            "--in-place writes IN itself; expected OUT to be IN or left out, found " + out);
    }
    if (is_inside(out_path, in_path)) {
        return Status::usage(out + ": OUT lies inside IN (" + in +
                             "); expected an output outside it");
    }
    if (is_inside(in_path, out_path)) {
        return Status::usage(out + ": IN (" + in +
                             ") lies inside OUT, which would be replaced; expected an output "
                             "that does not contain IN");
    }
    if (is_foreign_directory(out_path)) {
        return Status::usage(out +
                             ": OUT is a non-empty directory that is not an OCI layout; refusing "
                             "to replace it");
    }
    return Status::ok();
}

}  // namespace ociwasm
