package testhost

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// privateDirs are the directories that provisioning writes. Each host gets a
// private copy of them, taken from the machine when sshd starts.
var privateDirs = []string{
	"/etc/docker",
	"/etc/default",
	"/etc/init.d",
	"/etc/systemd/system",
	"/var/lib/docker",
	"/var/log",
}

// freshDirs start empty instead of as a copy: an engine on the host begins
// with no images or containers.
var freshDirs = map[string]bool{"/var/lib/docker": true}

// overlayDirs get a copy-on-write overlay, so other writes in them stay on
// the host too. These writes include /etc/hostname, /etc/hosts and users,
// and the packages that dpkg and apt install under /usr, /var/lib and
// /var/cache. They also include the lock and cache files that root's login
// shell writes under /root, so a process that the stand-in reboot kills
// leaves no stale lock in the machine's own /root.
var overlayDirs = []string{"/etc", "/usr", "/var/lib", "/var/cache", "/root"}

// shutdownPath is the path of the stand-in for shutdown(8) in the host's
// view. /usr/local/sbin comes before /usr/sbin and /sbin in root's PATH.
const shutdownPath = "/usr/local/sbin/shutdown"

// shutdownScript replaces shutdown(8) on a test host, which cannot reboot.
// For -r it acts out a reboot one second later, so that the caller's command
// returns first. It stops the engine and makes sshd (PID 1) re-execute
// itself. It then ends every other process with SIGTERM and, a second later,
// SIGKILL, which drops every SSH connection, and starts the engine again.
// Anything but -r fails.
const shutdownScript = `#!/bin/sh
case " $* " in
*" -r "*) ;;
*) echo "shutdown: a test host can only reboot (-r)" >&2; exit 1 ;;
esac
setsid sh -c 'sleep 1; service docker stop; kill -s HUP 1; kill -s TERM -- -1; sleep 1; kill -s KILL -- -1; service docker start' \
	>>/var/log/testhost-shutdown.log 2>&1 </dev/null &
echo "test host: rebooting in 1 second"
`

const sshdConfig = `# sshd for test host %[1]s
ListenAddress %[2]s
Port %[3]d
HostKey "%[4]s"
PidFile "%[5]s"
AuthorizedKeysFile "%[6]s"
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
`

// prepareView copies the private directories into Dir/view, patches the
// copied init script and writes the sshd config and the start script.
func (h *Host) prepareView() error {
	for _, dir := range privateDirs {
		if err := h.copyDir(dir); err != nil {
			return err
		}
	}

	if err := patchInitScript(h.viewPath("/etc/init.d/docker")); err != nil {
		return err
	}
	if err := h.writeUpper(shutdownPath, []byte(shutdownScript), 0o755); err != nil {
		return err
	}

	config := fmt.Sprintf(sshdConfig, h.Name, h.Addr, h.SSHPort, h.hostKeyPrivatePath(),
		filepath.Join(h.Dir, "sshd.pid"), h.KeyPath+".pub")
	if err := os.WriteFile(h.sshdConfigPath(), []byte(config), 0o644); err != nil {
		return err
	}

	script, err := h.startScript()
	if err != nil {
		return err
	}
	return os.WriteFile(h.startScriptPath(), []byte(script), 0o755)
}

// writeUpper writes a file that exists only in the host's view, into the
// upper directory of the overlay that contains path.
func (h *Host) writeUpper(path string, data []byte, mode os.FileMode) error {
	for _, dir := range overlayDirs {
		rel, ok := strings.CutPrefix(path, dir+"/")
		if !ok {
			continue
		}
		file := filepath.Join(h.overlayPath(dir), "upper", rel)
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			return err
		}
		return os.WriteFile(file, data, mode)
	}
	return fmt.Errorf("write %s: not under any of the overlays %s", path, strings.Join(overlayDirs, ", "))
}

func (h *Host) viewPath(dir string) string    { return filepath.Join(h.Dir, "view", dir) }
func (h *Host) overlayPath(dir string) string { return filepath.Join(h.Dir, "overlay", dir) }
func (h *Host) sshdConfigPath() string        { return filepath.Join(h.Dir, "sshd_config") }
func (h *Host) startScriptPath() string       { return filepath.Join(h.Dir, "start.sh") }
func (h *Host) sshdLogPath() string           { return filepath.Join(h.Dir, "sshd.log") }

// copyDir copies the machine's dir into Dir/view, keeping modes and symbolic
// links. A dir the machine lacks, or one in freshDirs, starts empty.
func (h *Host) copyDir(dir string) error {
	target := h.viewPath(dir)
	if err := os.MkdirAll(target, 0o755); err != nil {
		return err
	}
	if freshDirs[dir] {
		return nil
	}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return run("cp", "-a", dir+"/.", target)
}

var ulimitLine = regexp.MustCompile(`(?m)^([ \t]*ulimit [^\n]*)$`)

// patchInitScript makes the ulimit lines of Debian's /etc/init.d/docker
// non-fatal. The script runs `ulimit -n 1048576` under set -e, so it fails
// where the hard limit on open files is lower, as in some sandboxes. A missing
// file is not an error.
func patchInitScript(path string) error {
	script, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}

	patched := ulimitLine.ReplaceAll(script, []byte("$1 || true"))
	if bytes.Equal(patched, script) {
		return nil
	}
	return os.WriteFile(path, patched, 0o755)
}

// startScript returns the shell script that runs as PID 1 of the host's
// namespaces: it sets the hostname, mounts the private view and execs sshd.
func (h *Host) startScript() (string, error) {
	overlays, err := overlayRoots()
	if err != nil {
		return "", err
	}

	var script strings.Builder
	line := func(args ...string) {
		for i, arg := range args {
			args[i] = shellQuote(arg)
		}
		script.WriteString(strings.Join(args, " ") + "\n")
	}

	script.WriteString("set -eu\n")
	line("hostname", h.Name)

	for _, dir := range overlays {
		upper := filepath.Join(h.overlayPath(dir), "upper")
		work := filepath.Join(h.overlayPath(dir), "work")
		if err := os.MkdirAll(upper, 0o755); err != nil {
			return "", err
		}
		if err := os.MkdirAll(work, 0o755); err != nil {
			return "", err
		}
		line("mount", "-t", "overlay", "overlay", "-o", "lowerdir="+dir+",upperdir="+upper+",workdir="+work, dir)
	}

	for _, dir := range privateDirs {
		line("mkdir", "-p", dir)
		line("mount", "--bind", h.viewPath(dir), dir)
	}

	// /var/run links to /run, so the engine's socket and PID files land on this tmpfs.
	line("mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", "/run")
	line("mkdir", "-p", "/run/sshd", "/run/lock")
	line("exec", sshdPath, "-D", "-e", "-f", h.sshdConfigPath())
	return script.String(), nil
}

// overlayRoots returns overlayDirs plus, for each private directory the machine
// lacks, its nearest existing ancestor, so the mount point can be created on
// the host without creating it on the machine.
func overlayRoots() ([]string, error) {
	roots := append([]string(nil), overlayDirs...)

	for _, dir := range privateDirs {
		if _, err := os.Stat(dir); err == nil {
			continue
		}

		ancestor := filepath.Dir(dir)
		for ancestor != "/" {
			if _, err := os.Stat(ancestor); err == nil {
				break
			}
			ancestor = filepath.Dir(ancestor)
		}
		if ancestor == "/" {
			return nil, fmt.Errorf("create mount point %s: no parent directory exists below /", dir)
		}

		if !underAny(ancestor, roots) {
			roots = append(roots, ancestor)
		}
	}
	return roots, nil
}

// underAny reports whether dir is one of roots or inside one.
func underAny(dir string, roots []string) bool {
	for _, root := range roots {
		if dir == root || strings.HasPrefix(dir, root+"/") {
			return true
		}
	}
	return false
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// startSSHD runs the start script in new mount, UTS and PID namespaces inside
// the host's network namespace and waits until sshd logs root in.
func (h *Host) startSSHD() error {
	logFile, err := os.Create(h.sshdLogPath())
	if err != nil {
		return err
	}
	defer logFile.Close()

	// ip netns exec execs unshare in place, and unshare forks the script, which
	// becomes PID 1 and execs sshd. Pdeathsig kills unshare when this test
	// process dies, and --kill-child then kills sshd and with it the PID
	// namespace. Whatever survives is killed by Cleanup in a later run.
	cmd := exec.Command("ip", "netns", "exec", h.Name,
		"unshare", "--mount", "--propagation", "private", "--uts", "--pid", "--fork", "--mount-proc", "--kill-child",
		"sh", h.startScriptPath())
	cmd.Dir = "/"
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}

	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start sshd for %s: %w", h.Name, err)
	}
	h.sshd = cmd
	h.sshdExited = make(chan struct{})
	go func() {
		cmd.Wait()
		close(h.sshdExited)
	}()

	h.sshdPID, err = waitForChild(cmd.Process.Pid, h.sshdExited)
	if err != nil {
		return fmt.Errorf("start sshd for %s: %w\nsshd log:\n%s", h.Name, err, h.sshdLog())
	}
	return h.waitForLogin()
}

// waitForChild returns the PID of the first child of parent. It scans /proc
// because kernels built without CONFIG_PROC_CHILDREN lack /proc/PID/task/TID/children.
func waitForChild(parent int, exited <-chan struct{}) (int, error) {
	deadline := time.Now().Add(5 * time.Second)

	for time.Now().Before(deadline) {
		if pid := findChild(parent); pid != 0 {
			return pid, nil
		}

		select {
		case <-exited:
			return 0, fmt.Errorf("process %d exited before it forked", parent)
		case <-time.After(20 * time.Millisecond):
		}
	}
	return 0, fmt.Errorf("process %d forked no child within 5s", parent)
}

func findChild(parent int) int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}

	for _, entry := range entries {
		pid, err := strconv.Atoi(entry.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", entry.Name(), "stat"))
		if err != nil {
			continue
		}

		// The fields after the command name, which ends at the last ')', start with state and ppid.
		end := bytes.LastIndexByte(stat, ')')
		fields := strings.Fields(string(stat[end+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(parent) {
			return pid
		}
	}
	return 0
}

// stopSSHD kills unshare and sshd. The kernel then kills every other process in
// the host's PID namespace, an engine started over SSH included.
func (h *Host) stopSSHD() error {
	syscall.Kill(-h.sshd.Process.Pid, syscall.SIGKILL)
	if h.sshdPID != 0 {
		syscall.Kill(h.sshdPID, syscall.SIGKILL)
	}

	select {
	case <-h.sshdExited:
	case <-time.After(10 * time.Second):
		return fmt.Errorf("stop sshd for %s: process %d still running after SIGKILL and 10s", h.Name, h.sshd.Process.Pid)
	}

	h.sshd = nil
	h.sshdPID = 0
	return nil
}

// sshdLog returns the end of sshd's log for error messages.
func (h *Host) sshdLog() string {
	log, err := os.ReadFile(h.sshdLogPath())
	if err != nil {
		return err.Error()
	}
	const limit = 4000
	if len(log) > limit {
		log = log[len(log)-limit:]
	}
	return string(log)
}
