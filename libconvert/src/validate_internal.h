// Pieces shared by the validation engine (validate.cpp), the OCI rules no schema expresses
// (oci_rules.cpp), blob access (blob_access.cpp), the Spin wiring of the walk (spin_wiring.cpp)
// and the Spin checks (spin_checks.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <rapidjson/document.h>

#include "archive_layer.h"
#include "oci_graph.h"
#include "ociwasm/finding.h"
#include "ociwasm/json.h"
#include "ociwasm/layout.h"
#include "ociwasm/schema.h"
#include "ociwasm/spin.h"

namespace ociwasm::detail {

// Registries are expected to accept manifests of at least this size; larger ones get a warning.
inline constexpr std::size_t kManifestWarnSize = 4 * kMiB;
// The largest manifest, index, config or lockfile we load to check.
inline constexpr std::size_t kMaxDocumentSize = 64 * kMiB;
// The largest archive layer the converter loads into memory to expand it. (Validation streams
// archives instead and has no such limit.)
inline constexpr std::size_t kMaxArchiveSize = 256 * kMiB;
// Some registries refuse images with more layers than this.
inline constexpr std::size_t kMaxSpinLayers = 500;

// ---- small grammars (oci_rules.cpp) ----

// Strict RFC 4648 standard-alphabet base64. `padded` true requires '=' padding to a multiple of
// four characters; false forbids '='. Unused trailing bits must be zero either way.
bool decode_base64(std::string_view text, bool padded, std::string& out);
bool is_uri_reference_absolute(std::string_view text);  // RFC 3986 URI (scheme required)
bool is_rfc3339_date_time(std::string_view text);
bool is_valid_ref_name(std::string_view text);  // org.opencontainers.image.ref.name grammar

// ---- JSON access helpers ----

const rapidjson::Value* find_member(const rapidjson::Value& object, std::string_view name);
// The string value of `name`, or nullopt when absent or not a string.
std::optional<std::string_view> string_member(const rapidjson::Value& object,
                                              std::string_view name);
std::string_view as_view(const rapidjson::Value& string_value);

// Parses `bytes`; on failure adds `code` (JSON-INVALID or SPIN-LOCKFILE-INVALID) naming the
// byte offset and returns false.
bool parse_document(std::string_view bytes, rapidjson::Document& doc, std::string_view file,
                    std::string_view code, std::string_view what, Findings& out);

// ---- OCI rules needing no other blob (oci_rules.cpp) ----

// Checks one descriptor's own fields: digest grammar, `data` (base64 with padding, matching
// size and digest), `urls`, annotations, the empty-descriptor values. `in_index_json` enables
// the ref.name grammar check.
void check_descriptor_fields(const rapidjson::Value& descriptor, std::string_view file,
                             const std::string& pointer, bool in_index_json, Findings& out);
// org.opencontainers.image.created (and ref.name when `in_index_json`).
void check_annotations(const rapidjson::Value& annotations, std::string_view file,
                       const std::string& pointer, bool in_index_json, Findings& out);

enum class BodyCheck { oci, docker };

// Manifest body: mediaType value, no `manifests`, artifactType with the empty config, empty
// layers warning, and every descriptor's own fields. Docker bodies skip the OCI-only rules.
void check_manifest_body(const rapidjson::Value& manifest, std::string_view file, BodyCheck mode,
                         Findings& out);
// Index body: mediaType value, no `config`/`layers`, every descriptor's own fields.
void check_index_body(const rapidjson::Value& index, std::string_view file, bool is_index_json,
                      BodyCheck mode, Findings& out);
// A body's own mediaType. With `descriptor_type` (the document was reached through a
// descriptor) a different value is OCI-MEDIATYPE-MISMATCH; without, a value other than
// `expected` is OCI-MEDIATYPE-INVALID.
void check_body_media_type(const rapidjson::Value& doc, std::string_view file,
                           std::string_view expected, std::string_view descriptor_type,
                           Findings& out);
// Docker Image Manifest V2 Schema 2 (docker_rules.cpp): our schema for the manifest or the
// manifest list (OCI-DOCKER-SCHEMA), then the body rules Docker shares with OCI.
void check_docker_manifest(const rapidjson::Value& doc, std::string_view file, Findings& out);
void check_docker_manifest_list(const rapidjson::Value& doc, std::string_view file, Findings& out);
// OCI-DOCKER-FORMAT: says that a bare document of Docker's `media_type` was checked by the
// Docker rules.
void note_docker_format(std::string_view media_type, std::string_view file, Findings& out);
// Image config: Env entries are KEY=value.
void check_image_config(const rapidjson::Value& config, std::string_view file, Findings& out);
// oci-layout: parses, schema, imageLayoutVersion "1.0.0"; problems are LAYOUT-BAD-OCI-LAYOUT.
void check_oci_layout(std::string_view bytes, std::string_view file, Findings& out);

// Members equal to a spec-defined member of their object up to letter case, as Go readers
// compare them (OCI-MEMBER-CASE), in the document and every descriptor and object it holds.
enum class OciObject { manifest, index, image_config, oci_layout };
void check_member_case(const rapidjson::Value& doc, OciObject kind, std::string_view file,
                       Findings& out);

// A manifest whose shape is an index (has `manifests`, no `config`/`layers`), and vice versa.
bool looks_like_index(const rapidjson::Value& doc);
bool looks_like_manifest(const rapidjson::Value& doc);

// Drops schema findings (OCI-SCHEMA, SPIN-LOCKFILE-SCHEMA) at a file+pointer where a more
// specific error finding says the same thing, so one problem is reported once.
void drop_redundant_schema_findings(Findings& findings);

// ---- blob access shared by the walk, the Spin checks and inspect (blob_access.cpp) ----

class BlobAccess {
  public:
    BlobAccess(LayoutSource& source, const LayoutScan& scan);

    const LayoutScan& scan() const { return scan_; }
    LayoutSource& source() { return source_; }
    // The scan's record for `digest` ("alg:encoded"), or nullptr.
    const BlobRecord* find(std::string_view digest) const;

    enum class Load { ok, missing, too_large, unreadable };
    // The bytes of a blob up to `max_size`, in `bytes`: the content kept during the pass, or
    // read again into `storage`. `why` explains a failure.
    Load load(std::string_view digest, std::size_t max_size, std::string& storage,
              std::string_view& bytes, std::string& why);
    Load load(const BlobRecord& record, std::size_t max_size, std::string& storage,
              std::string_view& bytes, std::string& why);
    // Whether load() of this document (at most kMaxDocumentSize) may run on several threads at
    // once: its content was kept, or the source reads again in parallel.
    bool loads_in_parallel(const BlobRecord& record) const;
    // The first `count` bytes of a blob (fewer when it is shorter); nullopt when unavailable.
    std::optional<std::string> head(std::string_view digest, std::size_t count);
    // Members of an archive layer, listed once per digest.
    ArchiveListing& archive(std::string_view digest);
    // The .wasm files of a filesystem layer, listed once per digest.
    LayerWasmFiles& wasm_files(std::string_view digest);

  private:
    LayoutSource& source_;
    const LayoutScan& scan_;
    std::unordered_map<std::string, std::unique_ptr<ArchiveListing>> archives_;
    std::unordered_map<std::string, std::unique_ptr<LayerWasmFiles>> layer_files_;
};

// The bytes of a document blob (up to kMaxDocumentSize); when they cannot be had, reports
// OCI-DOCUMENT-TOO-LARGE or OCI-BLOB-UNREADABLE (a missing blob is reported where it is
// referenced) and returns false.
bool load_document(BlobAccess& blobs, const BlobRecord& record, std::string& storage,
                   std::string_view& bytes, Findings& out);

// A parsed document with its own pool, sized to the text: RapidJSON's default first chunk of
// 64 KiB per document made 10,000 small documents cost 10,000 fresh heap pages.
struct OwnedDocument {
    explicit OwnedDocument(std::size_t text_size);
    OwnedDocument(const OwnedDocument&) = delete;
    OwnedDocument& operator=(const OwnedDocument&) = delete;

    rapidjson::MemoryPoolAllocator<> allocator;
    rapidjson::Document doc;
};

// parse_document into an OwnedDocument: the document, or nullptr when it does not parse.
std::unique_ptr<OwnedDocument> parse_owned_document(std::string_view bytes, std::string_view file,
                                                    std::string_view code, std::string_view what,
                                                    Findings& out);

// Documents many manifests may share (image configs, lockfiles): loaded, parsed and checked the
// first time a record is asked for; findings come only that first time. The walk may have them
// checked ahead on other threads (check_ahead, then adopt); get() still reports the findings at
// the point of the walk where it would have made them, so the output is the same.
//
// Only the documents asked for last are kept (kKeptDocuments, at most kKeptDocumentBytes of
// text): a layout of 100,000 apps has 100,000 lockfiles, each asked for by one manifest. An
// older document asked for again is loaded and parsed again, its findings (already reported)
// dropped; what is remembered of every record is only whether it parsed.
class DocumentCache {
  public:
    struct Kind {
        std::string_view invalid_code;  // for a document that does not parse
        std::string_view what;          // "an image config", for that finding's message
        SchemaKind schema;
        // The checks after the schema, e.g. check_image_config.
        void (*check)(const rapidjson::Value& doc, std::string_view file, Findings& out);
    };
    // A document checked ahead of the walk.
    struct Prepared {
        std::unique_ptr<OwnedDocument> document;  // nullptr when it did not parse
        Findings findings;
    };

    // Shared documents are small (an image config, a lockfile): 4 MiB of text keeps a thousand
    // of them, and keeps large ones from filling the memory (a lockfile may be as large as
    // kMaxDocumentSize; the newest is kept whatever its size).
    static constexpr std::size_t kKeptDocuments = 1024;
    static constexpr std::size_t kKeptDocumentBytes = 4 * kMiB;

    explicit DocumentCache(Kind kind);
    ~DocumentCache();
    DocumentCache(const DocumentCache&) = delete;
    DocumentCache& operator=(const DocumentCache&) = delete;

    // The parsed document of `record`; nullptr when it could not be loaded or parsed. Valid
    // until the next call of get().
    const rapidjson::Value* get(const BlobRecord& record, BlobAccess& blobs, Findings& out);
    // Loads, parses and checks `record` as get() would, on any thread (it changes nothing in
    // the cache); nullopt when it cannot be loaded (get() loads it again and reports why).
    std::optional<Prepared> check_ahead(const BlobRecord& record, BlobAccess& blobs) const;
    // Hands get() what check_ahead made of `record`; ignored when get() was asked for it already.
    void adopt(const BlobRecord& record, Prepared prepared, const BlobAccess& blobs);
    // Forgets what was adopted and not asked for (a window of the walk is done).
    void drop_prepared() { prepared_.clear(); }

  private:
    // Parses and checks `bytes` of `record`: the document, or nullptr when it does not parse.
    std::unique_ptr<OwnedDocument> check(const BlobRecord& record, std::string_view bytes,
                                         Findings& out) const;
    const rapidjson::Value* keep(const BlobRecord& record, std::unique_ptr<OwnedDocument> document);

    Kind kind_;
    enum class Asked : std::uint8_t { no, failed, parsed };
    Asked& asked(const BlobRecord& record, const BlobAccess& blobs);
    // Every record asked for, by position in the scan: whether its document parsed (and passed
    // to check()).
    std::vector<Asked> asked_;
    std::unordered_map<const BlobRecord*, std::unique_ptr<OwnedDocument>> documents_;
    std::deque<const BlobRecord*> kept_order_;  // documents_ keys, oldest first
    std::size_t kept_bytes_ = 0;                // text size of documents_
    std::unordered_map<const BlobRecord*, Prepared> prepared_;
};

// ---- Spin (spin_checks.cpp) ----

// Checks a lockfile needs no layers for: trigger components exist, file paths are safe,
// inline content hashes to its digest.
void check_lockfile_internal(const rapidjson::Value& lockfile, std::string_view file,
                             Findings& out);

// What the Spin cross-checks of one manifest need to know.
struct SpinManifestInput {
    const rapidjson::Value* manifest = nullptr;
    std::string manifest_file;
    bool v1_config = false;  // old format: the config blob is the lockfile
    // The lockfile and its blob path, when it could be parsed.
    const rapidjson::Value* lockfile = nullptr;
    std::string lockfile_file;
    std::string lockfile_digest;
    std::optional<std::size_t> lockfile_layer;  // new format: index of the lockfile layer
    // New format: the parsed image config and its path, when present and parsed.
    const rapidjson::Value* config = nullptr;
    std::string config_file;
};

// Cross-checks a Spin manifest with its lockfile and layers (both formats).
void check_spin_manifest(const SpinManifestInput& input, BlobAccess& blobs, Findings& out);

// Layer lists by media type (new format); fills lockfile indexes and reports MULTIPLE/NOT-LAST.
// Returns the index of the lockfile layer to check, if any.
std::optional<std::size_t> pick_lockfile_layer(const rapidjson::Value& manifest,
                                               std::string_view manifest_file, Findings& out);

// New format: the image config's platform and lockedAppDigest label.
void check_spin_config(const rapidjson::Value* config, std::string_view config_file,
                       std::string_view config_media_type, std::string_view manifest_file,
                       const std::string& lockfile_digest, Findings& out);

// ---- the graph walk's hook into the Spin checks (spin_wiring.cpp) ----

// What the graph walk has found out about one manifest when it is done with it.
struct WalkedManifest {
    const rapidjson::Value* manifest = nullptr;
    const std::string* file = nullptr;  // the manifest's blob path
    ManifestFormat format = ManifestFormat::unknown;
    const rapidjson::Value* config = nullptr;        // the config descriptor, if any
    const BlobRecord* config_record = nullptr;       // the config blob, when in the layout
    std::string_view config_type;                    // the config descriptor's mediaType
    const rapidjson::Value* image_config = nullptr;  // the parsed OCI image config, if any
};

// The one hook through which the graph walk (validate.cpp) runs the Spin and wasm checks. The
// walk calls it at fixed points, and the Spin findings come in the order of those calls.
class SpinWiring {
  public:
    SpinWiring(BlobAccess& blobs, Findings& out);

    // A manifest's config blob is in the layout: a lockfile config is loaded and checked.
    void config_reached(const BlobRecord& record, std::string_view media_type);
    // One of a manifest's layers is in the layout: wasm headers, lockfile layers.
    void layer_reached(ManifestFormat format, std::string_view media_type,
                       const BlobRecord& record);
    // The walk is done with a manifest's config and layers: the Spin cross-checks.
    void manifest_walked(const WalkedManifest& walked);
    // The walk is over: drops the schema findings SPIN-LOCK-VERSION-MISSING says again.
    void finish();
    // The lockfiles of the layout `manifest` names (its config and layers of the lockfile type),
    // added to `out`: what the walk may have checked ahead (any thread may ask).
    void lockfiles_named(const rapidjson::Value& manifest,
                         std::vector<const BlobRecord*>& out) const;
    // The lockfiles loaded once, for checks ahead of the walk.
    DocumentCache& lockfiles() { return lockfiles_; }
    const DocumentCache& lockfiles() const { return lockfiles_; }

  private:
    void check_wasm(const BlobRecord& record);
    void lockfile_missing(const std::string& file, const std::string& pointer,
                          std::string_view digest);
    void check_v1_config(const WalkedManifest& walked);
    void check_lock_version(const SpinManifestInput& input);
    void check_oci_layer(const WalkedManifest& walked);

    BlobAccess& blobs_;
    Findings& out_;
    DocumentCache lockfiles_;
    std::unordered_set<std::string> wasm_checked_;
    std::unordered_set<std::string> lock_version_files_;
};

}  // namespace ociwasm::detail
