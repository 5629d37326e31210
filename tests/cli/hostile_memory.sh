#!/usr/bin/env bash
# Memory stays bounded whatever the input: a gzip bomb (1 MB expanding to 1 GiB, one JSON-looking
# blob), a layout of many small blobs (more than the 256 MiB kept-content budget) and a layout of
# 20,000 small apps validate with a peak resident memory far below their expanded size: under
# 64 MiB (48 MiB for the apps, see below), also for a tar on stdin or compressed, which moves
# the blobs it cannot keep to a temporary file (it kept up to 256 MiB before). Peak memory is
# measured with /usr/bin/time; inputs are generated here (sparse files, concatenated gzip
# members, one perl process for the apps).
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

validate="$OCIWASM_BIN/oci-wasm-validate"
readonly MT_MANIFEST="application/vnd.oci.image.manifest.v1+json"

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
assert_bounded_run 1 64
check "OCI-DIGEST-MISMATCH once per blob" test "$(count_code OCI-DIGEST-MISMATCH)" = "$BLOB_COUNT"

describe "$BLOB_COUNT blobs of 4 MiB in an uncompressed tar file"
tar -cf "$TEST_TMP/many.tar" -C "$TEST_TMP/many" oci-layout index.json blobs
run_measured /dev/null "$validate" --format json "$TEST_TMP/many.tar"
assert_bounded_run 1 64
check "OCI-DIGEST-MISMATCH once per blob" test "$(count_code OCI-DIGEST-MISMATCH)" = "$BLOB_COUNT"
rm -f "$TEST_TMP/many.tar"

describe "$BLOB_COUNT blobs of 4 MiB in a tar on stdin"
run_measured <(tar -cf - -C "$TEST_TMP/many" oci-layout index.json blobs) "$validate" --format json -
assert_bounded_run 1 64
check "OCI-DIGEST-MISMATCH once per blob" test "$(count_code OCI-DIGEST-MISMATCH)" = "$BLOB_COUNT"
rm -rf "$TEST_TMP/many"

# ---- large documents checked ahead of the walk ----
# 48 old-format Spin apps whose manifests and lockfiles each carry 3 MiB of text (an annotation,
# a metadata field): 288 MiB of documents, each under the 4 MiB a registry must accept. The walk
# checks documents ahead on other threads a window of manifests at a time; the window held
# every document of up to 256 manifests (234 MiB for 64 manifests of 3 MiB alone), where its
# documents are now bounded in bytes too. Every 8th lockfile names a component it lacks: the
# findings must still come out as one thread finds them.
readonly LARGE_APP_COUNT=48
new_layout "$TEST_TMP/large"
BLOBS="$TEST_TMP/large/blobs/sha256" perl -MDigest::SHA=sha256_hex -e "$PERL_BLOBS"'
    my ($n, $mt_manifest, $mt_lockfile, $mt_wasm) = @ARGV;
    my $wasm = desc($mt_wasm, blob("\0asm\1\0\0\0"));
    my $filler = "x" x (3 * 1024 * 1024);
    my @entries;
    for my $i (0 .. $n - 1) {
        my $component = $i % 8 == 7 ? "gone" : "app";
        my $lock = sprintf(q({"components":[{"id":"app","source":{"content_type":"application/wasm","digest":"%s"}}],"metadata":{"description":"%s","name":"app-%d"},"spin_lock_version":0,"triggers":[{"id":"trigger-app","trigger_config":{"component":"%s","route":"/..."},"trigger_type":"http"}]}), (split /"/, $wasm)[3], $filler, $i, $component);
        my $manifest = sprintf(q({"annotations":{"filler":"%s-%d"},"config":%s,"layers":[%s],"schemaVersion":2}), $filler, $i, desc($mt_lockfile, blob($lock)), $wasm);
        push @entries, desc($mt_manifest, blob($manifest));
    }
    printf(q({"manifests":[%s],"schemaVersion":2}), join(",", @entries));
' "$LARGE_APP_COUNT" "$MT_MANIFEST" \
    "application/vnd.fermyon.spin.application.v1+config" "application/vnd.wasm.content.layer.v1+wasm" \
    > "$TEST_TMP/large/index.json"
describe "$LARGE_APP_COUNT apps with a manifest and a lockfile of 3 MiB each"
run_measured /dev/null "$validate" --format json "$TEST_TMP/large"
assert_bounded_run 1 64
check "SPIN-TRIGGER-COMPONENT-MISSING for each broken lockfile" \
    test "$(count_code SPIN-TRIGGER-COMPONENT-MISSING)" = $((LARGE_APP_COUNT / 8))
jq -c '.findings' "$RUN_STDOUT_FILE" > "$TEST_TMP/large-findings.json"
run "$validate" --format json --threads 1 "$TEST_TMP/large"
assert_exit 1
check "one thread reports the same findings in the same order" \
    cmp -s "$TEST_TMP/large-findings.json" <(jq -c '.findings' "$RUN_STDOUT_FILE")
rm -rf "$TEST_TMP/large"

# ---- 20,000 small apps ----
# Each an old-format Spin app: a manifest, its own lockfile as the config, one shared wasm layer
# (40,003 blobs), listed 10,000 a time by nested indexes as large layouts are. Everything the
# scan and the walk keep per blob, per manifest and per lockfile shows here: 96 MiB before the
# documents were read again instead of kept, 62 MiB (dir) and 76 MiB (tar) with a record of
# strings per blob and a tar pass that remembered every entry by name, 34 and 39 MiB with the
# compact records (BlobStore, SeenEntries); bounded at 48 MiB so that a per-blob cost cannot
# grow back (100,000 apps stay under 64 MiB: README, Performance). Every 500th lockfile names a
# component it lacks and every 1,000th manifest says schemaVersion 3: most documents are read
# again after the pass (8 MiB are kept), on every core, and their findings must come out as
# one thread finds them, in the same order, from a directory and from a tar.
readonly APP_COUNT=20000
readonly MT_INDEX="application/vnd.oci.image.index.v1+json"
readonly MT_LOCKFILE="application/vnd.fermyon.spin.application.v1+config"
readonly MT_WASM="application/vnd.wasm.content.layer.v1+wasm"
new_layout "$TEST_TMP/apps"
BLOBS="$TEST_TMP/apps/blobs/sha256" perl -MDigest::SHA=sha256_hex -e "$PERL_BLOBS"'
    my ($n, $mt_index, $mt_manifest, $mt_lockfile, $mt_wasm) = @ARGV;
    my $wasm = desc($mt_wasm, blob("\0asm\1\0\0\0"));
    my (@entries, @nested);
    for my $i (0 .. $n - 1) {
        my $component = $i % 500 == 499 ? "gone" : "app";
        my $lock = sprintf(q({"components":[{"id":"app","source":{"content_type":"application/wasm","digest":"%s"}}],"metadata":{"name":"app-%d"},"spin_lock_version":0,"triggers":[{"id":"trigger-app","trigger_config":{"component":"%s","route":"/..."},"trigger_type":"http"}]}), (split /"/, $wasm)[3], $i, $component);
        my $version = $i % 1000 == 999 ? 3 : 2;
        my $manifest = sprintf(q({"config":%s,"layers":[%s],"schemaVersion":%d}), desc($mt_lockfile, blob($lock)), $wasm, $version);
        push @entries, desc($mt_manifest, blob($manifest));
    }
    while (my @chunk = splice(@entries, 0, 10000)) {
        push @nested, sprintf(q({"annotations":{"org.opencontainers.image.ref.name":"apps-%d"},%s),
            scalar(@nested), substr(desc($mt_index, blob(sprintf(q({"manifests":[%s],"mediaType":"%s","schemaVersion":2}), join(",", @chunk), $mt_index))), 1));
    }
    printf(q({"manifests":[%s],"mediaType":"%s","schemaVersion":2}), join(",", @nested), $mt_index);
' "$APP_COUNT" "$MT_INDEX" "$MT_MANIFEST" "$MT_LOCKFILE" "$MT_WASM" \
    > "$TEST_TMP/apps/index.json"
describe "$APP_COUNT small apps in a directory"
check "the apps are written (their manifests and lockfiles, the wasm, the nested indexes)" \
    test "$(find "$TEST_TMP/apps/blobs/sha256" -type f | wc -l)" = $((2 * APP_COUNT + 1 + APP_COUNT / 10000))
run_measured /dev/null "$validate" --format json "$TEST_TMP/apps"
assert_bounded_run 1 48
check "SPIN-TRIGGER-COMPONENT-MISSING for each broken lockfile" \
    test "$(count_code SPIN-TRIGGER-COMPONENT-MISSING)" = $((APP_COUNT / 500))
check "one schemaVersion finding for each broken manifest" \
    test "$(jq '[.findings[] | select(.pointer == "/schemaVersion")] | length' "$RUN_STDOUT_FILE")" = $((APP_COUNT / 1000))
jq -c '.findings' "$RUN_STDOUT_FILE" > "$TEST_TMP/apps-findings.json"
run "$validate" --format json --threads 1 "$TEST_TMP/apps"
assert_exit 1
check "one thread reports the same findings in the same order" \
    cmp -s "$TEST_TMP/apps-findings.json" <(jq -c '.findings' "$RUN_STDOUT_FILE")

# A tar's pass remembers every entry (for hardlinks and repeated paths): blobs by their
# position in the scan's records, hashed by path, not by a map of names.
describe "$APP_COUNT small apps in an uncompressed tar file"
tar -cf "$TEST_TMP/apps.tar" -C "$TEST_TMP/apps" oci-layout index.json blobs
run_measured /dev/null "$validate" --format json "$TEST_TMP/apps.tar"
assert_bounded_run 1 48
check "the tar reports the directory's findings in the same order" \
    cmp -s "$TEST_TMP/apps-findings.json" <(jq -c '.findings' "$RUN_STDOUT_FILE")

# A compressed tar and a tar on stdin cannot give one blob again without another pass over the
# input: what the 8 MiB cannot keep goes to an unnamed temporary file during the pass and is
# read again from there (it held 256 MiB in memory before: 80 MiB here, 128 MiB at 100,000 apps).
describe "$APP_COUNT small apps in a tar.zst file"
zstd -q -1 -o "$TEST_TMP/apps.tar.zst" "$TEST_TMP/apps.tar"
run_measured /dev/null "$validate" --format json "$TEST_TMP/apps.tar.zst"
assert_bounded_run 1 48
check "the tar.zst reports the directory's findings in the same order" \
    cmp -s "$TEST_TMP/apps-findings.json" <(jq -c '.findings' "$RUN_STDOUT_FILE")
rm -f "$TEST_TMP/apps.tar.zst"

describe "$APP_COUNT small apps in a tar on stdin"
mkdir "$TEST_TMP/spill"
run_measured "$TEST_TMP/apps.tar" env TMPDIR="$TEST_TMP/spill" "$validate" --format json -
assert_bounded_run 1 48
check "stdin reports the directory's findings in the same order" \
    cmp -s "$TEST_TMP/apps-findings.json" <(jq -c '.findings' "$RUN_STDOUT_FILE")
check "nothing is left in TMPDIR" test -z "$(ls -A "$TEST_TMP/spill")"

finish
