#!/usr/bin/env bash
# Hostile JSON and hostile graphs through the real oci-wasm-validate: each case ends in its
# finding code with exit 1 (or a clear refusal with exit 3), within bounded time and memory,
# never a crash. Inputs are generated here.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

validate="$OCIWASM_BIN/oci-wasm-validate"
readonly MT_MANIFEST="application/vnd.oci.image.manifest.v1+json"
readonly MT_INDEX="application/vnd.oci.image.index.v1+json"
readonly MAX_RSS_MIB=200

# app_with_manifest DIR FILE: a layout whose index.json lists FILE as its one manifest (stored
# under its real digest).
app_with_manifest() {
    new_layout "$1"
    local digest
    digest="$(add_blob "$1" "$2")"
    printf '{"schemaVersion":2,"manifests":[%s]}' "$(descriptor "$1" "$MT_MANIFEST" "$digest")" \
        > "$1/index.json"
    MANIFEST_PATH="blobs/sha256/${digest#sha256:}"
}

describe "1,000,000 nested arrays as a bare manifest"
head -c 1000000 /dev/zero | tr '\0' '[' > "$TEST_TMP/deep.json"
run_measured /dev/null "$validate" --as manifest "$TEST_TMP/deep.json"
assert_bounded_run 1 "$MAX_RSS_MIB"
assert_contains stdout "error: JSON-INVALID: "
assert_contains stdout "nesting deeper than 512 levels"

describe "1,000,000 nested objects as a manifest blob of a layout"
for _ in $(seq 1000); do printf '{"a":'; done > "$TEST_TMP/chunk"
for _ in $(seq 1000); do cat "$TEST_TMP/chunk"; done > "$TEST_TMP/deep-objects.json"
app_with_manifest "$TEST_TMP/deep" "$TEST_TMP/deep-objects.json"
run_measured /dev/null "$validate" "$TEST_TMP/deep"
assert_bounded_run 1 "$MAX_RSS_MIB"
assert_matches stdout "$MANIFEST_PATH#/a/a/a[/a]*: error: JSON-INVALID: "
assert_contains stdout "found an error at line 1, column 2561 (byte 2560): nesting deeper than 512 levels"

describe "1,000,000-deep lockfile and index"
run "$validate" --as lockfile "$TEST_TMP/deep.json"
assert_exit 1
assert_contains stdout "error: SPIN-LOCKFILE-INVALID: "
run "$validate" --as index "$TEST_TMP/deep-objects.json"
assert_exit 1
assert_contains stdout "error: JSON-INVALID: "
assert_no_crash

# 100 MB of valid JSON: above the 64 MiB a document may have, so it is never loaded; above the
# 16 MiB of JSON kept while streaming, so the scan drops it.
{
    printf '{"schemaVersion":2,"config":{},"layers":[],"annotations":{"padding":"'
    head -c 100000000 /dev/zero | tr '\0' 'a'
    printf '"}}'
} > "$TEST_TMP/huge.json"

describe "100 MB of JSON in a manifest blob of a directory layout"
app_with_manifest "$TEST_TMP/huge" "$TEST_TMP/huge.json"
run_measured /dev/null "$validate" "$TEST_TMP/huge"
assert_bounded_run 1 "$MAX_RSS_MIB"
assert_contains stdout "$MANIFEST_PATH: error: OCI-DOCUMENT-TOO-LARGE: "
assert_contains stdout "found $(stat -c %s "$TEST_TMP/huge.json") bytes"

describe "100 MB of JSON in a manifest blob of a tar on stdin"
tar -C "$TEST_TMP/huge" -cf "$TEST_TMP/huge.tar" oci-layout index.json blobs
run_measured "$TEST_TMP/huge.tar" "$validate" -
assert_bounded_run 1 "$MAX_RSS_MIB"
assert_contains stdout "$MANIFEST_PATH: error: OCI-DOCUMENT-TOO-LARGE: "

describe "100 MB of JSON as a bare document is refused before it is read whole"
run_measured /dev/null "$validate" --as manifest "$TEST_TMP/huge.json"
assert_bounded_run 3 "$MAX_RSS_MIB"
assert_contains stderr "$TEST_TMP/huge.json"
assert_contains stderr "67108864 bytes"
rm -rf "$TEST_TMP/huge" "$TEST_TMP/huge.tar" "$TEST_TMP/huge.json"

describe "invalid UTF-8 in a manifest"
printf '{"schemaVersion":2,"config":{},"layers":[],"annotations":{"a":"\xff\xfe"}}' > "$TEST_TMP/utf8.json"
app_with_manifest "$TEST_TMP/utf8" "$TEST_TMP/utf8.json"
run "$validate" "$TEST_TMP/utf8"
assert_exit 1
# A syntax error points at the innermost object or array that was opened; line and column say
# where in it.
assert_contains stdout "$MANIFEST_PATH#/annotations: error: JSON-INVALID: "
assert_contains stdout "found an error at line 1, column 64 (byte 63): Invalid encoding in string."
assert_contains stdout "Invalid encoding in string"
assert_no_crash
run "$validate" --as manifest "$TEST_TMP/utf8.json"
assert_exit 1
assert_contains stdout "error: JSON-INVALID: "

describe "duplicate member names in a manifest"
printf '{"schemaVersion":2,"schemaVersion":2,"config":{},"layers":[]}' > "$TEST_TMP/dup.json"
app_with_manifest "$TEST_TMP/dup" "$TEST_TMP/dup.json"
run "$validate" "$TEST_TMP/dup"
assert_exit 1
assert_contains stdout "$MANIFEST_PATH#/schemaVersion: error: JSON-INVALID: "
assert_contains stdout 'duplicate member name "schemaVersion"'
assert_no_crash

describe "a NUL byte and garbage after the manifest"
printf '{"schemaVersion":2,"config":{},"layers":[]}\0garbage' > "$TEST_TMP/nul.json"
app_with_manifest "$TEST_TMP/nul" "$TEST_TMP/nul.json"
run "$validate" "$TEST_TMP/nul"
assert_exit 1
assert_contains stdout "$MANIFEST_PATH: error: JSON-INVALID: "
assert_contains stdout "unexpected NUL byte after the document"
assert_no_crash

describe "a digest of the right shape that the content does not hash to"
cp -r "$OCIWASM_SOURCE_DIR/fixtures/spin-oci-layer/hello" "$TEST_TMP/renamed"
chmod -R u+w "$TEST_TMP/renamed"
real="$(jq -r '.manifests[0].digest' "$TEST_TMP/renamed/index.json")"
wrong="sha256:$(printf '%s' wrong | sha256sum | cut -d' ' -f1)"
mv "$TEST_TMP/renamed/blobs/sha256/${real#sha256:}" "$TEST_TMP/renamed/blobs/sha256/${wrong#sha256:}"
jq -c --arg d "$wrong" '.manifests[0].digest = $d' "$TEST_TMP/renamed/index.json" > "$TEST_TMP/index.json"
mv "$TEST_TMP/index.json" "$TEST_TMP/renamed/index.json"
run "$validate" "$TEST_TMP/renamed"
assert_exit 1
assert_contains stdout "blobs/sha256/${wrong#sha256:}: error: OCI-DIGEST-MISMATCH: expected content hashing to $wrong (its name), found $real"
assert_no_crash

for size in -1 9223372036854775808 18446744073709551616 1e400; do
    describe "a descriptor size of $size"
    cp -r "$OCIWASM_SOURCE_DIR/fixtures/spin-oci-layer/hello" "$TEST_TMP/size"
    chmod -R u+w "$TEST_TMP/size"
    sed -i "s/\"size\":[0-9]*/\"size\":$size/" "$TEST_TMP/size/index.json"
    run "$validate" "$TEST_TMP/size"
    assert_exit 1
    # Against the real blob a wrong size is OCI-SIZE-MISMATCH, which stands for the schema error.
    # (A number JSON cannot hold is a syntax error: it points at the descriptor holding it.)
    assert_matches stdout "index.json#/manifests/0(/size: error: (OCI-SCHEMA|OCI-SIZE-MISMATCH)|: error: JSON-INVALID): "
    # The descriptor alone, its number as written (jq would round it).
    sed 's/.*"manifests":\[\(.*\)\].*/\1/' "$TEST_TMP/size/index.json" > "$TEST_TMP/descriptor.json"
    run "$validate" --as descriptor "$TEST_TMP/descriptor.json"
    assert_exit 1
    assert_matches stdout "(#/size: error: OCI-SCHEMA|descriptor.json: error: JSON-INVALID): "
    assert_no_crash
    rm -rf "$TEST_TMP/size"
done

describe "an index that lists itself under a wrong digest"
new_layout "$TEST_TMP/cycle"
self="sha256:$(printf '%064d' 7)"
# The blob's size appears inside it; three digits settle it.
body_of() {
    printf '{"schemaVersion":2,"mediaType":"%s","manifests":[{"mediaType":"%s","digest":"%s","size":%s}]}' \
        "$MT_INDEX" "$MT_INDEX" "$self" "$1"
}
size=$(body_of 100 | wc -c)
body_of "$size" > "$TEST_TMP/cycle/blobs/sha256/${self#sha256:}"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"%s","digest":"%s","size":%s}]}' \
    "$MT_INDEX" "$self" "$size" > "$TEST_TMP/cycle/index.json"
run timeout 60 "$validate" "$TEST_TMP/cycle"
assert_exit 1
assert_contains stdout "error: OCI-DIGEST-MISMATCH: "
assert_contains stdout "error: OCI-INDEX-CYCLE: "
assert_no_crash

describe "100,000 descriptors in one index"
new_layout "$TEST_TMP/wide"
{
    printf '{"schemaVersion":2,"manifests":['
    seq 0 99999 | awk -v mt="$MT_MANIFEST" '{
        printf "%s{\"mediaType\":\"%s\",\"digest\":\"sha256:%064x\",\"size\":2}", (NR > 1 ? "," : ""), mt, $1
    }'
    printf ']}'
} > "$TEST_TMP/wide/index.json"
start=$SECONDS
run_measured /dev/null "$validate" --strict --format json "$TEST_TMP/wide"
assert_bounded_run 1 64
missing="$(jq '[.findings[] | select(.code == "OCI-BLOB-MISSING" and .severity == "warning")]
                | length' "$RUN_STDOUT_FILE")"
check "OCI-BLOB-MISSING (a warning, failing with --strict) once per descriptor" test "$missing" = 100000
last="$(jq -r '.findings[] | select(.pointer == "/manifests/99999") | .code' "$RUN_STDOUT_FILE")"
check "the last descriptor's finding points at it" test "$last" = OCI-BLOB-MISSING
check "validation within 120 s (took $((SECONDS - start)) s)" test $((SECONDS - start)) -lt 120
# Neither the findings nor the manifests reached are held in memory beyond about 1 MiB each
# (issue 12: this took 450 MB before); index.json is capped at 16 MiB.

finish
