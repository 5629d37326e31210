#!/usr/bin/env bash
# oci-wasm-convert with a layer far above the keep limit: it streams through in the same pass
# (tar file, stdin -> stdout, directory), comes out byte-identical, and memory stays bounded.
# From a file it is copied inside the kernel (copy_file_range, sendfile to a pipe); from a pipe
# or a compressed tar, and into a compressed tar, through buffers: every way gives the same bytes.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

convert="$OCIWASM_BIN/oci-wasm-convert"
validate="$OCIWASM_BIN/oci-wasm-validate"
t="$TEST_TMP"
size_mib=160

# An old-format app whose one file is a large data layer.
layout="$t/large"
new_layout "$layout"
head -c "${size_mib}M" /dev/zero | tr '\0' 'z' > "$t/big.bin"
big="$(add_blob "$layout" "$t/big.bin")"
rm "$t/big.bin"
printf '\0asm\1\0\0\0' > "$t/module.wasm"
wasm="$(add_blob "$layout" "$t/module.wasm")"
# canonical JSON-TEXT: compact, keys sorted, no newline (as the converter writes; round trips are
# byte-exact for canonical inputs).
canonical() { jq -cjS . <<< "$1"; }
lockfile="$(add_text_blob "$layout" "$(canonical "{\"spin_lock_version\":0,\"triggers\":[{\"id\":\"t\",\"trigger_type\":\"http\",\"trigger_config\":{\"component\":\"big\",\"route\":\"/...\"}}],\"components\":[{\"id\":\"big\",\"source\":{\"content_type\":\"application/wasm\",\"digest\":\"$wasm\"},\"files\":[{\"digest\":\"$big\",\"path\":\"big.bin\"}]}]}")")"
manifest="$(add_text_blob "$layout" "$(canonical "{\"schemaVersion\":2,\"config\":$(descriptor "$layout" application/vnd.fermyon.spin.application.v1+config "$lockfile"),\"layers\":[$(descriptor "$layout" application/vnd.wasm.content.layer.v1+wasm "$wasm"),$(descriptor "$layout" application/vnd.wasm.content.layer.v1+data "$big")]}")")"
canonical "{\"schemaVersion\":2,\"manifests\":[$(descriptor "$layout" application/vnd.oci.image.manifest.v1+json "$manifest" | sed 's/}$/,"annotations":{"org.opencontainers.image.ref.name":"large:v1"}}/')]}" \
    > "$layout/index.json"
(cd "$layout" && tar -cf "$t/large.tar" oci-layout index.json blobs)

# max_rss_kib CMD...: runs CMD (stdin /dev/null, stdout to $t/stdout) and prints its peak RSS.
max_rss_kib() {
    /usr/bin/time -f '%M' -o "$t/rss" "$@" > "$t/stdout" 2> "$t/stderr" < /dev/null
    local status=$?
    cat "$t/rss"
    return $status
}

describe "tar -> tar streams the large layer: bounded memory, same bytes"
if [[ -x /usr/bin/time ]]; then
    rss="$(max_rss_kib "$convert" "$t/large.tar" "$t/out.tar")"
    check "the conversion succeeds" test -s "$t/out.tar"
    check "peak RSS below 64 MiB with a ${size_mib} MiB layer (found ${rss} KiB)" test "$rss" -lt 65536
else
    echo "$TEST_NAME: /usr/bin/time is missing (apt-get install time): memory not measured"
    run "$convert" "$t/large.tar" "$t/out.tar"
    assert_exit 0
fi
mkdir -p "$t/out"
tar -xf "$t/out.tar" -C "$t/out"
check "the large layer is byte-identical" cmp "$layout/blobs/sha256/${big#sha256:}" "$t/out/blobs/sha256/${big#sha256:}"
run "$validate" --strict "$t/out.tar"
assert_exit 0

describe "stdin -> stdout: the large layer cannot be read twice and need not be"
run sh -c "$(printf '%q - - < %q > %q' "$convert" "$t/large.tar" "$t/stdout.tar")"
assert_exit 0
assert_contains stderr "large:v1: spin-v1-config -> spin-oci-layer"
check "stdout carries the same tar as a file output" cmp "$t/out.tar" "$t/stdout.tar"

describe "a pipe on either side, or compression, gives the bytes of the file -> file copy"
run sh -c "$(printf 'cat %q | %q - - > %q' "$t/large.tar" "$convert" "$t/piped-in.tar")"
assert_exit 0
check "stdin from a pipe: the same tar" cmp "$t/out.tar" "$t/piped-in.tar"
run sh -c "$(printf '%q %q - | cat > %q' "$convert" "$t/large.tar" "$t/piped-out.tar")"
assert_exit 0
check "stdout into a pipe: the same tar" cmp "$t/out.tar" "$t/piped-out.tar"
gzip -1 -c "$t/large.tar" > "$t/large.tar.gz"
run "$convert" "$t/large.tar.gz" "$t/from-gz.tar"
assert_exit 0
check "from a gzip tar: the same tar" cmp "$t/out.tar" "$t/from-gz.tar"
run "$convert" "$t/large.tar" "$t/out.tar.gz"
assert_exit 0
check "into a gzip tar: the same tar inside" cmp "$t/out.tar" <(gzip -dc "$t/out.tar.gz")
run "$convert" "$layout" "$t/from-dir.tar"
assert_exit 0
check "from a directory: the same tar" cmp "$t/out.tar" "$t/from-dir.tar"
rm -f "$t/piped-in.tar" "$t/piped-out.tar" "$t/large.tar.gz" "$t/from-gz.tar" "$t/out.tar.gz" \
    "$t/from-dir.tar"

describe "the layer is copied from where its entry's data lies in the input file"
# pax extended headers before each entry move the data; a shell may hand over stdin part-way
# through a file: either way the copy must start at the entry's data, not where a plain tar of
# the same files would have it.
(cd "$layout" && tar --format=pax -cf "$t/pax.tar" oci-layout index.json blobs)
run "$convert" "$t/pax.tar" "$t/from-pax.tar"
assert_exit 0
check "from a pax tar: the same tar" cmp "$t/out.tar" "$t/from-pax.tar"
{ head -c 1536 /dev/zero | tr '\0' 'J'; cat "$t/large.tar"; } > "$t/shifted.tar"
run sh -c "$(printf '{ dd bs=512 count=3 of=/dev/null status=none; %q - %q; } < %q' \
    "$convert" "$t/from-offset.tar" "$t/shifted.tar")"
assert_exit 0
check "from stdin 1536 bytes into a file: the same tar" cmp "$t/out.tar" "$t/from-offset.tar"
rm -f "$t/pax.tar" "$t/shifted.tar" "$t/from-pax.tar" "$t/from-offset.tar"

describe "a large layer whose bytes do not match its digest: refused, nothing written"
bad="$t/bad"
cp -r "$layout" "$bad"
bad_blob="$bad/blobs/sha256/${big#sha256:}"
printf 'y' | dd of="$bad_blob" bs=1 seek=$((100 * 1024 * 1024)) conv=notrunc status=none
(cd "$bad" && tar -cf "$t/bad.tar" oci-layout index.json blobs)
for input in "$t/bad.tar" "$bad"; do
    run "$convert" "$input" "$t/bad-out.tar"
    assert_exit 1
    assert_contains stderr "OCI-DIGEST-MISMATCH"
    check "no output from ${input##*/}" test ! -e "$t/bad-out.tar"
    check "no temporary left from ${input##*/}" test -z "$(find "$t" -maxdepth 1 -name '.bad-out.tar.tmp-*')"
done

describe "directory -> directory, and back to the old format, byte for byte"
run "$convert" "$layout" "$t/new-dir"
assert_exit 0
run "$convert" --to old "$t/new-dir" "$t/old-dir"
assert_exit 0
check "old -> new -> old reproduces the layout" diff -r "$layout" "$t/old-dir"

finish
