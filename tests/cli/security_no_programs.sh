#!/usr/bin/env bash
# No input makes any tool run an external program. libarchive implements some decompression
# filters (lrzip, lzop, grzip, ...) by running a program from PATH. An archive layer that is a
# valid tar whose first entry name begins with such a signature ("LRZI\0\6" is a name "LRZI"
# for a tar reader) lists cleanly, yet a reader with every filter enabled hands it to `lrzip -d`.
# Fake programs of those names first on PATH leave a marker file when run: none may appear,
# whether the bytes are an archive layer or a whole layout tar.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

validate="$OCIWASM_BIN/oci-wasm-validate"
convert="$OCIWASM_BIN/oci-wasm-convert"
inspect="$OCIWASM_BIN/oci-wasm-inspect"
fixtures="$OCIWASM_SOURCE_DIR/fixtures"
t="$TEST_TMP"

mkdir -p "$t/bin"
for program in lrzip lzop grzip lz4 lzip lzma compress uncompress zstd xz bzip2 gzip; do
    printf '#!/bin/sh\necho "$0 $*" >> %q\ncat > /dev/null\nexit 1\n' "$t/ran" > "$t/bin/$program"
    chmod +x "$t/bin/$program"
done

no_program_ran() {
    if [[ -e "$t/ran" ]]; then
        fail "$1 ran an external program: $(tr '\n' ' ' < "$t/ran")"
        rm -f "$t/ran"
    else
        pass
    fi
}

# The magic bytes libarchive's bidders look for, as octal escapes for printf.
signature() {
    case "$1" in
        lrzip) printf '%s' 'LRZI\000\006' ;;
        lzop) printf '%s' '\211LZO\000\r\n\032\n' ;;
        grzip) printf '%s' 'GRZipII\000\002\004:)' ;;
    esac
}

# signed_tar KIND OUT: a valid ustar archive whose first header begins with KIND's signature
# (an entry named up to the first NUL), followed by the archive fixture's files.
signed_tar() {
    local kind="$1" out="$2" first sum
    first="$(printf "$(signature "$kind")" | tr -d '\0' | head -c 7)"
    first="${first%%$'\n'*}"
    rm -rf "$t/members" && mkdir -p "$t/members"
    tar -xzf "$(blob_file "$fixtures/spin-oci-layer/archive" "$(layer_digest "$fixtures/spin-oci-layer/archive" 1)")" \
        -C "$t/members"
    printf 'x' > "$t/members/placeholder"
    tar --format=ustar --owner=0 --group=0 --mtime=@0 -C "$t/members" \
        --transform="s|^placeholder\$|P|" -cf "$out" placeholder index.html img/logo.svg robots.txt
    # Overwrite the first name field with the signature, then fix the header checksum.
    printf "$(signature "$kind")" | dd of="$out" bs=1 seek=0 conv=notrunc status=none
    printf '        ' | dd of="$out" bs=1 seek=148 conv=notrunc status=none
    sum="$(od -An -tu1 -v -N512 "$out" | tr -s ' ' '\n' | awk '{ s += $1 } END { print s }')"
    printf '%06o\0 ' "$sum" | dd of="$out" bs=1 seek=148 conv=notrunc status=none
}

# Crafted with the real tar and gzip, before the fake programs come first on PATH.
for kind in lrzip lzop grzip; do signed_tar "$kind" "$t/$kind.tar"; done
export PATH="$t/bin:$PATH"

for kind in lrzip lzop grzip; do
    describe "$kind: the crafted tar is a valid tar whose first entry name holds the signature"
    check "GNU tar lists it" tar -tf "$t/$kind.tar"
    check "its first bytes are the $kind signature" \
        cmp -n "$(printf "$(signature "$kind")" | wc -c)" "$t/$kind.tar" <(printf "$(signature "$kind")")

    describe "$kind: an archive layer holding such a tar"
    app="$t/app-$kind"
    cp -r "$fixtures/spin-oci-layer/archive" "$app"
    replace_blob "$app" "$(layer_digest "$app" 1)" "$t/$kind.tar"
    run "$validate" "$app"
    no_program_ran "oci-wasm-validate"
    run "$inspect" "$app"
    no_program_ran "oci-wasm-inspect"
    run "$convert" --to old "$app" "$t/out-$kind"
    no_program_ran "oci-wasm-convert --to old"
    run "$convert" --to old --allow-lossy "$app" "$t/out-lossy-$kind"
    no_program_ran "oci-wasm-convert --to old --allow-lossy"

    describe "$kind: a layout tar that begins with the signature"
    run "$validate" "$t/$kind.tar"
    no_program_ran "oci-wasm-validate of a tar"
    run_with_stdin "$t/$kind.tar" "$validate" -
    no_program_ran "oci-wasm-validate of stdin"
    run "$convert" --to new "$t/$kind.tar" "$t/out-$kind.tar"
    no_program_ran "oci-wasm-convert of a tar"
    run "$inspect" "$t/$kind.tar"
    no_program_ran "oci-wasm-inspect of a tar"
done

describe "libarchive readers are made in one place, which enables named filters only"
src="$OCIWASM_SOURCE_DIR/libconvert/src"
check "archive_read_new only in archive_reader.cpp" \
    test -z "$(grep -l 'archive_read_new' "$src"/*.cpp | grep -v '/archive_reader.cpp$')"
check "no archive_read_support_filter_all anywhere in the library or tools" \
    test -z "$(grep -rlE 'support_filter_(all|program[a-z_]*) *\(' "$src" "$OCIWASM_SOURCE_DIR/tools")"

finish
