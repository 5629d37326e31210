#!/usr/bin/env bash
# Everything oci-wasm-convert writes (both directions; directory, tar, tar.gz and tar.zst
# output) is read by real tools: `skopeo inspect --raw` returns the manifest bytes our index.json
# names, `skopeo copy oci-archive:OUT oci:DIR2` unpacks the tars into layouts that validate clean
# with the same manifest digests, and `umoci ls` lists the refs.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

convert="$OCIWASM_BIN/oci-wasm-convert"
validate="$OCIWASM_BIN/oci-wasm-validate"
inspect="$OCIWASM_BIN/oci-wasm-inspect"
fixtures="$OCIWASM_SOURCE_DIR/fixtures"

for tool in umoci skopeo jq; do
    if ! command -v "$tool" > /dev/null; then
        printf '%s: FAIL: expected %s on PATH (scripts/test.sh installs it), found none\n' \
            "$TEST_NAME" "$tool" >&2
        exit 1
    fi
done
policy="$TEST_TMP/policy.json"
printf '{"default":[{"type":"insecureAcceptAnything"}]}' > "$policy"

# refs_and_digests INPUT: "ref digest" lines of index.json, through our own inspect.
refs_and_digests() {
    "$inspect" --format json "$1" | jq -r '.manifests[] | "\(.refName) \(.digest)"'
}

# check_readers OUT: what the real tools make of one converted output.
check_readers() {
    local out="$1" transport=oci
    [[ -d "$out" ]] || transport=oci-archive
    describe "$out validates clean"
    run "$validate" "$out"
    assert_exit 0
    assert_matches stdout "^$out: valid \(0 errors, [0-9]+ warnings?, [0-9]+ info\)"

    local pairs ref digest
    pairs="$(refs_and_digests "$out")"
    check "$out to have index.json entries" test -n "$pairs"
    while read -r ref digest; do
        describe "skopeo inspect --raw $transport:$out:$ref"
        run skopeo --policy "$policy" inspect --raw "$transport:$out:$ref"
        assert_exit 0
        check "the manifest bytes of $digest" test \
            "sha256:$(sha256sum < "$RUN_STDOUT_FILE" | cut -d' ' -f1)" = "$digest"
        if [[ "$transport" == oci-archive ]]; then
            local copy
            copy="$TEST_TMP/copy-$(basename "$out")-${ref//[:\/]/_}"
            describe "skopeo copy oci-archive:$out:$ref oci:$copy"
            run skopeo --policy "$policy" copy --quiet --all "oci-archive:$out:$ref" "oci:$copy:$ref"
            assert_exit 0
            run "$validate" "$copy"
            assert_exit 0
            assert_not_contains stdout ": error: "
            check "the copy to keep manifest $digest" test \
                "$(jq -r '.manifests[0].digest' "$copy/index.json")" = "$digest"
            run umoci ls --layout "$copy"
            assert_exit 0
            assert_equals stdout "$ref"
        fi
    done <<< "$pairs"
    if [[ "$transport" == oci ]]; then
        describe "umoci ls --layout $out"
        run umoci ls --layout "$out"
        assert_exit 0
        assert_equals stdout "$(cut -d' ' -f1 <<< "$pairs")"
    fi
}

# convert_and_check DESCRIPTION ARGS... OUT: converts, then checks OUT with the readers.
convert_and_check() {
    local what="$1"
    shift
    local out="${*: -1}"
    describe "oci-wasm-convert $what"
    run "$convert" "$@"
    assert_exit 0
    assert_matches stdout ': [1-9][0-9]* converted, '
    check_readers "$out"
}

for suffix in "" .tar .tar.gz .tar.zst; do
    convert_and_check "old -> new ($suffix)" --to new "$fixtures/spin-v1-config/multi" \
        "$TEST_TMP/multi-new$suffix"
    convert_and_check "new -> old ($suffix)" --to old "$fixtures/spin-oci-layer/multi" \
        "$TEST_TMP/multi-old$suffix"
done
convert_and_check "old -> new, a tar in" --to new "$fixtures/spin-v1-config/hello.tar" \
    "$TEST_TMP/hello-new"
convert_and_check "new -> old, a tar in" --to old "$fixtures/spin-oci-layer/hello.tar" \
    "$TEST_TMP/hello-old.tar"
convert_and_check "new -> old, lossy (an archive layer expanded)" --to old --allow-lossy \
    "$fixtures/spin-oci-layer/archive" "$TEST_TMP/archive-old"
convert_and_check "mixed -> old (the container image passes through)" --to old \
    "$fixtures/mixed" "$TEST_TMP/mixed-old"
convert_and_check "mixed -> old, tar" --to old "$fixtures/mixed" "$TEST_TMP/mixed-old.tar"

describe "the converted formats are what the readers saw"
run "$inspect" --format json "$TEST_TMP/multi-new.tar.zst"
check "multi-new is spin-oci-layer" jq -e '.formats == ["spin-oci-layer"]' "$RUN_STDOUT_FILE"
run "$inspect" --format json "$TEST_TMP/mixed-old"
check "mixed-old holds the old format and the image" jq -e \
    '.formats == ["spin-v1-config","oci-image"]' "$RUN_STDOUT_FILE"

# umoci reads image configs only: the new format's config is one, the old format's is the
# lockfile, which umoci refuses by media type.
describe "umoci stat reads a converted new-format app (an image config without history)"
run umoci stat --image "$TEST_TMP/multi-new:multi:v1"
assert_exit 0
assert_contains stdout "LAYER"
describe "umoci stat refuses the old format's config (the lockfile)"
run umoci stat --image "$TEST_TMP/multi-old:multi:v1"
check "umoci stat to fail on the old format (exit $RUN_STATUS)" test "$RUN_STATUS" -ne 0
assert_contains stderr "unknown config blob type: application/vnd.fermyon.spin.application.v1+config"

finish
