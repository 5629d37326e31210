#!/usr/bin/env bash
# Every finding code the library can emit is documented in README.md (codes are interface), and
# the README lists no code the library no longer emits.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

code_pattern='(OCI|SPIN|TAR|LAYOUT|WASM|JSON|CONVERT)-[A-Z0-9]+(-[A-Z0-9]+)*'
emitted="$(grep -rhoE "\"$code_pattern\"" "$OCIWASM_SOURCE_DIR/libconvert/src" | tr -d '"' | sort -u)"
documented="$(grep -oE "^\| \`$code_pattern\`" "$OCIWASM_SOURCE_DIR/README.md" | tr -d '|` ' | sort -u)"

describe "the library emits codes"
check "at least 40 distinct codes found in libconvert/src" test "$(wc -l <<< "$emitted")" -ge 40

describe "every emitted code has a row in a README code table"
while read -r code; do
    if grep -qxF -- "$code" <<< "$documented"; then pass; else fail "expected README.md to document $code"; fi
done <<< "$emitted"

describe "every documented code is still emitted"
while read -r code; do
    if grep -qxF -- "$code" <<< "$emitted"; then pass; else fail "README.md documents $code, which libconvert/src never emits"; fi
done <<< "$documented"

finish
