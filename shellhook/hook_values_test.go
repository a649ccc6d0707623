package shellhook

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// dumpLine returns the line that writes the value of name to dir/name, or
// writes no file when name is unset.
func dumpLine(shell, name, dir string) string {
	path := filepath.Join(dir, name)
	switch shell {
	case "fish":
		return fmt.Sprintf("if set -q %s; printf '%%s' \"$%s\" > %s; end\n", name, name, quoteFish(path))
	case "zsh":
		return fmt.Sprintf("if (( ${+%s} )); then printf '%%s' \"$%s\" > %s; fi\n", name, name, quotePOSIX(path))
	default:
		return fmt.Sprintf("if [[ -n ${%s+x} ]]; then printf '%%s' \"$%s\" > %s; fi\n", name, name, quotePOSIX(path))
	}
}

// checkDump compares the files that dumpLine wrote with want, where a
// missing key means the variable must be unset.
func checkDump(t *testing.T, shell, dir string, names []string, want map[string]string) {
	t.Helper()
	for _, name := range names {
		got, err := os.ReadFile(filepath.Join(dir, name))
		value, set := want[name]
		switch {
		case !set && err == nil:
			t.Errorf("%s: %s = %q, want unset", shell, name, got)
		case set && err != nil:
			t.Errorf("%s: %s unset, want %q", shell, name, value)
		case set && string(got) != value:
			t.Errorf("%s: %s = %q, want %q", shell, name, got, value)
		}
	}
}

func hookValues() []string {
	var values []string
	for _, v := range append(nastyValues(), randomValues(7, 300)...) {
		if !strings.ContainsRune(v, 0) {
			values = append(values, v)
		}
	}
	return values
}

// TestApplyRealShells exports values before the hook runs, applies new
// values with the code of Apply, then applies an empty set, and checks both
// steps byte for byte in each shell.
func TestApplyRealShells(t *testing.T) {
	forEachHookShell(t, func(t *testing.T, sh Shell) {
		values := hookValues()
		const batch = 100
		for start := 0; start+1 < len(values); start += batch {
			end := min(start+batch, len(values)-1)
			checkApplyBatch(t, sh, values[start:end], values[start+1:end+1])
		}
	})
}

func checkApplyBatch(t *testing.T, sh Shell, before, after []string) {
	t.Helper()
	f := newHookFixture(t)
	applied := filepath.Join(f.root, "applied")
	restored := filepath.Join(f.root, "restored")
	f.mkdir(applied)
	f.mkdir(restored)

	wantBefore := map[string]string{}
	wantAfter := map[string]string{}
	var names []string
	var exports strings.Builder
	var vars []Var
	for i := range before {
		name := fmt.Sprintf("V%d", i)
		names = append(names, name)
		if i%7 != 0 {
			line, err := sh.Export(Var{name, before[i]})
			if err != nil {
				t.Fatal(err)
			}
			exports.WriteString(line)
			wantBefore[name] = before[i]
		}
		vars = append(vars, Var{name, after[i]})
		wantAfter[name] = after[i]
	}

	apply, err := Apply(sh, "m\n'$x", vars)
	if err != nil {
		t.Fatal(err)
	}
	restore, err := Apply(sh, "", nil)
	if err != nil {
		t.Fatal(err)
	}

	var script strings.Builder
	script.WriteString(exports.String() + apply)
	for _, name := range names {
		script.WriteString(dumpLine(sh.Name(), name, applied))
	}
	script.WriteString(dumpLine(sh.Name(), "__MACHINA_MACHINE", applied))
	script.WriteString(restore)
	for _, name := range append(names, "__MACHINA_VARS", "__MACHINA_MACHINE", "__MACHINA_PREV_V1", "__MACHINA_SET_V1") {
		script.WriteString(dumpLine(sh.Name(), name, restored))
	}
	f.run(sh, "", script.String())

	checkDump(t, sh.Name(), applied, append(names, "__MACHINA_MACHINE"), mergeMaps(wantAfter, map[string]string{"__MACHINA_MACHINE": "m\n'$x"}))
	checkDump(t, sh.Name(), restored, append(names, "__MACHINA_VARS", "__MACHINA_MACHINE", "__MACHINA_PREV_V1", "__MACHINA_SET_V1"), wantBefore)
}

func mergeMaps(a, b map[string]string) map[string]string {
	m := map[string]string{}
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}

// TestCacheEntriesRealShells writes entries for directories, files and
// machine names full of characters that are hard to quote, and checks that
// each shell finds every entry fresh and applies its values exactly.
func TestCacheEntriesRealShells(t *testing.T) {
	forEachHookShell(t, func(t *testing.T, sh Shell) {
		f := newHookFixture(t)
		rng := rand.New(rand.NewPCG(11, 11))
		values := hookValues()
		pick := func() string { return values[rng.IntN(len(values))] }

		dirNames := []string{"a b", "it's", `q"uote`, "%2F", "%", "$(x)", "`x`", "-n", "é漢😀", "new\nline", "trail\n", "back\\slash", "*", "[x]", "!x"}
		var script strings.Builder
		out := filepath.Join(f.root, "out")
		f.mkdir(out)

		for i, name := range dirNames {
			dir := filepath.Join(f.home, name)
			machine := fmt.Sprintf("m%d/%s", i, name)
			toml := pick() + "\n" + pick()
			trust := pick()
			config := pick() + "\n"
			host := pick()
			extra := pick()

			f.write(filepath.Join(dir, ".machine.toml"), toml)
			f.write(f.trustPath(dir), trust)
			configPath := filepath.Join(f.store, "machines", EncodePath(machine), "config.json")
			f.write(configPath, config)
			if err := WriteDirEntry(f.cache, DirEntry{Dir: dir, Toml: []byte(toml), TrustPath: f.trustPath(dir), Trust: []byte(trust), Machine: machine, Extra: []Var{{"EXTRA", extra}}}); err != nil {
				t.Fatal(err)
			}
			if err := WriteMachineEntry(f.cache, MachineEntry{Name: machine, ConfigPath: configPath, Config: []byte(config), Vars: []Var{{"DOCKER_HOST", host}, {"DOCKER_MACHINE_NAME", machine}}}); err != nil {
				t.Fatal(err)
			}

			step := filepath.Join(out, fmt.Sprint(i))
			f.mkdir(step)
			script.WriteString("cd " + sh.(hookShell).quote(dir) + "\n__machina_hook\n")
			for _, v := range []string{"DOCKER_HOST", "DOCKER_MACHINE_NAME", "EXTRA"} {
				script.WriteString(dumpLine(sh.Name(), v, step))
			}
			want := map[string]string{"DOCKER_HOST": host, "DOCKER_MACHINE_NAME": machine, "EXTRA": extra}
			defer checkDump(t, sh.Name()+" in "+fmt.Sprintf("%q", dir), step, []string{"DOCKER_HOST", "DOCKER_MACHINE_NAME", "EXTRA"}, want)
		}

		f.run(sh, "", script.String())
		if calls := f.calls(); len(calls) != 0 {
			t.Errorf("%s ran machina %d times with fresh cache entries", sh.Name(), len(calls))
		}
	})
}

func TestCacheEntriesFishCLocale(t *testing.T) {
	if _, err := exec.LookPath("fish"); err != nil {
		t.Skip("fish is not installed")
	}
	f := newHookFixture(t)
	config := "{\"Name\": \"dev\", \"Path\": \"/home/\xe9\xff\"}\n"
	replaceKeepingTime(t, f.configPath("dev"), config)
	if err := WriteMachineEntry(f.cache, MachineEntry{Name: "dev", ConfigPath: f.configPath("dev"), Config: []byte(config), Vars: f.devVars}); err != nil {
		t.Fatal(err)
	}

	cmd := shellCommand("fish", f.hook(fish{})+"\ncd "+quoteFish(f.proj)+"\n__machina_hook\nprintf '%s\\n' $DOCKER_MACHINE_NAME\n")
	cmd.Env = append(cleanEnv(), "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("fish failed: %v\n%s", err, out)
	}
	if string(out) != "dev\n" {
		t.Errorf("fish printed %q, want dev", out)
	}
	if calls := f.calls(); len(calls) != 0 {
		t.Errorf("fish ran machina with a fresh entry in the C locale: %q", calls)
	}
}
