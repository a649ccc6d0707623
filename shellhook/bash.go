package shellhook

import "text/template"

type bash struct{}

func (bash) Name() string { return "bash" }

func (bash) Export(v Var) (string, error) { return exportPOSIX(v) }

func (bash) Unset(name string) (string, error) { return unsetPOSIX(name) }

func (bash) Comment(line string) string { return commentPOSIX(line) }

func (bash) Hint(cmd string) []string { return []string{`eval "$(` + cmd + `)"`} }

var bashHookTemplate = mustParseHook("bash", bashHook)

func (bash) hookTemplate() *template.Template { return bashHookTemplate }

func (bash) quote(s string) string { return quotePOSIX(s) }

func (bash) entryLine(name string, values []string, list bool) string {
	return entryLinePOSIX(name, values, list)
}

func (bash) fileBytes(b []byte) string { return string(b) }

func (bash) entryExt() string { return ".bash" }
