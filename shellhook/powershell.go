package shellhook

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

type powershell struct{}

func (powershell) Name() string { return "powershell" }

func (powershell) Export(v Var) (string, error) {
	if err := checkVar(v); err != nil {
		return "", err
	}
	if !utf8.ValidString(v.Value) {
		return "", unsupportedValue("powershell", v, "not valid UTF-8")
	}
	return "$Env:" + v.Name + " = " + quotePowerShell(v.Value) + "\n", nil
}

func (powershell) Unset(name string) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	return `Remove-Item Env:\\` + name + "\n", nil
}

func (powershell) Comment(line string) string { return commentPOSIX(line) }

func (powershell) Hint(cmd string) []string { return []string{"& " + cmd + " | Invoke-Expression"} }

// quotePowerShell returns "..." for printable ASCII without $ ` ", and
// otherwise '...' strings joined with + to [char]0xHHHH for every character
// outside printable ASCII. The output is ASCII on one line: Invoke-Expression
// runs each output line on its own, and a console code page could decode
// UTF-8 bytes into one of the quote characters that PowerShell accepts
// (such as U+2018).
//
// NOTE: the tests do not run PowerShell; they check the text only.
func quotePowerShell(s string) string {
	if isPlainASCII(s, "$`\"") {
		return `"` + s + `"`
	}

	var parts []string
	var literal strings.Builder
	flush := func() {
		if literal.Len() > 0 {
			parts = append(parts, "'"+literal.String()+"'")
			literal.Reset()
		}
	}

	for _, r := range s {
		switch {
		case r == '\'':
			literal.WriteString("''")
		case r >= 0x20 && r < 0x7f:
			literal.WriteRune(r)
		default:
			flush()
			for _, unit := range utf16.Encode([]rune{r}) {
				parts = append(parts, fmt.Sprintf("[char]0x%04X", unit))
			}
		}
	}
	flush()

	if len(parts) == 0 {
		return "''"
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, " + ") + ")"
}
