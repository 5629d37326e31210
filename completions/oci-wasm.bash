# bash completion for oci-wasm-validate, oci-wasm-convert and oci-wasm-inspect: options, the
# values of --as, --format, --to and --output-format, and files and directories for inputs.
# Installed under each tool's name in bash-completion's completions directory, so it is loaded
# the first time one of them is completed. tests/cli/completion_bash.sh checks that every option
# each tool's --help lists is offered here.

_oci_wasm() {
    local cur prev words cword
    if declare -F _init_completion > /dev/null; then
        _init_completion || return
    else
        cur="${COMP_WORDS[COMP_CWORD]}"
        prev="${COMP_WORDS[COMP_CWORD - 1]}"
    fi
    local tool="${1##*/}" options=""
    case "$tool" in
        oci-wasm-validate)
            options="--as --format --strict --quiet --no-verify-blobs --threads --progress
                     --no-progress --help --version"
            case "$prev" in
                --as)
                    mapfile -t COMPREPLY < <(compgen -W "manifest index config descriptor layout lockfile" -- "$cur")
                    return ;;
                --format)
                    mapfile -t COMPREPLY < <(compgen -W "text json sarif github gitlab junit" -- "$cur")
                    return ;;
                --threads)
                    return ;;
            esac ;;
        oci-wasm-convert)
            options="--to --artifact-type --ref --allow-lossy --allow-missing-blobs --drop-referrers
                     --dry-run --format --output-format --in-place --wait --progress --no-progress
                     --help --version"
            case "$prev" in
                --to)
                    mapfile -t COMPREPLY < <(compgen -W "new old" -- "$cur")
                    return ;;
                --artifact-type)
                    mapfile -t COMPREPLY < <(compgen -W "application/vnd.bytecodealliance.component.v1+wasm none" -- "$cur")
                    return ;;
                --format)
                    mapfile -t COMPREPLY < <(compgen -W "text json" -- "$cur")
                    return ;;
                --output-format)
                    mapfile -t COMPREPLY < <(compgen -W "dir tar tar.gz tar.zst" -- "$cur")
                    return ;;
                --ref)
                    return ;;
            esac ;;
        oci-wasm-inspect)
            options="--format --ref --lockfile --blob --no-verify-blobs --help --version"
            case "$prev" in
                --format)
                    mapfile -t COMPREPLY < <(compgen -W "text json" -- "$cur")
                    return ;;
                --ref | --blob)
                    return ;;
            esac ;;
    esac
    if [[ "$cur" == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
        return
    fi
    # Inputs and outputs: layout directories, tars, JSON documents; any file or directory.
    compopt -o filenames 2> /dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}

complete -F _oci_wasm oci-wasm-validate oci-wasm-convert oci-wasm-inspect
