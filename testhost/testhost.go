// Package testhost starts throwaway SSH hosts on this machine for tests that
// provision real Docker engines.
//
// A host is a network namespace with its own address (10.200.N.2, the machine
// side is 10.200.N.1) and an sshd that logs root in with a generated key. sshd
// runs as PID 1 of its own PID, UTS and mount namespaces, with Host.Name as the
// hostname. Everything started over SSH dies with it and works in a private
// view of the directories that provisioning writes: /etc, /usr, /var/lib,
// /var/cache and /root are overlays, so packages installed there stay on the
// host. /etc/docker, /etc/default, /etc/init.d, /etc/systemd/system and
// /var/log are private copies under Host.Dir, and /var/lib/docker starts
// empty there. /run is a fresh tmpfs, so an engine started on the host gets
// its own /var/run/docker.sock. The rest of the file system, /tmp included,
// is still the machine's own. The host cannot reboot: its `shutdown -r` (in
// /usr/local/sbin) restarts sshd and the engine instead and drops every SSH
// connection.
//
// Start adds an unreachable route for 10.200.0.0/16 to the machine if it has
// none, so a connection to a stopped host's address fails at once instead of
// leaving through the default route. The route stays after the tests.
//
// The package needs Linux, root, iproute2, util-linux (unshare, nsenter),
// openssh-server, docker.io and busybox-static; Require skips a test otherwise.
package testhost

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// sshdPath is absolute because sshd re-executes itself and refuses a relative path.
const sshdPath = "/usr/sbin/sshd"

// Host is one running test host.
type Host struct {
	Name        string // network namespace name, such as "machina-th-3"
	Addr        string // address inside the namespace, 10.200.N.2
	Gateway     string // address on the machine side of the veth pair, 10.200.N.1
	SSHPort     int    // always 22
	User        string // always "root"
	KeyPath     string // private key (ed25519, OpenSSH PEM, mode 0600) authorized for User
	HostKeyPath string // sshd's public host key in authorized_keys format
	Dir         string // directory with the sshd config, the keys and the private copies

	number         int      // N in the addresses and the name
	lock           *os.File // flock on the lock file for number, held while the host exists
	networkCreated bool
	signer         ssh.Signer    // from KeyPath
	hostKey        ssh.PublicKey // the key in HostKeyPath
	sshd           *exec.Cmd     // ip netns exec, which becomes unshare
	sshdPID        int           // PID of sshd (PID 1 of the host's PID namespace) in the machine's PID namespace
	sshdExited     chan struct{} // closed when sshd.Wait returns
}

// Options selects what Start runs on a host.
type Options struct {
	// NoSSHD creates the namespace and its address but starts nothing, so
	// port 22 rejects connections: the unreachable-host case. Keys are still
	// generated, so a client has a key file to pass.
	NoSSHD bool
}

// Require skips t unless it runs as root and every program a host needs is installed.
func Require(t testing.TB) {
	t.Helper()

	if reason := missing(); reason != "" {
		t.Skip(reason)
	}
}

// missing returns why hosts cannot start here, or "" when they can.
func missing() string {
	if os.Geteuid() != 0 {
		return fmt.Sprintf("testhost: needs root to create network namespaces (running as uid %d)", os.Geteuid())
	}

	var absent []string
	for _, name := range []string{"ip", "unshare", "nsenter", "dockerd", "docker", "busybox"} {
		if _, err := exec.LookPath(name); err != nil {
			absent = append(absent, name)
		}
	}
	if _, err := os.Stat(sshdPath); err != nil {
		absent = append(absent, sshdPath)
	}
	if len(absent) > 0 {
		return fmt.Sprintf("testhost: missing %s (install iproute2, util-linux, openssh-server, docker.io, busybox-static)",
			strings.Join(absent, ", "))
	}
	return ""
}

// Start creates a host and registers its removal with t.Cleanup. It fails t
// when the host does not come up, and skips t as Require does.
func Start(t testing.TB, opts Options) *Host {
	t.Helper()
	Require(t)

	h, err := start(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}

	t.Cleanup(func() {
		if err := h.stop(); err != nil {
			t.Error(err)
		}
	})
	return h
}

// start creates a host whose files live in dir. On error nothing is left behind
// but the files in dir.
func start(dir string, opts Options) (h *Host, err error) {
	removeStaleOnce.Do(Cleanup)

	h = &Host{Dir: dir, SSHPort: 22, User: "root"}
	if err := h.allocate(); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, h.stop())
		}
	}()

	if err := h.createNetwork(); err != nil {
		return nil, err
	}
	if err := h.writeKeys(); err != nil {
		return nil, err
	}
	if opts.NoSSHD {
		return h, nil
	}

	if err := h.prepareView(); err != nil {
		return nil, err
	}
	if err := h.startSSHD(); err != nil {
		return nil, err
	}
	return h, nil
}

// stop kills everything running on the host, deletes its namespace and veth
// pair and releases its number. It keeps going after an error and returns them all.
func (h *Host) stop() error {
	var errs []error

	if h.sshd != nil {
		errs = append(errs, h.stopSSHD())
	}
	errs = append(errs, h.deleteNetwork())
	h.release()

	return errors.Join(errs...)
}

// Exec runs args inside the host's namespaces (network, mount, UTS and PID when
// sshd runs) and returns the standard output. It fails t when the command fails.
func (h *Host) Exec(t testing.TB, args ...string) []byte {
	t.Helper()

	var stderr strings.Builder
	cmd := h.command(args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("exec %q on %s: %v\nstderr:\n%s", args, h.Name, err, stderr.String())
	}
	return out
}

// command returns a command that runs args inside the host's namespaces, as Exec does.
func (h *Host) command(args ...string) *exec.Cmd {
	var prefix []string
	if h.sshdPID == 0 {
		prefix = []string{"ip", "netns", "exec", h.Name}
	} else {
		prefix = []string{"nsenter", "--target", fmt.Sprint(h.sshdPID), "--net", "--mount", "--uts", "--pid", "--"}
	}

	cmd := exec.Command(prefix[0], append(prefix[1:], args...)...)
	cmd.Dir = "/"
	return cmd
}
