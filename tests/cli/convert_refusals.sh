#!/usr/bin/env bash
# oci-wasm-convert refusals and failures: lossy conversions (exit 1, each problem with its JSON
# pointer), --allow-lossy (what changed, on stderr), --ref not found, invalid and unreadable
# inputs, a write past RLIMIT_FSIZE. Every failure leaves no OUT (and an existing OUT intact).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

convert="$OCIWASM_BIN/oci-wasm-convert"
validate="$OCIWASM_BIN/oci-wasm-validate"
fixtures="$OCIWASM_SOURCE_DIR/fixtures"
lockv1="$fixtures/spin-oci-layer/lockv1"
t="$TEST_TMP"

lockfile_digest="$(jq -r '.layers[-1].digest' \
    "$lockv1/blobs/sha256/$(jq -r '.manifests[0].digest' "$lockv1/index.json" | cut -d: -f2)")"
lockfile="blobs/sha256/${lockfile_digest#sha256:}"

no_output_left() {
    check "no $1" test ! -e "$1"
    check "no temporary beside it" test -z "$(find "$(dirname "$1")" -maxdepth 1 -name '.*tmp-*')"
}

for out in "$t/lossy-dir" "$t/lossy.tar"; do
    describe "lossy: lockfile version 1 and host requirements are refused ($(basename "$out"))"
    run "$convert" --to old "$lockv1" "$out"
    assert_exit 1
    assert_empty stdout
    assert_contains stderr "oci-wasm-convert: $lockv1: $lockfile#/spin_lock_version: CONVERT-LOSSY-LOCK-VERSION: spin_lock_version is 1; Spin 1.x reads only 0"
    assert_contains stderr "$lockfile#/must_understand: CONVERT-LOSSY-LOCK-VERSION: "
    assert_contains stderr "$lockfile#/host_requirements: CONVERT-LOSSY-HOST-REQUIREMENTS: "
    assert_contains stderr "$lockfile#/components/0/host_requirements: CONVERT-LOSSY-HOST-REQUIREMENTS: "
    assert_contains stderr "(refused: pass --allow-lossy to convert anyway)"
    assert_contains stderr "oci-wasm-convert: $lockv1: conversion refused: 4 problem(s); nothing written"
    no_output_left "$out"
done

describe "a refusal from stdin to stdout writes nothing to stdout (no blob above the keep limit)"
run sh -c "$(printf '%q --to old - - < %q > %q' "$convert" "$lockv1.tar" "$t/refused.tar")"
assert_exit 1
assert_contains stderr "oci-wasm-convert: -: $lockfile#/spin_lock_version: CONVERT-LOSSY-LOCK-VERSION: "
check "stdout stayed empty" test ! -s "$t/refused.tar"

describe "lossy refusal with --format json: the findings on stdout"
run "$convert" --to old --format json "$lockv1" "$t/lossy-json"
assert_exit 1
check "status refused, nothing written" \
    jq -e '.status == "refused" and .written == false and (.findings | length) == 4' "$RUN_STDOUT_FILE"
check "findings carry file and pointer" jq -e --arg f "$lockfile" \
    '.findings[0].file == $f and .findings[0].pointer == "/spin_lock_version" and .findings[0].severity == "error"' \
    "$RUN_STDOUT_FILE"
no_output_left "$t/lossy-json"

describe "a refused conversion leaves an existing OUT as it was"
run "$convert" --to old "$fixtures/spin-oci-layer/hello" "$t/existing"
assert_exit 0
before="$(cd "$t/existing" && find . -type f -exec sha256sum {} + | sort)"
run "$convert" --to old "$lockv1" "$t/existing"
assert_exit 1
check "OUT is unchanged" test "$before" = "$(cd "$t/existing" && find . -type f -exec sha256sum {} + | sort)"

describe "--allow-lossy converts and says on stderr what was dropped or changed"
run "$convert" --to old --allow-lossy "$lockv1" "$t/lossy-allowed"
assert_exit 0
assert_contains stderr "$lockfile#/spin_lock_version: warning: CONVERT-LOSSY-LOCK-VERSION: spin_lock_version is 1; Spin 1.x reads only 0, so it becomes 0"
assert_contains stderr "$lockfile#/host_requirements: warning: CONVERT-LOSSY-HOST-REQUIREMENTS: "
assert_contains stdout "note: lockfile rewritten: $lockfile_digest -> sha256:"
run "$validate" --strict "$t/lossy-allowed"
assert_exit 0
new_manifest="$(jq -r '.manifests[0].digest' "$t/lossy-allowed/index.json")"
new_lockfile="$(jq -r '.config.digest' "$t/lossy-allowed/blobs/sha256/${new_manifest#sha256:}")"
check "the rewritten lockfile is version 0 without host requirements" jq -e \
    '.spin_lock_version == 0 and (has("host_requirements") | not) and (has("must_understand") | not) and (.components[0] | has("host_requirements") | not)' \
    "$t/lossy-allowed/blobs/sha256/${new_lockfile#sha256:}"

describe "--ref naming no manifest: exit 1, no OUT"
run "$convert" --ref nothing:v9 "$fixtures/spin-v1-config/hello" "$t/no-ref"
assert_exit 1
assert_contains stderr "oci-wasm-convert: $fixtures/spin-v1-config/hello: no index.json descriptor has ref name \"nothing:v9\"; found \"hello:v1\""
no_output_left "$t/no-ref"

describe "an invalid input is refused with the validator's errors, no OUT"
cp -r "$fixtures/spin-v1-config/hello" "$t/broken"
wasm="$(ls "$t/broken/blobs/sha256" | head -1)"
printf 'tampered' >> "$t/broken/blobs/sha256/$wasm"
run "$convert" "$t/broken" "$t/broken-out.tar"
assert_exit 1
assert_matches stderr "^oci-wasm-convert: $t/broken: blobs/sha256/$wasm: OCI-[A-Z-]+: "
assert_contains stderr "the input is not a valid layout"
no_output_left "$t/broken-out.tar"

# A missing blob is only a warning to the validator (a layout MAY lack referenced blobs), but a
# converted app without its wasm cannot run (issue 13 item 4: convert used to say nothing).
hello="$fixtures/spin-v1-config/hello"
hello_manifest="blobs/sha256/$(jq -r '.manifests[0].digest' "$hello/index.json" | cut -d: -f2)"
wasm="blobs/sha256/$(jq -r '.layers[0].digest' "$hello/$hello_manifest" | cut -d: -f2)"
cp -r "$hello" "$t/no-wasm"
chmod -R u+w "$t/no-wasm"
rm "$t/no-wasm/$wasm"

describe "an app to convert without its wasm layer is refused, with the validator's warning"
run "$convert" "$t/no-wasm" "$t/no-wasm-out"
assert_exit 1
assert_empty stdout
assert_contains stderr "oci-wasm-convert: $t/no-wasm: $hello_manifest#/layers/0: warning: OCI-BLOB-MISSING: expected blob $wasm in the layout, found none"
assert_contains stderr "oci-wasm-convert: $t/no-wasm: $hello_manifest#/layers/0: CONVERT-BLOB-MISSING: expected blob $wasm of this Spin app in the layout, found none"
assert_contains stderr "(--allow-missing-blobs converts it anyway)"
assert_contains stderr "conversion refused: 1 problem(s); nothing written"
no_output_left "$t/no-wasm-out"

describe "--allow-missing-blobs converts it and still prints the warning"
run "$convert" --allow-missing-blobs "$t/no-wasm" "$t/no-wasm-out"
assert_exit 0
assert_contains stdout "1 converted"
assert_contains stderr "$hello_manifest#/layers/0: warning: OCI-BLOB-MISSING: "
assert_not_contains stderr "CONVERT-BLOB-MISSING"

describe "the warning in --format json, and an app passed through unchanged is not refused"
run "$convert" --to old --format json "$t/no-wasm" "$t/no-wasm-old"
assert_exit 0
check "the warning among the findings" jq -e '.status == "ok" and .allowMissingBlobs == false and ([.findings[] |
    select(.code == "OCI-BLOB-MISSING" and .severity == "warning" and .pointer == "/layers/0")]
    | length == 1)' "$RUN_STDOUT_FILE"
assert_contains stderr "$hello_manifest#/layers/0: warning: OCI-BLOB-MISSING: "

describe "an input that cannot be read: exit 3"
run "$convert" "$t/does-not-exist" "$t/out-missing"
assert_exit 3
assert_contains stderr "oci-wasm-convert: $t/does-not-exist: "
no_output_left "$t/out-missing"
printf 'this is not a tar archive at all, just some text\n%.0s' {1..40} > "$t/garbage.tar"
run "$convert" "$t/garbage.tar" "$t/out-garbage"
assert_exit 3
assert_contains stderr "oci-wasm-convert: $t/garbage.tar: "
no_output_left "$t/out-garbage"

describe "a write beyond RLIMIT_FSIZE fails with exit 3 and a message, not a signal"
run bash -c "ulimit -f 8 && exec $(printf '%q ' "$convert" "$fixtures/spin-v1-config/multi" "$t/too-big.tar")"
assert_exit 3
assert_contains stderr "oci-wasm-convert: $t/too-big.tar: "
assert_contains stderr "File too large"
no_output_left "$t/too-big.tar"

finish
