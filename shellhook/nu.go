package shellhook

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// nu is Nushell, which Docker Machine did not support.
type nu struct{}

func (nu) Name() string { return "nu" }

func (nu) Export(v Var) (string, error) {
	if err := checkVar(v); err != nil {
		return "", err
	}
	if !utf8.ValidString(v.Value) {
		return "", unsupportedValue("nu", v, "not valid UTF-8")
	}
	return "$env." + v.Name + " = " + quoteNu(v.Value) + "\n", nil
}

func (nu) Unset(name string) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	return "hide-env " + name + "\n", nil
}

func (nu) Comment(line string) string { return commentPOSIX(line) }

// Hint writes two commands because nu reads a sourced file when it parses
// the command line, before an earlier command on the same line has run.
func (nu) Hint(cmd string) []string {
	return []string{cmd + " | save --force machina-env.nu", "source machina-env.nu"}
}

// quoteNu returns s as a Nushell double-quoted string. Control characters
// become escapes, so the string stays on one line.
//
// NOTE: the tests do not run nu; the escapes follow the string tests of
// nu-parser 0.112.
func quoteNu(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case isControl(r):
			fmt.Fprintf(&b, `\u{%x}`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
