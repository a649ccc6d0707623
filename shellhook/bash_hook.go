package shellhook

// bashHook is the text/template of the bash hook. The fields are quoted
// already. Every function keeps to builtins, so a prompt forks only when
// __machina_cached finds a cache entry missing or stale and the hook runs
// machina. The code runs in the user's shell: it works under set -u and
// set -e, and all its names start with __machina_ or __MACHINA_.
const bashHook = `# machina hook for bash: at each prompt, export the variables of the active
# machine and restore what they were before when leaving it.
__machina_bin={{.Machina}}
__machina_cache={{.CacheDir}}
# machina env reads __MACHINA_HOOK to print code that goes through the hook.
export __MACHINA_HOOK=bash
__machina_state={{.StateDir}}

# __machina_apply MACHINE [NAME VALUE]... makes the managed variables equal
# the given set. A variable whose value differs from the one the hook set was
# changed by hand: the hook leaves it alone until it would set another value.
__machina_apply() {
  local IFS=' ' __machina_want=' ' __machina_name __machina_i
  for ((__machina_i = 2; __machina_i < $#; __machina_i += 2)); do
    __machina_want+="${!__machina_i} "
  done
  for __machina_name in ${__MACHINA_VARS-}; do
    if [[ $__machina_want != *" $__machina_name "* ]]; then
      __machina_restore "$__machina_name"
    fi
  done
  for ((__machina_i = 2; __machina_i < $#; __machina_i += 2)); do
    __machina_take "${@:__machina_i:2}"
  done
  if [[ -n ${1-} ]]; then
    export __MACHINA_MACHINE="$1"
  else
    unset -v __MACHINA_MACHINE
  fi
}

# __machina_take NAME VALUE exports NAME=VALUE. __MACHINA_PREV_NAME keeps
# what NAME was before (u: unset, s: set, then the value, r: changed by hand)
# and __MACHINA_SET_NAME what the hook set.
__machina_take() {
  local __machina_prev=__MACHINA_PREV_$1 __machina_set=__MACHINA_SET_$1
  if [[ ${__MACHINA_VARS-} == *" $1 "* ]]; then
    if [[ ${!__machina_prev-} == r ]]; then
      if [[ ${!__machina_set-} == "$2" ]]; then
        return 0
      fi
      __machina_save "$1"
    elif [[ -z ${!1+x} || ${!1} != "${!__machina_set-}" ]]; then
      export "$__machina_prev=r" "$__machina_set=$2"
      return 0
    elif [[ ${!__machina_set} == "$2" ]]; then
      return 0
    fi
  elif [[ ${!__machina_prev-} != [su]* ]]; then
    # A saved value outside __MACHINA_VARS is left by an interrupted apply
    # and is still the one to restore.
    __machina_save "$1"
  fi
  export "$__machina_set=$2" "$1=$2"
  if [[ ${__MACHINA_VARS-} != *" $1 "* ]]; then
    export __MACHINA_VARS="${__MACHINA_VARS:- }$1 "
  fi
}

__machina_save() {
  if [[ -n ${!1+x} ]]; then
    export "__MACHINA_PREV_$1=s${!1}"
  else
    export "__MACHINA_PREV_$1=u"
  fi
}

# __machina_restore NAME gives NAME back the value saved before the hook set
# it, unless it was changed by hand since, and forgets its state.
__machina_restore() {
  local __machina_prev=__MACHINA_PREV_$1 __machina_set=__MACHINA_SET_$1
  if [[ ${!__machina_prev-} != r && -n ${!__machina_set+x} && -n ${!1+x} && ${!1} == "${!__machina_set}" ]]; then
    case ${!__machina_prev-} in
    s*) export "$1=${!__machina_prev#s}" ;;
    u) unset -v "$1" ;;
    esac
  fi
  __MACHINA_VARS=${__MACHINA_VARS/ $1 / }
  if [[ $__MACHINA_VARS == ' ' ]]; then
    unset -v __MACHINA_VARS
  else
    export __MACHINA_VARS
  fi
  unset -v "$__machina_prev" "$__machina_set"
}

# __machina_read VAR FILE stores the bytes of FILE in VAR.
__machina_read() {
  { IFS= read -r -d '' "$1" <"$2"; } 2>/dev/null || :
}

# __machina_same FILE EXISTS BYTES succeeds if FILE holds BYTES, or if
# EXISTS is 0 and there is no FILE.
__machina_same() {
  local __machina_data=
  if [[ $2 != 1 ]]; then
    if [[ -e $1 || -L $1 ]]; then
      return 1
    fi
    return 0
  fi
  if [[ ! -f $1 ]]; then
    return 1
  fi
  __machina_read __machina_data "$1"
  [[ $__machina_data == "$3" ]]
}

# __machina_find sets __machina_dir to the nearest directory from $PWD up
# that has a .machine.toml file.
__machina_find() {
  __machina_dir=${PWD-}
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
  local __machina_dir= __machina_machine= __machina_entry __machina_data=
  local __machina_e_dir= __machina_e_toml= __machina_e_trust_path= __machina_e_trust_exists= __machina_e_trust= __machina_e_machine=
  local __machina_m_config_path= __machina_m_config_exists= __machina_m_config=
  local -a __machina_e_extra=() __machina_m_vars=()

  if [[ -n ${__MACHINA_USE+x} ]]; then
    if [[ $__MACHINA_USE != :none ]]; then
      __machina_machine=$__MACHINA_USE
    fi
  elif __machina_find; then
    __machina_entry=${__machina_dir//\%/%25}
    __machina_entry=$__machina_cache/d/${__machina_entry//\//%2F}.bash
    if [[ ! -f $__machina_entry ]] || ! . "$__machina_entry"; then
      return 1
    fi
    if [[ $__machina_e_dir != "$__machina_dir" ]] ||
      ! __machina_same "$__machina_dir/.machine.toml" 1 "$__machina_e_toml" ||
      ! __machina_same "$__machina_e_trust_path" "$__machina_e_trust_exists" "$__machina_e_trust"; then
      return 1
    fi
    __machina_machine=$__machina_e_machine
  fi

  if [[ -z $__machina_machine && -z ${__MACHINA_USE+x} && -e $__machina_state/global-machine ]]; then
    __machina_read __machina_data "$__machina_state/global-machine"
    __machina_machine=${__machina_data%$'\n'}
    if [[ $__machina_machine == *$'\n'* ]]; then
      return 1
    fi
  fi

  if [[ -n $__machina_machine ]]; then
    __machina_entry=${__machina_machine//\%/%25}
    __machina_entry=$__machina_cache/m/${__machina_entry//\//%2F}.bash
    if [[ ! -f $__machina_entry ]] || ! . "$__machina_entry"; then
      return 1
    fi
    if ! __machina_same "$__machina_m_config_path" "$__machina_m_config_exists" "$__machina_m_config"; then
      return 1
    fi
    if ((${#__machina_m_vars[@]} == 0)); then
      # A missing or broken machine: no machine and no extra variables.
      __machina_machine=
      __machina_e_extra=()
    fi
  fi

  __machina_apply "$__machina_machine" "${__machina_m_vars[@]}" "${__machina_e_extra[@]}"
}

# __machina_hook runs before each prompt. It keeps $? for the prompt
# commands after it, except under set -e, where a nonzero return would end
# the shell.
__machina_hook() {
  local __machina_status=$? __machina_nocasematch=
  if shopt -q nocasematch; then
    # Matching without case would take a changed file for the cached one.
    __machina_nocasematch=1
    shopt -u nocasematch
  fi
  if ! __machina_cached; then
    eval "$(command "$__machina_bin" __hook bash)"
  fi
  if [[ -n $__machina_nocasematch ]]; then
    shopt -s nocasematch
  fi
  if [[ $- == *e* ]]; then
    return 0
  fi
  return "$__machina_status"
}

# __machina_ps1 [FORMAT] prints the active machine for PS1, like Docker
# Machine's __docker_machine_ps1 (FORMAT defaults to " [%s]").
__machina_ps1() {
  local __machina_name=${__MACHINA_MACHINE:-${DOCKER_MACHINE_NAME-}}
  if [[ -n $__machina_name ]]; then
    printf -- "${1:- [%s]}" "$__machina_name"
  fi
  return 0
}

# machina use ... changes this shell, so it runs the code that
# "machina use --shell bash" prints. Other commands run the binary.
# The function keyword keeps an alias named machina from breaking this
# definition.
function machina {
  local __machina_arg __machina_code
  if [[ ${1-} != use ]]; then
    command "$__machina_bin" "$@"
    return
  fi
  for __machina_arg in "$@"; do
    case $__machina_arg in
    -h | --help) command "$__machina_bin" "$@"; return ;;
    esac
  done
  shift
  __machina_code=$(command "$__machina_bin" use --shell bash "$@") || return
  eval "$__machina_code"
  __machina_hook
}

__machina_install() {
  local - __machina_command
  set +u
  if [[ ${PROMPT_COMMAND@a} == *a* ]]; then
    for __machina_command in "${PROMPT_COMMAND[@]}"; do
      if [[ $__machina_command == __machina_hook ]]; then
        return 0
      fi
    done
    PROMPT_COMMAND=(__machina_hook "${PROMPT_COMMAND[@]}")
  elif [[ ";$PROMPT_COMMAND;" != *";__machina_hook;"* ]]; then
    PROMPT_COMMAND="__machina_hook${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
  fi
}
__machina_install
unset -f __machina_install
`
