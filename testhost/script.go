package testhost

import (
	"os"
	"regexp"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"
)

const scriptUsage = `usage:
  testhost start NAME [--no-sshd]   start a host; sets NAME_ADDR, NAME_KEY, NAME_HOSTKEY, NAME_NS
  testhost exec NAME CMD [ARG...]   run CMD inside the host
  testhost rekey NAME               replace the host's sshd host key and restart sshd
  testhost busybox FILE             write a busybox image tar for docker import`

// Cmds returns the testscript command "testhost" (see scriptUsage). A script
// host is stopped when its script ends. Call Require before testscript.Run:
// `testhost start` fails, rather than skips, where hosts cannot start.
func Cmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"testhost": runScriptCommand,
	}
}

type scriptHostKey struct {
	ts   *testscript.TestScript
	name string
}

// scriptHosts maps a scriptHostKey to the *Host that script started under that name.
var scriptHosts sync.Map

var scriptHostName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func runScriptCommand(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("%s", scriptUsage)
	}
	subcommand, args := args[0], args[1:]

	if neg && subcommand != "exec" {
		ts.Fatalf("unsupported: ! testhost %s", subcommand)
	}

	switch subcommand {
	case "start":
		startScriptHost(ts, args)
	case "exec":
		execScriptHost(ts, neg, args)
	case "rekey":
		if len(args) != 1 {
			ts.Fatalf("%s", scriptUsage)
		}
		ts.Check(lookupScriptHost(ts, args[0]).regenerateHostKey())
	case "busybox":
		if len(args) != 1 {
			ts.Fatalf("%s", scriptUsage)
		}
		ts.Check(writeBusyboxImage(ts.MkAbs(args[0])))
	default:
		ts.Fatalf("testhost: unknown subcommand %q\n%s", subcommand, scriptUsage)
	}
}

func startScriptHost(ts *testscript.TestScript, args []string) {
	var opts Options
	switch {
	case len(args) == 2 && args[1] == "--no-sshd":
		opts.NoSSHD = true
	case len(args) != 1:
		ts.Fatalf("%s", scriptUsage)
	}

	name := args[0]
	if !scriptHostName.MatchString(name) {
		ts.Fatalf("testhost start: invalid name %q: use letters, digits and _, as it becomes part of environment variable names", name)
	}
	key := scriptHostKey{ts, name}
	if _, ok := scriptHosts.Load(key); ok {
		ts.Fatalf("testhost start: host %s already started in this script", name)
	}
	if reason := missing(); reason != "" {
		ts.Fatalf("%s; call testhost.Require before testscript.Run to skip instead", reason)
	}

	dir, err := os.MkdirTemp("", "machina-testhost-")
	ts.Check(err)
	h, err := start(dir, opts)
	if err != nil {
		os.RemoveAll(dir)
		ts.Fatalf("testhost start %s: %v", name, err)
	}

	scriptHosts.Store(key, h)
	ts.Defer(func() {
		if err := h.stop(); err != nil {
			ts.Logf("testhost: stop %s (%s): %v", name, h.Name, err)
		}
		os.RemoveAll(dir)
		scriptHosts.Delete(key)
	})

	prefix := strings.ToUpper(name)
	ts.Setenv(prefix+"_ADDR", h.Addr)
	ts.Setenv(prefix+"_KEY", h.KeyPath)
	ts.Setenv(prefix+"_HOSTKEY", h.HostKeyPath)
	ts.Setenv(prefix+"_NS", h.Name)
}

func execScriptHost(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("%s", scriptUsage)
	}

	cmd := lookupScriptHost(ts, args[0]).command(args[1:]...)
	cmd.Stdout = ts.Stdout()
	cmd.Stderr = ts.Stderr()
	err := cmd.Run()

	if neg {
		if err == nil {
			ts.Fatalf("unexpected success of %q", args[1:])
		}
		return
	}
	if err != nil {
		ts.Fatalf("testhost exec %s %q: %v", args[0], args[1:], err)
	}
}

func lookupScriptHost(ts *testscript.TestScript, name string) *Host {
	h, ok := scriptHosts.Load(scriptHostKey{ts, name})
	if !ok {
		ts.Fatalf("testhost: no host %s in this script; start it with `testhost start %s`", name, name)
	}
	return h.(*Host)
}
