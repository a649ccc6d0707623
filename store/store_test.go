package store

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// copyTree copies a fixture store into a temporary directory.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o700)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestLoadDockerMachineConfig(t *testing.T) {
	s, err := New(copyTree(t, "testdata/dm016"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.Load("maquina1")
	if err != nil {
		t.Fatal(err)
	}
	if h.DriverName != "virtualbox" {
		t.Errorf("DriverName = %q, want virtualbox", h.DriverName)
	}
	if h.ConfigVersion != ConfigVersion {
		t.Errorf("ConfigVersion = %d, want %d", h.ConfigVersion, ConfigVersion)
	}
	if got := h.HostOptions.AuthOptions.StorePath; got != "/root/.docker/machine/machines/maquina1" {
		t.Errorf("AuthOptions.StorePath = %q", got)
	}
	if got := h.HostOptions.EngineOptions.InstallURL; got != "https://get.docker.com" {
		t.Errorf("EngineOptions.InstallURL = %q", got)
	}
	if !h.HostOptions.EngineOptions.TLSVerify {
		t.Error("EngineOptions.TlsVerify = false, want true")
	}
}

// TestSaveKeepsDockerMachineKeys checks that a config.json round trip keeps
// every key Docker Machine wrote, the driver's own included, so that Docker
// Machine still loads the machine after machina saved it.
func TestSaveKeepsDockerMachineKeys(t *testing.T) {
	s, err := New(copyTree(t, "testdata/dm016"))
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(s.ConfigPath("maquina1"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.Load("maquina1")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save(h); err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(s.ConfigPath("maquina1"))
	if err != nil {
		t.Fatal(err)
	}

	wantKeys, gotKeys := keyPaths(t, before), keyPaths(t, after)
	for _, k := range wantKeys {
		if !contains(gotKeys, k) {
			t.Errorf("saved config.json lost key %s", k)
		}
	}

	var a, b any
	json.Unmarshal(before, &a)
	json.Unmarshal(after, &b)
	if ja, jb := mustJSON(t, a), mustJSON(t, b); ja != jb {
		t.Errorf("config.json changed in the round trip:\nbefore %s\nafter  %s", ja, jb)
	}
}

func keyPaths(t *testing.T, data []byte) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		if m, ok := v.(map[string]any); ok {
			for k, child := range m {
				out = append(out, prefix+"/"+k)
				walk(prefix+"/"+k, child)
			}
		}
	}
	walk("", v)
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestLoadCorruptConfigNamesFile(t *testing.T) {
	s, _ := New(t.TempDir())
	if err := s.Create("broken"); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(s.ConfigPath("broken"), []byte("{not json"), 0o600)

	_, err := s.Load("broken")
	if err == nil {
		t.Fatal("Load of corrupt config.json succeeded")
	}
	if want := s.ConfigPath("broken"); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name %s", err, want)
	}
}

func TestLoadMissing(t *testing.T) {
	s, _ := New(t.TempDir())
	_, err := s.Load("nope")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("Load(nope) error = %v, want ErrNotFound", err)
	}
}

func TestCreateDuplicate(t *testing.T) {
	s, _ := New(t.TempDir())
	if err := s.Create("one"); err != nil {
		t.Fatal(err)
	}
	if err := s.Create("one"); !errors.Is(err, ErrExists) {
		t.Fatalf("second Create error = %v, want ErrExists", err)
	}
}

func TestValidateName(t *testing.T) {
	for _, name := range []string{"default", "maquina1", "a", "web-1.example", "9lives", strings.Repeat("a", 63)} {
		if err := ValidateName(name); err != nil {
			t.Errorf("ValidateName(%q) = %v, want nil", name, err)
		}
	}
	for _, name := range []string{"", "-x", ".x", "a b", "a/b", "a_b", "ü", "a;rm", strings.Repeat("a", 64)} {
		err := ValidateName(name)
		if err == nil {
			t.Errorf("ValidateName(%q) = nil, want an error", name)
			continue
		}
		if !strings.Contains(err.Error(), `"`+name+`"`) {
			t.Errorf("ValidateName(%q) error %q does not name the value", name, err)
		}
	}
}

func TestPermissions(t *testing.T) {
	s, _ := New(t.TempDir())
	if err := s.Create("p"); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(&Host{Name: "p", HostOptions: &HostOptions{}}); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{
		s.MachineDir("p"): 0o700,
		s.ConfigPath("p"): 0o600,
		s.MachinesDir():   0o700,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s mode = %o, want %o", path, got, want)
		}
	}
}

func TestListSkipsHiddenAndFiles(t *testing.T) {
	s, _ := New(t.TempDir())
	for _, n := range []string{"b", "a"} {
		if err := s.Create(n); err != nil {
			t.Fatal(err)
		}
	}
	os.Mkdir(filepath.Join(s.MachinesDir(), ".hidden"), 0o700)
	os.WriteFile(filepath.Join(s.MachinesDir(), "file"), nil, 0o600)

	names, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 2 || names[0] != "a" || names[1] != "b" {
		t.Fatalf("List() = %v, want [a b]", names)
	}
}

// TestLockSerialises checks that two holders of one machine's lock never
// overlap.
func TestLockSerialises(t *testing.T) {
	s, _ := New(t.TempDir())
	var mu sync.Mutex
	inside, overlaps := 0, 0
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock, err := s.Lock("m")
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			inside++
			if inside > 1 {
				overlaps++
			}
			mu.Unlock()
			time.Sleep(2 * time.Millisecond)
			mu.Lock()
			inside--
			mu.Unlock()
			unlock()
		}()
	}
	wg.Wait()
	if overlaps != 0 {
		t.Fatalf("%d overlapping lock holders", overlaps)
	}
}

func TestWriteFileReplacesAtomically(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := WriteFile(path, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if string(data) != "two" {
		t.Fatalf("content = %q, want two", data)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("directory has %d entries, want only the file (no temporary left)", len(entries))
	}
}

// TestLockSaysWhenWaiting checks that a command blocked by another holder of
// a machine's lock prints why it waits.
func TestLockSaysWhenWaiting(t *testing.T) {
	dir := t.TempDir()
	holder, _ := New(dir)
	unlock, err := holder.Lock("m")
	if err != nil {
		t.Fatal(err)
	}

	var out syncBuffer
	waiter, _ := New(dir)
	waiter.Waiting = &out
	acquired := make(chan struct{})
	go func() {
		release, err := waiter.Lock("m")
		if err == nil {
			release()
		}
		close(acquired)
	}()

	for i := 0; i < 200 && out.String() == ""; i++ {
		time.Sleep(5 * time.Millisecond)
	}
	if got := out.String(); !strings.Contains(got, "Waiting for another machina command to finish with machine m") {
		t.Errorf("waiting message = %q", got)
	}
	unlock()
	<-acquired
}

// syncBuffer is a strings.Builder safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
