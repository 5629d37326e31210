#!/usr/bin/env bash
# oci-wasm-convert: --help, --version and usage errors (exit 2, a message on stderr, nothing on
# stdout, no OUT), including the IN/OUT combinations refused before anything is read.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

convert="$OCIWASM_BIN/oci-wasm-convert"
old_hello="$OCIWASM_SOURCE_DIR/fixtures/spin-v1-config/hello"

describe "--help prints usage, every option and the exit codes on stdout"
run "$convert" --help
assert_exit 0
assert_matches stdout '^Usage: oci-wasm-convert \[options\] IN OUT$'
for option in --to --artifact-type --ref --allow-lossy --allow-missing-blobs --drop-referrers \
    --dry-run --format --output-format --in-place --wait --help --version; do
    assert_contains stdout "$option"
done
assert_contains stdout $'Exit status:\n  0  converted (or nothing to convert)'
assert_empty stderr

describe "-h is --help"
run "$convert" -h
assert_exit 0
assert_contains stdout "Usage: oci-wasm-convert"

describe "--version prints the name and a version"
run "$convert" --version
assert_exit 0
assert_matches stdout '^oci-wasm-convert [0-9]+\.[0-9]+\.[0-9]+$'

# usage_error DESCRIPTION EXPECTED-MESSAGE ARG...: exit 2, message and hint on stderr, no stdout.
usage_error() {
    describe "$1"
    local message="$2"
    shift 2
    run "$convert" "$@"
    assert_exit 2
    assert_empty stdout
    assert_matches stderr '^oci-wasm-convert: '
    assert_contains stderr "$message"
    assert_contains stderr "Try 'oci-wasm-convert --help' for more information."
}

out="$TEST_TMP/out"
usage_error "no arguments" "no IN" 
usage_error "no OUT" "no OUT" "$old_hello"
usage_error "three paths" "expected IN and OUT, found 3 paths" "$old_hello" "$out" extra
usage_error "an unknown option" "unrecognised option '--frobnicate'" --frobnicate "$old_hello" "$out"
usage_error "a bad --to" "unknown --to 'newer' (expected new or old)" --to newer "$old_hello" "$out"
usage_error "a bad --format" "unknown --format 'xml' (expected text or json)" \
    --format xml "$old_hello" "$out"
usage_error "a bad --output-format" "unknown --output-format 'zip'" \
    --output-format zip "$old_hello" "$out"
usage_error "a bad --artifact-type" "--artifact-type 'not a type' is not a media type" \
    --artifact-type "not a type" "$old_hello" "$out"
usage_error "an empty --ref" "--ref needs a non-empty ref name" --ref "" "$old_hello" "$out"
usage_error "--in-place with stdin" "--in-place needs IN to be a path, not -" --in-place -
check "no OUT was created by the usage errors" test ! -e "$out"

# A copy of a fixture we may point IN and OUT at.
layout="$TEST_TMP/layout"
cp -r "$old_hello" "$layout"
before="$(cd "$layout" && find . -type f -exec sha256sum {} + | sort)"

usage_error "OUT equal to IN without --in-place" "OUT is IN; expected a different output, or --in-place" \
    "$layout" "$layout"
usage_error "OUT equal to IN through another spelling" "OUT is IN" "$layout" "$layout/./"
usage_error "OUT inside IN" "OUT lies inside IN" "$layout" "$layout/blobs/out"
check "nothing was written inside IN" test ! -e "$layout/blobs/out"
usage_error "IN inside OUT" "lies inside OUT, which would be replaced" "$layout" "$TEST_TMP"
usage_error "--in-place with a different OUT" "--in-place writes IN itself" \
    --in-place "$layout" "$out"
usage_error "--in-place turning a directory into a tar" "--in-place keeps IN's kind" \
    --in-place --output-format tar "$layout"
mkdir -p "$TEST_TMP/precious"
echo "keep me" > "$TEST_TMP/precious/notes.txt"
usage_error "OUT a non-empty directory that is no layout" "not an OCI layout; refusing to replace it" \
    "$layout" "$TEST_TMP/precious"
check "the directory was left alone" grep -q "keep me" "$TEST_TMP/precious/notes.txt"
after="$(cd "$layout" && find . -type f -exec sha256sum {} + | sort)"
check "IN was not modified" test "$before" = "$after"
check "no temporary was left beside IN" test -z "$(find "$TEST_TMP" -maxdepth 1 -name '.*tmp-*')"

describe "a tar is not written to a terminal"
if command -v script > /dev/null; then
    run script -qec "$(printf '%q ' "$convert" "$old_hello" -)" /dev/null
    assert_exit 2
    assert_contains stdout "refusing to write a tar to a terminal"
else
    echo "$TEST_NAME: skipping the terminal check: script(1) is not installed"
fi

finish
