package shellhook

import (
	"strings"
	"text/template"
)

type zsh struct{}

func (zsh) Name() string { return "zsh" }

func (zsh) Export(v Var) (string, error) { return exportPOSIX(v) }

func (zsh) Unset(name string) (string, error) { return unsetPOSIX(name) }

func (zsh) Comment(line string) string { return commentPOSIX(line) }

func (zsh) Hint(cmd string) []string { return []string{`eval "$(` + cmd + `)"`} }

var zshHookTemplate = mustParseHook("zsh", zshHook)

func (zsh) hookTemplate() *template.Template { return zshHookTemplate }

func (zsh) quote(s string) string { return quotePOSIX(s) }

func (zsh) entryLine(name string, values []string, list bool) string {
	return entryLinePOSIX(name, values, list)
}

// fileBytes drops trailing newlines because the zsh hook reads files with
// $(<file), which drops them too.
func (zsh) fileBytes(b []byte) string { return strings.TrimRight(string(b), "\n") }

func (zsh) entryExt() string { return ".zsh" }
