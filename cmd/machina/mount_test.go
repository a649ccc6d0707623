package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/machina-dev/machina/drivers/generic"
	"github.com/machina-dev/machina/machine"
	"github.com/machina-dev/machina/store"
)

// writeGenericMachine saves a generic machine named name that is never
// contacted, with a pinned host key file, and returns the store path.
func writeGenericMachine(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	s, err := store.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	base := machine.NewBase(s, name)
	base.IPAddress, base.SSHUser, base.SSHPort = "127.0.0.1", "docker", 2222
	base.SSHKeyPath = filepath.Join(s.MachineDir(name), "id, rsa")
	raw, err := json.Marshal(&generic.Driver{Base: &base, EnginePort: 2376})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Save(&store.Host{
		ConfigVersion: store.ConfigVersion,
		Driver:        raw,
		DriverName:    generic.Name,
		Name:          name,
		HostOptions:   &store.HostOptions{AuthOptions: &store.AuthOptions{}, EngineOptions: &store.EngineOptions{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	known := filepath.Join(s.MachineDir(name), machine.KnownHostsFile)
	if err := os.WriteFile(known, []byte("[127.0.0.1]:2222 ssh-ed25519 AAAA\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// fakeTool puts a program named name first in PATH that writes its
// arguments, one a line, to the returned file.
func fakeTool(t *testing.T, name string) string {
	t.Helper()
	bin := t.TempDir()
	out := filepath.Join(bin, name+".args")
	script := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '" + out + "'\n"
	if err := os.WriteFile(filepath.Join(bin, name), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	return out
}

func runMachina(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errOut, func(string) string { return "" })
	return out.String(), errOut.String(), code
}

func TestMountMissingSSHFS(t *testing.T) {
	storePath := writeGenericMachine(t, "m1")
	t.Setenv("PATH", t.TempDir())

	_, stderr, code := runMachina(t, "-s", storePath, "mount", "m1:/home/docker", t.TempDir())
	if code == 0 {
		t.Fatal("mount succeeded without sshfs")
	}
	want := "mount m1:/home/docker: sshfs is not installed or not in PATH: install it (on Debian and Ubuntu: apt-get install sshfs)"
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr = %q, want it to contain %q", stderr, want)
	}
}

func TestMountRunsSSHFS(t *testing.T) {
	storePath := writeGenericMachine(t, "m1")
	argsFile := fakeTool(t, "sshfs")
	mountPoint := filepath.Join(t.TempDir(), "mount point")

	if _, stderr, code := runMachina(t, "-s", storePath, "mount", "m1:/home/docker/a dir", mountPoint); code != 0 {
		t.Fatalf("mount failed: %s", stderr)
	}

	dir := filepath.Join(storePath, "machines", "m1")
	want := []string{
		"-o",
		`IdentityFile=` + dir + `/id\, rsa,UserKnownHostsFile=` + dir + "/" + machine.KnownHostsFile + ",StrictHostKeyChecking=yes,port=2222",
		"docker@127.0.0.1:/home/docker/a dir",
		mountPoint,
	}
	got := strings.Split(strings.TrimSuffix(readArgs(t, argsFile), "\n"), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sshfs arguments:\n got %q\nwant %q", got, want)
	}
}

func TestMountUnmount(t *testing.T) {
	storePath := writeGenericMachine(t, "m1")
	argsFile := fakeTool(t, "fusermount")
	mountPoint := t.TempDir()

	if _, stderr, code := runMachina(t, "-s", storePath, "mount", "-u", "m1:/home/docker", mountPoint); code != 0 {
		t.Fatalf("mount -u failed: %s", stderr)
	}
	if got, want := readArgs(t, argsFile), "-u\n"+mountPoint+"\n"; got != want {
		t.Errorf("fusermount arguments = %q, want %q", got, want)
	}
}

func TestMountBadInput(t *testing.T) {
	storePath := writeGenericMachine(t, "m1")
	cases := map[string][]string{
		`machine "ghost": machine does not exist`: {"mount", "ghost:/x", "dir"},
		`mount "/x": use NAME:PATH`:               {"mount", "/x", "dir"},
	}
	for want, args := range cases {
		_, stderr, code := runMachina(t, append([]string{"-s", storePath}, args...)...)
		if code == 0 || !strings.Contains(stderr, want) {
			t.Errorf("machina %q: exit %d, stderr %q; want failure with %q", args, code, stderr, want)
		}
	}
}

func TestMountNoneDriverHasNoSSH(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, code := runMachina(t, "-s", dir, "create", "-d", "none", "--url", "tcp://127.0.0.1:1", "n1"); code != 0 {
		t.Fatalf("create: %s", stderr)
	}
	fakeTool(t, "sshfs")

	_, stderr, code := runMachina(t, "-s", dir, "mount", "n1:/x", t.TempDir())
	if code == 0 || !strings.Contains(stderr, "the none driver has no SSH access") {
		t.Errorf("exit %d, stderr %q; want the none driver's lack of SSH", code, stderr)
	}
}

func readArgs(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the fake tool did not run: %v", err)
	}
	return string(data)
}
