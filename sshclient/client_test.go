package sshclient

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

// fixture is a key on disk, a server that accepts it and a config to dial it.
type fixture struct {
	server *testServer
	config Config
	key    ssh.PublicKey
}

func newFixture(t *testing.T, handle handler) *fixture {
	t.Helper()
	dir := t.TempDir()
	keyPath, private := writeKey(t, dir, "id_ed25519", "")
	key := publicKey(t, private)
	server := startServer(t, key, handle)

	return &fixture{
		server: server,
		key:    key,
		config: Config{
			Host:           server.host,
			Port:           server.port,
			User:           "root",
			KeyPath:        keyPath,
			KnownHostsPath: filepath.Join(dir, "machine", "known_hosts"),
			Timeout:        5 * time.Second,
		},
	}
}

func dial(t *testing.T, config Config) *Client {
	t.Helper()
	client, err := Dial(context.Background(), config)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

func TestRunReturnsStdout(t *testing.T) {
	f := newFixture(t, fixed(commandResult{stdout: "0\n"}))
	client := dial(t, f.config)

	out, err := client.Run(context.Background(), "id -u", nil)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if string(out) != "0\n" {
		t.Errorf("stdout = %q, want %q", out, "0\n")
	}
}

func TestRunExitError(t *testing.T) {
	f := newFixture(t, fixed(commandResult{stderr: "  no such file\n", status: 3}))
	client := dial(t, f.config)

	_, err := client.Run(context.Background(), "cat /missing", nil)
	var exit *ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("Run error = %v, want *ExitError", err)
	}
	if exit.Status != 3 {
		t.Errorf("Status = %d, want 3", exit.Status)
	}
	if exit.Stderr != "no such file" {
		t.Errorf("Stderr = %q, want trimmed %q", exit.Stderr, "no such file")
	}
	if exit.Cmd != "cat /missing" {
		t.Errorf("Cmd = %q", exit.Cmd)
	}
	if !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("error %q does not name the exit status", err)
	}
}

func TestRunPassesStdin(t *testing.T) {
	echo := func(_ string, stdin io.Reader, stdout, _ io.Writer) uint32 {
		io.Copy(stdout, stdin)
		return 0
	}
	f := newFixture(t, echo)
	client := dial(t, f.config)

	out, err := client.Run(context.Background(), "cat", strings.NewReader("hello"))
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if string(out) != "hello" {
		t.Errorf("stdout = %q, want %q", out, "hello")
	}
}

func TestRunSharesOneConnection(t *testing.T) {
	f := newFixture(t, fixed(commandResult{}))
	client := dial(t, f.config)
	for i := 0; i < 3; i++ {
		if _, err := client.Run(context.Background(), "true", nil); err != nil {
			t.Fatalf("Run %d: %v", i, err)
		}
	}

	if got := len(f.server.ran()); got != 3 {
		t.Errorf("server ran %d commands, want 3", got)
	}
	if f.server.acceptedCount() != 1 {
		t.Errorf("server accepted %d connections, want 1", f.server.acceptedCount())
	}
}

func TestRunStopsWhenContextEnds(t *testing.T) {
	block := func(_ string, stdin io.Reader, _, _ io.Writer) uint32 {
		io.Copy(io.Discard, stdin)
		return 0
	}
	f := newFixture(t, block)
	client := dial(t, f.config)

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	stdin, _ := io.Pipe() // never closed, so the handler blocks
	start := time.Now()
	_, err := client.Run(ctx, "sleep 100", stdin)

	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run error = %v, want context.DeadlineExceeded", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Run returned after %s, want about 200ms", took)
	}
}

func TestDebugWritesCommands(t *testing.T) {
	f := newFixture(t, fixed(commandResult{}))
	var debug bytes.Buffer
	f.config.Debug = &debug
	client := dial(t, f.config)

	if _, err := client.Run(context.Background(), "uname -a", nil); err != nil {
		t.Fatal(err)
	}

	want := "ssh " + f.server.addr + ": uname -a\n"
	if debug.String() != want {
		t.Errorf("debug = %q, want %q", debug.String(), want)
	}
}

func TestSudoRootUnchanged(t *testing.T) {
	client := &Client{user: "root"}
	if got := client.Sudo("id -u"); got != "id -u" {
		t.Errorf("Sudo = %q, want the command unchanged", got)
	}
}

func TestSudoNonRootWraps(t *testing.T) {
	client := &Client{user: "ubuntu"}
	got := client.Sudo("echo 'a b' > /etc/x")
	want := `sudo -n sh -c 'echo '\''a b'\'' > /etc/x'`
	if got != want {
		t.Errorf("Sudo = %q, want %q", got, want)
	}
}

func TestSudoPasswordRequired(t *testing.T) {
	f := newFixture(t, fixed(commandResult{stderr: "sudo: a password is required\n", status: 1}))
	f.config.User = "ubuntu"
	client := dial(t, f.config)

	_, err := client.Run(context.Background(), client.Sudo("id -u"), nil)
	if err == nil {
		t.Fatal("Run succeeded, want an error")
	}
	if !strings.Contains(err.Error(), "passwordless sudo is required for ubuntu on "+f.server.host) {
		t.Errorf("error %q does not say passwordless sudo is required for the user and host", err)
	}
	var exit *ExitError
	if !errors.As(err, &exit) {
		t.Errorf("error %v does not wrap *ExitError", err)
	}
}

func TestSudoMissing(t *testing.T) {
	f := newFixture(t, fixed(commandResult{stderr: "sh: 1: sudo: not found\n", status: 127}))
	f.config.User = "ubuntu"
	client := dial(t, f.config)

	_, err := client.Run(context.Background(), client.Sudo("id -u"), nil)
	if err == nil || !strings.Contains(err.Error(), "sudo is not installed on "+f.server.host) {
		t.Errorf("Run error = %v, want one saying sudo is not installed", err)
	}
}

func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "''"},
		{"plain", "'plain'"},
		{"it's", `'it'\''s'`},
		{"$HOME `id` \\", "'$HOME `id` \\'"},
	}
	for _, test := range tests {
		if got := Quote(test.in); got != test.want {
			t.Errorf("Quote(%q) = %q, want %q", test.in, got, test.want)
		}
	}
}

func TestQuoteRoundTripsThroughShell(t *testing.T) {
	values := []string{"", "it's", "a b\tc\nd", "$(touch /tmp/x) `id` ${HOME} \\ \" ' ;|&*?[]"}
	for _, value := range values {
		var out bytes.Buffer
		status := shell("printf %s "+Quote(value), nil, &out, io.Discard)
		if status != 0 || out.String() != value {
			t.Errorf("sh printf %s = %q (status %d), want %q", Quote(value), out.String(), status, value)
		}
	}
}

func TestWriteFile(t *testing.T) {
	f := newFixture(t, shell)
	var debug bytes.Buffer
	f.config.Debug = &debug
	client := dial(t, f.config)
	target := filepath.Join(t.TempDir(), "etc docker", "server-key.pem")

	err := client.WriteFile(context.Background(), target, []byte("secret key"), 0o600)
	if err != nil {
		t.Fatalf("WriteFile: %v", err)
	}

	data, err := os.ReadFile(target)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != "secret key" {
		t.Errorf("content = %q, want %q", data, "secret key")
	}
	info, err := os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode = %o, want 600", info.Mode().Perm())
	}
	if strings.Contains(debug.String(), "secret") {
		t.Errorf("debug output contains the file content: %q", debug.String())
	}
	leftovers, _ := filepath.Glob(target + ".machina-*")
	if len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestWriteFileReplacesContent(t *testing.T) {
	f := newFixture(t, shell)
	client := dial(t, f.config)
	target := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(target, []byte("old content that is longer"), 0o600); err != nil {
		t.Fatal(err)
	}

	if err := client.WriteFile(context.Background(), target, []byte("new"), 0o644); err != nil {
		t.Fatalf("WriteFile: %v", err)
	}

	data, _ := os.ReadFile(target)
	if string(data) != "new" {
		t.Errorf("content = %q, want %q", data, "new")
	}
	info, _ := os.Stat(target)
	if info.Mode().Perm() != 0o644 {
		t.Errorf("mode = %o, want 644", info.Mode().Perm())
	}
}

func TestWriteFileRejectsRelativePath(t *testing.T) {
	f := newFixture(t, shell)
	client := dial(t, f.config)

	err := client.WriteFile(context.Background(), "etc/docker/ca.pem", nil, 0o644)
	if err == nil {
		t.Error("WriteFile accepted a relative path")
	}
}

func TestInteractiveWithoutTerminal(t *testing.T) {
	handle := func(cmd string, stdin io.Reader, stdout, stderr io.Writer) uint32 {
		io.Copy(stdout, stdin)
		io.WriteString(stderr, "warning")
		return 7
	}
	f := newFixture(t, handle)
	client := dial(t, f.config)

	var stdout, stderr bytes.Buffer
	status, err := client.Interactive(context.Background(), "cat; exit 7", strings.NewReader("typed"), &stdout, &stderr)
	if err != nil {
		t.Fatalf("Interactive: %v", err)
	}
	if status != 7 {
		t.Errorf("status = %d, want 7", status)
	}
	if stdout.String() != "typed" || stderr.String() != "warning" {
		t.Errorf("stdout, stderr = %q, %q; want %q, %q", stdout.String(), stderr.String(), "typed", "warning")
	}
	if f.server.ptyCount() != 0 {
		t.Errorf("requested %d PTYs for a non-terminal stdin, want 0", f.server.ptyCount())
	}
}

func TestHostKeyPinnedOnFirstContact(t *testing.T) {
	f := newFixture(t, fixed(commandResult{}))
	dial(t, f.config).Close()

	info, err := os.Stat(f.config.KnownHostsPath)
	if err != nil {
		t.Fatalf("known_hosts not created: %v", err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("known_hosts mode = %o, want 600", info.Mode().Perm())
	}
	data, _ := os.ReadFile(f.config.KnownHostsPath)
	want := "[" + f.server.host + "]:" + portString(f.server.port) + " " + string(bytes.TrimSpace(ssh.MarshalAuthorizedKey(f.server.hostKey.PublicKey())))
	if strings.TrimSpace(string(data)) != want {
		t.Errorf("known_hosts = %q, want %q", data, want)
	}

	dial(t, f.config)
}

func TestHostKeyChanged(t *testing.T) {
	f := newFixture(t, fixed(commandResult{}))
	dial(t, f.config).Close()
	pinned, _ := os.ReadFile(f.config.KnownHostsPath)

	// A new server on another port acts as the reinstalled machine, and the
	// pinned line is rewritten for its port.
	other := startServer(t, f.key, fixed(commandResult{}))
	line := strings.Replace(string(pinned), portString(f.server.port), portString(other.port), 1)
	if err := os.WriteFile(f.config.KnownHostsPath, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	f.config.Port = other.port

	_, err := Dial(context.Background(), f.config)
	if !errors.Is(err, ErrHostKeyChanged) {
		t.Fatalf("Dial error = %v, want ErrHostKeyChanged", err)
	}
	for _, part := range []string{other.addr, f.config.KnownHostsPath, "remove " + f.config.KnownHostsPath + " to trust the new key"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not contain %q", err, part)
		}
	}
	after, _ := os.ReadFile(f.config.KnownHostsPath)
	if string(after) != line {
		t.Errorf("known_hosts changed to %q after a rejected key", after)
	}
}

func TestHostKeyOtherTypePinned(t *testing.T) {
	f := newFixture(t, fixed(commandResult{}))
	// Pin an ECDSA key for the address while the server offers only
	// ed25519, so the server cannot present the pinned type.
	ecdsaKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pinned, err := ssh.NewPublicKey(&ecdsaKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	line := knownhosts.Line([]string{knownhosts.Normalize(f.server.addr)}, pinned) + "\n"
	os.MkdirAll(filepath.Dir(f.config.KnownHostsPath), 0o700)
	if err := os.WriteFile(f.config.KnownHostsPath, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}

	_, err = Dial(context.Background(), f.config)
	if !errors.Is(err, ErrHostKeyChanged) {
		t.Fatalf("Dial error = %v, want ErrHostKeyChanged", err)
	}
	if !strings.Contains(err.Error(), "ecdsa-sha2-nistp256") {
		t.Errorf("error %q does not name the pinned key type", err)
	}
}

func TestHostKeyNewAddressAppended(t *testing.T) {
	f := newFixture(t, fixed(commandResult{}))
	dial(t, f.config).Close()

	other := startServer(t, f.key, fixed(commandResult{}))
	f.config.Port = other.port
	dial(t, f.config).Close()

	data, _ := os.ReadFile(f.config.KnownHostsPath)
	if lines := strings.Count(string(data), "\n"); lines != 2 {
		t.Errorf("known_hosts has %d lines, want 2:\n%s", lines, data)
	}
}

func TestDialWrongKey(t *testing.T) {
	f := newFixture(t, fixed(commandResult{}))
	otherKey, _ := writeKey(t, t.TempDir(), "other", "")
	f.config.KeyPath = otherKey

	_, err := Dial(context.Background(), f.config)
	if err == nil {
		t.Fatal("Dial succeeded with a key the server does not accept")
	}
	for _, part := range []string{"root@" + f.server.addr, otherKey, "authentication failed"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not contain %q", err, part)
		}
	}
}

func TestDialEncryptedKeyWithoutAgent(t *testing.T) {
	t.Setenv("SSH_AUTH_SOCK", "")
	f := newFixture(t, fixed(commandResult{}))
	encrypted, _ := writeKey(t, t.TempDir(), "id_locked", "passphrase")
	f.config.KeyPath = encrypted

	_, err := Dial(context.Background(), f.config)
	if err == nil {
		t.Fatal("Dial succeeded with an encrypted key and no agent")
	}
	for _, part := range []string{encrypted, "encrypted", "ssh-add"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not contain %q", err, part)
		}
	}
}

func TestDialEncryptedKeyThroughAgent(t *testing.T) {
	dir := t.TempDir()
	encrypted, private := writeKey(t, dir, "id_locked", "passphrase")
	server := startServer(t, publicKey(t, private), fixed(commandResult{stdout: "ok"}))
	startAgent(t, private)

	client := dial(t, Config{
		Host: server.host, Port: server.port, User: "root",
		KeyPath:        encrypted,
		KnownHostsPath: filepath.Join(dir, "known_hosts"),
		Timeout:        5 * time.Second,
	})
	if out, err := client.Run(context.Background(), "true", nil); err != nil || string(out) != "ok" {
		t.Errorf("Run = %q, %v", out, err)
	}
}

func TestDialAgentWithoutKeyPath(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	_, private, _ := ed25519.GenerateKey(rand.Reader)
	server := startServer(t, publicKey(t, private), fixed(commandResult{}))
	startAgent(t, private)

	dial(t, Config{
		Host: server.host, Port: server.port, User: "root",
		KnownHostsPath: filepath.Join(t.TempDir(), "known_hosts"),
		Timeout:        5 * time.Second,
	})
}

func TestDialDefaultKey(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("SSH_AUTH_SOCK", "")
	writeKey(t, filepath.Join(home, ".ssh"), "id_ed25519", "locked") // skipped: encrypted
	_, private := writeKey(t, filepath.Join(home, ".ssh"), "id_rsa", "")
	server := startServer(t, publicKey(t, private), fixed(commandResult{}))

	dial(t, Config{
		Host: server.host, Port: server.port, User: "root",
		KnownHostsPath: filepath.Join(t.TempDir(), "known_hosts"),
		Timeout:        5 * time.Second,
	})
}

func TestDialNoKeyAtAll(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("SSH_AUTH_SOCK", "")

	_, err := Dial(context.Background(), Config{
		Host: "127.0.0.1", Port: 1, User: "root",
		KnownHostsPath: filepath.Join(t.TempDir(), "known_hosts"),
	})
	if err == nil || !strings.Contains(err.Error(), "no SSH key") {
		t.Errorf("Dial error = %v, want one saying there is no SSH key", err)
	}
}

func TestDialConnectionRefused(t *testing.T) {
	f := newFixture(t, fixed(commandResult{}))
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := listener.Addr().(*net.TCPAddr)
	listener.Close()
	f.config.Port = addr.Port

	_, err = Dial(context.Background(), f.config)
	if err == nil || !strings.Contains(err.Error(), addr.String()) {
		t.Errorf("Dial error = %v, want one naming %s", err, addr)
	}
}

func TestDialSilentServerTimesOut(t *testing.T) {
	f := newFixture(t, fixed(commandResult{}))
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close()
	go func() {
		// Accept and never speak, like a host whose sshd hangs.
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	f.config.Port = listener.Addr().(*net.TCPAddr).Port
	f.config.Timeout = 300 * time.Millisecond

	start := time.Now()
	_, err = Dial(context.Background(), f.config)
	took := time.Since(start)

	if err == nil {
		t.Fatal("Dial succeeded against a silent server")
	}
	if took > 2*time.Second {
		t.Errorf("Dial returned after %s, want about 300ms", took)
	}
	for _, part := range []string{listener.Addr().String(), "timed out"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not contain %q", err, part)
		}
	}
}

// startAgent serves an in-memory ssh-agent holding private and points
// SSH_AUTH_SOCK at it.
func startAgent(t *testing.T, private ed25519.PrivateKey) {
	t.Helper()
	keyring := agent.NewKeyring()
	if err := keyring.Add(agent.AddedKey{PrivateKey: private}); err != nil {
		t.Fatal(err)
	}

	socket := filepath.Join(t.TempDir(), "agent.sock")
	listener, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { listener.Close() })
	go func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				agent.ServeAgent(keyring, conn)
			}()
		}
	}()
	t.Setenv("SSH_AUTH_SOCK", socket)
}
