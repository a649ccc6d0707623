package testhost

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/crypto/ssh"
)

// dial logs in to h as h.User with h.KeyPath and accepts only the host key in h.HostKeyPath.
func dial(t *testing.T, h *Host) *ssh.Client {
	t.Helper()

	keyPEM, err := os.ReadFile(h.KeyPath)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(keyPEM)
	if err != nil {
		t.Fatalf("parse %s: %v", h.KeyPath, err)
	}

	hostKeyLine, err := os.ReadFile(h.HostKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	hostKey, _, _, _, err := ssh.ParseAuthorizedKey(hostKeyLine)
	if err != nil {
		t.Fatalf("parse %s: %v", h.HostKeyPath, err)
	}

	config := &ssh.ClientConfig{
		User:            h.User,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.FixedHostKey(hostKey),
		Timeout:         5 * time.Second,
	}
	client, err := ssh.Dial("tcp", net.JoinHostPort(h.Addr, strconv.Itoa(h.SSHPort)), config)
	if err != nil {
		t.Fatalf("ssh to %s: %v", h.Addr, err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

// runSSH runs command in a new session on client and returns its standard output.
func runSSH(t *testing.T, client *ssh.Client, command string) string {
	t.Helper()

	session, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()

	var stdout, stderr bytes.Buffer
	session.Stdout = &stdout
	session.Stderr = &stderr
	if err := session.Run(command); err != nil {
		t.Fatalf("ssh %q: %v\nstdout:\n%s\nstderr:\n%s", command, err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

func TestStartLogin(t *testing.T) {
	h := Start(t, Options{})

	if !strings.HasPrefix(h.Name, namePrefix) {
		t.Errorf("Name = %q, want prefix %q", h.Name, namePrefix)
	}
	if want := "10.200." + strconv.Itoa(h.number) + ".2"; h.Addr != want {
		t.Errorf("Addr = %q, want %q", h.Addr, want)
	}
	if want := "10.200." + strconv.Itoa(h.number) + ".1"; h.Gateway != want {
		t.Errorf("Gateway = %q, want %q", h.Gateway, want)
	}
	info, err := os.Stat(h.KeyPath)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode of %s = %v, want 0600", h.KeyPath, info.Mode().Perm())
	}

	client := dial(t, h)

	if got := strings.TrimSpace(runSSH(t, client, "hostname")); got != h.Name {
		t.Errorf("hostname over SSH = %q, want %q", got, h.Name)
	}
	if got := runSSH(t, client, "cat /etc/os-release"); !strings.Contains(got, "ID=") {
		t.Errorf("/etc/os-release over SSH has no ID= line:\n%s", got)
	}
	if got := strings.TrimSpace(runSSH(t, client, "id -u")); got != "0" {
		t.Errorf("id -u over SSH = %q, want 0", got)
	}
	if got := strings.TrimSpace(runSSH(t, client, "echo $$")); got == "1" {
		t.Errorf("login shell is PID 1, want sshd as PID 1")
	}
	if got := string(h.Exec(t, "cat", "/proc/1/comm")); strings.TrimSpace(got) != "sshd" {
		t.Errorf("PID 1 on the host is %q, want sshd", got)
	}
	if got := runSSH(t, client, "test -d /run/systemd/system && echo systemd || echo none"); strings.TrimSpace(got) != "none" {
		t.Errorf("host has /run/systemd/system, want a host without systemd")
	}
}

func TestIsolation(t *testing.T) {
	h := Start(t, Options{})
	client := dial(t, h)
	machineHostname, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}

	marker := "machina-isolation-" + strconv.Itoa(os.Getpid())
	for _, file := range []string{
		"/etc/docker/" + marker,
		"/etc/default/" + marker,
		"/etc/init.d/" + marker,
		"/etc/systemd/system/" + marker,
		"/var/lib/docker/" + marker,
		"/var/log/" + marker,
		"/etc/" + marker,
		"/run/" + marker,
	} {
		runSSH(t, client, "echo isolated > "+file)

		if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s written over SSH appeared on the machine (stat error %v)", file, err)
			os.Remove(file)
		}
		if got := string(h.Exec(t, "cat", file)); got != "isolated\n" {
			t.Errorf("Exec cat %s = %q, want %q", file, got, "isolated\n")
		}
	}

	runSSH(t, client, "hostname renamed-by-test")
	if got, _ := os.Hostname(); got != machineHostname {
		t.Errorf("machine hostname = %q after renaming the host, want %q", got, machineHostname)
	}

	if got := string(h.Exec(t, "ls", "/var/lib/docker")); got != marker+"\n" {
		t.Errorf("/var/lib/docker on the host holds %q, want only the marker (a fresh directory)", got)
	}
	if init, err := os.ReadFile(filepath.Join(h.Dir, "view/etc/init.d/docker")); err == nil {
		if !strings.Contains(string(init), "ulimit -n 1048576 || true") {
			t.Errorf("private /etc/init.d/docker still has a fatal ulimit line")
		}
	}
}

// TestEngine starts Debian's docker.io engine on a host with its SysV init
// script, as provisioning does, then imports and runs an image from the machine.
func TestEngine(t *testing.T) {
	h := Start(t, Options{})
	client := dial(t, h)
	engine := "tcp://" + net.JoinHostPort(h.Addr, "2375")

	// --tls=false states the intent to listen without TLS. Without it, dockerd
	// 20.10 waits 15 s before it listens on TCP.
	opts := "-H unix:///var/run/docker.sock -H " + engine + " --tls=false --iptables=false --ip-masq=false --bridge=none --storage-driver=vfs"
	runSSH(t, client, "echo 'DOCKER_OPTS=\""+opts+"\"' > /etc/default/docker")
	runSSH(t, client, "service docker start")

	waitForPing(t, h, "http://"+net.JoinHostPort(h.Addr, "2375")+"/_ping")

	if _, err := os.Stat("/var/run/docker.sock"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("/var/run/docker.sock exists on the machine after starting the host's engine (stat error %v)", err)
	}

	image := BusyboxImage(t, t.TempDir())
	docker(t, engine, "import", image, "busybox:test")

	if got := docker(t, engine, "run", "--rm", "--network", "none", "busybox:test", "echo", "hi"); got != "hi\n" {
		t.Errorf("docker run echo hi printed %q, want %q", got, "hi\n")
	}

	h.RegenerateHostKey(t)
	if got := docker(t, engine, "run", "--rm", "--network", "none", "busybox:test", "sh", "-c", "echo still up"); got != "still up\n" {
		t.Errorf("docker run after an sshd restart printed %q, want %q", got, "still up\n")
	}
}

// waitForPing polls the engine's /_ping endpoint for up to 30 s.
func waitForPing(t *testing.T, h *Host, url string) {
	t.Helper()

	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	var lastErr error
	for time.Now().Before(deadline) {
		resp, err := client.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && string(body) == "OK" {
				return
			}
			err = errors.New(resp.Status + ": " + string(body))
		}
		lastErr = err
		time.Sleep(200 * time.Millisecond)
	}

	log, _ := os.ReadFile(filepath.Join(h.Dir, "view/var/log/docker.log"))
	t.Fatalf("GET %s did not return OK within 30s: %v\ndocker.log:\n%s", url, lastErr, log)
}

// docker runs the machine's docker CLI against engine with an empty client config.
func docker(t *testing.T, engine string, args ...string) string {
	t.Helper()

	cmd := exec.Command("docker", args...)
	cmd.Env = append(os.Environ(),
		"DOCKER_HOST="+engine,
		"DOCKER_CONFIG="+t.TempDir(),
		"DOCKER_TLS_VERIFY=",
		"DOCKER_CERT_PATH=",
		"DOCKER_CONTEXT=",
	)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("docker %s: %v\nstderr:\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

func TestNoSSHD(t *testing.T) {
	h := Start(t, Options{NoSSHD: true})

	conn, err := net.DialTimeout("tcp", net.JoinHostPort(h.Addr, "22"), 2*time.Second)
	if err == nil {
		conn.Close()
		t.Fatalf("port 22 on %s accepted a connection, want it closed", h.Addr)
	}

	if _, err := os.Stat(h.KeyPath); err != nil {
		t.Errorf("host without sshd has no client key: %v", err)
	}
	if got := string(h.Exec(t, "ip", "-o", "-4", "addr", "show", "dev", "eth0")); !strings.Contains(got, h.Addr+"/30") {
		t.Errorf("eth0 in %s has no %s/30:\n%s", h.Name, h.Addr, got)
	}
}

func TestTwoHosts(t *testing.T) {
	first := Start(t, Options{})
	second := Start(t, Options{})

	if first.Addr == second.Addr {
		t.Errorf("both hosts have address %s", first.Addr)
	}
	if first.Name == second.Name {
		t.Errorf("both hosts have namespace %s", first.Name)
	}

	for _, h := range []*Host{first, second} {
		if got := strings.TrimSpace(runSSH(t, dial(t, h), "hostname")); got != h.Name {
			t.Errorf("hostname on %s = %q, want %q", h.Addr, got, h.Name)
		}
	}
}

func TestRegenerateHostKey(t *testing.T) {
	h := Start(t, Options{})
	before, err := os.ReadFile(h.HostKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	oldKey, _, _, _, err := ssh.ParseAuthorizedKey(before)
	if err != nil {
		t.Fatal(err)
	}

	h.RegenerateHostKey(t)

	after, err := os.ReadFile(h.HostKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(before, after) {
		t.Fatalf("%s did not change", h.HostKeyPath)
	}

	// dial pins the new key, so this login proves sshd presents it.
	dial(t, h)

	config := &ssh.ClientConfig{User: h.User, HostKeyCallback: ssh.FixedHostKey(oldKey), Timeout: 5 * time.Second}
	if client, err := ssh.Dial("tcp", net.JoinHostPort(h.Addr, "22"), config); err == nil {
		client.Close()
		t.Errorf("a client pinned to the old host key connected after RegenerateHostKey")
	}
}

func TestStopRemovesNamespace(t *testing.T) {
	Require(t)

	h, err := start(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}

	if networkExists(h.Name) {
		t.Errorf("namespace or veth %s still exists after stop", h.Name)
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(h.Addr, "22"), time.Second)
	if err == nil {
		conn.Close()
		t.Errorf("%s:22 still accepts connections after stop", h.Addr)
	}
}

// TestCleanupLeftover leaves a namespace behind as a killed run would (lock
// released, namespace and veth still there) and checks that Cleanup removes it.
func TestCleanupLeftover(t *testing.T) {
	Require(t)

	h := &Host{Dir: t.TempDir()}
	if err := h.allocate(); err != nil {
		t.Fatal(err)
	}
	if err := h.createNetwork(); err != nil {
		h.deleteNetwork()
		h.release()
		t.Fatal(err)
	}
	h.release()

	Cleanup()

	if networkExists(h.Name) {
		removeNetwork(h.Name)
		t.Fatalf("Cleanup left namespace or veth %s", h.Name)
	}
}

func TestPatchInitScript(t *testing.T) {
	path := filepath.Join(t.TempDir(), "docker")
	script := "set -e\n\t\tulimit -n 1048576\n\t\tif [ \"$BASH\" ]; then\n\t\t\tulimit -u unlimited\n\t\tfi\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}

	if err := patchInitScript(path); err != nil {
		t.Fatal(err)
	}

	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "set -e\n\t\tulimit -n 1048576 || true\n\t\tif [ \"$BASH\" ]; then\n\t\t\tulimit -u unlimited || true\n\t\tfi\n"
	if string(got) != want {
		t.Errorf("patched script:\n%s\nwant:\n%s", got, want)
	}
	if err := patchInitScript(filepath.Join(t.TempDir(), "missing")); err != nil {
		t.Errorf("patchInitScript on a missing file: %v", err)
	}
}

func TestBusyboxImageContents(t *testing.T) {
	if err := checkStatic(busyboxPath); err != nil {
		t.Skip(err)
	}

	file := BusyboxImage(t, t.TempDir())
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	entries := map[string]*tar.Header{}
	archive := tar.NewReader(f)
	for {
		header, err := archive.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		entries[header.Name] = header
	}

	if header := entries["bin/busybox"]; header == nil || header.Typeflag != tar.TypeReg || header.Mode&0o111 == 0 {
		t.Errorf("bin/busybox is missing or not an executable file: %+v", header)
	}
	if header := entries["bin/sh"]; header == nil || header.Typeflag != tar.TypeSymlink || header.Linkname != "/bin/busybox" {
		t.Errorf("bin/sh is missing or not a link to /bin/busybox: %+v", header)
	}
	if header := entries["tmp/"]; header == nil || header.Mode != 0o1777 {
		t.Errorf("tmp/ is missing or not mode 1777: %+v", header)
	}
}

func TestScript(t *testing.T) {
	Require(t)

	testscript.Run(t, testscript.Params{
		Dir:  "testdata",
		Cmds: Cmds(),
	})
}
