// Package shellhook writes shell code. It prints the exports of `machina env`
// for each shell that Docker Machine 0.16 supported, plus nu. It also writes
// the bash, zsh and fish hook, which exports the active machine's variables
// when the user enters a project with a trusted .machine.toml file.
package shellhook

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// Var is one environment variable to export.
type Var struct{ Name, Value string }

// Shell writes code in one shell's syntax. Export and Unset return an error
// for a name or value that the shell cannot carry safely, so that no value
// can run as code.
type Shell interface {
	// Name returns the name that Lookup accepts, such as "bash".
	Name() string
	// Export returns one line that exports v, ending in a newline.
	Export(v Var) (string, error)
	// Unset returns one line that removes the variable, ending in a newline.
	Unset(name string) (string, error)
	// Comment returns line as a comment, ending in a newline.
	Comment(line string) string
	// Hint returns the command lines that load the output of cmd into the
	// running shell, such as `eval "$(cmd)"` for bash.
	Hint(cmd string) []string
}

// ErrUnknownShell is wrapped by the error of Lookup for a shell it does not know.
var ErrUnknownShell = errors.New("unknown shell")

var shells = map[string]Shell{
	"bash":       bash{},
	"zsh":        zsh{},
	"fish":       fish{},
	"powershell": powershell{},
	"cmd":        cmdShell{},
	"tcsh":       tcsh{},
	"emacs":      emacs{},
	"nu":         nu{},
}

// aliases maps other names of a shell, as $SHELL or a user may spell them,
// to the name in shells.
var aliases = map[string]string{
	"sh":   "bash",
	"pwsh": "powershell",
	"csh":  "tcsh",
}

// Lookup returns the shell with the given name. An unknown name returns an
// error that wraps ErrUnknownShell and lists the valid names.
func Lookup(name string) (Shell, error) {
	if alias, ok := aliases[name]; ok {
		name = alias
	}

	if sh, ok := shells[name]; ok {
		return sh, nil
	}

	return nil, fmt.Errorf("%w %q: use one of %s", ErrUnknownShell, name, strings.Join(ShellNames(), ", "))
}

// ShellNames returns the names that Lookup accepts, without aliases, sorted.
func ShellNames() []string {
	names := make([]string, 0, len(shells))
	for name := range shells {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Detect returns the shell name for the value of $SHELL: its base name
// without a ".exe" suffix, or "bash" when shellEnv is empty. Lookup decides
// whether the name is known.
func Detect(shellEnv string) string {
	shellEnv = strings.TrimSpace(shellEnv)
	if shellEnv == "" {
		return "bash"
	}

	base := filepath.Base(strings.ReplaceAll(shellEnv, `\`, "/"))
	base = strings.TrimPrefix(base, "-")
	base = strings.TrimSuffix(strings.ToLower(base), ".exe")
	if base == "" || base == "." || base == "/" {
		return "bash"
	}
	return base
}

// EnvScript returns the exports of vars, in order, followed by a comment
// that shows how to load the output, where hintCmd is the command that
// printed it (such as "machina env dev").
func EnvScript(sh Shell, vars []Var, hintCmd string) (string, error) {
	var b strings.Builder
	for _, v := range vars {
		line, err := sh.Export(v)
		if err != nil {
			return "", err
		}
		b.WriteString(line)
	}

	hint, err := hintBlock(sh, hintCmd)
	if err != nil {
		return "", err
	}
	b.WriteString(hint)
	return b.String(), nil
}

// UnsetScript returns the code that removes the variables names, in order,
// followed by the same comment as EnvScript.
func UnsetScript(sh Shell, names []string, hintCmd string) (string, error) {
	var b strings.Builder
	for _, name := range names {
		line, err := sh.Unset(name)
		if err != nil {
			return "", err
		}
		b.WriteString(line)
	}

	hint, err := hintBlock(sh, hintCmd)
	if err != nil {
		return "", err
	}
	b.WriteString(hint)
	return b.String(), nil
}

// hintBlock returns the comment lines that end the output of `machina env`.
// An empty hintCmd returns no hint.
func hintBlock(sh Shell, hintCmd string) (string, error) {
	if hintCmd == "" {
		return "", nil
	}
	if i := strings.IndexFunc(hintCmd, isControl); i >= 0 {
		return "", fmt.Errorf("invalid hint command %q: control character %q", hintCmd, hintCmd[i])
	}

	var b strings.Builder
	b.WriteString(sh.Comment("Run this command to configure your shell:"))
	for _, line := range sh.Hint(hintCmd) {
		b.WriteString(sh.Comment(line))
	}
	return b.String(), nil
}

// checkVar returns an error unless v has a valid name and a value without
// NUL, which no environment variable can contain.
func checkVar(v Var) error {
	if err := checkName(v.Name); err != nil {
		return err
	}
	if strings.IndexByte(v.Value, 0) >= 0 {
		return fmt.Errorf("invalid value %q for %s: environment variables cannot contain NUL", v.Value, v.Name)
	}
	return nil
}

// checkName returns an error unless name is a portable environment variable
// name: an ASCII letter or underscore, then letters, digits or underscores.
func checkName(name string) error {
	if name == "" {
		return errors.New("invalid variable name: empty")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_', 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return fmt.Errorf("invalid variable name %q: use ASCII letters, digits and underscores, not starting with a digit", name)
		}
	}
	return nil
}

// isControl reports whether r is an ASCII control character or DEL.
func isControl(r rune) bool {
	return r < 0x20 || r == 0x7f
}

// unsupportedValue returns the error for a value that shell cannot carry safely.
func unsupportedValue(shell string, v Var, reason string) error {
	return fmt.Errorf("cannot export %s=%q in %s: %s", v.Name, v.Value, shell, reason)
}
