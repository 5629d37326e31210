#!/usr/bin/env bash
# How a directory OUT is made durable (issue 13 item 11): it used to be one fsync per file, which
# made a layout of 100,000 small blobs take 37 s. Now the files are written, then one syncfs of
# the output's filesystem and an fsync of each directory before the rename: a fixed number of
# sync calls whatever the number of blobs. Counted with strace, not timed. A tar OUT is one file:
# one fsync of it, then of its directory, as before.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

convert="$OCIWASM_BIN/oci-wasm-convert"
validate="$OCIWASM_BIN/oci-wasm-validate"
readonly BLOBS=400

layout="$TEST_TMP/in"
cp -r "$OCIWASM_SOURCE_DIR/fixtures/spin-v1-config/hello" "$layout"
chmod -R u+w "$layout"
add_filler_blobs "$layout" "$BLOBS"

# traced OUT: converts the layout to OUT under strace, counting the sync calls of every thread.
# LeakSanitizer cannot run under ptrace (it stops the process with a fatal error), so a
# sanitized build traces with leak detection off; the other tests check for leaks.
traced() {
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" run \
        strace -f -qq -c -o "$TEST_TMP/strace" -e trace=fsync,fdatasync,syncfs,sync \
        "$convert" --to new "$layout" "$1"
}

# calls SYSCALL: how many times the last traced run made SYSCALL (0 when never).
calls() {
    awk -v name="$1" '$NF == name { found = $4 } END { print found + 0 }' "$TEST_TMP/strace"
}

describe "a directory OUT of $BLOBS blobs"
traced "$TEST_TMP/out"
assert_exit 0
check "exactly one syncfs (found $(calls syncfs))" test "$(calls syncfs)" = 1
# The temporary, blobs/, blobs/sha256/ and the parent of OUT.
check "fsync of the directories only, at most 4 (found $(calls fsync))" test "$(calls fsync)" -le 4
check "no fdatasync or sync (found $(calls fdatasync), $(calls sync))" \
    test "$(($(calls fdatasync) + $(calls sync)))" = 0
run "$validate" "$TEST_TMP/out"
assert_exit 0
check "every blob written" test "$(find "$TEST_TMP/out/blobs/sha256" -type f | wc -l)" = \
    "$((BLOBS + 4))"

describe "a directory OUT replacing an existing one"
traced "$TEST_TMP/out"
assert_exit 0
check "exactly one syncfs (found $(calls syncfs))" test "$(calls syncfs)" = 1
check "fsync of the directories only, at most 4 (found $(calls fsync))" test "$(calls fsync)" -le 4

describe "a tar OUT"
traced "$TEST_TMP/out.tar"
assert_exit 0
check "the tar and its directory synced (found $(calls fsync))" test "$(calls fsync)" = 2
check "no syncfs for a tar (found $(calls syncfs))" test "$(calls syncfs)" = 0
run "$validate" "$TEST_TMP/out.tar"
assert_exit 0

finish
