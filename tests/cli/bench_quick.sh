#!/usr/bin/env bash
# scripts/bench.sh --quick: runs with the built tools, prints the whole table (every case with its
# baseline, our tool and the peers), prints the README table with --markdown, cleans up after
# itself, and refuses bad options. Its times are not checked (they depend on the machine).
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench="$OCIWASM_SOURCE_DIR/scripts/bench.sh"
export TMPDIR="$TEST_TMP"

# A row: "| CASE | CONTENDER | ..." with CASE and CONTENDER as extended regexes.
row() { printf '^\\| %s \\| %s \\|' "$1" "$2"; }
ratio='[0-9]+\.[0-9]{2} \([0-9]+\.[0-9]{2}-[0-9]+\.[0-9]{2}\)'

describe "--quick with the built tools prints the table and exits 0"
run bash "$bench" --quick --no-install
assert_exit 0
assert_contains stdout "| case | contender | input | wall s | runs s | MiB/s | peak RSS MiB | ratio (min-max) | target | met | result |"
assert_matches stdout "^- machine: [0-9]+ cores, .*memory, inputs on "
assert_matches stdout "^- 1 round\(s\), contenders interleaved; ratio: the median \(min-max\)"
while IFS='@' read -r case_name baseline ours target; do
    # Each case has its baseline and our tool, both run to the end; ours shows its ratio with
    # min and max, its target and whether it was met.
    assert_matches stdout "$(row "$case_name" "$baseline") .*\| 1\.00 \|  \|  \| ok \|$"
    assert_matches stdout "$(row "$case_name" "$ours") .* \| [0-9]+\.[0-9]{3} \| [0-9]+\.[0-9]{2} \| [0-9]+ \| [0-9.]+ \| $ratio \| $target \| ratio (yes|NO).* \| ok \|$"
done << 'ROWS'
1d\. validate 1 layer of 32\.0 MiB \(dir\)@openssl dgst -sha256 of the layer \(baseline\)@oci-wasm-validate@ratio <= 1\.10; RSS < 64 MiB
1t\. validate 1 layer of 32\.0 MiB \(tar\)@openssl dgst -sha256 of the tar \(baseline\)@oci-wasm-validate@ratio <= 1\.10; RSS < 64 MiB
2\. validate 16 blobs of 2 MiB \(dir\)@openssl dgst -sha256, one stream \(baseline\)@oci-wasm-validate \([0-9]+ threads\)@ratio < 0\.75; RSS < 64 MiB
3t\. convert old -> new, tar -> tar, 1 layer of 32\.0 MiB@openssl dgst -sha256 in\.tar \(baseline: the hashing floor\)@oci-wasm-convert --to new in\.tar out\.tar@ratio <= 1\.15; RSS < 64 MiB
3d\. convert old -> new, dir -> dir, 1 layer of 32\.0 MiB@openssl dgst -sha256 of every blob \(baseline: the hashing floor\)@oci-wasm-convert --to new in out@ratio <= 1\.15; RSS < 64 MiB
4\. validate 100 small manifests \(dir, 201 blobs\)@find blobs -type f \\\| xargs sha256sum; jq -c \. index\.json \(baseline\)@oci-wasm-validate@ratio <= 1\.00
5\. growth: validate 1000 small manifests against 100@oci-wasm-validate, N = 100 \(baseline\)@oci-wasm-validate, N = 1000@ratio <= 11\.00
6z\. validate 1 layer of 32\.0 MiB \(tar\.zst\)@zstd -dc in\.tar\.zst \\\| openssl dgst -sha256 \(baseline\)@oci-wasm-validate@ratio <= 1\.15; RSS < 64 MiB
6g\. validate 1 layer of 32\.0 MiB \(tar\.gz\)@gzip -dc in\.tar\.gz \\\| openssl dgst -sha256 \(baseline\)@oci-wasm-validate@ratio < 1\.00; RSS < 64 MiB
ROWS
assert_matches stdout "$(row "3t\. .*" "cat in\.tar > out\.tar; sync out\.tar; .*\(durable\)") .*\| ok \|$"
assert_matches stdout "$(row "2\. .*" "2 x openssl dgst -sha256 in parallel.*") .*\| ok \|$"
# Peers appear whether or not they are installed (skopeo, umoci and oci-image-tool are bench-only).
for peer in "3t\..*|skopeo copy oci-archive:in\.tar oci:dir" "3d\..*|skopeo copy oci:in oci:out" \
    "1d\..*|oci-image-tool validate" "1d\..*|umoci gc" "4\..*|umoci gc"; do
    assert_matches stdout "$(row "${peer%%|*}" "${peer#*|}.*") .*\| (ok|refused \(exit [0-9]+\)|not installed) \|$"
done
assert_not_contains stdout "FAILED"
check "the generated inputs are removed" test -z "$(find "$TEST_TMP" -maxdepth 1 -name 'oci-wasm-bench.*')"

describe "--markdown prints the README table: the machine, then one row per contender"
run bash "$bench" --quick --no-install --markdown --case 4
assert_exit 0
assert_matches stdout "^- machine: [0-9]+ cores"
assert_contains stdout "| case | contender | median wall | peak RSS | ratio (min-max) | target |"
assert_matches stdout "$(row "4\. validate 100 small manifests \(dir, 201 blobs\)" "\*\*oci-wasm-validate\*\*") [0-9.]+ s \| [0-9.]+ MiB \| $ratio \| ratio <= 1\.00: (met|\*\*missed\*\* \(ratio NO\)) \|$"
assert_not_contains stdout "1d. validate"
assert_not_contains stdout "| input |"

describe "--in-memory puts inputs and outputs on tmpfs and removes them"
if [[ "$(stat -f -c %T /dev/shm 2> /dev/null)" == tmpfs ]]; then
    before="$(find /dev/shm -maxdepth 1 -name 'oci-wasm-bench.*' | wc -l)"
    run bash "$bench" --quick --in-memory --no-install --case 3t,3d
    assert_exit 0
    assert_matches stdout "^- machine: .* inputs on tmpfs "
    assert_matches stdout "inputs and outputs on tmpfs"
    assert_matches stdout "$(row "3t\. .*" "oci-wasm-convert .*") .*\| ok \|$"
    assert_matches stdout "$(row "3d\. .*" "oci-wasm-convert .*") .*\| ok \|$"
    assert_not_contains stdout "(durable)"
    check "the tmpfs inputs are removed" \
        test "$(find /dev/shm -maxdepth 1 -name 'oci-wasm-bench.*' | wc -l)" -eq "$before"
else
    echo "$TEST_NAME: /dev/shm is not a tmpfs here: --in-memory not run"
fi

describe "bad options are usage errors"
run bash "$bench" --runs 0
assert_exit 2
assert_contains stderr "--runs needs a positive count"
run bash "$bench" --case 9
assert_exit 2
assert_contains stderr "--case: no case 9"
run bash "$bench" --fast
assert_exit 2
assert_contains stderr "unknown option --fast"

finish
