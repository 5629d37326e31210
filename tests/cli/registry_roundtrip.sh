#!/usr/bin/env bash
# A converted Spin app goes to a real registry (docker-registry 2.8 on 127.0.0.1) and back with
# skopeo, unchanged: the same manifest digest, the same blob set, and it validates. Also pins
# down what this registry does with both Spin formats: it stores their manifests byte for byte
# (artifactType and the Spin config media type included) and serves them only to clients that
# accept OCI manifests.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/registry_lib.sh"

convert="$OCIWASM_BIN/oci-wasm-convert"
validate="$OCIWASM_BIN/oci-wasm-validate"
inspect="$OCIWASM_BIN/oci-wasm-inspect"
fixtures="$OCIWASM_SOURCE_DIR/fixtures"
oci_manifest=application/vnd.oci.image.manifest.v1+json

command -v jq > /dev/null || registry_fail "expected jq on PATH, found none"
start_registry

blob_set() { (cd "$1/blobs/sha256" && ls | sort); }

describe "a converted app (old -> new) pushes to the registry"
run "$convert" --to new "$fixtures/spin-v1-config/hello" "$TEST_TMP/converted"
assert_exit 0
converted_digest="$(jq -r '.manifests[0].digest' "$TEST_TMP/converted/index.json")"
run skopeo_copy --dest-tls-verify=false "oci:$TEST_TMP/converted:hello:v1" \
    "docker://$REGISTRY/hello:v1"
assert_exit 0

describe "the registry serves the manifest under the digest we wrote"
run skopeo_inspect --raw --tls-verify=false "docker://$REGISTRY/hello:v1"
assert_exit 0
check "the manifest bytes of $converted_digest" test \
    "sha256:$(sha256sum < "$RUN_STDOUT_FILE" | cut -d' ' -f1)" = "$converted_digest"

describe "pulled back, the app is the same, blob for blob, and validates"
run skopeo_copy --src-tls-verify=false "docker://$REGISTRY/hello:v1" "oci:$TEST_TMP/pulled:hello:v1"
assert_exit 0
run "$validate" "$TEST_TMP/pulled"
assert_exit 0
assert_matches stdout "^$TEST_TMP/pulled: valid \(0 errors, 0 warnings, [0-9]+ info\); formats: spin-oci-layer$"
check "the same manifest digest" test \
    "$(jq -r '.manifests[0].digest' "$TEST_TMP/pulled/index.json")" = "$converted_digest"
check "the same ref name" test \
    "$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' "$TEST_TMP/pulled/index.json")" = hello:v1
check "the same blob set" cmp -s <(blob_set "$TEST_TMP/pulled") <(blob_set "$TEST_TMP/converted")
for blob in $(blob_set "$TEST_TMP/converted"); do
    check "blob $blob byte for byte" cmp -s "$TEST_TMP/pulled/blobs/sha256/$blob" \
        "$TEST_TMP/converted/blobs/sha256/$blob"
done
run "$inspect" --lockfile "$TEST_TMP/pulled"
assert_exit 0
check "the lockfile the old format had as its config" cmp -s "$RUN_STDOUT_FILE" \
    "$fixtures/spin-v1-config/hello/blobs/sha256/7ccbd1291799e84afaec96972393bfea03c06c6f1282ba82e66686d408508ffd"

# Both formats as Spin writes them, through the registry's HTTP API.
for format in spin-oci-layer spin-v1-config; do
    layout="$fixtures/$format/multi"
    digest="$(jq -r '.manifests[0].digest' "$layout/index.json")"
    manifest="$layout/blobs/sha256/${digest#sha256:}"
    config_type="$(jq -r '.config.mediaType' "$manifest")"
    config_digest="$(jq -r '.config.digest' "$manifest")"

    describe "$format: the registry accepts the push (config type $config_type)"
    run skopeo_copy --dest-tls-verify=false "oci:$layout:multi:v1" "docker://$REGISTRY/$format:v1"
    assert_exit 0

    describe "$format: the manifest comes back byte for byte to an OCI client"
    http_get "/v2/$format/manifests/v1" "$oci_manifest"
    check "200 (found $HTTP_STATUS)" test "$HTTP_STATUS" = 200
    check "Content-Type $oci_manifest (found $(http_header Content-Type))" \
        test "$(http_header Content-Type)" = "$oci_manifest"
    check "Docker-Content-Digest $digest (found $(http_header Docker-Content-Digest))" \
        test "$(http_header Docker-Content-Digest)" = "$digest"
    check "the body to be the manifest blob" cmp -s "$TEST_TMP/http.body" "$manifest"
    check "artifactType kept as it was" test \
        "$(jq -r '.artifactType // "none"' "$TEST_TMP/http.body")" = \
        "$(jq -r '.artifactType // "none"' "$manifest")"

    describe "$format: a client that does not accept OCI manifests gets 404"
    http_get "/v2/$format/manifests/v1"
    check "404 (found $HTTP_STATUS)" test "$HTTP_STATUS" = 404
    check "MANIFEST_UNKNOWN, OCI not accepted" grep -q \
        '"code":"MANIFEST_UNKNOWN","message":"OCI manifest found, but accept header does not support OCI manifests"' \
        "$TEST_TMP/http.body"

    describe "$format: the config blob is served as it is"
    http_get "/v2/$format/blobs/$config_digest"
    check "200 (found $HTTP_STATUS)" test "$HTTP_STATUS" = 200
    check "the config bytes" cmp -s "$TEST_TMP/http.body" \
        "$layout/blobs/sha256/${config_digest#sha256:}"

    describe "$format: pulled back, the same digest and a clean validation"
    run skopeo_copy --src-tls-verify=false "docker://$REGISTRY/$format:v1" \
        "oci:$TEST_TMP/pulled-$format:multi:v1"
    assert_exit 0
    run "$validate" "$TEST_TMP/pulled-$format"
    assert_exit 0
    assert_contains stdout "formats: $format"
    check "the same manifest digest" test \
        "$(jq -r '.manifests[0].digest' "$TEST_TMP/pulled-$format/index.json")" = "$digest"
    check "the same blob set" cmp -s <(blob_set "$TEST_TMP/pulled-$format") <(blob_set "$layout")
done

describe "a nested index (multi-platform: linux/amd64 and wasip1/wasm) goes through too"
mixed_index="$(jq -r '.manifests[2].digest' "$fixtures/mixed/index.json")"
run skopeo_copy --all --dest-tls-verify=false "oci:$fixtures/mixed:hello:multi-platform" \
    "docker://$REGISTRY/multi-platform:v1"
assert_exit 0
run skopeo_copy --all --src-tls-verify=false "docker://$REGISTRY/multi-platform:v1" \
    "oci:$TEST_TMP/pulled-index:multi-platform:v1"
assert_exit 0
check "the same index digest" test \
    "$(jq -r '.manifests[0].digest' "$TEST_TMP/pulled-index/index.json")" = "$mixed_index"
run "$inspect" --format json "$TEST_TMP/pulled-index"
assert_exit 0
check "both platforms inside" jq -e \
    '[.manifests[0].manifests[] | "\(.descriptorPlatform.os)/\(.descriptorPlatform.architecture) \(.format)"] ==
     ["linux/amd64 oci-image", "wasip1/wasm spin-oci-layer"]' "$RUN_STDOUT_FILE"

finish
