// The conversion's plan or result as people read it (render_convert_text) and as machines do
// (render_convert_json, schema: README "oci-wasm-convert --format json").
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "convert_internal.h"
#include "ociwasm/convert.h"
#include "ociwasm/json.h"

namespace ociwasm {

namespace {

using rapidjson::Value;

std::string target_format_name(ConvertTarget target) {
    return std::string(format_name(target == ConvertTarget::new_format
                                       ? ManifestFormat::spin_oci_layer
                                       : ManifestFormat::spin_v1_config));
}

}  // namespace

std::string render_convert_text(const ConvertResult& result, std::string_view output,
                                bool dry_run) {
    std::string out;
    std::size_t converted = 0;
    for (const ManifestPlan& m : result.manifests) {
        std::string name = m.ref_name.empty() ? m.location : m.ref_name;
        if (m.converted) {
            ++converted;
            out += name + ": " + std::string(format_name(m.from)) + " -> " +
                   std::string(format_name(m.to)) + ": " + m.old_digest + " -> " + m.new_digest +
                   "\n";
        } else {
            out += name + ": unchanged (" +
                   (m.from == ManifestFormat::unknown
                        ? m.reason
                        : std::string(format_name(m.from)) + ", " + m.reason) +
                   "): " + m.old_digest + "\n";
        }
        for (const auto& note : m.notes) out += "  note: " + note + "\n";
    }
    std::string counts = std::to_string(converted) + (dry_run ? " to convert, " : " converted, ") +
                         std::to_string(result.manifests.size() - converted) + " unchanged, " +
                         std::to_string(result.added_blobs.size()) + " blob(s) added, " +
                         std::to_string(result.dropped_blobs.size()) + " dropped";
    if (dry_run) {
        out += "dry run: " + counts + "; nothing written\n";
    } else {
        out += std::string(output) + ": " + counts + "\n";
    }
    return out;
}

std::string render_convert_json(const ConvertResult& result, std::string_view input,
                                std::string_view output, const ConvertOptions& options,
                                bool dry_run, const Status& status) {
    using detail::set_member;
    rapidjson::Document doc(rapidjson::kObjectType);
    detail::JsonAllocator& alloc = doc.GetAllocator();
    auto str = [&alloc](std::string_view text) {
        return Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), alloc);
    };
    auto string_list = [&](const std::vector<std::string>& items) {
        Value list(rapidjson::kArrayType);
        for (const auto& item : items) list.PushBack(str(item), alloc);
        return list;
    };
    bool refused = false;
    for (const Finding& f : result.findings.all()) {
        if (f.severity == Severity::error && f.code.starts_with("CONVERT-")) refused = true;
    }
    std::string_view outcome = status.is_ok() ? "ok"
                               : status.code() == Status::Code::invalid
                                   ? (refused ? "refused" : "invalid")
                               : status.code() == Status::Code::usage ? "usage"
                                                                      : "error";
    set_member(doc, "status", str(outcome), alloc);
    set_member(doc, "message", status.is_ok() ? Value() : str(status.message()), alloc);
    set_member(doc, "input", str(input), alloc);
    set_member(doc, "output", dry_run ? Value() : str(output), alloc);
    set_member(doc, "dryRun", Value(dry_run), alloc);
    set_member(doc, "written", Value(result.written), alloc);
    set_member(doc, "target", str(target_format_name(options.target)), alloc);
    set_member(doc, "artifactType",
               options.target == ConvertTarget::new_format && options.artifact_type
                   ? str(*options.artifact_type)
                   : Value(),
               alloc);
    set_member(doc, "ref", options.ref_name.empty() ? Value() : str(options.ref_name), alloc);
    set_member(doc, "allowLossy", Value(options.allow_lossy), alloc);
    Value manifests(rapidjson::kArrayType);
    for (const ManifestPlan& m : result.manifests) {
        Value item(rapidjson::kObjectType);
        set_member(item, "location", str(m.location), alloc);
        set_member(item, "ref", m.ref_name.empty() ? Value() : str(m.ref_name), alloc);
        set_member(item, "from", str(format_name(m.from)), alloc);
        set_member(item, "to", str(format_name(m.to)), alloc);
        set_member(item, "converted", Value(m.converted), alloc);
        set_member(item, "reason", m.converted ? Value() : str(m.reason), alloc);
        set_member(item, "oldDigest", str(m.old_digest), alloc);
        set_member(item, "newDigest", str(m.new_digest), alloc);
        set_member(item, "oldSize", Value(m.old_size), alloc);
        set_member(item, "newSize", Value(m.new_size), alloc);
        set_member(item, "notes", string_list(m.notes), alloc);
        manifests.PushBack(item, alloc);
    }
    set_member(doc, "converted", Value(static_cast<std::uint64_t>(result.converted_count())),
               alloc);
    set_member(
        doc, "unchanged",
        Value(static_cast<std::uint64_t>(result.manifests.size() - result.converted_count())),
        alloc);
    set_member(doc, "manifests", std::move(manifests), alloc);
    set_member(doc, "addedBlobs", string_list(result.added_blobs), alloc);
    set_member(doc, "droppedBlobs", string_list(result.dropped_blobs), alloc);
    Value findings(rapidjson::kArrayType);
    for (const Finding& f : result.findings.all()) {
        Value item(rapidjson::kObjectType);
        set_member(item, "severity", str(severity_name(f.severity)), alloc);
        set_member(item, "code", str(f.code), alloc);
        set_member(item, "message", str(f.message), alloc);
        set_member(item, "file", str(f.file), alloc);
        set_member(item, "pointer", str(f.pointer), alloc);
        if (!f.digest.empty()) set_member(item, "digest", str(f.digest), alloc);
        findings.PushBack(item, alloc);
    }
    set_member(doc, "findings", std::move(findings), alloc);
    return write_canonical(doc) + "\n";
}

}  // namespace ociwasm
