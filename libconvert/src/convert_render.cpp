// The conversion's plan or result as people read it (render_convert_text) and as machines do
// (render_convert_json). Every string either writes goes through the text module (text.h):
// one_line in text, write_json_string in JSON, so input-derived bytes (directory names, ref
// names, locations) neither break a line nor make the JSON invalid UTF-8.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "ociwasm/convert.h"
#include "ociwasm/finding_text.h"
#include "text.h"

namespace ociwasm {

namespace {

using detail::one_line;
using detail::write_json_string;
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

std::string_view target_format_name(ConvertTarget target) {
    return format_name(target == ConvertTarget::new_format ? ManifestFormat::spin_oci_layer
                                                           : ManifestFormat::spin_v1_config);
}

std::string manifest_line(const ManifestPlan& m) {
    std::string name = one_line(m.ref_name.empty() ? m.location : m.ref_name);
    std::string from = one_line(format_name(m.from));
    if (m.converted) {
        return name + ": " + from + " -> " + one_line(format_name(m.to)) + ": " +
               one_line(m.old_digest) + " -> " + one_line(m.new_digest) + "\n";
    }
    std::string why =
        m.from == ManifestFormat::unknown ? one_line(m.reason) : from + ", " + one_line(m.reason);
    return name + ": unchanged (" + why + "): " + one_line(m.old_digest) + "\n";
}

// "LOCATION: referrer DIGEST (TYPE) of SUBJECT: no longer applies; kept|dropped"
std::string stale_referrer_line(const StaleReferrer& r) {
    std::string type = r.artifact_type.empty() ? "no artifactType" : one_line(r.artifact_type);
    return one_line(r.location) + ": referrer " + one_line(r.digest) + " (" + type + ") of " +
           one_line(r.subject) + ": no longer applies; " + (r.dropped ? "dropped" : "kept") + "\n";
}

// ---- JSON: members in the order of their names, as write_canonical would sort them ----

void write_string_or_null(JsonWriter& writer, bool present, std::string_view text) {
    if (present) {
        write_json_string(writer, text);
    } else {
        writer.Null();
    }
}

void write_strings(JsonWriter& writer, const std::vector<std::string>& items) {
    writer.StartArray();
    for (const std::string& item : items) write_json_string(writer, item);
    writer.EndArray();
}

void write_manifest(JsonWriter& writer, const ManifestPlan& m) {
    writer.StartObject();
    writer.Key("converted");
    writer.Bool(m.converted);
    writer.Key("from");
    write_json_string(writer, format_name(m.from));
    writer.Key("location");
    write_json_string(writer, m.location);
    writer.Key("newDigest");
    write_json_string(writer, m.new_digest);
    writer.Key("newSize");
    writer.Uint64(m.new_size);
    writer.Key("notes");
    write_strings(writer, m.notes);
    writer.Key("oldDigest");
    write_json_string(writer, m.old_digest);
    writer.Key("oldSize");
    writer.Uint64(m.old_size);
    writer.Key("reason");
    write_string_or_null(writer, !m.converted, m.reason);
    writer.Key("ref");
    write_string_or_null(writer, !m.ref_name.empty(), m.ref_name);
    writer.Key("to");
    write_json_string(writer, format_name(m.to));
    writer.EndObject();
}

void write_stale_referrer(JsonWriter& writer, const StaleReferrer& r) {
    writer.StartObject();
    writer.Key("artifactType");
    write_json_string(writer, r.artifact_type);
    writer.Key("digest");
    write_json_string(writer, r.digest);
    writer.Key("dropped");
    writer.Bool(r.dropped);
    writer.Key("location");
    write_json_string(writer, r.location);
    writer.Key("mediaType");
    write_json_string(writer, r.media_type);
    writer.Key("size");
    writer.Uint64(r.size);
    writer.Key("subject");
    write_json_string(writer, r.subject);
    writer.Key("subjectNow");
    write_string_or_null(writer, !r.subject_now.empty(), r.subject_now);
    writer.EndObject();
}

void write_finding(JsonWriter& writer, const Finding& f) {
    writer.StartObject();
    writer.Key("code");
    write_json_string(writer, f.code);
    if (!f.digest.empty()) {
        writer.Key("digest");
        write_json_string(writer, f.digest);
    }
    writer.Key("file");
    write_json_string(writer, f.file);
    writer.Key("message");
    write_json_string(writer, shown_message(f));  // file and pointer are beside it
    writer.Key("pointer");
    write_json_string(writer, f.pointer);
    writer.Key("severity");
    write_json_string(writer, severity_name(f.severity));
    writer.EndObject();
}

// "ok", "refused" (a CONVERT-* error said no), "invalid", "usage" or "error".
std::string_view outcome_name(const ConvertResult& result, const Status& status) {
    if (status.is_ok()) return "ok";
    if (status.code() == Status::Code::usage) return "usage";
    if (status.code() != Status::Code::invalid) return "error";
    bool refused = result.findings.any_of([](const Finding& f) {
        return f.severity == Severity::error && f.code.starts_with("CONVERT-");
    });
    return refused ? "refused" : "invalid";
}

}  // namespace

std::string render_convert_text(const ConvertResult& result, std::string_view output,
                                bool dry_run) {
    std::string out;
    for (const ManifestPlan& m : result.manifests) {
        out += manifest_line(m);
        for (const auto& note : m.notes) out += "  note: " + one_line(note) + "\n";
    }
    std::size_t kept = 0;
    for (const StaleReferrer& r : result.stale_referrers) {
        out += stale_referrer_line(r);
        if (!r.dropped) ++kept;
    }
    std::size_t converted = result.converted_count();
    std::string counts = std::to_string(converted) + (dry_run ? " to convert, " : " converted, ") +
                         std::to_string(result.manifests.size() - converted) + " unchanged, " +
                         std::to_string(result.added_blobs.size()) + " blob(s) added, " +
                         std::to_string(result.dropped_blobs.size()) + " dropped";
    if (kept > 0) counts += ", " + std::to_string(kept) + " stale referrer(s) kept";
    if (std::size_t dropped = result.stale_referrers.size() - kept; dropped > 0) {
        counts +=
            ", " + std::to_string(dropped) + " referrer(s) " + (dry_run ? "to drop" : "dropped");
    }
    if (dry_run) {
        out += "dry run: " + counts + "; nothing written\n";
    } else {
        out += one_line(output) + ": " + counts + "\n";
    }
    return out;
}

std::string render_convert_json(const ConvertResult& result, std::string_view input,
                                std::string_view output, const ConvertOptions& options,
                                bool dry_run, const Status& status) {
    rapidjson::StringBuffer buffer;
    JsonWriter writer(buffer);
    writer.StartObject();
    writer.Key("addedBlobs");
    write_strings(writer, result.added_blobs);
    writer.Key("allowLossy");
    writer.Bool(options.allow_lossy);
    writer.Key("allowMissingBlobs");
    writer.Bool(options.allow_missing_blobs);
    writer.Key("artifactType");
    bool states_type = options.target == ConvertTarget::new_format && options.artifact_type;
    write_string_or_null(writer, states_type, states_type ? *options.artifact_type : "");
    writer.Key("converted");
    writer.Uint64(result.converted_count());
    writer.Key("dropReferrers");
    writer.Bool(options.drop_referrers);
    writer.Key("droppedBlobs");
    write_strings(writer, result.dropped_blobs);
    writer.Key("dryRun");
    writer.Bool(dry_run);
    writer.Key("findings");
    writer.StartArray();
    result.findings.for_each([&](const Finding& f) { write_finding(writer, f); });
    writer.EndArray();
    writer.Key("input");
    write_json_string(writer, input);
    writer.Key("manifests");
    writer.StartArray();
    for (const ManifestPlan& m : result.manifests) write_manifest(writer, m);
    writer.EndArray();
    writer.Key("message");
    write_string_or_null(writer, !status.is_ok(), status.message());
    writer.Key("output");
    write_string_or_null(writer, !dry_run, output);
    writer.Key("ref");
    write_string_or_null(writer, !options.ref_name.empty(), options.ref_name);
    writer.Key("staleReferrers");
    writer.StartArray();
    for (const StaleReferrer& r : result.stale_referrers) write_stale_referrer(writer, r);
    writer.EndArray();
    writer.Key("status");
    write_json_string(writer, outcome_name(result, status));
    writer.Key("target");
    write_json_string(writer, target_format_name(options.target));
    writer.Key("unchanged");
    writer.Uint64(result.manifests.size() - result.converted_count());
    writer.Key("written");
    writer.Bool(result.written);
    writer.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

}  // namespace ociwasm
