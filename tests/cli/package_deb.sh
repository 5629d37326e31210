#!/usr/bin/env bash
# `cpack -G DEB` builds the package oci-wasm: the three tools, their man pages and bash
# completions, with dependencies computed by dpkg-shlibdeps. The test installs it into this
# machine with `dpkg -i` (so it must run as root), runs the three tools from /usr/bin on a shipped
# fixture, and purges it.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${OCIWASM_BUILD_DIR:?OCIWASM_BUILD_DIR must name the build directory}"
[[ "$(id -u)" == 0 ]] || { echo "$TEST_NAME: must run as root (dpkg -i installs into the machine)" >&2; exit 1; }
for tool in cpack dpkg-deb dpkg-shlibdeps; do
    command -v "$tool" > /dev/null || { echo "$TEST_NAME: $tool missing (Debian cmake, dpkg-dev)" >&2; exit 1; }
done
hello="$OCIWASM_SOURCE_DIR/fixtures/spin-v1-config/hello"

# dpkg_locked CMD...: dpkg waits for no lock; another apt or dpkg run (a parallel build on this
# machine) may hold it for a while.
dpkg_locked() {
    local attempt
    for attempt in $(seq 1 60); do
        if "$@" 2> "$TEST_TMP/dpkg.err"; then return 0; fi
        grep -q 'lock' "$TEST_TMP/dpkg.err" || { cat "$TEST_TMP/dpkg.err" >&2; return 1; }
        sleep 2
    done
    return 1
}

describe "cpack -G DEB builds one package"
run cpack -G DEB --config "$OCIWASM_BUILD_DIR/CPackConfig.cmake" -B "$TEST_TMP/pkg"
assert_exit 0
debs=("$TEST_TMP"/pkg/oci-wasm_*.deb)
check "one oci-wasm_VERSION_ARCH.deb" test "${#debs[@]}" = 1 -a -f "${debs[0]}"
deb="${debs[0]}"

describe "control: name, version and computed shared-library dependencies"
run dpkg-deb --field "$deb" Package Version Architecture Depends
assert_exit 0
assert_contains stdout "Package: oci-wasm"
assert_contains stdout "Version: 0.1.0"
assert_contains stdout "Architecture: $(dpkg --print-architecture)"
for dependency in libarchive13 libssl3 'libboost-program-options1\.[0-9.]+' libstdc\\+\\+6 libc6; do
    assert_matches stdout "^Depends: .*\\b$dependency \\(>= [^)]+\\)"
done

describe "contents: tools, man pages, completions, nothing for developers"
run dpkg-deb --contents "$deb"
assert_exit 0
for tool in oci-wasm-validate oci-wasm-convert oci-wasm-inspect; do
    assert_matches stdout " \\./usr/bin/$tool\$"
    assert_matches stdout " \\./usr/share/man/man1/$tool\\.1\$"
    assert_matches stdout " \\./usr/share/bash-completion/completions/$tool\$"
done
assert_not_contains stdout "include/ociwasm"
check "no static library" bash -c "! grep -q '\\.a\$' '$RUN_STDOUT_FILE'"

describe "dpkg -i installs it"
trap 'dpkg_locked dpkg --purge oci-wasm > /dev/null; rm -rf "$TEST_TMP"' EXIT
run dpkg_locked dpkg -i "$deb"
assert_exit 0
run dpkg-query -W -f '${Status} ${Version}' oci-wasm
assert_equals stdout "install ok installed 0.1.0"

describe "the installed tools work on a fixture"
cd "$TEST_TMP" || exit 1
run /usr/bin/oci-wasm-validate "$hello"
assert_exit 0
assert_contains stdout ": valid (0 errors"
run /usr/bin/oci-wasm-inspect --format json "$hello"
assert_exit 0
check "inspect names the Spin 1.x format" jq -e '.formats == ["spin-v1-config"]' "$RUN_STDOUT_FILE"
run /usr/bin/oci-wasm-convert "$hello" converted.tar
assert_exit 0
run /usr/bin/oci-wasm-validate --format json converted.tar
assert_exit 0
check "the converted app is in the new format" jq -e '.formats == ["spin-oci-layer"]' "$RUN_STDOUT_FILE"
run /usr/bin/oci-wasm-validate --version
assert_equals stdout "oci-wasm-validate 0.1.0"
run bash -c "MANWIDTH=200 man -l /usr/share/man/man1/oci-wasm-inspect.1 | col -b"
assert_matches stdout '^EXIT STATUS$'

describe "dpkg --purge removes every file"
run dpkg_locked dpkg --purge oci-wasm
assert_exit 0
check "no tool left in /usr/bin" test ! -e /usr/bin/oci-wasm-validate -a ! -e /usr/bin/oci-wasm-convert -a ! -e /usr/bin/oci-wasm-inspect
check "no man page left" test ! -e /usr/share/man/man1/oci-wasm-validate.1
check "no completion left" test ! -e /usr/share/bash-completion/completions/oci-wasm-validate
run dpkg-query -W -f '${Status}' oci-wasm
assert_not_contains stdout "installed"
finish
