#!/usr/bin/env bash
# README recipe "jq one-liners": each one, as written, on the fixtures, with its exact output.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export PATH="$(cd "$OCIWASM_BIN" && pwd):$PATH"
fixtures="$(cd "$OCIWASM_SOURCE_DIR" && pwd)/fixtures"
hello_wasm=sha256:3bcb7c1811b9eaf774f8a7797784388146ef56ca4d793f4e4088a90afe550490
greet_wasm=sha256:8e25d70f060f49865d040a5f26c8e1cc90e345593fd75374213bd696769bbcf3
frontend_wasm=sha256:57ed7f91e2921cc4fee2d097d9854b4af6cf4f7449537a90867fe4f94110510a
hello_manifest=sha256:aa071ec4f5d5766f76ce8541b3ac13b1b0318453a06c587d446b5c2316f7bf1e
motd_manifest=sha256:9375a64113ad519c4bdd1a19207b2586e29f9941746e892e4af7d93b0c4bdc60

cd "$TEST_TMP" || exit 1
cp "$fixtures/mixed.tar" app.tar
cp "$fixtures/spin-oci-layer/multi.tar" a.tar
cp -r "$fixtures/spin-oci-layer/hello" b
chmod -R u+w b
printf 'junk' >> "b/blobs/sha256/${hello_wasm#sha256:}"

# recipe DESCRIPTION COMMAND EXPECTED: runs COMMAND (a shell pipeline, as in the README) and
# compares its stdout.
recipe() {
    describe "$1"
    run bash -o pipefail -c "$2"
    assert_equals stdout "$3"
}

recipe "the inputs that fail" \
    "oci-wasm-validate --format json a.tar b/ | jq -r 'select(.valid | not) | .input'" \
    "b/"
describe "... and the pipeline says so by its status"
check "exit 1 from validate through pipefail" test "$RUN_STATUS" = 1

recipe "every error as CODE FILE" \
    "oci-wasm-validate --format json b/ | jq -r '.findings[] | select(.severity == \"error\") | \"\\(.code) \\(.file)\"' | sort" \
    "OCI-DIGEST-MISMATCH blobs/sha256/${hello_wasm#sha256:}
OCI-SIZE-MISMATCH blobs/sha256/${hello_manifest#sha256:}"

recipe "how often each code occurs" \
    "oci-wasm-validate --format json app.tar | jq -r '[.findings[].code] | group_by(.) | map(\"\\(.[0]) \\(length)\") | .[]'" \
    "WASM-KIND 1"

recipe "ref name and format of each manifest (validate)" \
    "oci-wasm-validate --format json a.tar | jq -r '.manifests[] | \"\\(.refName) \\(.format)\"'" \
    "multi:v1 spin-oci-layer"

recipe "ref, kind and format of each index.json entry (inspect)" \
    "oci-wasm-inspect --format json app.tar | jq -r '.manifests[] | \"\\(.refName)\\t\\(.kind)\\t\\(.format // \"-\")\"'" \
    $'hello:v1\tmanifest\tspin-oci-layer\nmotd:v1\tmanifest\toci-image\nhello:multi-platform\tindex\t-'

recipe "every manifest, nested ones included" \
    "oci-wasm-inspect --format json app.tar | jq -r '.. | objects | select(.kind? == \"manifest\") | \"\\(.digest) \\(.format)\"'" \
    "$hello_manifest spin-oci-layer
$motd_manifest oci-image
$motd_manifest oci-image
$hello_manifest spin-oci-layer"

recipe "is each wasm layer a core module or a component?" \
    "oci-wasm-inspect --format json $fixtures/spin-oci-layer/lockv1.tar | jq -r '.. | objects | select((.wasm? // \"\") != \"\") | \"\\(.digest) \\(.wasm)\"'" \
    "$frontend_wasm component
$greet_wasm module"

recipe "component ids of every Spin app (index.json entries; the container image has none)" \
    "oci-wasm-inspect --format json app.tar | jq -r '.manifests[].lockfile.components[]?.id'" \
    "hello"

recipe "component ids of a two-component app" \
    "oci-wasm-inspect --format json a.tar | jq -r '.manifests[].lockfile.components[]?.id'" \
    "hello
greet"

recipe "the HTTP routes" \
    "oci-wasm-inspect --lockfile a.tar | jq -r '.triggers[] | \"\\(.id) \\(.trigger_type) \\(.trigger_config.route)\"'" \
    "trigger--hello http /...
trigger--greet http /greet"

describe "pull out the wasm of one component"
run bash -o pipefail -c "oci-wasm-inspect --blob \"\$(oci-wasm-inspect --format json a.tar | jq -r '.manifests[0].lockfile.components[] | select(.id == \"hello\") | .sourceDigest')\" a.tar > hello.wasm"
assert_exit 0
check "hello.wasm to be the hello component's bytes" cmp -s hello.wasm \
    "$fixtures/spin-oci-layer/multi/blobs/sha256/${hello_wasm#sha256:}"
check "hello.wasm to start with the wasm magic" test "$(head -c 4 hello.wasm | od -An -tx1 | tr -d ' ')" = 0061736d

finish
