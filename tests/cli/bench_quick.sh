#!/usr/bin/env bash
# scripts/bench.sh --quick: runs with the built tools, prints the whole table, cleans up after
# itself, and refuses bad options. Its times are not checked (they depend on the machine).
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench="$OCIWASM_SOURCE_DIR/scripts/bench.sh"
export TMPDIR="$TEST_TMP"

describe "--quick with the built tools prints the table and exits 0"
run bash "$bench" --quick --no-install
assert_exit 0
assert_contains stdout "| case | contender | input | wall s | runs s | MiB/s | peak RSS MiB | ratio | target | met | result |"
assert_matches stdout "^- machine: [0-9]+ cores, .*memory, inputs on "
assert_matches stdout "^- wall: median of 3 run"
for case_name in "1. validate 1 layer of 32.0 MiB (dir)" "1. validate 1 layer of 32.0 MiB (tar)" \
    "2. validate 16 blobs of 2 MiB (dir)" "3. convert old -> new, tar -> tar, 1 layer of 32.0 MiB"; do
    # Each case has its baseline and our tool, both run to the end; ours shows its 3 runs.
    name="$(printf '%s' "$case_name" | sed 's/[].()[]/\\&/g')"  # as an extended regex
    assert_matches stdout "^\| $name \| (openssl dgst|cat in.tar) .*\| [0-9]+\.[0-9]{3} \| .* \| 1\.00 \| .*\| ok \|$"
    assert_matches stdout "^\| $name \| oci-wasm-(validate|convert)[^|]* \| 32\.0 MiB \| [0-9]+\.[0-9]{3} \| [0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2} \| [0-9]+ \| [0-9.]+ \| [0-9]+\.[0-9]{2} \| ratio [<=]+ [0-9.]+.* \| ratio (yes|NO).* \| ok \|$"
done
assert_matches stdout "^\| 4\. validate an index of N small manifests \(dir\) \| oci-wasm-validate, N = 100 .*\| ok \|$"
assert_matches stdout "^\| 4\. validate an index of N small manifests \(dir\) \| oci-wasm-validate, N = 1000 \| .* \| ratio < 10\.00 \| ratio (yes|NO) \| ok \|$"
assert_matches stdout "^\| 3\. .* \| cat in.tar > out.tar; sync out.tar; .*\(durable\) \|.*\| ok \|$"
# Peers appear whether or not they are installed (skopeo, umoci and oci-image-tool are bench-only).
assert_matches stdout "^\| 3\. .* \| skopeo copy .*\| (ok|refused \(exit [0-9]+\)|not installed) \|$"
assert_matches stdout "^\| 1\. .*\(dir\) \| oci-image-tool validate.*\| (ok|refused \(exit [0-9]+\)|not installed) \|$"
assert_matches stdout "^\| 2\. .* \| 2 x openssl dgst -sha256 in parallel.*\| ok \|$"
assert_not_contains stdout "FAILED"
check "the generated inputs are removed" test -z "$(find "$TEST_TMP" -maxdepth 1 -name 'oci-wasm-bench.*')"

describe "--in-memory puts inputs and outputs on tmpfs and removes them"
if [[ "$(stat -f -c %T /dev/shm 2> /dev/null)" == tmpfs ]]; then
    before="$(find /dev/shm -maxdepth 1 -name 'oci-wasm-bench.*' | wc -l)"
    run bash "$bench" --quick --in-memory --no-install --runs 1
    assert_exit 0
    assert_matches stdout "^- machine: .* inputs on tmpfs "
    assert_matches stdout "^- wall: median of 1 run\(s\) .*inputs and outputs on tmpfs"
    assert_matches stdout "^\| 3\. .* \| oci-wasm-convert .* \| [0-9]+\.[0-9]{2} \| [0-9]+ \|.*\| ok \|$"
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
run bash "$bench" --fast
assert_exit 2
assert_contains stderr "unknown option --fast"

finish
