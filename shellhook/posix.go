package shellhook

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// quotePOSIX quotes s for bash and zsh, choosing the most readable form that
// keeps every byte: "..." for printable ASCII without $ ` \ " !, '...' for
// printable text in valid UTF-8, and $'...' with \xHH escapes otherwise.
// The '...' form never writes an empty pair of quotes next to an escaped
// quote, so zsh reads it the same with or without RC_QUOTES.
func quotePOSIX(s string) string {
	switch {
	case isPlainASCII(s, `$`+"`"+`\"!`):
		return `"` + s + `"`
	case utf8.ValidString(s) && strings.IndexFunc(s, isControl) < 0:
		return singleQuotePOSIX(s)
	default:
		return dollarQuote(s)
	}
}

// isPlainASCII reports whether s contains only printable ASCII characters
// that are not in special.
func isPlainASCII(s, special string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || strings.IndexByte(special, c) >= 0 {
			return false
		}
	}
	return true
}

func singleQuotePOSIX(s string) string {
	if s == "" {
		return "''"
	}

	var b strings.Builder
	for i, part := range strings.Split(s, "'") {
		if i > 0 {
			b.WriteString(`\'`)
		}
		if part != "" {
			b.WriteString("'" + part + "'")
		}
	}
	return b.String()
}

// dollarQuote writes s as an ANSI-C quoted string, which bash and zsh both
// read byte for byte. Every byte outside printable ASCII becomes \xHH, so
// the output is one line of ASCII.
func dollarQuote(s string) string {
	var b strings.Builder
	b.WriteString("$'")
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == '\'':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteString("'")
	return b.String()
}

// exportPOSIX returns the bash and zsh export line of v.
func exportPOSIX(v Var) (string, error) {
	if err := checkVar(v); err != nil {
		return "", err
	}
	return "export " + v.Name + "=" + quotePOSIX(v.Value) + "\n", nil
}

func unsetPOSIX(name string) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	return "unset " + name + "\n", nil
}

// commentPOSIX returns line as a # comment. Line breaks in line become
// spaces, so the comment cannot end early.
func commentPOSIX(line string) string {
	return "# " + oneLine(line) + "\n"
}

// oneLine replaces CR and LF in s with spaces.
func oneLine(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}

// entryLinePOSIX returns a bash and zsh assignment for a cache entry.
func entryLinePOSIX(name string, values []string, list bool) string {
	if !list {
		return name + "=" + quotePOSIX(strings.Join(values, "")) + "\n"
	}

	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = quotePOSIX(v)
	}
	return name + "=(" + strings.Join(quoted, " ") + ")\n"
}
