package provision

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Replies that a test puts before newFakeRunner's defaults.
var (
	noSystemd   = reply{match: "test -d /run/systemd/system", status: 1}
	noDocker    = reply{match: "command -v docker >", status: 1}
	dockerFound = reply{match: "command -v docker >"}
)

func provisionFake(t *testing.T, r *fakeRunner, change func(*Options)) error {
	t.Helper()
	certs := newTestCerts(t, "127.0.0.1")
	engine := startFakeEngine(t, certs, 0)
	opts := certs.options("127.0.0.1", engine.port)
	opts.Timeout = 5 * time.Second
	if change != nil {
		change(&opts)
	}
	return Provision(context.Background(), r, opts)
}

func TestProvisionReportsSteps(t *testing.T) {
	r := newFakeRunner()
	var steps []string
	err := provisionFake(t, r, func(o *Options) {
		o.Progress = func(step, detail string, took time.Duration) {
			if took < 0 {
				t.Errorf("step %q took %s", step, took)
			}
			steps = append(steps, step)
		}
	})
	if err != nil {
		t.Fatalf("Provision: %v", err)
	}

	want := "OS,engine install,TLS configuration,engine ready"
	if got := strings.Join(steps, ","); got != want {
		t.Errorf("steps = %s, want %s", got, want)
	}
}

func TestProvisionWritesCerts(t *testing.T) {
	r := newFakeRunner()
	if err := provisionFake(t, r, nil); err != nil {
		t.Fatalf("Provision: %v", err)
	}

	for path, mode := range map[string]os.FileMode{
		"/etc/docker/ca.pem":         0o644,
		"/etc/docker/server.pem":     0o644,
		"/etc/docker/server-key.pem": 0o600,
	} {
		f, ok := r.files[path]
		if !ok {
			t.Errorf("%s not written", path)
			continue
		}
		if f.mode != mode {
			t.Errorf("%s mode = %o, want %o", path, f.mode, mode)
		}
	}
	if !bytes.Contains(r.files["/etc/docker/server-key.pem"].data, []byte("PRIVATE KEY")) {
		t.Error("server-key.pem does not contain the server key")
	}
}

func TestProvisionSetsHostname(t *testing.T) {
	r := newFakeRunner()
	err := provisionFake(t, r, func(o *Options) { o.Hostname = "web-1" })
	if err != nil {
		t.Fatalf("Provision: %v", err)
	}

	if len(r.ran("hostname 'web-1'")) != 1 {
		t.Errorf("hostname not set; commands:\n%s", strings.Join(r.commands, "\n"))
	}
}

func TestProvisionRejectsInvalidHostname(t *testing.T) {
	r := newFakeRunner()
	err := provisionFake(t, r, func(o *Options) { o.Hostname = "a;reboot" })
	if err == nil || !strings.Contains(err.Error(), `invalid hostname "a;reboot"`) {
		t.Errorf("Provision error = %v, want an invalid hostname error", err)
	}
	if len(r.commands) != 0 {
		t.Errorf("ran %q before checking the options", r.commands)
	}
}

func TestProvisionSkipsInstallWhenDockerFound(t *testing.T) {
	r := newFakeRunner(dockerFound)
	if err := provisionFake(t, r, nil); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	for _, cmd := range []string{"apt-get", "dnf", "apk", "get.docker.com"} {
		if got := r.ran(cmd); len(got) != 0 {
			t.Errorf("ran %q although docker is installed", got)
		}
	}
}

func TestProvisionInstallsThroughSudo(t *testing.T) {
	// docker is missing at first and present after the install.
	r := newFakeRunner(reply{match: "command -v docker >", status: 1, times: 1})
	r.user = "debian"
	if err := provisionFake(t, r, nil); err != nil {
		t.Fatalf("Provision: %v", err)
	}

	installs := r.ran("apt-get install -y docker.io")
	if len(installs) != 1 {
		t.Fatalf("apt-get install ran %d times, want 1", len(installs))
	}
	if !strings.HasPrefix(installs[0], "sudo -n sh -c ") {
		t.Errorf("install ran without sudo: %q", installs[0])
	}
	if !strings.Contains(installs[0], "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y docker.io") {
		t.Errorf("install command = %q", installs[0])
	}
}

func TestProvisionRootCommandsUseSudo(t *testing.T) {
	r := newFakeRunner()
	r.user = "debian"
	if err := provisionFake(t, r, func(o *Options) { o.Hostname = "web-1" }); err != nil {
		t.Fatalf("Provision: %v", err)
	}

	for _, cmd := range r.commands {
		readOnly := cmd == "cat /etc/os-release" || cmd == "test -d /run/systemd/system"
		if !readOnly && !strings.HasPrefix(cmd, "sudo -n sh -c ") {
			t.Errorf("ran %q without sudo", cmd)
		}
	}
}

func TestProvisionInstallNone(t *testing.T) {
	r := newFakeRunner(noDocker)
	err := provisionFake(t, r, func(o *Options) { o.Engine.InstallURL = InstallNone })
	if err == nil {
		t.Fatal("Provision succeeded without docker and with installing turned off")
	}
	for _, part := range []string{"docker is not installed", "turned off"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not contain %q", err, part)
		}
	}
}

func TestProvisionStillMissingAfterInstall(t *testing.T) {
	r := newFakeRunner(noDocker)
	err := provisionFake(t, r, nil)
	if err == nil || !strings.Contains(err.Error(), "still missing") {
		t.Errorf("Provision error = %v, want one saying docker is still missing", err)
	}
}

func TestInstallCommand(t *testing.T) {
	tests := []struct {
		family, url, want string
	}{
		{FamilyDebian, "", "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y docker.io"},
		{FamilyFedora, "", "dnf install -y moby-engine"},
		{FamilyAlpine, "", "apk add docker && rc-update add docker default"},
		{FamilyRHEL, "", "'https://get.docker.com'"},
		{FamilyDebian, "https://example.com/install.sh", "'https://example.com/install.sh'"},
		{FamilyRHEL, "https://example.com/a'b.sh", `'https://example.com/a'\''b.sh'`},
	}
	for _, test := range tests {
		cmd, err := installCommand(OS{ID: test.family, Family: test.family}, test.url)
		if err != nil {
			t.Errorf("installCommand(%s, %q): %v", test.family, test.url, err)
			continue
		}
		if !strings.Contains(cmd, test.want) {
			t.Errorf("installCommand(%s, %q) = %q, want it to contain %q", test.family, test.url, cmd, test.want)
		}
	}
}

func TestInstallCommandScriptDownloadsFirst(t *testing.T) {
	cmd, err := installCommand(OS{ID: "rocky", Family: FamilyRHEL}, "")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(cmd, "| sh") {
		t.Errorf("script install pipes into sh, so a failed download runs a partial script: %q", cmd)
	}
	if !strings.Contains(cmd, "curl -fsSL") || !strings.Contains(cmd, `sh "$tmp"`) {
		t.Errorf("script install = %q, want curl -fsSL to a file, then sh on it", cmd)
	}
}

func TestInstallCommandInvalid(t *testing.T) {
	for _, url := range []string{InstallNone, "ftp://example.com/x", "not a url", "https://"} {
		if cmd, err := installCommand(OS{Family: FamilyDebian}, url); err == nil {
			t.Errorf("installCommand(%q) = %q, want an error", url, cmd)
		}
	}
}

func TestProvisionSystemd(t *testing.T) {
	r := newFakeRunner(dockerFound)
	err := provisionFake(t, r, func(o *Options) {
		o.Engine.Labels = []string{"provider=generic"}
	})
	if err != nil {
		t.Fatalf("Provision: %v", err)
	}

	dropIn, ok := r.files["/etc/systemd/system/docker.service.d/10-machine.conf"]
	if !ok {
		t.Fatalf("drop-in not written; files: %v", fileNames(r))
	}
	if !strings.Contains(string(dropIn.data), "ExecStart=\nExecStart=/usr/bin/dockerd --host=tcp://0.0.0.0:") {
		t.Errorf("drop-in does not reset ExecStart and start the dockerd found:\n%s", dropIn.data)
	}
	if len(r.ran("systemctl daemon-reload && systemctl restart docker")) != 1 {
		t.Errorf("engine not restarted through systemd; commands:\n%s", strings.Join(r.commands, "\n"))
	}
	if _, ok := r.files["/etc/default/docker"]; ok {
		t.Error("wrote /etc/default/docker on a systemd host")
	}
}

func TestProvisionSysV(t *testing.T) {
	r := newFakeRunner(dockerFound, noSystemd)
	if err := provisionFake(t, r, nil); err != nil {
		t.Fatalf("Provision: %v", err)
	}

	opts, ok := r.files["/etc/default/docker"]
	if !ok {
		t.Fatalf("/etc/default/docker not written; files: %v", fileNames(r))
	}
	if !strings.HasPrefix(lastLine(opts.data), "DOCKER_OPTS='--host=tcp://0.0.0.0:") {
		t.Errorf("/etc/default/docker does not set DOCKER_OPTS:\n%s", opts.data)
	}
	if len(r.ran("service docker restart || service docker start")) != 1 {
		t.Errorf("engine not restarted through service; commands:\n%s", strings.Join(r.commands, "\n"))
	}
	if _, ok := r.files[SystemdDropInPath]; ok {
		t.Error("wrote a systemd drop-in on a host without systemd")
	}
}

func TestProvisionAlpine(t *testing.T) {
	r := newFakeRunner(dockerFound, noSystemd, reply{match: "cat /etc/os-release", stdout: "ID=alpine\nVERSION_ID=3.19.1\n"})
	if err := provisionFake(t, r, nil); err != nil {
		t.Fatalf("Provision: %v", err)
	}

	if _, ok := r.files["/etc/conf.d/docker"]; !ok {
		t.Errorf("/etc/conf.d/docker not written; files: %v", fileNames(r))
	}
	if len(r.ran("rc-service docker restart || rc-service docker start")) != 1 {
		t.Errorf("engine not restarted through rc-service; commands:\n%s", strings.Join(r.commands, "\n"))
	}
}

func TestProvisionRHELWithoutSystemd(t *testing.T) {
	r := newFakeRunner(dockerFound, noSystemd, reply{match: "cat /etc/os-release", stdout: "ID=centos\nVERSION_ID=6\n"})
	err := provisionFake(t, r, nil)
	if err == nil || !strings.Contains(err.Error(), "centos runs without systemd") {
		t.Errorf("Provision error = %v, want one saying centos runs without systemd", err)
	}
}

func TestProvisionDaemonJSONHostsClash(t *testing.T) {
	daemonJSON := reply{match: "cat /etc/docker/daemon.json", stdout: `{"hosts": ["unix:///var/run/docker.sock"], "log-driver": "json-file"}`}
	r := newFakeRunner(dockerFound, daemonJSON)
	err := provisionFake(t, r, nil)
	if err == nil {
		t.Fatal("Provision succeeded with hosts in daemon.json")
	}
	for _, part := range []string{"/etc/docker/daemon.json", `"hosts"`, "remove that key"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not contain %q", err, part)
		}
	}
	if len(r.ran("systemctl restart")) != 0 {
		t.Error("restarted the engine despite the clash")
	}
}

func TestProvisionDaemonJSONWithoutClash(t *testing.T) {
	daemonJSON := reply{match: "cat /etc/docker/daemon.json", stdout: `{"log-driver": "json-file", "storage-driver": "overlay2"}`}
	r := newFakeRunner(dockerFound, daemonJSON)
	if err := provisionFake(t, r, nil); err != nil {
		t.Fatalf("Provision: %v", err)
	}
}

func TestDaemonJSONClashes(t *testing.T) {
	engine := Engine{
		StorageDriver:  "vfs",
		Labels:         []string{"a=b"},
		RegistryMirror: []string{"https://mirror.example"},
		ArbitraryFlags: []string{"iptables=false"},
	}
	daemonJSON := `{"storage-driver":"overlay2","labels":["x=y"],"registry-mirrors":[],"iptables":true,"tlsverify":true,"debug":true}`

	clashes, err := daemonJSONClashes([]byte(daemonJSON), engine)
	if err != nil {
		t.Fatal(err)
	}
	want := "tlsverify,storage-driver,labels,registry-mirrors,iptables"
	if got := strings.Join(clashes, ","); got != want {
		t.Errorf("clashes = %s, want %s", got, want)
	}
}

func TestDaemonJSONInvalid(t *testing.T) {
	_, err := daemonJSONClashes([]byte(`{"hosts": [`), Engine{})
	if err == nil || !strings.Contains(err.Error(), "/etc/docker/daemon.json") {
		t.Errorf("error = %v, want a parse error naming the file", err)
	}
}

func TestSystemdDropIn(t *testing.T) {
	engine := Engine{
		Port:             2376,
		StorageDriver:    "vfs",
		Labels:           []string{"provider=generic", `note=it's "quoted" $HOME 100%`},
		Env:              []string{"HTTP_PROXY=http://proxy:3128", `QUOTE=a "b" $c`},
		InsecureRegistry: []string{"10.0.0.1:5000"},
		RegistryMirror:   []string{"https://mirror.example"},
		ArbitraryFlags:   []string{"iptables=false", "--debug"},
	}

	got, err := systemdDropIn("/usr/bin/dockerd", engine)
	if err != nil {
		t.Fatal(err)
	}

	want := `# Written by machina provision; it is rewritten on each provision.
[Service]
Environment=HTTP_PROXY=http://proxy:3128
Environment="QUOTE=a \"b\" $c"
ExecStart=
ExecStart=/usr/bin/dockerd --host=tcp://0.0.0.0:2376 --host=unix:///var/run/docker.sock --tlsverify --tlscacert=/etc/docker/ca.pem --tlscert=/etc/docker/server.pem --tlskey=/etc/docker/server-key.pem --storage-driver=vfs --label=provider=generic "--label=note=it's \"quoted\" $$HOME 100%%" --insecure-registry=10.0.0.1:5000 --registry-mirror=https://mirror.example --iptables=false --debug
`
	if got != want {
		t.Errorf("drop-in:\n%s\nwant:\n%s", got, want)
	}
}

func TestOptsFile(t *testing.T) {
	engine := Engine{
		Port:           2376,
		Labels:         []string{"provider=generic"},
		Env:            []string{`QUOTE=it's $(id) "x"`},
		ArbitraryFlags: []string{"iptables=false"},
	}

	got, err := optsFile(DebianOptsPath, engine)
	if err != nil {
		t.Fatal(err)
	}

	want := `# Written by machina provision; it is rewritten on each provision.
DOCKER_OPTS='--host=tcp://0.0.0.0:2376 --host=unix:///var/run/docker.sock --tlsverify --tlscacert=/etc/docker/ca.pem --tlscert=/etc/docker/server.pem --tlskey=/etc/docker/server-key.pem --label=provider=generic --iptables=false'
export QUOTE='it'\''s $(id) "x"'
`
	if got != want {
		t.Errorf("options file:\n%s\nwant:\n%s", got, want)
	}
}

// TestOptsFileSourcedByShell sources the options file as the init script does
// and checks that nothing in it ran and every value arrived literally.
func TestOptsFileSourcedByShell(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "ran")
	value := `it's $(touch ` + marker + `) ` + "`touch " + marker + "`" + ` "x" \ *`
	engine := Engine{Env: []string{"QUOTE=" + value}}

	content, err := optsFile(DebianOptsPath, engine)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "docker")
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}

	out, err := exec.Command("sh", "-c", `. "$1" && printf '%s' "$QUOTE"`, "sh", file).Output()
	if err != nil {
		t.Fatalf("source the options file: %v", err)
	}
	if string(out) != value {
		t.Errorf("QUOTE = %q, want %q", out, value)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("sourcing the options file ran a command")
	}
}

func TestOptsFileRejectsUnsafeLabel(t *testing.T) {
	label := `note=it's"$HOME`
	_, err := optsFile(DebianOptsPath, Engine{Labels: []string{label}})
	if err == nil {
		t.Fatal("optsFile accepted a label with a quote and $ in DOCKER_OPTS")
	}
	for _, part := range []string{fmt.Sprintf("%q", "--label="+label), DebianOptsPath} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not contain %q", err, part)
		}
	}
}

func TestEngineArgsRejectsInvalidOptions(t *testing.T) {
	tests := []struct {
		name   string
		engine Engine
	}{
		{"label without value", Engine{Labels: []string{"novalue"}}},
		{"newline in label", Engine{Labels: []string{"a=b\nExecStartPre=/bin/evil"}}},
		{"flag with space in name", Engine{ArbitraryFlags: []string{"bad name=1"}}},
		{"flag starting with dash after --", Engine{ArbitraryFlags: []string{"---x"}}},
		{"env without name", Engine{Env: []string{"=x"}}},
		{"env with invalid name", Engine{Env: []string{"A-B=x"}}},
		{"newline in env", Engine{Env: []string{"A=x\ny"}}},
	}
	for _, test := range tests {
		if args, err := engineArgs(test.engine); err == nil {
			t.Errorf("%s: engineArgs = %q, want an error", test.name, args)
		}
	}
}

func TestSystemdQuote(t *testing.T) {
	tests := []struct {
		in   string
		exec bool
		want string
	}{
		{"--tlsverify", true, "--tlsverify"},
		{"", true, `""`},
		{"a b", true, `"a b"`},
		{`a"b\c`, true, `"a\"b\\c"`},
		{"$HOME", true, `"$$HOME"`},
		{"$HOME", false, `"$HOME"`},
		{"100%", false, `"100%%"`},
	}
	for _, test := range tests {
		if got := systemdQuote(test.in, test.exec); got != test.want {
			t.Errorf("systemdQuote(%q, %v) = %s, want %s", test.in, test.exec, got, test.want)
		}
	}
}

func TestHostnameScript(t *testing.T) {
	tests := []struct {
		name, hosts, want string
	}{
		{"replaces 127.0.1.1", "127.0.0.1 localhost\n127.0.1.1 old\n", "127.0.0.1 localhost\n127.0.1.1 web-1.lan\n"},
		{"adds 127.0.1.1", "127.0.0.1 localhost\n", "127.0.0.1 localhost\n127.0.1.1 web-1.lan\n"},
		{"keeps a listed name", "10.0.0.5 web-1.lan\n127.0.1.1 old\n", "10.0.0.5 web-1.lan\n127.0.1.1 old\n"},
		{"dot is not a wildcard", "127.0.0.1 localhost web-1xlan\n", "127.0.0.1 localhost web-1xlan\n127.0.1.1 web-1.lan\n"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			dir := t.TempDir()
			hosts := filepath.Join(dir, "hosts")
			hostname := filepath.Join(dir, "hostname")
			if err := os.WriteFile(hosts, []byte(test.hosts), 0o644); err != nil {
				t.Fatal(err)
			}

			// Run the script on copies: the hostname command is left out.
			script := hostnameScript("web-1.lan")
			script = strings.Replace(script, "hostname 'web-1.lan' &&", "true &&", 1)
			script = strings.ReplaceAll(script, "/etc/hostname", hostname)
			script = strings.ReplaceAll(script, "/etc/hosts", hosts)
			if out, err := exec.Command("sh", "-c", script).CombinedOutput(); err != nil {
				t.Fatalf("script failed: %v\n%s", err, out)
			}

			got, _ := os.ReadFile(hosts)
			if string(got) != test.want {
				t.Errorf("/etc/hosts = %q, want %q", got, test.want)
			}
			name, _ := os.ReadFile(hostname)
			if string(name) != "web-1.lan\n" {
				t.Errorf("/etc/hostname = %q, want %q", name, "web-1.lan\n")
			}
		})
	}
}

func TestProvisionAddsEngineLogOnTimeout(t *testing.T) {
	r := newFakeRunner(dockerFound, noSystemd, reply{match: "tail -n 20 /var/log/docker.log", stdout: "unknown flag: --bogus\n"})
	certs := newTestCerts(t, "127.0.0.1")
	engine := startFakeEngine(t, certs, 1<<30) // never ready
	opts := certs.options("127.0.0.1", engine.port)
	opts.Timeout = 700 * time.Millisecond

	err := Provision(context.Background(), r, opts)
	if err == nil {
		t.Fatal("Provision succeeded against an engine that never answers OK")
	}
	if !strings.Contains(err.Error(), "unknown flag: --bogus") {
		t.Errorf("error %q does not contain the engine log", err)
	}
}

func fileNames(r *fakeRunner) []string {
	var names []string
	for name := range r.files {
		names = append(names, name)
	}
	return names
}

func lastLine(data []byte) string {
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	return lines[len(lines)-1]
}
