#!/usr/bin/env bash
# fixtures/broken is what scripts/make-broken-fixtures writes: rebuilt into a temporary directory
# and compared byte for byte (symlinks as links).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

describe "scripts/make-broken-fixtures rebuilds fixtures/broken"
run "$OCIWASM_SOURCE_DIR/scripts/make-broken-fixtures" "$TEST_TMP/rebuilt"
assert_exit 0
run diff -r --no-dereference "$OCIWASM_SOURCE_DIR/fixtures/broken" "$TEST_TMP/rebuilt"
assert_exit 0
assert_empty stdout

finish
