package shellhook

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tmuxSession is a shell in a detached tmux session on a private server
// socket, driven with send-keys and read with capture-pane.
type tmuxSession struct {
	t      *testing.T
	socket string
}

// interactiveCommand returns the command line that starts sh interactively
// with rc as its only rc file, and the extra environment it needs.
func interactiveCommand(f *hookFixture, sh Shell, hook string) (string, []string) {
	prompt := map[string]string{
		"bash": "PS1='$ '\n",
		"zsh":  "PS1='$ '\n",
		"fish": "set -g fish_greeting\nfunction fish_prompt; printf '$ '; end\n",
	}[sh.Name()]
	rc := filepath.Join(f.root, "rc", sh.Name())
	f.write(rc, hook+"\n"+prompt)

	switch sh.Name() {
	case "bash":
		return "bash --noprofile --rcfile " + quotePOSIX(rc) + " -i", nil
	case "zsh":
		f.write(filepath.Join(f.root, "rc", ".zshrc"), "source "+quotePOSIX(rc)+"\n")
		return "zsh --no-globalrcs -i", []string{"ZDOTDIR=" + filepath.Join(f.root, "rc")}
	default:
		return "fish --no-config --private -i -C " + quotePOSIX("source "+quoteFish(rc)), nil
	}
}

func startTmux(t *testing.T, f *hookFixture, command string, env []string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	s := &tmuxSession{t: t, socket: filepath.Join(f.root, "tmux.sock")}
	cmd := exec.Command("tmux", "-S", s.socket, "-f", "/dev/null", "new-session", "-d", "-x", "200", "-y", "50", command)
	cmd.Dir = f.home
	// No history file, so that a shell that tmux kills writes nothing into
	// the test's directory while it is being removed.
	cmd.Env = append(cleanEnv(), append([]string{"HOME=" + f.home, "LC_ALL=C.UTF-8", "TERM=xterm-256color", "HISTFILE=/dev/null"}, env...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "-S", s.socket, "kill-server").Run() })
	s.waitFor("$ ")
	return s
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// send types line and Enter.
func (s *tmuxSession) send(line string) {
	s.t.Helper()
	s.tmux("send-keys", "-l", line)
	s.tmux("send-keys", "Enter")
}

func (s *tmuxSession) screen() string {
	s.t.Helper()
	return s.tmux("capture-pane", "-p", "-J", "-S", "-100")
}

// waitFor waits until the pane shows text and returns the pane.
func (s *tmuxSession) waitFor(text string) string {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		screen := s.screen()
		if strings.Contains(screen, text) {
			return screen
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("tmux pane does not show %q:\n%s", text, screen)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// query runs echo with a unique tag and returns the rest of the output line.
func (s *tmuxSession) query(n *int, expr string) string {
	s.t.Helper()
	*n++
	tag := fmt.Sprintf("Q%d=", *n)
	s.send("echo " + tag + expr)
	screen := s.waitFor("\n" + tag)
	for _, line := range strings.Split(screen, "\n") {
		if rest, ok := strings.CutPrefix(line, tag); ok {
			return strings.TrimRight(rest, " ")
		}
	}
	return ""
}

func (s *tmuxSession) waitForExit() {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for exec.Command("tmux", "-S", s.socket, "has-session").Run() == nil {
		if time.Now().After(deadline) {
			s.t.Fatalf("tmux session did not end:\n%s", s.screen())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestHookInteractive runs each shell in tmux under strace, as a user
// would: the rc file installs the hook, cd changes the variables at the
// next prompt, and prompts outside and inside known projects create no
// process.
func TestHookInteractive(t *testing.T) {
	requireStrace(t)
	forEachHookShell(t, func(t *testing.T, sh Shell) {
		f := newHookFixture(t)
		q := sh.(hookShell).quote
		command, env := interactiveCommand(f, sh, f.hook(sh))
		log := filepath.Join(f.root, "strace.log")
		command = "strace -f -o " + quotePOSIX(log) + " -e trace=" + forkSyscalls + " " + command
		s := startTmux(t, f, command, env)

		phases := []string{"idle", "known project", "external command", "end"}
		markers := make([]string, len(phases))
		for i := range phases {
			markers[i] = filepath.Join(f.root, "marker-"+strings.ReplaceAll(phases[i], " ", "-"))
			f.write(markers[i], "")
		}
		noop := ":"
		if sh.Name() == "fish" {
			noop = "true"
		}
		var n int

		s.send(strings.TrimSuffix(markLine(sh.Name(), markers[0]), "\n"))
		for range 5 {
			s.send(noop)
		}
		if got := s.query(&n, `"$DOCKER_HOST"`); got != "" {
			t.Errorf("%s: DOCKER_HOST outside a project = %q, want empty", sh.Name(), got)
		}

		s.send("cd " + q(f.proj))
		s.send(strings.TrimSuffix(markLine(sh.Name(), markers[1]), "\n"))
		for range 5 {
			s.send(noop)
		}
		if got := s.query(&n, `"$DOCKER_HOST"`); got != "tcp://192.168.99.100:2376" {
			t.Errorf("%s: DOCKER_HOST in the project = %q, want tcp://192.168.99.100:2376", sh.Name(), got)
		}
		s.send(strings.TrimSuffix(markLine(sh.Name(), markers[2]), "\n"))
		s.send("/bin/true")
		s.send(strings.TrimSuffix(markLine(sh.Name(), markers[3]), "\n"))

		s.send("cd " + q(f.inner))
		if got := s.query(&n, `"$DOCKER_MACHINE_NAME $COMPOSE_PROJECT_NAME"`); got != "other inner" {
			t.Errorf("%s: in the inner project = %q, want \"other inner\"", sh.Name(), got)
		}
		s.send("cd " + q(f.home))
		if got := s.query(&n, `"[$DOCKER_HOST][$DOCKER_MACHINE_NAME]"`); got != "[][]" {
			t.Errorf("%s: after leaving = %q, want [][]", sh.Name(), got)
		}
		s.send("exit")
		s.waitForExit()

		counts := forkCounts(t, log, markers)
		for i, phase := range phases[:2] {
			if counts[i] != 0 {
				t.Errorf("%s created %d processes during prompts in phase %q, want 0", sh.Name(), counts[i], phase)
			}
		}
		if counts[2] == 0 {
			t.Errorf("%s created no process for /bin/true, so the count cannot see forks", sh.Name())
		}
		t.Logf("%s processes per phase %v: %v", sh.Name(), phases, counts)
		if calls := f.calls(); len(calls) != 0 {
			t.Errorf("%s ran machina with fresh cache entries: %q", sh.Name(), calls)
		}
	})
}

// TestHookInterruptedSlowPath presses Ctrl-C while the hook waits for a
// slow machina, and checks that the shell stays usable and applies the
// machine at the next prompt.
func TestHookInterruptedSlowPath(t *testing.T) {
	forEachHookShell(t, func(t *testing.T, sh Shell) {
		f := newHookFixture(t)
		q := sh.(hookShell).quote
		if err := RemoveDirEntry(f.cache, f.proj); err != nil {
			t.Fatal(err)
		}
		slowFlag := filepath.Join(f.root, "sleep")
		f.write(slowFlag, "")
		script, err := os.ReadFile(f.machina)
		if err != nil {
			t.Fatal(err)
		}
		f.write(f.machina, strings.Replace(string(script), "case $1 in", "[ -e '"+slowFlag+"' ] && [ \"$1\" = __hook ] && sleep 30\ncase $1 in", 1))

		command, env := interactiveCommand(f, sh, f.hook(sh))
		s := startTmux(t, f, command, env)
		var n int

		s.send("cd " + q(f.proj))
		time.Sleep(300 * time.Millisecond)
		if err := os.Remove(slowFlag); err != nil {
			t.Fatal(err)
		}
		s.tmux("send-keys", "C-c")
		got := s.query(&n, `"$DOCKER_HOST"`)
		if got != "tcp://slow:2376" {
			t.Errorf("%s: DOCKER_HOST after Ctrl-C and a new prompt = %q, want tcp://slow:2376\n%s", sh.Name(), got, s.screen())
		}
		s.send("cd " + q(f.home))
		if got := s.query(&n, `"[$DOCKER_HOST]"`); got != "[]" {
			t.Errorf("%s: DOCKER_HOST after leaving = %q, want []", sh.Name(), got)
		}
	})
}
