#!/usr/bin/env bash
# Every finding code has a broken fixture (fixtures/broken/<CODE>/, see fixtures/README.md) that
# triggers exactly that code: the tool's exit code, the code with its severity, file and pointer,
# and the set of error and warning codes (plus `also=`, where a second code is unavoidable) are
# checked. tests/cli/broken_reproducible.sh checks that the script writes what is committed.
#   BROKEN_ONLY="CODE..." tests/cli/broken_fixtures.sh    checks only these fixtures
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BROKEN="$OCIWASM_SOURCE_DIR/fixtures/broken"
VALIDATE="$OCIWASM_BIN/oci-wasm-validate"
CONVERT="$OCIWASM_BIN/oci-wasm-convert"
# OCI-BLOB-UNREADABLE needs a blob that reads differently the second time (an I/O error or a
# change during the run): no file on disk does that deterministically.
KNOWN_UNCOVERED="OCI-BLOB-UNREADABLE"

# Generators of the inputs too big to commit: GENERATOR DIR writes DIR/INPUT.

# index.json just over the 16 MiB the validator reads of it (sparse: no disk is used).
big_index_json() {
    cp -r "$BROKEN/LAYOUT-FILE-TOO-LARGE/layout" "$1/layout"
    truncate -s $((16 * 1024 * 1024 + 1)) "$1/layout/index.json"
}

# hello with a 4 MiB annotation on its manifest.
big_manifest() {
    local layout="$1/layout" manifest hex size
    cp -r "$OCIWASM_SOURCE_DIR/fixtures/spin-oci-layer/hello" "$layout"
    manifest="$(jq -r '.manifests[0].digest | ltrimstr("sha256:")' "$layout/index.json")"
    head -c $((4 * 1024 * 1024)) /dev/zero | tr '\0' x > "$TEST_TMP/pad"
    jq -cSj --rawfile pad "$TEST_TMP/pad" '.annotations["org.example.pad"] = $pad' \
        "$layout/blobs/sha256/$manifest" > "$TEST_TMP/manifest"
    rm "$layout/blobs/sha256/$manifest"
    hex="$(sha256sum "$TEST_TMP/manifest" | cut -d' ' -f1)"
    size="$(stat -c %s "$TEST_TMP/manifest")"
    mv "$TEST_TMP/manifest" "$layout/blobs/sha256/$hex"
    jq -cSj --arg d "sha256:$hex" --argjson s "$size" \
        '.manifests[0].digest = $d | .manifests[0].size = $s' "$layout/index.json" \
        > "$TEST_TMP/index" && mv "$TEST_TMP/index" "$layout/index.json"
}

# hello's config replaced by 64 MiB + 1 of zeros (sparse), named by its digest.
big_config() {
    local layout="$1/layout" config hex
    cp -r "$BROKEN/OCI-DOCUMENT-TOO-LARGE/layout" "$layout"
    config="$(jq -r '.config.digest | ltrimstr("sha256:")' "$layout/blobs/sha256/$(jq -r \
        '.manifests[0].digest | ltrimstr("sha256:")' "$layout/index.json")")"
    truncate -s $((64 * 1024 * 1024 + 1)) "$TEST_TMP/config"
    hex="$(sha256sum "$TEST_TMP/config" | cut -d' ' -f1)"
    rm "$layout/blobs/sha256/$config"
    mv "$TEST_TMP/config" "$layout/blobs/sha256/$hex"
    replace_digest "$layout" "sha256:$config" "sha256:$hex" $((64 * 1024 * 1024 + 1))
}

# replace_digest LAYOUT OLD NEW SIZE: the one manifest of LAYOUT names NEW (of SIZE) for OLD.
replace_digest() {
    local layout="$1" manifest hex size
    manifest="$(jq -r '.manifests[0].digest | ltrimstr("sha256:")' "$layout/index.json")"
    jq -cSj --arg old "$2" --arg new "$3" --argjson size "$4" '
        (.config, .layers[]) |= if .digest == $old then .digest = $new | .size = $size else . end' \
        "$layout/blobs/sha256/$manifest" > "$TEST_TMP/manifest"
    rm "$layout/blobs/sha256/$manifest"
    hex="$(sha256sum "$TEST_TMP/manifest" | cut -d' ' -f1)"
    size="$(stat -c %s "$TEST_TMP/manifest")"
    mv "$TEST_TMP/manifest" "$layout/blobs/sha256/$hex"
    jq -cSj --arg d "sha256:$hex" --argjson s "$size" \
        '.manifests[0].digest = $d | .manifests[0].size = $s' "$layout/index.json" \
        > "$TEST_TMP/index" && mv "$TEST_TMP/index" "$layout/index.json"
}

# archive with 5 MiB of incompressible bytes added to its archive layer, as a tar whose blobs
# come before the manifest: on stdin the layer streams by before anything says it is an archive,
# and it is too large to keep.
big_archive_layer() {
    local layout="$1/layout" archive hex size
    cp -r "$BROKEN/SPIN-ARCHIVE-UNCHECKED/layout" "$layout"
    archive="$(jq -r '.layers[1].digest | ltrimstr("sha256:")' "$layout/blobs/sha256/$(jq -r \
        '.manifests[0].digest | ltrimstr("sha256:")' "$layout/index.json")")"
    mkdir "$TEST_TMP/members"
    tar -xzf "$layout/blobs/sha256/$archive" -C "$TEST_TMP/members"
    openssl enc -aes-128-ctr -K 00000000000000000000000000000000 -iv 00000000000000000000000000000000 \
        < /dev/zero 2> /dev/null | head -c $((5 * 1024 * 1024)) > "$TEST_TMP/members/noise.bin"
    tar -czf "$TEST_TMP/archive" -C "$TEST_TMP/members" .
    hex="$(sha256sum "$TEST_TMP/archive" | cut -d' ' -f1)"
    size="$(stat -c %s "$TEST_TMP/archive")"
    rm "$layout/blobs/sha256/$archive"
    mv "$TEST_TMP/archive" "$layout/blobs/sha256/$hex"
    replace_digest "$layout" "sha256:$archive" "sha256:$hex" "$size"
    (cd "$layout" && tar -cf "$1/layout.tar" --sort=name oci-layout blobs index.json)
}

# wasm-container-image with 5 MiB of incompressible bytes added to hello:v1's filesystem layer,
# as a tar whose blobs come before the manifest: on stdin the layer streams by before anything
# says it is one, and it is too large to keep.
big_filesystem_layer() {
    local layout="$1/layout" layer
    cp -r "$BROKEN/WASM-FILES-UNCHECKED/layout" "$layout"
    layer="$(jq -r '.layers[0].digest | ltrimstr("sha256:")' "$layout/blobs/sha256/$(jq -r \
        '.manifests[0].digest | ltrimstr("sha256:")' "$layout/index.json")")"
    mkdir "$TEST_TMP/rootfs"
    tar -xzf "$layout/blobs/sha256/$layer" -C "$TEST_TMP/rootfs"
    openssl enc -aes-128-ctr -K 00000000000000000000000000000000 -iv 00000000000000000000000000000000 \
        < /dev/zero 2> /dev/null | head -c $((5 * 1024 * 1024)) > "$TEST_TMP/rootfs/noise.bin"
    tar -czf "$TEST_TMP/layer" -C "$TEST_TMP/rootfs" .
    chmod -R u+w "$layout"
    replace_blob "$layout" "sha256:$layer" "$TEST_TMP/layer"
    (cd "$layout" && tar -cf "$1/layout.tar" --sort=name oci-layout blobs index.json)
}

# hello plus a 5 MiB blob and a hardlink to it named by its sha512, as a tar on stdin: the
# link's algorithm is known only after the bytes streamed by, too many to keep.
hardlinked_sha512() {
    local layout="$1/layout" hex
    cp -r "$BROKEN/TAR-LINK-UNVERIFIED/layout" "$layout"
    head -c $((5 * 1024 * 1024)) /dev/zero | tr '\0' x > "$TEST_TMP/big"
    hex="$(sha256sum "$TEST_TMP/big" | cut -d' ' -f1)"
    mv "$TEST_TMP/big" "$layout/blobs/sha256/$hex"
    mkdir "$layout/blobs/sha512"
    ln "$layout/blobs/sha256/$hex" \
        "$layout/blobs/sha512/$(sha512sum "$layout/blobs/sha256/$hex" | cut -d' ' -f1)"
    (cd "$layout" && tar -cf "$1/layout.tar" --sort=name oci-layout index.json blobs)
}

# expected_codes: the error and warning codes of the fixture's expect file, sorted.
expected_codes() {
    local codes=()
    if [[ "$severity" != info ]]; then codes+=("$code"); fi
    # shellcheck disable=SC2206
    codes+=(${also:-})
    printf '%s\n' "${codes[@]}" | sed '/^$/d' | sort -u
}

# No finding's message repeats its own file or pointer: the JSON has them as members of their
# own and every other format prints them before the message.
check_messages_without_location() {
    local repeats
    if ! repeats="$(jq -r '.findings[] | .file as $f | .pointer as $p
        | select(($f != "" and (.message | contains($f))) or ($p != "" and (.message | contains($p))))
        | "\(.code) at \($f)#\($p): \(.message)"' "$RUN_STDOUT_FILE")"; then
        fail "expected JSON findings with file, pointer and message"
    elif [[ -z "$repeats" ]]; then
        pass
    else
        fail "expected no message to repeat its own file or pointer, found: $repeats"
    fi
}

# One jq reads the report: whether it is JSON, the expected finding, messages that repeat their
# own location, and the error/warning codes (a jq call costs about 40 ms; four per fixture did).
check_validate() {
    local target="$1" name="$2" report="" found_expected="" repeats="" found="" expected=""
    local cmd=("$VALIDATE" --format json)
    # shellcheck disable=SC2206
    cmd+=(${args:-})
    if [[ "${stdin:-}" == 1 ]]; then
        run_with_stdin "$target" "${cmd[@]}" -
    else
        run "${cmd[@]}" "$target"
    fi
    assert_exit "$exit"
    if report="$(jq -r --arg c "$code" --arg s "$severity" --arg f "${file-}" \
        --arg p "${pointer:-}" --arg anyfile "${file+x}" --arg also "${also:-}" '
        ([.findings[] | select(.code == $c and .severity == $s and .pointer == $p
                               and ($anyfile == "" or .file == $f))] | length > 0),
        ([.findings[] | .file as $f | .pointer as $p
          | select(($f != "" and (.message | contains($f))) or ($p != "" and (.message | contains($p))))
          | "\(.code) at \($f)#\($p): \(.message)"] | join("; ") | @json),
        ([.findings[] | select(.severity != "info") | .code] | unique | join(" ")),
        ([if $s == "info" then empty else $c end] + ($also | split(" ") | map(select(. != "")))
         | unique | join(" ")), "end"' \
        "$RUN_STDOUT_FILE" 2> /dev/null)" && [[ "$report" == *$'\n'end ]]; then
        pass
        { read -r found_expected; read -r repeats; read -r found; read -r expected; } <<< "$report"
    else
        fail "expected one JSON report on stdout, with findings of file, pointer and message"
        return
    fi
    if [[ "$found_expected" == true ]]; then
        pass
    else
        fail "expected $code ($severity) at '${file:-*}#${pointer:-}'"
    fi
    if [[ "$repeats" == '""' ]]; then
        pass
    else
        fail "expected no message to repeat its own file or pointer, found: $repeats"
    fi
    if [[ "$found" == "$expected" ]]; then
        pass
    else
        fail "$name: expected error/warning codes {$expected}, found {$found}"
    fi
}

check_convert() {
    local target="$1"
    # shellcheck disable=SC2206
    local cmd=("$CONVERT" ${args:-} --dry-run --format json "$target")
    run "${cmd[@]}"
    assert_exit "$exit"
    check_messages_without_location
    assert_matches stderr "^oci-wasm-convert: .*${file:-}${pointer:+#$pointer}: (warning: )?$code: "
    # Refusals list every problem, and the validator's warnings come with them: no other code
    # may be there.
    local others
    others="$(grep -oE ': (CONVERT-[A-Z-]+|warning: [A-Z0-9-]+): ' <<< "$RUN_STDERR" |
        sed -e 's/^: //' -e 's/^warning: //' -e 's/: $//' | sort -u)"
    if [[ "$others" == "$(expected_codes)" ]]; then pass; else fail "expected only $code on stderr, found {$(paste -sd' ' <<< "$others")}"; fi
}

check_fixture() {
    local dir="$1" name target
    name="$(basename "$dir")"
    local tool=validate args="" input="" stdin="" code="" severity="" file pointer="" exit=""
    local also="" generated="" uncovered=""
    unset file
    # shellcheck source=/dev/null
    source "$dir/expect"
    describe "broken/$name"
    check "the expect file names its own code" test "$code" = "$name"
    if [[ -n "$uncovered" ]]; then
        # A code no input file can trigger; only those listed in KNOWN_UNCOVERED may say so.
        check "$name to be a known exception" grep -qxF -- "$name" <<< "$KNOWN_UNCOVERED"
        return
    fi
    target="$dir/$input"
    if [[ -n "$generated" ]]; then
        mkdir -p "$TEST_TMP/$name"
        "$generated" "$TEST_TMP/$name"
        target="$TEST_TMP/$name/$input"
    fi
    check "the input $input to exist" test -e "$target"
    case "$tool" in
        validate) check_validate "$target" "$name" ;;
        convert) check_convert "$target" ;;
        *) fail "expect: tool is validate or convert, found $tool" ;;
    esac
}

if [[ -n "${BROKEN_ONLY:-}" ]]; then
    for only in $BROKEN_ONLY; do check_fixture "$BROKEN/$only"; done
    finish
fi

describe "every code in the README tables has a broken fixture"
code_pattern='(OCI|SPIN|TAR|LAYOUT|WASM|JSON|CONVERT)-[A-Z0-9]+(-[A-Z0-9]+)*'
documented="$(grep -oE "^\| \`$code_pattern\`" "$OCIWASM_SOURCE_DIR/README.md" | tr -d '|` ' | sort -u)"
check "at least 60 documented codes" test "$(wc -l <<< "$documented")" -ge 60
while read -r code; do
    if [[ -f "$BROKEN/$code/expect" ]]; then pass; else fail "expected fixtures/broken/$code/expect"; fi
done <<< "$documented"
for dir in "$BROKEN"/*/; do
    name="$(basename "$dir")"
    if grep -qxF -- "$name" <<< "$documented"; then pass; else fail "fixtures/broken/$name names no documented code"; fi
done

for dir in "$BROKEN"/*/; do check_fixture "${dir%/}"; done

finish
