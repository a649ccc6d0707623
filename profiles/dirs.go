package profiles

import (
	"fmt"
	"os"
	"path/filepath"

	homedir "github.com/mitchellh/go-homedir"
)

// Dirs are machina's XDG base directories.
type Dirs struct {
	Config string // $XDG_CONFIG_HOME/machina, default ~/.config/machina
	State  string // $XDG_STATE_HOME/machina, default ~/.local/state/machina
	Cache  string // $XDG_CACHE_HOME/machina, default ~/.cache/machina
}

// DefaultDirs returns the directories from the XDG variables, falling back
// to the defaults under the home directory. A relative XDG value is ignored,
// as the XDG Base Directory specification requires.
func DefaultDirs() (Dirs, error) {
	home, err := homedir.Dir()
	if err != nil {
		return Dirs{}, fmt.Errorf("find home directory for the machina directories: %w", err)
	}

	return Dirs{
		Config: xdgDir("XDG_CONFIG_HOME", filepath.Join(home, ".config")),
		State:  xdgDir("XDG_STATE_HOME", filepath.Join(home, ".local", "state")),
		Cache:  xdgDir("XDG_CACHE_HOME", filepath.Join(home, ".cache")),
	}, nil
}

func xdgDir(variable, fallback string) string {
	base := os.Getenv(variable)
	if !filepath.IsAbs(base) {
		base = fallback
	}
	return filepath.Join(base, "machina")
}

// Trust returns the trust store under State.
func (d Dirs) Trust() Trust {
	return Trust{
		Dir:       filepath.Join(d.State, "trust"),
		WarnedDir: filepath.Join(d.State, "warned"),
	}
}

// ProfilesDir is the directory of the user's profiles.
func (d Dirs) ProfilesDir() string { return filepath.Join(d.Config, "profiles") }
