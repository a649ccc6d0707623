package main

import (
	"context"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/machina-dev/machina/testhost"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"machina": func() {
			os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
		},
	})
}

// TestScript runs the scenarios in testdata/script. Scenarios that need a
// test host skip themselves, with the reason, when not run as root.
func TestScript(t *testing.T) {
	testhost.Cleanup()
	testscript.Run(t, testscript.Params{
		Dir:                 "../../testdata/script",
		RequireExplicitExec: true,
		Cmds:                testhost.Cmds(),
		Setup: func(env *testscript.Env) error {
			env.Setenv("MACHINE_STORAGE_PATH", env.WorkDir+"/store")
			env.Setenv("HOME", env.WorkDir+"/home")
			env.Setenv("XDG_CONFIG_HOME", env.WorkDir+"/home/.config")
			env.Setenv("XDG_STATE_HOME", env.WorkDir+"/home/.local/state")
			env.Setenv("XDG_CACHE_HOME", env.WorkDir+"/home/.cache")
			env.Setenv("SHELL", "/bin/bash")
			return os.MkdirAll(env.WorkDir+"/home", 0o700)
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "root":
				return os.Geteuid() == 0, nil
			}
			return false, nil
		},
	})
}
