#!/usr/bin/env bash
# Installs what is missing, builds, and runs the tools on a shipped fixture.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

install_missing "${BUILD_PACKAGES[@]}" jq
configure_and_build
bin="$BUILD_DIR/bin"
fixture="$OCIWASM_ROOT/fixtures/spin-v1-config/hello"

echo "== oci-wasm-validate $fixture"
"$bin/oci-wasm-validate" "$fixture"
