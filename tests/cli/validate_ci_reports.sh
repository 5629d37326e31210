#!/usr/bin/env bash
# oci-wasm-validate --format gitlab|junit: the GitLab Code Quality report checked with jq against
# what GitLab reads, the JUnit XML checked with xmllint against schemas/junit.xsd; both stay
# valid (UTF-8 JSON, well-formed XML 1.0) whatever bytes the input names hold. (The unit tests
# check the gitlab output against schemas/gitlab-code-quality.schema.json.)
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v xmllint > /dev/null || { echo "$TEST_NAME: xmllint missing (Debian libxml2-utils; scripts/test.sh installs it)" >&2; exit 1; }

validate="$OCIWASM_BIN/oci-wasm-validate"
xsd="$OCIWASM_SOURCE_DIR/schemas/junit.xsd"
cp -r "$OCIWASM_SOURCE_DIR/fixtures/spin-oci-layer/hello" "$TEST_TMP/hello"
cp -r "$OCIWASM_SOURCE_DIR/fixtures/broken/OCI-DIGEST-MISMATCH/layout" "$TEST_TMP/mismatch"
cp -r "$OCIWASM_SOURCE_DIR/fixtures/broken/SPIN-LABEL-MISSING/layout" "$TEST_TMP/label"
chmod -R u+w "$TEST_TMP"
cd "$TEST_TMP" || exit 1

describe "gitlab: one array of issues for all inputs, in the shape GitLab reads"
run "$validate" --format gitlab hello mismatch label gone.tar
assert_exit 3
assert_contains stderr "oci-wasm-validate: gone.tar: cannot open"
check "one JSON array" jq -e 'type == "array"' "$RUN_STDOUT_FILE"
check "every issue has the members GitLab needs" jq -e 'all(.[];
    (.description | type == "string" and length > 0) and (.check_name | type == "string") and
    (.fingerprint | test("^[0-9a-f]{64}$")) and
    (.severity | IN("info", "minor", "major", "critical", "blocker")) and
    (.location.path | type == "string" and length > 0) and (.location.lines.begin == 1))' \
    "$RUN_STDOUT_FILE"
check "fingerprints unique" jq -e '(map(.fingerprint) | unique | length) == length' "$RUN_STDOUT_FILE"
check "one issue per finding, plus the unreadable input" test "$(jq length "$RUN_STDOUT_FILE")" = \
    "$(("$("$validate" --format json hello mismatch label | jq -s '[.[].findings[]] | length')" + 1))"
check "the digest mismatch, major, on the blob file" jq -e 'any(.[]; .check_name == "OCI-DIGEST-MISMATCH"
    and .severity == "major" and (.location.path | startswith("mismatch/blobs/sha256/")))' "$RUN_STDOUT_FILE"
check "the missing label, minor, on the config blob, with the pointer" jq -e 'any(.[];
    .check_name == "SPIN-LABEL-MISSING" and .severity == "minor" and
    (.location.path | startswith("label/blobs/sha256/")) and (.description | endswith(" (/config)")))' \
    "$RUN_STDOUT_FILE"
check "the unreadable input, critical" jq -e 'any(.[]; .check_name == "unreadable input" and
    .severity == "critical" and .location.path == "gone.tar")' "$RUN_STDOUT_FILE"
cp "$RUN_STDOUT_FILE" first.json
run "$validate" --format gitlab hello mismatch label gone.tar
check "the same report on a second run" cmp first.json "$RUN_STDOUT_FILE"

describe "gitlab: a valid input gives an empty report and exit 0"
run "$validate" --format gitlab --quiet "$OCIWASM_SOURCE_DIR/fixtures/spin-v1-config/hello"
assert_exit 0
check "only the info finding" jq -e 'length == 1 and .[0].severity == "info"' "$RUN_STDOUT_FILE"

describe "junit: one testcase per input, one failure per error finding"
run "$validate" --format junit hello mismatch label gone.tar
assert_exit 3
check "valid against schemas/junit.xsd" xmllint --noout --schema "$xsd" "$RUN_STDOUT_FILE"
xpath() { xmllint --xpath "$1" "$RUN_STDOUT_FILE" 2> /dev/null; }
check "4 testcases" test "$(xpath 'count(//testcase)')" = 4
check "4 tests counted" test "$(xpath 'string(/testsuites/@tests)')" = 4
check "1 failed input (label has warnings only)" test "$(xpath 'string(/testsuites/testsuite/@failures)')" = 1
check "1 error (the unreadable input)" test "$(xpath 'string(/testsuites/testsuite/@errors)')" = 1
errors_mismatch="$("$validate" --format json mismatch | jq '.summary.errors')"
check "one failure per error finding of mismatch" \
    test "$(xpath 'count(//testcase[@name="mismatch"]/failure)')" = "$errors_mismatch"
check "the failure is typed with its code" \
    test "$(xpath 'count(//testcase[@name="mismatch"]/failure[@type="OCI-DIGEST-MISMATCH"])')" -ge 1
check "a warning is no failure" test "$(xpath 'count(//testcase[@name="label"]/failure)')" = 0
check "the warning is in system-out" \
    xpath '//testcase[@name="label"]/system-out[contains(., "SPIN-LABEL-MISSING")]'
check "the valid input passes" test "$(xpath 'count(//testcase[@name="hello"]/*[self::failure or self::error])')" = 0
check "the unreadable input is an error" \
    xpath '//testcase[@name="gone.tar"]/error[contains(@message, "cannot open")]'

describe "junit --strict: warnings fail too"
run "$validate" --format junit --strict label
assert_exit 1
check "valid against the schema" xmllint --noout --schema "$xsd" "$RUN_STDOUT_FILE"
check "the warning is a failure" \
    test "$(xpath 'count(//testcase[@name="label"]/failure[@type="SPIN-LABEL-MISSING"])')" = 1

describe "hostile input names: still valid XML and valid UTF-8 JSON"
odd=$'odd <&"\'>\x01\x1b\xff\xfe name'
cp -r mismatch "$odd"
run "$validate" --format junit "$odd"
assert_exit 1
check "well-formed and valid XML" xmllint --noout --schema "$xsd" "$RUN_STDOUT_FILE"
check "the name comes back escaped" test "$(xpath 'string(//testcase/@name)')" = \
    $'odd <&"\'>\\x01\\x1B\xef\xbf\xbd\xef\xbf\xbd name'
run "$validate" --format gitlab "$odd"
check "valid UTF-8" iconv -f UTF-8 -t UTF-8 "$RUN_STDOUT_FILE"
check "parses as JSON, bad bytes as U+FFFD" jq -e \
    'all(.[]; .location.path | startswith("odd <&\"'"'"'>\u0001\u001b\ufffd\ufffd name/"))' "$RUN_STDOUT_FILE"

describe "--help names the new formats"
run "$validate" --help
assert_contains stdout 'gitlab (GitLab Code'
assert_matches stdout 'junit \(JUnit XML, one testcase per input\)$' 
finish
