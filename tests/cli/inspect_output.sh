#!/usr/bin/env bash
# oci-wasm-inspect: the listing in text and JSON on the shipped fixtures (directory, tar,
# compressed tar, stdin), --ref, and the exit codes of inputs that cannot be inspected.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

inspect="$OCIWASM_BIN/oci-wasm-inspect"
fixtures="$OCIWASM_SOURCE_DIR/fixtures"
hello_wasm=sha256:3bcb7c1811b9eaf774f8a7797784388146ef56ca4d793f4e4088a90afe550490

describe "text: the new-format hello app, every section"
run "$inspect" "$fixtures/spin-oci-layer/hello"
assert_exit 0
assert_empty stderr
assert_matches stdout "^$fixtures/spin-oci-layer/hello: 1 entry in index.json, 4 blobs \([0-9]+ bytes\); formats: spin-oci-layer$"
assert_matches stdout '^hello:v1$'
assert_contains stdout "  location:     index.json#/manifests/0"
assert_contains stdout "  format:       spin-oci-layer"
assert_contains stdout "  artifactType: application/vnd.bytecodealliance.component.v1+wasm"
assert_contains stdout "  platform:     wasip1/wasm (from the config)"
assert_contains stdout "    org.opencontainers.image.title: hello"
assert_contains stdout "  config:       sha256:"
assert_contains stdout "    [0] $hello_wasm (application/vnd.wasm.content.layer.v1+wasm, 170 bytes)  wasm module"
assert_matches stdout '^    \[1\] sha256:[0-9a-f]{64} \(application/vnd\.fermyon\.spin\.application\.v1\+config, [0-9]+ bytes\)  lockfile$'
assert_matches stdout '^  lockfile:     sha256:[0-9a-f]{64} \(layers/1, [0-9]+ bytes\), spin_lock_version 0$'
assert_contains stdout "      hello: source $hello_wasm, 0 files"
assert_contains stdout "      trigger--hello: http -> hello"
assert_not_contains stdout "oci-wasm-validate"

describe "text: the old-format multi app has its lockfile in the config"
run "$inspect" "$fixtures/spin-v1-config/multi.tar"
assert_exit 0
assert_contains stdout "  format:       spin-v1-config"
assert_matches stdout '^  lockfile:     sha256:4b7ed034615ab68b473eca38774471a4368c6dcc7aa034afb5ce404493dd9616 \(config, 1583 bytes\), spin_lock_version 0$'
assert_matches stdout '^      hello: source sha256:[0-9a-f]{64}, 2 files$'
assert_matches stdout '^      greet: source sha256:[0-9a-f]{64}, 1 file$'
assert_contains stdout "      trigger--greet: http -> greet"
assert_not_contains stdout "platform:"

describe "text: lockv1 names the component-model binary"
run "$inspect" "$fixtures/spin-oci-layer/lockv1"
assert_exit 0
assert_matches stdout '^    \[0\] sha256:[0-9a-f]{64} \(application/vnd\.wasm\.content\.layer\.v1\+wasm, [0-9]+ bytes\)  wasm component$'
assert_contains stdout "spin_lock_version 1"

describe "text: mixed shows the nested index with its platforms, indented"
run "$inspect" "$fixtures/mixed"
assert_exit 0
assert_contains stdout ": 3 entries in index.json, 8 blobs"
assert_contains stdout "formats: spin-oci-layer, oci-image"
assert_matches stdout '^hello:multi-platform$'
assert_matches stdout '^  index:        sha256:[0-9a-f]{64} \(application/vnd\.oci\.image\.index\.v1\+json, 491 bytes\)$'
assert_matches stdout '^    linux/amd64 \(blobs/sha256/[0-9a-f]{64}#/manifests/0\)$'
assert_matches stdout '^    wasip1/wasm \(blobs/sha256/[0-9a-f]{64}#/manifests/1\)$'
assert_contains stdout "      platform:     linux/amd64 (from the config)"

describe "--ref shows one entry and says how many there are"
run "$inspect" --ref motd:v1 "$fixtures/mixed.tar"
assert_exit 0
assert_contains stdout ": 1 of 3 entries in index.json"
assert_matches stdout '^motd:v1$'
assert_not_contains stdout "hello:v1"

describe "json: one line, the documented members, stable for jq"
run "$inspect" --format json "$fixtures/mixed"
assert_exit 0
assert_line_count stdout 1
check "top-level members" jq -e \
    'keys == ["blobs","formats","indexEntries","input","manifests","refNames","validation"]' \
    "$RUN_STDOUT_FILE"
check "refNames in index.json order" jq -e \
    '.refNames == ["hello:v1","motd:v1","hello:multi-platform"]' "$RUN_STDOUT_FILE"
check "formats" jq -e '.formats == ["spin-oci-layer","oci-image"]' "$RUN_STDOUT_FILE"
check "validation counts" jq -e '.validation == {"valid":true,"errors":0,"warnings":0,"info":1}' \
    "$RUN_STDOUT_FILE"
check "kinds" jq -e '[.manifests[].kind] == ["manifest","manifest","index"]' "$RUN_STDOUT_FILE"
check "the Spin app's lockfile" jq -e \
    '.manifests[0].lockfile | .location == "layers/1" and .spinLockVersion == 0 and
     ([.components[].id] == ["hello"]) and (.triggers[0] == {"id":"trigger--hello","type":"http","component":"hello"})' \
    "$RUN_STDOUT_FILE"
check "the container image has no lockfile" jq -e '.manifests[1].lockfile == null' "$RUN_STDOUT_FILE"
check "nested entries with their descriptor platforms" jq -e \
    '[.manifests[2].manifests[] | .descriptorPlatform.os + "/" + .descriptorPlatform.architecture] == ["linux/amd64","wasip1/wasm"]' \
    "$RUN_STDOUT_FILE"
check "wasm layer kinds" jq -e \
    '[.manifests[0].layers[].wasm] == ["module",""]' "$RUN_STDOUT_FILE"

describe "stdin and compressed tars give the same JSON as the directory (but for input)"
run "$inspect" --format json "$fixtures/spin-oci-layer/multi"
jq -S 'del(.input)' "$RUN_STDOUT_FILE" > "$TEST_TMP/dir.json"
gzip -c < "$fixtures/spin-oci-layer/multi.tar" > "$TEST_TMP/multi.tar.gz"
zstd -q -c < "$fixtures/spin-oci-layer/multi.tar" > "$TEST_TMP/multi.tar.zst"
xz -c < "$fixtures/spin-oci-layer/multi.tar" > "$TEST_TMP/multi.tar.xz"
for variant in "$fixtures/spin-oci-layer/multi.tar" "$TEST_TMP/multi.tar.gz" \
    "$TEST_TMP/multi.tar.zst" "$TEST_TMP/multi.tar.xz"; do
    run "$inspect" --format json "$variant"
    assert_exit 0
    check "$variant to match the directory" cmp -s <(jq -S 'del(.input)' "$RUN_STDOUT_FILE") \
        "$TEST_TMP/dir.json"
done
run_with_stdin "$TEST_TMP/multi.tar.zst" "$inspect" --format json -
assert_exit 0
check "stdin to say input -" jq -e '.input == "-"' "$RUN_STDOUT_FILE"
check "stdin to match the directory" cmp -s <(jq -S 'del(.input)' "$RUN_STDOUT_FILE") \
    "$TEST_TMP/dir.json"

describe "a layout with validation errors is still shown, with a pointer to the validator"
cp -r "$fixtures/spin-oci-layer/hello" "$TEST_TMP/tampered"
wasm_file="$TEST_TMP/tampered/blobs/sha256/${hello_wasm#sha256:}"
chmod u+w "$wasm_file"
printf 'junk' >> "$wasm_file"
run "$inspect" "$TEST_TMP/tampered"
assert_exit 0
assert_matches stdout "^$TEST_TMP/tampered: the layout has [1-9][0-9]* validation errors? and [0-9]+ warnings?; what is shown may be incomplete \\(run oci-wasm-validate for details\\)$"
assert_matches stdout '^hello:v1$'
run "$inspect" --format json "$TEST_TMP/tampered"
assert_exit 0
check "valid false with the error count" jq -e '.validation.valid == false and .validation.errors > 0' \
    "$RUN_STDOUT_FILE"

describe "a missing manifest blob is a problem on its entry, not a failure"
cp -r "$fixtures/spin-oci-layer/hello" "$TEST_TMP/nomanifest"
manifest="$(jq -r '.manifests[0].digest' "$TEST_TMP/nomanifest/index.json")"
rm -f "$TEST_TMP/nomanifest/blobs/sha256/${manifest#sha256:}"
run "$inspect" "$TEST_TMP/nomanifest"
assert_exit 0
assert_contains stdout "  problem:      blob $manifest is missing from the layout"

describe "no index.json: exit 1, nothing to inspect"
mkdir -p "$TEST_TMP/noindex/blobs/sha256"
printf '{"imageLayoutVersion":"1.0.0"}' > "$TEST_TMP/noindex/oci-layout"
run "$inspect" "$TEST_TMP/noindex"
assert_exit 1
assert_empty stdout
assert_equals stderr "oci-wasm-inspect: $TEST_TMP/noindex: expected index.json at the layout root, found none: nothing to inspect (oci-wasm-validate says more)"

describe "index.json that is not JSON: exit 1"
cp -r "$TEST_TMP/noindex" "$TEST_TMP/badindex"
printf '{"manifests":[' > "$TEST_TMP/badindex/index.json"
run "$inspect" "$TEST_TMP/badindex"
assert_exit 1
assert_matches stderr "^oci-wasm-inspect: $TEST_TMP/badindex: index.json: expected JSON, found .* at line 1, column 15 \\(byte 14\\)$"

describe "an unknown --ref: exit 1, the known refs listed"
run "$inspect" --ref nope "$fixtures/mixed"
assert_exit 1
assert_empty stdout
assert_equals stderr "oci-wasm-inspect: $fixtures/mixed: expected an index.json entry with ref name 'nope', found only: hello:v1, motd:v1, hello:multi-platform"

describe "an input that does not exist: exit 3"
run "$inspect" "$TEST_TMP/does-not-exist"
assert_exit 3
assert_empty stdout
assert_contains stderr "oci-wasm-inspect: $TEST_TMP/does-not-exist: "

describe "a file that is no archive: exit 3"
printf 'hello' > "$TEST_TMP/not-a-tar"
run "$inspect" "$TEST_TMP/not-a-tar"
assert_exit 3
assert_contains stderr "oci-wasm-inspect: $TEST_TMP/not-a-tar: "

finish
