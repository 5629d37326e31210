#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test through ctest.
#   scripts/test.sh             normal build in build/
#   scripts/test.sh --sanitize  ASan+UBSan build in build-sanitize/: the whole suite under the
#                               sanitizers, plus a short run of each libFuzzer target (fuzz.*
#                               tests, FUZZ_SECONDS each, default 15) when clang is available
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
ctest_args=(--output-on-failure --parallel "$(nproc)" --timeout 600)
if ((sanitize)); then
    BUILD_DIR="${SANITIZE_BUILD_DIR:-$OCIWASM_ROOT/build-sanitize}"
    # -O1 keeps the sanitized suite fast enough; Debug keeps the assertions.
    extra=(-DOCIWASM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-g -O1")
    # clang builds the same suite and the fuzzers too; without it, GCC's sanitizers run alone.
    install_missing "${FUZZ_PACKAGES[@]}" || log "could not install ${FUZZ_PACKAGES[*]}"
    clang=""
    for candidate in clang++-14 clang++; do
        if command -v "$candidate" > /dev/null; then
            clang="$(command -v "$candidate")"
            break
        fi
    done
    if [[ -f "$BUILD_DIR/CMakeCache.txt" ]] && ! grep -q '^CMAKE_CXX_COMPILER:[^=]*=.*clang' \
        "$BUILD_DIR/CMakeCache.txt"; then
        log "$BUILD_DIR was configured without clang: no fuzz targets (remove it to use clang)"
    elif [[ -n "$clang" ]]; then
        if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
            extra+=(-DCMAKE_CXX_COMPILER="$clang")
        fi
        extra+=(-DOCIWASM_FUZZ=ON "-DOCIWASM_FUZZ_SECONDS=${FUZZ_SECONDS:-15}")
    else
        log "no clang++: the sanitized suite runs without the fuzz targets"
    fi
    # Every finding is fatal; leaks count. fixtures_reproducible runs no binary of ours, so it
    # gains nothing from this build and is left to the normal run.
    asan="detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1"
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}$asan"
    export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1"
    ctest_args+=(--exclude-regex '^cli\.fixtures_reproducible$')
fi
configure_and_build "${extra[@]}"
cd "$BUILD_DIR"
ctest "${ctest_args[@]}"
