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

finish
