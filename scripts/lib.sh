# Shared by the scripts: installing what is missing and building. Sourced, not run.
set -euo pipefail

OCIWASM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$OCIWASM_ROOT/build}"

# Debian packages the build needs, and those the tests use as real peers.
BUILD_PACKAGES=(cmake ninja-build g++ pkg-config rapidjson-dev libvalijson-dev libarchive-dev
                libssl-dev libboost-program-options-dev libgtest-dev help2man)
TEST_PACKAGES=(jq zstd xz-utils skopeo umoci docker-registry wabt time libxml2-utils bsdutils
               bash-completion man-db bsdextrautils pre-commit git strace util-linux curl)
# The clang that builds the libFuzzer targets (scripts/fuzz.sh, scripts/test.sh --sanitize).
FUZZ_PACKAGES=(clang-14 libclang-rt-14-dev)
# The formatter .ci/run checks the sources with (scripts/check-format.sh).
FORMAT_PACKAGES=(clang-format-14)

log() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }

install_missing() {
    local missing=()
    local pkg
    for pkg in "$@"; do
        if [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" != "install ok installed" ]]; then
            missing+=("$pkg")
        fi
    done
    if ((${#missing[@]} == 0)); then
        return 0
    fi
    log "installing ${missing[*]}"
    local sudo=()
    if [[ $(id -u) != 0 ]]; then sudo=(sudo); fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# configure_and_build [extra cmake args...]
# Our own builds treat warnings as errors (OCIWASM_WERROR, off by default for packagers); it is
# passed on every call so that a build directory configured without it gets it too.
configure_and_build() {
    if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
        cmake -S "$OCIWASM_ROOT" -B "$BUILD_DIR" -G Ninja -DOCIWASM_WERROR=ON "$@"
    else
        cmake "$BUILD_DIR" -DOCIWASM_WERROR=ON "$@" >/dev/null
    fi
    cmake --build "$BUILD_DIR" --parallel "$(nproc)"
}
