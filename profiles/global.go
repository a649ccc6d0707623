package profiles

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/machina-dev/machina/store"
)

// GlobalPath is the file of the global default machine: its name and a
// newline, absent when there is none. The shell hook reads it with builtins.
func GlobalPath(d Dirs) string { return filepath.Join(d.State, "global-machine") }

// ReadGlobal returns the global default machine, or "" when none is set.
func ReadGlobal(d Dirs) (string, error) {
	path := GlobalPath(d)
	content, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read global machine: %w", err)
	}

	name := strings.TrimSuffix(string(content), "\n")
	if err := store.ValidateName(name); err != nil {
		return "", fmt.Errorf("read global machine from %s: %w (set it again with `machina use --global NAME`)", path, err)
	}
	return name, nil
}

// WriteGlobal sets the global default machine atomically. An empty name
// removes the setting.
func WriteGlobal(d Dirs, name string) error {
	path := GlobalPath(d)
	if name == "" {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("clear global machine: %w", err)
		}
		return nil
	}

	if err := store.ValidateName(name); err != nil {
		return fmt.Errorf("set global machine: %w", err)
	}
	if err := writeFileAtomic(path, []byte(name+"\n")); err != nil {
		return fmt.Errorf("set global machine %q: %w", name, err)
	}
	return nil
}
