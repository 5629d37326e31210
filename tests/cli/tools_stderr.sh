#!/usr/bin/env bash
# What the three tools write to stderr about a hostile input: every input-derived byte is escaped
# onto one line (control bytes as \xHH, LF/CR/tab as \n/\r/\t), so a crafted blob or tar entry
# name can neither drive a terminal nor start a line a CI log reads as a command (GitHub's
# `::error ...::`). A diagnostic names its location once.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

validate="$OCIWASM_BIN/oci-wasm-validate"
convert="$OCIWASM_BIN/oci-wasm-convert"
inspect="$OCIWASM_BIN/oci-wasm-inspect"
hello="$OCIWASM_SOURCE_DIR/fixtures/spin-oci-layer/hello"

# assert_no_raw_controls FILE: FILE holds no C0 control byte other than LF, and no DEL.
assert_no_raw_controls() {
    if LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177]')" "$1"; then
        fail "expected no raw control byte in $(basename "$1"), found: $(od -c "$1" | head -5)"
    else
        pass
    fi
}

# assert_valid_utf8 FILE: FILE is well-formed UTF-8 (ill-formed input bytes are shown as \xHH).
assert_valid_utf8() {
    if iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1; then
        pass
    else
        fail "expected $(basename "$1") to be valid UTF-8, found: $(od -c "$1" | head -5)"
    fi
}

# assert_no_line_starting FILE TEXT: no line of FILE starts with TEXT.
assert_no_line_starting() {
    if LC_ALL=C grep -qF -- "$2" <(LC_ALL=C cut -c1-"${#2}" "$1"); then
        fail "expected no line of $(basename "$1") to start with '$2'"
    else
        pass
    fi
}

# copy_hello DIR: a writable copy of the hello layout.
copy_hello() {
    cp -r "$hello" "$1"
    chmod -R u+w "$1"
}

esc_name=$'bad\e[31mRED'
bad="$TEST_TMP/esc"
copy_hello "$bad"
printf 'x' > "$bad/blobs/sha256/$esc_name"

describe "validate: a blob named with ESC is shown as \\x1B"
run "$validate" "$bad"
assert_exit 1
assert_contains stdout 'blobs/sha256/bad\x1B[31mRED'
assert_no_raw_controls "$RUN_STDOUT_FILE"
assert_no_raw_controls "$RUN_STDERR_FILE"

describe "convert: a blob named with ESC is escaped on stderr, its location said once"
run "$convert" "$bad" "$TEST_TMP/esc-out"
assert_exit 1
assert_contains stderr 'blobs/sha256/bad\x1B[31mRED'
assert_no_raw_controls "$RUN_STDERR_FILE"
check "the location stated once per line" \
    test "$(grep -c 'bad.*: [A-Z][A-Z-]*: .*blobs/sha256/bad' "$RUN_STDERR_FILE")" = 0

describe "convert --dry-run: the same"
run "$convert" --dry-run "$bad"
assert_exit 1
assert_no_raw_controls "$RUN_STDERR_FILE"

describe "inspect: a blob named with ESC does not reach stderr raw"
run "$inspect" "$bad"
assert_no_raw_controls "$RUN_STDERR_FILE"

# Names that try everything: ESC, BEL, CR, LF followed by a workflow command, invalid UTF-8.
crafted=$'x\e]0;title\a\r\n::error title=x::owned\n::warning::\xff\xfe'
layout="$TEST_TMP/crafted"
copy_hello "$layout"
printf 'x' > "$layout/blobs/sha256/$crafted"
tar -C "$layout" -cf "$TEST_TMP/crafted.tar" oci-layout index.json blobs

for input in "$layout" "$TEST_TMP/crafted.tar"; do
    name="$(basename "$input")"
    describe "convert $name: a crafted name starts no line of stderr"
    run "$convert" "$input" "$TEST_TMP/out-$name"
    assert_exit 1
    assert_no_raw_controls "$RUN_STDERR_FILE"
    assert_no_line_starting "$RUN_STDERR_FILE" "::"
    assert_contains stderr 'x\x1B]0;title\x07\r\n::error title=x::owned\n::warning::\xFF\xFE'
    assert_valid_utf8 "$RUN_STDERR_FILE"

    describe "convert --dry-run --format json $name: the same on stderr"
    run "$convert" --dry-run --format json "$input"
    assert_exit 1
    assert_no_raw_controls "$RUN_STDERR_FILE"
    assert_no_line_starting "$RUN_STDERR_FILE" "::"

    for format in text json github; do
        describe "validate --format $format $name: a crafted name starts no line"
        run "$validate" --format "$format" "$input"
        assert_exit 1
        for stream in "$RUN_STDOUT_FILE" "$RUN_STDERR_FILE"; do
            assert_no_raw_controls "$stream"
            assert_valid_utf8 "$stream"
            assert_no_line_starting "$stream" "::error title=x"
            assert_no_line_starting "$stream" "::warning::"
        done
    done

    describe "inspect $name: a crafted name starts no line of stderr"
    run "$inspect" "$input"
    assert_no_raw_controls "$RUN_STDERR_FILE"
    assert_valid_utf8 "$RUN_STDERR_FILE"
    assert_no_line_starting "$RUN_STDERR_FILE" "::"
done

# A name the tar reader refuses outright still reaches the message that says so escaped.
evil="$TEST_TMP/evil"
mkdir -p "$evil/blobs/sha256"
cp "$hello/oci-layout" "$hello/index.json" "$evil/"
printf 'x' > "$evil/$crafted"
tar -C "$evil" -cf "$TEST_TMP/evil.tar" oci-layout index.json "$crafted" blobs
for tool in "$validate" "$convert" "$inspect"; do
    describe "$(basename "$tool"): an unexpected tar member with a crafted name"
    if [[ "$tool" == "$convert" ]]; then
        run "$tool" --dry-run "$TEST_TMP/evil.tar"
    else
        run "$tool" "$TEST_TMP/evil.tar"
    fi
    assert_no_raw_controls "$RUN_STDERR_FILE"
    assert_no_line_starting "$RUN_STDERR_FILE" "::"
done

# An input path with control bytes (as a script might pass one through): escaped too.
describe "each tool: a missing input whose name holds ESC and a newline"
for tool in "$validate" "$convert" "$inspect"; do
    if [[ "$tool" == "$convert" ]]; then
        run "$tool" --dry-run "$TEST_TMP/$crafted"
    else
        run "$tool" "$TEST_TMP/$crafted"
    fi
    assert_exit 3
    assert_matches stderr "^$(basename "$tool"): "
    assert_no_raw_controls "$RUN_STDERR_FILE"
    assert_no_line_starting "$RUN_STDERR_FILE" "::"
done

finish
