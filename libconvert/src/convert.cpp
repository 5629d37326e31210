// Spin app conversion between the old (config-as-lockfile) and new (lockfile-layer) OCI formats,
// over the whole layout. One pass over the input: large blobs stream straight into the sink
// while the input is read (blob_copier.h); the small documents (index, manifests, configs,
// lockfiles) are transformed in memory after the input has been validated (one manifest each
// way: convert_to_new.cpp, convert_to_old.cpp), then written with index.json and oci-layout at
// commit. This file owns the walk of index.json, the plan of what to write, and writing it.
#include "ociwasm/convert.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "blob_copier.h"
#include "convert_internal.h"
#include "json_exact.h"
#include "ociwasm/digest.h"
#include "ociwasm/finding_codes.h"
#include "ociwasm/json.h"
#include "ociwasm/validate.h"
#include "text.h"
#include "validate_internal.h"
#include "wasm_formats.h"

namespace ociwasm {

bool parse_convert_target(std::string_view name, ConvertTarget& out) {
    if (name == "new") {
        out = ConvertTarget::new_format;
        return true;
    }
    if (name == "old") {
        out = ConvertTarget::old_format;
        return true;
    }
    return false;
}

std::size_t ConvertResult::converted_count() const {
    return static_cast<std::size_t>(std::count_if(
        manifests.begin(), manifests.end(), [](const ManifestPlan& m) { return m.converted; }));
}
namespace detail {

using rapidjson::Value;

Value* mutable_member(Value& object, std::string_view name) {
    if (!object.IsObject()) return nullptr;
    auto it = object.FindMember(
        Value(rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size()))));
    return it == object.MemberEnd() ? nullptr : &it->value;
}

void set_member(Value& object, std::string_view name, Value value, JsonAllocator& alloc) {
    if (Value* existing = mutable_member(object, name)) {
        *existing = std::move(value);
        return;
    }
    object.AddMember(Value(name.data(), static_cast<rapidjson::SizeType>(name.size()), alloc),
                     std::move(value), alloc);
}

void set_string(Value& object, std::string_view name, std::string_view text, JsonAllocator& alloc) {
    set_member(object, name,
               Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), alloc), alloc);
}

bool remove_member(Value& object, std::string_view name) {
    return object.IsObject() && object.RemoveMember(Value(rapidjson::StringRef(
                                    name.data(), static_cast<rapidjson::SizeType>(name.size()))));
}

namespace {

std::string encode_base64(std::string_view bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        auto n = static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16 |
                 static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                 static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 2]));
        out += kAlphabet[n >> 18 & 63];
        out += kAlphabet[n >> 12 & 63];
        out += kAlphabet[n >> 6 & 63];
        out += kAlphabet[n & 63];
    }
    if (std::size_t rest = bytes.size() - i; rest > 0) {
        unsigned n = static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16;
        if (rest == 2) n |= static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8;
        out += kAlphabet[n >> 18 & 63];
        out += kAlphabet[n >> 12 & 63];
        out += rest == 2 ? kAlphabet[n >> 6 & 63] : '=';
        out += '=';
    }
    return out;
}

}  // namespace

void Converter::refuse(std::string code, std::string message, std::string file,
                       std::string pointer) {
    refused_ = true;
    result_.findings.error(std::move(code), std::move(message), std::move(file),
                           std::move(pointer));
}

Status Converter::content(const std::string& digest, std::string& out, std::size_t max_size) {
    if (auto it = new_blobs_.find(digest); it != new_blobs_.end()) {
        out = it->second;
        return Status::ok();
    }
    return load_blob(source_, scan_, digest, out, max_size);
}

std::string Converter::add_blob(std::string bytes) {
    std::string digest = sha256_digest(bytes);
    if (!scan_.find(digest) && !new_blobs_.contains(digest)) {
        result_.added_blobs.push_back(digest);
    }
    new_blobs_.emplace(digest, std::move(bytes));
    return digest;
}

Status Converter::load_archive(const std::string& digest, ArchiveMembers*& out) {
    if (auto it = archives_.find(digest); it != archives_.end()) {
        out = &it->second;
        return Status::ok();
    }
    ArchiveMembers members;
    if (Status status = content(digest, members.bytes, kMaxArchiveSize); !status) {
        return status;
    }
    members.listing = list_archive_layer(members.bytes);
    if (!members.listing.readable) {
        return Status::invalid(
            source_.name() + ": " + blob_path(digest) +
            ": expected a readable tar.gz archive layer, found: " + members.listing.problem);
    }
    out = &archives_.emplace(digest, std::move(members)).first->second;
    return Status::ok();
}

Status Converter::plan(const std::set<std::string>* streamed) {
    if (!scan_.index_json) return Status::invalid(source_.name() + ": index.json is missing");
    rapidjson::Document index;
    JsonError error;
    if (!detail::parse_json_exact(*scan_.index_json, index, &error)) {
        return Status::invalid(source_.name() + ": index.json: " + error.message + " at " +
                               json_error_position(error));
    }
    bool changed = false;
    if (Status status =
            walk_index(index, index.GetAllocator(), "index.json", true, true, 0, changed);
        !status) {
        return status;
    }
    if (!options_.ref_name.empty() && !ref_found_) {
        std::set<std::string> refs;
        for (const ManifestPlan& m : result_.manifests) {
            if (!m.ref_name.empty()) refs.insert(m.ref_name);
        }
        std::string found;
        for (const auto& ref : refs) found += (found.empty() ? "" : ", ") + quoted(ref);
        std::string message = "descriptor has ref name " + quoted(options_.ref_name) + "; found " +
                              (found.empty() ? std::string("none") : found);
        refuse(codes::kConvertRefNotFound, "no " + message, "index.json", "/manifests");
        return Status::invalid(source_.name() + ": no index.json " + message);
    }
    if (refused_) {
        return Status::invalid(source_.name() + ": conversion refused: " +
                               std::to_string(result_.findings.count(Severity::error)) +
                               " problem(s); nothing written");
    }
    if (Status status = settle_referrers(index, changed); !status) return status;
    if (changed) new_index_json_ = write_canonical(index);

    // What to write: every input blob the input's graph does not reach (nothing is lost), plus
    // everything the output's graph reaches. Input blobs only the old graph reached (replaced
    // manifests, configs and nested indexes) are dropped, unless the pass already copied them.
    rapidjson::Document original;
    parse_json(*scan_.index_json, original, nullptr);
    std::set<std::string> input_reachable;
    collect_reachable(original, false, 0, input_reachable);
    std::set<std::string> output_reachable;
    collect_reachable(index, true, 0, output_reachable);
    for (const BlobRecord& record : scan_.blobs) {
        std::string digest = record.digest();
        if (!input_reachable.contains(digest) || output_reachable.contains(digest) ||
            (streamed ? streamed->contains(digest) : record.size > options_.keep_limit)) {
            output_blobs_.insert(digest);
        } else {
            result_.dropped_blobs.push_back(digest);
        }
    }
    for (const auto& digest : output_reachable) {
        if (new_blobs_.contains(digest) || archive_member_source_.contains(digest)) {
            output_blobs_.insert(digest);
        }
    }
    // Blobs made but not reached (a memoized rewrite replaced later) are not written.
    std::erase_if(result_.added_blobs,
                  [this](const std::string& d) { return !output_blobs_.contains(d); });
    return Status::ok();
}

void Converter::reach(const std::string& digest, bool follow, bool output, std::size_t depth,
                      std::set<std::string>& out, bool entries_only) const {
    if (!out.insert(digest).second || !follow || depth + 1 > kMaxIndexDepth) return;
    const std::string* bytes = nullptr;
    if (output) {
        if (auto it = new_blobs_.find(digest); it != new_blobs_.end()) bytes = &it->second;
    }
    if (bytes == nullptr) {
        const BlobRecord* record = scan_.find(digest);
        if (record == nullptr || !record->content) return;
        bytes = &*record->content;
    }
    rapidjson::Document doc;
    if (!parse_json(*bytes, doc, nullptr)) return;
    collect_reachable(doc, output, depth + 1, out, entries_only);
}

void Converter::collect_reachable(const Value& document, bool output, std::size_t depth,
                                  std::set<std::string>& out, bool entries_only) const {
    if (!document.IsObject()) return;
    for (std::string_view list : {"manifests", "layers", "blobs"}) {
        if (entries_only && list != "manifests") continue;
        const Value* items = find_member(document, list);
        if (items == nullptr || !items->IsArray()) continue;
        for (const auto& descriptor : items->GetArray()) {
            auto digest = string_member(descriptor, "digest");
            if (!digest) continue;
            // Only an index holds entries; a valid input says which descriptors name one.
            bool follow = list == "manifests" &&
                          (!entries_only ||
                           is_index_type(string_member(descriptor, "mediaType").value_or("")));
            reach(std::string(*digest), follow, output, depth, out, entries_only);
        }
    }
    if (entries_only) return;
    for (std::string_view single : {"config", "subject"}) {
        const Value* descriptor = find_member(document, single);
        if (descriptor == nullptr) continue;
        if (auto digest = string_member(*descriptor, "digest")) {
            reach(std::string(*digest), single == "subject", output, depth, out, false);
        }
    }
}

Status Converter::walk_index(Value& index, JsonAllocator& alloc, const std::string& file,
                             bool top_level, bool in_scope, std::size_t depth, bool& changed) {
    changed = false;
    Value* manifests = mutable_member(index, "manifests");
    if (manifests == nullptr || !manifests->IsArray()) return Status::ok();
    // `i` counts the entries kept; `position` the input's, which locations name.
    rapidjson::SizeType i = 0;
    for (rapidjson::SizeType position = 0; i < manifests->Size(); ++position) {
        Value& descriptor = (*manifests)[i];
        auto digest_text = string_member(descriptor, "digest");
        if (!digest_text) {
            ++i;
            continue;
        }
        std::string digest(*digest_text);  // the descriptor may be rewritten
        if (dropped_.contains(digest)) {
            manifests->Erase(manifests->Begin() + i);
            changed = true;
            continue;
        }
        std::string ref;
        bool scope = in_scope;
        if (top_level) {
            ref = std::string(ref_name_of(descriptor).value_or(""));
            if (!options_.ref_name.empty()) {
                scope = ref == options_.ref_name;
                ref_found_ = ref_found_ || scope;
            }
        }
        std::string location = file + "#" + pointer_join("/manifests", position);
        bool descriptor_changed = false;
        bool emptied = false;
        Status status = is_index_type(string_member(descriptor, "mediaType").value_or(""))
                            ? walk_nested_index(descriptor, alloc, digest, location, scope,
                                                depth + 1, descriptor_changed, emptied)
                            : plan_manifest(descriptor, alloc, digest, std::move(location),
                                            std::move(ref), scope, descriptor_changed);
        if (!status) return status;
        changed = changed || descriptor_changed;
        if (emptied) {
            // A nested index that listed only dropped referrers (a referrers tag) goes too.
            manifests->Erase(manifests->Begin() + i);
            changed = true;
            continue;
        }
        ++i;
    }
    return Status::ok();
}

// A nested index at `level` (1: named by index.json), walked once per scope; its descriptor is
// pointed at the rewritten index when anything below it changed. `emptied` when every entry it
// had was a dropped referrer: the caller then leaves it out.
Status Converter::walk_nested_index(Value& descriptor, JsonAllocator& alloc,
                                    const std::string& digest, const std::string& location,
                                    bool in_scope, std::size_t level, bool& changed,
                                    bool& emptied) {
    // Too deep or a cycle: left as it is (validation reports both).
    if (visiting_.enter(digest, level) != NestedIndexGuard::Entry::entered) return Status::ok();
    visiting_.leave(digest);
    std::string key = digest + (in_scope ? "+" : "-");
    auto memo = index_memo_.find(key);
    if (memo == index_memo_.end()) {
        std::string bytes;
        rapidjson::Document nested;
        if (!scan_.find(digest) || !content(digest, bytes, kMaxDocumentSize) ||
            !detail::parse_json_exact(bytes, nested, nullptr)) {
            return Status::ok();  // missing or unreadable: left as it is (validation says why)
        }
        if (std::optional<Referrer> referrer = referrer_of(nested)) {
            named_by(*referrer, descriptor, location);
            referrers_.add(std::move(*referrer));
        }
        const Value* entries = find_member(nested, "manifests");
        bool had_entries = entries != nullptr && entries->IsArray() && !entries->Empty();
        visiting_.enter(digest, level);
        bool nested_changed = false;
        Status status = walk_index(nested, nested.GetAllocator(), blob_path(digest), false,
                                   in_scope, level, nested_changed);
        visiting_.leave(digest);
        if (!status) return status;
        IndexRewrite rewrite;
        rewrite.changed = nested_changed;
        entries = find_member(nested, "manifests");
        rewrite.emptied = had_entries && entries != nullptr && entries->Empty();
        rewrite.digest = nested_changed ? add_blob(write_canonical(nested)) : digest;
        memo = index_memo_.emplace(key, std::move(rewrite)).first;
    }
    emptied = memo->second.emptied;
    if (memo->second.changed) {
        point_at_new_blob(descriptor, memo->second.digest, alloc);
        changed = true;
    }
    return Status::ok();
}

// A manifest named by an index: converted (once per scope), its descriptor pointed at the new
// manifest, and what happened recorded in the result.
Status Converter::plan_manifest(Value& descriptor, JsonAllocator& alloc, const std::string& digest,
                                std::string location, std::string ref_name, bool in_scope,
                                bool& changed) {
    ManifestPlan plan;
    plan.location = std::move(location);
    plan.ref_name = std::move(ref_name);
    plan.old_digest = digest;
    plan.new_digest = digest;
    if (const Value* size = find_member(descriptor, "size"); size && size->IsUint64()) {
        plan.old_size = size->GetUint64();
    } else if (const BlobRecord* record = scan_.find(digest)) {
        plan.old_size = record->size;
    }
    plan.new_size = plan.old_size;
    ManifestOutcome outcome;
    if (Status status = convert_manifest(digest, in_scope, outcome); !status) return status;
    if (outcome.referrer) {
        Referrer referrer = *outcome.referrer;
        named_by(referrer, descriptor, plan.location);
        referrers_.add(std::move(referrer));
    }
    plan.from = outcome.from;
    plan.to = outcome.converted ? outcome.to : outcome.from;
    plan.converted = outcome.converted;
    plan.reason = outcome.reason;
    plan.notes = outcome.notes;
    if (outcome.converted) {
        plan.new_digest = outcome.new_digest;
        plan.new_size = outcome.new_size;
        point_at_new_blob(descriptor, outcome.new_digest, alloc);
        // A descriptor that states an artifactType keeps stating the manifest's; one that
        // does not (what Spin and most layout writers produce) is left so, which keeps
        // both round trips byte-exact.
        if (find_member(descriptor, "artifactType")) {
            if (outcome.artifact_type) {
                set_string(descriptor, "artifactType", *outcome.artifact_type, alloc);
            } else {
                remove_member(descriptor, "artifactType");
            }
        }
        changed = true;
    }
    result_.manifests.push_back(std::move(plan));
    return Status::ok();
}

// Points a descriptor at a blob this conversion made: digest, size, and the embedded `data`
// when the descriptor carries one.
void Converter::point_at_new_blob(Value& descriptor, const std::string& digest,
                                  JsonAllocator& alloc) const {
    const std::string& bytes = new_blobs_.at(digest);
    set_string(descriptor, "digest", digest, alloc);
    set_member(descriptor, "size", Value(static_cast<std::uint64_t>(bytes.size())), alloc);
    if (find_member(descriptor, "data")) {
        set_string(descriptor, "data", encode_base64(bytes), alloc);
    }
}
// Whether the image config of a container image names architecture wasm (wasm_formats.h): the
// format convert reports is the one validate and inspect detect.
bool Converter::config_says_wasm(const rapidjson::Value& manifest) {
    if (detect_format(manifest) != ManifestFormat::oci_image) return false;
    const rapidjson::Value* config = find_member(manifest, "config");
    auto digest = config != nullptr ? string_member(*config, "digest") : std::nullopt;
    std::string bytes;
    rapidjson::Document doc;
    if (!digest || !scan_.find(*digest) ||
        !content(std::string(*digest), bytes, kMaxDocumentSize) ||
        !detail::parse_json_exact(bytes, doc, nullptr) || !doc.IsObject()) {
        return false;
    }
    return string_member(doc, "architecture") == detail::kWasmArchitecture;
}

Status Converter::convert_manifest(const std::string& digest, bool in_scope, ManifestOutcome& out) {
    std::string key = digest + (in_scope ? "+" : "-");
    if (auto it = manifest_memo_.find(key); it != manifest_memo_.end()) {
        out = it->second;
        return Status::ok();
    }
    ManifestOutcome outcome;
    std::string bytes;
    rapidjson::Document manifest;
    if (!scan_.find(digest)) {
        outcome.reason = "blob not in the layout";
    } else if (Status status = content(digest, bytes, kMaxDocumentSize); !status) {
        return status;
    } else if (!detail::parse_json_exact(bytes, manifest, nullptr)) {
        outcome.reason = "not JSON";
    } else {
        outcome.referrer = referrer_of(manifest);
        outcome.from = detect_format(manifest, config_says_wasm(manifest));
        bool to_new_format = options_.target == ConvertTarget::new_format;
        ManifestFormat convertible =
            to_new_format ? ManifestFormat::spin_v1_config : ManifestFormat::spin_oci_layer;
        ManifestFormat target =
            to_new_format ? ManifestFormat::spin_oci_layer : ManifestFormat::spin_v1_config;
        if (outcome.from == target) {
            outcome.reason = "already " + std::string(format_name(target));
        } else if (outcome.from != convertible) {
            outcome.reason = "not a Spin app";
        } else if (!in_scope) {
            outcome.reason = "ref name is not " + quoted(options_.ref_name);
        } else {
            outcome.to = target;
            std::string file = blob_path(digest);
            // Listed before the conversion edits the manifest, refused after it has said what
            // it could (more precisely) about the same descriptors.
            std::vector<MissingBlob> missing = missing_blobs(manifest);
            std::size_t first_finding = result_.findings.size();
            Status status =
                to_new_format ? to_new(manifest, file, outcome) : to_old(manifest, file, outcome);
            if (!status) return status;
            if (!options_.allow_missing_blobs &&
                refuse_missing_blobs(missing, file, first_finding)) {
                ManifestOutcome refused;
                refused.from = outcome.from;
                refused.to = target;
                outcome = std::move(refused);
            }
        }
    }
    manifest_memo_.emplace(key, outcome);
    out = std::move(outcome);
    return Status::ok();
}

std::vector<Converter::MissingBlob> Converter::missing_blobs(const Value& manifest) const {
    std::vector<MissingBlob> missing;
    auto check = [&](const Value& descriptor, std::string pointer) {
        auto digest = string_member(descriptor, "digest");
        if (digest && !has_blob(std::string(*digest))) {
            missing.push_back({std::move(pointer), std::string(*digest)});
        }
    };
    if (const Value* config = find_member(manifest, "config")) check(*config, "/config");
    if (const Value* layers = find_member(manifest, "layers"); layers && layers->IsArray()) {
        for (rapidjson::SizeType i = 0; i < layers->Size(); ++i) {
            check((*layers)[i], pointer_join("/layers", i));
        }
    }
    return missing;
}

// The validator only warns about a missing blob (OCI-BLOB-MISSING: a layout may hold part of
// what it references), but a converted Spin app without its config or a layer cannot run, and
// the output would vouch for it: refused unless options_.allow_missing_blobs.
bool Converter::refuse_missing_blobs(const std::vector<MissingBlob>& missing,
                                     const std::string& file, std::size_t first_finding) {
    std::set<std::string> refused_already;
    std::size_t index = 0;
    result_.findings.for_each([&](const Finding& finding) {
        if (index++ >= first_finding && finding.severity == Severity::error &&
            finding.file == file) {
            refused_already.insert(finding.pointer);
        }
    });
    bool refused = false;
    for (const MissingBlob& blob : missing) {
        refused = true;
        if (refused_already.contains(blob.pointer)) continue;
        refuse(codes::kConvertBlobMissing,
               "expected blob " + blob_path(blob.digest) +
                   " of this Spin app in the layout, found none; converting it would give an "
                   "app that cannot run (--allow-missing-blobs converts it anyway)",
               file, blob.pointer);
    }
    return refused;
}

Status Converter::stream_input_blob(LayoutSink& sink, const BlobRecord& record) {
    if (!source_.can_reread()) {
        return Status::unreadable(source_.name() + ": " + record.path() + " (" +
                                  std::to_string(record.size) +
                                  " bytes) was neither kept nor copied during the pass, and the "
                                  "input is a stream that cannot be read again");
    }
    std::optional<StreamHasher> hasher;
    if (record.hashed()) hasher.emplace(record.algorithm());
    if (Status status = sink.begin_blob(record.path(), record.size); !status) return status;
    Status status = source_.read_blob(record.path(), [&](const char* data, std::size_t size) {
        if (hasher) hasher->update(data, size);
        return sink.blob_data(data, size);
    });
    if (!status) return status;
    if (hasher && hasher->finish_hex() != record.computed()) {
        return Status::io_error(source_.name() + ": " + record.path() +
                                " changed since it was scanned; expected digest " +
                                record.digest());
    }
    return sink.end_blob();
}

Status Converter::stream_archive_members(LayoutSink& sink, const std::string& archive_digest,
                                         const std::set<std::string>& digests) {
    const ArchiveMembers& archive = archives_.at(archive_digest);
    std::map<std::size_t, const ArchiveMember*> wanted;  // entry -> member
    std::set<std::size_t> entries;
    for (const auto& digest : digests) {
        const ArchiveMember* member = archive.listing.with_digest(digest);
        wanted.emplace(member->entry, member);
        entries.insert(member->entry);
    }
    std::optional<StreamHasher> hasher;
    Status status = read_archive_entries(
        archive.bytes, entries, [&](std::size_t entry, const char* data, std::size_t size) {
            const ArchiveMember& member = *wanted.at(entry);
            if (!hasher) {
                hasher.emplace("sha256");
                if (Status begun = sink.begin_blob(blob_path(member.digest), member.size); !begun) {
                    return begun;
                }
            }
            if (data != nullptr) {
                hasher->update(data, size);
                return sink.blob_data(data, size);
            }
            bool same = "sha256:" + hasher->finish_hex() == member.digest;
            hasher.reset();
            if (!same) {
                return Status::io_error(source_.name() + ": " + blob_path(archive_digest) +
                                        ": member " + member.name + " changed while expanding it");
            }
            return sink.end_blob();
        });
    if (!status && status.code() == Status::Code::invalid) {
        return Status::io_error(source_.name() + ": " + blob_path(archive_digest) + ": " +
                                status.message());
    }
    return status;
}

Status Converter::write(LayoutSink& sink, const std::set<std::string>& streamed) {
    std::map<std::string, std::set<std::string>> from_archives;
    for (const auto& digest : output_blobs_) {
        if (streamed.contains(digest)) continue;
        if (auto it = new_blobs_.find(digest); it != new_blobs_.end()) {
            if (Status status = sink.put_file(blob_path(digest), it->second); !status) {
                return status;
            }
            continue;
        }
        const BlobRecord* record = scan_.find(digest);
        if (record == nullptr) continue;
        if (record->content) {
            if (Status status = sink.put_file(record->path(), *record->content); !status) {
                return status;
            }
        } else if (Status status = stream_input_blob(sink, *record); !status) {
            return status;
        }
    }
    for (const auto& [digest, archive] : archive_member_source_) {
        if (!scan_.find(digest) && !new_blobs_.contains(digest)) {
            from_archives[archive].insert(digest);
        }
    }
    for (const auto& [archive, digests] : from_archives) {
        if (Status status = stream_archive_members(sink, archive, digests); !status) {
            return status;
        }
    }
    if (scan_.oci_layout) {
        if (Status status = sink.put_file("oci-layout", *scan_.oci_layout); !status) {
            return status;
        }
    }
    return sink.put_file("index.json", new_index_json_ ? *new_index_json_ : *scan_.index_json);
}
}  // namespace detail

Status convert_layout(LayoutSource& source, LayoutSink* sink, const ConvertOptions& options,
                      ConvertResult& result) {
    result = ConvertResult();
    auto fail = [&sink](Status status) {
        if (sink != nullptr) sink->abort();
        return status;
    };
    std::optional<detail::SinkCopier> copier;
    ScanOptions scan_options;
    scan_options.verify = true;
    scan_options.keep_limit = options.keep_limit;
    scan_options.progress = options.progress;
    if (sink != nullptr) {
        copier.emplace(*sink, scan_options, source.name());
        scan_options.observer = &*copier;
    }
    LayoutScan scan;
    Status scanned = source.scan(scan_options, scan);
    if (copier) copier->stop();
    if (!scanned) return fail(scanned);

    ValidationResult validation;
    ValidateOptions validate_options;
    validate_options.verify_blobs = true;
    validate_scan(source, scan, validate_options, validation);
    if (validation.findings.has_errors()) {
        result.findings = std::move(validation.findings);
        // A blob the scan saw and a second read could not: the input failed, not its content.
        std::string unreadable;
        result.findings.visit([&](const Finding& finding) {
            if (finding.code != codes::kOciBlobUnreadable) return true;
            unreadable = finding.message;
            return false;
        });
        if (!unreadable.empty()) return fail(Status::io_error(source.name() + ": " + unreadable));
        return fail(Status::invalid(source.name() + ": the input is not a valid layout (" +
                                    std::to_string(result.findings.count(Severity::error)) +
                                    " error(s)); nothing converted"));
    }
    // Warnings are the user's to see (a missing blob above all); info findings are not.
    validation.findings.for_each([&](const Finding& finding) {
        if (finding.severity == Severity::warning) result.findings.add(finding);
    });

    detail::Converter converter(source, scan, options, result);
    if (Status status = converter.plan(copier ? &copier->streamed() : nullptr); !status) {
        return fail(status);
    }
    if (sink == nullptr) return Status::ok();
    if (Status status = converter.write(*sink, copier->streamed()); !status) {
        return fail(status);
    }
    if (Status status = sink->commit(); !status) return fail(status);
    result.written = true;
    return Status::ok();
}

}  // namespace ociwasm
