package sshclient

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// ErrHostKeyChanged is wrapped by the error Dial returns when the machine
// presents a host key other than the one pinned in Config.KnownHostsPath.
var ErrHostKeyChanged = errors.New("host key changed")

// pinnedKeys checks a machine's host key against its known_hosts file and
// pins the key on first contact with an address.
type pinnedKeys struct {
	path  string
	addr  string                // host:port as dialed
	known []knownhosts.KnownKey // keys pinned for addr
	check ssh.HostKeyCallback

	// changed is the error for a key that differs from the pinned one. The
	// handshake wraps callback errors, so Dial returns this one instead.
	changed error
}

// loadPins reads path, which need not exist yet.
func loadPins(path, addr string) (*pinnedKeys, error) {
	p := &pinnedKeys{path: path, addr: addr}

	_, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		p.check = p.pinFirst
		return p, nil
	case err != nil:
		return nil, fmt.Errorf("read known_hosts: %w", err)
	}

	db, err := knownhosts.New(path)
	if err != nil {
		return nil, fmt.Errorf("read known_hosts %s: %w", path, err)
	}
	p.known = lookupKeys(db, addr)
	p.check = func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		return p.verify(db, hostname, remote, key)
	}
	return p, nil
}

// lookupKeys lists the keys db contains for addr. knownhosts has no lookup, so
// it checks a key that matches nothing and reads the wanted keys from the
// mismatch.
func lookupKeys(db ssh.HostKeyCallback, addr string) []knownhosts.KnownKey {
	remote := &net.TCPAddr{IP: net.IPv4zero}
	err := db(addr, remote, absentKey{})

	var keyErr *knownhosts.KeyError
	if errors.As(err, &keyErr) {
		return keyErr.Want
	}
	return nil
}

// algorithms restricts the handshake to the pinned key types, so a server
// with several host keys presents the pinned one. It returns nil, which
// means every algorithm, when nothing is pinned for the address.
func (p *pinnedKeys) algorithms() []string {
	var algos []string
	seen := map[string]bool{}
	for _, k := range p.known {
		for _, algo := range algorithmsForKeyType(k.Key.Type()) {
			if !seen[algo] {
				seen[algo] = true
				algos = append(algos, algo)
			}
		}
	}
	return algos
}

func algorithmsForKeyType(keyType string) []string {
	if keyType == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{keyType}
}

func (p *pinnedKeys) verify(db ssh.HostKeyCallback, hostname string, remote net.Addr, key ssh.PublicKey) error {
	err := db(hostname, remote, key)

	var keyErr *knownhosts.KeyError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &keyErr) && len(keyErr.Want) == 0:
		return p.pin(key)
	case errors.As(err, &keyErr):
		p.changed = fmt.Errorf("%w: %s presented %s key %s, but %s pins another key for it; if the machine was reinstalled and that fingerprint is right, remove %s to trust the new key",
			ErrHostKeyChanged, p.addr, key.Type(), ssh.FingerprintSHA256(key), p.path, p.path)
		return p.changed
	}
	return fmt.Errorf("check host key of %s against %s: %w", p.addr, p.path, err)
}

// missingType reports a server that offers none of the pinned key types.
func (p *pinnedKeys) missingType() error {
	var types []string
	for _, k := range p.known {
		types = append(types, k.Key.Type())
	}
	p.changed = fmt.Errorf("%w: %s no longer offers a %s host key, which %s pins; if the machine was reinstalled, remove %s to trust its new key",
		ErrHostKeyChanged, p.addr, strings.Join(types, " or "), p.path, p.path)
	return p.changed
}

func (p *pinnedKeys) pinFirst(_ string, _ net.Addr, key ssh.PublicKey) error {
	if err := os.MkdirAll(filepath.Dir(p.path), 0o700); err != nil {
		return fmt.Errorf("pin host key of %s: %w", p.addr, err)
	}
	return p.pin(key)
}

// pin appends key for the dialed address to the known_hosts file.
func (p *pinnedKeys) pin(key ssh.PublicKey) error {
	line := knownhosts.Line([]string{knownhosts.Normalize(p.addr)}, key) + "\n"

	f, err := os.OpenFile(p.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("pin host key of %s: %w", p.addr, err)
	}
	if _, err := f.WriteString(line); err != nil {
		f.Close()
		return fmt.Errorf("pin host key of %s: %w", p.addr, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("pin host key of %s: %w", p.addr, err)
	}
	return nil
}

// absentKey is a public key that no known_hosts line matches.
type absentKey struct{}

func (absentKey) Type() string                        { return "machina-absent-key" }
func (absentKey) Marshal() []byte                     { return []byte("machina-absent-key") }
func (absentKey) Verify([]byte, *ssh.Signature) error { return errors.New("absent key") }
