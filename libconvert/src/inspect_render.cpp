// Showing an inspection result: the text blocks (one per entry, nested indexes indented) and
// the JSON object of schemas/inspect-output.schema.json. Inspecting itself is inspect.cpp.
#include "ociwasm/inspect.h"

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "ociwasm/spin.h"
#include "text.h"

namespace ociwasm {

namespace {

using detail::join;
using detail::one_line;
using detail::plural;
using detail::write_json_string;

std::string describe(const InspectDescriptor& descriptor) {
    return one_line(descriptor.digest) + " (" + one_line(descriptor.media_type) + ", " +
           plural(descriptor.size, "byte", "bytes") + ")";
}

std::string platform_text(const InspectPlatform& platform) {
    std::string text = one_line(platform.os) + "/" + one_line(platform.architecture);
    if (!platform.variant.empty()) text += "/" + one_line(platform.variant);
    return text;
}

// A Spin lockfile's summary: digest and version, then its components and triggers.
void render_lockfile_text(const LockfileSummary& lock, const std::string& in, std::string& out) {
    out += in + "lockfile:     " + one_line(lock.digest) + " (" + one_line(lock.location) + ", " +
           plural(lock.size, "byte", "bytes") + ")";
    if (lock.problem.empty()) {
        out += ", spin_lock_version " + (lock.spin_lock_version
                                             ? std::to_string(*lock.spin_lock_version)
                                             : std::string("absent"));
    }
    out += "\n";
    if (!lock.problem.empty()) {
        out += in + "  problem: " + one_line(lock.problem) + "\n";
        return;
    }
    out += in + "  components: " + std::to_string(lock.components.size()) + "\n";
    for (const LockfileComponent& component : lock.components) {
        out += in + "    " + one_line(component.id) + ": source " +
               (component.source_digest.empty() ? std::string("(no digest)")
                                                : one_line(component.source_digest)) +
               ", " + plural(component.files, "file", "files") + "\n";
    }
    out += in + "  triggers:   " + std::to_string(lock.triggers.size()) + "\n";
    for (const LockfileTrigger& trigger : lock.triggers) {
        out += in + "    " + one_line(trigger.id) + ": " + one_line(trigger.type) + " -> " +
               (trigger.component.empty() ? std::string("(no component)")
                                          : one_line(trigger.component)) +
               "\n";
    }
}

// What a readable manifest holds: format, platform, annotations, config, layers, lockfile.
void render_manifest_text(const InspectEntry& entry, const std::string& in, std::string& out) {
    out += in + "format:       " + std::string(format_name(entry.format)) + "\n";
    if (!entry.artifact_type.empty()) {
        out += in + "artifactType: " + one_line(entry.artifact_type) + "\n";
    }
    if (entry.platform) {
        out += in + "platform:     " + platform_text(*entry.platform) + " (from the " +
               entry.platform->source + ")\n";
    }
    if (!entry.annotations.empty()) {
        out += in + "annotations:\n";
        for (const auto& [key, value] : entry.annotations) {
            out += in + "  " + one_line(key) + ": " + one_line(value) + "\n";
        }
    }
    if (entry.config) out += in + "config:       " + describe(*entry.config) + "\n";
    out += in + "layers:       " + std::to_string(entry.layers.size()) + "\n";
    for (std::size_t i = 0; i < entry.layers.size(); ++i) {
        const InspectLayer& layer = entry.layers[i];
        std::string note;
        if (layer.wasm != WasmKind::not_applicable) {
            note = "  wasm " + std::string(wasm_kind_name(layer.wasm));
        } else if (entry.lockfile && entry.lockfile->location == "layers/" + std::to_string(i)) {
            note = "  lockfile";
        }
        out += in + "  [" + std::to_string(i) + "] " + describe(layer.descriptor) + note + "\n";
        for (const InspectFile& file : layer.files) {
            out += in + "      " + one_line(file.path) + " (" + plural(file.size, "byte", "bytes") +
                   ")  wasm " + std::string(wasm_kind_name(file.wasm)) + "\n";
        }
        if (!layer.files_problem.empty()) {
            out += in + "      .wasm files not listed: " + one_line(layer.files_problem) + "\n";
        }
    }
    if (entry.lockfile) render_lockfile_text(*entry.lockfile, in, out);
}

// The subject an entry names and the referrers naming it (artifactType first, as `oras discover`
// shows them; "<unknown>" when a referrer has none).
void render_referrers_text(const InspectEntry& entry, const std::string& in, std::string& out) {
    if (entry.subject) out += in + "subject:      " + describe(*entry.subject) + "\n";
    if (entry.referrers.empty()) return;
    out += in + "referrers:    " + std::to_string(entry.referrers.size()) + "\n";
    for (const InspectReferrer& referrer : entry.referrers) {
        std::string type =
            referrer.artifact_type.empty() ? "<unknown>" : one_line(referrer.artifact_type);
        out += in + "  " + type + ": " + describe(referrer.descriptor) + "\n";
    }
}

// One entry's block: its title line, then its lines indented under it (an index's entries
// nested one level deeper).
void render_entry_text(const InspectEntry& entry, const std::string& indent, std::string& out) {
    const std::string in = indent + "  ";
    const std::string location = one_line(entry.location);
    std::string title = entry.ref_name.empty() ? location : one_line(entry.ref_name);
    if (entry.ref_name.empty() && entry.descriptor_platform) {
        title = platform_text(*entry.descriptor_platform) + " (" + location + ")";
    }
    out += indent + title + "\n";
    if (!entry.ref_name.empty()) out += in + "location:     " + location + "\n";
    out += in + std::string(inspect_kind_name(entry.kind)) + ":" +
           std::string(13 - inspect_kind_name(entry.kind).size(), ' ') +
           describe(entry.descriptor) + "\n";
    if (!entry.problem.empty()) out += in + "problem:      " + one_line(entry.problem) + "\n";
    render_referrers_text(entry, in, out);
    if (entry.kind == InspectEntry::Kind::index) {
        out += in + "manifests:    " + std::to_string(entry.manifests.size()) + "\n";
        for (const InspectEntry& child : entry.manifests) {
            render_entry_text(child, in + "  ", out);
        }
        return;
    }
    if (entry.kind == InspectEntry::Kind::manifest && entry.problem.empty()) {
        render_manifest_text(entry, in, out);
    }
}

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void write_descriptor_members(JsonWriter& writer, const InspectDescriptor& descriptor) {
    writer.Key("mediaType");
    write_json_string(writer, descriptor.media_type);
    writer.Key("digest");
    write_json_string(writer, descriptor.digest);
    writer.Key("size");
    writer.Uint64(descriptor.size);
}

void write_descriptor(JsonWriter& writer, const InspectDescriptor& descriptor) {
    writer.StartObject();
    write_descriptor_members(writer, descriptor);
    writer.EndObject();
}

void write_lockfile(JsonWriter& writer, const LockfileSummary& lock) {
    writer.StartObject();
    writer.Key("digest");
    write_json_string(writer, lock.digest);
    writer.Key("size");
    writer.Uint64(lock.size);
    writer.Key("location");
    write_json_string(writer, lock.location);
    writer.Key("spinLockVersion");
    if (lock.spin_lock_version) {
        writer.Int64(*lock.spin_lock_version);
    } else {
        writer.Null();
    }
    writer.Key("components");
    writer.StartArray();
    for (const LockfileComponent& component : lock.components) {
        writer.StartObject();
        writer.Key("id");
        write_json_string(writer, component.id);
        writer.Key("sourceDigest");
        write_json_string(writer, component.source_digest);
        writer.Key("files");
        writer.Uint64(component.files);
        writer.EndObject();
    }
    writer.EndArray();
    writer.Key("triggers");
    writer.StartArray();
    for (const LockfileTrigger& trigger : lock.triggers) {
        writer.StartObject();
        writer.Key("id");
        write_json_string(writer, trigger.id);
        writer.Key("type");
        write_json_string(writer, trigger.type);
        writer.Key("component");
        write_json_string(writer, trigger.component);
        writer.EndObject();
    }
    writer.EndArray();
    writer.Key("problem");
    write_json_string(writer, lock.problem);
    writer.EndObject();
}

void write_annotations(JsonWriter& writer, const std::map<std::string, std::string>& annotations) {
    writer.StartObject();
    for (const auto& [key, value] : annotations) {
        write_json_string(writer, key);
        write_json_string(writer, value);
    }
    writer.EndObject();
}

void write_referrers(JsonWriter& writer, const InspectEntry& entry) {
    writer.Key("subject");
    if (entry.subject) {
        write_descriptor(writer, *entry.subject);
    } else {
        writer.Null();
    }
    writer.Key("referrers");
    writer.StartArray();
    for (const InspectReferrer& referrer : entry.referrers) {
        writer.StartObject();
        writer.Key("artifactType");
        write_json_string(writer, referrer.artifact_type);
        write_descriptor_members(writer, referrer.descriptor);
        writer.Key("annotations");
        write_annotations(writer, referrer.annotations);
        writer.Key("location");
        write_json_string(writer, referrer.location);
        writer.EndObject();
    }
    writer.EndArray();
}

void write_platform(JsonWriter& writer, const std::optional<InspectPlatform>& platform) {
    if (!platform) {
        writer.Null();
        return;
    }
    writer.StartObject();
    writer.Key("os");
    write_json_string(writer, platform->os);
    writer.Key("architecture");
    write_json_string(writer, platform->architecture);
    writer.Key("variant");
    write_json_string(writer, platform->variant);
    writer.Key("source");
    write_json_string(writer, platform->source);
    writer.EndObject();
}

void write_entry(JsonWriter& writer, const InspectEntry& entry) {
    writer.StartObject();
    writer.Key("location");
    write_json_string(writer, entry.location);
    writer.Key("refName");
    write_json_string(writer, entry.ref_name);
    writer.Key("kind");
    write_json_string(writer, inspect_kind_name(entry.kind));
    write_descriptor_members(writer, entry.descriptor);
    writer.Key("problem");
    write_json_string(writer, entry.problem);
    bool manifest = entry.kind == InspectEntry::Kind::manifest;
    writer.Key("format");
    if (manifest) {
        write_json_string(writer, format_name(entry.format));
    } else {
        writer.Null();
    }
    writer.Key("artifactType");
    write_json_string(writer, entry.artifact_type);
    writer.Key("platform");
    write_platform(writer, entry.platform);
    writer.Key("descriptorPlatform");
    write_platform(writer, entry.descriptor_platform);
    writer.Key("annotations");
    write_annotations(writer, entry.annotations);
    writer.Key("config");
    if (entry.config) {
        write_descriptor(writer, *entry.config);
    } else {
        writer.Null();
    }
    writer.Key("layers");
    writer.StartArray();
    for (const InspectLayer& layer : entry.layers) {
        writer.StartObject();
        write_descriptor_members(writer, layer.descriptor);
        writer.Key("wasm");
        write_json_string(writer, wasm_kind_name(layer.wasm));
        writer.Key("files");
        writer.StartArray();
        for (const InspectFile& file : layer.files) {
            writer.StartObject();
            writer.Key("path");
            write_json_string(writer, file.path);
            writer.Key("size");
            writer.Uint64(file.size);
            writer.Key("wasm");
            write_json_string(writer, wasm_kind_name(file.wasm));
            writer.EndObject();
        }
        writer.EndArray();
        writer.Key("filesProblem");
        write_json_string(writer, layer.files_problem);
        writer.EndObject();
    }
    writer.EndArray();
    writer.Key("lockfile");
    if (entry.lockfile) {
        write_lockfile(writer, *entry.lockfile);
    } else {
        writer.Null();
    }
    write_referrers(writer, entry);
    writer.Key("manifests");
    writer.StartArray();
    for (const InspectEntry& child : entry.manifests) write_entry(writer, child);
    writer.EndArray();
    writer.EndObject();
}

}  // namespace

std::string_view wasm_kind_name(WasmKind kind) {
    switch (kind) {
        case WasmKind::not_applicable:
            return "";
        case WasmKind::module:
            return "module";
        case WasmKind::component:
            return "component";
        case WasmKind::not_wasm:
            return "not-wasm";
        case WasmKind::unavailable:
            return "unavailable";
    }
    return "";
}

std::string_view inspect_kind_name(InspectEntry::Kind kind) {
    switch (kind) {
        case InspectEntry::Kind::manifest:
            return "manifest";
        case InspectEntry::Kind::index:
            return "index";
        case InspectEntry::Kind::other:
            return "other";
    }
    return "other";
}

std::string render_inspect_text(const InspectResult& result) {
    std::string shown = result.entries.size() == result.index_entries
                            ? plural(result.index_entries, "entry", "entries")
                            : std::to_string(result.entries.size()) + " of " +
                                  plural(result.index_entries, "entry", "entries");
    std::string out = one_line(result.input) + ": " + shown + " in index.json, " +
                      plural(result.blob_count, "blob", "blobs") + " (" +
                      plural(result.blob_bytes, "byte", "bytes") + "); formats: ";
    std::vector<std::string> formats;
    for (ManifestFormat format : result.formats) formats.emplace_back(format_name(format));
    out += formats.empty() ? std::string("none") : join(formats, ", ");
    out += "\n";
    std::size_t errors = result.findings.count(Severity::error);
    if (errors > 0) {
        std::size_t warnings = result.findings.count(Severity::warning);
        out += one_line(result.input) + ": the layout has " +
               plural(errors, "validation error", "validation errors") + " and " +
               plural(warnings, "warning", "warnings") +
               "; what is shown may be incomplete (run oci-wasm-validate for details)\n";
    }
    for (const InspectEntry& entry : result.entries) {
        out += "\n";
        render_entry_text(entry, "", out);
    }
    return out;
}

std::string render_inspect_json(const InspectResult& result) {
    rapidjson::StringBuffer buffer;
    JsonWriter writer(buffer);
    writer.StartObject();
    writer.Key("input");
    write_json_string(writer, result.input);
    writer.Key("formats");
    writer.StartArray();
    for (ManifestFormat format : result.formats) write_json_string(writer, format_name(format));
    writer.EndArray();
    writer.Key("indexEntries");
    writer.Uint64(result.index_entries);
    writer.Key("refNames");
    writer.StartArray();
    for (const std::string& name : result.ref_names) write_json_string(writer, name);
    writer.EndArray();
    writer.Key("blobs");
    writer.StartObject();
    writer.Key("count");
    writer.Uint64(result.blob_count);
    writer.Key("bytes");
    writer.Uint64(result.blob_bytes);
    writer.EndObject();
    writer.Key("validation");
    writer.StartObject();
    writer.Key("valid");
    writer.Bool(!result.findings.has_errors());
    writer.Key("errors");
    writer.Uint64(result.findings.count(Severity::error));
    writer.Key("warnings");
    writer.Uint64(result.findings.count(Severity::warning));
    writer.Key("info");
    writer.Uint64(result.findings.count(Severity::info));
    writer.EndObject();
    writer.Key("manifests");
    writer.StartArray();
    for (const InspectEntry& entry : result.entries) write_entry(writer, entry);
    writer.EndArray();
    writer.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

}  // namespace ociwasm
