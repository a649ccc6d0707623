package sshclient_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/machina-dev/machina/sshclient"
	"github.com/machina-dev/machina/testhost"
)

func hostConfig(t *testing.T, h *testhost.Host) sshclient.Config {
	return sshclient.Config{
		Host:           h.Addr,
		Port:           h.SSHPort,
		User:           h.User,
		KeyPath:        h.KeyPath,
		KnownHostsPath: filepath.Join(t.TempDir(), "known_hosts"),
		Timeout:        10 * time.Second,
	}
}

func TestTestHostRun(t *testing.T) {
	testhost.Require(t)
	h := testhost.Start(t, testhost.Options{})
	config := hostConfig(t, h)

	client, err := sshclient.Dial(context.Background(), config)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer client.Close()

	out, err := client.Run(context.Background(), "id -u", nil)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if strings.TrimSpace(string(out)) != "0" {
		t.Errorf("id -u = %q, want 0", out)
	}

	hostKey, err := os.ReadFile(h.HostKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	pinned, err := os.ReadFile(config.KnownHostsPath)
	if err != nil {
		t.Fatal(err)
	}
	keyFields := strings.Fields(string(hostKey))
	if !strings.Contains(string(pinned), h.Addr+" "+keyFields[0]+" "+keyFields[1]) {
		t.Errorf("known_hosts %q does not pin %s's host key %q", pinned, h.Addr, hostKey)
	}
}

func TestTestHostWriteFile(t *testing.T) {
	testhost.Require(t)
	h := testhost.Start(t, testhost.Options{})
	client, err := sshclient.Dial(context.Background(), hostConfig(t, h))
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer client.Close()

	content := []byte("line one\n$HOME 'quoted'\n")
	if err := client.WriteFile(context.Background(), "/etc/docker/machina-test/file", content, 0o600); err != nil {
		t.Fatalf("WriteFile: %v", err)
	}

	got := h.Exec(t, "cat", "/etc/docker/machina-test/file")
	if !bytes.Equal(got, content) {
		t.Errorf("content = %q, want %q", got, content)
	}
	mode := strings.TrimSpace(string(h.Exec(t, "stat", "-c", "%a", "/etc/docker/machina-test/file")))
	if mode != "600" {
		t.Errorf("mode = %s, want 600", mode)
	}
}

func TestTestHostKeyChanged(t *testing.T) {
	testhost.Require(t)
	h := testhost.Start(t, testhost.Options{})
	config := hostConfig(t, h)

	client, err := sshclient.Dial(context.Background(), config)
	if err != nil {
		t.Fatalf("first Dial: %v", err)
	}
	client.Close()

	h.RegenerateHostKey(t)

	_, err = sshclient.Dial(context.Background(), config)
	if !errors.Is(err, sshclient.ErrHostKeyChanged) {
		t.Fatalf("Dial after the host key changed: error = %v, want ErrHostKeyChanged", err)
	}
	for _, part := range []string{h.Addr + ":22", config.KnownHostsPath, "remove " + config.KnownHostsPath + " to trust the new key"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not contain %q", err, part)
		}
	}

	// Removing the file, as the error says, trusts the new key.
	if err := os.Remove(config.KnownHostsPath); err != nil {
		t.Fatal(err)
	}
	client, err = sshclient.Dial(context.Background(), config)
	if err != nil {
		t.Fatalf("Dial after removing known_hosts: %v", err)
	}
	client.Close()
}

func TestTestHostWrongKey(t *testing.T) {
	testhost.Require(t)
	h := testhost.Start(t, testhost.Options{})
	config := hostConfig(t, h)
	config.KeyPath = writeOtherKey(t)

	_, err := sshclient.Dial(context.Background(), config)
	if err == nil {
		t.Fatal("Dial succeeded with a key the host does not authorize")
	}
	for _, part := range []string{"root@" + h.Addr + ":22", config.KeyPath, "authentication failed"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not contain %q", err, part)
		}
	}
}

func TestTestHostUnreachable(t *testing.T) {
	testhost.Require(t)
	h := testhost.Start(t, testhost.Options{NoSSHD: true})
	config := hostConfig(t, h)
	config.Timeout = 3 * time.Second

	start := time.Now()
	_, err := sshclient.Dial(context.Background(), config)
	took := time.Since(start)

	if err == nil {
		t.Fatal("Dial succeeded where nothing listens")
	}
	if took > config.Timeout+time.Second {
		t.Errorf("Dial returned after %s, want at most the %s timeout", took, config.Timeout)
	}
	if want := net.JoinHostPort(h.Addr, strconv.Itoa(h.SSHPort)); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name %s", err, want)
	}
}

// writeOtherKey writes an ed25519 key that no test host authorizes.
func writeOtherKey(t *testing.T) string {
	t.Helper()
	_, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(private, "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "id_other")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
