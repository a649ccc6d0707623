package generic

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/machina-dev/machina/drivers"
)

func TestNewValidatesFlags(t *testing.T) {
	key := filepath.Join(t.TempDir(), "id")
	os.WriteFile(key, []byte("key"), 0o600)

	cases := []struct {
		name  string
		flags Flags
		want  string
	}{
		{"no address", Flags{SSHPort: 22, EnginePort: 2376}, "missing --generic-ip-address"},
		{"ssh port", Flags{IPAddress: "10.0.0.1", SSHPort: 0, EnginePort: 2376}, "invalid --generic-ssh-port 0"},
		{"engine port", Flags{IPAddress: "10.0.0.1", SSHPort: 22, EnginePort: 70000}, "invalid --generic-engine-port 70000"},
		{"missing key", Flags{IPAddress: "10.0.0.1", SSHPort: 22, EnginePort: 2376, SSHKey: "/nonexistent/key"}, `invalid --generic-ssh-key "/nonexistent/key"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(drivers.Base{}, c.flags)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error = %v, want %q", err, c.want)
			}
		})
	}

	d, err := New(drivers.Base{}, Flags{IPAddress: "10.0.0.1", SSHUser: "root", SSHPort: 22, EnginePort: 2376, SSHKey: key})
	if err != nil {
		t.Fatal(err)
	}
	if url, _ := d.URL(context.Background()); url != "tcp://10.0.0.1:2376" {
		t.Errorf("URL = %q", url)
	}
}

func TestCreateCopiesKey(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "id")
	os.WriteFile(key, []byte("secret"), 0o644)
	machineDir := filepath.Join(dir, "machine")
	os.Mkdir(machineDir, 0o700)

	d, err := New(drivers.Base{StorePath: machineDir}, Flags{IPAddress: "10.0.0.1", SSHPort: 22, EnginePort: 2376, SSHKey: key})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Create(context.Background()); err != nil {
		t.Fatal(err)
	}

	copyPath := filepath.Join(machineDir, "id_rsa")
	fi, err := os.Stat(copyPath)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key copy mode = %o, want 600", fi.Mode().Perm())
	}
	target, _ := d.SSHTarget(context.Background())
	if target.KeyPath != copyPath || target.KeyOrigin != key {
		t.Errorf("SSHTarget = %+v, want KeyPath %s and KeyOrigin %s", target, copyPath, key)
	}
}

// TestState checks Docker Machine's rule: Running when the SSH port accepts
// TCP, else Stopped. Both ports are on loopback.
func TestState(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port

	d := &Driver{Base: &drivers.Base{IPAddress: "127.0.0.1", SSHPort: port}, EnginePort: 2376}
	if st, _ := d.State(context.Background()); st != drivers.Running {
		t.Errorf("State with a listener = %v, want Running", st)
	}

	ln.Close()
	if st, _ := d.State(context.Background()); st != drivers.Stopped {
		t.Errorf("State without a listener = %v, want Stopped", st)
	}
}
