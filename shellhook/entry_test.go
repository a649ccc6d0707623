package shellhook

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEncodePath(t *testing.T) {
	tests := map[string]string{
		"/home/ann/proj": "%2Fhome%2Fann%2Fproj",
		"/a%2Fb":         "%2Fa%252Fb",
		"%":              "%25",
		"/":              "%2F",
		"dev":            "dev",
		"a b\nc":         "a b\nc",
	}
	for in, want := range tests {
		if got := EncodePath(in); got != want {
			t.Errorf("EncodePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriteDirEntryFiles(t *testing.T) {
	cache := filepath.Join(t.TempDir(), "cache")
	e := DirEntry{Dir: "/home/ann/proj", Toml: []byte("machine = \"dev\"\n"), TrustPath: "/state/trust/x", Machine: "dev"}
	for range 2 {
		if err := WriteDirEntry(cache, e); err != nil {
			t.Fatal(err)
		}
	}

	dir := filepath.Join(cache, "d")
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o700 {
		t.Errorf("mode of %s = %o, want 700", dir, perm)
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, entry := range entries {
		names = append(names, entry.Name())
		info, err := entry.Info()
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("mode of %s = %o, want 600", entry.Name(), perm)
		}
	}
	want := "%2Fhome%2Fann%2Fproj.bash %2Fhome%2Fann%2Fproj.fish %2Fhome%2Fann%2Fproj.zsh"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("files in %s: %s, want %s", dir, got, want)
	}
}

func TestWriteDirEntryTrustFlag(t *testing.T) {
	cache := t.TempDir()
	for trust, want := range map[string]string{"absent": "__machina_e_trust_exists=\"0\"", "empty": "__machina_e_trust_exists=\"1\""} {
		e := DirEntry{Dir: "/p", TrustPath: "/t"}
		if trust == "empty" {
			e.Trust = []byte{}
		}
		if err := WriteDirEntry(cache, e); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(cache, "d", "%2Fp.bash"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), want) {
			t.Errorf("trust %s: entry does not contain %s:\n%s", trust, want, data)
		}
	}
}

func TestWriteDirEntryZshDropsTrailingNewlines(t *testing.T) {
	cache := t.TempDir()
	if err := WriteDirEntry(cache, DirEntry{Dir: "/p", Toml: []byte("a\n\n")}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(cache, "d", "%2Fp.zsh"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "__machina_e_toml=\"a\"\n") {
		t.Errorf("zsh entry keeps trailing newlines of the toml file:\n%s", data)
	}
}

func TestWriteDirEntryLongNameWritesNothing(t *testing.T) {
	cache := t.TempDir()
	dir := "/" + strings.Repeat("a", 250)
	if err := WriteDirEntry(cache, DirEntry{Dir: dir}); err != nil {
		t.Fatalf("WriteDirEntry with a long directory: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(cache, "d"))
	if len(entries) != 0 {
		t.Errorf("WriteDirEntry with a long directory wrote %d files", len(entries))
	}
	if err := RemoveDirEntry(cache, dir); err != nil {
		t.Errorf("RemoveDirEntry with a long directory: %v", err)
	}
}

func TestWriteDirEntryRejects(t *testing.T) {
	tests := map[string]DirEntry{
		"relative dir":      {Dir: "proj"},
		"unclean dir":       {Dir: "/a/../proj"},
		"other toml path":   {Dir: "/proj", TomlPath: "/other/.machine.toml"},
		"reserved name":     {Dir: "/proj", Extra: []Var{{"__MACHINA_USE", "x"}}},
		"invalid name":      {Dir: "/proj", Extra: []Var{{"A-B", "x"}}},
		"NUL in extra":      {Dir: "/proj", Extra: []Var{{"A", "x\x00"}}},
		"NUL in toml":       {Dir: "/proj", Toml: []byte("a\x00")},
		"NUL in machine":    {Dir: "/proj", Machine: "a\x00"},
		"NUL in trust path": {Dir: "/proj", TrustPath: "/t\x00"},
	}
	for name, e := range tests {
		if err := WriteDirEntry(t.TempDir(), e); err == nil {
			t.Errorf("%s: WriteDirEntry returned no error", name)
		}
	}
}

func TestWriteMachineEntryRejects(t *testing.T) {
	tests := map[string]MachineEntry{
		"empty name":      {ConfigPath: "/c"},
		"relative config": {Name: "dev", ConfigPath: "config.json"},
		"reserved name":   {Name: "dev", ConfigPath: "/c", Vars: []Var{{"__machina_x", "1"}}},
		"NUL in config":   {Name: "dev", ConfigPath: "/c", Config: []byte("\x00")},
	}
	for name, e := range tests {
		if err := WriteMachineEntry(t.TempDir(), e); err == nil {
			t.Errorf("%s: WriteMachineEntry returned no error", name)
		}
	}
}

func TestWriteMachineEntryEncodesName(t *testing.T) {
	cache := t.TempDir()
	if err := WriteMachineEntry(cache, MachineEntry{Name: "../x", ConfigPath: "/c"}); err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{".bash", ".zsh", ".fish"} {
		if _, err := os.Stat(filepath.Join(cache, "m", "..%2Fx"+ext)); err != nil {
			t.Errorf("machine entry for ../x: %v", err)
		}
	}
}

func TestRemoveDirEntry(t *testing.T) {
	cache := t.TempDir()
	if err := WriteDirEntry(cache, DirEntry{Dir: "/p"}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := RemoveDirEntry(cache, "/p"); err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(cache, "d"))
	if len(entries) != 0 {
		t.Errorf("RemoveDirEntry left %d files", len(entries))
	}
}

func TestApplyOutput(t *testing.T) {
	vars := []Var{{"DOCKER_HOST", "tcp://1.2.3.4:2376"}, {"X", "it's $x"}}
	tests := map[string]string{
		"bash": `__machina_apply "dev" DOCKER_HOST "tcp://1.2.3.4:2376" X 'it'\''s $x'` + "\n",
		"zsh":  `__machina_apply "dev" DOCKER_HOST "tcp://1.2.3.4:2376" X 'it'\''s $x'` + "\n",
		"fish": `__machina_apply "dev" DOCKER_HOST "tcp://1.2.3.4:2376" X 'it\'s $x'` + "\n",
	}
	for name, want := range tests {
		sh, _ := Lookup(name)
		got, err := Apply(sh, "dev", vars)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s Apply = %s, want %s", name, got, want)
		}
	}

	got, err := Apply(bash{}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got != "__machina_apply \"\"\n" {
		t.Errorf("Apply with no machine = %q", got)
	}
}

func TestApplyRejects(t *testing.T) {
	if _, err := Apply(tcsh{}, "dev", nil); !errors.Is(err, ErrNoHook) {
		t.Errorf("Apply for tcsh: error %v, want ErrNoHook", err)
	}
	for _, v := range []Var{{"__MACHINA_VARS", "x"}, {"__machina_dir", "x"}, {"1X", "x"}, {"X", "\x00"}} {
		if _, err := Apply(bash{}, "dev", []Var{v}); err == nil {
			t.Errorf("Apply with %q=%q returned no error", v.Name, v.Value)
		}
	}
	if _, err := Apply(bash{}, "a\x00", nil); err == nil {
		t.Error("Apply with NUL in the machine name returned no error")
	}
}

func TestHookRejects(t *testing.T) {
	good := HookParams{Machina: "/usr/bin/machina", CacheDir: "/c", StateDir: "/s", StorePath: "/store"}
	if _, err := Hook(powershell{}, good); !errors.Is(err, ErrNoHook) {
		t.Errorf("Hook for powershell: error %v, want ErrNoHook", err)
	}

	bad := []HookParams{
		{Machina: "machina", CacheDir: "/c", StateDir: "/s"},
		{Machina: "/m", CacheDir: "c", StateDir: "/s"},
		{Machina: "/m", CacheDir: "/c", StateDir: ""},
		{Machina: "/m\x00", CacheDir: "/c", StateDir: "/s"},
	}
	for _, p := range bad {
		if _, err := Hook(bash{}, p); err == nil {
			t.Errorf("Hook(%+v) returned no error", p)
		}
	}
}

func TestHookQuotesParams(t *testing.T) {
	p := HookParams{Machina: "/opt/my tools/machina", CacheDir: "/c/it's", StateDir: "/s/$HOME", StorePath: "/store"}
	tests := map[string][]string{
		"bash": {`__machina_bin="/opt/my tools/machina"`, `__machina_cache="/c/it's"`, `__machina_state='/s/$HOME'`},
		"zsh":  {`typeset -g __machina_bin="/opt/my tools/machina"`, `typeset -g __machina_state='/s/$HOME'`},
		"fish": {`set -g __machina_bin "/opt/my tools/machina"`, `set -g __machina_cache "/c/it's"`, `set -g __machina_state '/s/$HOME'`},
	}
	for name, wants := range tests {
		sh, _ := Lookup(name)
		code, err := Hook(sh, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range wants {
			if !strings.Contains(code, want+"\n") {
				t.Errorf("%s hook does not contain %s", name, want)
			}
		}
	}
}

func TestUseScript(t *testing.T) {
	tests := []struct {
		shell, machine, want string
	}{
		{"bash", "dev", "export __MACHINA_USE=\"dev\"\n"},
		{"bash", ":none", "export __MACHINA_USE=\":none\"\n"},
		{"bash", "", "unset __MACHINA_USE\n"},
		{"fish", "dev", "set -gx __MACHINA_USE \"dev\";\n"},
		{"fish", "", "set -e __MACHINA_USE;\n"},
	}
	for _, tt := range tests {
		sh, _ := Lookup(tt.shell)
		got, err := UseScript(sh, tt.machine)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("%s UseScript(%q) = %q, want %q", tt.shell, tt.machine, got, tt.want)
		}
	}
}
