#!/usr/bin/env bash
# A tar entry name (or link target) longer than 4096 bytes is one finding, TAR-NAME-TOO-LONG,
# showing 200 bytes of it and its length, and the name is not kept (issue 13 item 9): before,
# 1,200 PAX names of 256 KiB in a 424 KB tar.gz took 4 GB of memory and made 944 MB of JSON.
# The tar is made here by GNU tar.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

validate="$OCIWASM_BIN/oci-wasm-validate"
readonly MAX_RSS_MIB=64

# NAMES entries under blobs/sha256/ with PAX names of 256 KiB (GNU tar's --transform makes them:
# no file system allows such names), plus a symlink and a hardlink whose targets are that long.
readonly NAMES=300
names="$TEST_TMP/names"
new_layout "$names"
printf '{"schemaVersion":2,"manifests":[]}' > "$names/index.json"
mkdir "$names/n"
for ((i = 0; i < NAMES; i++)); do : > "$names/n/$i"; done
ln -s n/0 "$names/x"
ln "$names/n/0" "$names/y"
part="$(head -c $((64 * 1024)) /dev/zero | tr '\0' a)"
transforms=()
for _ in 1 2 3 4; do transforms+=(--transform "s|^n/|n/$part|"); done
(cd "$names" && tar --format=pax -cf - "${transforms[@]}" --transform 's|^n/|blobs/sha256/|' \
    oci-layout index.json blobs n x y) | gzip -n > "$TEST_TMP/names.tar.gz"
readonly LONG=$((4 * 64 * 1024 + 13))  # blobs/sha256/ and the 256 KiB, before the entry's number
check "GNU tar wrote names of 256 KiB" test "$(tar -tzf "$TEST_TMP/names.tar.gz" | awk 'length($0) > 262144' | wc -l)" -ge "$NAMES"
shown="blobs/sha256/$(head -c $((200 - 13)) /dev/zero | tr '\0' a)..."

for format in text json; do
    describe "$NAMES entries named by 256 KiB, --format $format"
    out="$TEST_TMP/names.$format"
    run_measured_to "$out" "$validate" --format "$format" "$TEST_TMP/names.tar.gz"
    assert_bounded_run 1 "$MAX_RSS_MIB"
    check "under 1 KiB of output per entry" test "$(stat -c %s "$out")" -lt $((NAMES * 1024))
    if [[ "$format" == text ]]; then
        check "one finding per entry, its name cut to 200 bytes and its length" test \
            "$(grep -cE "^$TEST_TMP/names.tar.gz: $shown \(${LONG:0:3}[0-9]+ bytes\): error: TAR-NAME-TOO-LONG: expected an entry name of at most 4096 bytes, found ${LONG:0:3}[0-9]+ bytes; the entry is not read$" "$out")" \
            = "$NAMES"
        check "a symlink to a long name: one finding" grep -qE \
            "^$TEST_TMP/names.tar.gz: x: error: TAR-NAME-TOO-LONG: expected a link target of at most 4096 bytes, found $((LONG + 1)) bytes \(a symlink to $shown \($((LONG + 1)) bytes\)\); the entry is not read$" "$out"
        check "a hardlink to a long name: one finding" grep -qE \
            "^$TEST_TMP/names.tar.gz: y: error: TAR-NAME-TOO-LONG: expected a link target of at most 4096 bytes, found $((LONG + 1)) bytes \(a hardlink to $shown \($((LONG + 1)) bytes\)\); the entry is not read$" "$out"
        check "nothing else about those entries" test "$(grep -c ': error: ' "$out")" = $((NAMES + 2))
    else
        check "one finding per entry" test \
            "$(jq '[.findings[] | select(.code == "TAR-NAME-TOO-LONG")] | length' "$out")" = $((NAMES + 2))
        check "no file longer than the 200 bytes shown and its length" test \
            "$(jq '[.findings[].file | length] | max' "$out")" -lt 240
    fi
done

finish
