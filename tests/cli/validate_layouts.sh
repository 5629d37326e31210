#!/usr/bin/env bash
# oci-wasm-validate on layouts (directories, tars, compressed tars, stdin): text output and exit
# codes 0 (valid), 1 (invalid), 3 (unreadable); several inputs give the worst code.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

validate="$OCIWASM_BIN/oci-wasm-validate"
fixtures="$OCIWASM_SOURCE_DIR/fixtures"
hello="$fixtures/spin-oci-layer/hello"

blob_of() { printf '%s/blobs/sha256/%s' "$1" "${2#sha256:}"; }
manifest_of() { blob_of "$1" "$(jq -r '.manifests[0].digest' "$1/index.json")"; }

describe "a valid new-format layout directory"
run "$validate" "$hello"
assert_exit 0
assert_contains stdout "$hello: valid (0 errors, 0 warnings, "
assert_matches stdout "; formats: spin-oci-layer$"
assert_not_contains stdout ": error: "
assert_empty stderr

describe "a valid old-format layout directory"
run "$validate" "$fixtures/spin-v1-config/hello"
assert_exit 0
assert_matches stdout "^$fixtures/spin-v1-config/hello: valid \(0 errors, 0 warnings, [0-9]+ info\); formats: spin-v1-config$"

describe "a valid tar"
run "$validate" "$hello.tar"
assert_exit 0
assert_contains stdout "$hello.tar: valid (0 errors"

describe "compressed tars are recognised by content"
gzip -c "$hello.tar" > "$TEST_TMP/hello.tar.gz"
zstd -q -c "$hello.tar" > "$TEST_TMP/hello.tzst"
xz -c "$hello.tar" > "$TEST_TMP/hello.txz"
run "$validate" "$TEST_TMP/hello.tar.gz" "$TEST_TMP/hello.tzst" "$TEST_TMP/hello.txz"
assert_exit 0
assert_contains stdout "$TEST_TMP/hello.tar.gz: valid ("
assert_contains stdout "$TEST_TMP/hello.tzst: valid ("
assert_contains stdout "$TEST_TMP/hello.txz: valid ("

describe "- reads a tar from stdin"
run_with_stdin "$hello.tar" "$validate" -
assert_exit 0
assert_matches stdout '^-: valid \(0 errors, 0 warnings, [0-9]+ info\); formats: spin-oci-layer$'
assert_empty stderr

describe "- reads a gzip'd tar from stdin"
run_with_stdin "$TEST_TMP/hello.tar.gz" "$validate" -
assert_exit 0
assert_contains stdout "-: valid ("

# A copy of hello whose wasm layer has its last byte changed: same size, wrong content.
corrupt="$TEST_TMP/corrupt"
cp -r "$hello" "$corrupt"
chmod -R u+w "$corrupt"
wasm_digest="$(jq -r '.layers[0].digest' "$(manifest_of "$corrupt")")"
wasm="$(blob_of "$corrupt" "$wasm_digest")"
size="$(stat -c %s "$wasm")"
printf 'X' | dd of="$wasm" bs=1 seek=$((size - 1)) conv=notrunc status=none
if [[ "$(sha256sum "$wasm" | cut -d' ' -f1)" == "${wasm_digest#sha256:}" ]]; then
    printf 'Y' | dd of="$wasm" bs=1 seek=$((size - 1)) conv=notrunc status=none
fi

describe "a blob whose content does not match its digest"
run "$validate" "$corrupt"
assert_exit 1
assert_matches stdout "^$corrupt: blobs/sha256/${wasm_digest#sha256:}: error: OCI-DIGEST-MISMATCH: "
assert_matches stdout "^$corrupt: invalid \([1-9][0-9]* errors?, "
assert_empty stderr

describe "the summary is the last line"
check "the last line to be the summary" \
    bash -c '[[ "$(tail -n 1 "$1")" == "$2: invalid ("* ]]' _ "$RUN_STDOUT_FILE" "$corrupt"

describe "--no-verify-blobs skips hashing"
run "$validate" --no-verify-blobs "$corrupt"
assert_exit 0
assert_not_contains stdout "OCI-DIGEST-MISMATCH"
assert_contains stdout "$corrupt: valid ("

describe "--no-verify-blobs still checks sizes"
sized="$TEST_TMP/sized"
cp -r "$corrupt" "$sized"
printf 'extra' >> "$(blob_of "$sized" "$wasm_digest")"
run "$validate" --no-verify-blobs "$sized"
assert_exit 1
assert_contains stdout ": error: OCI-SIZE-MISMATCH: "

describe "--threads 1 gives the same findings"
run "$validate" --threads 1 "$corrupt"
assert_exit 1
assert_contains stdout ": error: OCI-DIGEST-MISMATCH: "

describe "--quiet prints only errors and warnings, no summary"
run "$validate" --quiet "$corrupt"
assert_exit 1
assert_contains stdout ": error: OCI-DIGEST-MISMATCH: "
assert_not_contains stdout ": info: "
assert_not_contains stdout "invalid ("
run "$validate" --quiet "$hello"
assert_exit 0
assert_empty stdout

describe "a missing input is unreadable (exit 3)"
run "$validate" "$TEST_TMP/nope"
assert_exit 3
assert_equals stderr "oci-wasm-validate: $TEST_TMP/nope: cannot open: No such file or directory"
assert_equals stdout "$TEST_TMP/nope: unreadable"

describe "a file that is no archive is unreadable (exit 3)"
printf 'just some text\n' > "$TEST_TMP/notes.txt"
run "$validate" "$TEST_TMP/notes.txt"
assert_exit 3
assert_matches stderr "^oci-wasm-validate: $TEST_TMP/notes.txt: "
assert_equals stdout "$TEST_TMP/notes.txt: unreadable"

describe "a layout without index.json is invalid, not unreadable"
empty="$TEST_TMP/empty"
new_layout "$empty"
run "$validate" "$empty"
assert_exit 1
assert_matches stdout "^$empty(: index.json)?: error: LAYOUT-MISSING-INDEX: "

describe "several inputs: each reported in order, the worst exit code wins"
run "$validate" "$hello" "$corrupt"
assert_exit 1
assert_matches stdout "^$hello: valid \("
assert_matches stdout "^$corrupt: invalid \("
check "the valid input reported before the invalid one" \
    bash -c '[[ "$(grep -n ": valid (" "$1" | cut -d: -f1)" -lt "$(grep -n ": invalid (" "$1" | cut -d: -f1)" ]]' \
    _ "$RUN_STDOUT_FILE"
run "$validate" "$TEST_TMP/nope" "$hello" "$corrupt"
assert_exit 3
assert_contains stdout "$TEST_TMP/nope: unreadable"
assert_contains stdout "$hello: valid ("
assert_contains stdout "$corrupt: invalid ("
assert_contains stderr "oci-wasm-validate: $TEST_TMP/nope: cannot open"
run "$validate" "$hello" "$hello.tar"
assert_exit 0
check "two summary lines" test "$(grep -c ': valid (' "$RUN_STDOUT_FILE")" = 2

# A plain OCI image whose manifest has no layers: one warning (OCI-LAYERS-EMPTY), no error.
layerless="$TEST_TMP/layerless"
new_layout "$layerless"
config="$(add_text_blob "$layerless" \
    '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}')"
manifest="$(add_text_blob "$layerless" "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":$(descriptor "$layerless" application/vnd.oci.image.config.v1+json "$config"),\"layers\":[]}")"
printf '{"schemaVersion":2,"manifests":[%s]}' \
    "$(descriptor "$layerless" application/vnd.oci.image.manifest.v1+json "$manifest")" \
    > "$layerless/index.json"

describe "warnings alone keep exit 0"
run "$validate" "$layerless"
assert_exit 0
assert_contains stdout ": warning: OCI-LAYERS-EMPTY: "
assert_matches stdout "^$layerless: valid \(0 errors, [1-9][0-9]* warnings?, [0-9]+ info\); formats: oci-image$"

describe "--strict turns warnings into exit 1"
run "$validate" --strict "$layerless"
assert_exit 1
assert_contains stdout ": warning: OCI-LAYERS-EMPTY: "
assert_matches stdout "^$layerless: invalid \(0 errors, [1-9][0-9]* warnings?, "

describe "--strict leaves a clean layout valid"
run "$validate" --strict "$hello"
assert_exit 0

finish
