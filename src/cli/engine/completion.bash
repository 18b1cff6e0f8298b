# The walker of cell's bash completion (the build puts the generated word
# lists above it).  Plain bash: it needs no bash-completion helpers.

# $1: what to complete (container, image, volume, signal, file, dir, command
# (cell's own), or words "a|b|c"), $2: the word so far, $3: a prefix to keep ("--pull=").
_cell_complete_kind() {
    local kind=$1 cur=$2 prefix=$3 IFS=$'\n'
    case "$kind" in
    container|image|volume|signal)
        COMPREPLY=($(compgen -P "$prefix" -W "$("${_cell_cmd[@]}" __complete "$kind" 2>/dev/null)" -- "$cur"))
        ;;
    file)
        COMPREPLY=($(compgen -P "$prefix" -f -- "$cur"))
        compopt -o filenames 2>/dev/null
        ;;
    dir)
        COMPREPLY=($(compgen -P "$prefix" -d -- "$cur"))
        compopt -o filenames 2>/dev/null
        ;;
    command)
        COMPREPLY=($(compgen -P "$prefix" -W "${_cell_commands// /$'\n'}" -- "$cur"))
        ;;
    *'|'*)
        COMPREPLY=($(compgen -P "$prefix" -W "${kind//|/$'\n'}" -- "$cur"))
        ;;
    esac
}

# Whether option word $1 takes a value, given the list $2 (" --name -e ").
# A cluster "-de" takes one when its last letter does.
_cell_takes_value() {
    [[ "$1" == --*=* ]] && return 1
    [[ "$2" == *" $1 "* ]] && return 0
    [[ "$1" == -[!-]?* && "$2" == *" -${1: -1} "* ]]
}

_cell_oci() {
    local cur=${COMP_WORDS[COMP_CWORD]} i w verb='' pending=0
    local first=${1:-1}
    local -a _cell_cmd=("${COMP_WORDS[0]}")
    COMPREPLY=()
    for ((i = first; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if ((pending)); then
            [ -z "$verb" ] && _cell_cmd+=("$w")
            pending=0
            continue
        fi
        if [ -z "$verb" ]; then
            case "$w" in
            --root) _cell_cmd+=("$w"); pending=1 ;;
            --root=*) _cell_cmd+=("$w") ;;
            -*) _cell_takes_value "$w" "$_cell_oci_global_valopts" && pending=1 ;;
            *) verb=$w ;;
            esac
        else
            _cell_oci_verb_info "$verb"
            _cell_takes_value "$w" "$_cell_valopts" && pending=1
        fi
    done
    if ((pending)); then
        COMPREPLY=($(compgen -f -- "$cur"))
        return
    fi
    if [ -z "$verb" ]; then
        if [[ "$cur" == -* ]]; then
            COMPREPLY=($(compgen -W "$_cell_oci_global_opts" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$_cell_oci_commands" -- "$cur"))
        fi
        return
    fi
    _cell_oci_verb_info "$verb"
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$_cell_opts" -- "$cur"))
    elif [ "$first" = 1 ]; then
        COMPREPLY=($(compgen -W "$("${_cell_cmd[@]}" list -q 2>/dev/null)" -- "$cur"))
    else
        COMPREPLY=($(compgen -W "$("${_cell_cmd[@]}" oci list -q 2>/dev/null)" -- "$cur"))
    fi
}

_cell() {
    local cur=${COMP_WORDS[COMP_CWORD]} i w state=global verb='' group='' nargs=0 pending='' dashdash=0
    local -a _cell_cmd=("${COMP_WORDS[0]}")
    local _cell_opts _cell_valopts _cell_args _cell_args_rest _cell_stop
    COMPREPLY=()
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if [ -n "$pending" ]; then
            [ "$pending" = keep ] && _cell_cmd+=("$w")
            pending=''
            continue
        fi
        case $state in
        global)
            case "$w" in
            --storage | --runroot) _cell_cmd+=("$w"); pending=keep ;;
            --storage=* | --runroot=*) _cell_cmd+=("$w") ;;
            -*) _cell_takes_value "$w" "$_cell_global_valopts" && pending=skip ;;
            oci)
                _cell_oci $((i + 1))
                return
                ;;
            *)
                if [[ "$_cell_groups" == *" $w "* ]]; then
                    group=$w
                    state=group
                else
                    verb=$w
                    state=verb
                fi
                ;;
            esac
            ;;
        group)
            verb="$group $w"
            state=verb
            ;;
        verb)
            _cell_verb_info "$verb"
            if ((dashdash)) || [[ "$_cell_stop" = 1 && $nargs -gt 0 ]] || [[ "$w" != -* || "$w" == - ]]; then
                nargs=$((nargs + 1))
            elif [ "$w" = -- ]; then
                dashdash=1
            elif _cell_takes_value "$w" "$_cell_valopts"; then
                pending=skip
            fi
            ;;
        esac
    done

    # the value of an option
    if [ -n "$pending" ]; then
        local opt=${COMP_WORDS[COMP_CWORD - 1]}
        [[ "$opt" == -[!-]?* ]] && opt=-${opt: -1}
        if [ $state = global ]; then
            _cell_complete_kind "$(_cell_value_kind '' "$opt")" "$cur" ''
        else
            _cell_complete_kind "$(_cell_value_kind "$verb" "$opt")" "$cur" ''
        fi
        return
    fi
    if [[ "$cur" == --*=* && $dashdash = 0 ]]; then
        local key=''
        [ $state = verb ] && key=$verb
        _cell_complete_kind "$(_cell_value_kind "$key" "${cur%%=*}")" "${cur#*=}" "${cur%%=*}="
        return
    fi

    case $state in
    global)
        if [[ "$cur" == -* ]]; then
            COMPREPLY=($(compgen -W "$_cell_global_opts" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$_cell_commands" -- "$cur"))
        fi
        ;;
    group)
        COMPREPLY=($(compgen -W "$(_cell_subverbs "$group")" -- "$cur"))
        ;;
    verb)
        _cell_verb_info "$verb"
        if [[ "$cur" == -* && $dashdash = 0 ]] && ! [[ "$_cell_stop" = 1 && $nargs -gt 0 ]]; then
            COMPREPLY=($(compgen -W "$_cell_opts" -- "$cur"))
        elif [ $nargs = 0 ]; then
            _cell_complete_kind "$_cell_args" "$cur" ''
        elif [ "$_cell_stop" != 1 ]; then
            _cell_complete_kind "$_cell_args_rest" "$cur" ''
        fi
        ;;
    esac
}

complete -F _cell cell
complete -F _cell_oci cell-oci
