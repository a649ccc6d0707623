package sshclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/crypto/ssh"
	"golang.org/x/term"
)

// Interactive runs cmd, or a login shell when cmd is empty, with the given
// streams attached. When stdin is a terminal it requests a PTY, puts the local
// terminal in raw mode for the session and forwards window size changes.
// It returns the remote exit status, and an error only when the session
// itself failed.
func (c *Client) Interactive(ctx context.Context, cmd string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	if c.debug != nil && cmd != "" {
		fmt.Fprintf(c.debug, "ssh %s: %s\n", c.addr, cmd)
	}

	session, err := c.conn.NewSession()
	if err != nil {
		return 0, fmt.Errorf("ssh %s: open session: %w", c.addr, err)
	}
	defer session.Close()

	session.Stdin = stdin
	session.Stdout = stdout
	session.Stderr = stderr

	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		restore, err := startTerminal(session, int(f.Fd()))
		if err != nil {
			return 0, fmt.Errorf("ssh %s: %w", c.addr, err)
		}
		defer restore()
	}

	if cmd == "" {
		err = session.Shell()
	} else {
		err = session.Start(cmd)
	}
	if err != nil {
		return 0, fmt.Errorf("ssh %s: start session: %w", c.addr, err)
	}

	err = waitSession(ctx, session)
	var exit *ssh.ExitError
	switch {
	case err == nil:
		return 0, nil
	case ctx.Err() != nil:
		return 0, fmt.Errorf("ssh %s: %w", c.addr, ctx.Err())
	case errors.As(err, &exit):
		return exit.ExitStatus(), nil
	}
	return 0, fmt.Errorf("ssh %s: %w", c.addr, err)
}

// startTerminal requests a PTY the size of the local terminal fd and puts fd
// in raw mode. The returned function restores fd and stops forwarding
// window size changes.
func startTerminal(session *ssh.Session, fd int) (func(), error) {
	width, height, err := term.GetSize(fd)
	if err != nil {
		width, height = 80, 24
	}

	termType := os.Getenv("TERM")
	if termType == "" {
		termType = "xterm-256color"
	}
	modes := ssh.TerminalModes{ssh.ECHO: 1, ssh.TTY_OP_ISPEED: 14400, ssh.TTY_OP_OSPEED: 14400}
	if err := session.RequestPty(termType, height, width, modes); err != nil {
		return nil, fmt.Errorf("request PTY: %w", err)
	}

	state, err := term.MakeRaw(fd)
	if err != nil {
		return nil, fmt.Errorf("set terminal to raw mode: %w", err)
	}
	stopResize := forwardWindowSize(session, fd)

	return func() {
		stopResize()
		term.Restore(fd, state)
	}, nil
}
