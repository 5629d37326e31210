# shellcheck shell=bash
# Editing OCI image layouts from the shell, keeping them consistent: a changed blob gets a new
# name, and every descriptor, label and lockfile digest naming it follows, up to index.json.
# Sourced by scripts/make-broken-fixtures and tests/cli/lib.sh, not run. Needs jq and sha256sum;
# scratch files go to LAYOUT_EDIT_TMP (the caller's temporary directory).

# canonical: stdin as canonical JSON (compact, keys sorted, no trailing newline) on stdout.
canonical() {
    local text
    text="$(jq -cS .)"
    printf '%s' "$text"
}

sha256_of() {
    local line
    line="$(sha256sum "$1")"
    printf '%s' "${line%% *}"
}
blob_file() { printf '%s/blobs/sha256/%s' "$1" "${2#sha256:}"; }
blob_path() { printf 'blobs/sha256/%s' "${1#sha256:}"; }

manifest_digest() { jq -r ".manifests[${2:-0}].digest" "$1/index.json"; }
# layer_digest LAYOUT INDEX: a layer of the first manifest (negative counts from the end).
layer_digest() { jq -r ".layers[$2].digest" "$(blob_file "$1" "$(manifest_digest "$1")")"; }
config_digest() { jq -r '.config.digest' "$(blob_file "$1" "$(manifest_digest "$1")")"; }

# replace_blob LAYOUT OLD-DIGEST NEW-FILE: stores NEW-FILE as a blob in place of OLD-DIGEST and
# makes every document that names OLD-DIGEST (descriptors with their size, labels, lockfile
# digests) name the new blob instead, re-storing those documents in turn up to index.json.
replace_blob() {
    local layout="$1" old="$2" file="$3" hex new size doc edited
    local tmp="${LAYOUT_EDIT_TMP:?LAYOUT_EDIT_TMP must name a scratch directory}"
    hex="$(sha256_of "$file")"
    new="sha256:$hex"
    size="$(stat -c %s "$file")"
    [[ "$new" == "$old" ]] && return 0
    cp "$file" "$tmp/replacement"
    rm -f "$(blob_file "$layout" "$old")"
    cp "$tmp/replacement" "$(blob_file "$layout" "$new")"
    # One document at a time: re-storing one renames the documents above it.
    while doc="$(grep -lF -- "$old" "$layout/index.json" "$layout"/blobs/sha256/* | head -n 1)" \
        && [[ -n "$doc" ]]; do
        edited="$tmp/edited"
        jq -cSj --arg old "$old" --arg new "$new" --argjson size "$size" '
            walk(if type == "object" and .digest == $old and has("size") then .size = $size
                 else . end)
            | walk(if type == "string" and . == $old then $new else . end)' "$doc" > "$edited"
        if [[ "$doc" == "$layout/index.json" ]]; then
            mv "$edited" "$doc"
        else
            replace_blob "$layout" "sha256:$(basename "$doc")" "$edited"
        fi
    done
}

# edit_blob LAYOUT DIGEST [JQ-ARGS...] FILTER: rewrites a JSON blob through the filter.
edit_blob() {
    local layout="$1" digest="$2"
    shift 2
    jq -cSj "$@" "$(blob_file "$layout" "$digest")" > "${LAYOUT_EDIT_TMP:?}/blob"
    replace_blob "$layout" "$digest" "$LAYOUT_EDIT_TMP/blob"
}

# edit_index LAYOUT [JQ-ARGS...] FILTER: rewrites index.json through the filter.
edit_index() {
    local layout="$1"
    shift
    jq -cSj "$@" "$layout/index.json" > "${LAYOUT_EDIT_TMP:?}/index"
    mv "$LAYOUT_EDIT_TMP/index" "$layout/index.json"
}
