// Package store reads and writes the machine store: the directory tree that
// Docker Machine 0.16 keeps under ~/.docker/machine, in the same layout and
// format, so that both tools see the same machines.
package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	homedir "github.com/mitchellh/go-homedir"
)

var (
	// ErrNotFound is returned for a machine that has no directory in the store.
	ErrNotFound = errors.New("machine does not exist")
	// ErrExists is returned when creating a machine whose name is taken.
	ErrExists = errors.New("machine already exists")
)

var nameRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9.-]*$`)

// maxNameLen is the longest machine name: provisioning makes the name the
// host's hostname, and Linux rejects hostnames longer than 64 bytes.
const maxNameLen = 63

// ValidateName checks a machine name against Docker Machine's rule.
func ValidateName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("invalid machine name %q: use letters, digits, '.' and '-', starting with a letter or digit", name)
	}
	if len(name) > maxNameLen {
		return fmt.Errorf("invalid machine name %q: it has %d characters, at most %d fit in a hostname", name, len(name), maxNameLen)
	}
	return nil
}

// DefaultPath returns $MACHINE_STORAGE_PATH, else ~/.docker/machine.
func DefaultPath() (string, error) {
	if p := os.Getenv("MACHINE_STORAGE_PATH"); p != "" {
		return filepath.Abs(p)
	}
	home, err := homedir.Dir()
	if err != nil {
		return "", fmt.Errorf("find home directory for the machine store: %w", err)
	}
	return filepath.Join(home, ".docker", "machine"), nil
}

// Store is a machine store rooted at Path.
type Store struct {
	Path string // absolute

	// Waiting, when set, receives a line when a lock is held by another
	// machina command, so that the user knows why the command waits.
	Waiting io.Writer
}

// New returns the store at path, made absolute.
func New(path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("storage path %q: %w", path, err)
	}
	return &Store{Path: abs}, nil
}

// CertsDir returns the directory of the store-wide CA and client certificate.
func (s *Store) CertsDir() string { return filepath.Join(s.Path, "certs") }

// MachinesDir contains one directory per machine.
func (s *Store) MachinesDir() string { return filepath.Join(s.Path, "machines") }

// MachineDir is the directory of one machine.
func (s *Store) MachineDir(name string) string { return filepath.Join(s.MachinesDir(), name) }

// ConfigPath is the config.json of one machine.
func (s *Store) ConfigPath(name string) string {
	return filepath.Join(s.MachineDir(name), "config.json")
}

// Exists reports whether the machine has a directory in the store.
func (s *Store) Exists(name string) bool {
	fi, err := os.Stat(s.MachineDir(name))
	return err == nil && fi.IsDir()
}

// List returns the names of the machines in the store, sorted. Hidden
// directories and plain files are skipped, as Docker Machine does.
func (s *Store) List() ([]string, error) {
	entries, err := os.ReadDir(s.MachinesDir())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list machines: %w", err)
	}

	var names []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// Load reads a machine's config.json. A missing machine wraps ErrNotFound; a
// corrupt file gives an error naming it.
func (s *Store) Load(name string) (*Host, error) {
	if !s.Exists(name) {
		return nil, fmt.Errorf("machine %q: %w (see `machina ls`)", name, ErrNotFound)
	}

	path := s.ConfigPath(name)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("machine %q: %w; remove the machine with `machina rm -f %s`", name, err, name)
	}

	var h Host
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, fmt.Errorf("machine %q: invalid %s: %w; fix the file, or remove the machine with `machina rm -f %s`", name, path, err, name)
	}
	if h.Name == "" {
		h.Name = name
	}
	if h.HostOptions == nil || h.HostOptions.AuthOptions == nil || h.HostOptions.EngineOptions == nil {
		return nil, fmt.Errorf("machine %q: invalid %s: HostOptions with AuthOptions and EngineOptions are missing; fix the file, or remove the machine with `machina rm -f %s`", name, path, name)
	}
	return &h, nil
}

// Save writes a machine's config.json atomically.
func (s *Store) Save(h *Host) error {
	data, err := json.MarshalIndent(h, "", "    ")
	if err != nil {
		return fmt.Errorf("encode machine %q: %w", h.Name, err)
	}
	if err := os.MkdirAll(s.MachineDir(h.Name), 0o700); err != nil {
		return fmt.Errorf("save machine %q: %w", h.Name, err)
	}
	return WriteFile(s.ConfigPath(h.Name), data, 0o600)
}

// Create makes the directory of a new machine, failing with ErrExists when
// the name is taken.
func (s *Store) Create(name string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if err := os.MkdirAll(s.MachinesDir(), 0o700); err != nil {
		return fmt.Errorf("create machine %q: %w", name, err)
	}
	err := os.Mkdir(s.MachineDir(name), 0o700)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("create machine %q: %w (remove it with `machina rm %s` or pick another name)", name, ErrExists, name)
	}
	if err != nil {
		return fmt.Errorf("create machine %q: %w", name, err)
	}
	return nil
}

// Remove deletes a machine's directory and everything in it.
func (s *Store) Remove(name string) error {
	if !s.Exists(name) {
		return fmt.Errorf("machine %q: %w", name, ErrNotFound)
	}
	if err := os.RemoveAll(s.MachineDir(name)); err != nil {
		return fmt.Errorf("remove machine %q: %w", name, err)
	}
	return nil
}

// WriteFile replaces path with data through a temporary file in the same
// directory and a rename, so that a reader sees either the old or the new file.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}

	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename

	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
