package profiles

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeProfile(t *testing.T, d Dirs, name, content string) {
	t.Helper()
	writeFile(t, ProfilePath(d, name), content)
}

func TestLoadProfileAndArgs(t *testing.T) {
	d := Dirs{Config: t.TempDir()}
	writeProfile(t, d, "lab", `driver = "generic"

[flags]
generic-ssh-user = "ubuntu"
generic-ip-address = "10.0.0.5"
generic-ssh-port = 22
swarm-opt = ["b=2", "a=1"]
virtualbox-no-share = true
generic-ssh-key = "-leading-dash"

[engine]
opt = ["log-level=warn", "debug=false"]
label = ["env=dev"]
env = ["HTTP_PROXY=http://proxy:3128"]
insecure-registry = ["registry.local:5000"]
registry-mirror = ["https://mirror.local"]
storage-driver = "overlay2"
install-url = "https://get.docker.com"
`)

	p, err := LoadProfile(d, "lab")
	if err != nil {
		t.Fatal(err)
	}

	if p.Name != "lab" || p.Driver != "generic" {
		t.Errorf("Name, Driver = %q, %q", p.Name, p.Driver)
	}
	if got := p.Flags["generic-ssh-port"]; !reflect.DeepEqual(got, []string{"22"}) {
		t.Errorf("generic-ssh-port = %q, want [22]", got)
	}
	if got := p.Flags["swarm-opt"]; !reflect.DeepEqual(got, []string{"b=2", "a=1"}) {
		t.Errorf("swarm-opt = %q, want file order", got)
	}
	if p.Engine.StorageDriver != "overlay2" {
		t.Errorf("StorageDriver = %q", p.Engine.StorageDriver)
	}

	want := []string{
		"--driver", "generic",
		"--generic-ip-address", "10.0.0.5",
		"--generic-ssh-key=-leading-dash",
		"--generic-ssh-port", "22",
		"--generic-ssh-user", "ubuntu",
		"--swarm-opt", "b=2",
		"--swarm-opt", "a=1",
		"--virtualbox-no-share=true",
		"--engine-opt", "log-level=warn",
		"--engine-opt", "debug=false",
		"--engine-label", "env=dev",
		"--engine-env", "HTTP_PROXY=http://proxy:3128",
		"--engine-insecure-registry", "registry.local:5000",
		"--engine-registry-mirror", "https://mirror.local",
		"--engine-storage-driver", "overlay2",
		"--engine-install-url", "https://get.docker.com",
	}
	if got := p.Args(); !reflect.DeepEqual(got, want) {
		t.Errorf("Args =\n%q\nwant\n%q", got, want)
	}
}

func TestProfileArgsDriverOnly(t *testing.T) {
	d := Dirs{Config: t.TempDir()}
	writeProfile(t, d, "none", "driver = \"none\"\n")

	p, err := LoadProfile(d, "none")
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Args(); !reflect.DeepEqual(got, []string{"--driver", "none"}) {
		t.Errorf("Args = %q", got)
	}
}

func TestLoadProfileMissing(t *testing.T) {
	d := Dirs{Config: t.TempDir()}

	_, err := LoadProfile(d, "nope")
	if !errors.Is(err, ErrProfileNotFound) {
		t.Fatalf("error %v, want ErrProfileNotFound", err)
	}
	path := filepath.Join(d.Config, "profiles", "nope.toml")
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name %s", err, path)
	}
	if !strings.Contains(err.Error(), "create it") {
		t.Errorf("error %q does not say how to create the profile", err)
	}
}

func TestLoadProfileInvalidName(t *testing.T) {
	d := Dirs{Config: t.TempDir()}

	for _, name := range []string{"../x", "", "-a", "a/b"} {
		_, err := LoadProfile(d, name)
		if err == nil || !strings.Contains(err.Error(), "invalid profile name") {
			t.Errorf("LoadProfile(%q): error %v, want invalid name", name, err)
		}
	}
}

func TestLoadProfileErrors(t *testing.T) {
	tests := []struct {
		content string
		want    string
	}{
		{"[flags]\na = \"1\"\n", "missing driver"},
		{"driver = 1\n", "driver must be a string"},
		{"driver = \"-x\"\n", `invalid driver name "-x"`},
		{"driver = \"generic\"\nname = \"x\"\n", `unknown key "name"`},
		{"Driver = \"generic\"\n", `unknown key "Driver"`},
		{"driver = \"generic\"\n[engine]\noptions = [\"x\"]\n", `unknown key "engine.options"`},
		{"driver = \"generic\"\n[flags]\n\"--generic-ip-address\" = \"x\"\n", `leading "--"`},
		{"driver = \"generic\"\n[flags]\ndriver = \"x\"\n", "top-level driver key"},
		{"driver = \"generic\"\n[flags]\nengine-opt = \"x\"\n", "[engine] table"},
		{"driver = \"generic\"\n[flags]\n\"a b\" = \"x\"\n", "invalid flag name"},
		{"driver = \"generic\"\n[flags]\nx = 1.5\n", `[flags] key "x": value must be a string, an integer, a boolean or an array of them, not a float`},
		{"driver = \"generic\"\n[flags]\nx = [\"a\", { b = 1 }]\n", "not a table"},
		{"driver = \"generic\"\n[flags]\nx = \"a\\u0000\"\n", "NUL"},
		{"driver = \"generic\"\nflags = 1\n", "flags must be a table"},
		{"driver = \"generic\"\n[engine]\nopt = \"log-level=warn\"\n", `[engine] key "opt": value must be an array of strings`},
		{"driver = \"generic\"\n[engine]\nlabel = [1]\n", "array element must be a string"},
		{"driver = \"generic\"\n[engine]\nstorage-driver = [\"a\"]\n", `[engine] key "storage-driver": value must be a string`},
		{"driver = \"generic\"\nengine = []\n", "engine must be a table"},
		{"driver = \"generic\"\n\n[flags\n", ":4: "},
	}
	for _, tt := range tests {
		d := Dirs{Config: t.TempDir()}
		writeProfile(t, d, "p", tt.content)

		_, err := LoadProfile(d, "p")
		if err == nil {
			t.Errorf("profile %q loaded, want error containing %q", tt.content, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("profile %q: error %q, want it to contain %q", tt.content, err, tt.want)
		}
		if !strings.Contains(err.Error(), ProfilePath(d, "p")) {
			t.Errorf("profile %q: error %q does not name the file", tt.content, err)
		}
	}
}

func TestListProfiles(t *testing.T) {
	d := Dirs{Config: t.TempDir()}

	names, err := ListProfiles(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 0 {
		t.Errorf("ListProfiles without a directory = %q", names)
	}

	writeProfile(t, d, "zeta", "driver = \"none\"\n")
	writeProfile(t, d, "alpha", "driver = \"none\"\n")
	writeProfile(t, d, "b.1", "driver = \"none\"\n")
	writeFile(t, filepath.Join(d.ProfilesDir(), "notes.txt"), "x")
	writeFile(t, filepath.Join(d.ProfilesDir(), ".hidden.toml"), "x")
	writeFile(t, filepath.Join(d.ProfilesDir(), "dir.toml", "x"), "x")

	names, err = ListProfiles(d)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"alpha", "b.1", "zeta"}; !reflect.DeepEqual(names, want) {
		t.Errorf("ListProfiles = %q, want %q", names, want)
	}
}
