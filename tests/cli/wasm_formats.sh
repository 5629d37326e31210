#!/usr/bin/env bash
# The wasm formats beside Spin's (fixtures/wasm-formats, built from what each producer publishes):
# each validates clean with its detected format, and oci-wasm-inspect shows its format and
# platform, and the .wasm files of wasm container images, as text and JSON, from a directory and
# from a tar on stdin.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

validate="$OCIWASM_BIN/oci-wasm-validate"
inspect="$OCIWASM_BIN/oci-wasm-inspect"
formats="$OCIWASM_SOURCE_DIR/fixtures/wasm-formats"

# fixture FORMAT: the layout of FORMAT, and the format name it is detected as.
declare -A detected=(
    [wasm-oci]=wasm-oci
    [wasm-to-oci]=wasm-to-oci
    [runwasi]=runwasi-wasm-layers
    [wasmcloud]=wasmcloud-actor
    [wasm-container-image]=wasm-container-image
)

for layout in "${!detected[@]}"; do
    describe "$layout validates clean as ${detected[$layout]}"
    run "$validate" --strict --format json "$formats/$layout"
    assert_exit 0
    check "formats [${detected[$layout]}]" jq -e --arg f "${detected[$layout]}" \
        '.formats == [$f] and ([.manifests[].format] | unique) == [$f]' "$RUN_STDOUT_FILE"
    check "no error or warning" jq -e '.summary.errors == 0 and .summary.warnings == 0' \
        "$RUN_STDOUT_FILE"
done

# platform_of JSON: "ref format os/architecture source" per manifest.
platforms() {
    jq -r '.manifests[] | "\(.refName) \(.format) " +
        (if .platform == null then "null" else
         "\(.platform.os)/\(.platform.architecture) \(.platform.source)" end)' "$RUN_STDOUT_FILE"
}

describe "inspect json: format and platform of each fixture"
declare -A expected=(
    [wasm-oci]=$'component:v1 wasm-oci wasip2/wasm config\nmodule:v1 wasm-oci wasip1/wasm config'
    [wasm-to-oci]='hello:v1 wasm-to-oci null'
    [runwasi]='hello:v1 runwasi-wasm-layers wasip1/wasm config'
    [wasmcloud]='echo:v1 wasmcloud-actor null'
    [wasm-container-image]=$'hello:v1 wasm-container-image wasi/wasm config\nwasi-demo-app:v1 wasm-container-image wasip1/wasm config'
)
for layout in "${!expected[@]}"; do
    run "$inspect" --format json "$formats/$layout"
    assert_exit 0
    found="$(platforms)"
    if [[ "$found" == "${expected[$layout]}" ]]; then
        pass
    else
        fail "$layout: expected [${expected[$layout]}], found [$found]"
    fi
done

describe "inspect json: the CNCF artifact's layers say module or component"
run "$inspect" --format json "$formats/wasm-oci"
check "component then module" jq -e '[.manifests[].layers[0].wasm] == ["component","module"]' \
    "$RUN_STDOUT_FILE"
run "$inspect" --format json "$formats/runwasi"
check "runwasi's layer type is a wasm layer" jq -e '.manifests[0].layers[0].wasm == "module"' \
    "$RUN_STDOUT_FILE"
run "$inspect" --format json "$formats/wasmcloud"
check "wasmCloud's layer type is a wasm layer" jq -e '.manifests[0].layers[0].wasm == "module"' \
    "$RUN_STDOUT_FILE"

describe "inspect: the .wasm files of a wasm container image, with their kind"
run "$inspect" --format json "$formats/wasm-container-image"
assert_exit 0
check "files of hello:v1" jq -e '.manifests[0].layers[0].files ==
    [{"path":"/app.wasm","size":170,"wasm":"module"},{"path":"/lib/c.wasm","size":142,"wasm":"component"}]' \
    "$RUN_STDOUT_FILE"
check "files of wasi-demo-app:v1 (an uncompressed layer)" jq -e \
    '.manifests[1].layers[0].files == [{"path":"/wasi-demo-app.wasm","size":170,"wasm":"module"}]' \
    "$RUN_STDOUT_FILE"
check "no listing problem" jq -e '[.manifests[].layers[].filesProblem] == ["",""]' "$RUN_STDOUT_FILE"
run "$inspect" "$formats/wasm-container-image"
assert_exit 0
assert_contains stdout "  format:       wasm-container-image"
assert_contains stdout "  platform:     wasi/wasm (from the config)"
assert_contains stdout "        /app.wasm (170 bytes)  wasm module"
assert_contains stdout "        /lib/c.wasm (142 bytes)  wasm component"

describe "a tar of each fixture on stdin gives the directory's JSON"
for layout in "${!detected[@]}"; do
    run "$inspect" --format json "$formats/$layout"
    jq -S 'del(.input)' "$RUN_STDOUT_FILE" > "$TEST_TMP/dir.json"
    tar -C "$formats/$layout" -cf "$TEST_TMP/$layout.tar" oci-layout index.json blobs
    run_with_stdin "$TEST_TMP/$layout.tar" "$inspect" --format json -
    assert_exit 0
    check "$layout from stdin to match the directory" cmp -s \
        <(jq -S 'del(.input)' "$RUN_STDOUT_FILE") "$TEST_TMP/dir.json"
    run_with_stdin "$TEST_TMP/$layout.tar" "$validate" --strict -
    assert_exit 0
done

describe "convert passes each through, naming the format validate detects"
for layout in "${!detected[@]}"; do
    run "$OCIWASM_BIN/oci-wasm-convert" --to new --dry-run "$formats/$layout"
    assert_exit 0
    assert_contains stdout ": unchanged (${detected[$layout]}, not a Spin app): "
done

describe "the platform on the index entry alone makes a container image a wasm one"
cp -r "$formats/wasm-container-image" "$TEST_TMP/entry-only"
chmod -R u+w "$TEST_TMP/entry-only"
config="$(config_digest "$TEST_TMP/entry-only")"
edit_blob "$TEST_TMP/entry-only" "$config" '.architecture = "amd64" | .os = "linux"'
run "$inspect" --format json --ref hello:v1 "$TEST_TMP/entry-only"
check "wasm-container-image by the entry's wasi/wasm" jq -e \
    '.manifests[0].format == "wasm-container-image" and .manifests[0].layers[0].files != []' \
    "$RUN_STDOUT_FILE"
run "$validate" --format json "$TEST_TMP/entry-only"
check "WASM-PLATFORM-MISMATCH at the entry" jq -e '[.findings[] | select(.code ==
    "WASM-PLATFORM-MISMATCH") | .file + "#" + .pointer] == ["index.json#/manifests/0/platform"]' \
    "$RUN_STDOUT_FILE"

finish
