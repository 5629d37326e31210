// Converting Spin apps between the old "config-as-lockfile" format (Spin 0.8 to 1.5) and the new
// "lockfile-layer" format (Spin 2.0+, containerd), in one streaming pass over the input layout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ociwasm/finding.h"
#include "ociwasm/layout.h"
#include "ociwasm/media_types.h"
#include "ociwasm/progress.h"
#include "ociwasm/spin.h"
#include "ociwasm/status.h"

namespace ociwasm {

enum class ConvertTarget {
    new_format,  // spin-oci-layer: image config + the lockfile as the last layer
    old_format,  // spin-v1-config: the lockfile is the config blob
};

// "new" / "old"; returns false for anything else and leaves `out` alone.
bool parse_convert_target(std::string_view name, ConvertTarget& out);

struct ConvertOptions {
    ConvertTarget target = ConvertTarget::new_format;
    // artifactType written on manifests converted to the new format; nullopt writes none.
    std::optional<std::string> artifact_type = std::string(media::kComponentArtifactType);
    // When set, only what index.json descriptors with this ref name reach is converted.
    std::string ref_name;
    // Converting to the old format may need the lockfile rewritten (features Spin 1.x lacks) or
    // drop content; without this, such a conversion is refused.
    bool allow_lossy = false;
    // A Spin app to convert whose config or layer blob is missing from the layout is refused
    // (CONVERT-BLOB-MISSING); with this, it is converted anyway (the validator's OCI-BLOB-MISSING
    // warnings still say what is missing).
    bool allow_missing_blobs = false;
    // A referrer (signature, SBOM) whose subject the conversion replaced no longer applies: it is
    // kept unchanged (a CONVERT-REFERRER-STALE warning), or with this left out, together with
    // the referrers of what is left out and the blobs nothing else uses.
    bool drop_referrers = false;
    // Blobs larger than this stream from the input into the sink during the pass; smaller ones
    // are kept in memory until the end.
    std::size_t keep_limit = 4 * kMiB;
    ScanProgress* progress = nullptr;  // when set, told how many blob bytes the pass read
};

// What happened to one manifest descriptor reached from index.json.
struct ManifestPlan {
    std::string location;  // "index.json#/manifests/0", or "blobs/sha256/<hex>#/manifests/1"
    std::string ref_name;  // org.opencontainers.image.ref.name of its index.json descriptor
    ManifestFormat from = ManifestFormat::unknown;
    ManifestFormat to = ManifestFormat::unknown;  // == from when not converted
    bool converted = false;
    std::string reason;  // why not converted ("not a Spin app", "already spin-oci-layer", ...)
    std::string old_digest;
    std::string new_digest;  // == old_digest when not converted
    std::uint64_t old_size = 0;
    std::uint64_t new_size = 0;
    std::vector<std::string> notes;  // what else changed (archive layers expanded, ...)
};

// A referrer of the input whose subject (a manifest or index index.json reached) the output no
// longer holds because the conversion replaced it. Its `subject` is never rewritten: a signature
// covers the old digest.
struct StaleReferrer {
    std::string location;  // its descriptor in the input: "index.json#/manifests/1"
    std::string digest;
    std::string media_type;  // of that descriptor
    std::uint64_t size = 0;
    std::string artifact_type;  // its artifactType, else its config.mediaType
    std::string subject;        // the digest its subject names
    std::string subject_now;    // what the conversion made of the subject; "" when it was dropped
    bool dropped = false;       // left out of the output (drop_referrers)
};

struct ConvertResult {
    std::vector<ManifestPlan> manifests;
    std::vector<StaleReferrer> stale_referrers;  // in the order the walk met them
    // Input validation findings: all of them when the input is invalid, else its warnings (a
    // missing blob, ...); then refusals (CONVERT-* codes, errors); with allow_lossy, the lossy
    // changes that were made (CONVERT-LOSSY-*, warnings).
    Findings findings;
    std::vector<std::string> added_blobs;    // digests the conversion created
    std::vector<std::string> dropped_blobs;  // input digests no longer referenced, not written
    bool written = false;                    // the sink was committed

    std::size_t converted_count() const;
};

// Converts `source` into `sink` (one pass: large blobs are copied while the input streams by;
// small documents are transformed and written at the end; then commit). `sink` may be null for
// a dry run: everything is planned and checked, nothing is written.
//
// Returns ok after a successful commit (or dry run). Returns invalid when the input fails
// validation (its findings are in result.findings), when a conversion is refused (CONVERT-*
// findings say why, with JSON pointers), or when options.ref_name names no manifest.
// io_error / unreadable when the input cannot be read or the output not written. Whenever the
// Status is not ok, the sink has been aborted and nothing is left behind.
Status convert_layout(LayoutSource& source, LayoutSink* sink, const ConvertOptions& options,
                      ConvertResult& result);

// The image config written for a new-format Spin app, canonical compact JSON:
// {"architecture":"wasm","config":{"Labels":{"com.fermyon.spin.lockedAppDigest":"<digest>"}},
//  "os":"wasip1","rootfs":{"diff_ids":[],"type":"layers"}}
std::string spin_image_config(std::string_view lockfile_digest);

// The plan or result for people: one line per manifest, then a summary line.
//   NAME: FROM -> TO: OLD_DIGEST -> NEW_DIGEST
//   NAME: unchanged (REASON): DIGEST
//     note: ...
//   LOCATION: referrer DIGEST (TYPE) of SUBJECT: no longer applies; kept|dropped
//   OUTPUT: N converted, N unchanged, ...       (or "dry run: ...; nothing written")
// NAME is the ref name, or the location when there is none.
std::string render_convert_text(const ConvertResult& result, std::string_view output, bool dry_run);

// The same as one compact JSON object and a newline; `status` is the outcome ("ok",
// "invalid", "refused", "error") and `message` the error message when not ok.
std::string render_convert_json(const ConvertResult& result, std::string_view input,
                                std::string_view output, const ConvertOptions& options,
                                bool dry_run, const Status& status);

}  // namespace ociwasm
