#!/usr/bin/env bash
# Fuzzes one libFuzzer target (tests/fuzz/fuzz_TARGET.cpp) under ASan+UBSan.
#   scripts/fuzz.sh TARGET SECONDS [LIBFUZZER_ARG...]   TARGET: json, tar, lockfile or convert
#   scripts/fuzz.sh --list                              the targets
#   scripts/fuzz.sh --no-build TARGET SECONDS           run an already built target (ctest does,
#                                                       with BUILD_DIR set to its own build)
#   scripts/fuzz.sh --update-corpus TARGET SECONDS      fuzz, then merge what was learnt into
#                                                       tests/fuzz/corpus/TARGET (to commit)
# Builds the target in build-fuzz/ (clang, -DOCIWASM_SANITIZE=ON -DOCIWASM_FUZZ=ON), derives
# seeds from fixtures/ and tests/fuzz/regressions/TARGET/ into build-fuzz/fuzz/TARGET/seeds,
# and fuzzes for SECONDS from those seeds and the committed corpus tests/fuzz/corpus/TARGET, so
# that each run starts from the coverage reached before. What a run learns accumulates in
# build-fuzz/fuzz/TARGET/corpus; --update-corpus keeps, minimized (libFuzzer -merge=1), the
# inputs that reach coverage the seeds do not. Exit 0: no crash; 1: a crash (its input is saved,
# and how to keep it as a regression fixture is printed); 2: usage.
export BUILD_DIR="${BUILD_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build-fuzz}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TARGETS=(json tar lockfile convert)

usage() {
    log "usage: fuzz.sh [--no-build] [--update-corpus] TARGET SECONDS [LIBFUZZER_ARG...] (TARGET: ${TARGETS[*]})"
    exit 2
}

build=1
update_corpus=0
while [[ "${1:-}" == -* ]]; do
    case "$1" in
        --list) printf '%s\n' "${TARGETS[@]}"; exit 0 ;;
        --no-build) build=0 ;;
        --update-corpus) update_corpus=1 ;;
        *) usage ;;
    esac
    shift
done
(($# >= 2)) || usage
target="${1#fuzz_}"
seconds="$2"
shift 2
[[ " ${TARGETS[*]} " == *" $target "* ]] || { log "unknown target '$target'"; usage; }
[[ "$seconds" =~ ^[0-9]+$ ]] || { log "SECONDS must be a whole number, found '$seconds'"; usage; }

# The clang that builds the fuzzers: clang++-14 (Debian bookworm) or any clang++.
find_clang() {
    local candidate
    for candidate in clang++-14 clang++; do
        if command -v "$candidate" > /dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

if ((build)); then
    install_missing "${BUILD_PACKAGES[@]}" "${FUZZ_PACKAGES[@]}" jq
    clang="$(find_clang)" || { log "no clang++ found (Debian package clang-14)"; exit 3; }
    if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
        cmake -S "$OCIWASM_ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_CXX_COMPILER="$clang" \
            -DOCIWASM_SANITIZE=ON -DOCIWASM_FUZZ=ON -DOCIWASM_BUILD_TESTS=OFF -DOCIWASM_WERROR=ON \
            > /dev/null
    fi
    cmake --build "$BUILD_DIR" --target "fuzz_$target" --parallel "$(nproc)"
fi

binary="$BUILD_DIR/bin/fuzz_$target"
[[ -x "$binary" ]] || { log "$binary: not built (configure with clang and -DOCIWASM_FUZZ=ON)"; exit 3; }

work="$BUILD_DIR/fuzz/$target"
seeds="$work/seeds"
corpus="$work/corpus"
rm -rf "$seeds"
mkdir -p "$seeds" "$corpus"
fixtures="$OCIWASM_ROOT/fixtures"

# json_kind FILE: the byte fuzz_json reads as the document kind (see fuzz_targets.h).
json_kind() {
    case "$1" in
        */index.json) printf '\x01' ;;
        */oci-layout) printf '\x04' ;;
        *)
            if grep -q '"components"' "$1"; then printf '\x05'
            elif grep -q '"layers"' "$1"; then printf '\x00'
            elif grep -q '"manifests"' "$1"; then printf '\x01'
            else printf '\x02'
            fi
            ;;
    esac
}

# Every JSON document of the fixture layouts (blobs starting with '{' or '[').
fixture_json() {
    local file
    while IFS= read -r -d '' file; do
        if [[ "$(head -c 1 "$file")" == "{" || "$(head -c 1 "$file")" == "[" ]]; then
            printf '%s\0' "$file"
        fi
    done < <(find "$fixtures" -path "$fixtures/src" -prune -o -type f \
        \( -name index.json -o -name oci-layout -o -path '*/blobs/sha256/*' \) -print0)
}

n=0
case "$target" in
    json)
        while IFS= read -r -d '' file; do
            n=$((n + 1))
            { json_kind "$file"; cat "$file"; } > "$seeds/fixture-$n"
        done < <(fixture_json)
        # A descriptor (kind 3) and one seed of each kind from a manifest.
        for index in "$fixtures"/spin-*/*/index.json; do
            n=$((n + 1))
            { printf '\x03'; jq -c '.manifests[0]' "$index"; } > "$seeds/descriptor-$n"
        done
        ;;
    tar)
        for tar in "$fixtures"/*.tar "$fixtures"/*/*.tar; do
            n=$((n + 1))
            cp "$tar" "$seeds/fixture-$n.tar"
        done
        gzip -9 -n -c "$fixtures/spin-oci-layer/hello.tar" > "$seeds/hello.tar.gz"
        ;;
    lockfile | convert)
        while IFS= read -r -d '' file; do
            if grep -q '"components"' "$file"; then
                n=$((n + 1))
                cp "$file" "$seeds/lockfile-$n.json"
            fi
        done < <(fixture_json)
        ;;
esac
if [[ -d "$OCIWASM_ROOT/tests/fuzz/regressions/$target" ]]; then
    cp "$OCIWASM_ROOT/tests/fuzz/regressions/$target"/* "$seeds/" 2> /dev/null || true
fi
committed="$OCIWASM_ROOT/tests/fuzz/corpus/$target"
((update_corpus)) && mkdir -p "$committed"
read_only=("$seeds")
[[ -d "$committed" ]] && read_only+=("$committed")
count() { find "$@" -type f 2> /dev/null | wc -l; }
log "fuzz_$target: $(count "$seeds") seeds, $(count "$committed") committed and" \
    "$(count "$corpus") learnt inputs, ${seconds} s"

common=(-timeout=30 -rss_limit_mb=2048 -artifact_prefix="$work/")
if [[ "$target" == tar ]]; then
    common+=(-dict="$OCIWASM_ROOT/tests/fuzz/tar.dict")
else
    common+=(-dict="$OCIWASM_ROOT/tests/fuzz/oci.dict")
fi
# New inputs go to the first directory; the seeds and the committed corpus are only read.
if "$binary" -max_total_time="$seconds" -print_final_stats=1 "${common[@]}" "$@" "$corpus" \
    "${read_only[@]}"; then
    if ((update_corpus)); then
        # The merge starts from the seeds, so it keeps only what they do not cover, and cuts
        # inputs to 16 KiB (coverage is measured on what is kept) so the repository stays small.
        merged="$work/merged"
        rm -rf "$merged"
        mkdir -p "$merged"
        cp "$seeds"/* "$merged"/
        "$binary" -merge=1 -max_len=16384 "${common[@]}" "$merged" "$committed" "$corpus" \
            2> "$work/merge.log" ||
            { log "the merge failed; see $work/merge.log"; exit 1; }
        for seed in "$seeds"/*; do
            rm -f "$merged/${seed##*/}"
        done
        rm -rf "$committed"
        mv "$merged" "$committed"
        log "tests/fuzz/corpus/$target: $(find "$committed" -type f | wc -l) inputs," \
            "$(du -sh "$committed" | cut -f1)"
    fi
    exit 0
fi
log "fuzz_$target found a crash; its input is one of:"
find "$work" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
    -o -name 'oom-*' \) -newer "$seeds" -printf '  %p\n' >&2
log "to keep it: copy it to tests/fuzz/regressions/$target/<what-it-is> and fix the bug;"
log "tests/unit/fuzz_regressions_test.cpp replays every file there"
exit 1
