#!/usr/bin/env bash
# Memory does not grow with the number of findings (issue 12: under 64 MiB in every --format for
# a layout of 150,000 findings, every one still reported), and findings do not multiply (issue
# 13 item 9): three nested indexes whose descriptors share one blob make one finding per blob,
# with a count, not one per descriptor. Inputs are generated here by awk, in a few seconds.
# (Names of 256 KiB, the other input of item 9: hostile_names.sh.)
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

validate="$OCIWASM_BIN/oci-wasm-validate"
readonly MT_MANIFEST="application/vnd.oci.image.manifest.v1+json"
readonly MT_INDEX="application/vnd.oci.image.index.v1+json"
readonly MAX_RSS_MIB=64

# count FILE TEXT: how many times the fixed string TEXT occurs in FILE.
count() { grep -oF -- "$2" "$1" | wc -l; }

# ---- 150,000 findings in every format ----
# index.json (13 MB, under its 16 MiB limit) of 150,000 descriptors whose digest is no digest:
# one OCI-DIGEST-INVALID each.
# Under the sanitizers (OCIWASM_SANITIZED=1) 30,000: still several times what a Findings holds
# in memory before it spills to its temporary file, so every path runs, in a fifth of the time
# (ASan took 100 s for the six formats at 150,000). The Release pass checks the 150,000.
if [[ "${OCIWASM_SANITIZED:-0}" == 1 ]]; then readonly FINDINGS=30000; else readonly FINDINGS=150000; fi
new_layout "$TEST_TMP/many"
awk -v n="$FINDINGS" -v mt="$MT_INDEX" 'BEGIN {
    printf "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":[", mt
    for (i = 0; i < n; i++) printf "%s{\"mediaType\":\"%s\",\"digest\":\"sha256:%d\",\"size\":1}", (i ? "," : ""), mt, i
    printf "]}"
}' > "$TEST_TMP/many/index.json"

# format EXPECTED-TEXT: the text each finding puts once in that format's output.
declare -A per_finding=(
    [text]=": error: OCI-DIGEST-INVALID: "
    [json]='"code":"OCI-DIGEST-INVALID"'
    [sarif]='"ruleId": "OCI-DIGEST-INVALID"'
    [github]="::error file=$TEST_TMP/many/index.json,title=OCI-DIGEST-INVALID::"
    [gitlab]='"check_name": "OCI-DIGEST-INVALID"'
    [junit]='<failure type="OCI-DIGEST-INVALID"'
)
for format in text json sarif github gitlab junit; do
    describe "$FINDINGS findings, --format $format"
    out="$TEST_TMP/many.$format"
    run_measured_to "$out" "$validate" --format "$format" "$TEST_TMP/many"
    assert_bounded_run 1 "$MAX_RSS_MIB"
    check "every finding reported ($FINDINGS)" test "$(count "$out" "${per_finding[$format]}")" = "$FINDINGS"
    case "$format" in
        text) check "the last descriptor's finding, then the summary" \
            grep -qF "index.json#/manifests/$((FINDINGS - 1))/digest: error: OCI-DIGEST-INVALID" "$out" ;;
        json) check "the summary counts them" test "$(jq .summary.errors "$out")" = "$FINDINGS" ;;
        sarif) check "one SARIF log" test "$(jq '.runs[0].results | length' "$out")" = "$FINDINGS" ;;
        junit) check "one failure counted" grep -qF 'tests="1" failures="1" errors="0"' "$out" ;;
        *) ;;
    esac
    rm -f "$out"
done

# ---- findings that multiply: descriptors sharing one blob, three nested indexes deep ----
# index.json -> A; A lists B, B lists C and C lists the manifest M, each SHARED times, every
# descriptor with a wrong size. Before, each descriptor was one OCI-SIZE-MISMATCH (3 x SHARED
# findings, memory growing with them); now each blob is one, counting its descriptors.
readonly SHARED=20000
# index_of N MEDIATYPE DIGEST: an index of N descriptors of DIGEST, each with size 1.
index_of() {
    awk -v n="$1" -v mt="$2" -v d="$3" -v imt="$MT_INDEX" 'BEGIN {
        printf "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":[", imt
        for (i = 0; i < n; i++) printf "%s{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":1}", (i ? "," : ""), mt, d
        printf "]}"
    }'
}
shared="$TEST_TMP/shared"
new_layout "$shared"
m="$(add_text_blob "$shared" '{"schemaVersion":2,"mediaType":"'"$MT_MANIFEST"'","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}')"
index_of "$SHARED" "$MT_MANIFEST" "$m" > "$TEST_TMP/c.json"
c="$(add_blob "$shared" "$TEST_TMP/c.json")"
index_of "$SHARED" "$MT_INDEX" "$c" > "$TEST_TMP/b.json"
b="$(add_blob "$shared" "$TEST_TMP/b.json")"
index_of "$SHARED" "$MT_INDEX" "$b" > "$TEST_TMP/a.json"
a="$(add_blob "$shared" "$TEST_TMP/a.json")"
printf '{"schemaVersion":2,"mediaType":"%s","manifests":[%s]}' "$MT_INDEX" \
    "$(descriptor "$shared" "$MT_INDEX" "$a")" > "$shared/index.json"
tar -C "$shared" -cf - oci-layout index.json blobs | gzip -n > "$TEST_TMP/shared.tar.gz"
check "the tar.gz is small" test "$(stat -c %s "$TEST_TMP/shared.tar.gz")" -lt 100000

for format in text json; do
    describe "$SHARED descriptors sharing a blob in each of three nested indexes, --format $format"
    out="$TEST_TMP/shared.$format"
    run_measured_to "$out" "$validate" --format "$format" "$TEST_TMP/shared.tar.gz"
    assert_bounded_run 1 "$MAX_RSS_MIB"
    if [[ "$format" == text ]]; then
        for pair in "${a#sha256:}:${b#sha256:}" "${b#sha256:}:${c#sha256:}" "${c#sha256:}:${m#sha256:}"; do
            check "one OCI-SIZE-MISMATCH for blob ${pair#*:}, at the first of its $SHARED descriptors" \
                grep -qE "^$TEST_TMP/shared.tar.gz: blobs/sha256/${pair%:*}#/manifests/0/size: error: OCI-SIZE-MISMATCH: expected the size of blobs/sha256/${pair#*:}, [0-9]+ bytes, found 1 \(found at $SHARED descriptors of this blob; the first is shown\)$" "$out"
        done
        check "three size findings in all" test "$(count "$out" "OCI-SIZE-MISMATCH")" = 3
        check "the summary counts findings, not descriptors" \
            grep -qE "^$TEST_TMP/shared.tar.gz: invalid \(3 errors, " "$out"
    else
        check "three findings of OCI-SIZE-MISMATCH, $SHARED occurrences each" test \
            "$(jq -c '[.findings[] | select(.code == "OCI-SIZE-MISMATCH") | .occurrences]' "$out")" \
            = "[$SHARED,$SHARED,$SHARED]"
        check "each at the first descriptor of its index" test \
            "$(jq -c '[.findings[] | select(.code == "OCI-SIZE-MISMATCH") | .pointer] | unique' "$out")" \
            = '["/manifests/0/size"]'
        check "every manifest reached is still listed" test "$(jq '.manifests | length' "$out")" = "$SHARED"
    fi
done

finish
