//go:build !unix

package sshclient

import "golang.org/x/crypto/ssh"

// forwardWindowSize does nothing where there is no SIGWINCH: the remote
// terminal keeps the size it started with.
func forwardWindowSize(*ssh.Session, int) (stop func()) {
	return func() {}
}
