package profiles

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFindNestedInnerWins(t *testing.T) {
	root := t.TempDir()
	outer := filepath.Join(root, FileName)
	inner := filepath.Join(root, "a", "b", FileName)
	writeFile(t, outer, `machine = "outer"`)
	writeFile(t, inner, `machine = "inner"`)
	deep := filepath.Join(root, "a", "b", "c", "d")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}

	got, err := Find(deep)
	if err != nil {
		t.Fatal(err)
	}
	if got != inner {
		t.Errorf("Find(%q) = %q, want %q", deep, got, inner)
	}

	got, err = Find(filepath.Join(root, "a"))
	if err != nil {
		t.Fatal(err)
	}
	if got != outer {
		t.Errorf("Find(a) = %q, want %q", got, outer)
	}
}

func TestFindNone(t *testing.T) {
	dir := t.TempDir()

	got, err := Find(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got != "" {
		// A .machine.toml above the temporary directory would make this
		// test meaningless, so report it instead of passing.
		t.Errorf("Find(%q) = %q, want none", dir, got)
	}
}

func TestFindTrailingSlash(t *testing.T) {
	root := t.TempDir()
	want := filepath.Join(root, FileName)
	writeFile(t, want, `machine = "dev"`)
	sub := filepath.Join(root, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}

	for _, dir := range []string{root + "/", sub + "/", sub + "//./"} {
		got, err := Find(dir)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("Find(%q) = %q, want %q", dir, got, want)
		}
	}
}

func TestFindSkipsDirectoryNamedLikeFile(t *testing.T) {
	root := t.TempDir()
	want := filepath.Join(root, FileName)
	writeFile(t, want, `machine = "dev"`)
	if err := os.MkdirAll(filepath.Join(root, "sub", FileName), 0o755); err != nil {
		t.Fatal(err)
	}

	got, err := Find(filepath.Join(root, "sub"))
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("Find = %q, want %q", got, want)
	}
}

func TestFindKeepsSymlinkedPath(t *testing.T) {
	root := t.TempDir()
	real := filepath.Join(root, "real")
	writeFile(t, filepath.Join(real, FileName), `machine = "dev"`)
	link := filepath.Join(root, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Skip("symlinks unsupported:", err)
	}

	got, err := Find(link)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(link, FileName); got != want {
		t.Errorf("Find(%q) = %q, want %q", link, got, want)
	}
}

func TestParseValidKeepsEnvOrder(t *testing.T) {
	content := `# project
machine = "dev-1.local"
profile = "generic"

[env]
ZETA = "last letter"
ALPHA = "first letter"
_MIDDLE = "with = sign and 'quotes'"
EMPTY = ""
`
	p, err := Parse("/proj/.machine.toml", []byte(content))
	if err != nil {
		t.Fatal(err)
	}

	if p.Path != "/proj/.machine.toml" {
		t.Errorf("Path = %q", p.Path)
	}
	if p.Dir != "/proj" {
		t.Errorf("Dir = %q", p.Dir)
	}
	if string(p.Content) != content {
		t.Errorf("Content = %q", p.Content)
	}
	if p.Machine != "dev-1.local" {
		t.Errorf("Machine = %q", p.Machine)
	}
	if p.Profile != "generic" {
		t.Errorf("Profile = %q", p.Profile)
	}

	want := []Var{
		{"ZETA", "last letter"},
		{"ALPHA", "first letter"},
		{"_MIDDLE", "with = sign and 'quotes'"},
		{"EMPTY", ""},
	}
	if len(p.Env) != len(want) {
		t.Fatalf("Env = %q, want %q", p.Env, want)
	}
	for i := range want {
		if p.Env[i] != want[i] {
			t.Errorf("Env[%d] = %q, want %q", i, p.Env[i], want[i])
		}
	}
}

func TestParseInlineEnvTable(t *testing.T) {
	p, err := Parse("/p/.machine.toml", []byte("machine = \"dev\"\nenv = { B = \"2\", A = \"1\" }\n"))
	if err != nil {
		t.Fatal(err)
	}

	if len(p.Env) != 2 || p.Env[0].Name != "B" || p.Env[1].Name != "A" {
		t.Errorf("Env = %q, want B then A", p.Env)
	}
}

func TestParseMinimal(t *testing.T) {
	p, err := Parse("/p/.machine.toml", []byte(`machine = "dev"`))
	if err != nil {
		t.Fatal(err)
	}

	if p.Profile != "" {
		t.Errorf("Profile = %q, want empty", p.Profile)
	}
	if p.Env != nil {
		t.Errorf("Env = %q, want nil", p.Env)
	}
}

func TestParseRelativePathMadeAbsolute(t *testing.T) {
	p, err := Parse(FileName, []byte(`machine = "dev"`))
	if err != nil {
		t.Fatal(err)
	}

	if !filepath.IsAbs(p.Path) {
		t.Errorf("Path = %q, want absolute", p.Path)
	}
}

func TestParseSyntaxErrorLine(t *testing.T) {
	content := "machine = \"dev\"\n\n[env]\nA = \"1\"\nB = \n"
	_, err := Parse("/proj/.machine.toml", []byte(content))
	if err == nil {
		t.Fatal("Parse succeeded, want syntax error")
	}

	var fileErr *FileError
	if !errors.As(err, &fileErr) {
		t.Fatalf("error %v is %T, want *FileError", err, err)
	}
	if fileErr.Line != 5 {
		t.Errorf("Line = %d, want 5", fileErr.Line)
	}
	if !strings.HasPrefix(err.Error(), "/proj/.machine.toml:5: ") {
		t.Errorf("error %q does not start with file:line", err)
	}
}

func TestParseDuplicateKeyLine(t *testing.T) {
	_, err := Parse("/p/.machine.toml", []byte("machine = \"a\"\nmachine = \"b\"\n"))

	var fileErr *FileError
	if !errors.As(err, &fileErr) {
		t.Fatalf("error %v, want *FileError", err)
	}
	if fileErr.Line != 2 {
		t.Errorf("Line = %d, want 2", fileErr.Line)
	}
}

func TestParseUnknownKey(t *testing.T) {
	tests := []struct {
		content string
		key     string
	}{
		{"machine = \"dev\"\nmachien = \"x\"\n", `"machien"`},
		{"Machine = \"dev\"\n", `"Machine"`},
		{"machine = \"dev\"\n[envs]\nA = \"1\"\n", `"envs"`},
		{"machine = \"dev\"\nshell.rc = \"x\"\n", `"shell.rc"`},
	}
	for _, tt := range tests {
		_, err := Parse("/proj/.machine.toml", []byte(tt.content))
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want unknown key error", tt.content)
			continue
		}

		msg := err.Error()
		if !strings.Contains(msg, "unknown key") || !strings.Contains(msg, tt.key) {
			t.Errorf("Parse(%q) error %q does not name unknown key %s", tt.content, msg, tt.key)
		}
		if !strings.Contains(msg, "/proj/.machine.toml") {
			t.Errorf("Parse(%q) error %q does not name the file", tt.content, msg)
		}
	}
}

func TestParseMissingMachine(t *testing.T) {
	_, err := Parse("/proj/.machine.toml", []byte("profile = \"p\"\n"))
	if err == nil {
		t.Fatal("Parse succeeded, want missing machine error")
	}

	if !strings.Contains(err.Error(), "/proj/.machine.toml") {
		t.Errorf("error %q does not name the file", err)
	}
	if !strings.Contains(err.Error(), "missing machine") {
		t.Errorf("error %q does not say machine is missing", err)
	}
}

func TestParseInvalidNames(t *testing.T) {
	tests := []struct {
		content string
		value   string
	}{
		{`machine = "-dev"`, `"-dev"`},
		{`machine = "dev box"`, `"dev box"`},
		{`machine = ""`, `""`},
		{`machine = "a/b"`, `"a/b"`},
		{"machine = \"dev\"\nprofile = \"../etc\"", `"../etc"`},
		{"machine = \"dev\"\nprofile = \"\"", `""`},
	}
	for _, tt := range tests {
		_, err := Parse("/p/.machine.toml", []byte(tt.content))
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want invalid name error", tt.content)
			continue
		}
		if !strings.Contains(err.Error(), tt.value) {
			t.Errorf("Parse(%q) error %q does not name %s", tt.content, err, tt.value)
		}
	}
}

func TestParseWrongTypes(t *testing.T) {
	tests := []struct {
		content string
		want    string
	}{
		{`machine = 5`, "machine must be a string, not an integer"},
		{"machine = \"dev\"\nprofile = true", "profile must be a string, not a boolean"},
		{"machine = \"dev\"\nenv = \"A=1\"", "env must be a table, not a string"},
		{"machine = \"dev\"\n[env]\nA = 1", `[env] key "A": value must be a string, not an integer`},
		{"machine = \"dev\"\n[env.A]\nx = \"1\"", `[env] key "A": value must be a string, not a table`},
	}
	for _, tt := range tests {
		_, err := Parse("/p/.machine.toml", []byte(tt.content))
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want %q", tt.content, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) error %q, want it to contain %q", tt.content, err, tt.want)
		}
	}
}

func TestParseEnvNUL(t *testing.T) {
	_, err := Parse("/p/.machine.toml", []byte("machine = \"dev\"\n[env]\nBAD = \"a\\u0000b\"\n"))
	if err == nil {
		t.Fatal("Parse succeeded, want NUL error")
	}

	if !strings.Contains(err.Error(), `"BAD"`) {
		t.Errorf("error %q does not name the key", err)
	}
	if !strings.Contains(err.Error(), "NUL") {
		t.Errorf("error %q does not mention NUL", err)
	}
}

func TestParseEnvNames(t *testing.T) {
	tests := []struct {
		name string
		want string
	}{
		{"1ABC", "invalid environment variable name"},
		{"A-B", "invalid environment variable name"},
		{"A.B", "invalid environment variable name"},
		{"", "invalid environment variable name"},
		{"A B", "invalid environment variable name"},
		{"__MACHINA_PREV", "reserved for the shell hook"},
		{"DOCKER_HOST", "machina sets DOCKER_HOST"},
		{"DOCKER_TLS_VERIFY", "machina sets DOCKER_TLS_VERIFY"},
		{"DOCKER_CERT_PATH", "machina sets DOCKER_CERT_PATH"},
		{"DOCKER_MACHINE_NAME", "machina sets DOCKER_MACHINE_NAME"},
	}
	for _, tt := range tests {
		content := "machine = \"dev\"\n[env]\n\"" + tt.name + "\" = \"x\"\n"
		_, err := Parse("/p/.machine.toml", []byte(content))
		if err == nil {
			t.Errorf("env name %q accepted, want error", tt.name)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("env name %q: error %q, want it to contain %q", tt.name, err, tt.want)
		}
		if !strings.Contains(err.Error(), `"`+tt.name+`"`) {
			t.Errorf("env name %q: error %q does not name the key", tt.name, err)
		}
	}
}

func TestLoadReadsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	writeFile(t, path, "machine = \"dev\"\n")

	p, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if p.Machine != "dev" || p.Path != path {
		t.Errorf("Load = %+v", p)
	}
}

func TestLoadRejectsHugeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	writeFile(t, path, "machine = \"dev\"\n#"+strings.Repeat("x", maxFileSize)+"\n")

	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("Load of an oversized file: error %v, want size error", err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), FileName))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing file: error %v, want ErrNotExist", err)
	}
}
