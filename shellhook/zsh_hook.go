package shellhook

// zshHook is the text/template of the zsh hook. The fields are quoted
// already. Every function runs emulate -L zsh, so the user's options
// (set -u, set -e, KSH_ARRAYS and others) do not apply inside it, and keeps
// to builtins: zsh reads $(<file) without forking. The hook runs machina
// only when __machina_cached finds a cache entry missing or stale.
const zshHook = `# machina hook for zsh: before each prompt and after each cd, export the
# variables of the active machine and restore what they were before when
# leaving it.
typeset -g __machina_bin={{.Machina}}
typeset -g __machina_cache={{.CacheDir}}
# machina env reads __MACHINA_HOOK to print code that goes through the hook.
export __MACHINA_HOOK=zsh
typeset -g __machina_state={{.StateDir}}

# __machina_apply MACHINE [NAME VALUE]... makes the managed variables equal
# the given set. A variable whose value differs from the one the hook set was
# changed by hand: the hook leaves it alone until it would set another value.
__machina_apply() {
  emulate -L zsh
  local __machina_machine=$1 __machina_want=' ' __machina_name __machina_i
  shift
  for ((__machina_i = 1; __machina_i < $#; __machina_i += 2)); do
    __machina_want+="${argv[__machina_i]} "
  done
  for __machina_name in ${(s: :)__MACHINA_VARS-}; do
    if [[ $__machina_want != *" $__machina_name "* ]]; then
      __machina_restore $__machina_name
    fi
  done
  for ((__machina_i = 1; __machina_i < $#; __machina_i += 2)); do
    __machina_take "${argv[__machina_i]}" "${argv[__machina_i+1]}"
  done
  if [[ -n $__machina_machine ]]; then
    export __MACHINA_MACHINE=$__machina_machine
  else
    unset __MACHINA_MACHINE
  fi
}

# __machina_take NAME VALUE exports NAME=VALUE. __MACHINA_PREV_NAME keeps
# what NAME was before (u: unset, s: set, then the value, r: changed by hand)
# and __MACHINA_SET_NAME what the hook set.
__machina_take() {
  emulate -L zsh
  local __machina_var=$1 __machina_prev=__MACHINA_PREV_$1 __machina_set=__MACHINA_SET_$1
  if [[ ${__MACHINA_VARS-} == *" $1 "* ]]; then
    if [[ ${(P)__machina_prev-} == r ]]; then
      if [[ ${(P)__machina_set-} == "$2" ]]; then
        return 0
      fi
      __machina_save $1
    elif (( ! ${(P)+__machina_var} )) || [[ ${(P)__machina_var} != "${(P)__machina_set-}" ]]; then
      export "$__machina_prev=r" "$__machina_set=$2"
      return 0
    elif [[ ${(P)__machina_set} == "$2" ]]; then
      return 0
    fi
  elif [[ ${(P)__machina_prev-} != [su]* ]]; then
    # A saved value outside __MACHINA_VARS is left by an interrupted apply
    # and is still the one to restore.
    __machina_save $1
  fi
  export "$__machina_set=$2" "$1=$2"
  if [[ ${__MACHINA_VARS-} != *" $1 "* ]]; then
    export __MACHINA_VARS="${__MACHINA_VARS:- }$1 "
  fi
}

__machina_save() {
  emulate -L zsh
  local __machina_var=$1
  if (( ${(P)+__machina_var} )); then
    export "__MACHINA_PREV_$1=s${(P)__machina_var}"
  else
    export "__MACHINA_PREV_$1=u"
  fi
}

# __machina_restore NAME gives NAME back the value saved before the hook set
# it, unless it was changed by hand since, and forgets its state.
__machina_restore() {
  emulate -L zsh
  local __machina_var=$1 __machina_prev=__MACHINA_PREV_$1 __machina_set=__MACHINA_SET_$1
  if [[ ${(P)__machina_prev-} != r ]] && (( ${(P)+__machina_set} && ${(P)+__machina_var} )) &&
    [[ ${(P)__machina_var} == "${(P)__machina_set}" ]]; then
    case ${(P)__machina_prev-} in
    s*) export "$1=${${(P)__machina_prev}#s}" ;;
    u) unset $1 ;;
    esac
  fi
  __MACHINA_VARS=${__MACHINA_VARS/ $1 / }
  if [[ $__MACHINA_VARS == ' ' ]]; then
    unset __MACHINA_VARS
  else
    export __MACHINA_VARS
  fi
  unset $__machina_prev $__machina_set
}

# __machina_same FILE EXISTS BYTES succeeds if FILE holds BYTES, or if
# EXISTS is 0 and there is no FILE. $(<FILE) drops trailing newlines, and
# the cache entries for zsh store BYTES without them.
__machina_same() {
  emulate -L zsh
  if [[ $2 != 1 ]]; then
    [[ ! -e $1 && ! -L $1 ]]
    return
  fi
  [[ -f $1 && -r $1 && "$(<$1)" == "$3" ]]
}

# __machina_find sets __machina_dir to the nearest directory from $PWD up
# that has a .machine.toml file.
__machina_find() {
  emulate -L zsh
  __machina_dir=$PWD
  if [[ $__machina_dir != /* ]]; then
    return 1
  fi
  while [[ ! -f $__machina_dir/.machine.toml ]]; do
    if [[ -z $__machina_dir || $__machina_dir == / ]]; then
      return 1
    fi
    __machina_dir=${__machina_dir%/*}
  done
  if [[ -z $__machina_dir ]]; then
    __machina_dir=/
  fi
}

# __machina_cached applies the variables from the cache entries and
# succeeds, or fails without a change when an entry is missing or stale.
__machina_cached() {
  emulate -L zsh
  local __machina_dir= __machina_machine= __machina_entry __machina_data=
  local __machina_e_dir= __machina_e_toml= __machina_e_trust_path= __machina_e_trust_exists= __machina_e_trust= __machina_e_machine=
  local __machina_m_config_path= __machina_m_config_exists= __machina_m_config=
  local -a __machina_e_extra __machina_m_vars

  if (( ${+__MACHINA_USE} )); then
    if [[ $__MACHINA_USE != :none ]]; then
      __machina_machine=$__MACHINA_USE
    fi
  elif __machina_find; then
    __machina_entry=${__machina_dir//\%/%25}
    __machina_entry=$__machina_cache/d/${__machina_entry//\//%2F}.zsh
    if [[ ! -f $__machina_entry ]] || ! . $__machina_entry; then
      return 1
    fi
    if [[ $__machina_e_dir != "$__machina_dir" ]] ||
      ! __machina_same $__machina_dir/.machine.toml 1 "$__machina_e_toml" ||
      ! __machina_same "$__machina_e_trust_path" "$__machina_e_trust_exists" "$__machina_e_trust"; then
      return 1
    fi
    __machina_machine=$__machina_e_machine
  fi

  if [[ -z $__machina_machine ]] && (( ! ${+__MACHINA_USE} )) && [[ -e $__machina_state/global-machine ]]; then
    # read keeps every byte, unlike $(<file), and the file holds one short line.
    IFS= read -r -d '' __machina_data <$__machina_state/global-machine 2>/dev/null
    __machina_machine=${__machina_data%$'\n'}
    if [[ $__machina_machine == *$'\n'* ]]; then
      return 1
    fi
  fi

  if [[ -n $__machina_machine ]]; then
    __machina_entry=${__machina_machine//\%/%25}
    __machina_entry=$__machina_cache/m/${__machina_entry//\//%2F}.zsh
    if [[ ! -f $__machina_entry ]] || ! . $__machina_entry; then
      return 1
    fi
    if ! __machina_same "$__machina_m_config_path" "$__machina_m_config_exists" "$__machina_m_config"; then
      return 1
    fi
    if (( ${#__machina_m_vars} == 0 )); then
      # A missing or broken machine: no machine and no extra variables.
      __machina_machine=
      __machina_e_extra=()
    fi
  fi

  __machina_apply "$__machina_machine" "${__machina_m_vars[@]}" "${__machina_e_extra[@]}"
}

# __machina_hook runs before each prompt and after each cd. It keeps $?,
# except under set -e, where a nonzero return would end the shell.
__machina_hook() {
  local __machina_status=$? __machina_errexit=0
  if [[ -o errexit ]]; then
    __machina_errexit=1
  fi
  emulate -L zsh
  if ! __machina_cached; then
    eval "$(command $__machina_bin __hook zsh)"
  fi
  if (( __machina_errexit )); then
    return 0
  fi
  return $__machina_status
}

# __machina_ps1 [FORMAT] prints the active machine for the prompt, like
# Docker Machine's __docker_machine_ps1 (FORMAT defaults to " [%s]").
__machina_ps1() {
  emulate -L zsh
  local __machina_name=${__MACHINA_MACHINE:-${DOCKER_MACHINE_NAME-}}
  if [[ -n $__machina_name ]]; then
    printf -- "${1:- [%s]}" "$__machina_name"
  fi
  return 0
}

# machina use ... changes this shell, so it runs the code that
# "machina use --shell zsh" prints. Other commands run the binary.
# The function keyword keeps an alias named machina from breaking this
# definition.
function machina {
  emulate -L zsh
  local __machina_code
  if [[ ${1-} != use ]]; then
    command $__machina_bin "$@"
    return
  fi
  if (( ${argv[(I)-h]} || ${argv[(I)--help]} )); then
    command $__machina_bin "$@"
    return
  fi
  shift
  __machina_code=$(command $__machina_bin use --shell zsh "$@") || return
  eval "$__machina_code"
  __machina_hook
}

typeset -ag precmd_functions chpwd_functions
if (( ! ${precmd_functions[(I)__machina_hook]} )); then
  precmd_functions=(__machina_hook $precmd_functions)
fi
if (( ! ${chpwd_functions[(I)__machina_hook]} )); then
  chpwd_functions=(__machina_hook $chpwd_functions)
fi
`
