#!/usr/bin/env bash
# Layouts written by real tools validate clean: umoci (init, new, insert) and skopeo copy of our
# fixtures (oci: -> oci: and oci: -> oci-archive:). skopeo must keep every manifest and blob as
# it is, so the copies are also compared blob for blob with the originals.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

validate="$OCIWASM_BIN/oci-wasm-validate"
inspect="$OCIWASM_BIN/oci-wasm-inspect"
fixtures="$OCIWASM_SOURCE_DIR/fixtures"

# The peers are test dependencies (scripts/lib.sh TEST_PACKAGES): missing is a failure.
for tool in umoci skopeo jq; do
    if ! command -v "$tool" > /dev/null; then
        printf '%s: FAIL: expected %s on PATH (scripts/test.sh installs it), found none\n' \
            "$TEST_NAME" "$tool" >&2
        exit 1
    fi
done
# A policy of our own: the test must not depend on /etc/containers/policy.json.
policy="$TEST_TMP/policy.json"
printf '{"default":[{"type":"insecureAcceptAnything"}]}' > "$policy"
skopeo_copy() { skopeo --policy "$policy" copy --quiet "$@"; }
rootless=()
if [[ "$(id -u)" != 0 ]]; then rootless=(--rootless); fi

# assert_validates_clean INPUT: exit 0 and no error findings.
assert_validates_clean() {
    run "$validate" "$1"
    assert_exit 0
    assert_matches stdout "^$1: valid \(0 errors, [0-9]+ warnings?, [0-9]+ info\)"
    assert_not_contains stdout ": error: "
}

# blob_set DIR: the sorted blob file names.
blob_set() { (cd "$1/blobs/sha256" && ls | sort); }

# umoci init alone writes "manifests":null (a Go nil slice), which the index schema refuses
# (manifests is a required array); the first `umoci new` makes it an array.
describe "umoci init writes a layout"
run umoci init --layout "$TEST_TMP/umoci"
assert_exit 0
check "oci-layout from umoci init" test -f "$TEST_TMP/umoci/oci-layout"

describe "umoci new writes an image without layers: valid, with the empty-layers warning"
run umoci new --image "$TEST_TMP/umoci:empty"
assert_exit 0
run "$validate" "$TEST_TMP/umoci"
assert_exit 0
assert_contains stdout ": warning: OCI-LAYERS-EMPTY: "
assert_matches stdout "^$TEST_TMP/umoci: valid \(0 errors, 1 warning, [0-9]+ info\); formats: oci-image$"

describe "umoci insert adds a gzip layer: still clean, and inspect sees a linux image"
printf 'hello from umoci\n' > "$TEST_TMP/motd"
run umoci insert "${rootless[@]}" --image "$TEST_TMP/umoci:empty" "$TEST_TMP/motd" /etc/motd
assert_exit 0
assert_validates_clean "$TEST_TMP/umoci"
run "$inspect" --format json "$TEST_TMP/umoci"
assert_exit 0
check "one oci-image entry with one gzip layer" jq -e \
    '.manifests[0] | .refName == "empty" and .format == "oci-image" and
     (.layers | length) == 1 and .layers[0].mediaType == "application/vnd.oci.image.layer.v1.tar+gzip"' \
    "$RUN_STDOUT_FILE"

describe "umoci ls reads our fixtures"
for layout in spin-oci-layer/hello spin-v1-config/multi mixed; do
    run umoci ls --layout "$fixtures/$layout"
    assert_exit 0
done
assert_equals stdout $'hello:v1\nmotd:v1\nhello:multi-platform'

# skopeo copies of every fixture image, each ref on its own.
copies=()
for entry in spin-oci-layer/hello:hello:v1 spin-oci-layer/multi:multi:v1 \
    spin-oci-layer/inline:inline:v1 spin-oci-layer/archive:archive:v1 \
    spin-oci-layer/lockv1:lockv1:v1 spin-v1-config/hello:hello:v1 \
    spin-v1-config/multi:multi:v1 mixed:hello:v1 mixed:motd:v1 mixed:hello:multi-platform; do
    layout="${entry%%:*}"
    ref="${entry#*:}"
    name="$(printf '%s' "$layout-$ref" | tr '/:' '__')"
    original="$(jq -r --arg ref "$ref" \
        '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $ref) | .digest' \
        "$fixtures/$layout/index.json")"

    describe "skopeo copy oci:$layout:$ref -> oci: validates clean and keeps every byte"
    run skopeo_copy --all "oci:$fixtures/$layout:$ref" "oci:$TEST_TMP/$name:$ref"
    assert_exit 0
    assert_validates_clean "$TEST_TMP/$name"
    check "the same manifest digest $original" test \
        "$(jq -r '.manifests[0].digest' "$TEST_TMP/$name/index.json")" = "$original"
    if [[ "$layout" != mixed ]]; then
        check "the same blob set as $layout" cmp -s <(blob_set "$TEST_TMP/$name") \
            <(blob_set "$fixtures/$layout")
    fi
    copies+=("$TEST_TMP/$name")

    describe "skopeo copy oci:$layout:$ref -> oci-archive: validates clean"
    run skopeo_copy --all "oci:$fixtures/$layout:$ref" "oci-archive:$TEST_TMP/$name.tar:$ref"
    assert_exit 0
    assert_validates_clean "$TEST_TMP/$name.tar"
    run "$inspect" --format json "$TEST_TMP/$name.tar"
    assert_exit 0
    check "inspect to find $original under $ref in the archive" jq -e \
        --arg ref "$ref" --arg digest "$original" \
        '.manifests[0].refName == $ref and .manifests[0].digest == $digest' "$RUN_STDOUT_FILE"
done

describe "the skopeo copies keep the formats the fixtures have"
run "$inspect" --format json "$TEST_TMP/spin-v1-config_multi-multi_v1"
check "spin-v1-config, components hello and greet" jq -e \
    '.formats == ["spin-v1-config"] and ([.manifests[0].lockfile.components[].id] == ["hello","greet"])' \
    "$RUN_STDOUT_FILE"
run "$inspect" --format json "$TEST_TMP/mixed-hello_multi-platform"
check "the nested index with both platforms" jq -e \
    '.manifests[0].kind == "index" and
     ([.manifests[0].manifests[].format] == ["oci-image","spin-oci-layer"])' "$RUN_STDOUT_FILE"

finish
