// Inspecting a layout: what each manifest holds (format, platform, config, layers, the Spin
// lockfile's components and triggers), and pulling single blobs or lockfiles out of it.
// Inspection does not judge: a layout with validation errors is still shown as far as it can be
// read, with the error count alongside (the validator says what is wrong).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ociwasm/finding.h"
#include "ociwasm/layout.h"
#include "ociwasm/spin.h"
#include "ociwasm/status.h"

namespace ociwasm {

// What the first bytes of a wasm layer say it is.
enum class WasmKind {
    not_applicable,  // not a wasm layer (by media type)
    module,          // \0asm, version 1, layer 0: a core module
    component,       // \0asm, layer 1: a component-model binary
    not_wasm,        // a wasm layer whose bytes do not start with a wasm header
    unavailable,     // the blob is missing, or its bytes could not be read again (stdin)
};

// "", "module", "component", "not-wasm", "unavailable" (stable: used in the JSON output).
std::string_view wasm_kind_name(WasmKind kind);
// Classifies the first (up to 8) bytes of a blob.
WasmKind classify_wasm_header(std::string_view head);

struct InspectDescriptor {
    std::string media_type;
    std::string digest;
    std::uint64_t size = 0;
};

struct InspectPlatform {
    std::string os;
    std::string architecture;
    std::string variant;  // "" when absent
    std::string source;   // "config" (the image config) or "descriptor" (the index entry)
};

// A .wasm file inside a filesystem layer of a wasm container image.
struct InspectFile {
    std::string path;  // absolute in the image: "/app.wasm"
    std::uint64_t size = 0;
    WasmKind wasm = WasmKind::not_wasm;  // module, component or not_wasm
};

struct InspectLayer {
    InspectDescriptor descriptor;
    WasmKind wasm = WasmKind::not_applicable;
    // Filesystem layers of wasm container images: their .wasm files, in layer order; and ""
    // or why the layer could not be listed (missing, not a tar, a stream too large to keep).
    std::vector<InspectFile> files;
    std::string files_problem;
};

struct LockfileComponent {
    std::string id;
    std::string source_digest;  // "" when the source has no digest (inline or URL only)
    std::size_t files = 0;
};

struct LockfileTrigger {
    std::string id;
    std::string type;       // trigger_type
    std::string component;  // trigger_config.component, "" when absent
};

struct LockfileSummary {
    std::string digest;
    std::uint64_t size = 0;
    std::string location;  // "config", or "layers/N" (the lockfile layer's index)
    std::optional<std::int64_t> spin_lock_version;  // absent in old lockfiles
    std::vector<LockfileComponent> components;
    std::vector<LockfileTrigger> triggers;
    std::string problem;  // "" or why it could not be summarised (missing blob, not JSON ...)
};

// A manifest (or index) of the layout whose `subject` names an entry: a signature, an SBOM, an
// attestation; listed the way `oras discover` lists the referrers API's answer.
struct InspectReferrer {
    std::string artifact_type;     // its artifactType, else its config.mediaType ("" for an index)
    InspectDescriptor descriptor;  // of the descriptor that names it
    std::map<std::string, std::string> annotations;  // the referrer's own annotations
    std::string
        location;  // where that descriptor is (index.json#/manifests/N, or in a nested index)
};

// One descriptor reached from index.json, directly or through nested indexes.
struct InspectEntry {
    enum class Kind { manifest, index, other };

    std::string location;  // "index.json#/manifests/0", "blobs/sha256/<hex>#/manifests/1"
    std::string ref_name;  // org.opencontainers.image.ref.name (index.json descriptors only)
    InspectDescriptor descriptor;
    Kind kind = Kind::other;
    // "" or why the entry could not be shown in full (blob missing, not JSON, index cycle ...).
    std::string problem;

    // Manifests.
    ManifestFormat format = ManifestFormat::unknown;
    std::string artifact_type;                       // "" when absent
    std::map<std::string, std::string> annotations;  // the manifest's own annotations
    // The config's (image config, CNCF wasm config), else the descriptor's.
    std::optional<InspectPlatform> platform;
    std::optional<InspectPlatform> descriptor_platform;  // the descriptor's own `platform`
    std::optional<InspectDescriptor> config;
    std::vector<InspectLayer> layers;
    std::optional<LockfileSummary> lockfile;  // Spin manifests only

    // Indexes: their own descriptors, in order.
    std::vector<InspectEntry> manifests;

    // Manifests and indexes: the `subject` this one names (it is then a referrer), and the
    // referrers anywhere in the layout that name this one, in the order the walk met them.
    std::optional<InspectDescriptor> subject;
    std::vector<InspectReferrer> referrers;
};

std::string_view inspect_kind_name(InspectEntry::Kind kind);  // "manifest", "index", "other"

struct InspectOptions {
    // When set, only index.json descriptors with this ref name are shown (none: Status invalid).
    std::string ref_name;
    bool verify_blobs = true;  // hash blobs during the pass (for the validation counts)
};

struct InspectResult {
    std::string input;                    // the source's name
    std::vector<InspectEntry> entries;    // index.json's descriptors (filtered by ref_name)
    std::size_t index_entries = 0;        // how many descriptors index.json has in all
    std::vector<std::string> ref_names;   // every ref name in index.json, in order
    std::vector<ManifestFormat> formats;  // distinct formats among the shown manifests
    std::size_t blob_count = 0;
    std::uint64_t blob_bytes = 0;
    Findings findings;  // what validation found (inspection itself never fails on them)
};

// Scans `source` (one pass) and describes it. Returns unreadable / io_error when the input
// cannot be read; invalid when there is nothing to inspect (no index.json, index.json not a
// JSON object) or options.ref_name names no index.json entry; ok otherwise, whatever the
// validation findings.
Status inspect_layout(LayoutSource& source, const InspectOptions& options, InspectResult& out);

// Human-readable: one block per entry, nested indexes indented, full digests (for --blob).
std::string render_inspect_text(const InspectResult& result);
// One compact JSON object and a newline, described by schemas/inspect-output.schema.json.
std::string render_inspect_json(const InspectResult& result);

// The bytes of the Spin lockfile of the app `ref_name` names (or of the only Spin app when
// `ref_name` is ""). Several Spin apps with different lockfiles and no ref: Status usage, its
// message listing the refs. No Spin app (or an unknown ref): invalid.
Status extract_lockfile(LayoutSource& source, const std::string& ref_name, std::string& out);

// Streams the bytes of blob `digest` to `write`. A source that can be read again is verified
// first and nothing is written when the blob does not match its digest; a stream (stdin) is
// written as it passes and checked at the end (Status invalid then, after the bytes). A blob
// not in the layout: invalid; a malformed digest: usage.
Status extract_blob(LayoutSource& source, std::string_view digest,
                    const std::function<Status(const char*, std::size_t)>& write);

}  // namespace ociwasm
