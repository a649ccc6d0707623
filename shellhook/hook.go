package shellhook

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"text/template"
)

// HookParams are the values that the hook script embeds.
type HookParams struct {
	// Machina is the absolute path of the machina binary, which the hook runs
	// as "Machina __hook SHELL" when a cache entry is missing or stale.
	Machina string
	// CacheDir is the directory of the cache entries, such as
	// $XDG_CACHE_HOME/machina/hook/<version>/<EncodePath(StorePath)>. The
	// caller creates it with mode 0700.
	CacheDir string
	// StateDir is the directory of the global-machine file, such as
	// $XDG_STATE_HOME/machina.
	StateDir string
	// StorePath is the machine store that the cache describes. The script
	// itself reads config.json paths from the machine entries.
	StorePath string
}

// ErrNoHook is wrapped by the errors of Hook and Apply for a shell without a hook.
var ErrNoHook = errors.New("no hook for this shell")

// hookShell is a Shell with a hook: bash, zsh and fish.
type hookShell interface {
	Shell
	// hookTemplate returns the text/template of the hook script.
	hookTemplate() *template.Template
	// quote returns s as one word that the shell reads back byte for byte.
	quote(s string) string
	// entryLine returns the assignment of values to the variable name in a
	// cache entry, as a list when list is true.
	entryLine(name string, values []string, list bool) string
	// fileBytes returns b as the hook reads a file that contains it.
	fileBytes(b []byte) string
	// entryExt returns the file name extension of the cache entries.
	entryExt() string
}

// Hook returns the code that installs the hook, for the user's rc file
// (eval "$(machina hook zsh)", or machina hook fish | source).
//
// Before each prompt, and after each cd in zsh and fish, the hook chooses
// the active machine with builtins only:
//
//   - When __MACHINA_USE is set, it names the machine (":none" for none),
//     and no directory applies.
//   - Otherwise the nearest directory D from $PWD up with a regular file
//     D/.machine.toml applies. Its entry from WriteDirEntry gives the
//     machine and the extra variables.
//   - An empty machine falls through to the global default: the content of
//     StateDir/global-machine without one trailing newline.
//   - The machine's entry from WriteMachineEntry gives its variables. A
//     machine without variables (missing or broken) means no machine and no
//     extra variables.
//
// When every entry exists and the files it describes still hold the cached
// bytes, the hook calls __machina_apply with the machine, its variables and
// then the extra variables, without a fork. Otherwise it runs
// "Machina __hook SHELL", which must write the entries and print the same
// call with Apply.
func Hook(sh Shell, p HookParams) (string, error) {
	hs, ok := sh.(hookShell)
	if !ok {
		return "", fmt.Errorf("hook for %s: %w (use bash, zsh or fish)", sh.Name(), ErrNoHook)
	}

	fields := map[string]string{}
	for name, path := range map[string]string{"Machina": p.Machina, "CacheDir": p.CacheDir, "StateDir": p.StateDir} {
		if !filepath.IsAbs(path) {
			return "", fmt.Errorf("hook for %s: %s %q is not an absolute path", sh.Name(), name, path)
		}
		if strings.IndexByte(path, 0) >= 0 {
			return "", fmt.Errorf("hook for %s: %s %q contains NUL", sh.Name(), name, path)
		}
		fields[name] = hs.quote(path)
	}

	var b strings.Builder
	if err := hs.hookTemplate().Execute(&b, fields); err != nil {
		return "", fmt.Errorf("hook for %s: %w", sh.Name(), err)
	}
	return b.String(), nil
}

// Apply returns the call of the hook's __machina_apply that makes the
// variables managed by the hook equal vars, with machine as the active
// machine. An empty machine and no vars restore what the user had.
// machina __hook prints it.
func Apply(sh Shell, machine string, vars []Var) (string, error) {
	hs, ok := sh.(hookShell)
	if !ok {
		return "", fmt.Errorf("apply for %s: %w (use bash, zsh or fish)", sh.Name(), ErrNoHook)
	}
	if strings.IndexByte(machine, 0) >= 0 {
		return "", fmt.Errorf("invalid machine name %q: contains NUL", machine)
	}

	var b strings.Builder
	b.WriteString("__machina_apply ")
	b.WriteString(hs.quote(machine))
	for _, v := range vars {
		if err := checkManagedVar(v); err != nil {
			return "", err
		}
		b.WriteString(" " + v.Name + " " + hs.quote(v.Value))
	}
	b.WriteString("\n")
	return b.String(), nil
}

// UseScript returns the code that `machina use` prints for the hook: it sets
// __MACHINA_USE to machine (":none" for no machine), or unsets it when
// machine is empty so that the hook chooses the machine again.
func UseScript(sh Shell, machine string) (string, error) {
	if machine == "" {
		return sh.Unset("__MACHINA_USE")
	}
	return sh.Export(Var{"__MACHINA_USE", machine})
}

// checkManagedVar returns an error unless the hook can manage v: a valid
// name outside the hook's own __machina_ and __MACHINA_ names, and a value
// without NUL.
func checkManagedVar(v Var) error {
	if err := checkVar(v); err != nil {
		return err
	}
	if strings.HasPrefix(strings.ToLower(v.Name), "__machina") {
		return fmt.Errorf("invalid variable name %q: names starting with __MACHINA are the hook's own", v.Name)
	}
	return nil
}

func mustParseHook(name, text string) *template.Template {
	return template.Must(template.New(name).Option("missingkey=error").Parse(text))
}

// HookVar is exported by the hook with the name of its shell, so that
// `machina env` can tell that the hook is installed.
const HookVar = "__MACHINA_HOOK"

// HookedScript returns `machina env` output for a shell with the hook
// installed: where the hook's functions are defined, it sets use as this
// shell's machine (":none" for none), as `machina use` does, and runs the
// hook, so that the hook keeps track of what the user had. Where they are
// not, such as in a child shell that inherited HookVar, it runs fallback,
// the plain output of EnvScript or UnsetScript without its hint. The hint
// for hintCmd follows.
func HookedScript(sh Shell, use, fallback, hintCmd string) (string, error) {
	useLine, err := UseScript(sh, use)
	if err != nil {
		return "", err
	}
	useLine = strings.TrimSuffix(strings.TrimSuffix(useLine, "\n"), ";")

	var b strings.Builder
	switch sh.(type) {
	case fish:
		b.WriteString("if functions -q __machina_hook\n")
		b.WriteString(useLine + "; __machina_hook\n")
		b.WriteString("else\n" + fallback + "end\n")
	case bash, zsh:
		// Each line ends with ";" so that the output still works when a
		// user joins it into one line with eval $(machina env NAME).
		b.WriteString("if type __machina_hook >/dev/null 2>&1; then\n")
		b.WriteString(useLine + "; __machina_hook;\n")
		b.WriteString("else\n")
		for _, line := range strings.SplitAfter(fallback, "\n") {
			if line != "" {
				b.WriteString(strings.TrimSuffix(line, "\n") + ";\n")
			}
		}
		b.WriteString("fi;\n")
	default:
		return "", fmt.Errorf("env for %s: %w", sh.Name(), ErrNoHook)
	}

	hint, err := hintBlock(sh, hintCmd)
	if err != nil {
		return "", err
	}
	b.WriteString(hint)
	return b.String(), nil
}
