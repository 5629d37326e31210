#!/usr/bin/env bash
# README recipe "Validate a whole registry mirror in parallel": a local registry holding four
# apps (valid new format, valid old format, one with a warning, one with an error), mirrored
# with `skopeo sync --dest dir`, then the README's recipe block run as it is: its report and its
# exit status (1 with an invalid image, 3 when an image cannot be copied, 0 when all are valid).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/registry_lib.sh"

bin="$(cd "$OCIWASM_BIN" && pwd)"
fixtures="$(cd "$OCIWASM_SOURCE_DIR" && pwd)/fixtures"
export PATH="$bin:$PATH"
command -v jq > /dev/null || registry_fail "expected jq on PATH, found none"

# The recipe block, from the README itself.
recipe="$TEST_TMP/recipe.sh"
awk '/^<!-- recipe: validate-mirror/ { found = 1; next }
     found && /^```sh$/ { inside = 1; next }
     inside && /^```$/ { exit }
     inside { print }' "$OCIWASM_SOURCE_DIR/README.md" > "$recipe"
check "the recipe block in the README" grep -q 'xargs -0 -r -P' "$recipe"

start_registry
cd "$TEST_TMP" || exit 1
describe "setup: four apps in the registry"
for app in "spin-oci-layer/hello hello" "spin-v1-config/hello old" \
    "broken/SPIN-LABEL-MISSING/layout label" "broken/SPIN-TRIGGER-COMPONENT-MISSING/layout broken"; do
    set -- $app
    run skopeo_copy --dest-tls-verify=false "oci:$fixtures/$1:hello:v1" "docker://$REGISTRY/apps/$2:v1"
    assert_exit 0
done

describe "skopeo sync --dest dir mirrors them"
for repo in hello old label broken; do
    run skopeo --policy "$REGISTRY_POLICY" sync --src docker --dest dir --scoped \
        --src-tls-verify=false "$REGISTRY/apps/$repo" mirror/
    assert_exit 0
done
check "four images in the mirror" test "$(find mirror -name manifest.json | wc -l)" = 4

prefix="layouts/mirror_${REGISTRY//:/_}_apps"
describe "the recipe: one report, status 1 (an invalid image)"
run bash "$recipe"
assert_exit 1
check "four images, four validated" jq -e '.images == 4 and .validated == 4 and .status == 1' report.json
check "the broken app is the one invalid input" jq -e --arg i "${prefix}_broken_v1" '.invalid == [$i]' report.json
check "its error, with file and pointer" jq -e --arg i "${prefix}_broken_v1" \
    '.errors | length == 1 and .[0].input == $i and .[0].code == "SPIN-TRIGGER-COMPONENT-MISSING" and .[0].pointer == "/triggers/0/trigger_config/component"' \
    report.json
check "the results are the validator's JSON Lines, one per image" test \
    "$(cat results/*.jsonl | jq -s 'map(.input) | sort | join(" ")' -r)" = \
    "${prefix}_broken_v1 ${prefix}_hello_v1 ${prefix}_label_v1 ${prefix}_old_v1"
check "the layouts keep the registry's digests" test \
    "$(jq -r '.manifests[0].digest' "${prefix}_hello_v1/index.json")" = \
    "$(jq -r '.manifests[0].digest' "$fixtures/spin-oci-layer/hello/index.json")"

describe "an image that cannot be copied: status 3"
rm -rf layouts results report.json
rm "$(find mirror -path '*apps/label:v1/*' -type f ! -name manifest.json ! -name version | head -n 1)"
run bash "$recipe"
assert_exit 3
check "four images, three validated" jq -e '.images == 4 and .validated == 3 and .status == 3' report.json

describe "every image valid: status 0 (warnings allowed)"
rm -rf layouts results report.json "mirror/$REGISTRY/apps/broken:v1" "mirror/$REGISTRY/apps/label:v1"
run bash "$recipe"
assert_exit 0
check "two images, both valid" jq -e '.images == 2 and .validated == 2 and .invalid == [] and .status == 0' report.json

describe "an empty mirror is no success: status 3"
rm -rf layouts results report.json mirror
mkdir mirror
run bash "$recipe"
assert_exit 3
check "no images" jq -e '.images == 0 and .status == 3' report.json
finish
