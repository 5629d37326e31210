// The one reader of Spin archive layers (application/vnd.wasm.content.bundle.v1.tar+gzip), as
// Spin unpacks them: every regular file at its normalized path, and every hardlink at its own
// path with the content of the earlier member it names. Validate, convert and inspect all list
// archive layers here, so a member one of them sees is a member all of them see. The .wasm
// files of container images' filesystem layers are listed here too, the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ociwasm/layout.h"
#include "ociwasm/status.h"
#include "wasm_header.h"

namespace ociwasm::detail {

struct ArchiveMember {
    std::string name;    // as written in the archive
    std::string path;    // normalized (no "./", no leading "/")
    std::string digest;  // "sha256:<hex>" of its content
    std::uint64_t size = 0;
    std::size_t entry = 0;  // the tar entry holding the bytes (a hardlink's target)
    bool hardlink = false;
};

struct ArchiveListing {
    bool readable = false;  // a tar.gz we could read to the end
    bool reported = false;  // its problem has been reported once (validate)
    bool checked = false;   // false when the archive could not be read (missing, stream)
    std::string problem;    // why it is not readable / not checked
    std::vector<ArchiveMember> members;                    // in archive order, hardlinks resolved
    std::unordered_set<std::string> digests;               // of every member
    std::unordered_map<std::string, std::string> by_path;  // normalized path -> digest

    // The first member with this content, or nullptr.
    const ArchiveMember* with_digest(std::string_view digest) const;
};

// Lists an archive layer held in memory.
ArchiveListing list_archive_layer(std::string_view bytes);
// Lists an archive layer by streaming blob `path` from `source` again, in bounded memory.
ArchiveListing list_archive_layer(LayoutSource& source, const std::string& path);

// A file of a container image's filesystem layer whose name says it is wasm (wasm_formats.h
// is_wasm_file_path); whiteouts (.wh.*) are not files.
struct LayerWasmFile {
    std::string path;  // normalized
    std::uint64_t size = 0;
    std::string head;  // its first kWasmHeaderSize bytes (fewer when it is shorter)
};

struct LayerWasmFiles {
    bool readable = false;             // a tar (plain, gzip, zstd ...) we could read to the end
    bool checked = false;              // false when the layer could not be read (missing, stream)
    std::string problem;               // why it is not readable / not checked
    std::vector<LayerWasmFile> files;  // in layer order; a hardlink has its target's bytes
};

// Lists the .wasm files of a filesystem layer held in memory, in one pass over it.
LayerWasmFiles list_layer_wasm_files(std::string_view bytes);
// The same, streaming blob `path` from `source` again, in bounded memory.
LayerWasmFiles list_layer_wasm_files(LayoutSource& source, const std::string& path);

// Reads the data of the tar entries numbered in `entries` (ArchiveMember::entry) of an archive
// layer held in memory: `fn(entry, data, size)` gets each chunk, then `fn(entry, nullptr, 0)`
// at the end of each entry. A failure of `fn` stops the read and is returned.
Status read_archive_entries(
    std::string_view bytes, const std::set<std::size_t>& entries,
    const std::function<Status(std::size_t entry, const char* data, std::size_t size)>& fn);

}  // namespace ociwasm::detail
