#!/usr/bin/env bash
# The shipped fixtures are built from fixtures/src: regenerating them gives the committed bytes,
# and their blobs, Spin labels and shared lockfiles are consistent (checked with sha256sum and
# jq, independently of the library).
set -euo pipefail

source_dir="${OCIWASM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
fixtures="$source_dir/fixtures"
generated=(spin-v1-config spin-oci-layer mixed mixed.tar wasm-formats signed)
failures=0

fail() {
    printf 'fixtures_reproducible: %s\n' "$*" >&2
    failures=$((failures + 1))
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

if ! "$source_dir/scripts/make-fixtures" "$tmp/out" 2> "$tmp/make.log"; then
    cat "$tmp/make.log" >&2
    fail "scripts/make-fixtures $tmp/out: expected exit 0, found a failure (log above)"
    exit 1
fi

# Exactly the generated entries, each identical to the committed one.
found="$(find "$tmp/out" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | tr '\n' ' ')"
expected="$(printf '%s\n' "${generated[@]}" | sort | tr '\n' ' ')"
[[ "$found" == "$expected" ]] || fail "$tmp/out: expected entries [$expected], found [$found]"
for entry in "${generated[@]}"; do
    if [[ ! -e "$fixtures/$entry" ]]; then
        fail "$fixtures/$entry: expected a committed fixture, found none (run scripts/make-fixtures)"
    elif ! diff -r "$fixtures/$entry" "$tmp/out/$entry" > "$tmp/diff" 2>&1; then
        head -20 "$tmp/diff" >&2
        fail "$fixtures/$entry: differs from what scripts/make-fixtures builds from fixtures/src" \
            "(diff above; expected identical bytes, run scripts/make-fixtures and commit)"
    fi
done

# No second run: the committed bytes were made at another time, in another directory, so the
# comparison above already finds any time, path or order that leaks in.

blob() { printf '%s/blobs/sha256/%s' "$1" "${2#sha256:}"; }

# Every blob hashes to its name; every descriptor's size matches its blob.
check_layout() {
    local layout="$1" file name actual
    [[ "$(cat "$layout/oci-layout")" == '{"imageLayoutVersion":"1.0.0"}' ]] \
        || fail "$layout/oci-layout: expected {\"imageLayoutVersion\":\"1.0.0\"}, found $(cat "$layout/oci-layout")"
    for file in "$layout"/blobs/sha256/*; do
        name="$(basename "$file")"
        actual="$(sha256sum "$file" | cut -d' ' -f1)"
        [[ "$name" == "$actual" ]] || fail "$file: expected sha256 $name, found $actual"
    done
    local digest size
    while read -r digest size; do
        file="$(blob "$layout" "$digest")"
        if [[ ! -f "$file" ]]; then
            fail "$layout: descriptor names $digest, expected a blob at $file, found none"
        elif [[ "$(stat -c %s "$file")" != "$size" ]]; then
            fail "$file: descriptor size $size, found $(stat -c %s "$file") bytes"
        fi
    done < <(for file in "$layout/index.json" "$layout"/blobs/sha256/*; do
        # Only JSON documents hold descriptors; wasm and gzip blobs do not parse.
        if jq empty "$file" 2> /dev/null; then
            jq -r '.. | objects | select(has("digest") and has("size")) | "\(.digest) \(.size)"' "$file"
        fi
    done | sort -u)
}

manifest_of() { blob "$1" "$(jq -r '.manifests[0].digest' "$1/index.json")"; }

for layout in "$tmp/out"/spin-v1-config/*/ "$tmp/out"/spin-oci-layer/*/ "$tmp/out/mixed/" \
    "$tmp/out"/wasm-formats/*/ "$tmp/out/signed/"; do
    check_layout "${layout%/}"
done

# The CNCF wasm configs list their manifest's layer digests; the container images' diff_ids are
# the sha256 of their uncompressed layers.
while read -r manifest_digest; do
    layout="$tmp/out/wasm-formats/wasm-oci"
    manifest="$(blob "$layout" "$manifest_digest")"
    config="$(blob "$layout" "$(jq -r .config.digest "$manifest")")"
    [[ "$(jq -c '[.layers[].digest]' "$manifest")" == "$(jq -c .layerDigests "$config")" ]] \
        || fail "$config: expected layerDigests $(jq -c '[.layers[].digest]' "$manifest"), found $(jq -c .layerDigests "$config")"
done < <(jq -r '.manifests[].digest' "$tmp/out/wasm-formats/wasm-oci/index.json")
while read -r manifest_digest; do
    layout="$tmp/out/wasm-formats/wasm-container-image"
    manifest="$(blob "$layout" "$manifest_digest")"
    layer="$(blob "$layout" "$(jq -r '.layers[0].digest' "$manifest")")"
    if [[ "$(jq -r '.layers[0].mediaType' "$manifest")" == *+gzip ]]; then
        diff_id="sha256:$(gzip -dc "$layer" | sha256sum | cut -d' ' -f1)"
    else
        diff_id="sha256:$(sha256sum "$layer" | cut -d' ' -f1)"
    fi
    config="$(blob "$layout" "$(jq -r .config.digest "$manifest")")"
    [[ "$(jq -r '.rootfs.diff_ids[0]' "$config")" == "$diff_id" ]] \
        || fail "$config: expected diff_id $diff_id, found $(jq -r '.rootfs.diff_ids[0]' "$config")"
done < <(jq -r '.manifests[].digest' "$tmp/out/wasm-formats/wasm-container-image/index.json")

for layout in "$tmp/out"/spin-oci-layer/*/; do
    layout="${layout%/}"
    manifest="$(manifest_of "$layout")"
    lock_type="$(jq -r '.layers[-1].mediaType' "$manifest")"
    [[ "$lock_type" == application/vnd.fermyon.spin.application.v1+config ]] \
        || fail "$manifest: expected the lockfile as the last layer, found mediaType $lock_type"
    lock_digest="$(jq -r '.layers[-1].digest' "$manifest")"
    label="$(jq -r '.config.Labels["com.fermyon.spin.lockedAppDigest"]' \
        "$(blob "$layout" "$(jq -r .config.digest "$manifest")")")"
    [[ "$label" == "$lock_digest" ]] \
        || fail "$layout: expected config label lockedAppDigest $lock_digest, found $label"
done

for app in hello multi; do
    old="$(jq -r .config.digest "$(manifest_of "$tmp/out/spin-v1-config/$app")")"
    new="$(jq -r '.layers[-1].digest' "$(manifest_of "$tmp/out/spin-oci-layer/$app")")"
    [[ "$old" == "$new" ]] || fail "$app: expected one lockfile in both formats, found old $old, new $new"
done

# The signature names the app as its subject, in the manifest and in the JWS payload it carries.
signed="$tmp/out/signed"
app_descriptor="$(jq -cS '.manifests[0] | {mediaType, digest, size}' "$signed/index.json")"
signature="$(blob "$signed" "$(jq -r '.manifests[1].digest' "$signed/index.json")")"
[[ "$(jq -cS .subject "$signature")" == "$app_descriptor" ]] \
    || fail "$signature: expected subject $app_descriptor, found $(jq -cS .subject "$signature")"
payload="$(jq -r .payload "$(blob "$signed" "$(jq -r '.layers[0].digest' "$signature")")" | tr '_-' '/+')"
while ((${#payload} % 4)); do payload+="="; done
target="$(printf '%s' "$payload" | base64 -d | jq -cS .targetArtifact)"
[[ "$target" == "$app_descriptor" ]] \
    || fail "$signature: expected the envelope's targetArtifact $app_descriptor, found $target"

# Inline content decodes (base64 without padding) to bytes with the stated digest.
inline_lock="$(blob "$tmp/out/spin-oci-layer/inline" \
    "$(jq -r '.layers[-1].digest' "$(manifest_of "$tmp/out/spin-oci-layer/inline")")")"
while IFS=$'\t' read -r digest inline; do
    padded="$inline"
    while ((${#padded} % 4)); do padded+="="; done
    actual="sha256:$(printf '%s' "$padded" | base64 -d | sha256sum | cut -d' ' -f1)"
    [[ "$inline" != *=* ]] || fail "$inline_lock: expected base64 without padding, found $inline"
    [[ "$actual" == "$digest" ]] || fail "$inline_lock: inline content hashes to $actual, expected $digest"
done < <(jq -r '.. | objects | select(has("inline")) | [.digest, .inline] | @tsv' "$inline_lock")

if ((failures > 0)); then
    printf 'fixtures_reproducible: %d failure(s)\n' "$failures" >&2
    exit 1
fi
echo "fixtures_reproducible: ok"
