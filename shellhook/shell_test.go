package shellhook

import (
	"errors"
	"strings"
	"testing"
)

var dockerVars = []Var{
	{"DOCKER_TLS_VERIFY", "1"},
	{"DOCKER_HOST", "tcp://192.168.99.100:2376"},
	{"DOCKER_CERT_PATH", "/home/ann/.docker/machine/machines/dev"},
	{"DOCKER_MACHINE_NAME", "dev"},
}

var dockerNames = []string{"DOCKER_TLS_VERIFY", "DOCKER_HOST", "DOCKER_CERT_PATH", "DOCKER_MACHINE_NAME"}

func TestEnvScriptDockerMachineForm(t *testing.T) {
	tests := map[string]string{
		"bash": `export DOCKER_TLS_VERIFY="1"
export DOCKER_HOST="tcp://192.168.99.100:2376"
export DOCKER_CERT_PATH="/home/ann/.docker/machine/machines/dev"
export DOCKER_MACHINE_NAME="dev"
# Run this command to configure your shell:
# eval "$(machina env dev)"
`,
		"fish": `set -gx DOCKER_TLS_VERIFY "1";
set -gx DOCKER_HOST "tcp://192.168.99.100:2376";
set -gx DOCKER_CERT_PATH "/home/ann/.docker/machine/machines/dev";
set -gx DOCKER_MACHINE_NAME "dev";
# Run this command to configure your shell:
# machina env dev | source
`,
		"powershell": `$Env:DOCKER_TLS_VERIFY = "1"
$Env:DOCKER_HOST = "tcp://192.168.99.100:2376"
$Env:DOCKER_CERT_PATH = "/home/ann/.docker/machine/machines/dev"
$Env:DOCKER_MACHINE_NAME = "dev"
# Run this command to configure your shell:
# & machina env dev | Invoke-Expression
`,
		"cmd": `SET DOCKER_TLS_VERIFY=1
SET DOCKER_HOST=tcp://192.168.99.100:2376
SET DOCKER_CERT_PATH=/home/ann/.docker/machine/machines/dev
SET DOCKER_MACHINE_NAME=dev
REM Run this command to configure your shell:
REM @FOR /f "tokens=*" %i IN ('machina env dev') DO @%i
`,
		"tcsh": "setenv DOCKER_TLS_VERIFY \"1\";\n" +
			"setenv DOCKER_HOST \"tcp://192.168.99.100:2376\";\n" +
			"setenv DOCKER_CERT_PATH \"/home/ann/.docker/machine/machines/dev\";\n" +
			"setenv DOCKER_MACHINE_NAME \"dev\";\n" +
			": 'Run this command to configure your shell:'\n" +
			": 'eval `machina env dev`'\n",
		"emacs": `(setenv "DOCKER_TLS_VERIFY" "1")
(setenv "DOCKER_HOST" "tcp://192.168.99.100:2376")
(setenv "DOCKER_CERT_PATH" "/home/ann/.docker/machine/machines/dev")
(setenv "DOCKER_MACHINE_NAME" "dev")
;; Run this command to configure your shell:
;; (with-temp-buffer (shell-command "machina env dev" (current-buffer)) (eval-buffer))
`,
		"nu": `$env.DOCKER_TLS_VERIFY = "1"
$env.DOCKER_HOST = "tcp://192.168.99.100:2376"
$env.DOCKER_CERT_PATH = "/home/ann/.docker/machine/machines/dev"
$env.DOCKER_MACHINE_NAME = "dev"
# Run this command to configure your shell:
# machina env dev | save --force machina-env.nu
# source machina-env.nu
`,
	}
	tests["zsh"] = tests["bash"]

	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			sh, err := Lookup(name)
			if err != nil {
				t.Fatal(err)
			}
			got, err := EnvScript(sh, dockerVars, "machina env dev")
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("EnvScript:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestUnsetScriptDockerMachineForm(t *testing.T) {
	tests := map[string]string{
		"bash":       "unset DOCKER_TLS_VERIFY\nunset DOCKER_HOST\n",
		"fish":       "set -e DOCKER_TLS_VERIFY;\nset -e DOCKER_HOST;\n",
		"powershell": "Remove-Item Env:\\\\DOCKER_TLS_VERIFY\nRemove-Item Env:\\\\DOCKER_HOST\n",
		"cmd":        "SET DOCKER_TLS_VERIFY=\nSET DOCKER_HOST=\n",
		"tcsh":       "unsetenv DOCKER_TLS_VERIFY;\nunsetenv DOCKER_HOST;\n",
		"emacs":      "(setenv \"DOCKER_TLS_VERIFY\" nil)\n(setenv \"DOCKER_HOST\" nil)\n",
		"nu":         "hide-env DOCKER_TLS_VERIFY\nhide-env DOCKER_HOST\n",
	}

	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			sh, err := Lookup(name)
			if err != nil {
				t.Fatal(err)
			}
			got, err := UnsetScript(sh, dockerNames[:2], "")
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("UnsetScript:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestUnsetScriptHint(t *testing.T) {
	got, err := UnsetScript(bash{}, []string{"DOCKER_HOST"}, "machina env -u")
	if err != nil {
		t.Fatal(err)
	}
	want := "unset DOCKER_HOST\n# Run this command to configure your shell:\n# eval \"$(machina env -u)\"\n"
	if got != want {
		t.Errorf("UnsetScript = %q, want %q", got, want)
	}
}

func TestExportQuoting(t *testing.T) {
	tests := []struct {
		shell, value, want string
	}{
		{"bash", "", `export V=""` + "\n"},
		{"bash", "a b", `export V="a b"` + "\n"},
		{"bash", "$HOME", `export V='$HOME'` + "\n"},
		{"bash", "it's", `export V="it's"` + "\n"},
		{"bash", "it's $x", `export V='it'\''s $x'` + "\n"},
		{"bash", "'$", `export V=\''$'` + "\n"},
		{"bash", "''`", `export V=\'\''` + "`" + `'` + "\n"},
		{"bash", "héllo", `export V='héllo'` + "\n"},
		{"bash", "a\nb", `export V=$'a\x0ab'` + "\n"},
		{"bash", "\xff'\\", `export V=$'\xff\'\\'` + "\n"},
		{"fish", "", `set -gx V "";` + "\n"},
		{"fish", "$HOME", `set -gx V '$HOME';` + "\n"},
		{"fish", `it's \`, `set -gx V 'it\'s \\';` + "\n"},
		{"fish", "a\nb", `set -gx V 'a'\x0a'b';` + "\n"},
		{"fish", "\n", `set -gx V \x0a;` + "\n"},
		{"fish", "é\xff", `set -gx V 'é'\Xff;` + "\n"},
		{"powershell", "it's $x", `$Env:V = 'it''s $x'` + "\n"},
		{"powershell", "a\nb", `$Env:V = ('a' + [char]0x000A + 'b')` + "\n"},
		{"powershell", "\u2018", `$Env:V = [char]0x2018` + "\n"},
		{"powershell", "😀", `$Env:V = ([char]0xD83D + [char]0xDE00)` + "\n"},
		{"tcsh", "a b", `setenv V "a b";` + "\n"},
		{"tcsh", "it's!", `setenv V 'it'\''s\!';` + "\n"},
		{"emacs", "a\"b\\c\nd\x01", `(setenv "V" "a\"b\\c\nd\001")` + "\n"},
		{"nu", "a\"b\\c\nd\x01", `$env.V = "a\"b\\c\nd\u{1}"` + "\n"},
	}

	for _, tt := range tests {
		sh, err := Lookup(tt.shell)
		if err != nil {
			t.Fatal(err)
		}
		got, err := sh.Export(Var{"V", tt.value})
		if err != nil {
			t.Errorf("%s Export(%q): %v", tt.shell, tt.value, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s Export(%q) = %s, want %s", tt.shell, tt.value, got, tt.want)
		}
	}
}

func TestExportRejectsUnsafe(t *testing.T) {
	tests := []struct {
		shell, value string
	}{
		{"bash", "a\x00b"},
		{"fish", "\x00"},
		{"cmd", "100%"},
		{"cmd", "a^b"},
		{"cmd", "a&b"},
		{"cmd", "a|b"},
		{"cmd", "a<b"},
		{"cmd", "a>b"},
		{"cmd", `a"b`},
		{"cmd", "a\nb"},
		{"cmd", "a!b"},
		{"tcsh", "a\nb"},
		{"tcsh", "a\tb"},
		{"tcsh", "a  b"},
		{"tcsh", "{a,b}"},
		{"tcsh", "*"},
		{"tcsh", "a ~b"},
		{"tcsh", "\xff"},
		{"powershell", "\xff"},
		{"nu", "\xff"},
	}

	for _, tt := range tests {
		sh, err := Lookup(tt.shell)
		if err != nil {
			t.Fatal(err)
		}
		got, err := sh.Export(Var{"V", tt.value})
		if err == nil {
			t.Errorf("%s Export(%q) = %q, want an error", tt.shell, tt.value, got)
			continue
		}
		if !strings.Contains(err.Error(), "V=") && !strings.Contains(err.Error(), "NUL") {
			t.Errorf("%s Export(%q) error %q does not name the variable", tt.shell, tt.value, err)
		}
	}
}

func TestEnvScriptRejectsNUL(t *testing.T) {
	for _, name := range ShellNames() {
		sh, _ := Lookup(name)
		if _, err := EnvScript(sh, []Var{{"V", "a\x00"}}, "machina env dev"); err == nil {
			t.Errorf("%s: EnvScript with NUL in a value returned no error", name)
		}
	}
}

func TestEnvScriptRejectsBadNames(t *testing.T) {
	for _, name := range ShellNames() {
		sh, _ := Lookup(name)
		for _, bad := range []string{"", "1A", "A-B", "A B", "A=B", "A;B", "É"} {
			if _, err := EnvScript(sh, []Var{{bad, "x"}}, ""); err == nil {
				t.Errorf("%s: EnvScript with variable name %q returned no error", name, bad)
			}
			if _, err := UnsetScript(sh, []string{bad}, ""); err == nil {
				t.Errorf("%s: UnsetScript with variable name %q returned no error", name, bad)
			}
		}
	}
}

func TestEnvScriptRejectsHintWithNewline(t *testing.T) {
	_, err := EnvScript(bash{}, nil, "machina env dev\nrm -rf ~")
	if err == nil {
		t.Fatal("EnvScript with a newline in the hint returned no error")
	}
}

func TestLookupAliases(t *testing.T) {
	tests := map[string]string{"sh": "bash", "pwsh": "powershell", "csh": "tcsh", "zsh": "zsh"}
	for name, want := range tests {
		sh, err := Lookup(name)
		if err != nil {
			t.Errorf("Lookup(%q): %v", name, err)
			continue
		}
		if sh.Name() != want {
			t.Errorf("Lookup(%q).Name() = %q, want %q", name, sh.Name(), want)
		}
	}
}

func TestLookupUnknown(t *testing.T) {
	_, err := Lookup("ksh")
	if !errors.Is(err, ErrUnknownShell) {
		t.Fatalf("Lookup(ksh) error = %v, want ErrUnknownShell", err)
	}
	for _, want := range []string{`"ksh"`, "bash", "cmd", "emacs", "fish", "nu", "powershell", "tcsh", "zsh"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Lookup(ksh) error %q does not contain %s", err, want)
		}
	}
}

func TestDetect(t *testing.T) {
	tests := map[string]string{
		"":                    "bash",
		"/bin/bash":           "bash",
		"/usr/bin/zsh":        "zsh",
		"/usr/local/bin/fish": "fish",
		"/bin/sh":             "sh",
		"/bin/ksh":            "ksh",
		"tcsh":                "tcsh",
		`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`: "powershell",
	}
	for in, want := range tests {
		if got := Detect(in); got != want {
			t.Errorf("Detect(%q) = %q, want %q", in, got, want)
		}
	}
}
