package activate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/machina-dev/machina/profiles"
)

func newDirs(t *testing.T) profiles.Dirs {
	root := t.TempDir()
	return profiles.Dirs{Config: filepath.Join(root, "config"), State: filepath.Join(root, "state"), Cache: filepath.Join(root, "cache")}
}

func writeProject(t *testing.T, dir, machine string) *profiles.Project {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, profiles.FileName)
	if err := os.WriteFile(path, []byte("machine = \""+machine+"\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := profiles.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDecidePrecedence(t *testing.T) {
	dirs := newDirs(t)
	root := t.TempDir()
	outer := writeProject(t, filepath.Join(root, "outer"), "filemachine")
	if err := dirs.Trust().Allow(outer); err != nil {
		t.Fatal(err)
	}
	if err := profiles.WriteGlobal(dirs, "globalmachine"); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name, use, dir, machine string
		source                  Source
	}{
		{"shell wins over file", "shellmachine", filepath.Join(root, "outer"), "shellmachine", FromShell},
		{"shell none wins over file", UseNone, filepath.Join(root, "outer"), "", FromShell},
		{"trusted file", "", filepath.Join(root, "outer"), "filemachine", FromFile},
		{"global outside projects", "", root, "globalmachine", FromGlobal},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := Decide(dirs, c.use, c.dir)
			if d.Machine != c.machine {
				t.Errorf("Machine = %q, want %q", d.Machine, c.machine)
			}
			if d.Source != c.source {
				t.Errorf("Source = %v, want %v", d.Source, c.source)
			}
		})
	}
}

// TestUntrustedInnerFallsToGlobal checks that the nearest .machine.toml
// decides, trusted or not: an untrusted inner file hides the trusted outer
// one, and the global default applies.
func TestUntrustedInnerFallsToGlobal(t *testing.T) {
	dirs := newDirs(t)
	root := t.TempDir()
	outer := writeProject(t, filepath.Join(root, "outer"), "filemachine")
	dirs.Trust().Allow(outer)
	writeProject(t, filepath.Join(root, "outer", "inner"), "innermachine")
	profiles.WriteGlobal(dirs, "globalmachine")

	d := Decide(dirs, "", filepath.Join(root, "outer", "inner"))
	if d.Machine != "globalmachine" || d.Source != FromGlobal {
		t.Errorf("Decide = %q from %v, want globalmachine from the global default", d.Machine, d.Source)
	}
	if d.ProjectErr == nil || !strings.Contains(d.ProjectErr.Error(), "machina allow") {
		t.Errorf("ProjectErr = %v, want the allow hint", d.ProjectErr)
	}
}

func TestShellQuote(t *testing.T) {
	cases := map[string]string{
		"/home/me/src":    "/home/me/src",
		"/tmp/a b":        "'/tmp/a b'",
		"/tmp/$(touch x)": "'/tmp/$(touch x)'",
		"/tmp/it's":       `'/tmp/it'\''s'`,
		"/tmp/new\nline":  "'/tmp/new\nline'",
	}
	for in, want := range cases {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %q, want %q", in, got, want)
		}
	}
}
