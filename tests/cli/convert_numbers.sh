#!/usr/bin/env bash
# Convert keeps every number of the documents it rewrites digit for digit, in members it does
# not know too: 123456789012345678901234567890 is not 1.2345678901234568e29, and
# 0.10000000000000000000000001 is not 0.1.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

convert="$OCIWASM_BIN/oci-wasm-convert"
validate="$OCIWASM_BIN/oci-wasm-validate"
layout="$TEST_TMP/numbers"
cp -r "$OCIWASM_SOURCE_DIR/fixtures/spin-v1-config/hello" "$layout"
chmod -R u+w "$layout"
numbers='"x-big":123456789012345678901234567890,"x-dec":0.10000000000000000000000001,"x-exp":1E2,"x-neg":-0'

# The manifest gains unknown members; index.json follows its new digest and size, and gains them too.
old_digest="$(jq -r '.manifests[0].digest' "$layout/index.json")"
old_manifest="$layout/blobs/sha256/${old_digest#sha256:}"
sed "s/^{/{$numbers,/" "$old_manifest" > "$TEST_TMP/manifest"
rm "$old_manifest"
digest="$(add_blob "$layout" "$TEST_TMP/manifest")"
size="$(stat -c %s "$TEST_TMP/manifest")"
sed -e "s/$old_digest/$digest/" -e "s/\"size\":[0-9]*}]/\"size\":$size}]/" -e "s/^{/{$numbers,/" \
    "$layout/index.json" > "$TEST_TMP/index.json"
cp "$TEST_TMP/index.json" "$layout/index.json"

describe "the edited input is valid"
run "$validate" "$layout"
assert_exit 0

describe "convert --to new keeps the numbers of index.json and the manifest"
run "$convert" --to new "$layout" "$TEST_TMP/new"
assert_exit 0
run cat "$TEST_TMP/new/index.json"
assert_contains stdout "$numbers"
manifest="$(jq -r '.manifests[0].digest' "$TEST_TMP/new/index.json")"
run cat "$TEST_TMP/new/blobs/sha256/${manifest#sha256:}"
assert_contains stdout "$numbers"

describe "and --to old back gives them again"
run "$convert" --to old "$TEST_TMP/new" "$TEST_TMP/old"
assert_exit 0
run cat "$TEST_TMP/old/index.json"
assert_contains stdout "$numbers"
manifest="$(jq -r '.manifests[0].digest' "$TEST_TMP/old/index.json")"
run cat "$TEST_TMP/old/blobs/sha256/${manifest#sha256:}"
assert_contains stdout "$numbers"

finish
