package shellhook

import (
	"strings"
	"unicode/utf8"
)

// cmdShell is the Windows command prompt, cmd.exe.
type cmdShell struct{}

func (cmdShell) Name() string { return "cmd" }

// Export writes SET NAME=VALUE, which cmd has no way to quote. Values with a
// character that cmd would interpret when it runs the line return an error.
func (cmdShell) Export(v Var) (string, error) {
	if err := checkVar(v); err != nil {
		return "", err
	}
	if !utf8.ValidString(v.Value) {
		return "", unsupportedValue("cmd", v, "not valid UTF-8")
	}
	if strings.IndexFunc(v.Value, isControl) >= 0 {
		return "", unsupportedValue("cmd", v, "cmd cannot set control characters such as newline")
	}
	if i := strings.IndexAny(v.Value, `%^&|<>"!`); i >= 0 {
		return "", unsupportedValue("cmd", v, "cmd would interpret "+v.Value[i:i+1]+" (it cannot carry any of % ^ & | < > \" !)")
	}
	return "SET " + v.Name + "=" + v.Value + "\n", nil
}

// Unset writes SET NAME= because cmd has no other way to remove a variable.
func (cmdShell) Unset(name string) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	return "SET " + name + "=\n", nil
}

func (cmdShell) Comment(line string) string { return "REM " + oneLine(line) + "\n" }

func (cmdShell) Hint(cmd string) []string {
	return []string{`@FOR /f "tokens=*" %i IN ('` + cmd + `') DO @%i`}
}
