//go:build unix

package sshclient

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/crypto/ssh"
	"golang.org/x/term"
)

// forwardWindowSize sends the size of terminal fd to the session on each
// SIGWINCH until the returned function is called.
func forwardWindowSize(session *ssh.Session, fd int) (stop func()) {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGWINCH)
	done := make(chan struct{})

	go func() {
		for {
			select {
			case <-done:
				return
			case <-signals:
				if width, height, err := term.GetSize(fd); err == nil {
					session.WindowChange(height, width)
				}
			}
		}
	}()

	return func() {
		signal.Stop(signals)
		close(done)
	}
}
