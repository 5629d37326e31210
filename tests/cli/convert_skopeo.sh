#!/usr/bin/env bash
# Real OCI tools read what oci-wasm-convert writes: skopeo inspects the converted layout and
# copies the converted tar into a fresh layout (both directions).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

convert="$OCIWASM_BIN/oci-wasm-convert"
fixtures="$OCIWASM_SOURCE_DIR/fixtures"
t="$TEST_TMP"

if ! command -v skopeo > /dev/null; then
    echo "$TEST_NAME: skipped: skopeo is not installed (apt-get install skopeo)"
    exit 0
fi

for direction in new old; do
    if [[ $direction == new ]]; then src="$fixtures/spin-v1-config/multi"; else src="$fixtures/spin-oci-layer/multi"; fi

    describe "--to $direction: skopeo inspect --raw reads the converted layout"
    run "$convert" --to "$direction" "$src" "$t/$direction"
    assert_exit 0
    manifest_digest="$(jq -r '.manifests[0].digest' "$t/$direction/index.json")"
    run skopeo inspect --raw "oci:$t/$direction"
    assert_exit 0
    check "skopeo returns the converted manifest bytes" \
        cmp "$RUN_STDOUT_FILE" "$t/$direction/blobs/sha256/${manifest_digest#sha256:}"
    run skopeo inspect --raw "oci:$t/$direction:multi:v1"
    assert_exit 0

    describe "--to $direction: skopeo copy oci-archive:OUT.tar oci:DIR2"
    run "$convert" --to "$direction" "$src" "$t/$direction.tar"
    assert_exit 0
    run skopeo copy "oci-archive:$t/$direction.tar" "oci:$t/$direction-copy:multi:v1"
    assert_exit 0
    check "the copy holds the same manifest" test -f "$t/$direction-copy/blobs/sha256/${manifest_digest#sha256:}"
    run skopeo inspect --raw "oci:$t/$direction-copy:multi:v1"
    assert_exit 0
    check "the copied manifest has the same bytes" \
        cmp "$RUN_STDOUT_FILE" "$t/$direction/blobs/sha256/${manifest_digest#sha256:}"
done

finish
