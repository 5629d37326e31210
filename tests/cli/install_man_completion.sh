#!/usr/bin/env bash
# `cmake --install` puts man pages and bash completions where man and bash-completion look:
# each installed page, read with `man -l`, has NAME, SYNOPSIS, OPTIONS, EXIT STATUS and EXAMPLES
# and lists every option of --help; the completion, sourced after bash-completion, is registered
# for the three tools (`complete -p`), offers every --help option, the values of --as, --format,
# --to and --output-format, and files and directories for inputs.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${OCIWASM_BUILD_DIR:?OCIWASM_BUILD_DIR must name the build directory}"
for tool in man col; do
    command -v "$tool" > /dev/null || { echo "$TEST_NAME: $tool missing (Debian man-db, bsdextrautils)" >&2; exit 1; }
done
bash_completion=/usr/share/bash-completion/bash_completion
[[ -f "$bash_completion" ]] || { echo "$TEST_NAME: $bash_completion missing (Debian bash-completion)" >&2; exit 1; }
tools=(oci-wasm-validate oci-wasm-convert oci-wasm-inspect)

describe "cmake --install installs the tools, the man pages and the completions"
prefix="$TEST_TMP/prefix"
run cmake --install "$OCIWASM_BUILD_DIR" --prefix "$prefix"
assert_exit 0
for tool in "${tools[@]}"; do
    check "$tool in bin" test -x "$prefix/bin/$tool"
    check "$tool.1 in share/man/man1" test -s "$prefix/share/man/man1/$tool.1"
    check "$tool's completion" test -s "$prefix/share/bash-completion/completions/$tool"
done

# help_options TOOL: every long option --help lists.
help_options() { "$prefix/bin/$1" --help | grep -oE '^  (-h \[ )?--[a-z-]+' | grep -oE -- '--[a-z-]+' | sort -u; }

for tool in "${tools[@]}"; do
    describe "man -l $tool.1"
    run bash -c "MANWIDTH=200 man -l '$prefix/share/man/man1/$tool.1' | col -b"
    assert_exit 0
    for section in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES "SEE ALSO"; do
        assert_matches stdout "^$section\$"
    done
    assert_matches stdout "^ +$tool - "
    assert_matches stdout "^ +$tool \[options\]"
    assert_matches stdout '^ +0 +'
    assert_matches stdout '^ +3 +'
    for option in $(help_options "$tool"); do
        assert_matches stdout "^ +(-h \[ )?$option"
    done
    check "the page says which version" grep -q 'oci-wasm-validate\|0\.1' "$prefix/share/man/man1/$tool.1"
done
run bash -c "MANWIDTH=200 man -l '$prefix/share/man/man1/oci-wasm-validate.1' | col -b"
assert_contains stdout "oci-wasm-validate --format junit app.tar"
describe "man finds the pages by name through MANPATH"
run env MANPATH="$prefix/share/man" MANWIDTH=200 man oci-wasm-convert
assert_exit 0
assert_contains stdout "--to new|old"

# complete_words TOOL WORD...: the completions bash offers for the last WORD (after sourcing
# bash-completion and the installed file, as an interactive shell would).
complete_words() {
    local tool="$1"
    shift
    bash --norc --noprofile -c '
        source "$1"; source "$2"; shift 2
        COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
        spec="$(complete -p "$1")"; function="${spec#*-F }"; function="${function%% *}"
        "$function" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf "%s\n" "${COMPREPLY[@]}" | sort' \
        complete "$bash_completion" "$prefix/share/bash-completion/completions/$tool" "$tool" "$@"
}

describe "complete -p: registered for the three tools"
run bash --norc --noprofile -c "source '$bash_completion'; source '$prefix/share/bash-completion/completions/oci-wasm-validate'; complete -p ${tools[*]}"
assert_exit 0
for tool in "${tools[@]}"; do
    assert_matches stdout "^complete -F _oci_wasm $tool\$"
done

for tool in "${tools[@]}"; do
    describe "$tool: every option of --help is offered, and nothing else"
    run complete_words "$tool" --
    assert_equals stdout "$(help_options "$tool")"
done

describe "values of the options that take a fixed set"
run complete_words oci-wasm-validate --format ''
assert_equals stdout "$(printf '%s\n' github gitlab json junit sarif text)"
run complete_words oci-wasm-validate --format j
assert_equals stdout "$(printf '%s\n' json junit)"
run complete_words oci-wasm-validate --as ''
assert_equals stdout "$(printf '%s\n' config descriptor index layout lockfile manifest)"
run complete_words oci-wasm-convert --to ''
assert_equals stdout "$(printf '%s\n' new old)"
run complete_words oci-wasm-convert --output-format tar
assert_equals stdout "$(printf '%s\n' tar tar.gz tar.zst)"
run complete_words oci-wasm-inspect --format ''
assert_equals stdout "$(printf '%s\n' json text)"

describe "the values the tools accept are the values completed"
for value in github gitlab json junit sarif text; do
    run "$prefix/bin/oci-wasm-validate" --format "$value" --no-verify-blobs "$OCIWASM_SOURCE_DIR/fixtures/spin-oci-layer/hello"
    assert_exit 0
done

describe "inputs: files and directories"
mkdir -p "$TEST_TMP/work/app-layout" && touch "$TEST_TMP/work/app.tar" "$TEST_TMP/work/other"
cd "$TEST_TMP/work" || exit 1
run complete_words oci-wasm-validate app
assert_equals stdout "$(printf '%s\n' app-layout app.tar)"
run complete_words oci-wasm-convert --to old app.tar ''
assert_equals stdout "$(printf '%s\n' app-layout app.tar other)"
finish
