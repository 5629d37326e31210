// The converter as its files share it: convert.cpp owns the pass over the whole layout (the
// walk of index.json, what to write, writing it); convert_to_new.cpp and convert_to_old.cpp
// convert one manifest each way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

#include "archive_layer.h"
#include "oci_graph.h"
#include "ociwasm/convert.h"
#include "ociwasm/layout.h"
#include "ociwasm/spin.h"
#include "ociwasm/status.h"
#include "referrers.h"

namespace ociwasm::detail {

using JsonAllocator = rapidjson::Document::AllocatorType;

// ---- editing JSON documents (reading them: validate_internal.h) ----

rapidjson::Value* mutable_member(rapidjson::Value& object, std::string_view name);
// Sets member `name` (added at the end when absent); `value` and the name are owned by `alloc`.
void set_member(rapidjson::Value& object, std::string_view name, rapidjson::Value value,
                JsonAllocator& alloc);
void set_string(rapidjson::Value& object, std::string_view name, std::string_view text,
                JsonAllocator& alloc);
bool remove_member(rapidjson::Value& object, std::string_view name);

// Whether the image config of a new-format app holds nothing that converting back would not
// write again (what Spin writes, or its 2.0-2.3 shape without the label). `why` lists the rest.
// (convert_to_new.cpp, beside the writer of that config)
bool image_config_is_regenerable(const rapidjson::Value& config, const std::string& lockfile_digest,
                                 std::vector<std::string>& why);

// An archive layer held in memory, with its members (archive_layer.h).
struct ArchiveMembers {
    std::string bytes;
    ArchiveListing listing;
};

// What converting one manifest did, or why it did not.
struct ManifestOutcome {
    bool converted = false;
    ManifestFormat from = ManifestFormat::unknown;
    ManifestFormat to = ManifestFormat::unknown;
    std::string reason;
    std::string new_digest;
    std::uint64_t new_size = 0;
    std::optional<std::string> artifact_type;  // of the converted manifest
    std::vector<std::string> notes;
    std::optional<Referrer> referrer;  // when the manifest has a `subject` (location not set)
};

struct OldFormatPlan;  // convert_to_old.cpp

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
    // The walk of index.json and the indexes it nests (convert.cpp): `changed` when a
    // descriptor in `index` now points at a converted manifest or rewritten index.
    Status walk_index(rapidjson::Value& index, JsonAllocator& alloc, const std::string& file,
                      bool top_level, bool in_scope, std::size_t depth, bool& changed);
    Status walk_nested_index(rapidjson::Value& descriptor, JsonAllocator& alloc,
                             const std::string& digest, const std::string& location, bool in_scope,
                             std::size_t level, bool& changed, bool& emptied);
    Status plan_manifest(rapidjson::Value& descriptor, JsonAllocator& alloc,
                         const std::string& digest, std::string location, std::string ref_name,
                         bool in_scope, bool& changed);
    Status convert_manifest(const std::string& digest, bool in_scope, ManifestOutcome& out);
    // A config or layer blob of a manifest the layout lacks.
    struct MissingBlob {
        std::string pointer;  // "/config", "/layers/<i>"
        std::string digest;
    };
    std::vector<MissingBlob> missing_blobs(const rapidjson::Value& manifest) const;
    // Refuses (CONVERT-BLOB-MISSING) each of `missing` that the conversion did not already
    // refuse at the same place (errors about `file` from result_.findings[first_finding] on);
    // true when any is missing.
    bool refuse_missing_blobs(const std::vector<MissingBlob>& missing, const std::string& file,
                              std::size_t first_finding);
    void point_at_new_blob(rapidjson::Value& descriptor, const std::string& digest,
                           JsonAllocator& alloc) const;

    // One manifest to the new format (convert_to_new.cpp).
    Status to_new(rapidjson::Document& manifest, const std::string& file, ManifestOutcome& out);

    // One manifest to the old format (convert_to_old.cpp), in phases: find the lockfile layer;
    // plan every change and refusal, editing nothing; decide; apply.
    Status to_old(rapidjson::Document& manifest, const std::string& file, ManifestOutcome& out);
    Status find_lockfile(const rapidjson::Value& manifest, const std::string& file,
                         OldFormatPlan& plan, bool& found);
    Status plan_old_format(const rapidjson::Value& manifest, const std::string& file,
                           OldFormatPlan& plan);
    Status plan_image_config(const rapidjson::Value& config, OldFormatPlan& plan);
    Status plan_archive_layers(const rapidjson::Value& layers, const std::string& file,
                               OldFormatPlan& plan);
    bool decide(const OldFormatPlan& plan);
    void apply_old_format(rapidjson::Document& manifest, OldFormatPlan& plan, ManifestOutcome& out);
    void add_file_contents(OldFormatPlan& plan);

    void refuse(std::string code, std::string message, std::string file, std::string pointer);

    // Referrers whose subject the conversion replaced (convert_referrers.cpp): found after the
    // walk; with drop_referrers the walk is done again leaving them out; then reported.
    Status settle_referrers(rapidjson::Document& index, bool& changed);
    // The manifests and indexes a document's entries reach (nested indexes followed), in the
    // input or the output.
    std::set<std::string> indexed(const rapidjson::Value& index, bool output) const;
    // What the conversion made of the manifest or index `digest`; "" when it was not rewritten.
    std::string rewritten_as(const std::string& digest, std::string_view& kind) const;
    void report_stale_referrers(const std::set<std::string>& before,
                                const std::set<std::string>& after);
    // Bytes of a blob: one this conversion made, or the input's (kept or re-read).
    Status content(const std::string& digest, std::string& out, std::size_t max_size);
    bool config_says_wasm(const rapidjson::Value& manifest);
    bool has_blob(const std::string& digest) const {
        return new_blobs_.contains(digest) || scan_.find(digest) != nullptr;
    }
    std::string add_blob(std::string bytes);
    Status load_archive(const std::string& digest, ArchiveMembers*& out);

    // Digests reachable from an index document, following nested indexes and subjects through
    // the documents held in memory; with `entries_only`, only what index entries name.
    void collect_reachable(const rapidjson::Value& document, bool output, std::size_t depth,
                           std::set<std::string>& out, bool entries_only = false) const;
    void reach(const std::string& digest, bool follow, bool output, std::size_t depth,
               std::set<std::string>& out, bool entries_only) const;

    Status stream_input_blob(LayoutSink& sink, const BlobRecord& record);
    Status stream_archive_members(LayoutSink& sink, const std::string& archive_digest,
                                  const std::set<std::string>& digests);

    LayoutSource& source_;
    const LayoutScan& scan_;
    const ConvertOptions& options_;
    ConvertResult& result_;

    bool refused_ = false;
    bool ref_found_ = false;
    NestedIndexGuard visiting_;
    std::map<std::string, ManifestOutcome> manifest_memo_;
    struct IndexRewrite {
        std::string digest;    // the index as written (its input digest when unchanged)
        bool changed = false;  // something below it changed
        bool emptied = false;  // every entry it had was a dropped referrer
    };
    std::map<std::string, IndexRewrite> index_memo_;            // digest + scope -> its rewrite
    std::map<std::string, std::string> new_blobs_;              // digest -> bytes
    std::map<std::string, std::string> archive_member_source_;  // new digest -> archive
    std::map<std::string, ArchiveMembers> archives_;
    std::optional<std::string> new_index_json_;
    std::set<std::string> output_blobs_;
    ReferrerIndex referrers_;        // every referrer the walk met
    std::set<std::string> dropped_;  // referrers the walk leaves out (drop_referrers)
};

}  // namespace ociwasm::detail
