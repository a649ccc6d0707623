package sshclient

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// defaultKeyNames are the keys tried, in order, under $HOME/.ssh when no key
// is given and ssh-agent offers none that works.
var defaultKeyNames = []string{"id_ed25519", "id_ecdsa", "id_rsa"}

// auth is the set of authentication methods for one Dial, with a
// description of them for error messages.
type auth struct {
	methods []ssh.AuthMethod
	tried   string // "key /path" or "the keys in ssh-agent and ~/.ssh/id_ed25519"
	agent   net.Conn
}

func (a *auth) close() {
	if a.agent != nil {
		a.agent.Close()
	}
}

// newAuth builds the authentication methods for keyPath, or for ssh-agent
// and the default keys when keyPath is empty.
func newAuth(keyPath string) (*auth, error) {
	if keyPath != "" {
		return keyAuth(keyPath)
	}
	return defaultAuth()
}

// keyAuth logs in with the key at keyPath. An encrypted key is usable only
// through ssh-agent, because provisioning runs without a terminal to ask for
// the passphrase.
func keyAuth(keyPath string) (*auth, error) {
	pemBytes, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, fmt.Errorf("read SSH key: %w", err)
	}

	a := &auth{tried: "key " + keyPath}
	signer, err := ssh.ParsePrivateKey(pemBytes)
	var missing *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &missing):
		return encryptedKeyAuth(a, keyPath, missing.PublicKey)
	case err != nil:
		return nil, fmt.Errorf("parse SSH key %s: %w", keyPath, err)
	}

	a.methods = []ssh.AuthMethod{ssh.PublicKeys(signer)}
	return a, nil
}

// encryptedKeyAuth uses the agent's copy of an encrypted key. publicKey is
// nil for key formats that do not store it unencrypted, and then every agent
// key is offered.
func encryptedKeyAuth(a *auth, keyPath string, publicKey ssh.PublicKey) (*auth, error) {
	hint := fmt.Errorf("SSH key %s is encrypted with a passphrase: load it into ssh-agent with \"ssh-add %s\" and retry", keyPath, keyPath)

	client, conn, err := dialAgent()
	if err != nil || client == nil {
		return nil, hint
	}
	a.agent = conn

	signers, err := client.Signers()
	if err != nil {
		a.close()
		return nil, fmt.Errorf("list ssh-agent keys: %w", err)
	}
	if publicKey != nil {
		signers = matchingSigners(signers, publicKey)
	}
	if len(signers) == 0 {
		a.close()
		return nil, hint
	}

	a.tried = "key " + keyPath + " (through ssh-agent)"
	a.methods = []ssh.AuthMethod{ssh.PublicKeys(signers...)}
	return a, nil
}

func matchingSigners(signers []ssh.Signer, publicKey ssh.PublicKey) []ssh.Signer {
	want := publicKey.Marshal()
	var matches []ssh.Signer
	for _, s := range signers {
		if bytes.Equal(s.PublicKey().Marshal(), want) {
			matches = append(matches, s)
		}
	}
	return matches
}

// defaultAuth offers the keys in ssh-agent, then the unencrypted default
// keys under $HOME/.ssh. It skips encrypted default keys, because the agent
// has them loaded when they are meant to be used.
func defaultAuth() (*auth, error) {
	a := &auth{}
	var signers []ssh.Signer
	var sources []string

	// An unreachable agent is not fatal, because a stale SSH_AUTH_SOCK is
	// common and the default keys may still work.
	client, conn, agentErr := dialAgent()
	if client != nil {
		a.agent = conn
		agentSigners, err := client.Signers()
		if err != nil {
			a.close()
			return nil, fmt.Errorf("list ssh-agent keys: %w", err)
		}
		signers = append(signers, agentSigners...)
		sources = append(sources, "the keys in ssh-agent")
	}

	home, err := os.UserHomeDir()
	if err == nil {
		for _, name := range defaultKeyNames {
			path := filepath.Join(home, ".ssh", name)
			signer, err := readDefaultKey(path)
			if err != nil {
				a.close()
				return nil, err
			}
			if signer != nil {
				signers = append(signers, signer)
				sources = append(sources, path)
			}
		}
	}

	if len(signers) == 0 {
		a.close()
		err := fmt.Errorf("no SSH key to log in with: ssh-agent offers none and $HOME/.ssh has no unencrypted %s",
			strings.Join(defaultKeyNames, ", "))
		if agentErr != nil {
			err = fmt.Errorf("%w (%v)", err, agentErr)
		}
		return nil, err
	}

	a.tried = strings.Join(sources, ", ")
	a.methods = []ssh.AuthMethod{ssh.PublicKeys(signers...)}
	return a, nil
}

// readDefaultKey returns nil without an error when the key does not exist or
// is encrypted.
func readDefaultKey(path string) (ssh.Signer, error) {
	pemBytes, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read SSH key: %w", err)
	}

	signer, err := ssh.ParsePrivateKey(pemBytes)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("parse SSH key %s: %w", path, err)
	}
	return signer, nil
}

// dialAgent connects to the agent at SSH_AUTH_SOCK. It returns a nil client
// and no error when SSH_AUTH_SOCK is unset.
func dialAgent() (agent.ExtendedAgent, net.Conn, error) {
	socket := os.Getenv("SSH_AUTH_SOCK")
	if socket == "" {
		return nil, nil, nil
	}

	conn, err := net.Dial("unix", socket)
	if err != nil {
		return nil, nil, fmt.Errorf("connect to ssh-agent at SSH_AUTH_SOCK=%s: %w", socket, err)
	}
	return agent.NewClient(conn), conn, nil
}
