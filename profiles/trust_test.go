package profiles

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// newProject writes a .machine.toml under dir and loads it.
func newProject(t *testing.T, dir, content string) *Project {
	t.Helper()
	path := filepath.Join(dir, FileName)
	writeFile(t, path, content)

	p, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newTrust(t *testing.T) Trust {
	t.Helper()
	return Dirs{State: filepath.Join(t.TempDir(), "state")}.Trust()
}

func wantStatus(t *testing.T, trust Trust, p *Project, want TrustState) {
	t.Helper()
	got, err := trust.Status(p)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("Status(%s) = %v, want %v", p.Path, got, want)
	}
}

func TestTrustLifecycle(t *testing.T) {
	trust := newTrust(t)
	dir := t.TempDir()
	p := newProject(t, dir, "machine = \"dev\"\n")

	wantStatus(t, trust, p, Untrusted)

	if err := trust.Allow(p); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, trust, p, Trusted)

	edited := newProject(t, dir, "machine = \"prod\"\n")
	wantStatus(t, trust, edited, Changed)

	if err := trust.Deny(p.Path); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, trust, edited, Untrusted)
	wantStatus(t, trust, p, Untrusted)

	if err := trust.Deny(p.Path); err != nil {
		t.Errorf("Deny of an absent entry: %v", err)
	}
}

func TestTrustEntryFormat(t *testing.T) {
	trust := newTrust(t)
	content := "machine = \"dev\"\n[env]\nA = \"1\"\n"
	p := newProject(t, t.TempDir(), content)

	if err := trust.Allow(p); err != nil {
		t.Fatal(err)
	}

	entry := trust.EntryPath(p.Path)
	if want := filepath.Join(trust.Dir, strings.ReplaceAll(p.Path, "/", "%2F")); entry != want {
		t.Errorf("EntryPath = %q, want %q", entry, want)
	}

	got, err := os.ReadFile(entry)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(content))
	if want := hex.EncodeToString(sum[:]) + "\n"; string(got) != want {
		t.Errorf("entry content = %q, want %q", got, want)
	}

	info, err := os.Stat(entry)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("entry mode = %o, want 600", mode)
	}
	dirInfo, err := os.Stat(trust.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if mode := dirInfo.Mode().Perm(); mode != 0o700 {
		t.Errorf("trust directory mode = %o, want 700", mode)
	}

	files, err := os.ReadDir(trust.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 {
		t.Errorf("trust directory has %d files, want only the entry (no temporary file left)", len(files))
	}
}

func TestTrustAllowReplacesEntry(t *testing.T) {
	trust := newTrust(t)
	dir := t.TempDir()
	if err := trust.Allow(newProject(t, dir, "machine = \"a\"\n")); err != nil {
		t.Fatal(err)
	}

	edited := newProject(t, dir, "machine = \"b\"\n")
	if err := trust.Allow(edited); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, trust, edited, Trusted)
}

func TestTrustPrune(t *testing.T) {
	trust := newTrust(t)
	keptProject := newProject(t, t.TempDir(), "machine = \"keptProject\"\n")
	deletedProject := newProject(t, t.TempDir(), "machine = \"deletedProject\"\n")
	for _, p := range []*Project{keptProject, deletedProject} {
		if err := trust.Allow(p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := trust.ShouldWarn(deletedProject); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(deletedProject.Path); err != nil {
		t.Fatal(err)
	}

	removed, err := trust.Prune()
	if err != nil {
		t.Fatal(err)
	}

	if len(removed) != 1 || removed[0] != deletedProject.Path {
		t.Errorf("Prune removed %q, want [%q]", removed, deletedProject.Path)
	}
	if _, err := os.Stat(trust.EntryPath(deletedProject.Path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("entry of the deleted file still exists: %v", err)
	}
	if _, err := os.Stat(filepath.Join(trust.WarnedDir, EncodePath(deletedProject.Path))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("warning record of the deleted file still exists: %v", err)
	}
	wantStatus(t, trust, keptProject, Trusted)
}

func TestTrustList(t *testing.T) {
	trust := newTrust(t)

	entries, err := trust.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("List of an empty store = %v", entries)
	}

	root := t.TempDir()
	b := newProject(t, filepath.Join(root, "b"), "machine = \"b\"\n")
	a := newProject(t, filepath.Join(root, "a%2Fc"), "machine = \"a\"\n")
	for _, p := range []*Project{b, a} {
		if err := trust.Allow(p); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(trust.Dir, ".tmp-123"), "junk")

	entries, err = trust.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("List = %v, want 2 entries", entries)
	}
	if entries[0].Path != a.Path || entries[1].Path != b.Path {
		t.Errorf("List paths = %q, %q, want %q, %q", entries[0].Path, entries[1].Path, a.Path, b.Path)
	}
	sum := sha256.Sum256(a.Content)
	if entries[0].Hash != hex.EncodeToString(sum[:]) {
		t.Errorf("List hash = %q", entries[0].Hash)
	}
}

func TestEncodePathRoundTrip(t *testing.T) {
	paths := []string{"/a/b", "/a%2Fb", "/a%252Fb", "/a%/b", "/%", "/a b/ü/.machine.toml"}
	seen := map[string]string{}
	for _, p := range paths {
		name := EncodePath(p)
		if strings.Contains(name, "/") {
			t.Errorf("EncodePath(%q) = %q contains '/'", p, name)
		}
		if other, ok := seen[name]; ok {
			t.Errorf("EncodePath(%q) = EncodePath(%q) = %q", p, other, name)
		}
		seen[name] = p

		back, err := DecodePath(name)
		if err != nil {
			t.Errorf("DecodePath(%q): %v", name, err)
		}
		if back != p {
			t.Errorf("DecodePath(EncodePath(%q)) = %q", p, back)
		}
	}

	if got := EncodePath("/a%2Fb"); got != "%2Fa%252Fb" {
		t.Errorf("EncodePath(/a%%2Fb) = %q, want %%2Fa%%252Fb", got)
	}
	if got := EncodePath("/a/b"); got != "%2Fa%2Fb" {
		t.Errorf("EncodePath(/a/b) = %q, want %%2Fa%%2Fb", got)
	}
}

func TestDecodePathInvalid(t *testing.T) {
	for _, name := range []string{"%", "%2", "%41", "a/b", "%2f"} {
		if got, err := DecodePath(name); err == nil {
			t.Errorf("DecodePath(%q) = %q, want error", name, got)
		}
	}
}

func TestTrustPathTooLong(t *testing.T) {
	trust := newTrust(t)
	long := "/" + strings.Repeat("d/", 90) + FileName
	p, err := Parse(long, []byte(`machine = "dev"`))
	if err != nil {
		t.Fatal(err)
	}

	err = trust.Allow(p)
	if !errors.Is(err, ErrPathTooLong) {
		t.Fatalf("Allow of a long path: error %v, want ErrPathTooLong", err)
	}
	if !strings.Contains(err.Error(), long) {
		t.Errorf("error %q does not name the path", err)
	}

	if _, err := trust.Status(p); !errors.Is(err, ErrPathTooLong) {
		t.Errorf("Status of a long path: error %v, want ErrPathTooLong", err)
	}
}

func TestShouldWarnOncePerContent(t *testing.T) {
	trust := newTrust(t)
	dir := t.TempDir()
	p := newProject(t, dir, "machine = \"dev\"\n")

	for i, want := range []bool{true, false, false} {
		got, err := trust.ShouldWarn(p)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("ShouldWarn call %d = %v, want %v", i+1, got, want)
		}
	}

	edited := newProject(t, dir, "machine = \"other\"\n")
	for i, want := range []bool{true, false} {
		got, err := trust.ShouldWarn(edited)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("ShouldWarn after edit, call %d = %v, want %v", i+1, got, want)
		}
	}
}

func TestShouldWarnAgainAfterAllow(t *testing.T) {
	trust := newTrust(t)
	p := newProject(t, t.TempDir(), "machine = \"dev\"\n")
	if _, err := trust.ShouldWarn(p); err != nil {
		t.Fatal(err)
	}

	if err := trust.Allow(p); err != nil {
		t.Fatal(err)
	}
	if err := trust.Deny(p.Path); err != nil {
		t.Fatal(err)
	}

	got, err := trust.ShouldWarn(p)
	if err != nil {
		t.Fatal(err)
	}
	if !got {
		t.Error("ShouldWarn after allow and deny = false, want true")
	}
}

func TestShouldWarnDefaultDir(t *testing.T) {
	state := t.TempDir()
	trust := Trust{Dir: filepath.Join(state, "trust")}
	p := newProject(t, t.TempDir(), "machine = \"dev\"\n")

	if _, err := trust.ShouldWarn(p); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(state, "warned", EncodePath(p.Path))); err != nil {
		t.Errorf("warning record not under state/warned: %v", err)
	}
}

func TestTrustStateString(t *testing.T) {
	for state, want := range map[TrustState]string{Untrusted: "untrusted", Trusted: "trusted", Changed: "changed"} {
		if got := state.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(state), got, want)
		}
	}
}
