// What the arguments of a conversion must satisfy before anything is read or written, and what
// follows from them: where OUT may lie relative to IN, the format an in-place conversion keeps,
// the names of the output formats, and the syntax of a media type given as an option
// (--artifact-type). Messages speak the tool's words (IN, OUT, --in-place): they are shown as
// usage errors.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ociwasm/layout.h"
#include "ociwasm/status.h"

namespace ociwasm {

// An RFC 6838 restricted-name (section 4.2): 1 to 127 characters, an ASCII letter or digit first,
// then letters, digits and !#$&-^_.+
bool is_restricted_name(std::string_view name);

// type "/" subtype, both restricted names: the rule of the "mediaType" pattern in
// schemas/oci-defs.schema.json, which checks the media types inside documents.
bool is_media_type(std::string_view text);

// The output format names of --output-format: "dir", "tar", "tar.gz", "tar.zst"; nullopt for
// anything else.
std::optional<SinkFormat> parse_sink_format(std::string_view name);

// The compression the first bytes of the file at `path` show: gzip or zstd magic, else a plain
// tar (also when the file cannot be read: opening it as a layout reports that).
SinkFormat sniff_tar_format(const std::string& path);

// The format an in-place conversion writes `path` back in, keeping its kind: a directory stays a
// directory; a tar keeps the compression its suffix names (sink_format_for_path), else the one
// its bytes show (sniff_tar_format).
SinkFormat in_place_format(const std::string& path);

// Refuses, as Status::usage naming OUT, the IN/OUT pairs that would lose data: OUT is IN (unless
// `in_place`), OUT other than IN with `in_place`, OUT inside IN, IN inside OUT (which would be
// replaced), and OUT an existing non-empty directory that is not an OCI layout. Paths are
// compared resolved (absolute, normalised, symlinks followed as far as they exist), so another
// spelling of the same path is the same path. "-" (stdin or stdout) on either side is never
// refused here.
Status check_output_path(const std::string& in, const std::string& out, bool in_place);

}  // namespace ociwasm
