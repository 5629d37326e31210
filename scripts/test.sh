#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test through ctest.
#   scripts/test.sh             normal build in build/
#   scripts/test.sh --sanitize  ASan+UBSan build in build-sanitize/: the whole suite under the
#                               sanitizers, plus a short run of each libFuzzer target (fuzz.*
#                               tests, FUZZ_SECONDS each, default 15) when clang is available
#   scripts/test.sh --release   a packager's plain Release build (-O3, what
#                               -DCMAKE_BUILD_TYPE=Release gives) in build-release-test/: the
#                               optimizer finds warnings that the normal build does not
# Every one of them builds with -Werror (OCIWASM_WERROR).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

sanitize=0
release=0
for arg in "$@"; do
    case "$arg" in
        --sanitize) sanitize=1 ;;
        --release) release=1 ;;
        *) log "unknown option $arg (use --sanitize or --release)"; exit 2 ;;
    esac
done
if ((sanitize && release)); then
    log "--sanitize and --release are separate builds: give one of them"
    exit 2
fi

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
if ((release)); then
    # Not build-release/: scripts/bench.sh builds there with -O2 and without tests.
    BUILD_DIR="${RELEASE_BUILD_DIR:-$OCIWASM_ROOT/build-release-test}"
    extra=(-DCMAKE_BUILD_TYPE=Release)
    # A third full suite would leave CI little of its 15-minute budget. This pass is about what
    # -O3 and NDEBUG change in our code, so it runs the unit tests, the package test and every
    # CLI contract test except those that check the environment rather than the code (fixture
    # generators, skopeo/umoci/registry interop, the bench script), memory ceilings and kill
    # timing; those run in the other two passes. Measured on 2 shared cores: 72 s of tests here,
    # 194 s for the full suite in the same build; 186 s for the whole pass from a cold build.
    skip=(fixtures_reproducible broken_reproducible bench_quick realtools_readers realtools_writers
          registry_roundtrip hostile_memory convert_faults)
    ctest_args+=(--exclude-regex "^cli\.($(IFS='|'; echo "${skip[*]}"))\$")
fi
configure_and_build "${extra[@]}"
cd "$BUILD_DIR"
ctest "${ctest_args[@]}"
