#!/usr/bin/env bash
# Concurrent writers of one target (issue 13 item 4). Two `--in-place` conversions of one layout,
# the second started while the first is stopped (SIGSTOP) mid-write, used to both exit 0 with
# most of IN's blobs gone: the second listed IN, the first replaced it, and every blob the second
# then failed to open was taken as absent. Now every writer takes a lock on its target (the
# sibling ".NAME.oci-wasm-lock", held until after the rename; --in-place reads IN under it): a
# second writer is refused (exit 3) or, with --wait, waits; IN always ends up complete.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

convert="$OCIWASM_BIN/oci-wasm-convert"
validate="$OCIWASM_BIN/oci-wasm-validate"
hello="$OCIWASM_SOURCE_DIR/fixtures/spin-v1-config/hello"

# The input: old-format hello, 500 small blobs, and a 128 MB blob (sparse: cheap to make, real to
# copy) so that a conversion is still writing when it is stopped.
original="$TEST_TMP/original"
cp -r "$hello" "$original"
chmod -R u+w "$original"
add_filler_blobs "$original" 500
printf 'a large blob' > "$TEST_TMP/large"
truncate -s 128M "$TEST_TMP/large"
mv "$TEST_TMP/large" "$original/blobs/sha256/$(sha256sum "$TEST_TMP/large" | cut -d' ' -f1)"

# What a lone conversion makes of it: the result every case below must end with.
reference="$TEST_TMP/reference"
run "$convert" --to new "$original" "$reference"
assert_exit 0

work="$TEST_TMP/work"
mkdir -p "$work"

# listing DIR: every file under DIR with its size, sorted.
listing() { (cd "$1" && find . -type f -printf '%P %s\n' | LC_ALL=C sort); }

# assert_same_layout DIR WANTED: DIR holds the files of WANTED, same names and sizes, and the
# same index.json.
assert_same_layout() {
    if [[ "$(listing "$1")" == "$(listing "$2")" ]] && cmp -s "$1/index.json" "$2/index.json"; then
        pass
    else
        fail "expected $1 to hold what $2 holds; missing or different: $(diff <(listing "$2") \
            <(listing "$1") | grep -c '^[<>]') file(s)"
    fi
}

# assert_no_litter: nothing beside the layouts in $work (no lock file, no temporary).
assert_no_litter() {
    local stray
    stray="$(find "$work" -mindepth 1 -maxdepth 1 -name '.*' -printf '%f ')"
    if [[ -z "$stray" ]]; then pass; else fail "expected no hidden litter in $work, found $stray"; fi
}

# fresh NAME: a copy of the input at $work/NAME.
fresh() {
    rm -rf "${work:?}/$1"
    cp -r "$original" "$work/$1"
}

# start_stopped NAME ARGS...: starts `oci-wasm-convert ARGS...` in the background, stops it once
# the temporary beside $work/NAME exists (the lock is taken before it is made) and sets WRITER.
start_stopped() {
    local name="$1" tries
    shift
    "$convert" "$@" > "$TEST_TMP/writer.out" 2> "$TEST_TMP/writer.err" &
    WRITER=$!
    for ((tries = 0; tries < 6000; tries++)); do
        if [[ -n "$(find "$work" -mindepth 1 -maxdepth 1 -name ".$name.tmp-*" -print -quit)" ]]; then
            kill -STOP "$WRITER"
            return 0
        fi
        kill -0 "$WRITER" 2> /dev/null || break
        sleep 0.01
    done
    fail "expected the first writer of $name to be caught writing; it ended first"
}

# finish_writer: lets the stopped writer go on and checks that it succeeds.
finish_writer() {
    kill -CONT "$WRITER"
    local status=0
    wait "$WRITER" || status=$?
    if [[ "$status" == 0 ]]; then
        pass
    else
        fail "expected the first writer to exit 0, found $status: $(cat "$TEST_TMP/writer.err")"
    fi
}

# start_waiter ARGS...: starts `oci-wasm-convert ARGS...` (a writer given --wait) in the
# background, without the shell's fd 9, and checks a second later that it is still waiting.
start_waiter() {
    "$convert" "$@" > "$TEST_TMP/waiter.out" 2> "$TEST_TMP/waiter.err" 9>&- &
    WAITER=$!
    sleep 1
    check "the waiting writer to be still waiting" kill -0 "$WAITER"
}

# finish_waiter: the waiting writer ends, with exit 0.
finish_waiter() {
    local status=0
    wait "$WAITER" || status=$?
    check "the waiting writer to exit 0 (found $status: $(cat "$TEST_TMP/waiter.err"))" \
        test "$status" = 0
}

# ---- a lock held by someone else (here the shell, on fd 9) ----
fresh held
lock="$work/.held.oci-wasm-lock"
exec 9> "$lock"
flock -n 9

describe "a second writer is refused while the lock is held"
run "$convert" --in-place --to new "$work/held" 9>&-
assert_exit 3
assert_contains stderr "oci-wasm-convert: $work/held: "
assert_contains stderr "is writing it"
assert_contains stderr "--wait"
assert_same_layout "$work/held" "$original"

describe "--wait waits for the lock, then converts"
start_waiter --in-place --wait --to new "$work/held"
assert_same_layout "$work/held" "$original"
exec 9>&-
finish_waiter
assert_same_layout "$work/held" "$reference"
assert_no_litter

# ---- two conversions: the first stopped while it holds the lock ----
fresh in
describe "--in-place while another --in-place of IN is stopped mid-write"
start_stopped in --in-place --to new "$work/in"
run "$convert" --in-place --to new "$work/in"
assert_exit 3
assert_contains stderr "is writing it"
finish_writer
assert_same_layout "$work/in" "$reference"
run "$validate" "$work/in"
assert_exit 0
assert_not_contains stderr "OCI-BLOB-MISSING"
assert_no_litter

fresh in
describe "--in-place --wait while another --in-place of IN is stopped mid-write"
start_stopped in --in-place --to new "$work/in"
start_waiter --in-place --wait --to new "$work/in"
finish_writer
finish_waiter
check "the waiting writer to find nothing left to convert" \
    grep -q "0 converted, 1 unchanged" "$TEST_TMP/waiter.out"
assert_same_layout "$work/in" "$reference"
assert_no_litter

# ---- the same lock for every way of naming a target ----
fresh real
ln -s "$work/real" "$work/link"
describe "--in-place through a symlink locks the layout it leads to"
start_stopped real --in-place --to new "$work/link"
run "$convert" --in-place --to new "$work/real"
assert_exit 3
assert_contains stderr "is writing it"
finish_writer
assert_same_layout "$work/real" "$reference"
rm "$work/link"

for out in out out.tar; do
    describe "two conversions to one OUT ($out)"
    start_stopped "$out" --to new "$original" "$work/$out"
    run "$convert" --to new "$hello" "$work/$out"
    assert_exit 3
    assert_contains stderr "oci-wasm-convert: $work/$out: "
    assert_contains stderr "is writing it"
    finish_writer
    run "$validate" "$work/$out"
    assert_exit 0
    assert_no_litter
done

finish
