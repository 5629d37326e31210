#!/usr/bin/env bash
# Input-derived bytes never drive a terminal, a CI log or a parser: crafted names (ESC, BEL, CR,
# LF, a leading workflow command, ill-formed UTF-8) in blob file names, ref names, tar entry
# names and input names go through validate (every --format), inspect (text, json) and convert
# (text, json). No raw control byte but the format's own newlines reaches stdout or stderr,
# machine formats are valid UTF-8 and parse, and no line starts with "::" unless it is our own
# workflow command.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

validate="$OCIWASM_BIN/oci-wasm-validate"
inspect="$OCIWASM_BIN/oci-wasm-inspect"
convert="$OCIWASM_BIN/oci-wasm-convert"
fixtures="$OCIWASM_SOURCE_DIR/fixtures"
t="$TEST_TMP"

# only_newlines FILE: no control byte (C0, DEL) in FILE except LF.
only_newlines() { test "$(LC_ALL=C tr -d '\n\040-\176\200-\377' < "$1" | wc -c)" = 0; }
valid_utf8() { iconv -f UTF-8 -t UTF-8 "$1" > /dev/null; }
no_colon_line() { ! LC_ALL=C grep -aq '^::' "$1"; }
# no_forged_command FILE: every line starting "::" is one of ours: a command, then properties
# whose values cannot hold ':' or ',' (they are percent-encoded), then "::".
no_forged_command() {
    ! LC_ALL=C grep -av -E '^::(error|warning|notice) (file=[^:,]*,)?title=[^:,]*::' "$1" \
        | LC_ALL=C grep -aq '^::'
}

# check_output FORMAT: the checks every output of the last run passes, by format.
check_output() {
    local format="$1" stream
    for stream in "$RUN_STDOUT_FILE" "$RUN_STDERR_FILE"; do
        check "$format: only newlines as control bytes in $(basename "$stream")" only_newlines "$stream"
    done
    check "$format: no line of stderr starts with ::" no_colon_line "$RUN_STDERR_FILE"
    if [[ "$format" == github ]]; then
        check "github: every line starting with :: is our command" no_forged_command "$RUN_STDOUT_FILE"
    else
        check "$format: no line of stdout starts with ::" no_colon_line "$RUN_STDOUT_FILE"
    fi
    check "$format: the exit code is a verdict, not a crash" test "$RUN_STATUS" -le 1
    case "$format" in
        text) ;;
        junit)
            check "junit: valid UTF-8" valid_utf8 "$RUN_STDOUT_FILE"
            check "junit: well-formed XML" xmllint --noout "$RUN_STDOUT_FILE"
            ;;
        github)
            check "github: valid UTF-8" valid_utf8 "$RUN_STDOUT_FILE"
            ;;
        *)
            check "$format: valid UTF-8" valid_utf8 "$RUN_STDOUT_FILE"
            check "$format: parses as JSON" jq -e . "$RUN_STDOUT_FILE"
            ;;
    esac
}

escape=$'\x1b[31mRED\x07'
injected=$'cr\rlf\n::error title=x::injected'
leading='::error title=x::leading'
ill_formed=$'bad\xff\xfeutf8'

# ---- (a) an input directory whose name is not UTF-8 ------------------------------------------
not_utf8="$t/"$'\xff\xfe'dir
cp -r "$fixtures/spin-v1-config/hello" "$not_utf8"
describe "inspect --format json of a directory whose name is not UTF-8"
run "$inspect" --format json "$not_utf8"
assert_exit 0
check_output json
check "the name comes back with U+FFFD" jq -e '.input | endswith("/\ufffd\ufffddir")' \
    "$RUN_STDOUT_FILE"
describe "convert --dry-run --format json of a directory whose name is not UTF-8"
run "$convert" --dry-run --format json "$not_utf8"
assert_exit 0
check_output json
check "the input comes back with U+FFFD" jq -e '.input | endswith("/\ufffd\ufffddir")' \
    "$RUN_STDOUT_FILE"
describe "convert --format json into an output whose name is not UTF-8"
run "$convert" --format json "$not_utf8" "$t/"$'\xfe'out
assert_exit 0
check_output json
check "the output comes back with U+FFFD" jq -e '.output | endswith("/\ufffdout")' \
    "$RUN_STDOUT_FILE"
describe "convert text into an output whose name is not UTF-8"
run "$convert" "$not_utf8" "$t/"$'\xfe'text
assert_exit 0
check_output text
assert_contains stdout '\xFEtext: 1 converted'

# ---- (b) crafted names everywhere ------------------------------------------------------------
# The layout directory's own name, four blob file names and one ref name are crafted.
layout="$t/$escape$injected$ill_formed"
cp -r "$fixtures/spin-v1-config/hello" "$layout"
for name in "$escape" "$injected" "$leading" "$ill_formed"; do
    printf 'x' > "$layout/blobs/sha256/$name"
done
edit_index "$layout" --arg name "$escape$injected$ill_formed" \
    '.manifests[0].annotations["org.opencontainers.image.ref.name"] = ($name | explode | map(select(. != 65533)) | implode)'
tar --format=posix -cf "$t/crafted.tar" -C "$layout" oci-layout index.json blobs

for input in "$layout" "$t/crafted.tar"; do
    for format in text json sarif github gitlab junit; do
        describe "validate --format $format $(basename "$input" | head -c 12 | od -An -c | tr -s ' ')"
        run "$validate" --format "$format" "$input"
        assert_exit 1
        check_output "$format"
    done
    describe "validate text shows ESC as \\x1B and LF as \\n"
    run "$validate" "$input"
    assert_contains stdout '\x1B[31mRED\x07'
    assert_contains stdout 'cr\rlf\n::error title=x::injected'
    describe "inspect text of crafted names"
    run "$inspect" "$input"
    assert_exit 0
    check_output text
    assert_contains stdout '\x1B[31mRED\x07'
    describe "inspect json of crafted names"
    run "$inspect" --format json "$input"
    assert_exit 0
    check_output json
    check "the ref name comes back whole" jq -e --arg name $'\x1b[31mRED\x07cr\rlf\n::error title=x::injectedbadutf8' \
        '.refNames == [$name]' "$RUN_STDOUT_FILE"
done

# The tools print the input's name as given before a message (a plain name here); the message
# itself quotes the ref names read from index.json.
cp -r "$layout" "$t/refs"
for input in "$t/refs" "$t/crafted.tar"; do
    describe "inspect --ref of an unknown name lists the crafted one on stderr, escaped"
    run "$inspect" --ref absent "$input"
    assert_exit 1
    check_output text
    assert_contains stderr '\x1B[31mRED\x07cr\rlf\n::error title=x::injected'
done

finish
