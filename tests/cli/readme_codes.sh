#!/usr/bin/env bash
# Codes are interface. The catalogue (libconvert/include/ociwasm/finding_codes.h) is the one
# place a code is written: every emission site names its constant. README.md documents every
# catalogued code with the catalogue's severity, and lists no other.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

code_pattern='(OCI|SPIN|TAR|LAYOUT|WASM|JSON|CONVERT)-[A-Z0-9]+(-[A-Z0-9]+)*'
catalogue="$OCIWASM_SOURCE_DIR/libconvert/include/ociwasm/finding_codes.h"
# "CODE severity" per catalogue entry: {"CODE", Severity::error, ...
catalogued="$(tr -s ' \n' ' ' < "$catalogue" \
    | grep -oE "\{ ?\"$code_pattern\", Severity::[a-z]+" \
    | sed -E 's/^\{ ?"([^"]+)", Severity::([a-z]+)$/\1 \2/' | sort -u)"
documented="$(grep -E "^\| \`$code_pattern\` \| [a-z]+" "$OCIWASM_SOURCE_DIR/README.md" \
    | sed -E 's/^\| `([^`]+)` \| ([a-z]+).*/\1 \2/' | sort -u)"

describe "the catalogue holds the codes"
check "at least 70 codes in finding_codes.h" test "$(wc -l <<< "$catalogued")" -ge 70

describe "no code is written outside the catalogue"
stray="$(grep -rnoE "\"$code_pattern\"" "$OCIWASM_SOURCE_DIR/libconvert/src" \
    "$OCIWASM_SOURCE_DIR/libconvert/include" "$OCIWASM_SOURCE_DIR/tools" | grep -v finding_codes.h)"
check "no code literal in libconvert or tools: ${stray:-none}" test -z "$stray"

describe "every catalogued code has a README row with its severity"
while read -r code severity; do
    if grep -qxF -- "$code $severity" <<< "$documented"; then
        pass
    else
        fail "expected README.md to document $code as $severity, found: $(grep -F -- "$code " <<< "$documented")"
    fi
done <<< "$catalogued"

describe "every documented code is catalogued"
while read -r code severity; do
    if grep -qxF -- "$code $severity" <<< "$catalogued"; then pass; else fail "README.md documents $code ($severity), which the catalogue does not hold so"; fi
done <<< "$documented"

finish
