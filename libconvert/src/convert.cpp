// Spin app conversion between the old (config-as-lockfile) and new (lockfile-layer) OCI formats.
// One pass over the input: large blobs stream straight into the sink while the input is read;
// the small documents (index, manifests, configs, lockfiles) are transformed in memory after the
// input has been validated, then written with index.json and oci-layout at commit.
#include "ociwasm/convert.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "archive_layer.h"
#include "layout_source_internal.h"
#include "ociwasm/digest.h"
#include "ociwasm/json.h"
#include "ociwasm/validate.h"
#include "text.h"
#include "validate_internal.h"

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

namespace {

using rapidjson::Value;
using Allocator = rapidjson::Document::AllocatorType;

using detail::blob_path;
using detail::kMaxIndexDepth;
using detail::quoted;

std::string_view view(const Value& value) {
    return {value.GetString(), value.GetStringLength()};
}

Value string_ref(std::string_view text) {
    return Value(rapidjson::StringRef(text.data(), static_cast<rapidjson::SizeType>(text.size())));
}

Value* find(Value& object, std::string_view name) {
    if (!object.IsObject()) return nullptr;
    auto it = object.FindMember(string_ref(name));
    return it == object.MemberEnd() ? nullptr : &it->value;
}

const Value* find(const Value& object, std::string_view name) {
    if (!object.IsObject()) return nullptr;
    auto it = object.FindMember(string_ref(name));
    return it == object.MemberEnd() ? nullptr : &it->value;
}

std::optional<std::string> string_at(const Value& object, std::string_view name) {
    const Value* value = find(object, name);
    if (value == nullptr || !value->IsString()) return std::nullopt;
    return std::string(view(*value));
}

void set_member(Value& object, std::string_view name, Value value, Allocator& alloc) {
    if (Value* existing = find(object, name)) {
        *existing = std::move(value);
        return;
    }
    object.AddMember(Value(name.data(), static_cast<rapidjson::SizeType>(name.size()), alloc),
                     std::move(value), alloc);
}

void set_string(Value& object, std::string_view name, std::string_view text, Allocator& alloc) {
    set_member(object, name,
               Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), alloc), alloc);
}

bool remove_member(Value& object, std::string_view name) {
    return object.IsObject() && object.RemoveMember(string_ref(name));
}

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

// Copies every blob larger than the keep limit into the sink while the input streams by, so
// large layers are read once and never held in memory. The sink's writes run on a second thread
// so that they overlap with reading and hashing on this one; at most kQueuedChunks chunks are in
// flight. Only one thread uses the sink at a time: begin and end wait for the queue to drain.
class SinkCopier : public BlobObserver {
  public:
    SinkCopier(LayoutSink& sink, const ScanOptions& options)
        : sink_(sink), keep_limit_(options.keep_limit), kept_budget_(options.kept_budget) {}
    ~SinkCopier() override { stop(); }
    SinkCopier(const SinkCopier&) = delete;
    SinkCopier& operator=(const SinkCopier&) = delete;

    bool begin_blob(const BlobRecord& blob, std::uint64_t size) override {
        if (streamed_.contains(blob.digest())) return false;
        // Small blobs stay in the scan until its kept budget is spent; past it they would be
        // neither kept nor copied, so they are copied now.
        if (size <= keep_limit_ && kept_ + size <= kept_budget_) {
            kept_ += size;
            return false;
        }
        start_writer();
        drain();
        if (status_) status_ = sink_.begin_blob(blob.path, size);
        return true;
    }

    Status blob_data(const char* data, std::size_t size) override {
        if (!status_) return status_;
        if (!writer_.joinable()) {
            status_ = sink_.blob_data(data, size);
            return status_;
        }
        std::unique_lock lock(mutex_);
        space_.wait(lock, [this] { return queue_.size() < kQueuedChunks || !writer_status_; });
        if (!writer_status_) {
            status_ = writer_status_;
            return status_;
        }
        std::string chunk;
        if (!spare_.empty()) {
            chunk = std::move(spare_.back());
            spare_.pop_back();
        }
        lock.unlock();
        chunk.assign(data, size);
        lock.lock();
        queue_.push_back(std::move(chunk));
        lock.unlock();
        work_.notify_one();
        return status_;
    }

    Status end_blob(const BlobRecord& blob) override {
        drain();
        if (!status_) return status_;
        status_ = sink_.end_blob();
        if (status_) streamed_.insert(blob.digest());
        return status_;
    }

    const std::set<std::string>& streamed() const { return streamed_; }

    // Ends the writer thread, dropping what is still queued (only a failed pass leaves any), so
    // that the caller may use (or abort) the sink again.
    void stop() {
        if (!writer_.joinable()) return;
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
            queue_.clear();
        }
        work_.notify_all();
        writer_.join();
    }

  private:
    static constexpr std::size_t kQueuedChunks = 4;

    void start_writer() {
        if (writer_.joinable() || writer_failed_to_start_ || stopping_) return;
        try {
            writer_ = std::thread([this] { write_chunks(); });
        } catch (const std::exception&) {
            writer_failed_to_start_ = true;  // writes then happen on this thread
        }
    }

    // Waits until the writer has written everything queued; takes over its error, if any.
    void drain() {
        if (!writer_.joinable()) return;
        std::unique_lock lock(mutex_);
        space_.wait(lock, [this] { return queue_.empty() && !writing_; });
        if (status_ && !writer_status_) status_ = writer_status_;
    }

    void write_chunks() {
        std::unique_lock lock(mutex_);
        while (true) {
            work_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;
            std::string chunk = std::move(queue_.front());
            queue_.pop_front();
            writing_ = true;
            bool failed = !writer_status_;
            lock.unlock();
            Status status = failed ? Status::ok() : sink_.blob_data(chunk.data(), chunk.size());
            lock.lock();
            writing_ = false;
            if (!status) writer_status_ = status;
            if (spare_.size() < kQueuedChunks) spare_.push_back(std::move(chunk));
            space_.notify_all();
        }
    }

    LayoutSink& sink_;
    std::uint64_t keep_limit_;
    std::uint64_t kept_budget_;
    std::uint64_t kept_ = 0;
    Status status_;  // this thread's view; the writer's error is taken over at the next call
    std::set<std::string> streamed_;

    std::thread writer_;
    bool writer_failed_to_start_ = false;
    std::mutex mutex_;
    std::condition_variable work_;   // the writer waits for chunks
    std::condition_variable space_;  // this thread waits for room, or for the queue to drain
    std::deque<std::string> queue_;
    std::vector<std::string> spare_;  // written chunks, reused to avoid reallocating
    bool writing_ = false;
    bool stopping_ = false;
    Status writer_status_;
};

// An archive layer held in memory, with its members (archive_layer.h).
struct ArchiveMembers {
    std::string bytes;
    detail::ArchiveListing listing;
};

// Collects every string member named "digest" in a lockfile: the content the app references.
void collect_lockfile_digests(const Value& value, std::set<std::string>& out) {
    if (value.IsObject()) {
        for (const auto& m : value.GetObject()) {
            if (view(m.name) == "digest" && m.value.IsString()) {
                out.emplace(view(m.value));
            } else {
                collect_lockfile_digests(m.value, out);
            }
        }
    } else if (value.IsArray()) {
        for (const auto& item : value.GetArray()) collect_lockfile_digests(item, out);
    }
}

// The digests a Spin runtime actually resolves: component files and component/dependency
// sources. Digests elsewhere (unknown members) name nothing the runtime would fetch.
void collect_content_digests(const Value& lockfile, std::set<std::string>& out) {
    auto add = [&out](const Value& ref) {
        if (!ref.IsObject()) return;
        if (auto it = ref.FindMember("digest"); it != ref.MemberEnd() && it->value.IsString()) {
            out.emplace(view(it->value));
        }
    };
    if (!lockfile.IsObject()) return;
    auto components = lockfile.FindMember("components");
    if (components == lockfile.MemberEnd() || !components->value.IsArray()) return;
    for (const auto& component : components->value.GetArray()) {
        if (!component.IsObject()) continue;
        if (auto source = component.FindMember("source"); source != component.MemberEnd()) {
            add(source->value);
        }
        if (auto files = component.FindMember("files");
            files != component.MemberEnd() && files->value.IsArray()) {
            for (const auto& file : files->value.GetArray()) add(file);
        }
        if (auto deps = component.FindMember("dependencies");
            deps != component.MemberEnd() && deps->value.IsObject()) {
            for (const auto& dep : deps->value.GetObject()) {
                if (!dep.value.IsObject()) continue;
                if (auto source = dep.value.FindMember("source"); source != dep.value.MemberEnd()) {
                    add(source->value);
                }
            }
        }
    }
}

bool is_empty_container(const Value& value) {
    return (value.IsObject() && value.MemberCount() == 0) || (value.IsArray() && value.Empty()) ||
           value.IsNull();
}

// Whether the image config of a new-format app holds nothing that converting back would not
// write again (what Spin writes, or its 2.0-2.3 shape without the label). `why` lists the rest.
bool image_config_is_regenerable(const Value& config, const std::string& lockfile_digest,
                                 std::vector<std::string>& why) {
    if (!config.IsObject()) {
        why.push_back("the config is not a JSON object");
        return false;
    }
    for (const auto& m : config.GetObject()) {
        std::string_view name = view(m.name);
        const Value& value = m.value;
        if (value.IsNull()) continue;
        if (name == "architecture" || name == "os") {
            std::string_view expected = name == "architecture" ? "wasm" : "wasip1";
            if (!value.IsString() || view(value) != expected) {
                why.push_back(std::string(name) + " " + write_canonical(value) + " becomes " +
                              quoted(expected));
            }
        } else if (name == "rootfs") {
            bool ok = value.IsObject();
            if (ok) {
                for (const auto& field : value.GetObject()) {
                    std::string_view field_name = view(field.name);
                    if (field_name == "type") {
                        ok = ok && field.value.IsString() && view(field.value) == "layers";
                    } else if (field_name == "diff_ids") {
                        ok = ok && field.value.IsArray() && field.value.Empty();
                    } else {
                        ok = ok && field.value.IsNull();
                    }
                }
            }
            if (!ok) why.push_back("rootfs " + write_canonical(value) + " is dropped");
        } else if (name == "config") {
            if (!value.IsObject()) {
                why.push_back("config " + write_canonical(value) + " is dropped");
                continue;
            }
            for (const auto& field : value.GetObject()) {
                if (field.value.IsNull()) continue;
                if (view(field.name) != "Labels" || !field.value.IsObject()) {
                    why.push_back("config." + std::string(view(field.name)) + " is dropped");
                    continue;
                }
                for (const auto& label : field.value.GetObject()) {
                    bool ours = view(label.name) == media::kLockedAppDigestLabel &&
                                label.value.IsString() && view(label.value) == lockfile_digest;
                    if (!ours) {
                        why.push_back("label " + quoted(view(label.name)) + " " +
                                      write_canonical(label.value) + " is dropped");
                    }
                }
            }
        } else {
            why.push_back(quoted(name) + " is dropped");
        }
    }
    return why.empty();
}

struct ManifestOutcome {
    bool converted = false;
    ManifestFormat from = ManifestFormat::unknown;
    ManifestFormat to = ManifestFormat::unknown;
    std::string reason;
    std::string new_digest;
    std::uint64_t new_size = 0;
    std::optional<std::string> artifact_type;  // of the converted manifest
    std::vector<std::string> notes;
};

// A problem converting to the old format would mean: refused, or applied with allow_lossy.
struct LossyChange {
    std::string code;
    std::string file;
    std::string pointer;
    std::string message;
};

class Converter {
  public:
    Converter(LayoutSource& source, const LayoutScan& scan, const ConvertOptions& options,
              ConvertResult& result)
        : source_(source), scan_(scan), options_(options), result_(result) {}

    // `streamed`: the blobs already copied into the sink during the pass (null for a dry run,
    // which assumes every blob above the keep limit would have been).
    Status plan(const std::set<std::string>* streamed);
    bool refused() const { return refused_; }
    Status write(LayoutSink& sink, const std::set<std::string>& streamed);

  private:
    Status walk_index(Value& index, Allocator& alloc, const std::string& file, bool top_level,
                      bool in_scope, std::size_t depth, bool& changed);
    Status convert_manifest(const std::string& digest, bool in_scope, ManifestOutcome& out);
    Status to_new(rapidjson::Document& manifest, const std::string& file, ManifestOutcome& out);
    Status to_old(rapidjson::Document& manifest, const std::string& file, ManifestOutcome& out);
    void refuse(std::string code, std::string message, std::string file, std::string pointer);

    // Bytes of a blob: one this conversion made, or the input's (kept or re-read).
    Status content(const std::string& digest, std::string& out, std::size_t max_size);
    bool has_blob(const std::string& digest) const {
        return new_blobs_.contains(digest) || scan_.find(digest) != nullptr;
    }
    std::string add_blob(std::string bytes);
    Status load_archive(const std::string& digest, ArchiveMembers*& out);

    // Digests reachable from an index document, following nested indexes and subjects through
    // the documents held in memory.
    void collect_reachable(const Value& document, bool output, std::size_t depth,
                           std::set<std::string>& out) const;
    void reach(const std::string& digest, bool follow, bool output, std::size_t depth,
               std::set<std::string>& out) const;

    Status stream_input_blob(LayoutSink& sink, const BlobRecord& record);
    Status stream_archive_members(LayoutSink& sink, const std::string& archive_digest,
                                  const std::set<std::string>& digests);

    LayoutSource& source_;
    const LayoutScan& scan_;
    const ConvertOptions& options_;
    ConvertResult& result_;

    bool refused_ = false;
    bool ref_found_ = false;
    detail::NestedIndexGuard visiting_;
    std::map<std::string, ManifestOutcome> manifest_memo_;
    std::map<std::string, std::pair<std::string, bool>> index_memo_;  // key -> (digest, changed)
    std::map<std::string, std::string> new_blobs_;                    // digest -> bytes
    std::map<std::string, std::string> archive_member_source_;        // new digest -> archive
    std::map<std::string, ArchiveMembers> archives_;
    std::optional<std::string> new_index_json_;
    std::set<std::string> output_blobs_;
};

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
    if (Status status = content(digest, members.bytes, detail::kMaxArchiveSize); !status) {
        return status;
    }
    members.listing = detail::list_archive_layer(members.bytes);
    if (!members.listing.readable) {
        return Status::invalid(source_.name() + ": " + blob_path(digest) +
                               ": expected a readable tar.gz archive layer, found: " +
                               members.listing.problem);
    }
    out = &archives_.emplace(digest, std::move(members)).first->second;
    return Status::ok();
}

Status Converter::plan(const std::set<std::string>* streamed) {
    if (!scan_.index_json) return Status::invalid(source_.name() + ": index.json is missing");
    rapidjson::Document index;
    JsonError error;
    if (!parse_json(*scan_.index_json, index, &error)) {
        return Status::invalid(source_.name() + ": index.json: " + error.message);
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
        std::string message = "no index.json descriptor has ref name " + quoted(options_.ref_name) +
                              "; found " + (found.empty() ? std::string("none") : found);
        refuse("CONVERT-REF-NOT-FOUND", message, "index.json", "/manifests");
        return Status::invalid(source_.name() + ": " + message);
    }
    if (refused_) {
        return Status::invalid(source_.name() + ": conversion refused: " +
                               std::to_string(result_.findings.count(Severity::error)) +
                               " problem(s); nothing written");
    }
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
    for (const auto& [digest, record] : scan_.blobs) {
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
                      std::set<std::string>& out) const {
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
    collect_reachable(doc, output, depth + 1, out);
}

void Converter::collect_reachable(const Value& document, bool output, std::size_t depth,
                                  std::set<std::string>& out) const {
    if (!document.IsObject()) return;
    for (std::string_view list : {"manifests", "layers", "blobs"}) {
        const Value* items = find(document, list);
        if (items == nullptr || !items->IsArray()) continue;
        for (const auto& descriptor : items->GetArray()) {
            if (auto digest = string_at(descriptor, "digest")) {
                reach(*digest, list == "manifests", output, depth, out);
            }
        }
    }
    for (std::string_view single : {"config", "subject"}) {
        const Value* descriptor = find(document, single);
        if (descriptor == nullptr) continue;
        if (auto digest = string_at(*descriptor, "digest")) {
            reach(*digest, single == "subject", output, depth, out);
        }
    }
}

Status Converter::walk_index(Value& index, Allocator& alloc, const std::string& file,
                             bool top_level, bool in_scope, std::size_t depth, bool& changed) {
    changed = false;
    Value* manifests = find(index, "manifests");
    if (manifests == nullptr || !manifests->IsArray()) return Status::ok();
    for (rapidjson::SizeType i = 0; i < manifests->Size(); ++i) {
        Value& descriptor = (*manifests)[i];
        auto digest = string_at(descriptor, "digest");
        if (!digest) continue;
        std::string pointer = pointer_join("/manifests", i);
        std::string ref;
        bool scope = in_scope;
        if (top_level) {
            ref = std::string(detail::ref_name_of(descriptor).value_or(""));
            if (!options_.ref_name.empty()) {
                scope = ref == options_.ref_name;
                ref_found_ = ref_found_ || scope;
            }
        }
        std::string media_type = string_at(descriptor, "mediaType").value_or("");

        if (detail::is_index_type(media_type)) {
            // Too deep or a cycle: left as it is (validation reports both).
            if (visiting_.enter(*digest, depth + 1) != detail::NestedIndexGuard::Entry::entered) {
                continue;
            }
            visiting_.leave(*digest);
            std::string key = *digest + (scope ? "+" : "-");
            auto memo = index_memo_.find(key);
            if (memo == index_memo_.end()) {
                std::string bytes;
                rapidjson::Document nested;
                if (!scan_.find(*digest) || !content(*digest, bytes, detail::kMaxDocumentSize) ||
                    !parse_json(bytes, nested, nullptr)) {
                    continue;  // missing or unreadable: left as it is (validation says why)
                }
                visiting_.enter(*digest, depth + 1);
                bool nested_changed = false;
                Status status = walk_index(nested, nested.GetAllocator(), blob_path(*digest), false,
                                           scope, depth + 1, nested_changed);
                visiting_.leave(*digest);
                if (!status) return status;
                std::string new_digest = *digest;
                if (nested_changed) new_digest = add_blob(write_canonical(nested));
                memo = index_memo_.emplace(key, std::make_pair(new_digest, nested_changed)).first;
            }
            if (memo->second.second) {
                const std::string& new_digest = memo->second.first;
                const std::string& bytes = new_blobs_.at(new_digest);
                set_string(descriptor, "digest", new_digest, alloc);
                set_member(descriptor, "size", Value(static_cast<std::uint64_t>(bytes.size())),
                           alloc);
                if (find(descriptor, "data")) {
                    set_string(descriptor, "data", encode_base64(bytes), alloc);
                }
                changed = true;
            }
            continue;
        }

        ManifestPlan plan;
        plan.location = file + "#" + pointer;
        plan.ref_name = ref;
        plan.old_digest = *digest;
        plan.new_digest = *digest;
        if (const Value* size = find(descriptor, "size"); size && size->IsUint64()) {
            plan.old_size = size->GetUint64();
        } else if (const BlobRecord* record = scan_.find(*digest)) {
            plan.old_size = record->size;
        }
        plan.new_size = plan.old_size;
        ManifestOutcome outcome;
        if (Status status = convert_manifest(*digest, scope, outcome); !status) return status;
        plan.from = outcome.from;
        plan.to = outcome.converted ? outcome.to : outcome.from;
        plan.converted = outcome.converted;
        plan.reason = outcome.reason;
        plan.notes = outcome.notes;
        if (outcome.converted) {
            plan.new_digest = outcome.new_digest;
            plan.new_size = outcome.new_size;
            set_string(descriptor, "digest", outcome.new_digest, alloc);
            set_member(descriptor, "size", Value(outcome.new_size), alloc);
            if (find(descriptor, "data")) {
                set_string(descriptor, "data", encode_base64(new_blobs_.at(outcome.new_digest)),
                           alloc);
            }
            // A descriptor that states an artifactType keeps stating the manifest's; one that
            // does not (what Spin and most layout writers produce) is left so, which keeps
            // both round trips byte-exact.
            if (find(descriptor, "artifactType")) {
                if (outcome.artifact_type) {
                    set_string(descriptor, "artifactType", *outcome.artifact_type, alloc);
                } else {
                    remove_member(descriptor, "artifactType");
                }
            }
            changed = true;
        }
        result_.manifests.push_back(std::move(plan));
    }
    return Status::ok();
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
    } else if (Status status = content(digest, bytes, detail::kMaxDocumentSize); !status) {
        return status;
    } else if (!parse_json(bytes, manifest, nullptr)) {
        outcome.reason = "not JSON";
    } else {
        outcome.from = detect_format(manifest);
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
            Status status =
                to_new_format ? to_new(manifest, file, outcome) : to_old(manifest, file, outcome);
            if (!status) return status;
        }
    }
    manifest_memo_.emplace(key, outcome);
    out = std::move(outcome);
    return Status::ok();
}

Status Converter::to_new(rapidjson::Document& manifest, const std::string& file,
                         ManifestOutcome& out) {
    Allocator& alloc = manifest.GetAllocator();
    Value* config = find(manifest, "config");
    Value* layers = find(manifest, "layers");
    auto lockfile_digest = config ? string_at(*config, "digest") : std::nullopt;
    if (!lockfile_digest || layers == nullptr || !layers->IsArray()) {
        refuse("CONVERT-LOCKFILE-LAYERS",
               "expected a config descriptor with a digest and a layers array, found neither", file,
               "");
        return Status::ok();
    }
    for (rapidjson::SizeType i = 0; i < layers->Size(); ++i) {
        if (string_at((*layers)[i], "mediaType") == media::kSpinLockfile) {
            refuse("CONVERT-LOCKFILE-LAYERS",
                   "the config blob is the lockfile, and this layer is a lockfile too; expected "
                   "no lockfile layer in the old format, found one",
                   file, pointer_join("/layers", i));
            return Status::ok();
        }
    }
    std::string config_digest = add_blob(spin_image_config(*lockfile_digest));

    // The lockfile descriptor moves as it is: same mediaType, digest, size (and any extras).
    Value lockfile_layer(*config, alloc);
    layers->PushBack(lockfile_layer, alloc);
    Value image_config(rapidjson::kObjectType);
    set_string(image_config, "mediaType", media::kOciConfig, alloc);
    set_string(image_config, "digest", config_digest, alloc);
    set_member(image_config, "size",
               Value(static_cast<std::uint64_t>(new_blobs_.at(config_digest).size())), alloc);
    *config = image_config;
    if (options_.artifact_type) {
        set_string(manifest, "artifactType", *options_.artifact_type, alloc);
    } else {
        remove_member(manifest, "artifactType");
    }
    out.artifact_type = options_.artifact_type;

    std::string bytes = write_canonical(manifest);
    out.new_size = bytes.size();
    out.new_digest = add_blob(std::move(bytes));
    out.converted = true;
    return Status::ok();
}

Status Converter::to_old(rapidjson::Document& manifest, const std::string& file,
                         ManifestOutcome& out) {
    Allocator& alloc = manifest.GetAllocator();
    Value* layers = find(manifest, "layers");
    Value* config = find(manifest, "config");
    std::vector<rapidjson::SizeType> lockfile_layers;
    for (rapidjson::SizeType i = 0; layers && layers->IsArray() && i < layers->Size(); ++i) {
        if (string_at((*layers)[i], "mediaType") == media::kSpinLockfile) {
            lockfile_layers.push_back(i);
        }
    }
    if (lockfile_layers.size() != 1 || config == nullptr || !config->IsObject()) {
        refuse("CONVERT-LOCKFILE-LAYERS",
               "expected exactly one lockfile layer and a config descriptor, found " +
                   std::to_string(lockfile_layers.size()) + " lockfile layers",
               file, "/layers");
        return Status::ok();
    }
    const rapidjson::SizeType lockfile_index = lockfile_layers.front();
    std::string lockfile_digest = string_at((*layers)[lockfile_index], "digest").value_or("");
    std::string lockfile_file = blob_path(lockfile_digest);
    std::string lockfile_bytes;
    rapidjson::Document lockfile;
    if (!scan_.find(lockfile_digest)) {
        refuse("CONVERT-LOCKFILE-LAYERS",
               "the lockfile layer " + lockfile_digest +
                   " is not in the layout; expected it, "
                   "since it becomes the config blob",
               file, pointer_join("/layers", lockfile_index));
        return Status::ok();
    }
    if (Status status = content(lockfile_digest, lockfile_bytes, detail::kMaxDocumentSize);
        !status) {
        return status;
    }
    if (JsonError error; !parse_json(lockfile_bytes, lockfile, &error) || !lockfile.IsObject()) {
        refuse("CONVERT-LOCKFILE-LAYERS",
               "expected a JSON object lockfile, found: " +
                   (error.message.empty() ? "not an object" : error.message),
               lockfile_file, error.pointer);
        return Status::ok();
    }

    std::vector<LossyChange> lossy;
    bool lockfile_changed = false;

    // The image config is dropped; converting back regenerates it from the lockfile digest.
    std::string config_digest = string_at(*config, "digest").value_or("");
    std::string config_type = string_at(*config, "mediaType").value_or("");
    if (scan_.find(config_digest)) {
        std::string config_bytes;
        if (Status status = content(config_digest, config_bytes, detail::kMaxDocumentSize);
            !status) {
            return status;
        }
        std::vector<std::string> why;
        rapidjson::Document image_config;
        if (config_type != media::kOciConfig) {
            why.push_back("its media type " + quoted(config_type) + " becomes " +
                          quoted(media::kOciConfig));
        } else if (!parse_json(config_bytes, image_config, nullptr)) {
            why.push_back("it is not JSON");
        } else {
            image_config_is_regenerable(image_config, lockfile_digest, why);
        }
        if (!why.empty()) {
            std::string message =
                "the old format has no image config, so this one is dropped "
                "and converting back writes the standard one: ";
            for (std::size_t i = 0; i < why.size(); ++i) message += (i ? "; " : "") + why[i];
            lossy.push_back({"CONVERT-LOSSY-IMAGE-CONFIG", blob_path(config_digest), "", message});
        }
    }

    // Lockfile features Spin 1.x does not know: it would silently ignore them.
    if (const Value* version = find(lockfile, "spin_lock_version");
        version && version->IsInt() && version->GetInt() != 0) {
        lossy.push_back({"CONVERT-LOSSY-LOCK-VERSION", lockfile_file, "/spin_lock_version",
                         "spin_lock_version is " + std::to_string(version->GetInt()) +
                             "; Spin 1.x reads only 0, so it becomes 0"});
    }
    if (const Value* must = find(lockfile, "must_understand"); must && !is_empty_container(*must)) {
        lossy.push_back({"CONVERT-LOSSY-LOCK-VERSION", lockfile_file, "/must_understand",
                         "must_understand " + write_canonical(*must) +
                             " is not understood by Spin 1.x and is dropped"});
    }
    if (const Value* host = find(lockfile, "host_requirements");
        host && !is_empty_container(*host)) {
        lossy.push_back({"CONVERT-LOSSY-HOST-REQUIREMENTS", lockfile_file, "/host_requirements",
                         "host_requirements " + write_canonical(*host) +
                             " cannot be expressed for Spin 1.x and is dropped"});
    }
    if (const Value* triggers = find(lockfile, "triggers"); triggers && triggers->IsArray()) {
        for (rapidjson::SizeType t = 0; t < triggers->Size(); ++t) {
            const Value* deps = find((*triggers)[t], "trigger_dependencies");
            if (deps && !is_empty_container(*deps)) {
                lossy.push_back({"CONVERT-LOSSY-TRIGGER-DEPENDENCIES", lockfile_file,
                                 pointer_join(pointer_join("/triggers", t), "trigger_dependencies"),
                                 "trigger dependencies are not supported by Spin 1.x and are "
                                 "dropped"});
            }
        }
    }

    // Files: Spin 1.x loads each file from a data layer named by the file's digest.
    std::set<std::string> layer_digests;
    std::vector<rapidjson::SizeType> archive_layers;
    for (rapidjson::SizeType i = 0; i < layers->Size(); ++i) {
        if (i == lockfile_index) continue;
        if (detail::is_archive_layer_type(string_at((*layers)[i], "mediaType").value_or(""))) {
            archive_layers.push_back(i);
        } else if (auto digest = string_at((*layers)[i], "digest")) {
            layer_digests.insert(*digest);
        }
    }
    std::vector<ArchiveMembers*> archives;
    for (rapidjson::SizeType i : archive_layers) {
        std::string digest = string_at((*layers)[i], "digest").value_or("");
        ArchiveMembers* members = nullptr;
        if (!scan_.find(digest)) {
            refuse("CONVERT-FILE-MISSING",
                   "the archive layer " + digest +
                       " is not in the layout; expected it, since "
                       "its files become data layers",
                   file, pointer_join("/layers", i));
            continue;
        }
        if (Status status = load_archive(digest, members); !status) return status;
        archives.push_back(members);
    }

    struct NewLayer {
        std::string digest;
        std::uint64_t size = 0;
    };
    std::vector<NewLayer> new_layers;
    std::set<std::string> new_layer_digests;
    std::set<std::string> used_members;
    std::size_t from_inline = 0;
    std::size_t from_archive = 0;
    auto add_layer = [&](const std::string& digest, std::uint64_t size) {
        if (layer_digests.contains(digest) || !new_layer_digests.insert(digest).second) return;
        new_layers.push_back({digest, size});
    };
    Value* components = find(lockfile, "components");
    for (rapidjson::SizeType c = 0; components && components->IsArray() && c < components->Size();
         ++c) {
        Value& component = (*components)[c];
        std::string component_pointer = pointer_join("/components", c);
        for (std::string_view feature :
             {"dependencies", "trigger_dependencies", "host_requirements"}) {
            const Value* value = find(component, feature);
            if (value == nullptr || is_empty_container(*value)) continue;
            std::string code = feature == "dependencies" ? "CONVERT-LOSSY-DEPENDENCIES"
                               : feature == "trigger_dependencies"
                                   ? "CONVERT-LOSSY-TRIGGER-DEPENDENCIES"
                                   : "CONVERT-LOSSY-HOST-REQUIREMENTS";
            lossy.push_back({code, lockfile_file, pointer_join(component_pointer, feature),
                             std::string(feature) + " of component " +
                                 quoted(string_at(component, "id").value_or("?")) +
                                 " are not supported by Spin 1.x and are dropped"});
        }
        Value* files = find(component, "files");
        if (files == nullptr || !files->IsArray()) continue;
        for (rapidjson::SizeType f = 0; f < files->Size(); ++f) {
            Value& entry = (*files)[f];
            std::string pointer = pointer_join(pointer_join(component_pointer, "files"), f);
            std::string path = string_at(entry, "path").value_or("?");
            auto digest = string_at(entry, "digest");
            auto inline_text = string_at(entry, "inline");
            if (digest && layer_digests.contains(*digest)) continue;
            std::string decoded;
            if (inline_text && !detail::decode_base64(*inline_text, false, decoded)) {
                refuse("CONVERT-FILE-MISSING",
                       "file " + quoted(path) +
                           " has inline content that is not base64 "
                           "without padding",
                       lockfile_file, pointer_join(pointer, "inline"));
                continue;
            }
            if (digest && inline_text) {
                std::string computed = sha256_digest(decoded);
                if (computed != *digest) {
                    refuse("CONVERT-FILE-MISSING",
                           "file " + quoted(path) + ": inline content hashes to " + computed +
                               ", expected " + *digest,
                           lockfile_file, pointer);
                    continue;
                }
                add_blob(std::move(decoded));
                add_layer(*digest, new_blobs_.at(*digest).size());
                ++from_inline;
                continue;
            }
            // An archive member with this file's content (by digest) or, for a file without a
            // digest, at this file's path.
            auto find_member = [&]() -> std::optional<std::pair<std::size_t, std::string>> {
                for (std::size_t a = 0; a < archives.size(); ++a) {
                    const detail::ArchiveListing& listing = archives[a]->listing;
                    if (digest) {
                        if (listing.digests.contains(*digest)) return std::make_pair(a, *digest);
                    } else if (auto it = listing.by_path.find(
                                   detail::normalize_entry_path(path).path);
                               it != listing.by_path.end()) {
                        return std::make_pair(a, it->second);
                    }
                }
                return std::nullopt;
            };
            auto add_member_layer = [&](std::size_t a, const std::string& member_digest) {
                std::string archive_digest =
                    string_at((*layers)[archive_layers[a]], "digest").value_or("");
                if (!has_blob(member_digest) && !archive_member_source_.contains(member_digest)) {
                    archive_member_source_.emplace(member_digest, archive_digest);
                    result_.added_blobs.push_back(member_digest);
                }
                used_members.insert(member_digest);
                add_layer(member_digest, archives[a]->listing.with_digest(member_digest)->size);
                ++from_archive;
            };
            if (digest) {
                if (auto member = find_member()) {
                    add_member_layer(member->first, member->second);
                } else {
                    refuse("CONVERT-FILE-MISSING",
                           "file " + quoted(path) + " has digest " + *digest +
                               "; expected a data layer, inline content or an archive member "
                               "with it, found none",
                           lockfile_file, pointer);
                }
                continue;
            }
            // No digest: Spin 1.x finds files by digest only, so the lockfile has to gain one.
            std::optional<std::pair<std::size_t, std::string>> member;
            std::string computed;
            if (inline_text) {
                computed = sha256_digest(decoded);
            } else if ((member = find_member())) {
                computed = member->second;
                used_members.insert(computed);
            } else {
                continue;  // a source URI only: nothing in the layout to add
            }
            lossy.push_back({"CONVERT-LOSSY-FILE-DIGEST", lockfile_file, pointer,
                             "file " + quoted(path) + " has no digest (" +
                                 (inline_text ? "inline content" : "an archive member") +
                                 "); Spin 1.x finds files by digest, so the lockfile gains "
                                 "\"digest\": " +
                                 quoted(computed) + " and a data layer"});
            if (options_.allow_lossy) {
                set_string(entry, "digest", computed, lockfile.GetAllocator());
                lockfile_changed = true;
                if (member) {
                    add_member_layer(member->first, member->second);
                } else {
                    add_blob(std::move(decoded));
                    add_layer(computed, new_blobs_.at(computed).size());
                    ++from_inline;
                }
            }
        }
    }

    // Archive members no lockfile file uses would be lost with the archive layer (content that
    // also exists as a source or another file's layer is not lost).
    std::set<std::string> referenced;
    collect_content_digests(lockfile, referenced);
    for (std::size_t a = 0; a < archives.size(); ++a) {
        std::vector<std::string> unused;
        std::set<std::string> seen;
        for (const detail::ArchiveMember& member : archives[a]->listing.members) {
            if (seen.insert(member.digest).second && !referenced.contains(member.digest) &&
                !used_members.contains(member.digest)) {
                unused.push_back(member.name);
            }
        }
        if (unused.empty()) continue;
        std::sort(unused.begin(), unused.end());
        std::string list;
        for (std::size_t i = 0; i < unused.size() && i < 5; ++i) {
            list += (i ? ", " : "") + quoted(unused[i]);
        }
        if (unused.size() > 5) list += ", ...";
        lossy.push_back({"CONVERT-LOSSY-ARCHIVE-EXTRA", file,
                         pointer_join("/layers", archive_layers[a]),
                         std::to_string(unused.size()) +
                             " archive member(s) that no lockfile file uses are dropped with "
                             "the archive layer: " +
                             list});
    }

    for (const LossyChange& change : lossy) {
        if (options_.allow_lossy) {
            result_.findings.warning(change.code, change.message, change.file, change.pointer);
        } else {
            refuse(change.code, change.message + " (refused: pass --allow-lossy to convert anyway)",
                   change.file, change.pointer);
        }
    }
    if (refused_) return Status::ok();

    // With allow_lossy: rewrite the lockfile without what Spin 1.x cannot read.
    std::set<std::string> dropped_references;
    if (!lossy.empty()) {
        auto drop = [&](Value& object, std::string_view name) {
            Value* value = find(object, name);
            if (value == nullptr || is_empty_container(*value)) return;
            std::set<std::string> digests;
            collect_lockfile_digests(*value, digests);
            dropped_references.insert(digests.begin(), digests.end());
            remove_member(object, name);
            lockfile_changed = true;
        };
        if (const Value* version = find(lockfile, "spin_lock_version");
            version && version->IsInt() && version->GetInt() != 0) {
            lockfile["spin_lock_version"].SetInt(0);
            lockfile_changed = true;
        }
        drop(lockfile, "must_understand");
        drop(lockfile, "host_requirements");
        if (Value* triggers = find(lockfile, "triggers"); triggers && triggers->IsArray()) {
            for (auto& trigger : triggers->GetArray()) drop(trigger, "trigger_dependencies");
        }
        if (components && components->IsArray()) {
            for (auto& component : components->GetArray()) {
                drop(component, "dependencies");
                drop(component, "trigger_dependencies");
                drop(component, "host_requirements");
            }
        }
    }
    Value lockfile_descriptor((*layers)[lockfile_index], alloc);
    if (lockfile_changed) {
        std::string bytes = write_canonical(lockfile);
        std::uint64_t size = bytes.size();
        std::string digest = add_blob(std::move(bytes));
        set_string(lockfile_descriptor, "digest", digest, alloc);
        set_member(lockfile_descriptor, "size", Value(size), alloc);
        remove_member(lockfile_descriptor, "data");
        out.notes.push_back("lockfile rewritten: " + lockfile_digest + " -> " + digest);
    }

    // Layers only dropped features referenced go too; everything else stays in order.
    std::set<std::string> still_referenced;
    collect_lockfile_digests(lockfile, still_referenced);
    Value old_layers(rapidjson::kArrayType);
    for (rapidjson::SizeType i = 0; i < layers->Size(); ++i) {
        if (i == lockfile_index) continue;
        if (std::find(archive_layers.begin(), archive_layers.end(), i) != archive_layers.end()) {
            continue;
        }
        std::string digest = string_at((*layers)[i], "digest").value_or("");
        if (dropped_references.contains(digest) && !still_referenced.contains(digest)) {
            out.notes.push_back("layer " + digest + " dropped: only removed features used it");
            continue;
        }
        old_layers.PushBack(Value((*layers)[i], alloc), alloc);
    }
    for (const NewLayer& layer : new_layers) {
        Value descriptor(rapidjson::kObjectType);
        set_string(descriptor, "mediaType", media::kDataLayer, alloc);
        set_string(descriptor, "digest", layer.digest, alloc);
        set_member(descriptor, "size", Value(layer.size), alloc);
        old_layers.PushBack(descriptor, alloc);
    }
    for (std::size_t a = 0; a < archive_layers.size(); ++a) {
        out.notes.push_back("archive layer " +
                            string_at((*layers)[archive_layers[a]], "digest").value_or("") +
                            " expanded into data layers");
    }
    if (from_archive > 0) {
        out.notes.push_back(std::to_string(from_archive) +
                            " file(s) from archive layers added as data layers");
    }
    if (from_inline > 0) {
        out.notes.push_back(std::to_string(from_inline) + " inline file(s) added as data layers");
    }
    *layers = old_layers;
    *config = lockfile_descriptor;
    remove_member(manifest, "artifactType");
    out.artifact_type.reset();

    std::string bytes = write_canonical(manifest);
    out.new_size = bytes.size();
    out.new_digest = add_blob(std::move(bytes));
    out.converted = true;
    return Status::ok();
}

Status Converter::stream_input_blob(LayoutSink& sink, const BlobRecord& record) {
    if (!source_.can_reread()) {
        return Status::unreadable(source_.name() + ": " + record.path + " (" +
                                  std::to_string(record.size) +
                                  " bytes) was neither kept nor copied during the pass, and the "
                                  "input is a stream that cannot be read again");
    }
    std::optional<StreamHasher> hasher;
    if (record.hashed) hasher.emplace(record.algorithm);
    if (Status status = sink.begin_blob(record.path, record.size); !status) return status;
    Status status = source_.read_blob(record.path, [&](const char* data, std::size_t size) {
        if (hasher) hasher->update(data, size);
        return sink.blob_data(data, size);
    });
    if (!status) return status;
    if (hasher && hasher->finish_hex() != record.computed) {
        return Status::io_error(source_.name() + ": " + record.path +
                                " changed since it was scanned; expected digest " +
                                record.digest());
    }
    return sink.end_blob();
}

Status Converter::stream_archive_members(LayoutSink& sink, const std::string& archive_digest,
                                         const std::set<std::string>& digests) {
    const ArchiveMembers& archive = archives_.at(archive_digest);
    std::map<std::size_t, const detail::ArchiveMember*> wanted;  // entry -> member
    std::set<std::size_t> entries;
    for (const auto& digest : digests) {
        const detail::ArchiveMember* member = archive.listing.with_digest(digest);
        wanted.emplace(member->entry, member);
        entries.insert(member->entry);
    }
    std::optional<StreamHasher> hasher;
    Status status = detail::read_archive_entries(
        archive.bytes, entries, [&](std::size_t entry, const char* data, std::size_t size) {
            const detail::ArchiveMember& member = *wanted.at(entry);
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
            if (Status status = sink.put_file(record->path, *record->content); !status) {
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

std::string target_format_name(ConvertTarget target) {
    return std::string(format_name(target == ConvertTarget::new_format
                                       ? ManifestFormat::spin_oci_layer
                                       : ManifestFormat::spin_v1_config));
}

}  // namespace

std::string spin_image_config(std::string_view lockfile_digest) {
    rapidjson::Document config(rapidjson::kObjectType);
    Allocator& alloc = config.GetAllocator();
    Value labels(rapidjson::kObjectType);
    set_string(labels, media::kLockedAppDigestLabel, lockfile_digest, alloc);
    Value inner(rapidjson::kObjectType);
    set_member(inner, "Labels", std::move(labels), alloc);
    Value rootfs(rapidjson::kObjectType);
    set_string(rootfs, "type", "layers", alloc);
    set_member(rootfs, "diff_ids", Value(rapidjson::kArrayType), alloc);
    set_string(config, "architecture", "wasm", alloc);
    set_string(config, "os", "wasip1", alloc);
    set_member(config, "config", std::move(inner), alloc);
    set_member(config, "rootfs", std::move(rootfs), alloc);
    return write_canonical(config);
}

Status convert_layout(LayoutSource& source, LayoutSink* sink, const ConvertOptions& options,
                      ConvertResult& result) {
    result = ConvertResult();
    auto fail = [&sink](Status status) {
        if (sink != nullptr) sink->abort();
        return status;
    };
    std::optional<SinkCopier> copier;
    ScanOptions scan_options;
    scan_options.verify = true;
    scan_options.keep_limit = options.keep_limit;
    scan_options.progress = options.progress;
    if (sink != nullptr) {
        copier.emplace(*sink, scan_options);
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
        return fail(Status::invalid(source.name() + ": the input is not a valid layout (" +
                                    std::to_string(result.findings.count(Severity::error)) +
                                    " error(s)); nothing converted"));
    }

    Converter converter(source, scan, options, result);
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
    rapidjson::Document doc(rapidjson::kObjectType);
    Allocator& alloc = doc.GetAllocator();
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
