package shellhook

import (
	"strings"
	"unicode/utf8"
)

type tcsh struct{}

func (tcsh) Name() string { return "tcsh" }

// Export quotes for the way tcsh users load the output: eval `machina env
// NAME`. The backquotes split the output into words at blanks and newlines,
// eval joins them with single spaces, and tcsh then applies history,
// brace, glob and tilde expansion to the joined line before it reads the
// quotes. So the value must survive that as well as the quotes.
func (tcsh) Export(v Var) (string, error) {
	if err := checkVar(v); err != nil {
		return "", err
	}
	quoted, err := quoteTcsh(v)
	if err != nil {
		return "", err
	}
	return "setenv " + v.Name + " " + quoted + ";\n", nil
}

func (tcsh) Unset(name string) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	return "unsetenv " + name + ";\n", nil
}

// Comment uses the null command ":" as Docker Machine 0.16 did, because
// tcsh 6.24 reports "#: Command not found." when an interactive shell evals
// a # line. Unlike Docker Machine it single-quotes the line, so that eval
// does not run the backquoted command of the hint a second time.
func (tcsh) Comment(line string) string {
	quoted := strings.NewReplacer("'", `'\''`, "!", `\!`).Replace(oneLine(line))
	return ": '" + quoted + "'\n"
}

func (tcsh) Hint(cmd string) []string { return []string{"eval `" + cmd + "`"} }

// quoteTcsh returns "..." for plain values and '...' otherwise, with ' as
// '\” and ! as \!, which tcsh reads as a literal ! even inside quotes.
// Values that the eval `...` path cannot carry byte for byte, or that tcsh
// would expand, return an error.
func quoteTcsh(v Var) (string, error) {
	s := v.Value
	if !utf8.ValidString(s) {
		return "", unsupportedValue("tcsh", v, "not valid UTF-8")
	}
	if strings.IndexFunc(s, isControl) >= 0 {
		return "", unsupportedValue("tcsh", v, "control characters such as newline or tab do not survive eval `...`")
	}
	if strings.Contains(s, "  ") {
		return "", unsupportedValue("tcsh", v, "eval `...` joins runs of spaces into one")
	}
	if strings.ContainsAny(s, "*?[]{}") {
		return "", unsupportedValue("tcsh", v, "tcsh expands * ? [ ] { } in the output of eval `...` even inside quotes")
	}
	if strings.Contains(s, " ~") || strings.Contains(s, " =") {
		return "", unsupportedValue("tcsh", v, "tcsh expands ~ and = after a space in the output of eval `...`")
	}

	if isPlainASCII(s, "$`\"!\\'") {
		return `"` + s + `"`, nil
	}

	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'':
			b.WriteString(`'\''`)
		case '!':
			b.WriteString(`\!`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String(), nil
}
