#!/usr/bin/env bash
# oci-wasm-inspect: --help, --version and usage errors (exit 2, a message on stderr, nothing on
# stdout).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

inspect="$OCIWASM_BIN/oci-wasm-inspect"
hello="$OCIWASM_SOURCE_DIR/fixtures/spin-oci-layer/hello"

describe "--help prints usage, every option and the exit codes on stdout"
run "$inspect" --help
assert_exit 0
assert_matches stdout '^Usage: oci-wasm-inspect \[options\] INPUT$'
for option in --format --ref --lockfile --blob --no-verify-blobs --help --version; do
    assert_contains stdout "$option"
done
assert_contains stdout "  2  usage error (also: --lockfile with several Spin apps and no --ref)"
assert_contains stdout "oci-wasm-inspect --lockfile app.tar | jq -r '.components[].id'"
assert_empty stderr

describe "--version prints the name and a version"
run "$inspect" --version
assert_exit 0
assert_matches stdout '^oci-wasm-inspect [0-9]+\.[0-9]+\.[0-9]+$'
assert_empty stderr

# usage_error DESCRIPTION EXPECTED-MESSAGE ARG...: exit 2, message and hint on stderr, no stdout.
usage_error() {
    describe "$1"
    local message="$2"
    shift 2
    run "$inspect" "$@"
    assert_exit 2
    assert_empty stdout
    assert_matches stderr '^oci-wasm-inspect: '
    assert_contains stderr "$message"
    assert_contains stderr "Try 'oci-wasm-inspect --help' for more information."
}

usage_error "no input" "no INPUT"
usage_error "two inputs" "expected one INPUT, found 2" "$hello" "$hello"
usage_error "an unknown option" "unrecognised option '--bogus'" --bogus "$hello"
usage_error "a bad --format value" "unknown --format 'sarif' (expected text or json)" \
    --format sarif "$hello"
usage_error "--lockfile with --blob" "--lockfile and --blob exclude each other" \
    --lockfile --blob sha256:0 "$hello"
usage_error "--format with --lockfile" "--format applies to the listing, not to --lockfile" \
    --format json --lockfile "$hello"
usage_error "--format with --blob" "--format applies to the listing, not to --blob" \
    --format text --blob sha256:0 "$hello"
usage_error "--ref with --blob" "--ref does not apply to --blob" --ref hello:v1 --blob sha256:0 \
    "$hello"
usage_error "an empty --ref" "--ref needs a non-empty NAME" --ref "" "$hello"
usage_error "--blob without a value" "argument for option '--blob' is missing" "$hello" --blob

describe "a usage error wins over reading anything"
run "$inspect" --format xml /nonexistent/layout
assert_exit 2
assert_not_contains stderr "/nonexistent/layout"

describe "a malformed --blob digest is a usage error too, named with what was expected"
run "$inspect" --blob sha256:ABC "$hello"
assert_exit 2
assert_empty stdout
assert_contains stderr "expected a digest like sha256:<64 hex digits>, found 'sha256:ABC'"

finish
