#!/usr/bin/env bash
# Directory layouts built to exhaust the reader: the scan holds a bounded number of file
# descriptors, whatever the number of algorithm directories under blobs/.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

validate="$OCIWASM_BIN/oci-wasm-validate"
convert="$OCIWASM_BIN/oci-wasm-convert"
hello="$OCIWASM_SOURCE_DIR/fixtures/spin-v1-config/hello"

# 300 algorithm directories (200 empty, 100 holding one blob each) under a limit of 128 open
# files: one descriptor per directory held for the whole scan ran out ("Too many open files").
layout="$TEST_TMP/many-algorithms"
cp -r "$hello" "$layout"
chmod -R u+w "$layout"
for i in $(seq 1 200); do mkdir "$layout/blobs/empty$i"; done
for i in $(seq 1 100); do
    mkdir "$layout/blobs/alg$i"
    printf 'x' > "$layout/blobs/alg$i/abcdef$i"
done

describe "validate: 300 algorithm directories under ulimit -n 128"
run bash -c 'ulimit -n 128 && exec "$0" "$1"' "$validate" "$layout"
assert_exit 0
assert_not_contains stderr "Too many open files"
assert_contains stdout ": valid ("

describe "validate --threads 1 (the sequential path): the same"
run bash -c 'ulimit -n 128 && exec "$0" --threads 1 "$1"' "$validate" "$layout"
assert_exit 0
assert_contains stdout ": valid ("

describe "convert --dry-run: the same"
run bash -c 'ulimit -n 128 && exec "$0" --dry-run "$1"' "$convert" "$layout"
assert_exit 0
assert_not_contains stderr "Too many open files"

finish
