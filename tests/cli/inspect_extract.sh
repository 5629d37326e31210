#!/usr/bin/env bash
# oci-wasm-inspect --lockfile and --blob: exact bytes on stdout for pipes, from directories, tars
# and stdin; the refusals and their exit codes.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

inspect="$OCIWASM_BIN/oci-wasm-inspect"
fixtures="$OCIWASM_SOURCE_DIR/fixtures"
multi_lock=sha256:4b7ed034615ab68b473eca38774471a4368c6dcc7aa034afb5ce404493dd9616
hello_wasm=sha256:3bcb7c1811b9eaf774f8a7797784388146ef56ca4d793f4e4088a90afe550490
greet_wasm=sha256:8e25d70f060f49865d040a5f26c8e1cc90e345593fd75374213bd696769bbcf3
multi_lock_file="$fixtures/spin-v1-config/multi/blobs/sha256/${multi_lock#sha256:}"
blob_out="$TEST_TMP/blob.out"

# run_blob [--stdin FILE] ARG...: runs inspect with stdout into $blob_out (binary bytes do not
# go through the shell's variables), stderr and the exit code as `run` keeps them.
run_blob() {
    local input=/dev/null
    if [[ "$1" == --stdin ]]; then
        input="$2"
        shift 2
    fi
    run_with_stdin "$input" bash -c 'out="$1"; shift; exec "$@" > "$out"' run_blob "$blob_out" \
        "$inspect" "$@"
}

describe "--lockfile writes the lockfile's exact bytes, whichever format and container"
for input in "$fixtures/spin-oci-layer/multi" "$fixtures/spin-oci-layer/multi.tar" \
    "$fixtures/spin-v1-config/multi" "$fixtures/spin-v1-config/multi.tar"; do
    run "$inspect" --lockfile "$input"
    assert_exit 0
    assert_empty stderr
    check "the lockfile of $input byte for byte" cmp -s "$RUN_STDOUT_FILE" "$multi_lock_file"
done
run_with_stdin "$fixtures/spin-oci-layer/multi.tar" "$inspect" --lockfile -
assert_exit 0
check "the lockfile from stdin byte for byte" cmp -s "$RUN_STDOUT_FILE" "$multi_lock_file"

describe "--lockfile feeds jq"
ids="$("$inspect" --lockfile "$fixtures/spin-oci-layer/multi.tar" | jq -r '.components[].id')"
check "component ids hello, greet (found: $ids)" test "$ids" = $'hello\ngreet'
ids="$("$inspect" --lockfile "$fixtures/spin-oci-layer/lockv1" | jq -r '.components[].id')"
check "component ids frontend, backend (found: $ids)" test "$ids" = $'frontend\nbackend'

describe "--lockfile on mixed: one Spin app reached twice is not ambiguous"
run "$inspect" --lockfile "$fixtures/mixed"
assert_exit 0
check "the hello lockfile" test "$(sha256sum < "$RUN_STDOUT_FILE" | cut -d' ' -f1)" = \
    7ccbd1291799e84afaec96972393bfea03c06c6f1282ba82e66686d408508ffd
run "$inspect" --lockfile --ref hello:multi-platform "$fixtures/mixed"
assert_exit 0
check "the hello lockfile through the nested index" \
    test "$(sha256sum < "$RUN_STDOUT_FILE" | cut -d' ' -f1)" = \
    7ccbd1291799e84afaec96972393bfea03c06c6f1282ba82e66686d408508ffd

describe "--lockfile --ref of a container image: exit 1"
run "$inspect" --lockfile --ref motd:v1 "$fixtures/mixed"
assert_exit 1
assert_empty stdout
assert_equals stderr "oci-wasm-inspect: $fixtures/mixed: expected 'motd:v1' to be a Spin app, found format oci-image"

# Two Spin apps in one layout: hello and multi side by side (their blobs merged, both entries).
two="$TEST_TMP/two"
mkdir -p "$two/blobs/sha256"
cp "$fixtures/spin-oci-layer/hello/oci-layout" "$two/"
cp "$fixtures"/spin-oci-layer/hello/blobs/sha256/* "$two/blobs/sha256/"
cp -f "$fixtures"/spin-v1-config/multi/blobs/sha256/* "$two/blobs/sha256/"
jq -c -n --slurpfile a "$fixtures/spin-oci-layer/hello/index.json" \
    --slurpfile b "$fixtures/spin-v1-config/multi/index.json" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: ($a[0].manifests + $b[0].manifests)}' > "$two/index.json"

describe "--lockfile with two Spin apps and no --ref: exit 2, the refs listed"
run "$inspect" --lockfile "$two"
assert_exit 2
assert_empty stdout
assert_equals stderr "oci-wasm-inspect: $two: holds 2 Spin apps with different lockfiles; choose one with --ref: hello:v1, multi:v1"

describe "--lockfile --ref picks one of two"
run "$inspect" --lockfile --ref multi:v1 "$two"
assert_exit 0
check "the multi lockfile" cmp -s "$RUN_STDOUT_FILE" "$multi_lock_file"

describe "--lockfile of a layout without Spin apps: exit 1"
run "$inspect" --lockfile --ref motd:v1 "$fixtures/mixed.tar"
assert_exit 1
mkdir -p "$TEST_TMP/image"
cp -r "$fixtures/mixed/blobs" "$fixtures/mixed/oci-layout" "$TEST_TMP/image/"
jq -c '.manifests |= [.[1]]' "$fixtures/mixed/index.json" > "$TEST_TMP/image/index.json"
run "$inspect" --lockfile "$TEST_TMP/image"
assert_exit 1
assert_equals stderr "oci-wasm-inspect: $TEST_TMP/image: expected a Spin app (a manifest with a Spin lockfile), found none"

describe "--blob writes one blob's bytes from a directory, a tar, a compressed tar and stdin"
expected="$fixtures/spin-oci-layer/multi/blobs/sha256/${greet_wasm#sha256:}"
zstd -q -c < "$fixtures/spin-oci-layer/multi.tar" > "$TEST_TMP/multi.tar.zst"
for input in "$fixtures/spin-oci-layer/multi" "$fixtures/spin-oci-layer/multi.tar" \
    "$TEST_TMP/multi.tar.zst"; do
    run_blob --blob "$greet_wasm" "$input"
    assert_exit 0
    assert_empty stderr
    check "the greet wasm from $input" cmp -s "$blob_out" "$expected"
done
run_blob --stdin "$TEST_TMP/multi.tar.zst" --blob "$greet_wasm" -
assert_exit 0
check "the greet wasm from stdin" cmp -s "$blob_out" "$expected"

describe "--blob of a blob that is not there: exit 1"
absent=sha256:0000000000000000000000000000000000000000000000000000000000000000
run "$inspect" --blob "$absent" "$fixtures/spin-oci-layer/multi"
assert_exit 1
assert_empty stdout
assert_equals stderr "oci-wasm-inspect: $fixtures/spin-oci-layer/multi: expected blob $absent in the layout, found none"

describe "--blob of a blob that does not match its digest: exit 1, nothing written"
cp -r "$fixtures/spin-oci-layer/hello" "$TEST_TMP/tampered"
wasm_file="$TEST_TMP/tampered/blobs/sha256/${hello_wasm#sha256:}"
chmod u+w "$wasm_file"
printf 'junk' >> "$wasm_file"
run_blob --blob "$hello_wasm" "$TEST_TMP/tampered"
assert_exit 1
check "nothing on stdout" test ! -s "$blob_out"
assert_matches stderr "^oci-wasm-inspect: $TEST_TMP/tampered: blobs/sha256/${hello_wasm#sha256:}: expected content hashing to $hello_wasm, found sha256:[0-9a-f]{64}$"

describe "--blob from a stream that does not match: the bytes pass, then exit 1"
tar -C "$TEST_TMP/tampered" -cf "$TEST_TMP/tampered.tar" oci-layout index.json blobs
run_blob --stdin "$TEST_TMP/tampered.tar" --blob "$hello_wasm" -
assert_exit 1
check "the tampered bytes on stdout" cmp -s "$blob_out" "$wasm_file"
assert_contains stderr "expected content hashing to $hello_wasm"

finish
