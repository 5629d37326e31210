#!/usr/bin/env bash
# oci-wasm-convert with a layer far above the keep limit: it streams through in the same pass
# (tar file, stdin -> stdout, directory), comes out byte-identical, and memory stays bounded.
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

describe "directory -> directory, and back to the old format, byte for byte"
run "$convert" "$layout" "$t/new-dir"
assert_exit 0
run "$convert" --to old "$t/new-dir" "$t/old-dir"
assert_exit 0
check "old -> new -> old reproduces the layout" diff -r "$layout" "$t/old-dir"

finish
