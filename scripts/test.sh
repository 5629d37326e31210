#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test through ctest.
#   scripts/test.sh             a packager's plain Release build (-DCMAKE_BUILD_TYPE=Release: -O3,
#                               NDEBUG) in build/, and the whole suite: what Debian builds is
#                               what we test, and -O3 finds warnings that -O2 does not
#   scripts/test.sh --sanitize  ASan+UBSan build (Debug, assertions on) in build-sanitize/: the
#                               suite under the sanitizers, plus a short run of each libFuzzer
#                               target (fuzz.* tests, FUZZ_SECONDS each, default 10) when clang
#                               is available
# Both build with -Werror (OCIWASM_WERROR).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

sanitize=0
for arg in "$@"; do
    case "$arg" in
        --sanitize) sanitize=1 ;;
        *) log "unknown option $arg (use --sanitize)"; exit 2 ;;
    esac
done

install_missing "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
extra=(-DCMAKE_BUILD_TYPE=Release)
ctest_args=(--output-on-failure --parallel "$(nproc)" --timeout 600)
if ((sanitize)); then
    BUILD_DIR="${SANITIZE_BUILD_DIR:-$OCIWASM_ROOT/build-sanitize}"
    # -O1 keeps the sanitized suite fast enough; Debug keeps the assertions. Line tables are all
    # the sanitizers' reports need, and a unity build of the library compiles it in fewer, larger
    # units: together about 20% of this pass's build time. The Release pass builds exactly what a
    # packager builds, so a file that compiles only next to another one is still caught there.
    extra=(-DOCIWASM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
           "-DCMAKE_CXX_FLAGS_DEBUG=-gline-tables-only -O1" -DCMAKE_UNITY_BUILD=ON)
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
        extra+=(-DOCIWASM_FUZZ=ON "-DOCIWASM_FUZZ_SECONDS=${FUZZ_SECONDS:-10}")
    else
        log "no clang++: the sanitized suite runs without the fuzz targets"
    fi
    # Every finding is fatal; leaks count.
    asan="detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1"
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}$asan"
    export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1"
    # Left to the normal run: the tests that check the environment rather than our code paths
    # (fixture generators, the bench script, the .deb, man pages and completion, pre-commit,
    # the mirror recipe, interop with skopeo, umoci and the registry, the consumer project), and
    # those whose point is volume, timing or system calls rather than new code paths: peak RSS
    # of a 1 GiB gzip bomb and 640 MiB of blobs (meaningless under ASan's shadow memory), one
    # large layer, two writers racing for one lock, sync calls counted with strace. What our
    # binaries do in them, other tests of this run already drive under the sanitizers, on
    # smaller inputs. In the CI run of 2026-12-01 they summed about 340 s of this pass's 950 s
    # of test time (CPU seconds, on 2 cores).
    skip=(fixtures_reproducible broken_reproducible bench_quick package_deb install_man_completion
          precommit_hooks recipes_mirror realtools_readers realtools_writers registry_roundtrip
          hostile_memory convert_large convert_concurrent convert_sync)
    ctest_args+=(--exclude-regex "^(cli\.($(IFS='|'; echo "${skip[*]}"))|package\.consumer)\$")
fi
configure_and_build "${extra[@]}"
cd "$BUILD_DIR"
ctest "${ctest_args[@]}"
