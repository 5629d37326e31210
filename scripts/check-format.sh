#!/usr/bin/env bash
# Checks that every C++ file in the repository is as .clang-format writes it (clang-format 14,
# Debian's). Lists the files that differ and exits 1; with --fix, rewrites them instead.
#   scripts/check-format.sh          check (CI runs this)
#   scripts/check-format.sh --fix    format in place
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fix=0
for arg in "$@"; do
    case "$arg" in
        --fix) fix=1 ;;
        *) log "unknown option $arg (use --fix)"; exit 2 ;;
    esac
done
install_missing "${FORMAT_PACKAGES[@]}"
clang_format="$(command -v clang-format-14 || command -v clang-format)"
cd "$OCIWASM_ROOT"
mapfile -d '' files < <(git ls-files -z -- '*.cpp' '*.h')
if ((fix)); then
    "$clang_format" -i --style=file "${files[@]}"
    exit 0
fi
differ=()
for file in "${files[@]}"; do
    if ! "$clang_format" --style=file --dry-run --Werror "$file" > /dev/null 2>&1; then
        differ+=("$file")
    fi
done
if ((${#differ[@]} > 0)); then
    log "${#differ[@]} file(s) differ from .clang-format (scripts/check-format.sh --fix rewrites them):"
    printf '  %s\n' "${differ[@]}" >&2
    exit 1
fi
log "${#files[@]} files match .clang-format"
