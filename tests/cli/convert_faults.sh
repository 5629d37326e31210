#!/usr/bin/env bash
# oci-wasm-convert under faults: killed with SIGKILL while it writes, OUT is the old OUT or the
# complete new one, never a partial one; out of space (ulimit -f, /dev/full) it exits 3 with a
# clear message and leaves neither OUT nor temporaries. After SIGKILL the only litter allowed is
# the hidden temporary beside OUT (".OUT.tmp-*", documented) and the writers' lock file
# (".OUT.oci-wasm-lock", unlocked once its holder is dead), and the next run succeeds anyway and
# removes the lock file.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

convert="$OCIWASM_BIN/oci-wasm-convert"
validate="$OCIWASM_BIN/oci-wasm-validate"
fixtures="$OCIWASM_SOURCE_DIR/fixtures"

# The large input: old-format hello plus a 300 MB blob (sparse: cheap to make, real to copy).
work="$TEST_TMP/work"
mkdir -p "$work"
big="$TEST_TMP/big"
cp -r "$fixtures/spin-v1-config/hello" "$big"
chmod -R u+w "$big"
printf 'a large blob' > "$TEST_TMP/layer"
truncate -s 300M "$TEST_TMP/layer"
mv "$TEST_TMP/layer" "$big/blobs/sha256/$(sha256sum "$TEST_TMP/layer" | cut -d' ' -f1)"

# same OUT REFERENCE: OUT is byte for byte REFERENCE (a file or a directory).
same() {
    if [[ -d "$2" ]]; then diff -r "$1" "$2" > /dev/null 2>&1; else cmp -s "$1" "$2"; fi
}

# wait_for_temporary OUT_NAME PID: returns once ".OUT_NAME.tmp-*" exists in $work, or PID has
# ended, or 60 s have passed.
wait_for_temporary() {
    local out_name="$1" pid="$2" tries
    for ((tries = 0; tries < 6000; tries++)); do
        [[ -n "$(find "$work" -mindepth 1 -maxdepth 1 -name ".$out_name.tmp-*" -print -quit)" ]] \
            && return 0
        kill -0 "$pid" 2> /dev/null || return 0
        sleep 0.01
    done
}

# The only names allowed in $work besides OUT: the hidden temporaries of an interrupted write and
# its lock file.
assert_only_temp_litter() {
    local out_name="$1" name stray=()
    while IFS= read -r name; do
        [[ "$name" == "$out_name" || "$name" =~ ^\.${out_name//./\\.}\.(tmp|old)-[A-Za-z0-9]+$ ||
            "$name" == ".$out_name.oci-wasm-lock" ]] || stray+=("$name")
    done < <(find "$work" -mindepth 1 -maxdepth 1 -printf '%f\n')
    if ((${#stray[@]} == 0)); then
        pass
    else
        fail "expected only $out_name and .$out_name.tmp-*, found ${stray[*]}"
    fi
}

for out_name in out out.tar; do
    out="$work/$out_name"
    old="$TEST_TMP/old-$out_name"
    new="$TEST_TMP/new-$out_name"

    describe "reference outputs ($out_name)"
    run "$convert" "$fixtures/spin-v1-config/hello" "$old"
    assert_exit 0
    run "$convert" "$big" "$new"
    assert_exit 0

    killed_before_commit=0
    # Fixed delays, then a kill as soon as the temporary beside OUT exists: that kill always
    # lands before the commit (the 300 MB copy takes far longer than the poll), whatever the
    # speed of the build (a sanitized one starts slowly), and leaves its temporary for the rerun
    # below.
    for delay in 0.8 0.3 temporary; do
        for start in absent old; do
            describe "SIGKILL after ${delay}, OUT $start ($out_name)"
            rm -rf "$work" && mkdir -p "$work"
            if [[ "$start" == old ]]; then cp -r "$old" "$out"; fi
            "$convert" "$big" "$out" > /dev/null 2>&1 &
            pid=$!
            if [[ "$delay" == temporary ]]; then
                wait_for_temporary "$out_name" "$pid"
            else
                sleep "$delay"
            fi
            kill -KILL "$pid" 2> /dev/null
            wait "$pid" 2> /dev/null
            status=$?
            if ((status == 137)); then
                killed_before_commit=$((killed_before_commit + 1))
            fi
            if [[ ! -e "$out" ]]; then
                check "no OUT only when there was none before" test "$start" = absent
            elif same "$out" "$new"; then
                pass
            elif same "$out" "$old"; then
                check "the old OUT only when there was one" test "$start" = old
            else
                fail "expected $out to be absent, the old output or the complete new one; found something else"
            fi
            assert_only_temp_litter "$out_name"
        done
    done
    describe "a rerun beside the stale temporary of a killed one ($out_name)"
    check "a stale temporary is left" \
        test -n "$(find "$work" -mindepth 1 -maxdepth 1 -name ".$out_name.tmp-*")"
    run "$convert" "$big" "$out"
    assert_exit 0
    check "the rerun's OUT is the complete new output" same "$out" "$new"
    check "the rerun removed the lock file" test ! -e "$work/.$out_name.oci-wasm-lock"
    check "at least one kill landed before the commit (got $killed_before_commit)" \
        test "$killed_before_commit" -gt 0
    rm -rf "$old" "$new" "$work"
    mkdir -p "$work"
done

describe "SIGKILL during --in-place leaves IN as it was or fully converted"
cp -r "$big" "$work/in"
"$convert" --in-place "$work/in" > /dev/null 2>&1 &
pid=$!
sleep 0.2
kill -KILL "$pid" 2> /dev/null
wait "$pid" 2> /dev/null
run "$validate" "$work/in"
assert_exit 0
assert_matches stdout "^$work/in: valid \\(0 errors, 0 warnings, [0-9]+ info\\); formats: spin-(v1-config|oci-layer)\$"
rm -rf "$work" && mkdir -p "$work"

for out_name in out out.tar out.tar.gz; do
    describe "a file size limit of 100 KiB (ulimit -f) while writing $out_name"
    out="$work/$out_name"
    run bash -c 'ulimit -f 100 && exec "$@"' limit "$convert" "$big" "$out"
    assert_exit 3
    assert_matches stderr "^oci-wasm-convert: .*$out.*: cannot write: File too large$"
    check "no OUT after the failure" test ! -e "$out"
    check "no temporary left beside OUT" test -z "$(find "$work" -mindepth 1)"
    assert_no_crash

    describe "a file size limit with an old OUT in place ($out_name)"
    run "$convert" "$fixtures/spin-v1-config/hello" "$out"
    assert_exit 0
    cp -r "$out" "$TEST_TMP/before"
    run bash -c 'ulimit -f 100 && exec "$@"' limit "$convert" "$big" "$out"
    assert_exit 3
    check "the old OUT is untouched" same "$out" "$TEST_TMP/before"
    check "no temporary left beside OUT" \
        test "$(find "$work" -mindepth 1 -maxdepth 1 -printf '%f\n')" = "$out_name"
    rm -rf "$TEST_TMP/before" "$work" && mkdir -p "$work"
done

describe "a full disk on stdout (/dev/full)"
run bash -c 'exec "$@" > /dev/full' full "$convert" "$big" -
assert_exit 3
assert_contains stderr "No space left on device"
assert_no_crash

finish
