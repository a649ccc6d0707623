package testhost

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

const (
	namePrefix = "machina-th-" // namespace and machine-side veth names; with N at most 14 bytes, under the 15-byte interface name limit
	maxNumber  = 250           // N in 10.200.N.0/30 runs from 1 to maxNumber
	netnsDir   = "/run/netns"  // iproute2's directory of named network namespaces
	hostRange  = "10.200.0.0/16"
)

var removeStaleOnce sync.Once

// lockDir holds one lock file per host number. Every test process that starts
// hosts must see the same directory.
//
// NOTE: the directory follows os.TempDir, so two runs with different TMPDIR
// values do not see each other's locks and may remove each other's hosts in Cleanup.
func lockDir() string {
	return filepath.Join(os.TempDir(), "machina-testhost")
}

// tryLock takes the flock for host number n without waiting. It returns nil
// and no error when another process holds the lock.
func tryLock(n int) (*os.File, error) {
	if err := os.MkdirAll(lockDir(), 0o755); err != nil {
		return nil, fmt.Errorf("create lock directory: %w", err)
	}

	path := filepath.Join(lockDir(), fmt.Sprintf("%d.lock", n))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}

	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		f.Close()
		return nil, nil
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}

// allocate picks the lowest host number whose lock is free and whose
// namespace and veth do not exist, and keeps its lock until release.
func (h *Host) allocate() error {
	for n := 1; n <= maxNumber; n++ {
		lock, err := tryLock(n)
		if err != nil {
			return err
		}
		if lock == nil {
			continue
		}

		name := namePrefix + strconv.Itoa(n)
		if networkExists(name) {
			lock.Close()
			continue
		}

		h.number = n
		h.lock = lock
		h.Name = name
		h.Gateway = fmt.Sprintf("10.200.%d.1", n)
		h.Addr = fmt.Sprintf("10.200.%d.2", n)
		return nil
	}
	return fmt.Errorf("no free test host number in 1..%d: all are locked or have a namespace; remove leftovers with testhost.Cleanup or `ip netns del`", maxNumber)
}

// release gives the host number back.
func (h *Host) release() {
	if h.lock != nil {
		h.lock.Close()
		h.lock = nil
	}
}

// createNetwork creates the namespace and a veth pair with 10.200.N.1/30 on the
// machine side and 10.200.N.2/30 on eth0 inside. The namespace gets no default
// route, so the host reaches nothing but the machine side of its own link.
func (h *Host) createNetwork() error {
	if err := addUnreachableRoute(); err != nil {
		return err
	}
	if err := run("ip", "netns", "add", h.Name); err != nil {
		return err
	}
	h.networkCreated = true

	steps := [][]string{
		{"ip", "link", "add", h.Name, "type", "veth", "peer", "name", "eth0", "netns", h.Name},
		{"ip", "addr", "add", h.Gateway + "/30", "dev", h.Name},
		{"ip", "link", "set", h.Name, "up"},
		{"ip", "-n", h.Name, "addr", "add", h.Addr + "/30", "dev", "eth0"},
		{"ip", "-n", h.Name, "link", "set", "eth0", "up"},
		{"ip", "-n", h.Name, "link", "set", "lo", "up"},
	}
	for _, args := range steps {
		if err := run(args...); err != nil {
			return err
		}
	}
	return nil
}

// addUnreachableRoute makes the machine reject traffic to hostRange that no
// host's /30 route covers. Without it a connection to a stopped host's address
// would leave through the default route to some other machine. The route stays
// after the run, because another test process may still rely on it.
func addUnreachableRoute() error {
	out, err := exec.Command("ip", "route", "show", "exact", hostRange).Output()
	if err != nil {
		return fmt.Errorf("ip route show exact %s: %w", hostRange, err)
	}
	if len(bytes.TrimSpace(out)) > 0 {
		return nil
	}

	err = run("ip", "route", "add", "unreachable", hostRange)
	if err != nil && strings.Contains(err.Error(), "File exists") {
		return nil
	}
	return err
}

// deleteNetwork removes what createNetwork made, if it made anything.
func (h *Host) deleteNetwork() error {
	if !h.networkCreated {
		return nil
	}
	h.networkCreated = false
	return removeNetwork(h.Name)
}

// removeNetwork kills every process left in namespace name, then deletes the
// machine-side veth (which takes its peer with it) and the namespace.
// Deleting the veth first frees its name at once; after `ip netns del` alone
// the kernel drops the veth about a second later.
func removeNetwork(name string) error {
	var errs []error

	if _, err := os.Stat(filepath.Join(netnsDir, name)); err == nil {
		out, err := exec.Command("ip", "netns", "pids", name).Output()
		if err != nil {
			errs = append(errs, fmt.Errorf("list processes in namespace %s: %w", name, err))
		}
		for field := range strings.FieldsSeq(string(out)) {
			pid, err := strconv.Atoi(field)
			if err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}

	if _, err := net.InterfaceByName(name); err == nil {
		errs = append(errs, run("ip", "link", "del", name))
	}
	if _, err := os.Stat(filepath.Join(netnsDir, name)); err == nil {
		errs = append(errs, run("ip", "netns", "del", name))
	}
	return errors.Join(errs...)
}

func networkExists(name string) bool {
	if _, err := os.Stat(filepath.Join(netnsDir, name)); err == nil {
		return true
	}
	_, err := net.InterfaceByName(name)
	return err == nil
}

// Cleanup removes namespaces and veths named machina-th-N whose lock no live
// process holds, which is what a killed test run leaves behind. Start calls it
// once per process. It reports what it removes and every failure on stderr.
func Cleanup() {
	if os.Geteuid() != 0 {
		return
	}

	for _, n := range leftoverNumbers() {
		lock, err := tryLock(n)
		if err != nil {
			fmt.Fprintf(os.Stderr, "testhost: cleanup: %v\n", err)
			continue
		}
		if lock == nil {
			continue
		}

		name := namePrefix + strconv.Itoa(n)
		if err := removeNetwork(name); err != nil {
			fmt.Fprintf(os.Stderr, "testhost: remove %s left by an earlier run: %v\n", name, err)
		} else {
			fmt.Fprintf(os.Stderr, "testhost: removed %s left by an earlier run\n", name)
		}
		lock.Close()
	}
}

// leftoverNumbers returns the host numbers of every namespace and interface
// with the machina-th- prefix, each once.
func leftoverNumbers() []int {
	var names []string
	if entries, err := os.ReadDir(netnsDir); err == nil {
		for _, entry := range entries {
			names = append(names, entry.Name())
		}
	}
	if ifaces, err := net.Interfaces(); err == nil {
		for _, iface := range ifaces {
			names = append(names, iface.Name)
		}
	}

	seen := map[int]bool{}
	var numbers []int
	for _, name := range names {
		suffix, ok := strings.CutPrefix(name, namePrefix)
		if !ok {
			continue
		}
		n, err := strconv.Atoi(suffix)
		if err != nil || n < 1 || n > maxNumber || seen[n] {
			continue
		}
		seen[n] = true
		numbers = append(numbers, n)
	}
	return numbers
}

// run runs a command and returns an error that names it and includes its output.
func run(args ...string) error {
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
