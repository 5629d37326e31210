// The finding-code catalogue: every code the library can emit, with its usual severity and a
// one-sentence description (SARIF rule descriptions). Codes are interface: README.md documents
// each one ("Finding codes", "oci-wasm-convert" > "Codes") and tests/cli/readme_codes.sh checks
// the README tables against this file. Emission sites name a constant, never a literal, so a
// code exists exactly once.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "ociwasm/finding.h"

namespace ociwasm {

struct FindingCode {
    std::string_view code;
    Severity severity;  // the usual one; CONVERT-LOSSY-* are warnings with --allow-lossy
    std::string_view description;

    constexpr operator std::string_view() const { return code; }
    operator std::string() const { return std::string(code); }
    friend bool operator==(const FindingCode& a, std::string_view b) { return a.code == b; }
    friend bool operator==(const FindingCode& a, const FindingCode& b) { return a.code == b.code; }
};

namespace codes {

inline constexpr FindingCode kLayoutMissingOciLayout{"LAYOUT-MISSING-OCI-LAYOUT", Severity::error,
                                                     "The oci-layout file is missing."};
inline constexpr FindingCode kLayoutBadOciLayout{
    "LAYOUT-BAD-OCI-LAYOUT", Severity::error,
    "The oci-layout file is unparsable, fails its schema, or its imageLayoutVersion is not "
    "1.0.0."};
inline constexpr FindingCode kLayoutMissingIndex{"LAYOUT-MISSING-INDEX", Severity::error,
                                                 "The index.json file is missing."};
inline constexpr FindingCode kLayoutMissingBlobs{"LAYOUT-MISSING-BLOBS", Severity::error,
                                                 "The blobs directory is missing."};
inline constexpr FindingCode kLayoutFileTooLarge{
    "LAYOUT-FILE-TOO-LARGE", Severity::error,
    "oci-layout or index.json is larger than the reader accepts."};
inline constexpr FindingCode kLayoutNotRegularFile{
    "LAYOUT-NOT-REGULAR-FILE", Severity::error,
    "A blob is a symbolic link or another non-regular file."};
inline constexpr FindingCode kTarAbsolutePath{"TAR-ABSOLUTE-PATH", Severity::error,
                                              "A tar entry has an absolute path."};
inline constexpr FindingCode kTarPathTraversal{"TAR-PATH-TRAVERSAL", Severity::error,
                                               "A tar entry path has a '..' component."};
inline constexpr FindingCode kTarLinkEscape{"TAR-LINK-ESCAPE", Severity::error,
                                            "A tar link points outside the layout."};
inline constexpr FindingCode kTarLinkUnverified{
    "TAR-LINK-UNVERIFIED", Severity::warning,
    "A hardlinked blob from stdin could not be hashed with its own algorithm."};
inline constexpr FindingCode kTarSpecialFile{
    "TAR-SPECIAL-FILE", Severity::error,
    "A tar entry is a device node, FIFO or other special file."};
inline constexpr FindingCode kTarDuplicateEntry{
    "TAR-DUPLICATE-ENTRY", Severity::error,
    "Two tar entries name the same path with different content."};
inline constexpr FindingCode kTarTruncated{"TAR-TRUNCATED", Severity::error,
                                           "The tar archive is truncated or corrupt."};
inline constexpr FindingCode kTarSparseEntry{
    "TAR-SPARSE-ENTRY", Severity::error,
    "A sparse tar entry (old GNU or PAX sparse map) is not read."};
inline constexpr FindingCode kTarNameTooLong{
    "TAR-NAME-TOO-LONG", Severity::error,
    "A tar entry name or link target is longer than 4096 bytes; the entry is not read."};
inline constexpr FindingCode kTarPaxGlobalPath{
    "TAR-PAX-GLOBAL-PATH", Severity::error,
    "A global PAX header sets path or linkpath, which readers apply differently."};
inline constexpr FindingCode kOciBlobName{
    "OCI-BLOB-NAME", Severity::error,
    "A file under blobs/ has a name that breaks the digest grammar."};
inline constexpr FindingCode kJsonInvalid{
    "JSON-INVALID", Severity::error,
    "A document is not I-JSON (syntax, UTF-8, duplicate member names, nesting)."};
inline constexpr FindingCode kOciDocumentTooLarge{
    "OCI-DOCUMENT-TOO-LARGE", Severity::error,
    "A referenced manifest, index, config or lockfile is too large to check."};
inline constexpr FindingCode kOciManifestTooLarge{
    "OCI-MANIFEST-TOO-LARGE", Severity::warning,
    "A manifest or index is larger than 4 MiB, which registries may refuse."};
inline constexpr FindingCode kOciSchema{"OCI-SCHEMA", Severity::error,
                                        "A document fails its OCI JSON schema."};
inline constexpr FindingCode kOciDockerSchema{
    "OCI-DOCKER-SCHEMA", Severity::error,
    "A Docker Image Manifest V2 Schema 2 manifest or manifest list fails its schema."};
inline constexpr FindingCode kOciDockerFormat{
    "OCI-DOCKER-FORMAT", Severity::info,
    "A bare document was checked by the Docker Image Manifest V2 Schema 2 rules its mediaType "
    "names, not the OCI ones."};
inline constexpr FindingCode kOciMemberCase{
    "OCI-MEMBER-CASE", Severity::error,
    "A member name equals a spec-defined member of that object up to letter case."};
inline constexpr FindingCode kOciDigestInvalid{
    "OCI-DIGEST-INVALID", Severity::error,
    "A digest breaks the digest grammar or its algorithm's encoding."};
inline constexpr FindingCode kOciDigestUnverifiable{
    "OCI-DIGEST-UNVERIFIABLE", Severity::warning,
    "A well-formed digest uses an algorithm that cannot be computed."};
inline constexpr FindingCode kOciDigestMismatch{"OCI-DIGEST-MISMATCH", Severity::error,
                                                "Blob content does not hash to its digest."};
inline constexpr FindingCode kOciSizeMismatch{
    "OCI-SIZE-MISMATCH", Severity::error, "A descriptor size differs from the blob's byte count."};
inline constexpr FindingCode kOciBlobMissing{"OCI-BLOB-MISSING", Severity::warning,
                                             "A referenced blob is not in the layout."};
inline constexpr FindingCode kOciBlobUnreferenced{"OCI-BLOB-UNREFERENCED", Severity::info,
                                                  "A blob is not referenced by anything."};
inline constexpr FindingCode kOciBlobUnreadable{"OCI-BLOB-UNREADABLE", Severity::error,
                                                "A blob could not be read again after the pass."};
inline constexpr FindingCode kOciDataInvalid{
    "OCI-DATA-INVALID", Severity::error,
    "A descriptor's data field is not standard base64 with padding."};
inline constexpr FindingCode kOciDataMismatch{
    "OCI-DATA-MISMATCH", Severity::error,
    "A descriptor's decoded data differs from the blob, its size or its digest."};
inline constexpr FindingCode kOciUrlInvalid{"OCI-URL-INVALID", Severity::error,
                                            "A descriptor urls entry is not an RFC 3986 URI."};
inline constexpr FindingCode kOciRefNameInvalid{
    "OCI-REF-NAME-INVALID", Severity::error,
    "An org.opencontainers.image.ref.name annotation breaks the reference grammar."};
inline constexpr FindingCode kOciAnnotationCreated{
    "OCI-ANNOTATION-CREATED", Severity::warning,
    "An org.opencontainers.image.created annotation is not an RFC 3339 date-time."};
inline constexpr FindingCode kOciMediatypeInvalid{
    "OCI-MEDIATYPE-INVALID", Severity::error,
    "A document's mediaType is present but not the manifest or index type."};
inline constexpr FindingCode kOciMediatypeMismatch{
    "OCI-MEDIATYPE-MISMATCH", Severity::error,
    "A descriptor's mediaType does not match the document it points to."};
inline constexpr FindingCode kOciManifestHasManifests{"OCI-MANIFEST-HAS-MANIFESTS", Severity::error,
                                                      "A manifest carries manifests."};
inline constexpr FindingCode kOciIndexHasLayers{"OCI-INDEX-HAS-LAYERS", Severity::error,
                                                "An index carries config or layers."};
inline constexpr FindingCode kOciArtifacttypeRequired{
    "OCI-ARTIFACTTYPE-REQUIRED", Severity::error,
    "The config is the empty descriptor type but artifactType is not set."};
inline constexpr FindingCode kOciEmptyDescriptor{
    "OCI-EMPTY-DESCRIPTOR", Severity::error,
    "An empty-type descriptor does not describe the '{}' blob."};
inline constexpr FindingCode kOciLayersEmpty{"OCI-LAYERS-EMPTY", Severity::warning,
                                             "A manifest has no layers."};
inline constexpr FindingCode kOciConfigEnv{"OCI-CONFIG-ENV", Severity::error,
                                           "An image config Env entry is not KEY=value."};
inline constexpr FindingCode kOciIndexCycle{"OCI-INDEX-CYCLE", Severity::error,
                                            "An index reaches itself."};
inline constexpr FindingCode kOciIndexTooDeep{
    "OCI-INDEX-TOO-DEEP", Severity::warning,
    "Nested indexes deeper than the limit are not followed."};
inline constexpr FindingCode kOciUnknownMediatype{
    "OCI-UNKNOWN-MEDIATYPE", Severity::info,
    "A descriptor has a media type that is not checked further."};
inline constexpr FindingCode kOciSubjectNotInLayout{
    "OCI-SUBJECT-NOT-IN-LAYOUT", Severity::info,
    "A referrer's subject is not a manifest or index that index.json reaches."};
inline constexpr FindingCode kSpinLockfileMissing{"SPIN-LOCKFILE-MISSING", Severity::error,
                                                  "A Spin app has no lockfile."};
inline constexpr FindingCode kSpinLockfileInvalid{"SPIN-LOCKFILE-INVALID", Severity::error,
                                                  "The Spin lockfile cannot be parsed."};
inline constexpr FindingCode kSpinLockfileSchema{"SPIN-LOCKFILE-SCHEMA", Severity::error,
                                                 "The Spin lockfile fails its schema."};
inline constexpr FindingCode kSpinLockfileMultiple{
    "SPIN-LOCKFILE-MULTIPLE", Severity::error, "A manifest has more than one Spin lockfile layer."};
inline constexpr FindingCode kSpinLockfileNotLast{"SPIN-LOCKFILE-NOT-LAST", Severity::warning,
                                                  "The Spin lockfile layer is not the last layer."};
inline constexpr FindingCode kSpinSourceDigestMissing{
    "SPIN-SOURCE-DIGEST-MISSING", Severity::error,
    "A component or dependency source digest names no layer."};
inline constexpr FindingCode kSpinInlineDigestMismatch{
    "SPIN-INLINE-DIGEST-MISMATCH", Severity::error,
    "Inline file content does not hash to its digest."};
inline constexpr FindingCode kSpinFilePathUnsafe{
    "SPIN-FILE-PATH-UNSAFE", Severity::error,
    "A file with a digest or inline content has a path that is absolute, has a drive letter, or "
    "has a '..' or leading '.' component."};
inline constexpr FindingCode kSpinFileMissing{
    "SPIN-FILE-MISSING", Severity::error,
    "A file is neither inline, nor a data layer, nor inside an archive layer."};
inline constexpr FindingCode kSpinArchiveInvalid{"SPIN-ARCHIVE-INVALID", Severity::error,
                                                 "An archive layer is not a readable tar.gz."};
inline constexpr FindingCode kSpinArchiveUnchecked{
    "SPIN-ARCHIVE-UNCHECKED", Severity::info,
    "An archive layer too large to keep from stdin was not listed."};
inline constexpr FindingCode kSpinTriggerComponentMissing{
    "SPIN-TRIGGER-COMPONENT-MISSING", Severity::error,
    "A trigger names a component that does not exist."};
inline constexpr FindingCode kSpinLabelMismatch{
    "SPIN-LABEL-MISMATCH", Severity::error,
    "The config label com.fermyon.spin.lockedAppDigest differs from the lockfile layer digest."};
inline constexpr FindingCode kSpinLabelMissing{
    "SPIN-LABEL-MISSING", Severity::warning,
    "The config has no com.fermyon.spin.lockedAppDigest label (Spin 2.0 to 2.3 shape)."};
inline constexpr FindingCode kSpinLayerUnreferenced{
    "SPIN-LAYER-UNREFERENCED", Severity::warning,
    "A layer is not referenced by any lockfile entry."};
inline constexpr FindingCode kSpinPlatform{
    "SPIN-PLATFORM", Severity::warning,
    "The config os/architecture is not wasip1 / wasm, as Spin releases write them."};
inline constexpr FindingCode kSpinTooManyLayers{
    "SPIN-TOO-MANY-LAYERS", Severity::warning,
    "A manifest has more than 500 layers, which some registries refuse."};
inline constexpr FindingCode kSpinLockVersionMissing{
    "SPIN-LOCK-VERSION-MISSING", Severity::error,
    "An old-format lockfile has no spin_lock_version and more than one layer."};
inline constexpr FindingCode kWasmMagic{"WASM-MAGIC", Severity::error,
                                        "A wasm layer does not start with the wasm magic."};
inline constexpr FindingCode kWasmKind{"WASM-KIND", Severity::info,
                                       "Whether a wasm layer is a core module or a component."};
inline constexpr FindingCode kWasmConfigSchema{
    "WASM-CONFIG-SCHEMA", Severity::error,
    "A CNCF wasm config (application/vnd.wasm.config.v0+json) fails its schema."};
inline constexpr FindingCode kWasmConfigPlatform{
    "WASM-CONFIG-PLATFORM", Severity::error,
    "A wasm artifact's config names an architecture other than wasm, or (CNCF config) an os "
    "other than wasip1 or wasip2."};
inline constexpr FindingCode kWasmConfigLayerDigests{
    "WASM-CONFIG-LAYER-DIGESTS", Severity::error,
    "A CNCF wasm config's layerDigests differ from the manifest's layer digests."};
inline constexpr FindingCode kWasmConfigComponent{
    "WASM-CONFIG-COMPONENT", Severity::error,
    "A CNCF wasm config with os wasip2 (a component) has no component metadata."};
inline constexpr FindingCode kWasmConfigKind{
    "WASM-CONFIG-KIND", Severity::warning,
    "A CNCF wasm config's os says module (wasip1) or component (wasip2), its layer is the "
    "other."};
inline constexpr FindingCode kWasmLayersMultiple{
    "WASM-LAYERS-MULTIPLE", Severity::error,
    "A CNCF wasm artifact or wasmCloud actor with more than one layer."};
inline constexpr FindingCode kWasmPlatformMismatch{
    "WASM-PLATFORM-MISMATCH", Severity::warning,
    "An index entry's platform and the image config's differ, and one of them is wasm."};
inline constexpr FindingCode kWasmLayerInvalid{
    "WASM-LAYER-INVALID", Severity::error,
    "A filesystem layer of a wasm container image is not a readable tar."};
inline constexpr FindingCode kWasmFilesUnchecked{
    "WASM-FILES-UNCHECKED", Severity::info,
    "A filesystem layer of a wasm container image could not be read: its .wasm files are not "
    "checked."};
inline constexpr FindingCode kWasmFileMagic{
    "WASM-FILE-MAGIC", Severity::warning,
    "A .wasm file in a wasm container image's layer does not start with the wasm magic."};
inline constexpr FindingCode kWasmFileKind{
    "WASM-FILE-KIND", Severity::info,
    "Whether a .wasm file in a wasm container image's layer is a core module or a component."};
inline constexpr FindingCode kConvertLossyLockVersion{
    "CONVERT-LOSSY-LOCK-VERSION", Severity::error,
    "spin_lock_version is not 0, or must_understand is set: Spin 1.x reads version 0 only."};
inline constexpr FindingCode kConvertLossyHostRequirements{
    "CONVERT-LOSSY-HOST-REQUIREMENTS", Severity::error,
    "App or component host_requirements cannot be expressed for Spin 1.x."};
inline constexpr FindingCode kConvertLossyDependencies{
    "CONVERT-LOSSY-DEPENDENCIES", Severity::error,
    "Component dependencies (component composition) are unknown to Spin 1.x."};
inline constexpr FindingCode kConvertLossyTriggerDependencies{
    "CONVERT-LOSSY-TRIGGER-DEPENDENCIES", Severity::error,
    "trigger_dependencies are unknown to Spin 1.x."};
inline constexpr FindingCode kConvertLossyFileDigest{
    "CONVERT-LOSSY-FILE-DIGEST", Severity::error,
    "A file has no digest; Spin 1.x needs one, so the lockfile would have to change."};
inline constexpr FindingCode kConvertLossyArchiveExtra{
    "CONVERT-LOSSY-ARCHIVE-EXTRA", Severity::error,
    "An archive layer holds members no lockfile file uses; they would be lost."};
inline constexpr FindingCode kConvertLossyImageConfig{
    "CONVERT-LOSSY-IMAGE-CONFIG", Severity::error,
    "The image config holds what the old format cannot carry and converting back would not "
    "restore."};
inline constexpr FindingCode kConvertFileMissing{
    "CONVERT-FILE-MISSING", Severity::error,
    "A lockfile file's digest names no layer, inline content or archive member."};
inline constexpr FindingCode kConvertBlobMissing{
    "CONVERT-BLOB-MISSING", Severity::error,
    "A Spin app to convert lacks its config or a layer blob (refused without "
    "--allow-missing-blobs)."};
inline constexpr FindingCode kConvertLockfileLayers{
    "CONVERT-LOCKFILE-LAYERS", Severity::error,
    "A new-format manifest without exactly one lockfile layer, or an old-format manifest with "
    "one."};
inline constexpr FindingCode kConvertRefNotFound{"CONVERT-REF-NOT-FOUND", Severity::error,
                                                 "--ref NAME names no index.json entry."};
inline constexpr FindingCode kConvertReferrerStale{
    "CONVERT-REFERRER-STALE", Severity::warning,
    "A referrer (signature, SBOM) names a manifest or index the conversion replaced; it is kept "
    "but no longer applies."};

}  // namespace codes

// Every code above, in README order.
std::span<const FindingCode* const> finding_codes();

// The catalogue entry of `code`, or nullptr.
const FindingCode* find_finding_code(std::string_view code);

}  // namespace ociwasm
