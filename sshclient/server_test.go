package sshclient

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
)

// commandResult is what a fake server command writes and how it exits.
type commandResult struct {
	stdout, stderr string
	status         uint32
}

// handler runs one exec request. stdin is the session's input.
type handler func(cmd string, stdin io.Reader, stdout, stderr io.Writer) uint32

// testServer is an in-process SSH server on 127.0.0.1 that accepts one
// public key and passes exec requests to a handler.
type testServer struct {
	addr     string
	host     string
	port     int
	hostKey  ssh.Signer
	listener net.Listener

	mu       sync.Mutex
	accepted int // TCP connections
	commands []string
	handle   handler
	ptys     int
}

func startServer(t *testing.T, clientKey ssh.PublicKey, handle handler) *testServer {
	t.Helper()
	return startServerWithHostKey(t, clientKey, newSigner(t), handle)
}

func startServerWithHostKey(t *testing.T, clientKey ssh.PublicKey, hostKey ssh.Signer, handle handler) *testServer {
	t.Helper()

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { listener.Close() })

	tcpAddr := listener.Addr().(*net.TCPAddr)
	s := &testServer{
		addr:     listener.Addr().String(),
		host:     tcpAddr.IP.String(),
		port:     tcpAddr.Port,
		hostKey:  hostKey,
		listener: listener,
		handle:   handle,
	}

	config := &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if bytes.Equal(key.Marshal(), clientKey.Marshal()) {
				return nil, nil
			}
			return nil, errors.New("unknown key")
		},
	}
	config.AddHostKey(hostKey)

	go func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.accepted++
			s.mu.Unlock()
			go s.serve(conn, config)
		}
	}()
	return s
}

func (s *testServer) serve(conn net.Conn, config *ssh.ServerConfig) {
	defer conn.Close()
	_, chans, reqs, err := ssh.NewServerConn(conn, config)
	if err != nil {
		return
	}
	go ssh.DiscardRequests(reqs)

	for newChannel := range chans {
		if newChannel.ChannelType() != "session" {
			newChannel.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		channel, requests, err := newChannel.Accept()
		if err != nil {
			return
		}
		go s.session(channel, requests)
	}
}

func (s *testServer) session(channel ssh.Channel, requests <-chan *ssh.Request) {
	defer channel.Close()
	for req := range requests {
		switch req.Type {
		case "pty-req":
			s.mu.Lock()
			s.ptys++
			s.mu.Unlock()
			req.Reply(true, nil)
		case "exec":
			var payload struct{ Command string }
			if err := ssh.Unmarshal(req.Payload, &payload); err != nil {
				req.Reply(false, nil)
				return
			}
			req.Reply(true, nil)

			s.mu.Lock()
			s.commands = append(s.commands, payload.Command)
			handle := s.handle
			s.mu.Unlock()

			status := handle(payload.Command, channel, channel, channel.Stderr())
			channel.CloseWrite()
			channel.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{status}))
			return
		default:
			req.Reply(false, nil)
		}
	}
}

func (s *testServer) acceptedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

func (s *testServer) ptyCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ptys
}

func (s *testServer) ran() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.commands...)
}

// fixed returns a handler that answers every command with result.
func fixed(result commandResult) handler {
	return func(_ string, _ io.Reader, stdout, stderr io.Writer) uint32 {
		io.WriteString(stdout, result.stdout)
		io.WriteString(stderr, result.stderr)
		return result.status
	}
}

// shell runs each command with the local sh, for tests of commands that only
// touch files under t.TempDir().
func shell(cmd string, stdin io.Reader, stdout, stderr io.Writer) uint32 {
	c := exec.Command("sh", "-c", cmd)
	c.Stdin = stdin
	c.Stdout = stdout
	c.Stderr = stderr
	err := c.Run()

	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return uint32(exit.ExitCode())
	}
	if err != nil {
		io.WriteString(stderr, err.Error())
		return 255
	}
	return 0
}

func newSigner(t *testing.T) ssh.Signer {
	t.Helper()
	_, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(private)
	if err != nil {
		t.Fatal(err)
	}
	return signer
}

// writeKey writes a new ed25519 key in OpenSSH format to dir/name, encrypted
// when passphrase is set.
func writeKey(t *testing.T, dir, name, passphrase string) (string, ed25519.PrivateKey) {
	t.Helper()
	_, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}

	var block *pem.Block
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(private, "")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(private, "", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}

	keyPath := filepath.Join(dir, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return keyPath, private
}

func publicKey(t *testing.T, private ed25519.PrivateKey) ssh.PublicKey {
	t.Helper()
	key, err := ssh.NewPublicKey(private.Public())
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func portString(port int) string { return strconv.Itoa(port) }
