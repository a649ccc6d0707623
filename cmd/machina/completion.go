package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/alecthomas/kong"
	homedir "github.com/mitchellh/go-homedir"

	"github.com/machina-dev/machina/drivers"
	"github.com/machina-dev/machina/profiles"
	"github.com/machina-dev/machina/shellhook"
)

// completeFiles is the only line `machina __complete` prints when the word
// is a file name, so that the completion scripts run the shell's own file
// completion. No candidate starts with ":" because flags start with "-",
// and the names of commands, machines, profiles and enum values with a
// letter or digit.
const completeFiles = ":files"

// CompletionCmd is `machina completion SHELL`.
type CompletionCmd struct {
	Shell string `arg:"" enum:"bash,zsh,fish" help:"Shell to print the completion script for: bash, zsh or fish."`
}

func (c *CompletionCmd) Run(g *Globals) error {
	script, ok := completionScripts[c.Shell]
	if !ok {
		return fmt.Errorf("completion: unknown shell %q: use bash, zsh or fish", c.Shell)
	}
	g.printf("%s", script)
	return nil
}

// completeCmd is `machina __complete WORD...`, which the completion scripts
// run with the words after "machina" up to the cursor. The last WORD is the
// one to complete, empty after a space. The output is one candidate per
// line, VALUE or VALUE<TAB>DESCRIPTION, or completeFiles alone. The command
// is tagged passthrough in CLI, so kong parses none of the WORDs as flags.
type completeCmd struct {
	Words []string `arg:"" optional:"" help:"Words typed so far. The last one is the word to complete."`
}

func (c *completeCmd) Run(kctx *kong.Context, g *Globals) error {
	words := c.Words
	if len(words) == 0 {
		words = []string{""}
	}

	line := newCommandLine(kctx.Model.Node)
	for _, word := range words[:len(words)-1] {
		line.read(word)
	}
	candidates, files, err := line.complete(words[len(words)-1], g)
	if err != nil {
		return fmt.Errorf("__complete: %w", err)
	}

	if files {
		g.printf("%s\n", completeFiles)
		return nil
	}
	for _, cand := range candidates {
		if cand.description == "" {
			g.printf("%s\n", cand.value)
		} else {
			g.printf("%s\t%s\n", cand.value, cand.description)
		}
	}
	return nil
}

// candidate is one completion of the current word.
type candidate struct {
	value       string
	description string
}

// commandLine is the parse state of the words before the cursor, in kong's
// model of the CLI: the command, its next positional argument, and a flag
// that waits for its value.
type commandLine struct {
	node        *kong.Node
	positional  int        // index in node.Positional of the next argument
	pending     *kong.Flag // flag whose value is the next word
	endOfFlags  bool       // after "--", every word is an argument
	passthrough bool       // the words belong to a passthrough argument, such as ssh's command
	used        map[*kong.Flag]bool
	storagePath string // --storage-path given on the line
}

func newCommandLine(app *kong.Node) *commandLine {
	return &commandLine{node: app, used: map[*kong.Flag]bool{}}
}

// read moves the command line past one complete word.
func (l *commandLine) read(word string) {
	switch {
	case l.pending != nil:
		l.setValue(l.pending, word)
		l.pending = nil
	case l.passthrough:
	case !l.endOfFlags && word == "--":
		l.endOfFlags = true
	case !l.endOfFlags && strings.HasPrefix(word, "--"):
		l.readLongFlag(word)
	case !l.endOfFlags && strings.HasPrefix(word, "-") && word != "-":
		l.readShortFlags(word)
	default:
		l.readArgument(word)
	}
}

// readLongFlag reads "--name" or "--name=value". An unknown flag is skipped.
func (l *commandLine) readLongFlag(word string) {
	name, value, hasValue := strings.Cut(word[2:], "=")
	flag := l.lookupFlag(name)
	if flag == nil {
		return
	}

	l.used[flag] = true
	switch {
	case hasValue:
		l.setValue(flag, value)
	case takesValue(flag):
		l.pending = flag
	}
}

// readShortFlags reads a cluster such as "-qD" or "-sDIR": letters up to the
// first flag that takes a value, which takes the rest of the word or, when
// nothing is left, the next word.
func (l *commandLine) readShortFlags(word string) {
	cluster := []rune(word[1:])
	for i, short := range cluster {
		flag := l.lookupShort(short)
		if flag == nil {
			return
		}

		l.used[flag] = true
		if !takesValue(flag) {
			continue
		}
		if rest := string(cluster[i+1:]); rest != "" {
			l.setValue(flag, rest)
		} else {
			l.pending = flag
		}
		return
	}
}

// readArgument reads a subcommand name or a positional argument.
func (l *commandLine) readArgument(word string) {
	if child := findCommand(l.node, word); child != nil {
		l.node = child
		l.positional = 0
		return
	}

	arg := l.argument()
	switch {
	case arg == nil:
	case arg.Passthrough:
		l.passthrough = true
	case !arg.IsCumulative():
		l.positional++
	}
}

func (l *commandLine) setValue(flag *kong.Flag, value string) {
	if flag.Name == "storage-path" {
		l.storagePath = value
	}
}

// argument returns the positional argument the next word fills, or nil.
// A cumulative last argument, such as rm's names, takes every word left.
func (l *commandLine) argument() *kong.Positional {
	args := l.node.Positional
	if l.positional < len(args) {
		return args[l.positional]
	}
	if len(args) > 0 && args[len(args)-1].IsCumulative() {
		return args[len(args)-1]
	}
	return nil
}

// flags returns the flags of the command and of its parents, hidden ones
// included, the command's own first.
func (l *commandLine) flags() []*kong.Flag {
	var all []*kong.Flag
	for node := l.node; node != nil; node = node.Parent {
		all = append(all, node.Flags...)
	}
	return all
}

func (l *commandLine) lookupFlag(name string) *kong.Flag {
	for _, flag := range l.flags() {
		if flag.Name == name || slices.Contains(flag.Aliases, name) {
			return flag
		}
	}
	return nil
}

func (l *commandLine) lookupShort(short rune) *kong.Flag {
	for _, flag := range l.flags() {
		if flag.Short == short {
			return flag
		}
	}
	return nil
}

// complete returns the candidates for the word under the cursor. files is
// true when the word is a file name, which the shell completes itself.
func (l *commandLine) complete(word string, g *Globals) (candidates []candidate, files bool, err error) {
	switch {
	case l.pending != nil:
		return l.completeValue(l.pending.Value, word, "", g)
	case l.passthrough:
		return nil, true, nil
	case !l.endOfFlags && strings.HasPrefix(word, "--") && strings.Contains(word, "="):
		name, value, _ := strings.Cut(word[2:], "=")
		flag := l.lookupFlag(name)
		if flag == nil || !takesValue(flag) {
			return nil, false, nil
		}
		return l.completeValue(flag.Value, value, "--"+name+"=", g)
	case !l.endOfFlags && strings.HasPrefix(word, "-"):
		return l.completeFlags(word), false, nil
	}

	if len(l.node.Children) > 0 {
		return completeCommands(l.node, word), false, nil
	}
	arg := l.argument()
	if arg == nil {
		return nil, false, nil
	}
	if arg.Passthrough {
		return nil, true, nil
	}
	return l.completeValue(arg, word, "", g)
}

// completeFlags lists the visible flags that start with word, as --name and
// -x. A flag already on the line is left out unless it repeats, such as
// --engine-opt.
func (l *commandLine) completeFlags(word string) []candidate {
	var candidates []candidate
	for _, flag := range l.flags() {
		if flag.Hidden || (l.used[flag] && !flag.IsCumulative()) {
			continue
		}

		description := summary(flag.Help)
		names := []string{"--" + flag.Name}
		if flag.Short != 0 {
			names = append(names, "-"+string(flag.Short))
		}
		for _, name := range names {
			if strings.HasPrefix(name, word) {
				candidates = append(candidates, candidate{value: name, description: description})
			}
		}
	}
	return candidates
}

// completeCommands lists the visible subcommands of node that start with
// word.
func completeCommands(node *kong.Node, word string) []candidate {
	var candidates []candidate
	for _, child := range node.Children {
		if child.Hidden || !strings.HasPrefix(child.Name, word) {
			continue
		}
		candidates = append(candidates, candidate{value: child.Name, description: summary(child.Help)})
	}
	return candidates
}

// completeValue lists the values of a flag or positional argument that
// start with word, each written after prefix (a "--name=" already typed).
func (l *commandLine) completeValue(value *kong.Value, word, prefix string, g *Globals) ([]candidate, bool, error) {
	var values []string
	switch {
	case value.Enum != "":
		values = value.EnumSlice()
	case isFileValue(value):
		return nil, true, nil
	case value.Flag != nil && value.Name == "shell":
		values = shellhook.ShellNames()
	case value.Flag != nil && value.Name == "driver":
		values = drivers.Names()
	case value.Flag != nil && value.Name == "profile", value.Flag == nil && l.node.Path() == "profile show":
		names, err := profileNames(g)
		if err != nil {
			return nil, false, err
		}
		values = names
	case value.Flag == nil && isMachineArgument(l.node, value):
		names, err := l.machineNames(g)
		if err != nil {
			return nil, false, err
		}
		values = names
	}

	var candidates []candidate
	for _, v := range values {
		if strings.HasPrefix(v, word) {
			candidates = append(candidates, candidate{value: prefix + v})
		}
	}
	return candidates, false, nil
}

// isFileValue reports whether value is a file or directory name: a path
// type, or a flag whose placeholder is FILE or DIR, such as --storage-path.
func isFileValue(value *kong.Value) bool {
	switch value.Tag.Type {
	case "path", "existingfile", "existingdir":
		return true
	}
	return value.Flag != nil && (value.Flag.PlaceHolder == "FILE" || value.Flag.PlaceHolder == "DIR")
}

// isMachineArgument reports whether arg of command names existing machines.
// create's NAME is a new machine, so it has no candidates.
func isMachineArgument(command *kong.Node, arg *kong.Value) bool {
	if arg.Name != "name" && arg.Name != "names" {
		return false
	}
	switch command.Path() {
	case "create", "profile show", "hook", "completion":
		return false
	}
	return true
}

// machineNames lists the machines of the store that --storage-path on the
// line names, else of the store the command would use.
func (l *commandLine) machineNames(g *Globals) ([]string, error) {
	globals := *g
	if l.storagePath != "" {
		path, err := homedir.Expand(l.storagePath)
		if err != nil {
			return nil, err
		}
		globals.StoragePath = path
	}

	s, err := globals.store()
	if err != nil {
		return nil, err
	}
	return s.List()
}

func profileNames(g *Globals) ([]string, error) {
	d, err := g.dirs()
	if err != nil {
		return nil, err
	}
	return profiles.ListProfiles(d)
}

func findCommand(node *kong.Node, name string) *kong.Node {
	for _, child := range node.Children {
		if child.Type == kong.CommandNode && (child.Name == name || slices.Contains(child.Aliases, name)) {
			return child
		}
	}
	return nil
}

func takesValue(flag *kong.Flag) bool { return !flag.IsBool() && !flag.IsCounter() }

// summary is the first line of a help text, without tabs, which separate
// a candidate from its description.
func summary(help string) string {
	first, _, _ := strings.Cut(help, "\n")
	return strings.ReplaceAll(first, "\t", " ")
}

// completionScripts are the scripts `machina completion SHELL` prints. Each
// passes the words up to the cursor to `machina __complete` and offers what
// it prints. "command machina" bypasses the machina function that the shell
// hook defines.
var completionScripts = map[string]string{
	"bash": bashCompletion,
	"zsh":  zshCompletion,
	"fish": fishCompletion,
}

const bashCompletion = `# bash completion for machina. Load it in ~/.bashrc with:
#   source <(machina completion bash)

_machina() {
    local IFS=$'\n'
    local -a words=() candidates=()
    local i word cur strip="" joined=0 out line

    # Bash splits --flag=value at "=", which is in COMP_WORDBREAKS, so
    # join the pieces again: machina reads the flag and its value as one word.
    # NOTE: "--flag= value" (a space after "=") is joined as well, because
    # COMP_WORDS does not show where the spaces were.
    for ((i = 1; i <= COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        if [[ $word == "=" && ${#words[@]} -gt 0 && ${words[-1]} == --* ]]; then
            words[-1]+="="
            joined=1
        elif ((joined)); then
            words[-1]+=$word
            joined=0
        else
            words+=("$word")
        fi
    done
    cur=${words[-1]}
    if [[ $cur == --*=* && $COMP_WORDBREAKS == *=* ]]; then
        strip="${cur%%=*}="
    fi

    out=$(command machina __complete "${words[@]}" 2>/dev/null) || return 0
    COMPREPLY=()
    if [[ $out == "` + completeFiles + `" ]]; then
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -f -- "${cur#"$strip"}")
        return 0
    fi
    while IFS= read -r line; do
        [[ -n $line ]] || continue
        line=${line%%$'\t'*}
        candidates+=("${line#"$strip"}")
    done <<<"$out"
    COMPREPLY=("${candidates[@]}")
}

complete -F _machina machina
`

const zshCompletion = `#compdef machina
# zsh completion for machina. Either save it as _machina in a directory of
# $fpath:
#   machina completion zsh > "${fpath[1]}/_machina"
# or load it in ~/.zshrc, after compinit:
#   source <(machina completion zsh)

_machina() {
    local -a lines values descriptions displays
    local line value width=0 i

    lines=("${(@f)$(command machina __complete "${(@Q)words[2,CURRENT]}" 2>/dev/null)}")
    if [[ ${lines[1]} == "` + completeFiles + `" ]]; then
        _files
        return
    fi

    for line in "${lines[@]}"; do
        [[ -n $line ]] || continue
        value=${line%%$'\t'*}
        values+=("$value")
        if [[ $line == *$'\t'* ]]; then
            descriptions+=("${line#*$'\t'}")
        else
            descriptions+=("")
        fi
        (( ${#value} > width )) && width=${#value}
    done
    (( ${#values} )) || return 1

    for (( i = 1; i <= ${#values}; i++ )); do
        if [[ -n ${descriptions[i]} ]]; then
            displays+=("${(r:width:)values[i]}  -- ${descriptions[i]}")
        else
            displays+=("${values[i]}")
        fi
    done
    compadd -l -d displays -- "${values[@]}"
}

if [[ ${funcstack[1]} == _machina ]]; then
    # Autoloaded from $fpath: this file is the body of the first call.
    _machina "$@"
elif (( $+functions[compdef] )); then
    compdef _machina machina
else
    print -u2 "machina: completion needs compinit: run 'autoload -U compinit && compinit' first"
fi
`

const fishCompletion = `# fish completion for machina. Load it in ~/.config/fish/config.fish with:
#   machina completion fish | source
# or save it as ~/.config/fish/completions/machina.fish.

function __machina_complete
    set -l words (commandline -opc) (commandline -ct)
    set -e words[1]
    set -l out (command machina __complete $words 2>/dev/null)
    if test "$out" = "` + completeFiles + `"
        __fish_complete_path (commandline -ct)
        return
    end
    printf '%s\n' $out
end

complete -c machina -e
complete -c machina -f -a '(__machina_complete)'
`
