#include "ociwasm/finding_codes.h"

#include <algorithm>
#include <array>

namespace ociwasm {

namespace {

constexpr std::array kCatalogue = {
    &codes::kLayoutMissingOciLayout,
    &codes::kLayoutBadOciLayout,
    &codes::kLayoutMissingIndex,
    &codes::kLayoutMissingBlobs,
    &codes::kLayoutFileTooLarge,
    &codes::kLayoutNotRegularFile,
    &codes::kTarAbsolutePath,
    &codes::kTarPathTraversal,
    &codes::kTarLinkEscape,
    &codes::kTarLinkUnverified,
    &codes::kTarSpecialFile,
    &codes::kTarDuplicateEntry,
    &codes::kTarTruncated,
    &codes::kTarSparseEntry,
    &codes::kTarPaxGlobalPath,
    &codes::kOciBlobName,
    &codes::kJsonInvalid,
    &codes::kOciDocumentTooLarge,
    &codes::kOciManifestTooLarge,
    &codes::kOciSchema,
    &codes::kOciDockerSchema,
    &codes::kOciDockerFormat,
    &codes::kOciMemberCase,
    &codes::kOciDigestInvalid,
    &codes::kOciDigestUnverifiable,
    &codes::kOciDigestMismatch,
    &codes::kOciSizeMismatch,
    &codes::kOciBlobMissing,
    &codes::kOciBlobUnreferenced,
    &codes::kOciBlobUnreadable,
    &codes::kOciDataInvalid,
    &codes::kOciDataMismatch,
    &codes::kOciUrlInvalid,
    &codes::kOciRefNameInvalid,
    &codes::kOciAnnotationCreated,
    &codes::kOciMediatypeInvalid,
    &codes::kOciMediatypeMismatch,
    &codes::kOciManifestHasManifests,
    &codes::kOciIndexHasLayers,
    &codes::kOciArtifacttypeRequired,
    &codes::kOciEmptyDescriptor,
    &codes::kOciLayersEmpty,
    &codes::kOciConfigEnv,
    &codes::kOciIndexCycle,
    &codes::kOciIndexTooDeep,
    &codes::kOciUnknownMediatype,
    &codes::kOciSubjectNotInLayout,
    &codes::kSpinLockfileMissing,
    &codes::kSpinLockfileInvalid,
    &codes::kSpinLockfileSchema,
    &codes::kSpinLockfileMultiple,
    &codes::kSpinLockfileNotLast,
    &codes::kSpinSourceDigestMissing,
    &codes::kSpinInlineDigestMismatch,
    &codes::kSpinFilePathUnsafe,
    &codes::kSpinFileMissing,
    &codes::kSpinArchiveInvalid,
    &codes::kSpinArchiveUnchecked,
    &codes::kSpinTriggerComponentMissing,
    &codes::kSpinLabelMismatch,
    &codes::kSpinLabelMissing,
    &codes::kSpinLayerUnreferenced,
    &codes::kSpinPlatform,
    &codes::kSpinTooManyLayers,
    &codes::kSpinLockVersionMissing,
    &codes::kWasmMagic,
    &codes::kWasmKind,
    &codes::kWasmConfigSchema,
    &codes::kWasmConfigPlatform,
    &codes::kWasmConfigLayerDigests,
    &codes::kWasmConfigComponent,
    &codes::kWasmConfigKind,
    &codes::kWasmLayersMultiple,
    &codes::kWasmPlatformMismatch,
    &codes::kWasmLayerInvalid,
    &codes::kWasmFilesUnchecked,
    &codes::kWasmFileMagic,
    &codes::kWasmFileKind,
    &codes::kConvertLossyLockVersion,
    &codes::kConvertLossyHostRequirements,
    &codes::kConvertLossyDependencies,
    &codes::kConvertLossyTriggerDependencies,
    &codes::kConvertLossyFileDigest,
    &codes::kConvertLossyArchiveExtra,
    &codes::kConvertLossyImageConfig,
    &codes::kConvertFileMissing,
    &codes::kConvertBlobMissing,
    &codes::kConvertLockfileLayers,
    &codes::kConvertRefNotFound,
    &codes::kConvertReferrerStale,
};

}  // namespace

std::span<const FindingCode* const> finding_codes() {
    return kCatalogue;
}

const FindingCode* find_finding_code(std::string_view code) {
    auto it = std::find_if(kCatalogue.begin(), kCatalogue.end(),
                           [&](const FindingCode* entry) { return entry->code == code; });
    return it == kCatalogue.end() ? nullptr : *it;
}

}  // namespace ociwasm
