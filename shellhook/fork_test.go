package shellhook

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// forkSyscalls lists the system calls that can create a process. strace
// also reports threads through clone and clone3, which forkCounts skips by
// their CLONE_THREAD flag.
const forkSyscalls = "clone,clone3,fork,vfork,openat"

// forkCounts reads an strace -f log and returns, for each marker file in
// order, the number of processes created between its open and the next
// marker's.
func forkCounts(t *testing.T, log string, markers []string) []int {
	t.Helper()
	file, err := os.Open(log)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()

	counts := make([]int, len(markers))
	phase := -1
	scanner := bufio.NewScanner(file)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		line := scanner.Text()
		for i, marker := range markers {
			if strings.Contains(line, "openat(") && strings.Contains(line, marker) && i > phase {
				phase = i
			}
		}
		if phase < 0 || strings.Contains(line, "resumed>") {
			continue
		}
		if isForkLine(line) {
			counts[phase]++
		}
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	if phase != len(markers)-1 {
		t.Fatalf("strace log %s reaches marker %d of %d", log, phase+1, len(markers))
	}
	return counts
}

func isForkLine(line string) bool {
	for _, call := range []string{"clone(", "clone3(", "fork(", "vfork("} {
		i := strings.Index(line, call)
		if i < 0 {
			continue
		}
		if i > 0 && line[i-1] != ' ' && line[i-1] != ']' {
			continue
		}
		return !strings.Contains(line, "CLONE_THREAD")
	}
	return false
}

func requireStrace(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("strace is not installed")
	}
	out, err := exec.Command("strace", "-f", "-o", "/dev/null", "true").CombinedOutput()
	if err != nil {
		t.Skipf("strace cannot trace here: %v: %s", err, out)
	}
}

// markLine returns a line that opens path, which marks a phase in the
// strace log.
func markLine(shell, path string) string {
	if shell == "fish" {
		return "true < " + quoteFish(path) + "\n"
	}
	return ": < " + quotePOSIX(path) + "\n"
}

// TestHookForksNothingWhenFresh counts the processes that the hook creates
// in each shell under strace: none for repeated prompts outside a project,
// inside known projects and across nested ones, and at least one for a
// stale entry, which shows that the count detects forks.
func TestHookForksNothingWhenFresh(t *testing.T) {
	requireStrace(t)
	forEachHookShell(t, func(t *testing.T, sh Shell) {
		f := newHookFixture(t)
		q := sh.(hookShell).quote
		f.write(filepath.Join(f.state, "global-machine"), "other\n")
		phases := []string{"idle", "known project", "nested projects", "use", "stale entry", "end"}
		markers := make([]string, len(phases))
		for i := range phases {
			markers[i] = filepath.Join(f.root, "marker-"+strings.ReplaceAll(phases[i], " ", "-"))
			f.write(markers[i], "")
		}
		stale := filepath.Join(f.home, "stale")
		f.write(filepath.Join(stale, ".machine.toml"), "machine = \"dev\"\n")

		prompts := strings.Repeat("__machina_hook\n", 10)
		script := markLine(sh.Name(), markers[0]) + prompts +
			markLine(sh.Name(), markers[1]) + "cd " + q(f.proj) + "\n" + prompts +
			markLine(sh.Name(), markers[2]) +
			"cd " + q(f.inner) + "\n__machina_hook\ncd " + q(filepath.Join(f.inner, "deep")) + "\n__machina_hook\ncd " + q(f.proj) + "\n__machina_hook\n" +
			markLine(sh.Name(), markers[3]) + "setvar __MACHINA_USE dev\n" + prompts + "unsetvar __MACHINA_USE\n__machina_hook\n" +
			markLine(sh.Name(), markers[4]) + "cd " + q(stale) + "\n__machina_hook\n" +
			markLine(sh.Name(), markers[5]) + "show DOCKER_MACHINE_NAME\n"

		log := filepath.Join(f.root, "strace.log")
		full := f.hook(sh) + "\n" + helpers[sh.Name()] + script
		args := append([]string{"-f", "-o", log, "-e", "trace=" + forkSyscalls}, shellCommand(sh.Name(), full).Args...)
		cmd := exec.Command("strace", args...)
		cmd.Dir = f.home
		cmd.Env = append(cleanEnv(), "HOME="+f.home, "LC_ALL=C.UTF-8")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("strace %s failed: %v\n%s", sh.Name(), err, out)
		}
		if string(out) != "DOCKER_MACHINE_NAME=slow\n" {
			t.Errorf("%s printed %q, want DOCKER_MACHINE_NAME=slow", sh.Name(), out)
		}

		counts := forkCounts(t, log, markers)
		for i, phase := range phases[:4] {
			if counts[i] != 0 {
				t.Errorf("%s created %d processes in phase %q, want 0", sh.Name(), counts[i], phase)
			}
		}
		if counts[4] == 0 {
			t.Errorf("%s created no process for a stale entry, so the count cannot see forks", sh.Name())
		}
		t.Logf("%s processes per phase %v: %v", sh.Name(), phases, counts)
	})
}
