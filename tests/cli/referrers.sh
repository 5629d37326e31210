#!/usr/bin/env bash
# Referrers (a manifest whose `subject` names another: a notation signature, an SBOM) on
# fixtures/signed (the old-format hello and a notation signature of it, as `notation sign
# --oci-layout` stores one): inspect lists them, validate says when a subject is not in the layout,
# convert reports the referrers its conversion makes stale, keeps them unchanged by default and
# leaves them out with --drop-referrers. Also the same signature in a referrers-tag-schema index
# (`sha256-<hex>`, distribution-spec), and the subject of an index.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

validate="$OCIWASM_BIN/oci-wasm-validate"
convert="$OCIWASM_BIN/oci-wasm-convert"
inspect="$OCIWASM_BIN/oci-wasm-inspect"
signed="$OCIWASM_SOURCE_DIR/fixtures/signed"
notary=application/vnd.cncf.notary.signature
app="$(jq -r '.manifests[0].digest' "$signed/index.json")"
signature="$(jq -r '.manifests[1].digest' "$signed/index.json")"
t="$TEST_TMP"

describe "inspect text: the app lists its referrer, the signature shows its subject"
run "$inspect" "$signed"
assert_exit 0
assert_empty stderr
assert_contains stdout "  referrers:    1"
assert_contains stdout "    $notary: $signature (application/vnd.oci.image.manifest.v1+json, 792 bytes)"
assert_contains stdout "  subject:      $app (application/vnd.oci.image.manifest.v1+json, 353 bytes)"

describe "inspect json: subject and referrers, the way oras discover lists them"
run "$inspect" --format json "$signed"
assert_exit 0
check "the app's referrers" jq -e --arg d "$signature" --arg t "$notary" '.manifests[0].referrers
    == [{artifactType: $t, digest: $d, mediaType: "application/vnd.oci.image.manifest.v1+json",
         size: 792, location: "index.json#/manifests/1", annotations: .manifests[1].annotations}]
    and (.manifests[1].annotations | keys) == ["io.cncf.notary.x509chain.thumbprint#S256",
                                                "org.opencontainers.image.created"]' \
    "$RUN_STDOUT_FILE"
check "the app has no subject" jq -e '.manifests[0].subject == null' "$RUN_STDOUT_FILE"
check "the signature's subject" jq -e --arg d "$app" '.manifests[1].subject
    == {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: 353}' "$RUN_STDOUT_FILE"
check "the signature has no referrers" jq -e '.manifests[1].referrers == []' "$RUN_STDOUT_FILE"

describe "inspect --ref: the referrers of the entry shown come from the whole layout"
run "$inspect" --ref hello:v1 --format json "$signed"
assert_exit 0
check "one entry, with its referrer" jq -e --arg d "$signature" \
    '(.manifests | length) == 1 and .manifests[0].referrers[0].digest == $d' "$RUN_STDOUT_FILE"

describe "validate: the signed app is valid, --strict too, no subject finding"
run "$validate" --strict --format json "$signed"
assert_exit 0
check "no OCI-SUBJECT-NOT-IN-LAYOUT" jq -e '[.findings[].code] | index("OCI-SUBJECT-NOT-IN-LAYOUT") == null' \
    "$RUN_STDOUT_FILE"

describe "validate: a signature without its subject is an info finding at /subject"
cp -r "$signed" "$t/alone"
edit_index "$t/alone" 'del(.manifests[0])'
rm "$(blob_file "$t/alone" "$app")"
run "$validate" --format json "$t/alone"
assert_exit 0
check "OCI-SUBJECT-NOT-IN-LAYOUT (info) naming the subject" jq -e --arg f "$(blob_path "$signature")" \
    --arg d "$app" '[.findings[] | select(.code == "OCI-SUBJECT-NOT-IN-LAYOUT" and .severity == "info"
    and .file == $f and .pointer == "/subject" and .digest == $d)] | length == 1' "$RUN_STDOUT_FILE"
run "$validate" "$t/alone"
assert_contains stdout "no blob of it"

describe "validate: a subject reached only through a nested index is in the layout"
cp -r "$signed" "$t/nested"
nested_index="$(jq -cS '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [.manifests[0] | del(.annotations)]}' "$signed/index.json")"
nested_digest="$(add_text_blob "$t/nested" "$nested_index")"
edit_index "$t/nested" --arg d "$nested_digest" --argjson s "${#nested_index}" \
    '.manifests[0] = {mediaType: "application/vnd.oci.image.index.v1+json", digest: $d, size: $s,
                      annotations: {"org.opencontainers.image.ref.name": "hello:v1"}}'
run "$validate" --strict --format json "$t/nested"
assert_exit 0
check "no OCI-SUBJECT-NOT-IN-LAYOUT" jq -e '[.findings[].code] | index("OCI-SUBJECT-NOT-IN-LAYOUT") == null' \
    "$RUN_STDOUT_FILE"

# The referrers tag schema (distribution-spec): an index tagged sha256-<hex of the subject>
# listing the referrers, the way registries without the referrers API hold them.
cp -r "$signed" "$t/tagged"
tag_index="$(jq -cS '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [.manifests[1]]}' "$signed/index.json")"
tag_digest="$(add_text_blob "$t/tagged" "$tag_index")"
edit_index "$t/tagged" --arg d "$tag_digest" --argjson s "${#tag_index}" --arg tag "sha256-${app#sha256:}" \
    '.manifests[1] = {mediaType: "application/vnd.oci.image.index.v1+json", digest: $d, size: $s,
                      annotations: {"org.opencontainers.image.ref.name": $tag}}'

describe "validate and inspect: a referrer held in a referrers-tag-schema index"
run "$validate" --strict --format json "$t/tagged"
assert_exit 0
check "no OCI-SUBJECT-NOT-IN-LAYOUT" jq -e '[.findings[].code] | index("OCI-SUBJECT-NOT-IN-LAYOUT") == null' \
    "$RUN_STDOUT_FILE"
run "$inspect" --format json "$t/tagged"
check "the app lists the signature inside the tag index" jq -e --arg d "$signature" --arg l "$(blob_path "$tag_digest")#/manifests/0" \
    '.manifests[0].referrers == [.manifests[0].referrers[0]] and .manifests[0].referrers[0].digest == $d
     and .manifests[0].referrers[0].location == $l' "$RUN_STDOUT_FILE"

describe "validate: a subject whose mediaType is not the one its manifest was reached as"
cp -r "$signed" "$t/mismatch"
edit_blob "$t/mismatch" "$signature" '.subject.mediaType = "application/vnd.oci.image.index.v1+json"'
new_signature="$(jq -r '.manifests[1].digest' "$t/mismatch/index.json")"
run "$validate" --format json "$t/mismatch"
assert_exit 1
check "OCI-MEDIATYPE-MISMATCH at /subject/mediaType" jq -e --arg f "$(blob_path "$new_signature")" \
    '[.findings[] | select(.code == "OCI-MEDIATYPE-MISMATCH" and .file == $f
      and .pointer == "/subject/mediaType")] | length == 1' "$RUN_STDOUT_FILE"

describe "convert: the signature of the converted app is reported stale and kept unchanged"
run "$convert" "$signed" "$t/kept"
assert_exit 0
assert_contains stderr "oci-wasm-convert: $signed: $(blob_path "$signature")#/subject: warning: CONVERT-REFERRER-STALE: referrer $signature ($notary) of the converted manifest $app no longer applies"
assert_contains stdout "index.json#/manifests/1: referrer $signature ($notary) of $app: no longer applies; kept"
assert_matches stdout ": 1 converted, 1 unchanged, 2 blob\(s\) added, 0 dropped, 1 stale referrer\(s\) kept$"
check "the signature is still in index.json" jq -e --arg d "$signature" \
    '[.manifests[].digest] | index($d) != null' "$t/kept/index.json"
check "its bytes are unchanged (subject never rewritten)" cmp "$(blob_file "$signed" "$signature")" \
    "$(blob_file "$t/kept" "$signature")"
check "the old manifest it signed stays as a blob" test -f "$(blob_file "$t/kept" "$app")"

describe "convert: the kept-stale output validates (--strict too), saying the subject is gone"
run "$validate" --strict --format json "$t/kept"
assert_exit 0
check "OCI-SUBJECT-NOT-IN-LAYOUT (info) for the kept signature" jq -e --arg d "$app" \
    '[.findings[] | select(.code == "OCI-SUBJECT-NOT-IN-LAYOUT" and .severity == "info"
      and .digest == $d)] | length == 1' "$RUN_STDOUT_FILE"
run "$validate" "$t/kept"
assert_contains stdout "found only its blob"

describe "convert --format json: staleReferrers"
run "$convert" --dry-run --format json "$signed"
assert_exit 0
new_app="$(jq -r '.manifests[0].newDigest' "$RUN_STDOUT_FILE")"
check "one stale referrer, kept" jq -e --arg d "$signature" --arg s "$app" --arg n "$new_app" --arg t "$notary" \
    '.dropReferrers == false and .staleReferrers == [{artifactType: $t, digest: $d, dropped: false,
      location: "index.json#/manifests/1", mediaType: "application/vnd.oci.image.manifest.v1+json",
      size: 792, subject: $s, subjectNow: $n}]' "$RUN_STDOUT_FILE"
check "and its CONVERT-REFERRER-STALE warning" jq -e \
    '[.findings[] | select(.code == "CONVERT-REFERRER-STALE" and .severity == "warning")] | length == 1' \
    "$RUN_STDOUT_FILE"

describe "convert --drop-referrers leaves the signature, its blobs and the old manifest out"
run "$convert" --drop-referrers "$signed" "$t/dropped"
assert_exit 0
assert_not_contains stderr "CONVERT-REFERRER-STALE"
assert_contains stdout "index.json#/manifests/1: referrer $signature ($notary) of $app: no longer applies; dropped"
assert_matches stdout ": 1 converted, 0 unchanged, 2 blob\(s\) added, 4 dropped, 1 referrer\(s\) dropped$"
check "index.json holds only the app" jq -e '(.manifests | length) == 1
    and .manifests[0].annotations["org.opencontainers.image.ref.name"] == "hello:v1"' "$t/dropped/index.json"
for gone in "$signature" "$app" sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a \
    "$(jq -r '.layers[0].digest' "$(blob_file "$signed" "$signature")")"; do
    check "$gone not written" test ! -e "$(blob_file "$t/dropped" "$gone")"
done

describe "the --drop-referrers output validates --strict without findings about subjects"
run "$validate" --strict --format json "$t/dropped"
assert_exit 0
check "only WASM-KIND info" jq -e '[.findings[].code] == ["WASM-KIND"]' "$RUN_STDOUT_FILE"

describe "convert --drop-referrers --format json: the dropped one is listed"
run "$convert" --drop-referrers --dry-run --format json "$signed"
assert_exit 0
check "dropped: true, no finding" jq -e --arg d "$signature" '.dropReferrers == true
    and (.staleReferrers | length) == 1 and .staleReferrers[0].digest == $d
    and .staleReferrers[0].dropped == true and .findings == []' "$RUN_STDOUT_FILE"

describe "convert --drop-referrers: a referrers-tag-schema index emptied by the drop goes too"
run "$convert" --drop-referrers "$t/tagged" "$t/tagged-out"
assert_exit 0
check "index.json holds only the app" jq -e '(.manifests | length) == 1' "$t/tagged-out/index.json"
check "the tag index is not written" test ! -e "$(blob_file "$t/tagged-out" "$tag_digest")"
run "$validate" --strict --format json "$t/tagged-out"
assert_exit 0
check "only WASM-KIND info" jq -e '[.findings[].code] == ["WASM-KIND"]' "$RUN_STDOUT_FILE"

describe "convert: a referrer inside a tag index is stale too, and kept by default"
run "$convert" --dry-run "$t/tagged"
assert_exit 0
assert_contains stderr "CONVERT-REFERRER-STALE: referrer $signature"
assert_contains stdout "$(blob_path "$tag_digest")#/manifests/0: referrer $signature ($notary) of $app: no longer applies; kept"

describe "convert --drop-referrers also drops a referrer of the dropped referrer"
cp -r "$signed" "$t/chain"
sig_of_sig="$(jq -cS --arg d "$signature" '.subject = {mediaType: "application/vnd.oci.image.manifest.v1+json",
    digest: $d, size: 792} | .annotations["org.opencontainers.image.created"] = "2024-01-03T00:00:00Z"' \
    "$(blob_file "$signed" "$signature")")"
second="$(add_text_blob "$t/chain" "$sig_of_sig")"
edit_index "$t/chain" --arg d "$second" --argjson s "${#sig_of_sig}" \
    '.manifests += [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s}]'
run "$convert" --dry-run "$t/chain"
assert_exit 0
assert_contains stderr "CONVERT-REFERRER-STALE: referrer $signature"
assert_not_contains stderr "CONVERT-REFERRER-STALE: referrer $second"
run "$convert" --drop-referrers --format json "$t/chain" "$t/chain-out"
assert_exit 0
check "both dropped, the second as a referrer of the first" jq -e --arg a "$signature" --arg b "$second" \
    '[.staleReferrers[] | [.digest, .dropped, .subjectNow]] == [[$a, true, .manifests[0].newDigest], [$b, true, null]]' \
    "$RUN_STDOUT_FILE"
check "index.json holds only the app" jq -e '(.manifests | length) == 1' "$t/chain-out/index.json"

describe "convert --ref: a subject another index.json entry still names is not stale"
cp -r "$signed" "$t/twice"
edit_index "$t/twice" '.manifests += [.manifests[0] | .annotations["org.opencontainers.image.ref.name"] = "hello:pinned"]'
run "$convert" --ref hello:v1 --dry-run --format json "$t/twice"
assert_exit 0
check "no stale referrer" jq -e '.staleReferrers == [] and .converted == 1' "$RUN_STDOUT_FILE"

describe "convert: a layout without referrers reports none"
run "$convert" --dry-run --format json "$OCIWASM_SOURCE_DIR/fixtures/spin-v1-config/hello"
assert_exit 0
check "staleReferrers is []" jq -e '.staleReferrers == [] and .dropReferrers == false' "$RUN_STDOUT_FILE"
run "$convert" --dry-run "$OCIWASM_SOURCE_DIR/fixtures/spin-v1-config/hello"
assert_not_contains stdout "referrer"

finish
