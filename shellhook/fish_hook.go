package shellhook

// fishHook is the text/template of the fish hook. The fields are quoted
// already. Every function keeps to builtins, which fish runs without forking
// even inside (...), so the hook runs machina only when __machina_cached
// finds a cache entry missing or stale. The cache entries set their
// variables with set -f, which needs fish 3.5 or later.
const fishHook = `# machina hook for fish: before each prompt and after each cd, export the
# variables of the active machine and restore what they were before when
# leaving it.
set -g __machina_bin {{.Machina}}
set -g __machina_cache {{.CacheDir}}
# machina env reads __MACHINA_HOOK to print code that goes through the hook.
set -gx __MACHINA_HOOK fish
set -g __machina_state {{.StateDir}}

# __machina_apply MACHINE [NAME VALUE]... makes the managed variables equal
# the given set. A variable whose value differs from the one the hook set was
# changed by hand: the hook leaves it alone until it would set another value.
function __machina_apply
    set -l __machina_pairs $argv[2..-1]
    set -l __machina_want ' '
    set -l __machina_rest $__machina_pairs
    while set -q __machina_rest[2]
        set __machina_want "$__machina_want$__machina_rest[1] "
        set -e __machina_rest[1..2]
    end
    for __machina_name in (string split -n ' ' -- "$__MACHINA_VARS")
        if not string match -q -- "* $__machina_name *" "$__machina_want"
            __machina_restore $__machina_name
        end
    end
    set __machina_rest $__machina_pairs
    while set -q __machina_rest[2]
        __machina_take $__machina_rest[1] $__machina_rest[2]
        set -e __machina_rest[1..2]
    end
    if test -n "$argv[1]"
        set -gx __MACHINA_MACHINE $argv[1]
    else
        set -eg __MACHINA_MACHINE
    end
    return 0
end

# __machina_take NAME VALUE exports NAME=VALUE. __MACHINA_PREV_NAME keeps
# what NAME was before (u: unset, s: set, then the value, r: changed by hand)
# and __MACHINA_SET_NAME what the hook set.
function __machina_take -a __machina_var __machina_value
    set -l __machina_prev __MACHINA_PREV_$__machina_var
    set -l __machina_set __MACHINA_SET_$__machina_var
    if string match -q -- "* $__machina_var *" "$__MACHINA_VARS"
        if test "$$__machina_prev" = r
            if test "x$$__machina_set" = "x$__machina_value"
                return 0
            end
            __machina_save $__machina_var
        else if not set -q $__machina_var; or test "x$$__machina_var" != "x$$__machina_set"
            set -gx $__machina_prev r
            set -gx $__machina_set $__machina_value
            return 0
        else if test "x$$__machina_set" = "x$__machina_value"
            return 0
        end
    else if not string match -q -r -- '^[su]' "$$__machina_prev"
        # A saved value outside __MACHINA_VARS is left by an interrupted
        # apply and is still the one to restore.
        __machina_save $__machina_var
    end
    set -gx $__machina_set $__machina_value
    set -gx $__machina_var $__machina_value
    if not string match -q -- "* $__machina_var *" "$__MACHINA_VARS"
        if test -z "$__MACHINA_VARS"
            set -gx __MACHINA_VARS ' '
        end
        set -gx __MACHINA_VARS "$__MACHINA_VARS$__machina_var "
    end
end

function __machina_save -a __machina_var
    if set -q $__machina_var
        set -gx __MACHINA_PREV_$__machina_var "s$$__machina_var"
    else
        set -gx __MACHINA_PREV_$__machina_var u
    end
end

# __machina_restore NAME gives NAME back the value saved before the hook set
# it, unless it was changed by hand since, and forgets its state.
function __machina_restore -a __machina_var
    set -l __machina_prev __MACHINA_PREV_$__machina_var
    set -l __machina_set __MACHINA_SET_$__machina_var
    if test "$$__machina_prev" != r; and set -q $__machina_set; and set -q $__machina_var
        and test "x$$__machina_var" = "x$$__machina_set"
        switch "$$__machina_prev"
            case 's*'
                # string split as the last step of (...) keeps newlines in the value.
                set -gx $__machina_var (string split -m 1 -f 2 -- s "$$__machina_prev")
            case u
                set -eg $__machina_var
        end
    end
    set -l __machina_vars (string replace -- " $__machina_var " ' ' "$__MACHINA_VARS")
    if test "$__machina_vars" = ' '
        set -eg __MACHINA_VARS
    else
        set -gx __MACHINA_VARS $__machina_vars
    end
    set -eg $__machina_prev
    set -eg $__machina_set
end

# __machina_same FILE EXISTS BYTES succeeds if FILE holds BYTES, or if
# EXISTS is 0 and there is no FILE.
function __machina_same -a __machina_file __machina_exists __machina_bytes
    if test "$__machina_exists" != 1
        not test -e "$__machina_file"; and not test -L "$__machina_file"
        return
    end
    test -f "$__machina_file"; or return 1
    set -l __machina_data
    read -z __machina_data <$__machina_file 2>/dev/null
    test "x$__machina_data" = "x$__machina_bytes"
end

# __machina_find sets __machina_dir in the caller to the nearest directory
# from $PWD up that has a .machine.toml file. It builds the candidates by
# joining the parts of $PWD, because (...) would split a name at newlines.
function __machina_find --no-scope-shadowing
    set -l __machina_candidates
    set -l __machina_prefix
    string match -q -- '/*' "$PWD"; or return 1
    for __machina_part in (string split -- / "$PWD")
        if test -n "$__machina_part"
            set __machina_prefix "$__machina_prefix/$__machina_part"
            set -p __machina_candidates $__machina_prefix
        end
    end
    set -a __machina_candidates /
    for __machina_candidate in $__machina_candidates
        if test -f "$__machina_candidate/.machine.toml"
            set __machina_dir $__machina_candidate
            return 0
        end
    end
    return 1
end

# __machina_cached applies the variables from the cache entries and
# succeeds, or fails without a change when an entry is missing or stale.
function __machina_cached
    set -l __machina_machine
    set -l __machina_entry
    set -l __machina_dir
    set -f __machina_e_dir
    set -f __machina_e_toml
    set -f __machina_e_trust_path
    set -f __machina_e_trust_exists
    set -f __machina_e_trust
    set -f __machina_e_machine
    set -f __machina_e_extra
    set -f __machina_m_config_path
    set -f __machina_m_config_exists
    set -f __machina_m_config
    set -f __machina_m_vars

    if set -q __MACHINA_USE
        if test "$__MACHINA_USE" != :none
            set __machina_machine $__MACHINA_USE
        end
    else if __machina_find
        # string split0 as the last step keeps the newlines of the name and
        # the one that string replace appends, which string split removes.
        set __machina_entry (string replace -a -- % %25 "$__machina_dir" | string replace -a -- / %2F | string split0)
        set __machina_entry (string split -r -m 1 -f 1 -- \n "$__machina_entry")
        set __machina_entry "$__machina_cache/d/$__machina_entry.fish"
        test -f "$__machina_entry"; and source "$__machina_entry"; or return 1
        test "x$__machina_e_dir" = "x$__machina_dir"; or return 1
        __machina_same "$__machina_dir/.machine.toml" 1 "$__machina_e_toml"; or return 1
        __machina_same "$__machina_e_trust_path" "$__machina_e_trust_exists" "$__machina_e_trust"; or return 1
        set __machina_machine $__machina_e_machine
    end

    if test -z "$__machina_machine"; and not set -q __MACHINA_USE; and test -e "$__machina_state/global-machine"
        set -l __machina_data
        read -z __machina_data <"$__machina_state/global-machine" 2>/dev/null
        set __machina_machine (string split -r -m 1 -f 1 -- \n "$__machina_data")
        if string match -q -- '*'\n'*' "$__machina_machine"
            return 1
        end
    end

    if test -n "$__machina_machine"
        set __machina_entry (string replace -a -- % %25 "$__machina_machine" | string replace -a -- / %2F | string split0)
        set __machina_entry (string split -r -m 1 -f 1 -- \n "$__machina_entry")
        set __machina_entry "$__machina_cache/m/$__machina_entry.fish"
        test -f "$__machina_entry"; and source "$__machina_entry"; or return 1
        __machina_same "$__machina_m_config_path" "$__machina_m_config_exists" "$__machina_m_config"; or return 1
        if not set -q __machina_m_vars[1]
            # A missing or broken machine: no machine and no extra variables.
            set __machina_machine
            set __machina_e_extra
        end
    end

    __machina_apply "$__machina_machine" $__machina_m_vars $__machina_e_extra
    return 0
end

# __machina_hook runs before each prompt and after each cd. It keeps $status.
function __machina_hook --on-event fish_prompt
    set -l __machina_status $status
    if not __machina_cached
        command $__machina_bin __hook fish | source
    end
    return $__machina_status
end

function __machina_hook_pwd --on-variable PWD
    __machina_hook
end

# __machina_ps1 [FORMAT] prints the active machine for the prompt, like
# Docker Machine's __docker_machine_ps1 (FORMAT defaults to " [%s]").
function __machina_ps1
    set -l __machina_name $__MACHINA_MACHINE
    if test -z "$__machina_name"
        set __machina_name $DOCKER_MACHINE_NAME
    end
    if test -n "$__machina_name"
        set -l __machina_format ' [%s]'
        if set -q argv[1]
            set __machina_format $argv[1]
        end
        printf $__machina_format "$__machina_name"
    end
    return 0
end

# machina use ... changes this shell, so it runs the code that
# "machina use --shell fish" prints. Other commands run the binary.
function machina
    if test "$argv[1]" != use; or contains -- -h $argv; or contains -- --help $argv
        command $__machina_bin $argv
        return
    end
    command $__machina_bin use --shell fish $argv[2..-1] | source
    set -l __machina_status $pipestatus[1]
    if test $__machina_status -ne 0
        return $__machina_status
    end
    __machina_hook
end
`
