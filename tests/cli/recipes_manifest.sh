#!/usr/bin/env bash
# README recipe "curl a manifest from a registry into oci-wasm-validate --as manifest -", as
# written in the README, against a local registry (docker-registry on 127.0.0.1) serving the
# same tag first as an OCI manifest, then as a Docker Image Manifest V2 Schema 2 (skopeo
# --format v2s2), as Docker pushes it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/registry_lib.sh"

export PATH="$(cd "$OCIWASM_BIN" && pwd):$PATH"
fixtures="$(cd "$OCIWASM_SOURCE_DIR" && pwd)/fixtures"
command -v curl > /dev/null || registry_fail "expected curl on PATH (scripts/test.sh installs it), found none"

# The recipe: the README's lines from `curl` to the `oci-wasm-validate` it pipes into.
recipe="$(awk '/^curl -s -H "Accept: / { on = 1 } on { print } on && /--as manifest -$/ { exit }' \
    "$OCIWASM_SOURCE_DIR/README.md")"
describe "the README has the recipe"
check "a curl | oci-wasm-validate --as manifest - recipe in README.md" \
    grep -q 'manifests/v1" | oci-wasm-validate --as manifest -$' <<< "$recipe"

start_registry
cd "$TEST_TMP" || exit 1
export REGISTRY

describe "an OCI manifest (a Spin app) pushed as it is"
run skopeo_copy --dest-tls-verify=false "oci:$fixtures/spin-oci-layer/hello:hello:v1" \
    "docker://$REGISTRY/me/app:v1"
assert_exit 0
run bash -o pipefail -c "$recipe"
assert_exit 0
assert_equals stdout "-: valid (0 errors, 0 warnings, 0 info); formats: spin-oci-layer"

describe "a Docker manifest (a container image) pushed as Docker does (skopeo --format v2s2)"
run skopeo_copy --dest-tls-verify=false --format v2s2 "oci:$fixtures/mixed:motd:v1" \
    "docker://$REGISTRY/me/app:v1"
assert_exit 0
http_get /v2/me/app/manifests/v1 application/vnd.docker.distribution.manifest.v2+json
check "the registry now serves a Docker manifest under the tag" test \
    "$(jq -r .mediaType "$TEST_TMP/http.body")" = application/vnd.docker.distribution.manifest.v2+json
run bash -o pipefail -c "$recipe"
assert_exit 0
assert_equals stdout "-#/mediaType: info: OCI-DOCKER-FORMAT: checked as a Docker Image Manifest V2 Schema 2 manifest, as its mediaType says: Docker's schema and the rules it shares with OCI, not the OCI-only ones
-: valid (0 errors, 0 warnings, 1 info); formats: oci-image"

describe "without the Accept headers the registry serves neither (why the recipe has them)"
run bash -c "curl -s \"$REGISTRY/v2/me/app/manifests/v1\" | oci-wasm-validate --as manifest -"
assert_exit 1

finish
