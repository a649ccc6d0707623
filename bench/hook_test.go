package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The hook tests create one machine, hookMachine, with the none driver, so
// that nothing is contacted. Its URL is what the hook must export.
const (
	hookMachine    = "dev"
	hookMachineURL = "tcp://127.0.0.1:2376"
)

// hookEntries is the number of directory entries that one bash process
// times in BenchmarkHookEnter.
const hookEntries = 200

// hookFixture is a machina binary run with a machine store, home and XDG
// directories of its own, and hookMachine created in that store.
type hookFixture struct {
	root  string
	bin   string
	store string
	env   []string
}

// hookBuildMachina builds ./cmd/machina of this module into a temporary
// directory and returns the path of the binary.
func hookBuildMachina(tb testing.TB) string {
	tb.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		tb.Fatalf("go env GOMOD: %v", err)
	}
	moduleRoot := filepath.Dir(strings.TrimSpace(string(gomod)))

	bin := filepath.Join(tb.TempDir(), "machina")
	build := exec.Command("go", "build", "-o", bin, "./cmd/machina")
	build.Dir = moduleRoot
	if out, err := build.CombinedOutput(); err != nil {
		tb.Fatalf("go build ./cmd/machina: %v\n%s", err, out)
	}
	return bin
}

// newHookFixture makes the directories of a fixture for bin and creates
// hookMachine in its store.
func newHookFixture(tb testing.TB, bin string) *hookFixture {
	tb.Helper()

	// The hook compares $PWD with the paths that machina allow records, so
	// the root must have no symbolic link in it.
	root, err := filepath.EvalSymlinks(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	if strings.ContainsAny(root, `'\`) {
		tb.Fatalf("temporary directory %q contains a quote or backslash, which the test scripts do not escape", root)
	}

	home := filepath.Join(root, "home")
	f := &hookFixture{root: root, bin: bin, store: filepath.Join(root, "store")}
	f.env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_STATE_HOME=" + filepath.Join(home, ".local", "state"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		"MACHINE_STORAGE_PATH=" + f.store,
		"LC_ALL=C.UTF-8",
		// An empty format silences direnv's "loading" and "export" lines.
		"DIRENV_LOG_FORMAT=",
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		tb.Fatal(err)
	}

	f.machina(tb, "create", "-d", "none", "--url", hookMachineURL, hookMachine)
	return f
}

// run runs name with the fixture's environment in its root and returns
// the standard output.
func (f *hookFixture) run(tb testing.TB, name string, args ...string) string {
	tb.Helper()
	stdout, _ := f.runOutputs(tb, name, args...)
	return stdout
}

// runSilent runs a command as run does and fails the test when the command
// writes to stderr, as a hook that warns would.
func (f *hookFixture) runSilent(tb testing.TB, name string, args ...string) string {
	tb.Helper()
	stdout, stderr := f.runOutputs(tb, name, args...)
	if stderr != "" {
		tb.Fatalf("%s %s wrote on stderr:\n%s", name, strings.Join(args, " "), stderr)
	}
	return stdout
}

func (f *hookFixture) runOutputs(tb testing.TB, name string, args ...string) (stdout, stderr string) {
	tb.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = f.root
	cmd.Env = f.env
	var outBuf, errBuf bytes.Buffer
	cmd.Stdout = &outBuf
	cmd.Stderr = &errBuf
	if err := cmd.Run(); err != nil {
		tb.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, errBuf.Bytes())
	}
	return outBuf.String(), errBuf.String()
}

func (f *hookFixture) machina(tb testing.TB, args ...string) string {
	tb.Helper()
	return f.run(tb, f.bin, args...)
}

// writeFile writes data to path under the fixture root and returns path.
func (f *hookFixture) writeFile(tb testing.TB, path, data string) string {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

// project makes dir a project whose trusted .machine.toml names hookMachine.
func (f *hookFixture) project(tb testing.TB, dir string) {
	tb.Helper()
	f.writeFile(tb, filepath.Join(dir, ".machine.toml"), fmt.Sprintf("machine = %q\n", hookMachine))
	f.machina(tb, "allow", dir)
}

// envrcProject makes dir a direnv project whose allowed .envrc exports the
// four variables that the machina hook exports for hookMachine.
func (f *hookFixture) envrcProject(tb testing.TB, dir string) {
	tb.Helper()
	envrc := fmt.Sprintf("export DOCKER_TLS_VERIFY=1\nexport DOCKER_HOST=%s\nexport DOCKER_CERT_PATH=%s\nexport DOCKER_MACHINE_NAME=%s\n",
		hookMachineURL, filepath.Join(f.store, "machines", hookMachine), hookMachine)
	f.writeFile(tb, filepath.Join(dir, ".envrc"), envrc)
	f.run(tb, "direnv", "allow", dir)
}

// hookQuote returns s in single quotes, which bash, zsh and fish read back
// unchanged when s has no quote or backslash (newHookFixture checks the
// root for both).
func hookQuote(s string) string {
	return "'" + s + "'"
}

// hookShells are the shells with a machina hook: how to run a script file
// without the user's configuration, and how the script fires the hook that
// the shell would run before a prompt.
var hookShells = []struct {
	name   string
	args   func(script string) []string
	prompt string
	mark   string
}{
	{"bash", func(s string) []string { return []string{"bash", "--norc", "--noprofile", s} }, "__machina_hook", ":"},
	{"zsh", func(s string) []string { return []string{"zsh", "-f", s} }, "__machina_hook", ":"},
	{"fish", func(s string) []string { return []string{"fish", "--no-config", s} }, "emit fish_prompt", "true"},
}

// hookTrace is the count of process creations and execve calls in one
// phase of an strace log.
type hookTrace struct {
	// processes counts clone, clone3, fork and vfork calls that create a
	// process, which leaves out threads (CLONE_THREAD).
	processes int
	execs     int
}

var hookTraceCall = regexp.MustCompile(`^(?:\[pid +\d+\] |\d+ +)?(clone3?|v?fork|execve)\(`)

// hookCountProcesses reads an strace -f log and returns, for each marker
// in order, what happened from the openat of that marker file up to the
// next marker's.
func hookCountProcesses(tb testing.TB, log string, markers []string) []hookTrace {
	tb.Helper()
	file, err := os.Open(log)
	if err != nil {
		tb.Fatal(err)
	}
	defer file.Close()

	traces := make([]hookTrace, len(markers))
	phase := -1
	scanner := bufio.NewScanner(file)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		line := scanner.Text()
		if strings.Contains(line, "openat(") {
			for i := phase + 1; i < len(markers); i++ {
				if strings.Contains(line, `"`+markers[i]+`"`) {
					phase = i
				}
			}
			continue
		}

		// An interrupted call appears twice, as "<unfinished ...>" and then as
		// "<... NAME resumed>". The first line has the arguments and counts.
		if phase < 0 || strings.Contains(line, "resumed>") {
			continue
		}
		m := hookTraceCall.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if m[1] == "execve" {
			traces[phase].execs++
		} else if !strings.Contains(line, "CLONE_THREAD") {
			traces[phase].processes++
		}
	}
	if err := scanner.Err(); err != nil {
		tb.Fatal(err)
	}
	if phase != len(markers)-1 {
		tb.Fatalf("strace log %s reaches marker %d of %d", log, phase+1, len(markers))
	}
	return traces
}

// TestHookForkCounts runs each shell with the hook under strace and counts
// the processes created while it shows 100 prompts in a known project,
// leaves it, and enters and leaves it 50 times. All three must create none.
// The first entry, which fills the cache, must create at least one, which
// shows that the count detects the hook's processes.
func TestHookForkCounts(t *testing.T) {
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("strace is not installed, so the processes that the hook creates cannot be counted")
	}
	if out, err := exec.Command("strace", "-f", "-qq", "-o", "/dev/null", "true").CombinedOutput(); err != nil {
		t.Skipf("strace cannot trace here: %v: %s", err, out)
	}
	bin := hookBuildMachina(t)

	for _, sh := range hookShells {
		t.Run(sh.name, func(t *testing.T) {
			if _, err := exec.LookPath(sh.name); err != nil {
				t.Skipf("%s is not installed", sh.name)
			}
			f := newHookFixture(t, bin)
			proj := filepath.Join(f.root, "proj")
			f.project(t, proj)
			hookFile := f.writeFile(t, filepath.Join(f.root, "hook."+sh.name), f.machina(t, "hook", sh.name))

			phases := []string{"first entry", "100 idle prompts", "leave", "50 entries", "end"}
			markers := make([]string, len(phases))
			for i, phase := range phases {
				markers[i] = f.writeFile(t, filepath.Join(f.root, "marker-"+strings.ReplaceAll(phase, " ", "-")), "")
			}

			// In zsh and fish, cd runs the hook as well, as it does in an
			// interactive shell.
			var script strings.Builder
			mark := func(i int) { fmt.Fprintf(&script, "%s < %s\n", sh.mark, hookQuote(markers[i])) }
			enter := "cd " + hookQuote(proj) + "\n" + sh.prompt + "\n"
			leave := "cd " + hookQuote(f.root) + "\n" + sh.prompt + "\n"
			fmt.Fprintf(&script, "source %s\n", hookQuote(hookFile))
			mark(0)
			script.WriteString(enter)
			mark(1)
			script.WriteString(strings.Repeat(sh.prompt+"\n", 100))
			mark(2)
			script.WriteString(leave)
			mark(3)
			script.WriteString(strings.Repeat(enter+leave, 50))
			mark(4)
			script.WriteString(enter)
			script.WriteString(`echo "$DOCKER_MACHINE_NAME $DOCKER_HOST"` + "\n")
			scriptFile := f.writeFile(t, filepath.Join(f.root, "session."+sh.name), script.String())

			log := filepath.Join(f.root, "strace.log")
			args := append([]string{"-f", "-qq", "-e", "trace=clone,clone3,fork,vfork,execve,openat", "-o", log}, sh.args(scriptFile)...)
			out := f.runSilent(t, "strace", args...)
			if want := hookMachine + " " + hookMachineURL + "\n"; out != want {
				t.Errorf("%s printed %q after the last entry, want %q", sh.name, out, want)
			}

			traces := hookCountProcesses(t, log, markers)
			if traces[0].processes == 0 {
				t.Errorf("%s created no process on the first entry, which runs machina, so the count cannot see the hook's processes", sh.name)
			}
			for i := 1; i <= 3; i++ {
				if traces[i].processes != 0 {
					t.Errorf("%s created %d processes during %s, want 0", sh.name, traces[i].processes, phases[i])
				}
				if traces[i].execs != 0 {
					t.Errorf("%s ran execve %d times during %s, want 0", sh.name, traces[i].execs, phases[i])
				}
			}
			for i, phase := range phases[:4] {
				t.Logf("%s %s: %d processes created, %d execve", sh.name, phase, traces[i].processes, traces[i].execs)
			}
		})
	}
}

// hookTimeScript enters each directory listed in the file $3 and leaves it
// for $4, running the hook function $2 from the file $1 after each cd as
// the prompt would. A first entry into $5 and back fills a hook's cache and
// is not timed. It prints the number of entries, the microseconds spent
// entering and leaving (cd and hook), and the number of entries after which
// the variables were wrong.
const hookTimeScript = `source "$1"
hook=$2
mapfile -t dirs <"$3"
outside=$4
cd "$5" && "$hook" && cd "$outside" && "$hook"

enter=0 leave=0 bad=0
for dir in "${dirs[@]}"; do
  t0=${EPOCHREALTIME//[!0-9]/}
  cd "$dir"; "$hook"
  t1=${EPOCHREALTIME//[!0-9]/}
  [[ ${DOCKER_MACHINE_NAME-} == ` + hookMachine + ` && ${DOCKER_HOST-} == ` + hookMachineURL + ` ]] || ((bad += 1))

  t2=${EPOCHREALTIME//[!0-9]/}
  cd "$outside"; "$hook"
  t3=${EPOCHREALTIME//[!0-9]/}
  [[ -z ${DOCKER_HOST+x} ]] || ((bad += 1))

  ((enter += t1 - t0, leave += t3 - t2))
done
echo "${#dirs[@]} $enter $leave $bad"
`

// hookCase is one case of BenchmarkHookEnter: a hook file and function, the
// directory of the untimed first entry, and the directories to enter in
// the next iteration.
type hookCase struct {
	name     string
	hookFile string
	hookFunc string
	warm     string
	dirs     func(b *testing.B) []string
}

// BenchmarkHookEnter times entering a project directory in bash, with
// machina's hook and with direnv's, and reports the mean time of one entry
// (cd and hook) as ns/entry and of leaving it again as ns/leave. Each
// iteration is one bash process that enters hookEntries directories, so
// the start of bash is not counted. The cases:
//
//   - machina-new: directories trusted beforehand and entered once each, so
//     each entry runs machina __hook;
//   - machina-known: one directory entered again and again with its cache
//     entries in place;
//   - direnv-new and direnv-known: the same with an allowed .envrc that
//     exports the same four variables. direnv has no cache, so each entry
//     runs direnv, which runs bash on the .envrc.
func BenchmarkHookEnter(b *testing.B) {
	bin := hookBuildMachina(b)
	f := newHookFixture(b, bin)
	timeScript := f.writeFile(b, filepath.Join(f.root, "time.bash"), hookTimeScript)
	machinaHook := f.writeFile(b, filepath.Join(f.root, "hook.bash"), f.machina(b, "hook", "bash"))
	known := filepath.Join(f.root, "known")
	f.project(b, known)

	// The testing package runs a benchmark function more than once (b.N = 1
	// first, and once per -count), so new directories are numbered across
	// all runs and no run enters a directory that an earlier run cached.
	newSets := 0
	cases := []hookCase{
		{"machina-new", machinaHook, "__machina_hook", known, func(b *testing.B) []string {
			newSets++
			dirs := make([]string, hookEntries)
			for j := range dirs {
				dirs[j] = filepath.Join(f.root, "new", strconv.Itoa(newSets), strconv.Itoa(j))
				f.project(b, dirs[j])
			}
			return dirs
		}},
		{"machina-known", machinaHook, "__machina_hook", known, func(*testing.B) []string {
			return hookRepeat(known, hookEntries)
		}},
	}

	if _, err := exec.LookPath("direnv"); err != nil {
		b.Logf("direnv is not installed, so only machina is measured")
	} else {
		direnvHook := f.writeFile(b, filepath.Join(f.root, "direnv-hook.bash"), f.run(b, "direnv", "hook", "bash"))
		envrcKnown := filepath.Join(f.root, "envrc-known")
		f.envrcProject(b, envrcKnown)
		envrcNew := make([]string, hookEntries)
		for j := range envrcNew {
			envrcNew[j] = filepath.Join(f.root, "envrc-new", strconv.Itoa(j))
			f.envrcProject(b, envrcNew[j])
		}
		cases = append(cases,
			hookCase{"direnv-new", direnvHook, "_direnv_hook", envrcKnown, func(*testing.B) []string { return envrcNew }},
			hookCase{"direnv-known", direnvHook, "_direnv_hook", envrcKnown, func(*testing.B) []string {
				return hookRepeat(envrcKnown, hookEntries)
			}},
		)
	}

	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var entries, enterMicros, leaveMicros int64
			for range b.N {
				b.StopTimer()
				list := f.writeFile(b, filepath.Join(f.root, "dirs.txt"), strings.Join(c.dirs(b), "\n")+"\n")
				b.StartTimer()

				out := f.runSilent(b, "bash", "--norc", "--noprofile", timeScript, c.hookFile, c.hookFunc, list, f.root, c.warm)
				var n, enter, leave, bad int64
				if _, err := fmt.Sscan(out, &n, &enter, &leave, &bad); err != nil {
					b.Fatalf("failed to parse the output %q of the timing script: %v", out, err)
				}
				if bad != 0 {
					b.Fatalf("%d of %d entries or exits left wrong values in DOCKER_HOST or DOCKER_MACHINE_NAME", bad, n)
				}
				entries += n
				enterMicros += enter
				leaveMicros += leave
			}

			b.ReportMetric(0, "ns/op")
			b.ReportMetric(float64(enterMicros)*1e3/float64(entries), "ns/entry")
			b.ReportMetric(float64(leaveMicros)*1e3/float64(entries), "ns/leave")
		})
	}
}

func hookRepeat(dir string, n int) []string {
	dirs := make([]string, n)
	for i := range dirs {
		dirs[i] = dir
	}
	return dirs
}
