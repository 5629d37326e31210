#!/usr/bin/env bash
# Validate, convert and inspect see one domain: the same archive members (hardlinks resolved)
# and the same nested-index depth limit. Each case here is a defect the copies once had.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

validate="$OCIWASM_BIN/oci-wasm-validate"
convert="$OCIWASM_BIN/oci-wasm-convert"
inspect="$OCIWASM_BIN/oci-wasm-inspect"
fixtures="$OCIWASM_SOURCE_DIR/fixtures"
t="$TEST_TMP"

# ---- 1. an archive member that is a hardlink is a member for every tool -------------------
# archive's archive layer gains copy.html, a tar hardlink to index.html, and the component a
# file {"path":"copy.html"} without digest (found in the archive by path).
app="$t/hardlink"
cp -r "$fixtures/spin-oci-layer/archive" "$app"
mkdir -p "$t/members"
tar -xzf "$(blob_file "$app" "$(layer_digest "$app" 1)")" -C "$t/members"
ln "$t/members/index.html" "$t/members/copy.html"
tar --format=ustar --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$t/members" \
    -cf - img/logo.svg index.html copy.html robots.txt | gzip -9n > "$t/archive.tar.gz"
describe "the crafted archive stores copy.html as a hardlink"
check "tar lists copy.html as a link to index.html" \
    grep -q 'copy.html link to index.html' <(tar -tvzf "$t/archive.tar.gz")
replace_blob "$app" "$(layer_digest "$app" 1)" "$t/archive.tar.gz"
edit_blob "$app" "$(layer_digest "$app" -1)" '.components[0].files += [{"path": "copy.html"}]'
copy_digest="sha256:$(sha256sum "$t/members/index.html" | cut -d' ' -f1)"

describe "validate finds copy.html through the hardlink"
run "$validate" "$app"
assert_exit 0
assert_not_contains stdout "SPIN-FILE-MISSING"

describe "inspect lists the app"
run "$inspect" --format json "$app"
assert_exit 0

describe "convert --to old refuses, as for a regular member: copy.html would need a digest"
run "$convert" --to old "$app" "$t/old"
assert_exit 1
assert_contains stderr "CONVERT-LOSSY-FILE-DIGEST"
assert_contains stderr "file \"copy.html\" has no digest (an archive member)"
check "no OUT" test ! -e "$t/old"

describe "convert --to old --allow-lossy keeps copy.html: the output validates with the file"
run "$convert" --to old --allow-lossy "$app" "$t/old-lossy"
assert_exit 0
run "$validate" --strict "$t/old-lossy"
assert_exit 0
assert_not_contains stdout "SPIN-FILE-MISSING"
manifest="$(blob_file "$t/old-lossy" "$(manifest_digest "$t/old-lossy")")"
lockfile="$(blob_file "$t/old-lossy" "$(jq -r '.config.digest' "$manifest")")"
check "the lockfile names copy.html by the content of index.html" jq -e --arg d "$copy_digest" \
    '[.components[0].files[] | select(.path == "copy.html" and .digest == $d)] | length == 1' \
    "$lockfile"
check "a data layer holds it" jq -e --arg d "$copy_digest" \
    '[.layers[] | select(.digest == $d)] | length == 1' "$manifest"
check "its bytes are index.html's" cmp "$(blob_file "$t/old-lossy" "$copy_digest")" \
    "$t/members/index.html"

# ---- 2. one nested-index depth limit for every walk -----------------------------------------
# hello reached through 20 nested indexes.
deep="$t/deep"
cp -r "$fixtures/spin-v1-config/hello" "$deep"
for _ in $(seq 20); do
    jq -cS '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
             manifests: [.manifests[0] | del(.annotations)]}' "$deep/index.json" > "$t/nested"
    nested="$(sha256sum "$t/nested" | cut -d' ' -f1)"
    cp "$t/nested" "$deep/blobs/sha256/$nested"
    jq -cS --arg d "sha256:$nested" --argjson s "$(stat -c %s "$t/nested")" \
        '.manifests[0] |= (.digest = $d | .size = $s | .mediaType = "application/vnd.oci.image.index.v1+json")' \
        "$deep/index.json" > "$t/index" && mv "$t/index" "$deep/index.json"
done
describe "an app 20 indexes deep validates"
run "$validate" "$deep"
assert_exit 0
describe "convert --dry-run converts it (it once skipped it: 0 to convert)"
run "$convert" --dry-run "$deep"
assert_exit 0
assert_contains stdout "dry run: 1 to convert, 0 unchanged"
describe "convert writes it and the output validates"
run "$convert" "$deep" "$t/deep-new"
assert_exit 0
run "$validate" --strict "$t/deep-new"
assert_exit 0
assert_contains stdout "formats: spin-oci-layer"
describe "inspect shows the app at the bottom"
run "$inspect" --format json "$deep"
assert_exit 0
check "inspect finds the spin-v1-config app" jq -e '[.. | objects | select(.format? == "spin-v1-config")] | length >= 1' "$RUN_STDOUT_FILE"

finish
