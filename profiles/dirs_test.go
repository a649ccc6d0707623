package profiles

import (
	"path/filepath"
	"testing"

	homedir "github.com/mitchellh/go-homedir"
)

func TestDefaultDirs(t *testing.T) {
	homedir.DisableCache = true
	t.Cleanup(func() { homedir.DisableCache = false })

	home := t.TempDir()
	t.Setenv("HOME", home)

	t.Run("defaults", func(t *testing.T) {
		t.Setenv("XDG_CONFIG_HOME", "")
		t.Setenv("XDG_STATE_HOME", "")
		t.Setenv("XDG_CACHE_HOME", "")

		d, err := DefaultDirs()
		if err != nil {
			t.Fatal(err)
		}
		want := Dirs{
			Config: filepath.Join(home, ".config", "machina"),
			State:  filepath.Join(home, ".local", "state", "machina"),
			Cache:  filepath.Join(home, ".cache", "machina"),
		}
		if d != want {
			t.Errorf("DefaultDirs = %+v, want %+v", d, want)
		}
	})

	t.Run("absolute XDG", func(t *testing.T) {
		t.Setenv("XDG_CONFIG_HOME", "/x/config")
		t.Setenv("XDG_STATE_HOME", "/x/state")
		t.Setenv("XDG_CACHE_HOME", "/x/cache")

		d, err := DefaultDirs()
		if err != nil {
			t.Fatal(err)
		}
		want := Dirs{Config: "/x/config/machina", State: "/x/state/machina", Cache: "/x/cache/machina"}
		if d != want {
			t.Errorf("DefaultDirs = %+v, want %+v", d, want)
		}
	})

	t.Run("relative XDG ignored", func(t *testing.T) {
		t.Setenv("XDG_CONFIG_HOME", "rel/config")
		t.Setenv("XDG_STATE_HOME", "./state")
		t.Setenv("XDG_CACHE_HOME", "cache")

		d, err := DefaultDirs()
		if err != nil {
			t.Fatal(err)
		}
		if d.Config != filepath.Join(home, ".config", "machina") {
			t.Errorf("Config = %q", d.Config)
		}
		if d.State != filepath.Join(home, ".local", "state", "machina") {
			t.Errorf("State = %q", d.State)
		}
		if d.Cache != filepath.Join(home, ".cache", "machina") {
			t.Errorf("Cache = %q", d.Cache)
		}
	})
}

func TestDirsTrust(t *testing.T) {
	trust := Dirs{State: "/s/machina"}.Trust()

	if trust.Dir != "/s/machina/trust" {
		t.Errorf("Dir = %q", trust.Dir)
	}
	if trust.WarnedDir != "/s/machina/warned" {
		t.Errorf("WarnedDir = %q", trust.WarnedDir)
	}
}
