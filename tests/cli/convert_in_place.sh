#!/usr/bin/env bash
# --in-place on a symlink converts the layout the link leads to and keeps the link (issue 13
# item 5: the link used to be replaced by a converted directory, its target left unconverted).
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

convert="$OCIWASM_BIN/oci-wasm-convert"
inspect="$OCIWASM_BIN/oci-wasm-inspect"
hello="$OCIWASM_SOURCE_DIR/fixtures/spin-v1-config/hello"

for kind in directory tar; do
    target="$TEST_TMP/$kind/real"
    mkdir -p "$TEST_TMP/$kind"
    if [[ "$kind" == directory ]]; then
        cp -r "$hello" "$target"
        chmod -R u+w "$target"
    else
        target="$target.tar"
        tar -C "$hello" -cf "$target" oci-layout index.json blobs
    fi
    link="$TEST_TMP/$kind/link"
    ln -s "$target" "$link"

    describe "$kind: convert --in-place LINK converts the target"
    run "$convert" --in-place --to new "$link"
    assert_exit 0
    check "$kind: the link is still a symlink" test -L "$link"
    check "$kind: the link still leads to the target" test "$(readlink "$link")" = "$target"
    run "$inspect" --format json "$target"
    assert_exit 0
    check "$kind: the target is in the new format" jq -e \
        '.manifests[0].format == "spin-oci-layer"' "$RUN_STDOUT_FILE"
done

finish
