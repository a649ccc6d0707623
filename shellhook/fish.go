package shellhook

import (
	"fmt"
	"strings"
	"text/template"
	"unicode/utf8"
)

type fish struct{}

func (fish) Name() string { return "fish" }

func (fish) Export(v Var) (string, error) {
	if err := checkVar(v); err != nil {
		return "", err
	}
	return "set -gx " + v.Name + " " + quoteFish(v.Value) + ";\n", nil
}

func (fish) Unset(name string) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	return "set -e " + name + ";\n", nil
}

func (fish) Comment(line string) string { return commentPOSIX(line) }

func (fish) Hint(cmd string) []string { return []string{cmd + " | source"} }

// quoteFish quotes s for fish: "..." for printable ASCII without $ \ ",
// else '...' in which only \\ and \' are escapes. Control characters and
// bytes that are not valid UTF-8 go outside the quotes as \xHH or \XHH,
// so the output is one line.
func quoteFish(s string) string {
	if isPlainASCII(s, `$\"`) {
		return `"` + s + `"`
	}

	var b strings.Builder
	quoted := false
	setQuoted := func(q bool) {
		if q != quoted {
			b.WriteByte('\'')
			quoted = q
		}
	}

	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			// \X writes one byte, which fish keeps as is in the environment.
			setQuoted(false)
			fmt.Fprintf(&b, `\X%02x`, s[i])
		case isControl(r):
			setQuoted(false)
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\' || r == '\'':
			setQuoted(true)
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			setQuoted(true)
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	setQuoted(false)

	if b.Len() == 0 {
		return "''"
	}
	return b.String()
}

var fishHookTemplate = mustParseHook("fish", fishHook)

func (fish) hookTemplate() *template.Template { return fishHookTemplate }

func (fish) quote(s string) string { return quoteFish(s) }

func (fish) entryLine(name string, values []string, list bool) string {
	var b strings.Builder
	b.WriteString("set -f " + name)
	for _, v := range values {
		b.WriteString(" " + quoteFish(v))
	}
	b.WriteString("\n")
	return b.String()
}

func (fish) fileBytes(b []byte) string { return string(b) }

func (fish) entryExt() string { return ".fish" }
