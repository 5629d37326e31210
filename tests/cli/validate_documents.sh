#!/usr/bin/env bash
# oci-wasm-validate --as KIND: each INPUT is one bare JSON document, a file or - for stdin.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

validate="$OCIWASM_BIN/oci-wasm-validate"
hello="$OCIWASM_SOURCE_DIR/fixtures/spin-oci-layer/hello"

blob_of() { printf '%s/blobs/sha256/%s' "$hello" "${1#sha256:}"; }
manifest="$(blob_of "$(jq -r '.manifests[0].digest' "$hello/index.json")")"
config="$(blob_of "$(jq -r '.config.digest' "$manifest")")"
lockfile="$(blob_of "$(jq -r '.layers[-1].digest' "$manifest")")"

describe "each kind of document from the fixture is valid"
for pair in "manifest:$manifest" "index:$hello/index.json" "config:$config" \
    "layout:$hello/oci-layout" "lockfile:$lockfile"; do
    kind="${pair%%:*}"
    file="${pair#*:}"
    run "$validate" --as "$kind" "$file"
    assert_exit 0
    assert_matches stdout "^$file: valid \(0 errors, 0 warnings, 0 info\)(; formats: [a-z0-9, -]+)?$"
done

describe "--as descriptor"
jq -c '.config' "$manifest" > "$TEST_TMP/descriptor.json"
run "$validate" --as descriptor "$TEST_TMP/descriptor.json"
assert_exit 0
assert_contains stdout "$TEST_TMP/descriptor.json: valid ("

describe "--as manifest reads stdin"
run_with_stdin "$manifest" "$validate" --as manifest -
assert_exit 0
assert_equals stdout "-: valid (0 errors, 0 warnings, 0 info); formats: spin-oci-layer"
assert_empty stderr

describe "a schema violation is an error with a pointer"
printf '{"schemaVersion":"2","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}' \
    > "$TEST_TMP/bad-manifest.json"
run "$validate" --as manifest "$TEST_TMP/bad-manifest.json"
assert_exit 1
assert_contains stdout "$TEST_TMP/bad-manifest.json#/schemaVersion: error: OCI-SCHEMA: "
assert_matches stdout "^$TEST_TMP/bad-manifest.json: invalid \([1-9][0-9]* errors?, "

describe "the same document from stdin is named -"
run_with_stdin "$TEST_TMP/bad-manifest.json" "$validate" --as manifest -
assert_exit 1
assert_contains stdout "-#/schemaVersion: error: OCI-SCHEMA: "

describe "a duplicate member name is not I-JSON"
printf '{"schemaVersion":2,"schemaVersion":2}' > "$TEST_TMP/dup.json"
run "$validate" --as manifest "$TEST_TMP/dup.json"
assert_exit 1
assert_matches stdout "^$TEST_TMP/dup.json(#[^:]*)?: error: JSON-INVALID: "

describe "warnings pass, and fail with --strict"
printf '{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}' \
    > "$TEST_TMP/layerless.json"
run "$validate" --as manifest "$TEST_TMP/layerless.json"
assert_exit 0
assert_contains stdout ": warning: OCI-LAYERS-EMPTY: "
assert_matches stdout "^$TEST_TMP/layerless.json: valid \(0 errors, 1 warning, "
run_with_stdin "$TEST_TMP/layerless.json" "$validate" --strict --as manifest -
assert_exit 1
assert_matches stdout '^-: invalid \(0 errors, 1 warning, '

describe "a manifest checked as an index is invalid"
run "$validate" --as index "$manifest"
assert_exit 1
assert_contains stdout ": error: "

describe "several documents: the worst exit code wins"
run "$validate" --as manifest "$manifest" "$TEST_TMP/bad-manifest.json"
assert_exit 1
assert_contains stdout "$manifest: valid ("
assert_contains stdout "$TEST_TMP/bad-manifest.json: invalid ("

describe "a missing document is unreadable"
run "$validate" --as manifest "$TEST_TMP/missing.json" "$manifest"
assert_exit 3
assert_equals stderr "oci-wasm-validate: $TEST_TMP/missing.json: cannot open: No such file or directory"
assert_contains stdout "$TEST_TMP/missing.json: unreadable"
assert_contains stdout "$manifest: valid ("

describe "a directory is no document"
run "$validate" --as index "$hello"
assert_exit 3
assert_equals stderr "oci-wasm-validate: $hello: expected a JSON document, found a directory"

finish
