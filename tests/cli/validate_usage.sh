#!/usr/bin/env bash
# oci-wasm-validate: --help, --version and usage errors (exit 2, a message on stderr, nothing on
# stdout).
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

validate="$OCIWASM_BIN/oci-wasm-validate"
hello="$OCIWASM_SOURCE_DIR/fixtures/spin-oci-layer/hello"

describe "--help prints usage, every option and the exit codes on stdout"
run "$validate" --help
assert_exit 0
assert_matches stdout '^Usage: oci-wasm-validate \[options\] INPUT\.\.\.$'
for option in --as --format --strict --quiet --no-verify-blobs --threads --help --version; do
    assert_contains stdout "$option"
done
assert_contains stdout "  1  findings of severity error (or warnings with --strict)"
assert_empty stderr

describe "-h is --help"
run "$validate" -h
assert_exit 0
assert_contains stdout "Usage: oci-wasm-validate"

describe "--version prints the name and a version"
run "$validate" --version
assert_exit 0
assert_matches stdout '^oci-wasm-validate [0-9]+\.[0-9]+\.[0-9]+$'
assert_empty stderr

# usage_error DESCRIPTION EXPECTED-MESSAGE ARG...: exit 2, message and hint on stderr, no stdout.
usage_error() {
    describe "$1"
    local message="$2"
    shift 2
    run "$validate" "$@"
    assert_exit 2
    assert_empty stdout
    assert_matches stderr '^oci-wasm-validate: '
    assert_contains stderr "$message"
    assert_contains stderr "Try 'oci-wasm-validate --help' for more information."
}

usage_error "no input" "no INPUT"
usage_error "an unknown option" "unrecognised option '--bogus'" --bogus "$hello"
usage_error "a bad --format value" "unknown --format 'xml' (expected text, json, sarif, github, gitlab or junit)" \
    --format xml "$hello"
usage_error "a bad --as value" "unknown --as 'blob'" --as blob "$hello"
usage_error "--format without a value" "argument for option '--format' is missing" "$hello" --format
usage_error "a negative --threads" "--threads must be 0 or more, found -1" --threads=-1 "$hello"
usage_error "a --threads that is no number" "('many') for option '--threads' is invalid" \
    --threads many "$hello"
usage_error "stdin named twice" "stdin (-) can be named only once" - -
usage_error "an abbreviated option" "unrecognised option '--form'" --form json "$hello"

describe "a usage error wins over validating anything"
run "$validate" --format xml /nonexistent/layout
assert_exit 2
assert_not_contains stderr "/nonexistent/layout"

describe "-- ends the options: a later --help is an input"
run "$validate" -- --help
assert_exit 3
assert_contains stderr "oci-wasm-validate: --help: "
assert_not_contains stdout "Usage:"

finish
