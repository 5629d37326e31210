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
// The CNCF TAG Runtime wasm OCI artifact: this config, `application/wasm` layers.
inline constexpr std::string_view kWasmConfig = "application/vnd.wasm.config.v0+json";
// The older wasm-to-oci / krustlet / oci-distribution shape: this config, kWasmLayer layers.
inline constexpr std::string_view kWasmConfigV1 = "application/vnd.wasm.config.v1+json";
// runwasi's earlier layer type for wasm modules and components in an image (oci-tar-builder).
inline constexpr std::string_view kRunwasiWasmLayer =
    "application/vnd.bytecodealliance.wasm.component.layer.v0+wasm";
// wasmCloud actors as wash pushes them.
inline constexpr std::string_view kWasmCloudActorConfig =
    "application/vnd.wasmcloud.actor.archive.config";
inline constexpr std::string_view kWasmCloudActorLayer =
    "application/vnd.module.wasm.content.layer.v1+wasm";
// Filesystem layers of container images (OCI and Docker).
inline constexpr std::string_view kOciLayerTar = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerTarGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kOciLayerTarZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view kDockerLayerTarGzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view kComponentArtifactType =
    "application/vnd.bytecodealliance.component.v1+wasm";

inline constexpr std::string_view kLockedAppDigestLabel = "com.fermyon.spin.lockedAppDigest";
inline constexpr std::string_view kRefNameAnnotation = "org.opencontainers.image.ref.name";

}  // namespace ociwasm::media
