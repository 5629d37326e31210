#!/usr/bin/env bash
# oci-wasm-validate --format json|sarif|github: machine output on stdout, checked with jq. (The
# unit tests validate the same output against schemas/validate-output.schema.json and
# schemas/sarif-2.1.0-subset.schema.json.)
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

validate="$OCIWASM_BIN/oci-wasm-validate"
hello="$OCIWASM_SOURCE_DIR/fixtures/spin-oci-layer/hello"

# A copy of hello with one byte of its wasm layer changed (OCI-DIGEST-MISMATCH).
corrupt="$TEST_TMP/corrupt"
cp -r "$hello" "$corrupt"
chmod -R u+w "$corrupt"
manifest_digest="$(jq -r '.manifests[0].digest' "$corrupt/index.json")"
wasm_digest="$(jq -r '.layers[0].digest' "$corrupt/blobs/sha256/${manifest_digest#sha256:}")"
wasm="$corrupt/blobs/sha256/${wasm_digest#sha256:}"
printf '\377' | dd of="$wasm" bs=1 seek=$(($(stat -c %s "$wasm") - 1)) conv=notrunc status=none
missing="$TEST_TMP/missing"

# jq_check DESCRIPTION FILTER: the filter is true on every line of the last run's stdout.
jq_check() { check "$1" jq -e -s "all(.[]; $2)" "$RUN_STDOUT_FILE"; }

describe "json: one object per input per line, with every member"
run "$validate" --format json "$hello" "$corrupt" "$missing"
assert_exit 3
assert_line_count stdout 3
jq_check "every member present" \
    'has("input") and has("valid") and has("formats") and has("manifests") and has("findings") and has("summary")'
jq_check "summary counts" '.summary | has("errors") and has("warnings") and has("info")'
check "lines in input order" test "$(jq -r .input "$RUN_STDOUT_FILE" | tr '\n' ' ')" = \
    "$hello $corrupt $missing "
assert_contains stderr "oci-wasm-validate: $missing: cannot open"

describe "json: the valid input"
jq -c "select(.input == \"$hello\")" "$RUN_STDOUT_FILE" > "$TEST_TMP/hello.json"
check "valid true" jq -e '.valid == true' "$TEST_TMP/hello.json"
check "no error key" jq -e 'has("error") | not' "$TEST_TMP/hello.json"
check "formats [spin-oci-layer]" jq -e '.formats == ["spin-oci-layer"]' "$TEST_TMP/hello.json"
check "one manifest hello:v1" jq -e \
    ".manifests == [{\"digest\":\"$manifest_digest\",\"refName\":\"hello:v1\",\"format\":\"spin-oci-layer\",\"file\":\"blobs/sha256/${manifest_digest#sha256:}\",\"indexFile\":\"index.json\",\"indexPointer\":\"/manifests/0\"}]" \
    "$TEST_TMP/hello.json"
check "no errors counted" jq -e '.summary.errors == 0 and .summary.warnings == 0' "$TEST_TMP/hello.json"

describe "json: the invalid input"
jq -c "select(.input == \"$corrupt\")" "$RUN_STDOUT_FILE" > "$TEST_TMP/corrupt.json"
check "valid false" jq -e '.valid == false' "$TEST_TMP/corrupt.json"
check "the mismatch finding, about the blob" jq -e \
    "any(.findings[]; .code == \"OCI-DIGEST-MISMATCH\" and .severity == \"error\" and .file == \"blobs/sha256/${wasm_digest#sha256:}\")" \
    "$TEST_TMP/corrupt.json"
check "errors counted" jq -e '.summary.errors == ([.findings[] | select(.severity == "error")] | length)' \
    "$TEST_TMP/corrupt.json"

describe "json: the unreadable input"
jq -c "select(.input == \"$missing\")" "$RUN_STDOUT_FILE" > "$TEST_TMP/missing.json"
check "valid false with an error" jq -e \
    '.valid == false and (.error | test("cannot open")) and .findings == [] and .formats == []' \
    "$TEST_TMP/missing.json"

describe "json: the codes pipe through jq"
run "$validate" --format json "$corrupt"
assert_exit 1
check "OCI-DIGEST-MISMATCH among .findings[].code" \
    bash -c 'jq -r ".findings[].code" "$1" | grep -qx OCI-DIGEST-MISMATCH' _ "$RUN_STDOUT_FILE"

describe "json: --quiet changes nothing, --strict changes valid"
run "$validate" --format json "$hello"
cp "$RUN_STDOUT_FILE" "$TEST_TMP/plain.jsonl"
run "$validate" --format json --quiet "$hello"
check "the same bytes with --quiet" cmp -s "$TEST_TMP/plain.jsonl" "$RUN_STDOUT_FILE"
printf '{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}' \
    > "$TEST_TMP/layerless.json"
run "$validate" --format json --strict --as manifest "$TEST_TMP/layerless.json"
assert_exit 1
jq_check "valid false under --strict with only a warning" \
    '.valid == false and .summary.errors == 0 and .summary.warnings == 1'

describe "sarif: one log for all inputs"
cd "$TEST_TMP" || exit 1
run "$validate" --format sarif "$hello" corrupt
assert_exit 1
check "one JSON document" jq -e -s 'length == 1' "$RUN_STDOUT_FILE"
check "version 2.1.0 and a schema" jq -e '.version == "2.1.0" and (."$schema" | test("sarif-schema-2.1.0"))' \
    "$RUN_STDOUT_FILE"
check "the driver" jq -e '.runs[0].tool.driver.name == "oci-wasm-validate" and (.runs[0].tool.driver.version | length > 0)' \
    "$RUN_STDOUT_FILE"
check "a rule for the code" jq -e 'any(.runs[0].tool.driver.rules[]; .id == "OCI-DIGEST-MISMATCH")' \
    "$RUN_STDOUT_FILE"
check "a result at the blob, relative to the source root" jq -e \
    "any(.runs[0].results[]; .ruleId == \"OCI-DIGEST-MISMATCH\" and .level == \"error\" and .locations[0].physicalLocation.artifactLocation == {\"uri\":\"corrupt/blobs/sha256/${wasm_digest#sha256:}\",\"uriBaseId\":\"%SRCROOT%\"})" \
    "$RUN_STDOUT_FILE"
check "every ruleIndex names its rule" jq -e \
    '.runs[0] as $run | all($run.results[]; $run.tool.driver.rules[.ruleIndex].id == .ruleId)' \
    "$RUN_STDOUT_FILE"
check "execution successful" jq -e '.runs[0].invocations[0].executionSuccessful == true' "$RUN_STDOUT_FILE"

describe "sarif: an unreadable input is a failed execution"
run "$validate" --format sarif "$missing" "$hello"
check "an absolute path as a file URI" jq -e \
    ".runs[0].invocations[0].toolExecutionNotifications[0].locations[0].physicalLocation.artifactLocation.uri == \"file://$missing\"" \
    "$RUN_STDOUT_FILE"
assert_exit 3
check "executionSuccessful false with a notification" jq -e \
    '.runs[0].invocations[0].executionSuccessful == false and (.runs[0].invocations[0].toolExecutionNotifications[0].message.text | test("cannot open"))' \
    "$RUN_STDOUT_FILE"

describe "github: workflow commands"
run "$validate" --format github "$corrupt"
assert_exit 1
assert_matches stdout "^::error file=$corrupt/blobs/sha256/${wasm_digest#sha256:},title=OCI-DIGEST-MISMATCH::"
check "only workflow commands" bash -c '! grep -v "^::\(error\|warning\|notice\) " "$1"' _ "$RUN_STDOUT_FILE"
run "$validate" --format github --quiet "$hello" "$corrupt"
assert_not_contains stdout "::notice "
run "$validate" --format github "$missing"
assert_exit 3
assert_equals stdout "::error file=$missing,title=unreadable input::$missing: cannot open: No such file or directory"

describe "github: a tar names the tar and puts the inner file in the message"
tar -C "$corrupt" -cf "$TEST_TMP/corrupt.tar" oci-layout index.json blobs
run "$validate" --format github "$TEST_TMP/corrupt.tar"
assert_exit 1
assert_contains stdout "::error file=$TEST_TMP/corrupt.tar,title=OCI-DIGEST-MISMATCH::"
assert_contains stdout "(blobs/sha256/${wasm_digest#sha256:})"

finish
