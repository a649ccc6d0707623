package shellhook

import (
	"fmt"
	"strings"
)

type emacs struct{}

func (emacs) Name() string { return "emacs" }

func (emacs) Export(v Var) (string, error) {
	if err := checkVar(v); err != nil {
		return "", err
	}
	return `(setenv "` + v.Name + `" ` + quoteElisp(v.Value) + ")\n", nil
}

func (emacs) Unset(name string) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	return `(setenv "` + name + `" nil)` + "\n", nil
}

func (emacs) Comment(line string) string { return ";; " + oneLine(line) + "\n" }

func (emacs) Hint(cmd string) []string {
	return []string{`(with-temp-buffer (shell-command "` + cmd + `" (current-buffer)) (eval-buffer))`}
}

// quoteElisp returns s as an Emacs Lisp string literal. Control characters
// become three-digit octal escapes, so the literal stays on one line.
func quoteElisp(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\%03o`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
