#!/usr/bin/env bash
# README recipes "Validate in CI (GitHub Actions)" and "(GitLab CI)": the steps' commands, run as
# written, and the shape of what they print (workflow commands; a SARIF 2.1.0 log code scanning
# accepts; a Code Quality report and JUnit XML that GitLab reads).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

validate="$(cd "$OCIWASM_BIN" && pwd)/oci-wasm-validate"
fixtures="$(cd "$OCIWASM_SOURCE_DIR" && pwd)/fixtures"
hello_wasm=sha256:3bcb7c1811b9eaf774f8a7797784388146ef56ca4d793f4e4088a90afe550490

# The workflow runs in the repository root with relative paths, as the recipe does.
cd "$TEST_TMP" || exit 1
cp "$fixtures/spin-oci-layer/hello.tar" app.tar
cp -r "$fixtures/spin-oci-layer/hello" app
chmod -R u+w app
cp -r app broken
printf 'junk' >> "broken/blobs/sha256/${hello_wasm#sha256:}"

describe "github, valid app: no annotations at all with --quiet, exit 0 (the step passes)"
run "$validate" --format github --quiet app.tar
assert_exit 0
assert_empty stdout
describe "github without --quiet: notices for info findings"
run "$validate" --format github app.tar
assert_exit 0
assert_line_count stdout 1
assert_matches stdout '^::notice file=app\.tar,title=WASM-KIND::this layer is a core wasm module \(version 1\)'

describe "github, broken app: one ::error per error finding, exit 1 (the step fails)"
run "$validate" --format github --quiet broken
assert_exit 1
assert_line_count stdout 2
assert_matches stdout "^::error file=broken/blobs/sha256/${hello_wasm#sha256:},title=OCI-DIGEST-MISMATCH::expected content hashing to $hello_wasm \(its name\), found sha256:[0-9a-f]{64}$"
assert_matches stdout '^::error file=broken/blobs/sha256/[0-9a-f]{64},title=OCI-SIZE-MISMATCH::'
check "every line a workflow command" bash -c \
    "! grep -Ev '^::(error|warning|notice) file=[^,]+,title=[A-Z0-9-]+::' '$RUN_STDOUT_FILE'"

describe "sarif: the recipe's redirect writes a SARIF log even when validation fails"
run bash -c "'$validate' --format sarif broken > oci-wasm.sarif"
assert_exit 1
check "oci-wasm.sarif to parse as JSON" jq -e . oci-wasm.sarif
check "SARIF 2.1.0 with its schema" jq -e \
    '.version == "2.1.0" and (."$schema" | test("sarif-schema-2.1.0"))' oci-wasm.sarif
check "one run by oci-wasm-validate" jq -e \
    '(.runs | length) == 1 and .runs[0].tool.driver.name == "oci-wasm-validate"' oci-wasm.sarif
check "a rule for every result" jq -e \
    '.runs[0] as $run | [$run.results[].ruleId] - [$run.tool.driver.rules[].id] == []' \
    oci-wasm.sarif
check "error results for both findings" jq -e \
    '[.runs[0].results[] | select(.level == "error") | .ruleId] | sort == ["OCI-DIGEST-MISMATCH","OCI-SIZE-MISMATCH"]' \
    oci-wasm.sarif
check "locations relative to the repository root (upload-sarif needs them)" jq -e \
    '[.runs[0].results[].locations[0].physicalLocation.artifactLocation | select(.uriBaseId == "%SRCROOT%") | .uri | startswith("broken/blobs/sha256/")] | length >= 2' \
    oci-wasm.sarif
check "the tampered blob's file exists where SARIF points" test -f \
    "$(jq -r '.runs[0].results[] | select(.ruleId == "OCI-DIGEST-MISMATCH") | .locations[0].physicalLocation.artifactLocation.uri' oci-wasm.sarif)"

describe "sarif, valid app: exit 0, results are notes only"
run bash -c "'$validate' --format sarif app > oci-wasm.sarif"
assert_exit 0
check "only note results" jq -e '[.runs[0].results[].level] | unique == ["note"]' oci-wasm.sarif

describe "gitlab job: both reports written, the job fails on errors (exit 1)"
cp -r broken other
gitlab_script='status=0
oci-wasm-validate --format gitlab app.tar other/ > gl-code-quality.json || status=$?
oci-wasm-validate --format junit app.tar other/ > oci-wasm-junit.xml || true
exit $status'
run env PATH="$(dirname "$validate"):$PATH" bash -c "$gitlab_script"
assert_exit 1
check "a Code Quality array with the two errors, major" jq -e \
    '[.[] | select(.severity == "major") | .check_name] | sort == ["OCI-DIGEST-MISMATCH","OCI-SIZE-MISMATCH"]' \
    gl-code-quality.json
check "paths relative to the repository root, files that exist" bash -c \
    'jq -r ".[].location.path" gl-code-quality.json | while read -r p; do test -e "$p" || exit 1; done'
check "JUnit XML valid against schemas/junit.xsd" \
    xmllint --noout --schema "$OCIWASM_SOURCE_DIR/schemas/junit.xsd" oci-wasm-junit.xml
check "app.tar passes, other/ fails twice" test \
    "$(xmllint --xpath 'concat(count(//testcase[@name="app.tar"]/failure), " ", count(//testcase[@name="other/"]/failure))' oci-wasm-junit.xml)" = "0 2"
describe "gitlab job, valid apps: exit 0 (the job passes)"
rm -rf other && cp -r app other
run env PATH="$(dirname "$validate"):$PATH" bash -c "$gitlab_script"
assert_exit 0
check "no failure in the JUnit report" test "$(xmllint --xpath 'count(//failure)' oci-wasm-junit.xml)" = 0

finish
