package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/machina-dev/machina/activate"
	"github.com/machina-dev/machina/shellhook"
	mtls "github.com/machina-dev/machina/tls"
)

// dockerVars are the variables `env` sets, in Docker Machine's order.
var dockerVars = []string{"DOCKER_TLS_VERIFY", "DOCKER_HOST", "DOCKER_CERT_PATH", "DOCKER_MACHINE_NAME"}

// EnvCmd is `machina env`.
type EnvCmd struct {
	Name    string `arg:"" optional:"" default:"default" help:"Machine name."`
	Shell   string `placeholder:"SHELL" help:"Shell to print for: bash, zsh, fish, powershell, cmd, tcsh, emacs or nu (default: from $SHELL)."`
	Unset   bool   `short:"u" help:"Print the commands that unset the variables instead."`
	NoProxy bool   `name:"no-proxy" help:"Add the machine's IP address to NO_PROXY."`
	Swarm   bool   `hidden:""`
}

func (c *EnvCmd) Run(ctx context.Context, g *Globals) error {
	if c.Swarm {
		return fmt.Errorf("legacy Swarm (--swarm) is not supported")
	}
	// The hook exports the shell it runs in, while $SHELL is only the login
	// shell.
	shellName := c.Shell
	if shellName == "" {
		shellName = g.Getenv(shellhook.HookVar)
	}
	if shellName == "" {
		shellName = shellhook.Detect(g.Getenv("SHELL"))
	}
	sh, err := shellhook.Lookup(shellName)
	if err != nil {
		return err
	}
	hint := c.hint()

	// In a shell with the hook, env goes through the hook as `use` does,
	// so that leaving the machine later restores what the user had.
	hooked := g.Getenv(shellhook.HookVar) == sh.Name() && !c.NoProxy
	if hooked {
		hint = ""
	}

	if c.Unset {
		names := append([]string{}, dockerVars...)
		if c.NoProxy {
			names = append(names, noProxyName(g.Getenv))
		}
		out, err := shellhook.UnsetScript(sh, names, hint)
		if err == nil && hooked {
			out, err = shellhook.HookedScript(sh, activate.UseNone, out, c.hint())
		}
		if err != nil {
			return err
		}
		g.printf("%s", out)
		return nil
	}

	m, err := g.load(c.Name)
	if err != nil {
		return err
	}
	// The docker CLI would fail on this certificate with a TLS error that
	// names neither the machine nor the fix.
	if err := m.CheckServerCert(ctx, time.Now()); errors.Is(err, mtls.ErrHostMismatch) {
		return err
	}
	vars, err := m.EnvVars(ctx)
	if err != nil {
		return err
	}
	out := make([]shellhook.Var, 0, len(vars)+1)
	for _, v := range vars {
		out = append(out, shellhook.Var{Name: v.Name, Value: v.Value})
	}
	if c.NoProxy {
		out = append(out, noProxy(g.Getenv, vars[1].Value))
	}

	script, err := shellhook.EnvScript(sh, out, hint)
	if err == nil && hooked {
		script, err = shellhook.HookedScript(sh, c.Name, script, c.hint())
	}
	if err != nil {
		return fmt.Errorf("env %q: %w", c.Name, err)
	}
	g.printf("%s", script)
	return nil
}

// hint returns the command that the closing comment prints for the user to run.
func (c *EnvCmd) hint() string {
	parts := []string{"machina", "env"}
	if c.Shell != "" {
		parts = append(parts, "--shell", c.Shell)
	}
	if c.Unset {
		parts = append(parts, "--unset")
	}
	if c.NoProxy {
		parts = append(parts, "--no-proxy")
	}
	if !c.Unset {
		parts = append(parts, c.Name)
	}
	return strings.Join(parts, " ")
}

// noProxyName is NO_PROXY, or no_proxy when only the lowercase one is set,
// as in Docker Machine.
func noProxyName(getenv func(string) string) string {
	if getenv("NO_PROXY") == "" && getenv("no_proxy") != "" {
		return "no_proxy"
	}
	return "NO_PROXY"
}

// noProxy adds the host of dockerHost, without its port, to the user's
// NO_PROXY list unless it is there already.
func noProxy(getenv func(string) string, dockerHost string) shellhook.Var {
	name := noProxyName(getenv)
	host := dockerHost
	if u, err := url.Parse(dockerHost); err == nil {
		if h, _, err := net.SplitHostPort(u.Host); err == nil {
			host = h
		}
	}

	current := getenv(name)
	for _, entry := range strings.Split(current, ",") {
		if strings.TrimSpace(entry) == host {
			return shellhook.Var{Name: name, Value: current}
		}
	}
	if current == "" {
		return shellhook.Var{Name: name, Value: host}
	}
	return shellhook.Var{Name: name, Value: current + "," + host}
}
