package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// completionEnv is a store with the machines m1 and m2 of the none driver,
// and the getenv that points machina at it.
func completionEnv(t *testing.T) (storePath string, getenv func(string) string) {
	t.Helper()
	dir := t.TempDir()
	storePath = filepath.Join(dir, "store")
	t.Setenv("MACHINE_STORAGE_PATH", storePath)
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, ".config"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, ".local", "state"))
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, ".cache"))
	getenv = func(name string) string {
		if name == "MACHINE_STORAGE_PATH" {
			return storePath
		}
		return os.Getenv(name)
	}

	for _, name := range []string{"m1", "m2"} {
		var stdout, stderr bytes.Buffer
		args := []string{"create", "-d", "none", "--url", "tcp://127.0.0.1:2376", name}
		if code := run(context.Background(), args, nil, &stdout, &stderr, getenv); code != 0 {
			t.Fatalf("machina %s: exit status %d\nstderr:\n%s", strings.Join(args, " "), code, stderr.String())
		}
	}
	return storePath, getenv
}

// complete runs `machina __complete WORDS...` and returns the values it
// prints, without descriptions.
func complete(t *testing.T, getenv func(string) string, words ...string) []string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	args := append([]string{"__complete"}, words...)
	if code := run(context.Background(), args, nil, &stdout, &stderr, getenv); code != 0 {
		t.Fatalf("machina %q: exit status %d\nstderr:\n%s", args, code, stderr.String())
	}

	var values []string
	for _, line := range strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n") {
		if line == "" {
			continue
		}
		value, _, _ := strings.Cut(line, "\t")
		values = append(values, value)
	}
	return values
}

func TestCompleteCommands(t *testing.T) {
	_, getenv := completionEnv(t)
	got := complete(t, getenv, "")

	for _, want := range []string{"create", "ls", "env", "use", "ssh", "rm", "completion", "profile"} {
		if !slices.Contains(got, want) {
			t.Errorf("commands %v: missing %q", got, want)
		}
	}
	for _, hidden := range []string{"__complete", "__hook"} {
		if slices.Contains(got, hidden) {
			t.Errorf("commands %v: hidden command %q listed", got, hidden)
		}
	}
}

func TestCompleteCommandPrefix(t *testing.T) {
	_, getenv := completionEnv(t)
	got := complete(t, getenv, "e")

	if !slices.Equal(got, []string{"env", "exec"}) {
		t.Errorf("commands starting with e: got %v, want [env exec]", got)
	}
}

func TestCompleteSubcommands(t *testing.T) {
	_, getenv := completionEnv(t)
	got := complete(t, getenv, "profile", "")

	if !slices.Equal(got, []string{"ls", "show"}) {
		t.Errorf("profile subcommands: got %v, want [ls show]", got)
	}
}

func TestCompleteDescriptions(t *testing.T) {
	_, getenv := completionEnv(t)
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"__complete", "ls"}, nil, &stdout, &stderr, getenv); code != 0 {
		t.Fatalf("exit status %d\nstderr:\n%s", code, stderr.String())
	}

	if got, want := stdout.String(), "ls\tList machines.\n"; got != want {
		t.Errorf("output: got %q, want %q", got, want)
	}
}

func TestCompleteCreateFlags(t *testing.T) {
	_, getenv := completionEnv(t)
	got := complete(t, getenv, "create", "--tls")

	for _, want := range []string{"--tls-key-type", "--tls-san", "--tls-ca-cert"} {
		if !slices.Contains(got, want) {
			t.Errorf("create --tls: got %v, missing %q", got, want)
		}
	}
	for _, value := range got {
		if !strings.HasPrefix(value, "--tls") {
			t.Errorf("create --tls: %q does not start with --tls", value)
		}
	}
}

func TestCompleteFlagsShortAndGlobal(t *testing.T) {
	_, getenv := completionEnv(t)
	got := complete(t, getenv, "create", "-")

	for _, want := range []string{"-d", "--driver", "--url", "--generic-ip-address", "-s", "--storage-path", "--debug", "--help"} {
		if !slices.Contains(got, want) {
			t.Errorf("create -: got %v, missing %q", got, want)
		}
	}
	if slices.Contains(got, "--swarm") {
		t.Errorf("create -: hidden flag --swarm listed")
	}
}

func TestCompleteFlagsSkipUsed(t *testing.T) {
	_, getenv := completionEnv(t)
	got := complete(t, getenv, "create", "--tls-key-type", "rsa", "--tls-san", "a", "--tls")

	if slices.Contains(got, "--tls-key-type") {
		t.Errorf("got %v: --tls-key-type listed again", got)
	}
	if !slices.Contains(got, "--tls-san") {
		t.Errorf("got %v: repeatable --tls-san missing", got)
	}
}

func TestCompleteEnumValue(t *testing.T) {
	_, getenv := completionEnv(t)

	if got := complete(t, getenv, "create", "--tls-key-type", ""); !slices.Equal(got, []string{"ecdsa", "rsa"}) {
		t.Errorf("create --tls-key-type '': got %v, want [ecdsa rsa]", got)
	}
	if got := complete(t, getenv, "create", "--tls-key-type", "r"); !slices.Equal(got, []string{"rsa"}) {
		t.Errorf("create --tls-key-type r: got %v, want [rsa]", got)
	}
	if got := complete(t, getenv, "create", "--tls-key-type="); !slices.Equal(got, []string{"--tls-key-type=ecdsa", "--tls-key-type=rsa"}) {
		t.Errorf("create --tls-key-type=: got %v, want [--tls-key-type=ecdsa --tls-key-type=rsa]", got)
	}
	if got := complete(t, getenv, "completion", ""); !slices.Equal(got, []string{"bash", "zsh", "fish"}) {
		t.Errorf("completion '': got %v, want [bash zsh fish]", got)
	}
}

func TestCompleteNamedValues(t *testing.T) {
	_, getenv := completionEnv(t)

	shells := complete(t, getenv, "env", "--shell", "")
	for _, want := range []string{"bash", "zsh", "fish", "powershell"} {
		if !slices.Contains(shells, want) {
			t.Errorf("env --shell '': got %v, missing %q", shells, want)
		}
	}
	drivers := complete(t, getenv, "create", "-d", "")
	if !slices.Equal(drivers, []string{"generic", "none"}) {
		t.Errorf("create -d '': got %v, want [generic none]", drivers)
	}
}

func TestCompleteMachineNames(t *testing.T) {
	_, getenv := completionEnv(t)

	for _, words := range [][]string{
		{"env", ""},
		{"use", ""},
		{"ssh", ""},
		{"ip", ""},
		{"exec", ""},
		{"rm", "-f", "m1", ""},
		{"env", "--shell", "fish", ""},
	} {
		if got := complete(t, getenv, words...); !slices.Equal(got, []string{"m1", "m2"}) {
			t.Errorf("%q: got %v, want [m1 m2]", words, got)
		}
	}
	if got := complete(t, getenv, "env", "m2"); !slices.Equal(got, []string{"m2"}) {
		t.Errorf("env m2: got %v, want [m2]", got)
	}
}

func TestCompleteNoMachineNames(t *testing.T) {
	_, getenv := completionEnv(t)

	for _, words := range [][]string{
		{"create", ""},
		{"profile", "show", ""},
		{"env", "m1", ""},
	} {
		if got := complete(t, getenv, words...); len(got) != 0 {
			t.Errorf("%q: got %v, want no candidates", words, got)
		}
	}
}

func TestCompleteStoragePathOnLine(t *testing.T) {
	_, getenv := completionEnv(t)
	other := filepath.Join(t.TempDir(), "other")
	if err := os.MkdirAll(filepath.Join(other, "machines", "x1"), 0o700); err != nil {
		t.Fatal(err)
	}

	for _, words := range [][]string{
		{"-s", other, "env", ""},
		{"--storage-path", other, "env", ""},
		{"--storage-path=" + other, "env", ""},
		{"env", "-s" + other, ""},
	} {
		if got := complete(t, getenv, words...); !slices.Equal(got, []string{"x1"}) {
			t.Errorf("%q: got %v, want [x1]", words, got)
		}
	}
}

func TestCompleteFiles(t *testing.T) {
	_, getenv := completionEnv(t)

	for _, words := range [][]string{
		{"--tls-ca-cert", ""},
		{"create", "--generic-ssh-key", "~/"},
		{"-s", ""},
		{"allow", ""},
		{"ssh", "m1", "ls", ""},
		{"exec", "m1", "--", ""},
	} {
		if got := complete(t, getenv, words...); !slices.Equal(got, []string{completeFiles}) {
			t.Errorf("%q: got %v, want [%s]", words, got, completeFiles)
		}
	}
}

func TestCompletionScripts(t *testing.T) {
	_, getenv := completionEnv(t)

	for _, shell := range []string{"bash", "zsh", "fish"} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{"completion", shell}, nil, &stdout, &stderr, getenv); code != 0 {
			t.Fatalf("completion %s: exit status %d\nstderr:\n%s", shell, code, stderr.String())
		}
		if !strings.Contains(stdout.String(), "machina __complete") {
			t.Errorf("completion %s: script does not run machina __complete:\n%s", shell, stdout.String())
		}
	}
}

// shellOutput runs script in shell, with the machina of the test binary on
// PATH (testscript.Main in TestMain installs it) and the store of
// completionEnv.
func shellOutput(t *testing.T, shell string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(shell); err != nil {
		t.Skipf("%s is not installed", shell)
	}
	if _, err := exec.LookPath("machina"); err != nil {
		t.Fatalf("machina is not on PATH: %v", err)
	}

	var stdout, stderr bytes.Buffer
	cmd := exec.Command(shell, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %q: %v\nstdout:\n%s\nstderr:\n%s", shell, args, err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

func TestBashCompletion(t *testing.T) {
	completionEnv(t)

	for _, tc := range []struct {
		words string
		cword int
		want  []string
	}{
		{"machina en", 1, []string{"env"}},
		{"machina env ''", 2, []string{"m1", "m2"}},
		{"machina create --tls-key-type ''", 3, []string{"ecdsa", "rsa"}},
		{"machina create --tls-key-type = r", 4, []string{"rsa"}},
		{"machina create --tls-key-type =", 3, []string{"ecdsa", "rsa"}},
	} {
		script := `source <(machina completion bash) || exit 1
COMP_WORDS=(` + tc.words + `); COMP_CWORD=` + strconv.Itoa(tc.cword) + `
_machina
printf '%s\n' "${COMPREPLY[@]}"`
		got := strings.Fields(shellOutput(t, "bash", "-c", script))
		if !slices.Equal(got, tc.want) {
			t.Errorf("bash COMP_WORDS=(%s): got %v, want %v", tc.words, got, tc.want)
		}
	}
}

func TestBashCompletionFiles(t *testing.T) {
	completionEnv(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), nil, 0o600); err != nil {
		t.Fatal(err)
	}

	script := `source <(machina completion bash) || exit 1
cd "$1" || exit 1
COMP_WORDS=(machina --tls-ca-cert c); COMP_CWORD=2
_machina
printf '%s\n' "${COMPREPLY[@]}"`
	got := strings.Fields(shellOutput(t, "bash", "-c", script, "bash", dir))
	if !slices.Equal(got, []string{"ca.pem"}) {
		t.Errorf("bash --tls-ca-cert c: got %v, want [ca.pem]", got)
	}
}

func TestZshCompletionSyntax(t *testing.T) {
	completionEnv(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "_machina")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"completion", "zsh"}, nil, &stdout, &stderr, os.Getenv); code != 0 {
		t.Fatalf("completion zsh: exit status %d\nstderr:\n%s", code, stderr.String())
	}
	if err := os.WriteFile(path, stdout.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	shellOutput(t, "zsh", "-n", path)
}

// TestZshCompletion calls _machina with a compadd that prints the values and
// the display strings it receives, because the real compadd works only
// inside a completion widget.
func TestZshCompletion(t *testing.T) {
	completionEnv(t)
	script := `compdef() { : }
compadd() {
    local -a display
    while (( $# )); do
        case $1 in
            -d) display=("${(@P)2}"); shift 2 ;;
            --) shift; break ;;
            *) shift ;;
        esac
    done
    print -rl -- "values:" "$@" "display:" "${display[@]}"
}
source <(machina completion zsh) || exit 1
words=(machina "$@"); CURRENT=${#words}
_machina`

	got := shellOutput(t, "zsh", "-f", "-c", script, "zsh", "e")
	if want := "values:\nenv\nexec\ndisplay:\n"; !strings.HasPrefix(got, want) {
		t.Errorf("zsh machina e: got\n%s\nwant prefix\n%s", got, want)
	}
	if !strings.Contains(got, "\nenv   -- Print the commands") {
		t.Errorf("zsh machina e: no aligned description in\n%s", got)
	}

	got = shellOutput(t, "zsh", "-f", "-c", script, "zsh", "rm", "")
	if want := "values:\nm1\nm2\ndisplay:\nm1\nm2\n"; got != want {
		t.Errorf("zsh machina rm '': got\n%s\nwant\n%s", got, want)
	}
}

func TestFishCompletionSyntax(t *testing.T) {
	completionEnv(t)
	shellOutput(t, "fish", "--no-config", "-c", "machina completion fish | fish --no-config -n")
}

func TestFishCompletion(t *testing.T) {
	completionEnv(t)

	got := shellOutput(t, "fish", "--no-config", "-c", `machina completion fish | source; complete -C "machina en"`)
	if !strings.Contains(got, "env\tPrint the commands") {
		t.Errorf("fish machina en: got\n%s\nwant a line env<TAB>description", got)
	}

	got = shellOutput(t, "fish", "--no-config", "-c", `machina completion fish | source; complete -C "machina use "`)
	if values := strings.Fields(got); !slices.Equal(values, []string{"m1", "m2"}) {
		t.Errorf("fish machina use: got %v, want [m1 m2]", values)
	}
}
