#!/usr/bin/env bash
# Measures oci-wasm-validate and oci-wasm-convert against the limit of the work (reading and
# hashing bytes: `openssl dgst -sha256` of the same bytes, and shell one-liners that hash and
# parse the same files) and against peers (skopeo, umoci, oci-image-tool) on the same inputs.
# Not a test: it prints a table, and exits 1 only when one of our tools fails.
#
#   scripts/bench.sh [--quick] [--markdown] [--in-memory] [--runs N] [--case LIST]
#                    [--profile] [--no-install] [--keep]
#     --quick       small inputs, no warm-up round (well under a minute); times are not representative
#     --markdown    print only the README table (machine, then one row per contender)
#     --in-memory   inputs and outputs on tmpfs (/dev/shm): see "Fairness" below
#     --runs N      measured rounds per case after the warm-up round (default 5; 1 with --quick)
#     --case LIST   only these cases, e.g. 3t,4 (1d 1t 2 3t 3d 4 5 6z 6g)
#     --profile     for each target missed, a perf profile of one run of ours (needs perf)
#     --no-install  do not install missing peers (they are reported as not installed)
#     --keep        keep the generated inputs (their directory is printed)
#
# The tools come from $OCIWASM_BIN when set (ctest does that), else from a release build
# (-O2, no sanitizers, no tests) made in build-release/. Inputs are generated in a temp dir
# (TMPDIR decides where); nothing large is written into the repo.
#
# How a case is measured: its contenders (the baseline first) run in turn, A B C A B C ..., one
# warm-up round (none with --quick) and then N measured rounds. Each round gives every contender a ratio to the
# baseline's time of the same round; the table shows the median of those ratios with their min
# and max, so that a machine whose speed drifts during the run (other load, frequency, page
# cache reclaim) does not decide the verdict. Wall: the median of the rounds; peak RSS:
# the largest over the rounds (/usr/bin/time -f %M).
#
# Fairness: right before each timed run its inputs are read once, so every contender reads from
# the page cache (warming once per case is not enough where idle page cache is reclaimed within
# seconds, as DAMON does on this project's VMs), and `sync` runs so that one run's dirty pages do
# not slow the next. Even so, on such a VM reclaim can take pages of a warmed input, or of an
# output being written, in the middle of a run; --in-memory keeps everything on tmpfs, which
# without swap cannot be paged out, and measures the tools without the disk (fsync is then free).
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=scripts/perl-blobs.sh
source "$(dirname "${BASH_SOURCE[0]}")/perl-blobs.sh"

export LC_ALL=C

readonly ALL_CASES="1d 1t 2 3t 3d 4 5 6z 6g"
quick=0
markdown=0
in_memory=0
runs=""
cases="$ALL_CASES"
profile=0
install=1
keep=0
while (($# > 0)); do
    case "$1" in
        --quick) quick=1 ;;
        --markdown) markdown=1 ;;
        --in-memory) in_memory=1 ;;
        --runs)
            [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || { log "--runs needs a positive count"; exit 2; }
            runs="$2"
            shift
            ;;
        --case)
            [[ $# -ge 2 ]] || { log "--case needs a list of cases ($ALL_CASES)"; exit 2; }
            cases="${2//,/ }"
            for one in $cases; do
                [[ " $ALL_CASES " == *" $one "* ]] || { log "--case: no case $one ($ALL_CASES)"; exit 2; }
            done
            shift
            ;;
        --profile) profile=1 ;;
        --no-install) install=0 ;;
        --keep) keep=1 ;;
        -h | --help)
            sed -n '2,/^# shellcheck/p' "${BASH_SOURCE[0]}" | grep '^#' | grep -v '^# shellcheck' | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *) log "unknown option $1 (see --help)"; exit 2 ;;
    esac
    shift
done
[[ -n "$runs" ]] || runs=$((quick ? 1 : 5))
selected() { [[ " $cases " == *" $1 "* ]]; }

# Bench-only packages: the baselines' tools, the peers and /usr/bin/time. (perf, used by
# --profile, is installed by hand: apt-get install linux-perf.)
BENCH_PACKAGES=(time openssl tar jq zstd gzip skopeo umoci oci-image-tool)
if ((install)); then install_missing "${BENCH_PACKAGES[@]}"; fi
for tool in /usr/bin/time openssl tar sha256sum perl jq zstd gzip; do
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
    big_mib=32      # cases 1, 3 and 6: the one large layer
    many_count=16   # case 2: blobs ...
    many_mib=2      # ... of this size
    scale_small=100 # cases 4 and 5: manifests in one index
    scale_large=1000
else
    big_mib=1024
    many_count=64
    many_mib=16
    scale_small=10000
    scale_large=100000
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

# make_scale N: N old-format apps (own lockfile each, one shared tiny wasm layer) in one index
# (in nested indexes beyond 50,000),
# written by one perl process (Digest::SHA is core perl): one process per blob would take longer
# than the measurement at N = 100,000. The JSON is byte for byte what the shell helpers above
# write.
make_scale() {
    local layout="$W/scale-$1"
    new_layout "$layout"
    BLOBS="$layout/blobs/sha256" perl -MDigest::SHA=sha256_hex -e "$PERL_BLOBS"'
        my ($n, $mt_index, $mt_manifest, $mt_lockfile, $mt_wasm) = @ARGV;
        my ($wasm, $wasm_size) = blob("\0asm\1\0\0\0");
        my $wasm_desc = desc($mt_wasm, $wasm, $wasm_size);
        my @entries;
        for my $i (0 .. $n - 1) {
            my $lock = sprintf(q({"components":[{"id":"app","source":{"content_type":"application/wasm","digest":"%s"}}],"metadata":{"name":"app-%d"},"spin_lock_version":0,"triggers":[{"id":"trigger-app","trigger_config":{"component":"app","route":"/..."},"trigger_type":"http"}]}), $wasm, $i);
            my ($config, $config_size) = blob($lock);
            my ($manifest, $size) = blob(sprintf(q({"config":%s,"layers":[%s],"schemaVersion":2}),
                desc($mt_lockfile, $config, $config_size), $wasm_desc));
            push @entries, sprintf(q({"annotations":{"org.opencontainers.image.ref.name":"app-%d:v1"},"digest":"%s","mediaType":"%s","size":%d}),
                $i, $manifest, $mt_manifest, $size);
        }
        # index.json may hold 16 MiB (LAYOUT-FILE-TOO-LARGE beyond): from 50,000 apps on, it
        # lists nested indexes of 15,000 apps each (3.3 MB, under the 4 MiB registries take).
        if ($n > 50000) {
            my @nested;
            while (my @chunk = splice(@entries, 0, 15000)) {
                s/\{"annotations":\{[^}]*\},/{/ for @chunk;
                my ($index, $index_size) = blob(sprintf(q({"manifests":[%s],"mediaType":"%s","schemaVersion":2}),
                    join(",", @chunk), $mt_index));
                push @nested, sprintf(q({"annotations":{"org.opencontainers.image.ref.name":"apps-%d"},"digest":"%s","mediaType":"%s","size":%d}),
                    scalar(@nested), $index, $mt_index, $index_size);
            }
            @entries = @nested;
        }
        printf(q({"manifests":[%s],"mediaType":"%s","schemaVersion":2}), join(",", @entries), $mt_index);
    ' "$1" "$MT_INDEX" "$MT_MANIFEST" "$MT_LOCKFILE" "$MT_WASM" \
        > "$layout/index.json"
}

# ---------------------------------------------------------------------------------------------
# Measuring.

ROWS=()     # the full table
MD_ROWS=()  # the README table (--markdown)
NOTES=()
FAILED=0

bytes_of() { du -sb --apparent-size "$@" | awk '{ total += $1 } END { print total }'; }

human_bytes() {
    awk -v b="$1" 'BEGIN { if (b >= 1073741824) printf "%.2f GiB", b / 1073741824;
                           else if (b >= 1048576) printf "%.1f MiB", b / 1048576;
                           else printf "%.1f KiB", b / 1024 }'
}

have() { command -v "$1" > /dev/null; }

# The contenders of the case being set up, in order: the baseline first.
C_KIND=()     # baseline, ours (must exit 0), reference (a bound, must exit 0), peer (may refuse)
C_LABEL=()
C_TARGET=()   # "<= 1.10", "< 0.75" or "-"
C_RSS=()      # KiB or "-"
C_CLEANUP=()  # eval'd before each run, "" for none
C_CMD=()      # the command, shell-quoted
C_MD=()       # the contender as the README table names it
CASE_WARM=()  # inputs read before each run

# new_case FILE|DIR...: starts a case whose inputs are these.
new_case() {
    C_KIND=() C_LABEL=() C_TARGET=() C_RSS=() C_CLEANUP=() C_CMD=() C_MD=()
    CASE_WARM=("$@")
}

# contender KIND LABEL TARGET RSS_KIB CLEANUP -- CMD...: adds a contender to the case.
contender() {
    local label="${2//|/\\|}"  # a pipe in a label would end its table cell
    C_KIND+=("$1") C_LABEL+=("$label") C_TARGET+=("$3") C_RSS+=("$4") C_CLEANUP+=("$5")
    C_MD+=("$label")
    shift 6
    local quoted
    printf -v quoted '%q ' "$@"
    C_CMD+=("$quoted")
}

# not_installed CASE CONTENDER [PACKAGE]: a peer that cannot run here.
not_installed() {
    ROWS+=("| $1 | $2 | | | | | | | not installed |")
    MD_ROWS+=("| $1 | $2 | not installed | | | |")
    NOTES+=("$2 on $1: not measured, ${2%% *} is not installed (apt-get install ${3:-${2%% *}})")
}

# run_one I: runs contender I once; sets R_WALL, R_RSS (KiB), R_STATUS.
run_one() {
    local i="$1" start end
    [[ -z "${C_CLEANUP[i]}" ]] || eval "${C_CLEANUP[i]}"
    ((${#CASE_WARM[@]} == 0)) || find "${CASE_WARM[@]}" -type f -exec cat {} + > /dev/null
    sync
    start="$EPOCHREALTIME"
    set +e
    eval "/usr/bin/time -f %M -o $(printf '%q' "$W/rss") ${C_CMD[i]}" \
        > "$W/stdout" 2> "$W/stderr" < /dev/null
    R_STATUS=$?
    set -e
    end="$EPOCHREALTIME"
    R_WALL="$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.6f", e - s }')"
    R_RSS="$(tail -n 1 "$W/rss" 2> /dev/null | grep -E '^[0-9]+$' || echo 0)"
    cp "$W/stderr" "$W/stderr.$i"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR ? v[int((NR + 1) / 2)] : 0) }'; }

# The words of a space-separated list, one per line.
words() { tr ' ' '\n' <<< "$1" | grep -v '^$' || true; }

# First line of contender I's last stderr that says something (Go loggers' prefix dropped).
stderr_line() {
    grep -v '^\s*$' "$W/stderr.$1" | grep -iv '^warning\|autodetected\|No ref specified' \
        | head -n 1 | sed -e 's/^time="[^"]*" level=[a-z]* msg="\(.*\)"$/\1/' -e 's/\\n/ /g' \
        -e 's/\\"/"/g' -e "s|$W/||g" | cut -c1-200 || true
}

# met TARGET RATIO: "yes" or "NO".
met() {
    local op="${1%% *}" limit="${1#* }"
    awk -v r="$2" -v l="$limit" -v op="$op" \
        'BEGIN { exit !((op == "<=" && r <= l) || (op == "<" && r < l)) }' && echo yes || echo NO
}

# run_case NAME INPUT_BYTES: one warm-up round (not with --quick: it checks that every case runs,
# and its times are not representative anyway), then $runs rounds of every contender in turn; a
# row per contender.
run_case() {
    local name="$1" bytes="$2" n="${#C_CMD[@]}" round i
    local -a walls rss status ratios
    for ((i = 0; i < n; i++)); do walls[i]="" rss[i]=0 status[i]=0 ratios[i]=""; done
    if ((!quick)); then
        log "$name: warm-up"
        for ((i = 0; i < n; i++)); do run_one "$i"; done
    fi
    for ((round = 1; round <= runs; round++)); do
        local base=""
        for ((i = 0; i < n; i++)); do
            run_one "$i"
            walls[i]+="$R_WALL "
            ((R_RSS > rss[i])) && rss[i]="$R_RSS"
            ((R_STATUS == 0)) || status[i]="$R_STATUS"
            if ((i == 0)); then
                base="$R_WALL"
            else
                ratios[i]+="$(awk -v a="$R_WALL" -v b="$base" 'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }') "
            fi
        done
        log "$name: round $round/$runs done"
    done
    for ((i = 0; i < n; i++)); do
        local wall ratio="1.00" range="" rss_mib result="ok" goal="" goals=() throughput
        wall="$(words "${walls[i]}" | median)"
        local rounds
        rounds="$(words "${walls[i]}" | awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $1 }')"
        if ((i > 0)); then
            ratio="$(words "${ratios[i]}" | median | awk '{ printf "%.2f", $1 }')"
            range="$(words "${ratios[i]}" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f-%.2f", lo, hi }')"
        fi
        rss_mib="$(awk -v k="${rss[i]}" 'BEGIN { printf "%.1f", k / 1024 }')"
        throughput="$(awk -v b="$bytes" -v s="$wall" 'BEGIN { if (s > 0) printf "%.0f", b / 1048576 / s; else print "-" }')"
        if ((status[i] != 0)); then
            if [[ "${C_KIND[i]}" == peer ]]; then
                result="refused (exit ${status[i]})"
                ratio="" range="" throughput=""  # it stopped early: its time says nothing
                NOTES+=("${C_LABEL[i]} on $name: exit ${status[i]}: $(stderr_line "$i")")
            else
                result="FAILED (exit ${status[i]})"
                FAILED=1
                log "${C_LABEL[i]} on $name failed (exit ${status[i]}): $(head -c 2000 "$W/stderr.$i")"
            fi
        fi
        local target_text=""
        if [[ "${C_KIND[i]}" == ours ]]; then
            if [[ "${C_TARGET[i]}" != - ]]; then
                target_text="ratio ${C_TARGET[i]}"
                goals+=("ratio $(met "${C_TARGET[i]}" "${ratio:-999}")")
            fi
            if [[ "${C_RSS[i]}" != - ]]; then
                target_text+="${target_text:+; }RSS < $((C_RSS[i] / 1024)) MiB"
                if ((rss[i] < C_RSS[i])); then goals+=("RSS yes"); else goals+=("RSS NO"); fi
            fi
            goal="$(printf '%s, ' "${goals[@]}")"
            goal="${goal%, }"
            if [[ "$goal" == *NO* && "$profile" == 1 ]]; then profile_contender "$name" "$i"; fi
        fi
        local shown_ratio="$ratio${range:+ ($range)}"
        ROWS+=("| $name | ${C_LABEL[i]} | $(human_bytes "$bytes") | $(printf '%.3f' "$wall") | $rounds | ${throughput} | $rss_mib | $shown_ratio | $target_text | $goal | $result |")
        local md_target="$target_text"
        [[ -z "$goal" ]] || md_target+=": $( [[ "$goal" == *NO* ]] && echo "**missed** ($goal)" || echo met)"
        local md_name="${C_MD[i]}"
        [[ "${C_KIND[i]}" != ours ]] || md_name="**$md_name**"
        if [[ "$result" == ok ]]; then
            MD_ROWS+=("| $name | $md_name | $(printf '%.2f s' "$wall") | $rss_mib MiB | ${shown_ratio} | $md_target |")
        else
            MD_ROWS+=("| $name | $md_name | $result | | | $md_target |")
        fi
        log "$name: ${C_LABEL[i]}: ${wall}s, ${rss_mib} MiB, ratio ${shown_ratio:-none} ${goal:+($goal)} $result"
    done
}

# profile_contender CASE I: where one run of contender I spends its time, as a note.
profile_contender() {
    local name="$1" i="$2"
    if ! have perf; then
        NOTES+=("${C_LABEL[i]} on $1 missed its target; no profile: perf is not installed (apt-get install linux-perf)")
        return
    fi
    [[ -z "${C_CLEANUP[i]}" ]] || eval "${C_CLEANUP[i]}"
    eval "perf record -q -F 999 -o $(printf '%q' "$W/perf.data") -- ${C_CMD[i]}" \
        > /dev/null 2>&1 < /dev/null || true
    local top
    top="$(perf report -i "$W/perf.data" --no-children --sort dso,symbol --stdio 2> /dev/null \
        | grep -E '^ +[0-9]' | head -n 12 | sed -e 's/^ *//' -e 's/ \+/ /g' | cut -c1-110 \
        | paste -sd ';' - | sed 's/;/; /g' || true)"  # head ends grep early: SIGPIPE, not a failure
    NOTES+=("profile of ${C_LABEL[i]} on $name (samples by library and symbol): ${top:-perf recorded nothing}")
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
for one in 1d 1t 2 3t 3d 6z 6g; do
    if selected "$one"; then
        make_big
        big_bytes="$(stat -c %s "$BIG_LAYER")"
        big_tar_bytes="$(stat -c %s "$W/big.tar")"
        big_label="1 layer of $(human_bytes "$big_bytes")"
        break
    fi
done
if selected 2; then make_many; fi
if selected 4 || selected 5; then make_scale "$scale_small"; fi
if selected 5; then make_scale "$scale_large"; fi
if selected 6z || selected 6g; then
    zstd -q -3 -T0 -c "$W/big.tar" > "$W/big.tar.zst"
    gzip -1 -c "$W/big.tar" > "$W/big.tar.gz"
fi

if selected 1d; then
    case1="1d. validate $big_label (dir)"
    new_case "$W/big"
    contender baseline "openssl dgst -sha256 of the layer (baseline)" - - "" -- openssl dgst -sha256 "$BIG_LAYER"
    contender ours "oci-wasm-validate" "<= 1.10" "$RSS_LIMIT_KIB" "" -- "$validate" "$W/big"
    have umoci && contender peer "umoci gc (walks the graph, hashes the JSON blobs)" - - "" -- umoci gc --layout "$W/big"
    have oci-image-tool && contender peer "oci-image-tool validate --type image" - - "" -- oci-image-tool validate --type image "$W/big"
    run_case "$case1" "$big_bytes"
    have umoci || not_installed "$case1" "umoci gc"
    have oci-image-tool || not_installed "$case1" "oci-image-tool validate"
fi

if selected 1t; then
    case1t="1t. validate $big_label (tar)"
    new_case "$W/big.tar"
    contender baseline "openssl dgst -sha256 of the tar (baseline)" - - "" -- openssl dgst -sha256 "$W/big.tar"
    contender ours "oci-wasm-validate" "<= 1.10" "$RSS_LIMIT_KIB" "" -- "$validate" "$W/big.tar"
    have oci-image-tool && contender peer "oci-image-tool validate --type image" - - "" -- oci-image-tool validate --type image "$W/big.tar"
    run_case "$case1t" "$big_tar_bytes"
    have oci-image-tool || not_installed "$case1t" "oci-image-tool validate"
fi

if selected 2; then
    case2="2. validate $many_count blobs of $many_mib MiB (dir)"
    many_bytes="$(bytes_of "$W/many/blobs")"
    # What two cores give at best here: two openssl processes, each on half of the blobs. Shared
    # physical cores (SMT siblings, a busy host) show up as a ratio well above 0.5.
    many_blobs=("$W"/many/blobs/sha256/*)
    printf '%s\n' "${many_blobs[@]}" | awk 'NR % 2 == 1' > "$W/many-half-1"
    printf '%s\n' "${many_blobs[@]}" | awk 'NR % 2 == 0' > "$W/many-half-2"
    new_case "$W/many"
    contender baseline "openssl dgst -sha256, one stream (baseline)" - - "" -- openssl dgst -sha256 "${many_blobs[@]}"
    # shellcheck disable=SC2016 # the sh -c scripts take their paths as arguments
    contender reference "2 x openssl dgst -sha256 in parallel, half the blobs each (the 2-core limit)" - - "" -- \
        sh -c 'xargs openssl dgst -sha256 < "$1" > /dev/null & first=$!
            xargs openssl dgst -sha256 < "$2" > /dev/null && wait "$first"' sh "$W/many-half-1" "$W/many-half-2"
    contender ours "oci-wasm-validate ($(nproc) threads)" "< 0.75" "$RSS_LIMIT_KIB" "" -- "$validate" "$W/many"
    have umoci && contender peer "umoci gc (walks the graph, hashes the JSON blobs)" - - "" -- umoci gc --layout "$W/many"
    run_case "$case2" "$many_bytes"
    have umoci || not_installed "$case2" "umoci gc"
fi

if selected 3t; then
    case3="3t. convert old -> new, tar -> tar, $big_label"
    new_case "$W/big.tar"
    contender baseline "openssl dgst -sha256 in.tar (baseline: the hashing floor)" - - "" -- openssl dgst -sha256 "$W/big.tar"
    contender ours "oci-wasm-convert --to new in.tar out.tar" "<= 1.15" "$RSS_LIMIT_KIB" "rm -f '$W/out.tar'" -- \
        "$convert" --to new "$W/big.tar" "$W/out.tar"
    # shellcheck disable=SC2016 # the sh -c scripts take their paths as arguments
    contender reference "cat in.tar > out.tar; openssl dgst -sha256 in.tar (a copy, then the hash)" - - "rm -f '$W/out.tar'" -- \
        sh -c 'cat "$1" > "$2" && openssl dgst -sha256 "$1" > /dev/null' sh "$W/big.tar" "$W/out.tar"
    # oci-wasm-convert makes its output durable (synced before the atomic rename); cat does not.
    # This bound shows what that costs on this disk (nothing on tmpfs, so not measured there).
    if ((!in_memory)); then
        # shellcheck disable=SC2016
        contender reference "cat in.tar > out.tar; sync out.tar; openssl dgst -sha256 in.tar (durable)" - - "rm -f '$W/out.tar'" -- \
            sh -c 'cat "$1" > "$2" && sync "$2" && openssl dgst -sha256 "$1" > /dev/null' sh "$W/big.tar" "$W/out.tar"
    fi
    have skopeo && contender peer "skopeo copy oci-archive:in.tar oci:dir (a copy only, no conversion)" - - "rm -rf '$W/skopeo-out'" -- \
        skopeo copy --quiet "oci-archive:$W/big.tar:big:v1" "oci:$W/skopeo-out:big:v1"
    run_case "$case3" "$big_tar_bytes"
    have skopeo || not_installed "$case3" "skopeo copy"
    "$convert" --to new "$W/big.tar" "$W/out.tar" > /dev/null 2>&1 \
        && { "$validate" --strict "$W/out.tar" > /dev/null || { log "the converted $W/out.tar does not validate"; FAILED=1; }; }
    rm -rf "$W/out.tar" "$W/skopeo-out"
fi

if selected 3d; then
    case3d="3d. convert old -> new, dir -> dir, $big_label"
    big_dir_bytes="$(bytes_of "$W/big/blobs")"
    new_case "$W/big"
    contender baseline "openssl dgst -sha256 of every blob (baseline: the hashing floor)" - - "" -- \
        openssl dgst -sha256 "$W"/big/blobs/sha256/*
    contender ours "oci-wasm-convert --to new in out" "<= 1.15" "$RSS_LIMIT_KIB" "rm -rf '$W/out-dir'" -- \
        "$convert" --to new "$W/big" "$W/out-dir"
    have skopeo && contender peer "skopeo copy oci:in oci:out (a copy only, no conversion)" - - "rm -rf '$W/skopeo-out'" -- \
        skopeo copy --quiet "oci:$W/big:big:v1" "oci:$W/skopeo-out:big:v1"
    run_case "$case3d" "$big_dir_bytes"
    have skopeo || not_installed "$case3d" "skopeo copy"
    "$convert" --to new "$W/big" "$W/out-dir" > /dev/null 2>&1 \
        && { "$validate" --strict "$W/out-dir" > /dev/null || { log "the converted $W/out-dir does not validate"; FAILED=1; }; }
    rm -rf "$W/out-dir" "$W/skopeo-out"
fi

if selected 4; then
    case4="4. validate $scale_small small manifests (dir, $((2 * scale_small + 1)) blobs)"
    layout="$W/scale-$scale_small"
    new_case "$layout"
    # shellcheck disable=SC2016
    contender baseline "find blobs -type f | xargs sha256sum; jq -c . index.json (baseline)" - - "" -- \
        sh -c 'cd "$1" && find blobs -type f | xargs sha256sum > /dev/null && jq -c . index.json > /dev/null' sh "$layout"
    contender ours "oci-wasm-validate" "<= 1.00" "-" "" -- "$validate" "$layout"
    have umoci && contender peer "umoci gc (walks the graph, hashes the JSON blobs)" - - "" -- umoci gc --layout "$layout"
    run_case "$case4" "$(bytes_of "$layout")"
    have umoci || not_installed "$case4" "umoci gc"
fi

if selected 5; then
    case5="5. growth: validate $scale_large small manifests against $scale_small"
    new_case "$W/scale-$scale_small" "$W/scale-$scale_large"
    contender baseline "oci-wasm-validate, N = $scale_small (baseline)" - - "" -- "$validate" "$W/scale-$scale_small"
    # Linear within 10%: ten times the manifests in at most 11 times the time.
    contender ours "oci-wasm-validate, N = $scale_large" "<= $((11 * scale_large / scale_small / 10)).00" "-" "" -- \
        "$validate" "$W/scale-$scale_large"
    run_case "$case5" "$(bytes_of "$W/scale-$scale_large")"
fi

if selected 6z; then
    case6z="6z. validate $big_label (tar.zst)"
    new_case "$W/big.tar.zst"
    # shellcheck disable=SC2016
    contender baseline "zstd -dc in.tar.zst | openssl dgst -sha256 (baseline)" - - "" -- \
        sh -c 'zstd -q -dc "$1" | openssl dgst -sha256 > /dev/null' sh "$W/big.tar.zst"
    contender ours "oci-wasm-validate" "<= 1.15" "$RSS_LIMIT_KIB" "" -- "$validate" "$W/big.tar.zst"
    run_case "$case6z" "$(stat -c %s "$W/big.tar.zst")"
fi

if selected 6g; then
    case6g="6g. validate $big_label (tar.gz)"
    new_case "$W/big.tar.gz"
    # shellcheck disable=SC2016
    contender baseline "gzip -dc in.tar.gz | openssl dgst -sha256 (baseline)" - - "" -- \
        sh -c 'gzip -dc "$1" | openssl dgst -sha256 > /dev/null' sh "$W/big.tar.gz"
    contender ours "oci-wasm-validate" "< 1.00" "$RSS_LIMIT_KIB" "" -- "$validate" "$W/big.tar.gz"
    run_case "$case6g" "$(stat -c %s "$W/big.tar.gz")"
fi

load_end="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------------------------------------
# The table (markdown).

how="$runs round(s)$( ((quick)) || echo " after a warm-up"), contenders interleaved; ratio: the median (min-max) of each round's wall / the case's baseline wall in that round"
if ((markdown)); then
    describe_machine
    echo "- load average (1, 5, 15 min): $load_start at the start, $load_end at the end; $how"
    echo
    echo "| case | contender | median wall | peak RSS | ratio (min-max) | target |"
    echo "|---|---|---|---|---|---|"
    printf '%s\n' "${MD_ROWS[@]}"
else
    echo "oci-wasm benchmark ($([[ $quick == 1 ]] && echo "--quick: small inputs, times not representative" || echo "full sizes")), $(date -u +%Y-%m-%d)"
    echo
    describe_machine
    echo "- load average (1, 5, 15 min): $load_start at the start, $load_end at the end"
    echo "- $how; wall: median over the rounds, $( ((in_memory)) && echo "inputs and outputs on tmpfs" || echo "page cache warmed before each run"); RSS: largest peak"
    echo
    echo "| case | contender | input | wall s | runs s | MiB/s | peak RSS MiB | ratio (min-max) | target | met | result |"
    echo "|---|---|---|---:|---|---:|---:|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
fi
if ((${#NOTES[@]} > 0)); then
    echo
    echo "Notes:"
    printf -- '- %s\n' "${NOTES[@]}"
fi
exit "$FAILED"
