# shellcheck shell=bash
# Temporary files and folders of this run, removed however it ends (die, a failed command, a signal), so a
# failed install leaves nothing in /tmp. Each shell keeps its own list: a $(...) subshell must not remove
# what its parent made.
TEMP_PATHS=()
TEMP_OWNER=$BASHPID
remove_temp_paths() { ((${#TEMP_PATHS[@]} == 0)) || rm -rf -- "${TEMP_PATHS[@]}"; }
# new_temp VAR [mktemp options]: VAR becomes a new temporary path (mktemp's), removed when this shell exits.
new_temp() {
    local -n temp_var="$1"
    shift
    if [[ "$TEMP_OWNER" != "$BASHPID" ]]; then
        TEMP_PATHS=()
        TEMP_OWNER=$BASHPID
    fi
    temp_var="$(mktemp "$@")"
    TEMP_PATHS+=("$temp_var")
    trap remove_temp_paths EXIT
}
