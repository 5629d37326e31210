// Media types and well-known values used across the toolkit (OCI image-spec v1.1, Spin, wasm).
#pragma once

#include <string_view>

namespace ociwasm::media {

inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciEmpty = "application/vnd.oci.empty.v1+json";
inline constexpr std::string_view kOciEmptyDigest =
    "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerImageConfig =
    "application/vnd.docker.container.image.v1+json";

// Spin: the lockfile, as the config blob (old format) or as the last layer (new format).
inline constexpr std::string_view kSpinLockfile =
    "application/vnd.fermyon.spin.application.v1+config";
inline constexpr std::string_view kWasmLayer = "application/vnd.wasm.content.layer.v1+wasm";
inline constexpr std::string_view kWasmLayerAlt = "application/wasm";
inline constexpr std::string_view kDataLayer = "application/vnd.wasm.content.layer.v1+data";
inline constexpr std::string_view kArchiveLayer = "application/vnd.wasm.content.bundle.v1.tar+gzip";
// The CNCF wasm OCI artifact format.
inline constexpr std::string_view kWasmConfig = "application/vnd.wasm.config.v0+json";
inline constexpr std::string_view kComponentArtifactType =
    "application/vnd.bytecodealliance.component.v1+wasm";

inline constexpr std::string_view kLockedAppDigestLabel = "com.fermyon.spin.lockedAppDigest";
inline constexpr std::string_view kRefNameAnnotation = "org.opencontainers.image.ref.name";

}  // namespace ociwasm::media
