package testhost

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// loginTimeout bounds the wait for sshd to log a client in after a start or a restart.
const loginTimeout = 10 * time.Second

// writeKeys creates the client key authorized for root and sshd's host key.
func (h *Host) writeKeys() error {
	h.KeyPath = filepath.Join(h.Dir, "id_ed25519")
	h.HostKeyPath = filepath.Join(h.Dir, "ssh_host_ed25519_key.pub")

	signer, err := writeKeyPair(h.KeyPath)
	if err != nil {
		return err
	}
	h.signer = signer

	hostSigner, err := writeKeyPair(h.hostKeyPrivatePath())
	if err != nil {
		return err
	}
	h.hostKey = hostSigner.PublicKey()
	return nil
}

func (h *Host) hostKeyPrivatePath() string {
	return filepath.Join(h.Dir, "ssh_host_ed25519_key")
}

// writeKeyPair writes a new ed25519 private key in OpenSSH PEM format to path
// (mode 0600) and its public key in authorized_keys format to path + ".pub".
func writeKeyPair(path string) (ssh.Signer, error) {
	_, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key %s: %w", path, err)
	}

	block, err := ssh.MarshalPrivateKey(private, "")
	if err != nil {
		return nil, fmt.Errorf("encode key %s: %w", path, err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, err
	}

	signer, err := ssh.NewSignerFromKey(private)
	if err != nil {
		return nil, fmt.Errorf("load key %s: %w", path, err)
	}
	if err := os.WriteFile(path+".pub", ssh.MarshalAuthorizedKey(signer.PublicKey()), 0o644); err != nil {
		return nil, err
	}
	return signer, nil
}

// RegenerateHostKey replaces sshd's host key and restarts sshd, then waits
// until sshd presents the new key. Processes started over SSH keep running,
// because sshd restarts by re-executing itself on SIGHUP and stays PID 1.
func (h *Host) RegenerateHostKey(t testing.TB) {
	t.Helper()

	if err := h.regenerateHostKey(); err != nil {
		t.Fatal(err)
	}
}

func (h *Host) regenerateHostKey() error {
	if h.sshd == nil {
		return fmt.Errorf("regenerate host key of %s: the host runs no sshd", h.Name)
	}

	signer, err := writeKeyPair(h.hostKeyPrivatePath())
	if err != nil {
		return err
	}
	h.hostKey = signer.PublicKey()

	if err := syscall.Kill(h.sshdPID, syscall.SIGHUP); err != nil {
		return fmt.Errorf("restart sshd of %s (pid %d): %w", h.Name, h.sshdPID, err)
	}
	return h.waitForLogin()
}

// waitForLogin retries an SSH login as User until sshd accepts it with the
// current host key, sshd exits, or loginTimeout passes.
func (h *Host) waitForLogin() error {
	addr := net.JoinHostPort(h.Addr, strconv.Itoa(h.SSHPort))
	deadline := time.Now().Add(loginTimeout)

	var lastErr error
	for time.Now().Before(deadline) {
		lastErr = h.tryLogin(addr)
		if lastErr == nil {
			return nil
		}

		select {
		case <-h.sshdExited:
			return fmt.Errorf("sshd for %s exited: %v\nsshd log:\n%s", addr, lastErr, h.sshdLog())
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("sshd on %s did not accept a login within %s: %w\nsshd log:\n%s", addr, loginTimeout, lastErr, h.sshdLog())
}

func (h *Host) tryLogin(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Second))

	config := &ssh.ClientConfig{
		User:            h.User,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(h.signer)},
		HostKeyCallback: ssh.FixedHostKey(h.hostKey),
	}
	clientConn, channels, requests, err := ssh.NewClientConn(conn, addr, config)
	if err != nil {
		return err
	}
	return ssh.NewClient(clientConn, channels, requests).Close()
}
