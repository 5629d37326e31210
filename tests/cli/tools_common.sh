#!/usr/bin/env bash
# What the three tools share through tools/tool_main.h, checked for each the same way: --version
# and --help (exit 0, nothing on stderr, a bad option wins over both), a usage error (exit 2,
# `PROGRAM: MESSAGE` escaped onto one line, then the --help hint), and an input that cannot be
# opened (exit 3, one `PROGRAM: INPUT: MESSAGE` line naming the input once, no hint).
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

missing="$TEST_TMP/missing"
version="$(sed -n 's/^project(oci-wasm VERSION \([0-9.]*\).*/\1/p' "$OCIWASM_SOURCE_DIR/CMakeLists.txt")"
check "the project version is in CMakeLists.txt" test -n "$version"

for tool in oci-wasm-validate oci-wasm-convert oci-wasm-inspect; do
    bin="$OCIWASM_BIN/$tool"
    hint="Try '$tool --help' for more information."

    describe "$tool --version"
    run "$bin" --version
    assert_exit 0
    assert_equals stdout "$tool $version"
    assert_empty stderr

    describe "$tool --help: usage first, --help and --version last"
    run "$bin" --help
    assert_exit 0
    assert_matches stdout "^Usage: $tool \\[options\\] "
    assert_matches stdout "^  -h \\[ --help \\] +print this help and exit$"
    assert_matches stdout "^  --version +print the version and exit$"
    assert_empty stderr

    describe "$tool: a bad option wins over --help and --version"
    run "$bin" --help --version --no-such-option
    assert_exit 2
    assert_empty stdout
    assert_equals stderr "$tool: unrecognised option '--no-such-option'"$'\n'"$hint"

    describe "$tool: a usage error is escaped onto one line"
    run "$bin" --format $'x\e[31m\ny' -
    assert_exit 2
    assert_empty stdout
    assert_contains stderr "$tool: unknown --format 'x\\x1B[31m\\ny' (expected text"
    assert_line_count stderr 2
    assert_contains stderr "$hint"

    describe "$tool: an input that cannot be opened is named once, exit 3"
    if [[ "$tool" == oci-wasm-convert ]]; then
        run "$bin" "$missing" "$TEST_TMP/out"
    else
        run "$bin" "$missing"
    fi
    assert_exit 3
    assert_equals stderr "$tool: $missing: cannot open: No such file or directory"
done

finish
