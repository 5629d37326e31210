#!/usr/bin/env bash
# Hostile layout tars through the real oci-wasm-validate: every case ends in its finding code and
# exit 1 (or exit 3 when nothing is readable), never a crash or a sanitizer report. The tars are
# made here, from the hello fixture, with GNU tar.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

validate="$OCIWASM_BIN/oci-wasm-validate"
hello_tar="$OCIWASM_SOURCE_DIR/fixtures/spin-oci-layer/hello.tar"
layout="$TEST_TMP/hello"
cp -r "$OCIWASM_SOURCE_DIR/fixtures/spin-oci-layer/hello" "$layout"
chmod -R u+w "$layout"
wasm_hex="$(jq -r '.layers[0].digest' "$layout/blobs/sha256/$(jq -r '.manifests[0].digest' \
    "$layout/index.json" | cut -d: -f2)" | cut -d: -f2)"

# A blob name that fits the grammar but names no content of the layout.
fake_hex() { printf '%064d' "$1"; }

# rejects FILE CODE: validating FILE exits 1 with an error finding CODE.
rejects() {
    run "$validate" "$1"
    assert_exit 1
    assert_matches stdout ": error: $2: "
    assert_no_crash
}

# layout_tar OUT [GNU TAR OPTION...]: the hello layout as a tar, with extra options.
layout_tar() {
    local out="$1"
    shift
    tar --format=gnu -b 1 -cPf "$out" -C "$layout" "$@" oci-layout index.json blobs
}

describe "an entry name with a .. component"
layout_tar "$TEST_TMP/traversal.tar" --transform='s,^blobs,../blobs,'
rejects "$TEST_TMP/traversal.tar" TAR-PATH-TRAVERSAL
assert_contains stdout '../blobs/sha256/: error: TAR-PATH-TRAVERSAL: expected an entry name inside the layout, found a ".." component'

describe "a .. component in the middle of a name"
layout_tar "$TEST_TMP/middle.tar" --transform='s,^blobs/sha256,blobs/x/../sha256,'
rejects "$TEST_TMP/middle.tar" TAR-PATH-TRAVERSAL

describe "an absolute entry name"
layout_tar "$TEST_TMP/absolute.tar" --transform='s,^index.json,/index.json,'
rejects "$TEST_TMP/absolute.tar" TAR-ABSOLUTE-PATH
assert_contains stdout "/index.json: error: TAR-ABSOLUTE-PATH: expected an entry name relative to the layout root, found an absolute name"

describe "a blob that is a symlink out of the layout"
cp -r "$layout" "$TEST_TMP/symlink"
rm "$TEST_TMP/symlink/blobs/sha256/$wasm_hex"
ln -s /etc/hostname "$TEST_TMP/symlink/blobs/sha256/$wasm_hex"
tar -cf "$TEST_TMP/symlink.tar" -C "$TEST_TMP/symlink" oci-layout index.json blobs
rejects "$TEST_TMP/symlink.tar" TAR-LINK-ESCAPE
assert_contains stdout "found a symlink to /etc/hostname"

describe "a relative symlink climbing out of the layout"
ln -sfn ../../../../etc/hostname "$TEST_TMP/symlink/blobs/sha256/$wasm_hex"
tar -cf "$TEST_TMP/climb.tar" -C "$TEST_TMP/symlink" oci-layout index.json blobs
rejects "$TEST_TMP/climb.tar" TAR-LINK-ESCAPE

describe "index.json as a symlink to a blob inside the layout"
cp -r "$layout" "$TEST_TMP/inner"
rm "$TEST_TMP/inner/index.json"
ln -s "blobs/sha256/$wasm_hex" "$TEST_TMP/inner/index.json"
tar -cf "$TEST_TMP/inner.tar" -C "$TEST_TMP/inner" oci-layout index.json blobs
rejects "$TEST_TMP/inner.tar" TAR-LINK-ESCAPE
assert_contains stdout "index.json: error: TAR-LINK-ESCAPE: expected a regular file at a layout path"

describe "blobs/ as a symlinked directory, entries beneath it"
mkdir -p "$TEST_TMP/linkdir"
cp "$layout/oci-layout" "$layout/index.json" "$TEST_TMP/linkdir/"
cp -r "$layout/blobs" "$TEST_TMP/linkdir/real"
ln -s real "$TEST_TMP/linkdir/blobs"
tar -cf "$TEST_TMP/linkdir.tar" -C "$TEST_TMP/linkdir" oci-layout index.json blobs
tar -rf "$TEST_TMP/linkdir.tar" -C "$TEST_TMP/linkdir/real" --transform='s,^,blobs/,' sha256
rejects "$TEST_TMP/linkdir.tar" TAR-LINK-ESCAPE

describe "a hardlink whose target leaves the layout"
cp -r "$layout" "$TEST_TMP/hardlink"
# The link's name sorts after its target's, so tar stores the target first and then the link.
late_hex="$(printf 'f%.0s' {1..64})"
ln "$TEST_TMP/hardlink/blobs/sha256/$wasm_hex" "$TEST_TMP/hardlink/blobs/sha256/$late_hex"
# Only the hardlink target is renamed (flags RS: not file names, not symlink targets).
tar --sort=name -b 1 -cPf "$TEST_TMP/hardlink.tar" -C "$TEST_TMP/hardlink" \
    --transform="s,^blobs/sha256/$wasm_hex\$,../../etc/passwd,RS" oci-layout index.json blobs
rejects "$TEST_TMP/hardlink.tar" TAR-LINK-ESCAPE
assert_contains stdout "found a link to ../../etc/passwd"

describe "a hardlink to a name no earlier entry has"
tar --sort=name -b 1 -cf "$TEST_TMP/dangling.tar" -C "$TEST_TMP/hardlink" \
    --transform="s,^blobs/sha256/$wasm_hex\$,blobs/sha256/$(fake_hex 2),RS" oci-layout index.json blobs
rejects "$TEST_TMP/dangling.tar" TAR-LINK-ESCAPE
assert_contains stdout "which no earlier entry provides"

describe "a character device as a blob"
layout_tar "$TEST_TMP/device.tar"
tar -rf "$TEST_TMP/device.tar" -C / --transform="s,^dev/null\$,blobs/sha256/$(fake_hex 3)," dev/null
rejects "$TEST_TMP/device.tar" TAR-SPECIAL-FILE
assert_contains stdout "expected a regular file or directory, found a character device"

describe "a FIFO as index.json"
mkfifo "$TEST_TMP/fifo"
tar -b 1 -cf "$TEST_TMP/fifo.tar" -C "$layout" oci-layout blobs
tar -rf "$TEST_TMP/fifo.tar" -C "$TEST_TMP" --transform='s,^fifo$,index.json,' fifo
rejects "$TEST_TMP/fifo.tar" TAR-SPECIAL-FILE
assert_contains stdout "index.json: error: TAR-SPECIAL-FILE: expected a regular file or directory, found a FIFO"

describe "a second index.json with different content"
layout_tar "$TEST_TMP/duplicate.tar"
printf '{"schemaVersion":2,"manifests":[]}' > "$TEST_TMP/index.json"
tar -rf "$TEST_TMP/duplicate.tar" -C "$TEST_TMP" index.json
rejects "$TEST_TMP/duplicate.tar" TAR-DUPLICATE-ENTRY
assert_contains stdout "index.json: error: TAR-DUPLICATE-ENTRY: expected one entry per path, found a second entry with different content (the first one: "

describe "an empty file is not a tar"
: > "$TEST_TMP/empty.tar"
run "$validate" "$TEST_TMP/empty.tar"
assert_exit 3
assert_contains stderr "$TEST_TMP/empty.tar: expected a tar archive"
assert_no_crash

describe "random bytes are not a tar"
head -c 4096 /dev/urandom > "$TEST_TMP/random.tar"
run "$validate" "$TEST_TMP/random.tar"
assert_exit 3
assert_contains stderr "expected a tar archive"
assert_no_crash

# hello.tar cut at every 512-byte block boundary, plain and gzip'd, from a file and from stdin.
# Every cut that loses anything, even only the end-of-archive marker (two zero blocks), is
# TAR-TRUNCATED; cutting the zero padding after the marker loses nothing.
blocks=$(($(stat -c %s "$hello_tar") / 512))
marker_end=0
while read -r -a words; do
    # "block N: ... SIZE DATE TIME NAME"; the marker follows the last entry's data.
    [[ "${words[0]}" == block && "${words[2]}" != "**" ]] || continue
    start="${words[1]%:}"
    size="${words[4]}"
    marker_end=$((start + 1 + (size + 511) / 512 + 2))
done < <(tar -tvR -f "$hello_tar")
check "the end-of-archive marker inside hello.tar" test "$marker_end" -gt 2 -a "$marker_end" -le "$blocks"
for ((cut = 0; cut <= blocks; cut++)); do
    head -c $((cut * 512)) "$hello_tar" > "$TEST_TMP/cut.tar"
    gzip -n -c "$TEST_TMP/cut.tar" > "$TEST_TMP/cut.tar.gz"
    for input in "$TEST_TMP/cut.tar" "$TEST_TMP/cut.tar.gz" stdin; do
        describe "hello.tar cut after $cut of $blocks blocks ($input)"
        if [[ "$input" == stdin ]]; then
            run_with_stdin "$TEST_TMP/cut.tar" "$validate" -
        else
            run "$validate" "$input"
        fi
        assert_no_crash
        if ((cut == 0)); then
            assert_exit 3
            assert_contains stderr "expected a tar archive"
        elif ((cut < marker_end)); then
            assert_exit 1
            assert_matches stdout ": error: TAR-TRUNCATED: expected a complete tar archive"
        else
            assert_exit 0
            assert_not_contains stdout "TAR-TRUNCATED"
        fi
    done
done
describe "a gzip stream cut in the middle"
gzip -n -c "$hello_tar" > "$TEST_TMP/hello.tar.gz"
head -c $(($(stat -c %s "$TEST_TMP/hello.tar.gz") / 2)) "$TEST_TMP/hello.tar.gz" > "$TEST_TMP/half.tar.gz"
run "$validate" "$TEST_TMP/half.tar.gz"
assert_exit 3
assert_contains stderr "$TEST_TMP/half.tar.gz: expected a tar archive (optionally gzip, bzip2, xz or zstd compressed): truncated gzip input"
assert_no_crash
describe "a gzip stream cut after its first entries"
cp -r "$layout" "$TEST_TMP/big"
head -c 2000000 /dev/urandom > "$TEST_TMP/big/blobs/sha256/$(fake_hex 9)"
tar -C "$TEST_TMP/big" -cf - oci-layout index.json blobs | gzip -1 -n > "$TEST_TMP/big.tar.gz"
head -c $(($(stat -c %s "$TEST_TMP/big.tar.gz") * 3 / 4)) "$TEST_TMP/big.tar.gz" > "$TEST_TMP/cut-big.tar.gz"
run "$validate" "$TEST_TMP/cut-big.tar.gz"
assert_exit 1
assert_matches stdout ": error: TAR-TRUNCATED: expected a complete tar archive, found it ends early or is damaged \\(.*truncated gzip input"
assert_no_crash

finish
