#!/usr/bin/env bash
# The progress line: in a real terminal (util-linux `script` gives the tools a pty), one stderr
# line redrawn with \r for inputs of 256 MiB and more, or for any input with --progress; never
# with --no-progress, never when stderr is not a terminal, never on stdout.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v script > /dev/null || { echo "$TEST_NAME: script missing (Debian bsdutils)" >&2; exit 1; }

validate="$OCIWASM_BIN/oci-wasm-validate"
convert="$OCIWASM_BIN/oci-wasm-convert"
hello="$OCIWASM_SOURCE_DIR/fixtures/spin-oci-layer/hello"
cd "$TEST_TMP" || exit 1

# A 300 MiB layout: one unreferenced blob of zeros, sparse so it costs no disk.
new_layout big
printf '{"schemaVersion":2,"manifests":[]}' > big/index.json
truncate -s 300M zeros
hex="$(sha256sum zeros | cut -d' ' -f1)"
mv zeros "big/blobs/sha256/$hex"

# in_tty COMMAND: runs the shell COMMAND with stdin, stdout and stderr on a pseudo-terminal;
# what the terminal showed lands in $TEST_TMP/tty (RUN_STDOUT).
in_tty() { run script -q -e -c "$1" "$TEST_TMP/tty"; RUN_STDOUT="$(cat "$TEST_TMP/tty")"; }

describe "a large input in a terminal: the line is drawn and redrawn, then erased"
in_tty "'$validate' big"
assert_exit 0
assert_contains stdout $'\roci-wasm-validate: big: 0 B of 300.0 MiB (0%)\e[K'
assert_contains stdout $'\roci-wasm-validate: big: 300.0 MiB of 300.0 MiB (100%)'
assert_matches stdout $'\r\e\\[K'"big: blobs/sha256/$hex: info: OCI-BLOB-UNREFERENCED"
assert_contains stdout "big: valid (0 errors"

describe "the rate appears once there is one to show"
in_tty "'$validate' --no-verify-blobs big; '$validate' big"
assert_matches stdout 'MiB \(100%\), [0-9.]+ (MiB|GiB)/s'

describe "stdout stays clean while stderr shows progress"
in_tty "'$validate' --format json big > '$TEST_TMP/out.json'"
assert_contains stdout "300.0 MiB of 300.0 MiB (100%)"
check "stdout is one clean JSON line" jq -e '.valid == true' out.json
check "no carriage return on stdout" bash -c "! grep -q $'\r' out.json"

describe "--no-progress: nothing, even for a large input in a terminal"
in_tty "'$validate' --no-progress big"
assert_exit 0
assert_not_contains stdout "MiB of"
assert_not_contains stdout $'\e[K'

describe "a small input in a terminal: nothing by default, the line with --progress"
in_tty "'$validate' '$hello'"
assert_not_contains stdout " of 1.7 KiB"
in_tty "'$validate' --progress '$hello'"
assert_contains stdout "oci-wasm-validate: $hello: 1.7 KiB of 1.7 KiB (100%)"

describe "stderr not a terminal (stdout is): nothing on stderr, even with --progress"
in_tty "'$validate' --progress big 2> '$TEST_TMP/err'; '$validate' big 2>> '$TEST_TMP/err'"
assert_exit 0
check "stderr file empty" test ! -s err
assert_not_contains stdout "MiB of"

describe "no terminal at all: nothing"
run "$validate" --progress big
assert_exit 0
assert_empty stderr
assert_not_contains stdout "MiB of"

describe "oci-wasm-convert shows the same line, and its summary starts on a clean line"
in_tty "'$convert' --progress '$hello' '$TEST_TMP/converted'"
assert_exit 0
assert_contains stdout "oci-wasm-convert: $hello: 1.7 KiB of 1.7 KiB (100%)"
assert_contains stdout $'\r\e[Khello:v1: unchanged'
assert_contains stdout "converted: 0 converted, 1 unchanged"
run "$convert" --progress "$hello" "$TEST_TMP/converted2"
assert_empty stderr

describe "--progress with --no-progress is a usage error"
run "$validate" --progress --no-progress "$hello"
assert_exit 2
assert_contains stderr "--progress and --no-progress exclude each other"
run "$convert" --progress --no-progress "$hello" x
assert_exit 2
finish
