package shellhook

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// hookFixture is a machine store, a hook cache with fresh entries, two
// projects and a fake machina binary in a temporary directory. The fake
// appends its arguments to a call log and prints a fixed __machina_apply
// call for machine "slow", so a test can tell when the hook took the slow
// path.
type hookFixture struct {
	t        *testing.T
	root     string
	home     string // the user's directory, without .machine.toml
	proj     string // .machine.toml names machine dev
	inner    string // proj/inner, whose .machine.toml names machine other
	cache    string
	state    string
	store    string
	machina  string
	callLog  string
	devVars  []Var
	otherVar []Var
}

func newHookFixture(t *testing.T) *hookFixture {
	t.Helper()
	root := t.TempDir()
	f := &hookFixture{
		t:       t,
		root:    root,
		home:    filepath.Join(root, "home"),
		proj:    filepath.Join(root, "home", "proj"),
		inner:   filepath.Join(root, "home", "proj", "inner"),
		cache:   filepath.Join(root, "cache"),
		state:   filepath.Join(root, "state"),
		store:   filepath.Join(root, "store"),
		machina: filepath.Join(root, "bin", "machina"),
		callLog: filepath.Join(root, "calls"),
	}
	for _, dir := range []string{f.home, filepath.Join(f.proj, "sub", "deep"), filepath.Join(f.inner, "deep"), f.state, filepath.Join(root, "bin"), filepath.Join(root, "fake")} {
		f.mkdir(dir)
	}
	f.devVars = machineVars(f.store, "dev", "tcp://192.168.99.100:2376")
	f.otherVar = machineVars(f.store, "other", "tcp://192.168.99.101:2376")

	f.addMachine("dev", f.devVars)
	f.addMachine("other", f.otherVar)
	f.addProject(f.proj, "dev", nil)
	f.addProject(f.inner, "other", []Var{{"COMPOSE_PROJECT_NAME", "inner"}})
	f.writeFake()
	return f
}

func machineVars(store, name, host string) []Var {
	return []Var{
		{"DOCKER_TLS_VERIFY", "1"},
		{"DOCKER_HOST", host},
		{"DOCKER_CERT_PATH", filepath.Join(store, "machines", name)},
		{"DOCKER_MACHINE_NAME", name},
	}
}

func (f *hookFixture) mkdir(dir string) {
	f.t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		f.t.Fatal(err)
	}
}

func (f *hookFixture) write(path, content string) {
	f.t.Helper()
	f.mkdir(filepath.Dir(path))
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		f.t.Fatal(err)
	}
}

func (f *hookFixture) configPath(name string) string {
	return filepath.Join(f.store, "machines", name, "config.json")
}

// addMachine writes the machine's config.json and its fresh cache entry.
func (f *hookFixture) addMachine(name string, vars []Var) {
	f.t.Helper()
	config := fmt.Sprintf("{\n  \"Name\": %q,\n  \"DriverName\": \"virtualbox\"\n}\n", name)
	f.write(f.configPath(name), config)
	err := WriteMachineEntry(f.cache, MachineEntry{Name: name, ConfigPath: f.configPath(name), Config: []byte(config), Vars: vars})
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *hookFixture) trustPath(dir string) string {
	return filepath.Join(f.state, "trust", EncodePath(dir))
}

// addProject writes dir/.machine.toml naming machine, a trust file, and the
// fresh cache entry of dir.
func (f *hookFixture) addProject(dir, machine string, extra []Var) {
	f.t.Helper()
	toml := fmt.Sprintf("machine = %q\n", machine)
	trust := "sha256:0123456789abcdef\n"
	f.write(filepath.Join(dir, ".machine.toml"), toml)
	f.write(f.trustPath(dir), trust)
	err := WriteDirEntry(f.cache, DirEntry{
		Dir: dir, Toml: []byte(toml), TrustPath: f.trustPath(dir), Trust: []byte(trust), Machine: machine, Extra: extra,
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

// writeFake writes the fake machina: "__hook SHELL" prints Apply for
// machine slow, "use --shell SHELL NAME" prints UseScript (NAME --auto
// unsets), and anything else prints its arguments.
func (f *hookFixture) writeFake() {
	f.t.Helper()
	fake := filepath.Join(f.root, "fake")
	for _, sh := range hookShells {
		apply, err := Apply(sh, "slow", []Var{{"DOCKER_HOST", "tcp://slow:2376"}, {"DOCKER_MACHINE_NAME", "slow"}})
		if err != nil {
			f.t.Fatal(err)
		}
		f.write(filepath.Join(fake, "apply."+sh.Name()), apply)
		for _, name := range []string{"dev", "other", ":none", "--auto"} {
			use := name
			if name == "--auto" {
				use = ""
			}
			code, err := UseScript(sh, use)
			if err != nil {
				f.t.Fatal(err)
			}
			f.write(filepath.Join(fake, "use."+sh.Name()+"."+name), code)
		}
	}

	script := fmt.Sprintf(`#!/bin/sh
printf '%%s\n' "$*" >> '%s'
case $1 in
__hook) cat '%s'/apply."$2" ;;
use) cat '%s'/use."$3"."$4" ;;
*) printf 'machina %%s\n' "$*" ;;
esac
`, f.callLog, fake, fake)
	f.write(f.machina, script)
	if err := os.Chmod(f.machina, 0o755); err != nil {
		f.t.Fatal(err)
	}
}

// calls returns the lines of the fake machina's call log and clears it.
func (f *hookFixture) calls() []string {
	f.t.Helper()
	data, err := os.ReadFile(f.callLog)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		f.t.Fatal(err)
	}
	os.Remove(f.callLog)
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

func (f *hookFixture) hook(sh Shell) string {
	f.t.Helper()
	code, err := Hook(sh, HookParams{Machina: f.machina, CacheDir: f.cache, StateDir: f.state, StorePath: f.store})
	if err != nil {
		f.t.Fatal(err)
	}
	return code
}

// helpers defines, in each shell, show NAME... (prints NAME=VALUE or NAME
// unset per line), setvar NAME VALUE and unsetvar NAME.
var helpers = map[string]string{
	"bash": `show() { local n; for n in "$@"; do if [[ -n ${!n+x} ]]; then printf '%s=%s\n' "$n" "${!n}"; else printf '%s unset\n' "$n"; fi; done; }
setvar() { export "$1=$2"; }
unsetvar() { unset -v "$1"; }
`,
	"zsh": `show() { local n; for n in "$@"; do if (( ${(P)+n} )); then printf '%s=%s\n' "$n" "${(P)n}"; else printf '%s unset\n' "$n"; fi; done; }
setvar() { export "$1=$2"; }
unsetvar() { unset "$1"; }
`,
	"fish": `function show; for n in $argv; if set -q $n; printf '%s=%s\n' $n "$$n"; else; printf '%s unset\n' $n; end; end; end
function setvar; set -gx $argv[1] $argv[2]; end
function unsetvar; set -eg $argv[1]; end
`,
}

// shellCommand returns the command that runs script in a non-interactive
// shell without the user's rc files.
func shellCommand(shell, script string) *exec.Cmd {
	switch shell {
	case "bash":
		return exec.Command("bash", "--norc", "--noprofile", "-c", script)
	case "zsh":
		return exec.Command("zsh", "-f", "-c", script)
	default:
		return exec.Command("fish", "--no-config", "-c", script)
	}
}

// run runs prelude (before the hook), the hook, the helpers and script in a
// fresh shell and returns what it printed.
func (f *hookFixture) run(sh Shell, prelude, script string) string {
	f.t.Helper()
	full := prelude + "\n" + f.hook(sh) + "\n" + helpers[sh.Name()] + script
	cmd := shellCommand(sh.Name(), full)
	cmd.Dir = f.home
	cmd.Env = append(cleanEnv(), "HOME="+f.home, "LC_ALL=C.UTF-8")
	out, err := cmd.CombinedOutput()
	if err != nil {
		f.t.Fatalf("%s failed: %v\n%s", sh.Name(), err, out)
	}
	return string(out)
}

// cleanEnv returns the test's environment without the variables that the
// hook manages or reads.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "DOCKER_") || strings.HasPrefix(kv, "__MACHINA") || strings.HasPrefix(kv, "COMPOSE_") ||
			strings.HasPrefix(kv, "PROMPT_COMMAND=") || strings.HasPrefix(kv, "HOME=") || strings.HasPrefix(kv, "LC_ALL=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// forEachHookShell runs test for bash, zsh and fish, skipping a shell that
// is not installed.
func forEachHookShell(t *testing.T, test func(t *testing.T, sh Shell)) {
	for _, sh := range hookShells {
		t.Run(sh.Name(), func(t *testing.T) {
			if _, err := exec.LookPath(sh.Name()); err != nil {
				t.Skipf("%s is not installed", sh.Name())
			}
			t.Parallel()
			test(t, sh)
		})
	}
}

func checkOutput(t *testing.T, sh Shell, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s printed:\n%s\nwant:\n%s", sh.Name(), got, want)
	}
}

func TestHookEnterAndLeave(t *testing.T) {
	forEachHookShell(t, func(t *testing.T, sh Shell) {
		f := newHookFixture(t)
		out := f.run(sh, "", `setvar DOCKER_HOST tcp://mine:2376
setvar DOCKER_TLS_VERIFY ''
unsetvar DOCKER_CERT_PATH
cd `+sh.(hookShell).quote(f.proj)+`
__machina_hook
show DOCKER_TLS_VERIFY DOCKER_HOST DOCKER_CERT_PATH DOCKER_MACHINE_NAME __MACHINA_MACHINE
cd ..
__machina_hook
show DOCKER_TLS_VERIFY DOCKER_HOST DOCKER_CERT_PATH DOCKER_MACHINE_NAME __MACHINA_MACHINE __MACHINA_VARS __MACHINA_PREV_DOCKER_HOST __MACHINA_SET_DOCKER_HOST
`)
		checkOutput(t, sh, out, `DOCKER_TLS_VERIFY=1
DOCKER_HOST=tcp://192.168.99.100:2376
DOCKER_CERT_PATH=`+f.store+`/machines/dev
DOCKER_MACHINE_NAME=dev
__MACHINA_MACHINE=dev
DOCKER_TLS_VERIFY=
DOCKER_HOST=tcp://mine:2376
DOCKER_CERT_PATH unset
DOCKER_MACHINE_NAME unset
__MACHINA_MACHINE unset
__MACHINA_VARS unset
__MACHINA_PREV_DOCKER_HOST unset
__MACHINA_SET_DOCKER_HOST unset
`)
		if calls := f.calls(); len(calls) != 0 {
			t.Errorf("%s ran machina with fresh cache entries: %q", sh.Name(), calls)
		}
	})
}

func TestHookNestedProjects(t *testing.T) {
	forEachHookShell(t, func(t *testing.T, sh Shell) {
		f := newHookFixture(t)
		q := sh.(hookShell).quote
		out := f.run(sh, "", `cd `+q(filepath.Join(f.inner, "deep"))+`
__machina_hook
show DOCKER_MACHINE_NAME COMPOSE_PROJECT_NAME
cd `+q(filepath.Join(f.proj, "sub", "deep"))+`
__machina_hook
show DOCKER_MACHINE_NAME COMPOSE_PROJECT_NAME
cd `+q(f.inner)+`
__machina_hook
show DOCKER_HOST COMPOSE_PROJECT_NAME
`)
		checkOutput(t, sh, out, `DOCKER_MACHINE_NAME=other
COMPOSE_PROJECT_NAME=inner
DOCKER_MACHINE_NAME=dev
COMPOSE_PROJECT_NAME unset
DOCKER_HOST=tcp://192.168.99.101:2376
COMPOSE_PROJECT_NAME=inner
`)
		if calls := f.calls(); len(calls) != 0 {
			t.Errorf("%s ran machina with fresh cache entries: %q", sh.Name(), calls)
		}
	})
}

// replaceKeepingTime writes content to path and sets its modification time
// back, as cp -p, tar and rsync -a do.
func replaceKeepingTime(t *testing.T, path, content string) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
}

func TestHookStaleEntryRunsMachina(t *testing.T) {
	tests := map[string]func(f *hookFixture){
		"toml changed, same mtime": func(f *hookFixture) {
			replaceKeepingTime(f.t, filepath.Join(f.proj, ".machine.toml"), "machine = \"oth\"\n")
		},
		"config changed, same mtime": func(f *hookFixture) {
			replaceKeepingTime(f.t, f.configPath("dev"), "{\n  \"Name\": \"dev\",\n  \"DriverName\": \"virtualbix\"\n}\n")
		},
		"trust changed": func(f *hookFixture) {
			replaceKeepingTime(f.t, f.trustPath(f.proj), "sha256:ffffffffffffffff\n")
		},
		"trust removed": func(f *hookFixture) {
			if err := os.Remove(f.trustPath(f.proj)); err != nil {
				f.t.Fatal(err)
			}
		},
		"config removed": func(f *hookFixture) {
			if err := os.Remove(f.configPath("dev")); err != nil {
				f.t.Fatal(err)
			}
		},
		"dir entry removed": func(f *hookFixture) {
			if err := RemoveDirEntry(f.cache, f.proj); err != nil {
				f.t.Fatal(err)
			}
		},
		"machine entry missing": func(f *hookFixture) {
			if err := os.RemoveAll(filepath.Join(f.cache, "m")); err != nil {
				f.t.Fatal(err)
			}
		},
	}

	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			forEachHookShell(t, func(t *testing.T, sh Shell) {
				f := newHookFixture(t)
				mutate(f)
				out := f.run(sh, "", `cd `+sh.(hookShell).quote(f.proj)+`
__machina_hook
show DOCKER_HOST DOCKER_MACHINE_NAME
`)
				checkOutput(t, sh, out, "DOCKER_HOST=tcp://slow:2376\nDOCKER_MACHINE_NAME=slow\n")
				calls := f.calls()
				if len(calls) == 0 {
					t.Fatalf("%s did not run machina", sh.Name())
				}
				for _, call := range calls {
					if call != "__hook "+sh.Name() {
						t.Errorf("%s ran machina %s, want __hook %s", sh.Name(), call, sh.Name())
					}
				}
			})
		})
	}
}

func TestHookHandChangedVariable(t *testing.T) {
	forEachHookShell(t, func(t *testing.T, sh Shell) {
		f := newHookFixture(t)
		q := sh.(hookShell).quote
		out := f.run(sh, "", `setvar DOCKER_HOST tcp://before:2376
cd `+q(f.proj)+`
__machina_hook
setvar DOCKER_HOST tcp://by-hand:2376
unsetvar DOCKER_MACHINE_NAME
__machina_hook
show DOCKER_HOST DOCKER_MACHINE_NAME DOCKER_TLS_VERIFY
cd `+q(f.home)+`
__machina_hook
show DOCKER_HOST DOCKER_MACHINE_NAME DOCKER_TLS_VERIFY
cd `+q(f.proj)+`
__machina_hook
show DOCKER_HOST DOCKER_MACHINE_NAME
cd `+q(f.home)+`
__machina_hook
show DOCKER_HOST DOCKER_MACHINE_NAME __MACHINA_VARS
`)
		checkOutput(t, sh, out, `DOCKER_HOST=tcp://by-hand:2376
DOCKER_MACHINE_NAME unset
DOCKER_TLS_VERIFY=1
DOCKER_HOST=tcp://by-hand:2376
DOCKER_MACHINE_NAME unset
DOCKER_TLS_VERIFY unset
DOCKER_HOST=tcp://192.168.99.100:2376
DOCKER_MACHINE_NAME=dev
DOCKER_HOST=tcp://by-hand:2376
DOCKER_MACHINE_NAME unset
__MACHINA_VARS unset
`)
	})
}

func TestHookReleasedVariableTakenForOtherMachine(t *testing.T) {
	forEachHookShell(t, func(t *testing.T, sh Shell) {
		f := newHookFixture(t)
		q := sh.(hookShell).quote
		out := f.run(sh, "", `cd `+q(f.proj)+`
__machina_hook
setvar DOCKER_HOST tcp://by-hand:2376
__machina_hook
cd `+q(f.proj+"/sub")+`
__machina_hook
show DOCKER_HOST
cd `+q(f.inner)+`
__machina_hook
show DOCKER_HOST
cd `+q(f.home)+`
__machina_hook
show DOCKER_HOST
`)
		checkOutput(t, sh, out, `DOCKER_HOST=tcp://by-hand:2376
DOCKER_HOST=tcp://192.168.99.101:2376
DOCKER_HOST=tcp://by-hand:2376
`)
	})
}

func TestHookGlobalDefault(t *testing.T) {
	forEachHookShell(t, func(t *testing.T, sh Shell) {
		f := newHookFixture(t)
		q := sh.(hookShell).quote
		f.write(filepath.Join(f.state, "global-machine"), "other\n")
		untrusted := filepath.Join(f.home, "untrusted")
		f.write(filepath.Join(untrusted, ".machine.toml"), "machine = \"evil\"\n")
		err := WriteDirEntry(f.cache, DirEntry{Dir: untrusted, Toml: []byte("machine = \"evil\"\n"), TrustPath: f.trustPath(untrusted)})
		if err != nil {
			t.Fatal(err)
		}

		out := f.run(sh, "", `__machina_hook
show DOCKER_MACHINE_NAME
cd `+q(f.proj)+`
__machina_hook
show DOCKER_MACHINE_NAME
cd `+q(untrusted)+`
__machina_hook
show DOCKER_MACHINE_NAME
`)
		checkOutput(t, sh, out, "DOCKER_MACHINE_NAME=other\nDOCKER_MACHINE_NAME=dev\nDOCKER_MACHINE_NAME=other\n")
		if calls := f.calls(); len(calls) != 0 {
			t.Errorf("%s ran machina with fresh cache entries: %q", sh.Name(), calls)
		}
	})
}

func TestHookMachinaUse(t *testing.T) {
	forEachHookShell(t, func(t *testing.T, sh Shell) {
		f := newHookFixture(t)
		q := sh.(hookShell).quote
		out := f.run(sh, "", `machina use dev
show DOCKER_MACHINE_NAME __MACHINA_USE
cd `+q(f.inner)+`
__machina_hook
show DOCKER_MACHINE_NAME COMPOSE_PROJECT_NAME
machina use :none
show DOCKER_MACHINE_NAME __MACHINA_USE
machina use --auto
show DOCKER_MACHINE_NAME __MACHINA_USE
machina ls -q
`)
		checkOutput(t, sh, out, `DOCKER_MACHINE_NAME=dev
__MACHINA_USE=dev
DOCKER_MACHINE_NAME=dev
COMPOSE_PROJECT_NAME unset
DOCKER_MACHINE_NAME unset
__MACHINA_USE=:none
DOCKER_MACHINE_NAME=other
__MACHINA_USE unset
machina ls -q
`)
		calls := f.calls()
		want := []string{"use --shell " + sh.Name() + " dev", "use --shell " + sh.Name() + " :none", "use --shell " + sh.Name() + " --auto", "ls -q"}
		if strings.Join(calls, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s ran machina %q, want %q", sh.Name(), calls, want)
		}
	})
}

// leaveScript enters the project, sets a variable by hand, and leaves, so
// most branches of the hook run.
func leaveScript(f *hookFixture, sh Shell) string {
	q := sh.(hookShell).quote
	return `unsetvar DOCKER_HOST
cd ` + q(f.proj) + `
__machina_hook
__machina_hook
setvar DOCKER_TLS_VERIFY 0
__machina_hook
cd ` + q(f.inner) + `
__machina_hook
cd ` + q(f.home) + `
__machina_hook
show DOCKER_HOST DOCKER_TLS_VERIFY
`
}

func TestHookUnderSetU(t *testing.T) {
	forEachHookShell(t, func(t *testing.T, sh Shell) {
		if sh.Name() == "fish" {
			t.Skip("fish has no set -u")
		}
		f := newHookFixture(t)
		out := f.run(sh, "set -u", leaveScript(f, sh))
		checkOutput(t, sh, out, "DOCKER_HOST unset\nDOCKER_TLS_VERIFY=0\n")
	})
}

func TestHookUnderSetE(t *testing.T) {
	forEachHookShell(t, func(t *testing.T, sh Shell) {
		if sh.Name() == "fish" {
			t.Skip("fish has no set -e")
		}
		f := newHookFixture(t)
		out := f.run(sh, "set -e", leaveScript(f, sh)+"machina use dev\nmachina use --auto\necho reached the end\n")
		checkOutput(t, sh, out, "DOCKER_HOST unset\nDOCKER_TLS_VERIFY=0\nreached the end\n")
	})
}

func TestHookKeepsExitStatus(t *testing.T) {
	forEachHookShell(t, func(t *testing.T, sh Shell) {
		f := newHookFixture(t)
		q := sh.(hookShell).quote
		fail := "(exit 3)"
		status := "$?"
		if sh.Name() == "fish" {
			fail = "false"
			status = "$status"
		}
		// The slow path runs machina, whose exit status must not leak either.
		if err := RemoveDirEntry(f.cache, f.proj); err != nil {
			t.Fatal(err)
		}
		out := f.run(sh, "", `cd `+q(f.proj)+`
`+fail+`
__machina_hook
echo status `+status+`
cd `+q(f.inner)+`
`+fail+`
__machina_hook
echo status `+status+`
`)
		want := "status 3\nstatus 3\n"
		if sh.Name() == "fish" {
			want = "status 1\nstatus 1\n"
		}
		checkOutput(t, sh, out, want)
	})
}

func TestHookPromptCommandForms(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	tests := []struct {
		name, prelude, want string
	}{
		{"unset", "unset PROMPT_COMMAND", `declare -- PROMPT_COMMAND="__machina_hook"`},
		{"string", "PROMPT_COMMAND='history -a'", `declare -- PROMPT_COMMAND="__machina_hook;history -a"`},
		{"array", "PROMPT_COMMAND=('history -a' 'echo x')", `declare -a PROMPT_COMMAND=([0]="__machina_hook" [1]="history -a" [2]="echo x")`},
		{"string, set -u", "set -u; PROMPT_COMMAND=x", `declare -- PROMPT_COMMAND="__machina_hook;x"`},
		{"array, set -u", "set -u; PROMPT_COMMAND=(x)", `declare -a PROMPT_COMMAND=([0]="__machina_hook" [1]="x")`},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newHookFixture(t)
			hook := f.hook(bash{})
			out := f.run(bash{}, tt.prelude, "eval "+quotePOSIX(hook)+"\ndeclare -p PROMPT_COMMAND\n")
			if got := strings.TrimSpace(out); got != tt.want {
				t.Errorf("after installing the hook twice: %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestHookInstallTwiceZsh(t *testing.T) {
	if _, err := exec.LookPath("zsh"); err != nil {
		t.Skip("zsh is not installed")
	}
	f := newHookFixture(t)
	out := f.run(zsh{}, "precmd_functions=(mine); chpwd_functions=()", "eval "+quotePOSIX(f.hook(zsh{}))+"\nprint -r -- $precmd_functions / $chpwd_functions\n")
	checkOutput(t, zsh{}, out, "__machina_hook mine / __machina_hook\n")
}

func TestHookInstallTwiceFish(t *testing.T) {
	if _, err := exec.LookPath("fish"); err != nil {
		t.Skip("fish is not installed")
	}
	f := newHookFixture(t)
	if err := RemoveDirEntry(f.cache, f.proj); err != nil {
		t.Fatal(err)
	}
	// Each cd fires the PWD handler once, so the stale entry runs machina once.
	f.run(fish{}, "", f.hook(fish{})+"\ncd "+quoteFish(f.proj)+"\n")
	if calls := f.calls(); len(calls) != 1 {
		t.Errorf("fish ran machina %d times after one cd, want 1: %q", len(calls), calls)
	}
}

// TestHookStateCrossesShells runs the hook in one shell, enters a project,
// then execs another shell with the hook, which must restore what the user
// had before when it leaves: the state lives in exported variables.
func TestHookStateCrossesShells(t *testing.T) {
	for _, parent := range hookShells {
		for _, child := range hookShells {
			t.Run(parent.Name()+" to "+child.Name(), func(t *testing.T) {
				for _, sh := range []Shell{parent, child} {
					if _, err := exec.LookPath(sh.Name()); err != nil {
						t.Skipf("%s is not installed", sh.Name())
					}
				}
				t.Parallel()
				f := newHookFixture(t)
				q := child.(hookShell).quote
				childScript := filepath.Join(f.root, "child")
				f.write(childScript, f.hook(child)+"\n"+helpers[child.Name()]+`__machina_hook
show DOCKER_HOST __MACHINA_MACHINE
cd `+q(f.home)+`
__machina_hook
show DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH __MACHINA_MACHINE __MACHINA_VARS
`)
				childCommand := map[string]string{
					"bash": "exec bash --norc --noprofile " + quotePOSIX(childScript),
					"zsh":  "exec zsh -f " + quotePOSIX(childScript),
					"fish": "exec fish --no-config " + quotePOSIX(childScript),
				}[child.Name()]
				if parent.Name() == "fish" {
					childCommand = strings.Replace(childCommand, quotePOSIX(childScript), quoteFish(childScript), 1)
				}

				out := f.run(parent, "", `setvar DOCKER_HOST 'tcp://mine:2376'
setvar DOCKER_TLS_VERIFY ''
cd `+parent.(hookShell).quote(f.proj)+`
__machina_hook
`+childCommand+"\n")
				checkOutput(t, child, out, `DOCKER_HOST=tcp://192.168.99.100:2376
__MACHINA_MACHINE=dev
DOCKER_HOST=tcp://mine:2376
DOCKER_TLS_VERIFY=
DOCKER_CERT_PATH unset
__MACHINA_MACHINE unset
__MACHINA_VARS unset
`)
			})
		}
	}
}

func TestHookPromptSegment(t *testing.T) {
	forEachHookShell(t, func(t *testing.T, sh Shell) {
		f := newHookFixture(t)
		out := f.run(sh, "", `__machina_ps1
echo "<"
cd `+sh.(hookShell).quote(f.proj)+`
__machina_hook
__machina_ps1
echo
__machina_ps1 '(%s) '
echo
`)
		checkOutput(t, sh, out, "<\n [dev]\n(dev) \n")
	})
}

// TestHookGlobalMachineFile checks that the hook reads the global-machine
// file as machina does: one name, with or without a newline after it, and
// anything else left to machina.
func TestHookGlobalMachineFile(t *testing.T) {
	tests := []struct {
		content, want string
		calls         bool
	}{
		{"other\n", "other", false},
		{"other", "other", false},
		{"", "", false},
		{"other\n\n", "slow", true},
		{"other\ndev\n", "slow", true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.content), func(t *testing.T) {
			forEachHookShell(t, func(t *testing.T, sh Shell) {
				f := newHookFixture(t)
				f.write(filepath.Join(f.state, "global-machine"), tt.content)
				out := f.run(sh, "", "__machina_hook\necho \"[$DOCKER_MACHINE_NAME]\"\n")
				checkOutput(t, sh, out, "["+tt.want+"]\n")
				if calls := f.calls(); (len(calls) > 0) != tt.calls {
					t.Errorf("%s ran machina %q, want a call: %v", sh.Name(), calls, tt.calls)
				}
			})
		})
	}
}

// TestHookMissingMachine checks that a directory naming a machine without
// variables (missing or broken) applies no machine and no extra variables,
// as machina __hook does.
func TestHookMissingMachine(t *testing.T) {
	forEachHookShell(t, func(t *testing.T, sh Shell) {
		f := newHookFixture(t)
		if err := os.Remove(f.configPath("other")); err != nil {
			t.Fatal(err)
		}
		if err := WriteMachineEntry(f.cache, MachineEntry{Name: "other", ConfigPath: f.configPath("other")}); err != nil {
			t.Fatal(err)
		}
		out := f.run(sh, "", "cd "+sh.(hookShell).quote(f.inner)+"\n__machina_hook\nshow DOCKER_HOST COMPOSE_PROJECT_NAME __MACHINA_MACHINE\n")
		checkOutput(t, sh, out, "DOCKER_HOST unset\nCOMPOSE_PROJECT_NAME unset\n__MACHINA_MACHINE unset\n")
		if calls := f.calls(); len(calls) != 0 {
			t.Errorf("%s ran machina with fresh cache entries: %q", sh.Name(), calls)
		}
	})
}

func TestHookWithAliasAndNocasematch(t *testing.T) {
	forEachHookShell(t, func(t *testing.T, sh Shell) {
		if sh.Name() == "fish" {
			t.Skip("fish has no such options")
		}
		f := newHookFixture(t)
		prelude := "alias machina='echo alias'"
		if sh.Name() == "bash" {
			prelude = "shopt -s expand_aliases nocasematch\n" + prelude
		}
		replaceKeepingTime(t, filepath.Join(f.proj, ".machine.toml"), "MACHINE = \"DEV\"\n")
		out := f.run(sh, prelude, "cd "+quotePOSIX(f.proj)+"\n__machina_hook\nshow DOCKER_MACHINE_NAME\n")
		checkOutput(t, sh, out, "DOCKER_MACHINE_NAME=slow\n")
	})
}
