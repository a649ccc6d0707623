// Package sshclient runs commands on a machine over one SSH connection.
//
// A Client pins the machine's host key on first contact, authenticates with an
// explicit key, ssh-agent or the user's default keys, and opens a new session
// for each command it runs.
package sshclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// DefaultTimeout bounds dial and handshake when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Config describes how to reach and log in to a machine.
type Config struct {
	Host string
	Port int // 22 when zero
	User string

	// KeyPath is the private key to log in with. When it is empty, the
	// client uses the keys in ssh-agent (SSH_AUTH_SOCK) and then
	// $HOME/.ssh/id_ed25519, id_ecdsa and id_rsa.
	KeyPath string

	// KnownHostsPath is the machine's own pinned host key file in OpenSSH
	// known_hosts format. Dial creates it (mode 0600) on first contact.
	KnownHostsPath string

	// Timeout bounds dial and handshake. Zero means DefaultTimeout.
	Timeout time.Duration

	// Debug, when non-nil, receives one line per command run
	// ("ssh ADDR: CMD"). Data sent on stdin is never written to it.
	Debug io.Writer
}

// Client is an SSH connection to one machine. It is safe for concurrent use:
// each command runs in its own session.
type Client struct {
	conn  *ssh.Client
	user  string
	addr  string // host:port
	debug io.Writer
}

// ExitError reports a remote command that exited with a non-zero status.
type ExitError struct {
	Cmd    string
	Status int
	Stderr string // trimmed
}

func (e *ExitError) Error() string {
	msg := fmt.Sprintf("run %q: exit status %d", e.Cmd, e.Status)
	if e.Stderr != "" {
		msg += ": " + e.Stderr
	}
	return msg
}

// Dial connects to cfg.Host, checks its host key against cfg.KnownHostsPath
// and logs in as cfg.User. Dial and handshake together take at most
// cfg.Timeout.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.Host == "" {
		return nil, errors.New("ssh: missing host")
	}
	if cfg.User == "" {
		return nil, fmt.Errorf("ssh %s: missing user", cfg.Host)
	}
	if cfg.KnownHostsPath == "" {
		return nil, fmt.Errorf("ssh %s: missing known_hosts path", cfg.Host)
	}

	port := cfg.Port
	if port == 0 {
		port = 22
	}
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(port))
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}

	auth, err := newAuth(cfg.KeyPath)
	if err != nil {
		return nil, fmt.Errorf("ssh %s@%s: %w", cfg.User, addr, err)
	}
	defer auth.close()

	pins, err := loadPins(cfg.KnownHostsPath, addr)
	if err != nil {
		return nil, fmt.Errorf("ssh %s: %w", addr, err)
	}

	sshConfig := &ssh.ClientConfig{
		User:              cfg.User,
		Auth:              auth.methods,
		HostKeyCallback:   pins.check,
		HostKeyAlgorithms: pins.algorithms(),
		Timeout:           timeout,
	}

	conn, err := handshake(ctx, addr, sshConfig, timeout)
	if err != nil {
		return nil, explainDialError(err, cfg.User, addr, timeout, auth, pins)
	}

	return &Client{conn: conn, user: cfg.User, addr: addr, debug: cfg.Debug}, nil
}

// handshake dials addr and runs the SSH handshake, giving up after timeout
// or when ctx ends.
func handshake(ctx context.Context, addr string, config *ssh.ClientConfig, timeout time.Duration) (*ssh.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	var dialer net.Dialer
	tcp, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}

	// Closing the connection is the only way to interrupt a handshake that
	// is blocked on a silent server.
	stop := context.AfterFunc(ctx, func() { tcp.Close() })
	conn, chans, reqs, err := ssh.NewClientConn(tcp, addr, config)
	interrupted := !stop()
	if err != nil {
		tcp.Close()
		if interrupted && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	if interrupted {
		conn.Close()
		return nil, ctx.Err()
	}

	return ssh.NewClient(conn, chans, reqs), nil
}

// ErrAuth is wrapped by Dial's error when the host rejects every key.
var ErrAuth = errors.New("authentication failed")

func explainDialError(err error, user, addr string, timeout time.Duration, auth *auth, pins *pinnedKeys) error {
	switch {
	case pins.changed != nil:
		return pins.changed
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("ssh %s: connection timed out after %s", addr, timeout)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("ssh %s: %w", addr, err)
	case strings.Contains(err.Error(), "no common algorithm for host key") && len(pins.known) > 0:
		return pins.missingType()
	case strings.Contains(err.Error(), "unable to authenticate"):
		return fmt.Errorf("ssh %s@%s: %w with %s (add its public key to ~%s/.ssh/authorized_keys on the host, or pass another key): %w", user, addr, ErrAuth, auth.tried, user, err)
	case strings.Contains(err.Error(), "connection refused"):
		return fmt.Errorf("ssh %s: %w (check the address and that sshd listens on that port)", addr, err)
	}
	return fmt.Errorf("ssh %s: %w", addr, err)
}

// Run runs cmd in a new session and returns its stdout. A non-zero exit
// returns an *ExitError carrying the trimmed stderr. When ctx ends first, the
// session is closed and Run returns ctx.Err().
func (c *Client) Run(ctx context.Context, cmd string, stdin io.Reader) ([]byte, error) {
	if c.debug != nil {
		fmt.Fprintf(c.debug, "ssh %s: %s\n", c.addr, cmd)
	}

	session, err := c.conn.NewSession()
	if err != nil {
		return nil, fmt.Errorf("ssh %s: open session: %w", c.addr, err)
	}
	defer session.Close()

	var stdout, stderr bytes.Buffer
	session.Stdin = stdin
	session.Stdout = &stdout
	session.Stderr = &stderr

	if err := session.Start(cmd); err != nil {
		return nil, fmt.Errorf("ssh %s: start %q: %w", c.addr, cmd, err)
	}

	err = waitSession(ctx, session)
	if ctxErr := ctx.Err(); ctxErr != nil && err != nil {
		return stdout.Bytes(), fmt.Errorf("ssh %s: run %q: %w", c.addr, cmd, ctxErr)
	}
	if err != nil {
		return stdout.Bytes(), c.commandError(cmd, err, stderr.String())
	}
	return stdout.Bytes(), nil
}

// waitSession waits for the session to end, and closes it when ctx ends first.
func waitSession(ctx context.Context, session *ssh.Session) error {
	stop := context.AfterFunc(ctx, func() {
		session.Signal(ssh.SIGKILL)
		session.Close()
	})
	defer stop()

	return session.Wait()
}

// commandError turns a failed session into an *ExitError and explains the
// sudo failures a non-root login runs into.
func (c *Client) commandError(cmd string, err error, stderr string) error {
	var exit *ssh.ExitError
	if !errors.As(err, &exit) {
		return fmt.Errorf("ssh %s: run %q: %w", c.addr, cmd, err)
	}

	exitErr := &ExitError{Cmd: cmd, Status: exit.ExitStatus(), Stderr: strings.TrimSpace(stderr)}
	if !strings.HasPrefix(cmd, "sudo -n ") {
		return exitErr
	}

	host, _, _ := net.SplitHostPort(c.addr)
	switch {
	case strings.Contains(stderr, "a password is required"):
		return fmt.Errorf("passwordless sudo is required for %s on %s (add \"%s ALL=(ALL) NOPASSWD: ALL\" to the sudoers file there): %w",
			c.user, host, c.user, exitErr)
	case exitErr.Status == 127 && strings.Contains(stderr, "sudo"):
		return fmt.Errorf("sudo is not installed on %s, so %s cannot run commands as root (install sudo or log in as root): %w",
			host, c.user, exitErr)
	}
	return exitErr
}

// Close closes the connection and every session on it.
func (c *Client) Close() error {
	return c.conn.Close()
}
