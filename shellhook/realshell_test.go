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

// nastyValues returns values that have broken shell quoting before: every
// ASCII character from 0x01 to 0x7f alone and between letters, quotes next
// to each other, expansions that would run code, and UTF-8.
func nastyValues() []string {
	values := []string{
		"", " ", "  ", "a  b", " lead", "trail ", "-", "-e", "-n", "--", "--help", "-x y",
		"'", "''", "'''", `"`, `""`, `\`, `\\`, `\'`, `'\`, `\"`, "a\\", "\\!", "!!", "!-1", "!$",
		"$HOME", "${HOME}", "$(touch pwned)", "`touch pwned`", "(touch pwned)", "';touch pwned;'",
		"\";touch pwned;\"", "%PATH%", "%%", "^", "*", "?", "[a]", "{a,b}", "~", "~root", "a ~b", "=1", "a =1",
		"\n", "\r\n", "a\nb", "a\n\nb\n", "\t", "line1\ntouch pwned\n", "# not a comment", ";", "&", "|",
		"é", "漢字", "😀", "\u2018quoted\u2019", "\u201cdq\u201d", "\u00a0nbsp", "\u2028", "\u0085",
		"\xff", "\xc3", "a\xc3(", "\xe2\x80", "Ω\xff'\\$",
		"tcp://192.168.99.100:2376", "/home/ann/.docker/machine/machines/dev", `C:\Users\Ann\.docker`,
	}
	for c := 1; c < 0x80; c++ {
		values = append(values, string(rune(c)), "a"+string(rune(c))+"b")
	}
	return values
}

// randomValues returns n values built from the characters that are hard to
// quote, from a generator seeded with seed so a failure repeats.
func randomValues(seed uint64, n int) []string {
	rng := rand.New(rand.NewPCG(seed, seed))
	specials := []byte("'\"\\$`!%^&|<>(){}[]*?~=#;, -\n\t\r")
	runes := []string{"é", "漢", "😀", "\u2018", "\u00a0", "\u2028", "\u0085"}

	values := make([]string, n)
	for i := range values {
		var b strings.Builder
		for range rng.IntN(24) {
			switch k := rng.IntN(10); {
			case k < 4:
				b.WriteByte(specials[rng.IntN(len(specials))])
			case k < 6:
				b.WriteByte(byte('a' + rng.IntN(26)))
			case k < 8:
				b.WriteString(runes[rng.IntN(len(runes))])
			case k < 9:
				b.WriteByte(byte(1 + rng.IntN(0x7f)))
			default:
				b.WriteByte(byte(0x80 + rng.IntN(0x80)))
			}
		}
		values[i] = b.String()
	}
	return values
}

// realShell describes how a test runs one shell on the output of EnvScript.
type realShell struct {
	name  string
	label string
	// command returns the argument list that loads envFile as the hint
	// shows and then sources printFile.
	command func(envFile, printFile string) []string
	// printLine returns the line that writes the value of name to path.
	printLine func(name, path string) string
	// trailingNewline is true when printLine adds a newline after the value.
	trailingNewline bool
	env             []string
}

var realShells = []realShell{
	{
		name: "bash",
		command: func(envFile, printFile string) []string {
			return []string{"bash", "--norc", "--noprofile", "-c", `eval "$(cat "$1")" && . "$2"`, "bash", envFile, printFile}
		},
		printLine: func(name, path string) string { return fmt.Sprintf("printf '%%s' \"$%s\" > '%s'\n", name, path) },
	},
	{
		name: "zsh",
		command: func(envFile, printFile string) []string {
			return []string{"zsh", "-f", "-c", `eval "$(<$1)" && . "$2"`, "zsh", envFile, printFile}
		},
		printLine: func(name, path string) string { return fmt.Sprintf("printf '%%s' \"$%s\" > '%s'\n", name, path) },
	},
	{
		name:  "zsh",
		label: "rcquotes",
		command: func(envFile, printFile string) []string {
			return []string{"zsh", "-f", "-c", `setopt rcquotes; eval "$(<$1)" && . "$2"`, "zsh", envFile, printFile}
		},
		printLine: func(name, path string) string { return fmt.Sprintf("printf '%%s' \"$%s\" > '%s'\n", name, path) },
	},
	{
		name: "fish",
		command: func(envFile, printFile string) []string {
			return []string{"fish", "--no-config", "-c", `cat $argv[1] | source; and source $argv[2]`, envFile, printFile}
		},
		printLine: func(name, path string) string { return fmt.Sprintf("printf '%%s' \"$%s\" > '%s'\n", name, path) },
		env:       []string{"LC_ALL=C.UTF-8"},
	},
	{
		name: "fish",
		command: func(envFile, printFile string) []string {
			return []string{"fish", "--no-config", "-c", `cat $argv[1] | source; and source $argv[2]`, envFile, printFile}
		},
		printLine: func(name, path string) string { return fmt.Sprintf("printf '%%s' \"$%s\" > '%s'\n", name, path) },
		env:       []string{"LC_ALL=C"},
		label:     "C locale",
	},
	{
		name: "tcsh",
		command: func(envFile, printFile string) []string {
			return []string{"tcsh", "-f", "-c", "eval `cat " + envFile + "`; source " + printFile}
		},
		printLine:       func(name, path string) string { return fmt.Sprintf("printenv %s > '%s'\n", name, path) },
		trailingNewline: true,
	},
}

// TestEnvScriptRealShells loads the output of EnvScript into each real shell
// and compares the exported values byte for byte.
func TestEnvScriptRealShells(t *testing.T) {
	values := append(nastyValues(), randomValues(20261204, 400)...)

	for _, rs := range realShells {
		t.Run(strings.TrimSpace(rs.name+" "+rs.label), func(t *testing.T) {
			if _, err := exec.LookPath(rs.name); err != nil {
				t.Skipf("%s is not installed", rs.name)
			}
			sh, err := Lookup(rs.name)
			if err != nil {
				t.Fatal(err)
			}

			const batch = 100
			for start := 0; start < len(values); start += batch {
				end := min(start+batch, len(values))
				checkValuesInShell(t, rs, sh, values[start:end])
			}
		})
	}
}

func checkValuesInShell(t *testing.T, rs realShell, sh Shell, values []string) {
	t.Helper()
	dir := t.TempDir()
	outDir := filepath.Join(dir, "out")
	if err := os.Mkdir(outDir, 0o700); err != nil {
		t.Fatal(err)
	}

	var vars []Var
	var printScript strings.Builder
	for i, value := range values {
		name := fmt.Sprintf("V%d", i)
		if _, err := sh.Export(Var{name, value}); err != nil {
			if strings.IndexByte(value, 0) < 0 && rs.name != "tcsh" {
				t.Errorf("%s Export(%q): %v", rs.name, value, err)
			}
			continue
		}
		vars = append(vars, Var{name, value})
		printScript.WriteString(rs.printLine(name, filepath.Join(outDir, name)))
	}

	// The hint must stay inert when the script is loaded.
	script, err := EnvScript(sh, vars, "touch pwned")
	if err != nil {
		t.Fatal(err)
	}
	envFile := filepath.Join(dir, "env")
	printFile := filepath.Join(dir, "print")
	writeFile(t, envFile, script)
	writeFile(t, printFile, printScript.String())

	args := rs.command(envFile, printFile)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), rs.env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s failed: %v\n%s\nscript:\n%s", rs.name, err, out, script)
	}

	for _, v := range vars {
		got, err := os.ReadFile(filepath.Join(outDir, v.Name))
		if err != nil {
			t.Errorf("%s did not write %s for %q: %v", rs.name, v.Name, v.Value, err)
			continue
		}
		want := v.Value
		if rs.trailingNewline {
			want += "\n"
		}
		if string(got) != want {
			line, _ := sh.Export(v)
			t.Errorf("%s read %q as %q\n  code: %s", rs.name, v.Value, got, line)
		}
	}

	if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
		t.Errorf("%s ran code from a value: file pwned exists", rs.name)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
