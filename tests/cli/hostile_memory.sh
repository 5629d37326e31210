#!/usr/bin/env bash
# Memory stays bounded whatever the input: a gzip bomb (1 MB expanding to 1 GiB, one JSON-looking
# blob) and a layout of many small blobs (more than the 256 MiB kept-content budget) validate
# with a peak resident memory far below their expanded size. Peak memory is measured with
# /usr/bin/time; inputs are generated here (sparse files and concatenated gzip members, so
# making them costs almost nothing).
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

validate="$OCIWASM_BIN/oci-wasm-validate"
# ASan (sanitized builds) keeps freed memory in a quarantine; keep it small so the peak measures
# what we hold. No effect on normal builds.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16"
readonly MT_MANIFEST="application/vnd.oci.image.manifest.v1+json"

check "/usr/bin/time to measure memory (Debian package time)" test -x /usr/bin/time

# count_code CODE: how many findings of CODE the last run's --format json output has.
count_code() {
    jq --arg code "$1" '[.findings[] | select(.code == $code)] | length' "$RUN_STDOUT_FILE"
}

# ---- a gzip bomb ----
# The tar holds oci-layout, index.json (listing the bomb as a 1 GiB manifest) and the bomb: '{'
# then zeros, so the scan keeps it as JSON up to the 16 MiB limit, then drops it. Its name is
# not its digest (hashing 1 GiB here would double the test's time).
readonly BOMB_SIZE=$((1024 * 1024 * 1024))
bomb_hex="$(printf '%064d' 1)"
new_layout "$TEST_TMP/bomb"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"%s","digest":"sha256:%s","size":%s}]}' \
    "$MT_MANIFEST" "$bomb_hex" "$BOMB_SIZE" > "$TEST_TMP/bomb/index.json"
printf '{' > "$TEST_TMP/bomb/blobs/sha256/$bomb_hex"
truncate -s "$BOMB_SIZE" "$TEST_TMP/bomb/blobs/sha256/$bomb_hex"
bomb_tar() { tar --format=ustar -b 1 -cf - -C "$TEST_TMP/bomb" oci-layout index.json blobs; }
# Everything up to the bomb's first data block, then the remaining zeros as gzip members of
# 1 MiB each, then the rest of the data and the end-of-archive marker (512 + 1024 zeros).
bomb_block="$(bomb_tar | tar -tvR -f - 2> /dev/null \
    | awk -v n="$bomb_hex" '$NF ~ n { sub(":", "", $2); print $2 }')"
check "GNU tar lists the bomb entry" test -n "$bomb_block"
{ bomb_tar 2> /dev/null || true; } | head -c $(((bomb_block + 2) * 512)) | gzip -n > "$TEST_TMP/bomb.tar.gz"
head -c $((1024 * 1024)) /dev/zero | gzip -n > "$TEST_TMP/zeros"
for _ in $(seq 10); do
    cat "$TEST_TMP/zeros" "$TEST_TMP/zeros" > "$TEST_TMP/zeros2"
    mv "$TEST_TMP/zeros2" "$TEST_TMP/zeros"
done
cat "$TEST_TMP/zeros" >> "$TEST_TMP/bomb.tar.gz"  # 1024 MiB of zeros: the data after its first block
head -c $((1024 - 512)) /dev/zero | gzip -n >> "$TEST_TMP/bomb.tar.gz"  # 512 more bytes of end marker
rm -rf "$TEST_TMP/bomb" "$TEST_TMP/zeros"
check "the bomb is small" test "$(stat -c %s "$TEST_TMP/bomb.tar.gz")" -lt $((2 * 1024 * 1024))

for input in file stdin; do
    describe "a gzip bomb expanding to 1 GiB ($input)"
    if [[ "$input" == file ]]; then
        run_measured /dev/null "$validate" "$TEST_TMP/bomb.tar.gz"
    else
        run_measured "$TEST_TMP/bomb.tar.gz" "$validate" -
    fi
    assert_exit 1
    assert_contains stdout "blobs/sha256/$bomb_hex: error: OCI-DIGEST-MISMATCH: "
    assert_contains stdout "blobs/sha256/$bomb_hex: error: OCI-DOCUMENT-TOO-LARGE: cannot check this document: expected at most 67108864 bytes to check, found $BOMB_SIZE bytes"
    assert_not_contains stdout "TAR-TRUNCATED"
    assert_rss_below_mib 200
    assert_no_crash
done

# ---- more small blobs than the kept-content budget ----
# 160 blobs of 4 MiB (the largest kept size): 640 MiB that would all be held without the
# 256 MiB budget. Distinct first bytes make distinct blobs; names are not digests.
readonly BLOB_COUNT=160
new_layout "$TEST_TMP/many"
printf '{"schemaVersion":2,"manifests":[]}' > "$TEST_TMP/many/index.json"
for ((i = 0; i < BLOB_COUNT; i++)); do
    blob="$TEST_TMP/many/blobs/sha256/$(printf '%064x' $((i + 1)))"
    printf 'blob %d' "$i" > "$blob"
    truncate -s $((4 * 1024 * 1024)) "$blob"
done

describe "$BLOB_COUNT blobs of 4 MiB in a directory"
run_measured /dev/null "$validate" --format json "$TEST_TMP/many"
assert_exit 1
check "OCI-DIGEST-MISMATCH once per blob" test "$(count_code OCI-DIGEST-MISMATCH)" = "$BLOB_COUNT"
assert_rss_below_mib 400
assert_no_crash

describe "$BLOB_COUNT blobs of 4 MiB in a tar on stdin"
run_measured <(tar -cf - -C "$TEST_TMP/many" oci-layout index.json blobs) "$validate" --format json -
assert_exit 1
check "OCI-DIGEST-MISMATCH once per blob" test "$(count_code OCI-DIGEST-MISMATCH)" = "$BLOB_COUNT"
assert_rss_below_mib 400
assert_no_crash

finish
