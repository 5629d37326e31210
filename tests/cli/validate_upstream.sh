#!/usr/bin/env bash
# oci-wasm-validate --as on documents other tools wrote, committed as they were published
# (fixtures/upstream/, sources in fixtures/README.md): what they accept, we accept.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

validate="$OCIWASM_BIN/oci-wasm-validate"
upstream="$OCIWASM_SOURCE_DIR/fixtures/upstream"
multi="$OCIWASM_SOURCE_DIR/fixtures/spin-oci-layer/multi"

blob_of() { printf '%s/blobs/sha256/%s' "$1" "${2#sha256:}"; }

describe "Spin's own loader test lockfiles (local files mounted at guest /) are valid"
lockfiles=("$upstream"/spin-loader/*.lock)
check "at least 6 Spin test lockfiles" test "${#lockfiles[@]}" -ge 6
run "$validate" --as lockfile "${lockfiles[@]}"
assert_exit 0
assert_not_contains stdout ": error: "
assert_not_contains stdout ": warning: "
for lockfile in "${lockfiles[@]}"; do
    assert_contains stdout "$lockfile: valid (0 errors, 0 warnings, 0 info)"
done
check "one of them mounts a file:// directory at /" jq -e \
    '[.components[].files[]? | select(.path == "/" and (.source | startswith("file://")))] | length > 0' \
    "$upstream/spin-loader/valid-with-files.lock"

describe "a registry lockfile: ./x is refused as Spin's OCI loader refuses it"
manifest="$(blob_of "$multi" "$(jq -r '.manifests[0].digest' "$multi/index.json")")"
lockfile="$(blob_of "$multi" "$(jq -r '.layers[-1].digest' "$manifest")")"
run "$validate" --as lockfile "$lockfile"
assert_exit 0
jq '.components[0].files[0].path |= "./" + .' "$lockfile" > "$TEST_TMP/dot.lock"
run "$validate" --as lockfile "$TEST_TMP/dot.lock"
assert_exit 1
assert_matches stdout "^$TEST_TMP/dot.lock#/components/0/files/0/path: error: SPIN-FILE-PATH-UNSAFE: .*starting with a \".\" component \"\./"
describe "a registry lockfile: / is refused, null digest and inline are absent"
jq '.components[0].files[0] |= (.path = "/" | .inline = null)' "$lockfile" > "$TEST_TMP/root.lock"
run "$validate" --as lockfile "$TEST_TMP/root.lock"
assert_exit 1
assert_contains stdout "$TEST_TMP/root.lock#/components/0/files/0/path: error: SPIN-FILE-PATH-UNSAFE: "
assert_not_contains stdout "SPIN-LOCKFILE-SCHEMA"

describe "Docker's example image manifest (distribution's manifest-v2-2.md) with --as manifest"
run "$validate" --as manifest "$upstream/docker/image-manifest.json"
assert_exit 0
assert_equals stdout "$upstream/docker/image-manifest.json#/mediaType: info: OCI-DOCKER-FORMAT: checked as a Docker Image Manifest V2 Schema 2 manifest, as its mediaType says: Docker's schema and the rules it shares with OCI, not the OCI-only ones
$upstream/docker/image-manifest.json: valid (0 errors, 0 warnings, 1 info); formats: oci-image"
run_with_stdin "$upstream/docker/image-manifest.json" "$validate" --format json --as manifest -
assert_exit 0
check "the json format says which rules were used" jq -e \
    '.valid and ([.findings[] | select(.code == "OCI-DOCKER-FORMAT" and .severity == "info"
                   and .pointer == "/mediaType")] | length == 1)' "$RUN_STDOUT_FILE"

describe "Docker's example manifest list with --as index"
run "$validate" --as index "$upstream/docker/manifest-list.json"
assert_exit 0
assert_contains stdout ": info: OCI-DOCKER-FORMAT: checked as a Docker manifest list (Image Manifest V2 Schema 2), "
assert_contains stdout "$upstream/docker/manifest-list.json: valid (0 errors, 0 warnings, 1 info)"

describe "a Docker manifest without a platform in a manifest list entry"
jq 'del(.manifests[0].platform)' "$upstream/docker/manifest-list.json" > "$TEST_TMP/list.json"
run "$validate" --as index "$TEST_TMP/list.json"
assert_exit 1
assert_contains stdout "$TEST_TMP/list.json#/manifests/0: error: OCI-DOCKER-SCHEMA: expected member \"platform\", found an object without it"

describe "the OCI rules still apply to an OCI mediaType"
jq '.mediaType = "application/vnd.oci.image.manifest.v1+json"' \
    "$upstream/docker/image-manifest.json" > "$TEST_TMP/oci.json"
run "$validate" --as manifest "$TEST_TMP/oci.json"
assert_exit 0
assert_not_contains stdout "OCI-DOCKER-FORMAT"

finish
