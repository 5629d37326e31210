#!/usr/bin/env bash
# Measures oci-wasm-validate and oci-wasm-convert against the limit of the work (reading and
# hashing bytes: `openssl dgst -sha256` of the same bytes, measured in the same run) and against
# peers (skopeo, umoci, oci-image-tool) on the same inputs. Not a test: it prints a table.
#
#   scripts/bench.sh [--quick] [--in-memory] [--runs N] [--no-install] [--keep]
#     --quick       small inputs (whole run well under a minute); times are not representative
#     --in-memory   inputs and outputs on tmpfs (/dev/shm): see "Fairness" below
#     --runs N      runs per measurement, the median is reported (default 3)
#     --no-install  do not install missing peers (they are reported as not installed)
#     --keep        keep the generated inputs (their directory is printed)
#
# The tools come from $OCIWASM_BIN when set (ctest does that), else from a release build
# (-O2, no sanitizers, no tests) made in build-release/. Inputs are generated in a temp dir
# (TMPDIR decides where); nothing large is written into the repo.
#
# Fairness: right before each timed run its inputs are read once, so every contender reads from
# the page cache (warming once per case is not enough where idle page cache is reclaimed within
# seconds, as DAMON does on this project's VMs), and `sync` runs so that one run's dirty pages do
# not slow the next. Even so, on such a VM reclaim can take pages of a warmed input, or of an
# output being written, in the middle of a run (it pages out whole physical regions it found
# idle); --in-memory keeps everything on tmpfs, which without swap cannot be paged out, and
# measures the tools without the disk (fsync is then free). Wall time is the median of the runs;
# peak RSS (/usr/bin/time -v) is the largest seen over the runs.
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export LC_ALL=C

quick=0
in_memory=0
runs=3
install=1
keep=0
while (($# > 0)); do
    case "$1" in
        --quick) quick=1 ;;
        --in-memory) in_memory=1 ;;
        --runs)
            [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || { log "--runs needs a positive count"; exit 2; }
            runs="$2"
            shift
            ;;
        --no-install) install=0 ;;
        --keep) keep=1 ;;
        -h | --help)
            sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *) log "unknown option $1 (see --help)"; exit 2 ;;
    esac
    shift
done

# Bench-only packages: the peers and /usr/bin/time. (perf and valgrind, used to profile a missed
# target, are installed by hand: see README, Performance.)
BENCH_PACKAGES=(time openssl tar skopeo umoci oci-image-tool)
if ((install)); then install_missing "${BENCH_PACKAGES[@]}"; fi
for tool in /usr/bin/time openssl tar sha256sum perl; do
    command -v "$tool" > /dev/null || { log "$tool is missing (apt-get install ${tool##*/})"; exit 3; }
done

if [[ -n "${OCIWASM_BIN:-}" ]]; then
    bin="$OCIWASM_BIN"
else
    BUILD_DIR="$OCIWASM_ROOT/build-release"
    configure_and_build -DCMAKE_BUILD_TYPE=Release -DOCIWASM_BUILD_TESTS=OFF \
        -DOCIWASM_SANITIZE=OFF "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" >&2
    bin="$BUILD_DIR/bin"
fi
validate="$bin/oci-wasm-validate"
convert="$bin/oci-wasm-convert"
for tool in "$validate" "$convert"; do
    [[ -x "$tool" ]] || { log "$tool: expected a built tool, found none"; exit 3; }
done

if ((quick)); then
    big_mib=32      # case 1 and 3: the one large layer
    many_count=16   # case 2: blobs ...
    many_mib=2      # ... of this size
    scale_small=100 # case 4: manifests in one index
    scale_large=1000
else
    big_mib=1024
    many_count=64
    many_mib=16
    scale_small=1000
    scale_large=10000
fi
readonly RSS_LIMIT_KIB=$((64 * 1024))

work_parent="${TMPDIR:-/tmp}"
if ((in_memory)); then
    work_parent=/dev/shm
    [[ "$(stat -f -c %T "$work_parent" 2> /dev/null)" == tmpfs ]] \
        || { log "--in-memory: expected a tmpfs at $work_parent, found none"; exit 3; }
fi
W="$(mktemp -d "$work_parent/oci-wasm-bench.XXXXXX")"
if ((keep)); then
    trap 'log "inputs kept in $W"' EXIT
else
    trap 'rm -rf "$W"' EXIT
fi
export TMPDIR="$W/tmp"  # skopeo unpacks oci-archive inputs here
mkdir -p "$TMPDIR"

readonly MT_INDEX="application/vnd.oci.image.index.v1+json"
readonly MT_MANIFEST="application/vnd.oci.image.manifest.v1+json"
readonly MT_LOCKFILE="application/vnd.fermyon.spin.application.v1+config"
readonly MT_WASM="application/vnd.wasm.content.layer.v1+wasm"
readonly MT_DATA="application/vnd.wasm.content.layer.v1+data"

# ---------------------------------------------------------------------------------------------
# Inputs. Everything is written canonically (compact JSON, sorted keys), as Spin 1.x would.

file_size() { stat -c %s "$1"; }

# new_layout DIR
new_layout() {
    mkdir -p "$1/blobs/sha256"
    printf '%s' '{"imageLayoutVersion":"1.0.0"}' > "$1/oci-layout"
}

# move_blob LAYOUT FILE HEX: FILE becomes the blob (moved, not copied); prints its descriptor
# fields "sha256:HEX SIZE".
move_blob() {
    local size
    size="$(file_size "$2")"
    mv "$2" "$1/blobs/sha256/$3"
    printf 'sha256:%s %s\n' "$3" "$size"
}

# text_blob LAYOUT TEXT: TEXT (no newline added) as a blob; prints "sha256:HEX SIZE".
text_blob() {
    local hex
    hex="$(printf '%s' "$2" | sha256sum | cut -d' ' -f1)"
    printf '%s' "$2" > "$1/blobs/sha256/$hex"
    printf 'sha256:%s %s\n' "$hex" "${#2}"
}

# desc MEDIATYPE "DIGEST SIZE": a descriptor as canonical JSON.
desc() {
    local digest size
    read -r digest size <<< "$2"
    printf '{"digest":"%s","mediaType":"%s","size":%s}' "$digest" "$1" "$size"
}

# lockfile_json APP_NAME WASM_DIGEST FILES_JSON: a Spin 1.x lockfile for one HTTP component.
lockfile_json() {
    local files=""
    [[ -n "$3" ]] && files=",\"files\":$3"
    printf '{"components":[{"id":"app"%s,"source":{"content_type":"application/wasm","digest":"%s"}}],"metadata":{"name":"%s"},"spin_lock_version":0,"triggers":[{"id":"trigger-app","trigger_config":{"component":"app","route":"/..."},"trigger_type":"http"}]}' \
        "$files" "$2" "$1"
}

# old_manifest LOCKFILE_BLOB LAYERS_JSON: an old-format (Spin 1.x) manifest.
old_manifest() {
    printf '{"config":%s,"layers":%s,"schemaVersion":2}' "$(desc "$MT_LOCKFILE" "$1")" "$2"
}

# index_json ENTRIES_JSON
index_json() {
    printf '{"manifests":[%s],"mediaType":"%s","schemaVersion":2}' "$1" "$MT_INDEX"
}

# index_entry "DIGEST SIZE" REF
index_entry() {
    local digest size
    read -r digest size <<< "$1"
    printf '{"annotations":{"org.opencontainers.image.ref.name":"%s"},"digest":"%s","mediaType":"%s","size":%s}' \
        "$2" "$digest" "$MT_MANIFEST" "$size"
}

# tar_layout DIR OUT: a GNU tar of a layout, top-level files first.
tar_layout() { tar -C "$1" -cf "$2" oci-layout index.json blobs; }

# One old-format app whose only layer is a BIG_MIB MiB wasm module (the 8-byte wasm header, then
# random bytes), as a directory and as a tar. The sha256 of the layer is computed once here.
make_big() {
    local layout="$W/big" layer="$W/big.wasm" hex lock manifest
    new_layout "$layout"
    {
        printf '\0asm\1\0\0\0'
        head -c $((big_mib * 1024 * 1024 - 8)) /dev/urandom
    } > "$layer"
    hex="$(openssl dgst -sha256 -r "$layer" | cut -d' ' -f1)"
    BIG_LAYER="$layout/blobs/sha256/$hex"
    local wasm
    wasm="$(move_blob "$layout" "$layer" "$hex")"
    lock="$(text_blob "$layout" "$(lockfile_json big "${wasm%% *}" "")")"
    manifest="$(text_blob "$layout" "$(old_manifest "$lock" "[$(desc "$MT_WASM" "$wasm")]")")"
    index_json "$(index_entry "$manifest" big:v1)" > "$layout/index.json"
    tar_layout "$layout" "$W/big.tar"
}

# One old-format app with MANY_COUNT layers of MANY_MIB MiB: the first is the component's wasm,
# the others data files. Cut from the big layer (so already random, and the first slice starts
# with the wasm header).
make_many() {
    local layout="$W/many" part hex i=0 layers="" files="" blob wasm="" lock manifest
    new_layout "$layout"
    mkdir -p "$W/parts"
    head -c $((many_count * many_mib * 1024 * 1024)) "$BIG_LAYER" \
        | split -b "${many_mib}M" -a 3 -d - "$W/parts/p"
    while read -r hex part; do
        blob="$(move_blob "$layout" "$W/parts/$part" "$hex")"
        if ((i == 0)); then
            wasm="$blob"
            layers="$(desc "$MT_WASM" "$blob")"
        else
            layers+=",$(desc "$MT_DATA" "$blob")"
            files+="${files:+,}{\"digest\":\"${blob%% *}\",\"path\":\"data/$i.bin\"}"
        fi
        i=$((i + 1))
    done < <(cd "$W/parts" && sha256sum p*)
    lock="$(text_blob "$layout" "$(lockfile_json many "${wasm%% *}" "[$files]")")"
    manifest="$(text_blob "$layout" "$(old_manifest "$lock" "[$layers]")")"
    index_json "$(index_entry "$manifest" many:v1)" > "$layout/index.json"
}

# make_scale N: N old-format apps (own lockfile each, one shared tiny wasm layer) in one index.
# Files are written under temporary names, hashed in bulk and renamed by one perl process: one
# process per blob would take longer than the measurement.
make_scale() {
    local n="$1" layout="$W/scale-$1" stage="$W/stage-$1" wasm i digest size name
    new_layout "$layout"
    mkdir -p "$stage"
    printf '\0asm\1\0\0\0' > "$stage/module"
    wasm="$(move_blob "$layout" "$stage/module" "$(sha256sum "$stage/module" | cut -d' ' -f1)")"
    local wasm_desc
    wasm_desc="$(desc "$MT_WASM" "$wasm")"
    for ((i = 0; i < n; i++)); do
        lockfile_json "app-$i" "${wasm%% *}" "" > "$stage/c$i"
    done
    declare -A config_of
    while read -r name digest size; do config_of[$name]="$digest $size"; done \
        < <(hash_and_move "$stage" "$layout" c)
    for ((i = 0; i < n; i++)); do
        old_manifest "${config_of[c$i]}" "[$wasm_desc]" > "$stage/m$i"
    done
    local entries=""
    declare -A manifest_of
    while read -r name digest size; do manifest_of[$name]="$digest $size"; done \
        < <(hash_and_move "$stage" "$layout" m)
    for ((i = 0; i < n; i++)); do
        entries+="${entries:+,}$(index_entry "${manifest_of[m$i]}" "app-$i:v1")"
    done
    index_json "$entries" > "$layout/index.json"
    rm -rf "$stage"
}

# hash_and_move STAGE LAYOUT PREFIX: moves STAGE/PREFIX* into LAYOUT's blobs under their sha256;
# prints "NAME sha256:HEX SIZE" per file.
hash_and_move() {
    (cd "$1" && find . -maxdepth 1 -name "$3*" -printf '%f\0' | xargs -0 sha256sum) \
        | perl -e 'my ($stage, $blobs) = @ARGV;
                   while (<STDIN>) {
                       my ($hex, $name) = /^([0-9a-f]{64}) [ *](.*)$/ or die "bad line: $_";
                       my $size = -s "$stage/$name";
                       rename("$stage/$name", "$blobs/$hex") or die "$name: $!";
                       print "$name sha256:$hex $size\n";
                   }' "$1" "$2/blobs/sha256"
}

# ---------------------------------------------------------------------------------------------
# Measuring.

ROWS=()
NOTES=()
FAILED=0
BASE_WALL=""

# warm FILE|DIR...: the inputs of the next measurements; measure reads every byte of them
# before each run so that all contenders start from the page cache.
WARM=()
warm() { WARM=("$@"); }

bytes_of() { du -sb --apparent-size "$@" | awk '{ total += $1 } END { print total }'; }

human_bytes() {
    awk -v b="$1" 'BEGIN { if (b >= 1073741824) printf "%.2f GiB", b / 1073741824;
                           else if (b >= 1048576) printf "%.1f MiB", b / 1048576;
                           else printf "%.1f KiB", b / 1024 }'
}

# measure CLEANUP -- CMD...: runs CMD $runs times (CLEANUP, then sync, before each run; CLEANUP
# is eval'd, "" for none). Sets M_WALL (median seconds), M_RSS (largest peak RSS in KiB),
# M_RUNS (every run's wall, in order), M_STATUS (exit status of the last run) and M_STDERR
# (first line of its stderr).
measure() {
    local cleanup="$1"
    shift 2
    local walls=() r start end rss status=0
    M_RSS=0
    for ((r = 0; r < runs; r++)); do
        [[ -z "$cleanup" ]] || eval "$cleanup"
        ((${#WARM[@]} == 0)) || find "${WARM[@]}" -type f -exec cat {} + > /dev/null
        sync
        start="$EPOCHREALTIME"
        set +e
        /usr/bin/time -v -o "$W/time.txt" "$@" > "$W/stdout" 2> "$W/stderr" < /dev/null
        status=$?
        set -e
        end="$EPOCHREALTIME"
        walls+=("$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.6f", e - s }')")
        rss="$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$W/time.txt")"
        ((${rss:-0} > M_RSS)) && M_RSS="$rss"
    done
    M_WALL="$(printf '%s\n' "${walls[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
    M_RUNS="$(printf '%s\n' "${walls[@]}" | awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $1 }')"
    M_STATUS="$status"
    # The first line that says something, without Go loggers' time/level prefix; the temp dir
    # is shown as IN.
    M_STDERR="$(grep -v '^\s*$' "$W/stderr" | grep -iv '^warning\|autodetected\|No ref specified' \
        | head -n 1 | sed -e 's/^time="[^"]*" level=[a-z]* msg="\(.*\)"$/\1/' -e 's/\\n/ /g' \
            -e 's/\\"/"/g' -e "s|$W/||g" | cut -c1-200 || true)"
}

# row CASE CONTENDER INPUT_BYTES TARGET_RATIO TARGET_RSS_KIB KIND: records the last measurement.
# KIND: baseline (sets the ratio's denominator), ours (must exit 0), reference (a bound, must
# exit 0), peer (may refuse).
# TARGET_RATIO like "<= 1.10" or "< 0.75" or "-"; TARGET_RSS_KIB a number or "-".
row() {
    local case_name="$1" contender="$2" bytes="$3" target="$4" rss_target="$5" kind="$6"
    local ratio="1.00" met="" throughput rss_mib result
    if [[ "$kind" == baseline ]]; then
        BASE_WALL="$M_WALL"
    else
        ratio="$(awk -v a="$M_WALL" -v b="$BASE_WALL" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')"
    fi
    throughput="$(awk -v b="$bytes" -v s="$M_WALL" 'BEGIN { if (s > 0) printf "%.0f", b / 1048576 / s; else print "-" }')"
    rss_mib="$(awk -v k="$M_RSS" 'BEGIN { printf "%.1f", k / 1024 }')"
    result="ok"
    if ((M_STATUS != 0)); then
        if [[ "$kind" == peer ]]; then
            result="refused (exit $M_STATUS)"
            ratio=""  # it stopped early: its time says nothing about the work
            throughput=""
            NOTES+=("$contender on $case_name: exit $M_STATUS: ${M_STDERR:-no message}")
        else
            result="FAILED (exit $M_STATUS)"
            FAILED=1
            log "$contender on $case_name failed (exit $M_STATUS): $(head -c 2000 "$W/stderr")"
        fi
    fi
    local goals=()
    if [[ "$target" != - ]]; then
        local op="${target%% *}" limit="${target#* }"
        if awk -v r="$ratio" -v l="$limit" -v op="$op" \
            'BEGIN { exit !((op == "<=" && r <= l) || (op == "<" && r < l)) }'; then
            goals+=("ratio yes")
        else
            goals+=("ratio NO")
        fi
    fi
    if [[ "$rss_target" != - ]]; then
        if ((M_RSS < rss_target)); then goals+=("RSS yes"); else goals+=("RSS NO"); fi
    fi
    if [[ "$kind" == ours && ${#goals[@]} -gt 0 ]]; then
        met="${goals[0]}"
        ((${#goals[@]} < 2)) || met+=", ${goals[1]}"
    fi
    local target_text=""
    if [[ "$kind" == ours ]]; then
        [[ "$target" == - ]] || target_text="ratio $target"
        [[ "$rss_target" == - ]] || target_text+="${target_text:+; }RSS < $((rss_target / 1024)) MiB"
    fi
    ROWS+=("| $case_name | $contender | $(human_bytes "$bytes") | $(printf '%.3f' "$M_WALL") | $M_RUNS | $throughput | $rss_mib | $ratio | $target_text | ${met:-} | $result |")
    log "$case_name: $contender: ${M_WALL}s, ${rss_mib} MiB, ratio $ratio ${met:+($met)} $result"
}

have() { command -v "$1" > /dev/null; }

not_installed() {
    ROWS+=("| $1 | $2 | | | | | | | | | not installed |")
    NOTES+=("$2 on $1: not measured, ${2%% *} is not installed (apt-get install ${3:-${2%% *}})")
}

describe_machine() {
    local model memory disk
    model="$(lscpu 2> /dev/null | sed -n 's/^Model name: *//p' | head -n 1)"
    memory="$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    disk="$(df -h --output=source,fstype,size "$W" | tail -n 1 | awk '{ print $1 " (" $2 ", " $3 ")" }')"
    echo "- machine: $(nproc) cores, ${model:-unknown CPU}$(grep -q sha_ni /proc/cpuinfo && echo ' (SHA-NI)'), $memory memory, inputs on $disk"
    echo "- $(openssl version | cut -d' ' -f1-2); oci-wasm built $([[ -n "${OCIWASM_BIN:-}" ]] && echo "as given by OCIWASM_BIN" || echo "Release, -O2")"
    local versions=()
    have skopeo && versions+=("$(skopeo --version)")
    have umoci && versions+=("$(umoci --version)")
    have oci-image-tool && versions+=("oci-image-tool $(oci-image-tool --version | awk '{ print $NF }')")
    if ((${#versions[@]} > 0)); then
        local joined
        joined="$(printf '%s; ' "${versions[@]}")"
        echo "- peers: ${joined%; }"
    fi
}

# ---------------------------------------------------------------------------------------------
# The cases.

load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
log "generating inputs in $W ($([[ $quick == 1 ]] && echo quick || echo full) sizes)"
make_big
make_many
make_scale "$scale_small"
make_scale "$scale_large"

big_bytes="$(file_size "$BIG_LAYER")"
big_tar_bytes="$(file_size "$W/big.tar")"
big_label="1 layer of $(human_bytes "$big_bytes")"

# Case 1: validate one large layer, as a directory and as a tar.
case1="1. validate $big_label (dir)"
warm "$W/big"
measure "" -- openssl dgst -sha256 "$BIG_LAYER"
row "$case1" "openssl dgst -sha256 (baseline)" "$big_bytes" - - baseline
measure "" -- "$validate" "$W/big"
row "$case1" "oci-wasm-validate" "$big_bytes" "<= 1.10" "$RSS_LIMIT_KIB" ours
if have umoci; then
    measure "" -- umoci gc --layout "$W/big"
    row "$case1" "umoci gc (walks the graph, reads and verifies every blob)" "$big_bytes" - - peer
else
    not_installed "$case1" "umoci gc"
fi
if have oci-image-tool; then
    measure "" -- oci-image-tool validate --type image "$W/big"
    row "$case1" "oci-image-tool validate --type image" "$big_bytes" - - peer
else
    not_installed "$case1" "oci-image-tool validate"
fi

case1t="1. validate $big_label (tar)"
warm "$W/big.tar"
measure "" -- openssl dgst -sha256 "$W/big.tar"
row "$case1t" "openssl dgst -sha256 (baseline)" "$big_tar_bytes" - - baseline
measure "" -- "$validate" "$W/big.tar"
row "$case1t" "oci-wasm-validate" "$big_tar_bytes" "<= 1.10" "$RSS_LIMIT_KIB" ours
if have oci-image-tool; then
    measure "" -- oci-image-tool validate --type image "$W/big.tar"
    row "$case1t" "oci-image-tool validate --type image" "$big_tar_bytes" - - peer
else
    not_installed "$case1t" "oci-image-tool validate"
fi

# Case 2: many medium blobs in a directory: hashed on every core.
case2="2. validate $many_count blobs of $many_mib MiB (dir)"
many_bytes="$(bytes_of "$W/many/blobs")"
warm "$W/many"
measure "" -- openssl dgst -sha256 "$W"/many/blobs/sha256/*
row "$case2" "openssl dgst -sha256, one stream (baseline)" "$many_bytes" - - baseline
# What two cores give at best here: two openssl processes, each on half of the blobs. Shared
# physical cores (SMT siblings, a busy host) show up as a ratio well above 0.5.
many_blobs=("$W"/many/blobs/sha256/*)
printf '%s\n' "${many_blobs[@]}" | awk 'NR % 2 == 1' > "$W/many-half-1"
printf '%s\n' "${many_blobs[@]}" | awk 'NR % 2 == 0' > "$W/many-half-2"
# shellcheck disable=SC2016 # the sh -c scripts take their paths as arguments
measure "" -- sh -c 'xargs openssl dgst -sha256 < "$1" > /dev/null & first=$!
    xargs openssl dgst -sha256 < "$2" > /dev/null && wait "$first"' sh "$W/many-half-1" "$W/many-half-2"
row "$case2" "2 x openssl dgst -sha256 in parallel, half the blobs each (2-core limit)" \
    "$many_bytes" - - reference
measure "" -- "$validate" "$W/many"
row "$case2" "oci-wasm-validate ($(nproc) threads)" "$many_bytes" "< 0.75" - ours
if have umoci; then
    measure "" -- umoci gc --layout "$W/many"
    row "$case2" "umoci gc (walks the graph, reads and verifies every blob)" "$many_bytes" - - peer
else
    not_installed "$case2" "umoci gc"
fi

# Case 3: convert old -> new, tar -> tar.
case3="3. convert old -> new, tar -> tar, $big_label"
warm "$W/big.tar"
# shellcheck disable=SC2016 # the sh -c scripts take their paths as arguments
measure "rm -f '$W/out.tar'" -- sh -c 'cat "$1" > "$2" && openssl dgst -sha256 "$1" > /dev/null' \
    sh "$W/big.tar" "$W/out.tar"
row "$case3" "cat in.tar > out.tar; openssl dgst -sha256 in.tar (baseline)" "$big_tar_bytes" - - baseline
# oci-wasm-convert also makes its output durable (fsync before the atomic rename); cat does not.
# This bound shows what that costs on this disk (nothing on tmpfs, so not measured there).
if ((!in_memory)); then
    # shellcheck disable=SC2016
    measure "rm -f '$W/out.tar'" -- sh -c 'cat "$1" > "$2" && sync "$2" && openssl dgst -sha256 "$1" > /dev/null' \
        sh "$W/big.tar" "$W/out.tar"
    row "$case3" "cat in.tar > out.tar; sync out.tar; openssl dgst -sha256 in.tar (durable)" \
        "$big_tar_bytes" - - reference
fi
measure "rm -f '$W/out.tar'" -- "$convert" --to new "$W/big.tar" "$W/out.tar"
row "$case3" "oci-wasm-convert --to new in.tar out.tar" "$big_tar_bytes" "<= 1.25" "$RSS_LIMIT_KIB" ours
if ((M_STATUS == 0)); then
    "$validate" --strict "$W/out.tar" > /dev/null \
        || { log "the converted $W/out.tar does not validate"; FAILED=1; }
fi
rm -f "$W/out.tar"
if have skopeo; then
    measure "rm -rf '$W/skopeo-out'" -- skopeo copy --quiet "oci-archive:$W/big.tar:big:v1" \
        "oci:$W/skopeo-out:big:v1"
    row "$case3" "skopeo copy oci-archive:in.tar oci:dir (copy only)" "$big_tar_bytes" - - peer
    rm -rf "$W/skopeo-out"
else
    not_installed "$case3" "skopeo copy"
fi

# Case 4: many small manifests in one index: time grows linearly.
case4="4. validate an index of N small manifests (dir)"
warm "$W/scale-$scale_small"
scale_small_bytes="$(bytes_of "$W/scale-$scale_small")"
measure "" -- "$validate" "$W/scale-$scale_small"
row "$case4" "oci-wasm-validate, N = $scale_small (baseline for N = $scale_large)" \
    "$scale_small_bytes" - - baseline
[[ "$M_STATUS" == 0 ]] || { FAILED=1; log "validate of $scale_small manifests failed: $M_STDERR"; }
warm "$W/scale-$scale_large"
scale_large_bytes="$(bytes_of "$W/scale-$scale_large")"
measure "" -- "$validate" "$W/scale-$scale_large"
row "$case4" "oci-wasm-validate, N = $scale_large" "$scale_large_bytes" \
    "< $((scale_large / scale_small)).00" - ours
if have umoci; then
    for n in "$scale_small" "$scale_large"; do
        warm "$W/scale-$n"
        measure "" -- umoci gc --layout "$W/scale-$n"
        row "$case4" "umoci gc, N = $n" "$(bytes_of "$W/scale-$n")" - - peer
    done
else
    not_installed "$case4" "umoci gc"
fi

load_end="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------------------------------------
# The table (markdown, ready for the README).

echo "oci-wasm benchmark ($([[ $quick == 1 ]] && echo "--quick: small inputs, times not representative" || echo "full sizes")), $(date -u +%Y-%m-%d)"
echo
describe_machine
echo "- load average (1, 5, 15 min): $load_start at the start, $load_end at the end"
echo "- wall: median of $runs run(s) (each run in \"runs\"), $( ((in_memory)) && echo "inputs and outputs on tmpfs" || echo "page cache warmed before each run"); RSS: largest peak over the runs;"
echo "  ratio: wall / the case's baseline wall (case 4: / the oci-wasm-validate N = $scale_small wall)"
echo
echo "| case | contender | input | wall s | runs s | MiB/s | peak RSS MiB | ratio | target | met | result |"
echo "|---|---|---|---:|---|---:|---:|---:|---|---|---|"
printf '%s\n' "${ROWS[@]}"
if ((${#NOTES[@]} > 0)); then
    echo
    echo "Notes:"
    printf -- '- %s\n' "${NOTES[@]}"
fi
exit "$FAILED"
