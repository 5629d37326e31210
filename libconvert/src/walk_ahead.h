// Checking documents ahead of the graph walk (validate.cpp) on other threads: index.json while the
// scan reads the blobs, and for each window of an index's manifests, the manifests and the image
// configs and lockfiles they name while the walk goes through the window before. The walk then
// reports their findings where it would have made them: the output is the one of one thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "validate_internal.h"

namespace ociwasm::detail {

// What the checks of a manifest's or nested index's own bytes give, before the walk follows
// what it names: made in the walk, or ahead of it, the same either way.
struct CheckedManifest {
    std::unique_ptr<OwnedDocument> document;  // set when the walk follows it
    Findings findings;
    ManifestFormat format = ManifestFormat::unknown;
    // An index whose shape is a manifest: the walk says so, with the descriptor that led to it.
    bool manifest_shaped = false;
};

// The checks of a document's bytes, given the media type its descriptor says; a function of its
// arguments only, so that any thread may run it.
using ManifestCheck = CheckedManifest (*)(const BlobRecord& record, std::string_view media_type,
                                          std::string_view bytes);
// A manifest: OCI (schema and body) or Docker; an index in its place is a finding.
CheckedManifest check_manifest_document(const BlobRecord& record, std::string_view media_type,
                                        std::string_view bytes);
// A nested index, in two steps so that the walk can start checking its first manifests ahead
// between them (the checks of an index of 15,000 manifests take 45 ms): its bytes parsed, with
// `manifest_shaped` set (and no document) when it has a manifest's shape instead; then its own
// checks, OCI (schema and body) or a Docker manifest list, added to the findings of the first.
// check_index_document only reads the document: other threads may read it meanwhile.
CheckedManifest parse_index_document(const BlobRecord& record, std::string_view bytes);
void check_index_document(const BlobRecord& record, std::string_view media_type,
                          CheckedManifest& parsed);

// A manifest to check ahead: its blob, the media type its descriptor says (in the index
// document, which outlives the WalkAhead) and the key the walk finds the result by.
struct AheadManifest {
    const BlobRecord* record = nullptr;
    std::string_view media_type;
    std::string key;
};

// index.json's own checks: it parses, its schema, media type and body. A function of its bytes.
struct CheckedIndexJson {
    std::unique_ptr<OwnedDocument> document;  // when it parsed
    Findings findings;
};
CheckedIndexJson check_index_json(std::string_view bytes);

// check_index_json on another thread, from the moment a scan has read index.json until the walk
// needs it: index.json of 10,000 manifests took 15% of the time of their validation, with the
// other core idle while the scan listed the blobs.
class IndexJsonAhead {
  public:
    IndexJsonAhead() = default;
    ~IndexJsonAhead();  // waits for the check
    IndexJsonAhead(const IndexJsonAhead&) = delete;
    IndexJsonAhead& operator=(const IndexJsonAhead&) = delete;

    // Sets options.index_json_read to start the check (on the scanning thread). The LayoutScan
    // the scan fills must outlive this object, which waits for the check when destroyed.
    void hook(ScanOptions& options);
    // Waits for the check; its result when it checked `bytes` (what the scan kept as index.json:
    // a tar may hold a second one), else nullopt (the walk checks index.json itself).
    std::optional<CheckedIndexJson> take(const std::optional<std::string>& bytes);

  private:
    // The bytes the thread checks: the scan's own (ScanOptions::index_json_read), not a copy,
    // since index.json may be 16 MiB. take() also compares their size and hash with what the
    // scan kept in the end, which can only differ from a source that broke that contract.
    const std::string* bytes_ = nullptr;
    std::size_t size_ = 0;
    std::size_t hash_ = 0;
    std::optional<CheckedIndexJson> result_;
    std::thread thread_;
};

class WalkAhead {
  public:
    // The text one window checks ahead at most, its manifests, image configs and lockfiles
    // together. Its documents stay parsed until the walk reaches them, and the walk holds two
    // windows (the one it walks, the one checked ahead): 256 manifests of 3 MiB made 750 MiB.
    // What does not fit is left to the walk, which loads it when it gets there.
    static constexpr std::uint64_t kWindowBytes = 4 * kMiB;

    struct Result {
        std::vector<std::pair<std::string, CheckedManifest>> manifests;  // by key
        std::vector<std::pair<const BlobRecord*, DocumentCache::Prepared>> image_configs;
        std::vector<std::pair<const BlobRecord*, DocumentCache::Prepared>> lockfiles;
    };

    // Starts on `threads` - 1 other threads (0: one per core) checking `manifests`, taken in
    // order while they fit in kWindowBytes, and the image configs (as `image_configs` checks
    // them) and lockfiles (as `spin` names and checks them) they name, first come first served
    // within the same bytes.
    WalkAhead(std::vector<AheadManifest> manifests, ManifestCheck check, BlobAccess& blobs,
              const DocumentCache& image_configs, const SpinWiring& spin, unsigned threads);
    // Stops the other threads after the document each is checking, and waits for them.
    ~WalkAhead();
    WalkAhead(const WalkAhead&) = delete;
    WalkAhead& operator=(const WalkAhead&) = delete;

    // Checks on this thread what the others have not taken, waits for them, and gives what was
    // checked. A document that could not be loaded is left out (the walk loads it again and
    // reports why), as is one whose check ran out of memory.
    Result finish();

  private:
    using Documents = std::vector<std::pair<const BlobRecord*, DocumentCache::Prepared>>;
    struct Done {  // what the job of one manifest made
        std::optional<CheckedManifest> manifest;
        Documents image_configs;
        Documents lockfiles;
    };

    void work();
    void run(std::size_t job);
    // Checks `record` as `cache` does, into `out`, when it is the first time in this window and
    // its text fits in what is left of kWindowBytes.
    void check_document(const BlobRecord* record, const DocumentCache& cache,
                        std::unordered_set<const BlobRecord*>& claimed, Documents& out);

    std::vector<AheadManifest> manifests_;
    ManifestCheck check_;
    BlobAccess& blobs_;
    const DocumentCache& image_configs_;
    const SpinWiring& spin_;
    std::vector<Done> done_;  // by job
    std::atomic<std::size_t> next_{0};
    std::atomic<bool> stop_{false};
    std::mutex claim_mutex_;
    std::uint64_t bytes_ = 0;  // the text claimed; under claim_mutex_, as are the two below
    std::unordered_set<const BlobRecord*> claimed_configs_;
    std::unordered_set<const BlobRecord*> claimed_lockfiles_;
    std::vector<std::thread> threads_;
};

}  // namespace ociwasm::detail
