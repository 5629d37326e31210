# shellcheck shell=bash
# Assertion helpers shared by the CLI contract tests (tests/cli/*.sh), which source it. Run on
# its own (ctest runs every tests/cli/*.sh), it checks its own helpers (see the end).
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   describe "a valid layout exits 0"
#   run "$OCIWASM_BIN/oci-wasm-validate" "$OCIWASM_SOURCE_DIR/fixtures/spin-oci-layer/hello"
#   assert_exit 0
#   assert_contains stdout ": valid ("
#   finish
#
# `run` captures the exit code in RUN_STATUS and the output in RUN_STDOUT / RUN_STDERR (also in
# the files RUN_STDOUT_FILE / RUN_STDERR_FILE, with trailing newlines kept). A failed assertion
# does not stop the script: it prints what was expected and found, the command and its output,
# and `finish` exits 1 at the end if anything failed.
set -uo pipefail

: "${OCIWASM_BIN:?OCIWASM_BIN must name the directory holding the built tools}"
OCIWASM_SOURCE_DIR="${OCIWASM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
TEST_NAME="$(basename "$0" .sh)"
TEST_TMP="$(mktemp -d)"
trap 'rm -rf "$TEST_TMP"' EXIT
RUN_STDOUT_FILE="$TEST_TMP/.run-stdout"
RUN_STDERR_FILE="$TEST_TMP/.run-stderr"
RUN_COMMAND=""
RUN_STATUS=0
RUN_STDOUT=""
RUN_STDERR=""
_description=""
_checks=0
_failures=0

# describe TEXT: names the case the following assertions belong to (shown on failure).
describe() { _description="$*"; }

# run CMD [ARG...]: runs CMD with stdin from /dev/null.
run() { run_with_stdin /dev/null "$@"; }

# run_with_stdin FILE CMD [ARG...]: runs CMD with stdin from FILE.
run_with_stdin() {
    local input="$1"
    shift
    printf -v RUN_COMMAND '%q ' "$@"
    "$@" < "$input" > "$RUN_STDOUT_FILE" 2> "$RUN_STDERR_FILE"
    RUN_STATUS=$?
    # $(< FILE) is read by bash itself: no process per run (a `cat` each cost about 10 ms).
    RUN_STDOUT="$(< "$RUN_STDOUT_FILE")"
    RUN_STDERR="$(< "$RUN_STDERR_FILE")"
}

# fail MESSAGE: records a failure, with the last command and its output.
fail() {
    _failures=$((_failures + 1))
    {
        printf '%s: FAIL: %s%s\n' "$TEST_NAME" "${_description:+$_description: }" "$*"
        printf '  command: %s\n  exit:    %s\n' "$RUN_COMMAND" "$RUN_STATUS"
        printf '  stdout:\n'
        head -n 20 "$RUN_STDOUT_FILE" 2> /dev/null | awk '{ print "    " $0 }'
        printf '  stderr:\n'
        head -n 20 "$RUN_STDERR_FILE" 2> /dev/null | awk '{ print "    " $0 }'
    } >&2
}

pass() { _checks=$((_checks + 1)); }

# _stream stdout|stderr: sets _STREAM to that output of the last run. A variable, not a command
# substitution: the assertions fork no process of their own.
_stream() {
    case "$1" in
        stdout) _STREAM="$RUN_STDOUT" ;;
        stderr) _STREAM="$RUN_STDERR" ;;
        *) printf '%s: lib.sh: expected stdout or stderr, found %s\n' "$TEST_NAME" "$1" >&2; exit 2 ;;
    esac
}

assert_exit() {
    if [[ "$RUN_STATUS" == "$1" ]]; then pass; else fail "expected exit code $1, found $RUN_STATUS"; fi
}

# assert_contains stdout|stderr TEXT: TEXT (a fixed string) occurs in the stream.
assert_contains() {
    _stream "$1"
    if [[ "$_STREAM" == *"$2"* ]]; then pass; else fail "expected $1 to contain '$2'"; fi
}

assert_not_contains() {
    _stream "$1"
    if [[ "$_STREAM" != *"$2"* ]]; then pass; else fail "expected $1 not to contain '$2'"; fi
}

# assert_matches stdout|stderr REGEX: some line matches the extended regular expression.
assert_matches() {
    # A here-string, not a pipe: grep -q exits at the first match, and under pipefail the writer's
    # SIGPIPE would turn a match into a failure.
    _stream "$1"
    if grep -Eq -- "$2" <<< "$_STREAM"; then pass; else fail "expected a line of $1 to match /$2/"; fi
}

# assert_equals stdout|stderr TEXT: the whole stream (trailing newlines ignored) is TEXT.
assert_equals() {
    _stream "$1"
    if [[ "$_STREAM" == "$2" ]]; then pass; else fail "expected $1 to be '$2', found '$_STREAM'"; fi
}

assert_empty() {
    _stream "$1"
    if [[ -z "$_STREAM" ]]; then pass; else fail "expected $1 to be empty"; fi
}

assert_line_count() {
    local found
    _stream "$1"
    found="$(grep -c '' <<< "$_STREAM")"
    if [[ "$found" == "$2" ]]; then pass; else fail "expected $2 lines on $1, found $found"; fi
}

# check DESCRIPTION CMD [ARG...]: any other assertion; passes when CMD exits 0.
check() {
    local what="$1"
    shift
    if "$@" > /dev/null 2>&1; then pass; else fail "expected $what (check failed: $*)"; fi
}

# assert_no_crash: the last command exited by itself (no signal), with no sanitizer report.
assert_no_crash() {
    if ((RUN_STATUS < 128)); then
        pass
    else
        fail "expected a normal exit, found signal $((RUN_STATUS - 128))"
    fi
    assert_not_contains stderr "Sanitizer"
    assert_not_contains stderr "runtime error"
}

# _peak_rss: PEAK_RSS from the last line /usr/bin/time wrote (after its "Command exited with
# non-zero status N" line, when there is one).
_peak_rss() {
    PEAK_RSS="$(< "$TEST_TMP/.rss")"
    PEAK_RSS="${PEAK_RSS##*$'\n'}"
}

# _measured CMD [ARG...]: CMD under /usr/bin/time (Debian package time), which writes its peak
# resident memory (KiB) to $TEST_TMP/.rss. ASan (sanitized builds) keeps freed memory in a
# quarantine: it is kept small there, so that the peak measures what we hold (no effect on
# other builds).
_measured() {
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16" \
        /usr/bin/time -f '%M' -o "$TEST_TMP/.rss" "$@"
}

# _check_time_once: the first measured run of a test checks that /usr/bin/time is there.
_check_time_once() {
    [[ -z "${_TIME_CHECKED:-}" ]] || return 0
    _TIME_CHECKED=1
    check "/usr/bin/time to measure memory (Debian package time)" test -x /usr/bin/time
}

# run_measured STDIN CMD [ARG...]: run_with_stdin, recording the peak resident memory (KiB) in
# PEAK_RSS.
run_measured() {
    local input="$1"
    shift
    _check_time_once
    run_with_stdin "$input" _measured "$@"
    printf -v RUN_COMMAND '%q ' "$@"
    _peak_rss
}

# run_measured_to FILE CMD [ARG...]: run_measured with stdin from /dev/null and stdout into FILE,
# for outputs too large to hold in a variable: RUN_STDOUT (and RUN_STDOUT_FILE) keep only its
# first 4 KiB.
run_measured_to() {
    local output="$1"
    shift
    _check_time_once
    printf -v RUN_COMMAND '%q ' "$@"
    _measured "$@" < /dev/null > "$output" 2> "$RUN_STDERR_FILE"
    RUN_STATUS=$?
    _peak_rss
    head -c 4096 "$output" > "$RUN_STDOUT_FILE"
    RUN_STDOUT="$(< "$RUN_STDOUT_FILE")"
    RUN_STDERR="$(head -c 65536 "$RUN_STDERR_FILE")"
}

# assert_rss_below_mib MIB: the last run_measured command peaked below MIB MiB resident. Under
# the sanitizers (OCIWASM_SANITIZED=1, set by the build) ASan's shadow memory, allocator and
# quarantine about triple what a process holds, so the bound there is 4 x MIB: still far below
# what unbounded growth reaches (the Release pass checks MIB itself).
assert_rss_below_mib() {
    local limit="$1" why=""
    if [[ "${OCIWASM_SANITIZED:-0}" == 1 ]]; then
        limit=$((4 * $1))
        why=" (4 x $1 MiB under the sanitizers)"
    fi
    if [[ "$PEAK_RSS" =~ ^[0-9]+$ ]] && ((PEAK_RSS < limit * 1024)); then
        pass
    else
        fail "expected a peak resident memory below $limit MiB$why, found ${PEAK_RSS} KiB"
    fi
}

# assert_bounded_run EXIT MIB: the last measured run exited EXIT by itself, with no sanitizer
# report, and peaked below MIB MiB resident (see assert_rss_below_mib).
assert_bounded_run() {
    assert_exit "$1"
    assert_rss_below_mib "$2"
    assert_no_crash
}

# finish: the script's last line; exits 1 when an assertion failed.
finish() {
    if ((_failures > 0)); then
        printf '%s: %d of %d checks failed\n' "$TEST_NAME" "$_failures" "$((_checks + _failures))" >&2
        exit 1
    fi
    printf '%s: ok (%d checks)\n' "$TEST_NAME" "$_checks"
    exit 0
}

# Building tiny layouts inline. Blobs are sha256, named by their content.
# Editing a copy of a fixture consistently: replace_blob, edit_blob, edit_index, layer_digest...
# shellcheck source=scripts/layout-edit.sh
source "$OCIWASM_SOURCE_DIR/scripts/layout-edit.sh"
# shellcheck source=scripts/perl-blobs.sh
source "$OCIWASM_SOURCE_DIR/scripts/perl-blobs.sh"
LAYOUT_EDIT_TMP="$TEST_TMP"

# new_layout DIR: oci-layout and an empty blobs/sha256/ (index.json is up to the caller).
new_layout() {
    mkdir -p "$1/blobs/sha256"
    printf '{"imageLayoutVersion":"1.0.0"}' > "$1/oci-layout"
}

# add_blob LAYOUT FILE: copies FILE in as a blob and prints its digest.
add_blob() {
    local hex
    hex="$(sha256_of "$2")"
    cp "$2" "$1/blobs/sha256/$hex"
    printf 'sha256:%s' "$hex"
}

# add_text_blob LAYOUT TEXT: TEXT (exactly, no newline added) as a blob; prints its digest.
add_text_blob() {
    printf '%s' "$2" > "$TEST_TMP/.blob"
    add_blob "$1" "$TEST_TMP/.blob"
}

# add_filler_blobs LAYOUT COUNT: COUNT small distinct unreferenced blobs, named by their sha256
# (one sha256sum for all of them).
add_filler_blobs() {
    local staging="$TEST_TMP/.fillers" i hex name
    mkdir -p "$staging"
    for ((i = 0; i < $2; i++)); do printf 'filler blob %d\n' "$i" > "$staging/$i"; done
    (cd "$staging" && sha256sum -- *) | while read -r hex name; do
        mv "$staging/$name" "$1/blobs/sha256/$hex"
    done
    rmdir "$staging"
}

# descriptor LAYOUT MEDIATYPE DIGEST: a compact descriptor with the blob's real size.
descriptor() {
    local size
    size="$(stat -c %s "$1/blobs/sha256/${3#sha256:}")"
    printf '{"mediaType":"%s","digest":"%s","size":%s}' "$2" "$3" "$size"
}

# Run directly (ctest runs every tests/cli/*.sh), lib.sh checks its own helpers.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    describe "run captures stdout, stderr and the exit code"
    run printf 'one\ntwo\n'
    assert_exit 0
    assert_equals stdout $'one\ntwo'
    assert_line_count stdout 2
    assert_empty stderr
    run sh -c 'echo "bad thing" >&2; exit 3'
    assert_exit 3
    assert_contains stderr "bad thing"
    assert_matches stderr '^bad t'
    assert_not_contains stdout "bad"
    describe "run_with_stdin feeds the file"
    printf 'from stdin' > "$TEST_TMP/input"
    run_with_stdin "$TEST_TMP/input" cat
    assert_equals stdout "from stdin"
    describe "run_measured records the peak memory, and the command as it was given"
    run_measured "$TEST_TMP/input" sh -c 'cat; exit 4'
    assert_bounded_run 4 64
    assert_equals stdout "from stdin"
    check "a peak in KiB" test "$PEAK_RSS" -gt 0
    check "the command without /usr/bin/time" test "${RUN_COMMAND%% -c *}" = sh
    run_measured_to "$TEST_TMP/measured" printf 'to a file'
    assert_bounded_run 0 64
    assert_equals stdout "to a file"
    describe "a failed assertion is counted, not fatal"
    counted="$(assert_exit 1 2> /dev/null; echo "$_failures")"
    check "a failing assert_exit to count one failure" test "$counted" = $((_failures + 1))
    describe "the layout helpers name blobs by their sha256"
    new_layout "$TEST_TMP/layout"
    digest="$(add_text_blob "$TEST_TMP/layout" '{}')"
    check "the digest of {}" \
        test "$digest" = sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a
    check "a descriptor of size 2" test "$(descriptor "$TEST_TMP/layout" a/b "$digest")" = \
        "{\"mediaType\":\"a/b\",\"digest\":\"$digest\",\"size\":2}"
    finish
fi
