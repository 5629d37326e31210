#!/usr/bin/env bash
# oci-wasm-convert on the shipped fixtures: both directions, byte-exact round trips, the same
# blobs whatever the input and output kinds (dir, tar, compressed tar, stdin/stdout),
# deterministic bytes, --dry-run, --format json, --ref, --in-place, and outputs that pass
# oci-wasm-validate --strict.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

convert="$OCIWASM_BIN/oci-wasm-convert"
validate="$OCIWASM_BIN/oci-wasm-validate"
fixtures="$OCIWASM_SOURCE_DIR/fixtures"
t="$TEST_TMP"

# blob_list LAYOUT-DIR: "digest-path sha256" of every file, sorted (what a layout holds).
blob_list() { (cd "$1" && find . -type f -exec sha256sum {} + | sort -k2); }

# unpack TAR DIR: extracts a (compressed) tar layout into DIR.
unpack() { mkdir -p "$2" && tar -xf "$1" -C "$2"; }

strict_valid() {
    describe "$1 passes oci-wasm-validate --strict"
    run "$validate" --strict "$1"
    assert_exit 0
    assert_contains stdout ": valid (0 errors, 0 warnings"
}

describe "old -> new: a directory"
run "$convert" "$fixtures/spin-v1-config/multi" "$t/new-dir"
assert_exit 0
assert_matches stdout '^multi:v1: spin-v1-config -> spin-oci-layer: sha256:[0-9a-f]{64} -> sha256:[0-9a-f]{64}$'
assert_contains stdout "$t/new-dir: 1 converted, 0 unchanged, 2 blob(s) added, 1 dropped"
assert_empty stderr
strict_valid "$t/new-dir"

describe "the new manifest has the lockfile last, the label and the default artifactType"
manifest_digest="$(jq -r '.manifests[0].digest' "$t/new-dir/index.json")"
manifest="$t/new-dir/blobs/sha256/${manifest_digest#sha256:}"
old_manifest_digest="$(jq -r '.manifests[0].digest' "$fixtures/spin-v1-config/multi/index.json")"
lockfile_digest="$(jq -r '.config.digest' \
    "$fixtures/spin-v1-config/multi/blobs/sha256/${old_manifest_digest#sha256:}")"
check "the last layer is the lockfile" test "$(jq -r '.layers[-1].digest' "$manifest")" = "$lockfile_digest"
check "the lockfile layer type" test "$(jq -r '.layers[-1].mediaType' "$manifest")" = \
    application/vnd.fermyon.spin.application.v1+config
check "artifactType on the manifest" test "$(jq -r '.artifactType' "$manifest")" = \
    application/vnd.bytecodealliance.component.v1+wasm
check "no artifactType added to an index descriptor that had none (as Spin 1.x layouts)" \
    test "$(jq -r '.manifests[0].artifactType' "$t/new-dir/index.json")" = null
check "the ref name is kept" \
    test "$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' "$t/new-dir/index.json")" = multi:v1
config_digest="$(jq -r '.config.digest' "$manifest")"
check "the image config carries the lockfile digest label" test \
    "$(cat "$t/new-dir/blobs/sha256/${config_digest#sha256:}")" = \
    "{\"architecture\":\"wasm\",\"config\":{\"Labels\":{\"com.fermyon.spin.lockedAppDigest\":\"$lockfile_digest\"}},\"os\":\"wasip1\",\"rootfs\":{\"diff_ids\":[],\"type\":\"layers\"}}"
check "the old manifest is not written" test ! -e "$t/new-dir/blobs/sha256/${old_manifest_digest#sha256:}"

describe "new -> old gives back the original layout, byte for byte"
run "$convert" --to old "$t/new-dir" "$t/old-again"
assert_exit 0
check "the round trip reproduces every file" diff -r "$fixtures/spin-v1-config/multi" "$t/old-again"

describe "new -> old -> new reproduces the new layout, byte for byte"
for app in hello multi; do
    run "$convert" --to old "$fixtures/spin-oci-layer/$app" "$t/$app-old"
    assert_exit 0
    strict_valid "$t/$app-old"
    run "$convert" --to new "$t/$app-old" "$t/$app-new"
    assert_exit 0
    check "$app: new -> old -> new is identical" diff -r "$fixtures/spin-oci-layer/$app" "$t/$app-new"
done

describe "new -> old on the apps Spin 1.x cannot read as they are: archive and inline files"
for app in archive inline; do
    run "$convert" --to old "$fixtures/spin-oci-layer/$app" "$t/$app-old"
    assert_exit 0
    assert_contains stdout "note: "
    strict_valid "$t/$app-old"
done

describe "dir -> tar, tar -> dir, stdin -> stdout and compressed tars hold the same blobs"
run "$convert" "$fixtures/spin-v1-config/multi" "$t/new.tar"
assert_exit 0
run "$convert" "$fixtures/spin-v1-config/multi.tar" "$t/from-tar"
assert_exit 0
run sh -c "$(printf '%q - - < %q > %q' "$convert" "$fixtures/spin-v1-config/multi.tar" "$t/stdout.tar")"
assert_exit 0
assert_contains stderr "-: 1 converted"
assert_matches stderr '^multi:v1: spin-v1-config -> spin-oci-layer: '
assert_empty stdout
run "$convert" "$fixtures/spin-v1-config/multi" "$t/new.tar.gz"
assert_exit 0
run "$convert" "$fixtures/spin-v1-config/multi" "$t/new.tar.zst"
assert_exit 0
run "$convert" --output-format tar.gz "$fixtures/spin-v1-config/multi" "$t/new-gz-by-option"
assert_exit 0
check "a .tar.gz output is gzip" sh -c "gzip -t '$t/new.tar.gz'"
check "a .tar.zst output is zstd" sh -c "zstd -tq '$t/new.tar.zst'"
check "--output-format tar.gz writes gzip whatever the name" sh -c "gzip -t '$t/new-gz-by-option'"
expected="$(blob_list "$t/new-dir")"
for tarball in new.tar stdout.tar new.tar.gz new.tar.zst; do
    unpack "$t/$tarball" "$t/unpacked-$tarball"
    check "$tarball holds the same files as the directory output" \
        test "$(blob_list "$t/unpacked-$tarball")" = "$expected"
done
check "tar -> dir holds the same files" test "$(blob_list "$t/from-tar")" = "$expected"
strict_valid "$t/new.tar"
strict_valid "$t/new.tar.zst"

describe "the output is deterministic: the same input twice gives the same bytes"
run "$convert" "$fixtures/spin-v1-config/multi" "$t/again.tar"
assert_exit 0
check "two tar outputs are identical" cmp "$t/new.tar" "$t/again.tar"
run "$convert" "$fixtures/spin-v1-config/multi" "$t/again.tar.gz"
check "two tar.gz outputs are identical" cmp "$t/new.tar.gz" "$t/again.tar.gz"
check "a tar output has fixed entry metadata" \
    sh -c "tar -tvf '$t/new.tar' | awk '{ if (\$2 != \"0/0\" || \$4 != \"1970-01-01\") exit 1 }'"

describe "other manifests pass through byte for byte (mixed: a container image, a nested index)"
run "$convert" --to old --format json "$fixtures/mixed" "$t/mixed-old"
assert_exit 0
check "json summary" jq -e '.converted == 2 and .unchanged == 2' "$RUN_STDOUT_FILE"
check "only the replaced documents are dropped: the app manifest, its image config, the nested index" \
    test "$(jq -r '.droppedBlobs | length' "$RUN_STDOUT_FILE")" = 3
dropped="$(jq -r '.droppedBlobs[]' "$RUN_STDOUT_FILE" | sed 's/^sha256://' | sort)"
missing="$(comm -23 <(ls "$fixtures/mixed/blobs/sha256" | sort) <(ls "$t/mixed-old/blobs/sha256" | sort))"
check "every other input blob is in the output" test "$missing" = "$dropped"
motd_descriptor='.manifests[] | select(.annotations["org.opencontainers.image.ref.name"]=="motd:v1")'
check "the container image's index.json entry is unchanged" test \
    "$(jq -c "$motd_descriptor" "$fixtures/mixed/index.json")" = "$(jq -c "$motd_descriptor" "$t/mixed-old/index.json")"
strict_valid "$t/mixed-old"

describe "already in the target format: the output equals the input"
run "$convert" "$fixtures/mixed" "$t/mixed-same"
assert_exit 0
assert_contains stdout "0 converted"
check "nothing changed" diff -r "$fixtures/mixed" "$t/mixed-same"

describe "--ref converts only that entry"
run "$convert" --to old --ref hello:v1 "$fixtures/mixed" "$t/mixed-ref"
assert_exit 0
assert_matches stdout '^hello:v1: spin-oci-layer -> spin-v1-config: '
assert_matches stdout '#/manifests/1: unchanged \(spin-oci-layer, ref name is not "hello:v1"\)'
strict_valid "$t/mixed-ref"

describe "--dry-run prints the plan and writes nothing"
run "$convert" --dry-run "$fixtures/spin-v1-config/hello" "$t/dry-out"
assert_exit 0
assert_matches stdout '^hello:v1: spin-v1-config -> spin-oci-layer: sha256:[0-9a-f]{64} -> sha256:[0-9a-f]{64}$'
assert_contains stdout "dry run: 1 to convert, 0 unchanged, 2 blob(s) added, 1 dropped; nothing written"
check "no OUT" test ! -e "$t/dry-out"
run "$convert" --dry-run --to old "$fixtures/spin-v1-config/hello"
assert_exit 0
assert_contains stdout "unchanged (spin-v1-config, already spin-v1-config)"

describe "--dry-run --format json: the same digests as the real run"
run "$convert" --dry-run --format json "$fixtures/spin-v1-config/hello"
assert_exit 0
check "one JSON object" jq -e . "$RUN_STDOUT_FILE"
planned="$(jq -r '.manifests[0].newDigest' "$RUN_STDOUT_FILE")"
check "status ok, dry run" jq -e '.status == "ok" and .dryRun == true and .written == false and .converted == 1' "$RUN_STDOUT_FILE"
run "$convert" --format json "$fixtures/spin-v1-config/hello" "$t/json-out"
assert_exit 0
check "written" jq -e '.written == true and .output != null and (.findings | length) == 0' "$RUN_STDOUT_FILE"
check "the planned digest is the written one" \
    test "$(jq -r '.manifests[0].digest' "$t/json-out/index.json")" = "$planned"

describe "--artifact-type none and a custom type"
run "$convert" --artifact-type none "$fixtures/spin-v1-config/hello" "$t/no-type"
assert_exit 0
check "no artifactType anywhere" sh -c "! grep -rq artifactType '$t/no-type'"
run "$convert" --artifact-type application/vnd.example+type "$fixtures/spin-v1-config/hello" "$t/custom-type"
assert_exit 0
custom_manifest="$(jq -r '.manifests[0].digest' "$t/custom-type/index.json")"
check "the custom artifactType" test \
    "$(jq -r '.artifactType' "$t/custom-type/blobs/sha256/${custom_manifest#sha256:}")" = \
    application/vnd.example+type

describe "--in-place replaces IN atomically with the converted layout"
cp -r "$fixtures/spin-v1-config/multi" "$t/in-place"
run "$convert" --in-place "$t/in-place"
assert_exit 0
check "IN now holds what a separate OUT holds" test "$(blob_list "$t/in-place")" = "$expected"
cp "$fixtures/spin-v1-config/multi.tar" "$t/in-place.tar"
run "$convert" --in-place "$t/in-place.tar" "$t/in-place.tar"
assert_exit 0
check "an in-place tar is the same as a fresh tar output" cmp "$t/in-place.tar" "$t/new.tar"
check "no temporary was left behind" test -z "$(find "$t" -maxdepth 1 -name '.*tmp-*')"

finish
