#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test through ctest.
#   scripts/test.sh             normal build in build/
#   scripts/test.sh --sanitize  ASan+UBSan build in build-sanitize/ (plus short fuzz runs with clang)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

sanitize=0
for arg in "$@"; do
    case "$arg" in
        --sanitize) sanitize=1 ;;
        *) log "unknown option $arg (use --sanitize)"; exit 2 ;;
    esac
done

install_missing "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
extra=()
if ((sanitize)); then
    BUILD_DIR="$OCIWASM_ROOT/build-sanitize"
    extra=(-DOCIWASM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
fi
configure_and_build "${extra[@]}"
cd "$BUILD_DIR"
ctest --output-on-failure --parallel "$(nproc)" --timeout 600
