#!/usr/bin/env bash
# README recipe "Convert an app in a registry": pull with skopeo, convert, validate, push under a
# new tag, against a local registry (docker-registry on 127.0.0.1), both directions and through
# oci-archive: as well.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/registry_lib.sh"

bin="$(cd "$OCIWASM_BIN" && pwd)"
fixtures="$(cd "$OCIWASM_SOURCE_DIR" && pwd)/fixtures"
hello_lock=sha256:7ccbd1291799e84afaec96972393bfea03c06c6f1282ba82e66686d408508ffd
export PATH="$bin:$PATH"

command -v jq > /dev/null || registry_fail "expected jq on PATH, found none"
start_registry
cd "$TEST_TMP" || exit 1
# The recipe's registry.example.com is this local one; TLS is off on 127.0.0.1.
src_flags=(--src-tls-verify=false)
dest_flags=(--dest-tls-verify=false)

describe "setup: an old-format (Spin 1.x) app in the registry"
run skopeo_copy "${dest_flags[@]}" "oci:$fixtures/spin-v1-config/hello:hello:v1" \
    "docker://$REGISTRY/hello:v1"
assert_exit 0

describe "recipe, step 1: skopeo copy docker://.../hello:v1 oci:work:hello:v1"
run skopeo_copy "${src_flags[@]}" "docker://$REGISTRY/hello:v1" oci:work:hello:v1
assert_exit 0
describe "recipe, step 2: oci-wasm-convert --to new work converted"
run oci-wasm-convert --to new work converted
assert_exit 0
assert_contains stdout "hello:v1: spin-v1-config -> spin-oci-layer: "
converted="$(jq -r '.manifests[0].digest' converted/index.json)"
assert_contains stdout "-> $converted"
describe "recipe, step 3: oci-wasm-validate --quiet converted"
run oci-wasm-validate --quiet converted
assert_exit 0
assert_empty stdout
describe "recipe, step 4: skopeo copy oci:converted:hello:v1 docker://.../hello:v1-containerd"
run skopeo_copy "${dest_flags[@]}" oci:converted:hello:v1 "docker://$REGISTRY/hello:v1-containerd"
assert_exit 0

describe "the registry now serves the new format under the digest the converter printed"
run skopeo_inspect --raw --tls-verify=false "docker://$REGISTRY/hello:v1-containerd"
assert_exit 0
check "manifest digest $converted" test \
    "sha256:$(sha256sum < "$RUN_STDOUT_FILE" | cut -d' ' -f1)" = "$converted"
check "an image config and the lockfile as the last layer" jq -e \
    '.config.mediaType == "application/vnd.oci.image.config.v1+json" and
     .layers[-1].mediaType == "application/vnd.fermyon.spin.application.v1+config" and
     .layers[-1].digest == "'"$hello_lock"'"' "$RUN_STDOUT_FILE"
describe "the old tag is untouched"
run skopeo_inspect --raw --tls-verify=false "docker://$REGISTRY/hello:v1"
check "config is still the lockfile" jq -e '.config.digest == "'"$hello_lock"'"' "$RUN_STDOUT_FILE"

describe "the other way (--to old, for a Spin 1.x host), through oci-archive:"
run skopeo_copy "${src_flags[@]}" "docker://$REGISTRY/hello:v1-containerd" \
    oci-archive:hello.tar:hello:v1
assert_exit 0
run oci-wasm-convert --to old hello.tar hello-old.tar
assert_exit 0
assert_contains stdout "hello:v1: spin-oci-layer -> spin-v1-config: "
run oci-wasm-validate --quiet hello-old.tar
assert_exit 0
run skopeo_copy "${dest_flags[@]}" oci-archive:hello-old.tar:hello:v1 \
    "docker://$REGISTRY/hello:v1-spin1"
assert_exit 0
run skopeo_copy "${src_flags[@]}" "docker://$REGISTRY/hello:v1-spin1" oci:back:hello:v1
assert_exit 0
run oci-wasm-inspect --format json back
assert_exit 0
check "back in the old format with the same lockfile" jq -e \
    '.formats == ["spin-v1-config"] and .manifests[0].lockfile.digest == "'"$hello_lock"'" and
     .manifests[0].lockfile.location == "config"' "$RUN_STDOUT_FILE"

finish
