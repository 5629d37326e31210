#!/usr/bin/env bash
# Installs what is missing, builds, and runs the three tools on a shipped fixture: an app in
# Spin's old format is inspected, validated, converted to the containerd-compatible format,
# validated strictly, and converted back byte for byte.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

install_missing "${BUILD_PACKAGES[@]}" jq
configure_and_build
bin="$BUILD_DIR/bin"
fixture="$OCIWASM_ROOT/fixtures/spin-v1-config/multi"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

step() { printf '\n== %s\n' "$*"; }

step "oci-wasm-inspect fixtures/spin-v1-config/multi (Spin 1.x format)"
"$bin/oci-wasm-inspect" "$fixture"

step "oci-wasm-validate fixtures/spin-v1-config/multi"
"$bin/oci-wasm-validate" "$fixture"

step "oci-wasm-convert --to new (to a tar) and oci-wasm-validate --strict on the result"
"$bin/oci-wasm-convert" --to new "$fixture" "$work/multi-new.tar"
"$bin/oci-wasm-validate" --strict --quiet "$work/multi-new.tar" && echo "$work/multi-new.tar: valid"

step "the lockfile is the last layer now; its components, through jq"
"$bin/oci-wasm-inspect" --format json "$work/multi-new.tar" |
    jq -r '.manifests[] | "\(.refName): \(.format), artifactType \(.artifactType)"'
"$bin/oci-wasm-inspect" --lockfile "$work/multi-new.tar" | jq -r '.components[].id'

step "oci-wasm-convert --to old gives back the original manifest and index.json"
"$bin/oci-wasm-convert" --to old "$work/multi-new.tar" "$work/multi-old"
cmp "$fixture/index.json" "$work/multi-old/index.json" && echo "index.json: byte-identical"
diff -r "$fixture" "$work/multi-old" && echo "every blob: byte-identical"
