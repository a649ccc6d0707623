package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/machina-dev/machina/machine"
)

// actionFlags are the flags of `start`, `stop`, `restart` and `kill`.
type actionFlags struct {
	Names      []string      `arg:"" optional:"" help:"Machine names (default: default)."`
	Timeout    time.Duration `default:"3m" help:"Bound on the action, including the wait for the machine to accept an SSH login and its engine to respond over TLS."`
	SSHTimeout time.Duration `name:"ssh-timeout" default:"30s" help:"Bound on each attempt to connect over SSH."`
}

// StartCmd is `machina start`.
type StartCmd struct {
	actionFlags `embed:""`
}

// StopCmd is `machina stop`.
type StopCmd struct {
	actionFlags `embed:""`
}

// RestartCmd is `machina restart`.
type RestartCmd struct {
	actionFlags `embed:""`
}

// KillCmd is `machina kill`.
type KillCmd struct {
	actionFlags `embed:""`
}

func (c *StartCmd) Run(ctx context.Context, g *Globals) error {
	return c.act(ctx, g, machine.Start)
}

func (c *StopCmd) Run(ctx context.Context, g *Globals) error {
	return c.act(ctx, g, machine.Stop)
}

func (c *RestartCmd) Run(ctx context.Context, g *Globals) error {
	return c.act(ctx, g, machine.Restart)
}

func (c *KillCmd) Run(ctx context.Context, g *Globals) error {
	return c.act(ctx, g, machine.Kill)
}

func (f *actionFlags) act(ctx context.Context, g *Globals, action machine.Action) error {
	failed := concurrently(g, f.Names, func(m *machine.Machine, progress io.Writer) error {
		return machine.Act(ctx, m, action, machine.ActionOptions{
			Progress:   progress,
			Debug:      g.debug(),
			SSHTimeout: f.SSHTimeout,
			Timeout:    f.Timeout,
		})
	})
	return exitStatus(failed)
}

// provisionFlags are the flags of the commands that work on a machine's
// engine over SSH.
type provisionFlags struct {
	SSHTimeout    time.Duration `name:"ssh-timeout" default:"30s" help:"Bound on connecting to the host over SSH."`
	EngineTimeout time.Duration `name:"engine-timeout" default:"2m" help:"Bound on the wait for the engine's TLS endpoint to respond."`
}

func (f provisionFlags) options(g *Globals, progress io.Writer) machine.ProvisionOptions {
	return machine.ProvisionOptions{
		Progress:      progress,
		Debug:         g.debug(),
		SSHTimeout:    f.SSHTimeout,
		EngineTimeout: f.EngineTimeout,
	}
}

// ProvisionCmd is `machina provision`.
type ProvisionCmd struct {
	Names          []string `arg:"" optional:"" help:"Machine names (default: default)."`
	provisionFlags `embed:""`
}

func (c *ProvisionCmd) Run(ctx context.Context, g *Globals) error {
	failed := concurrently(g, c.Names, func(m *machine.Machine, progress io.Writer) error {
		return machine.Provision(ctx, m, c.options(g, progress))
	})
	return exitStatus(failed)
}

// UpgradeCmd is `machina upgrade`.
type UpgradeCmd struct {
	Names          []string `arg:"" optional:"" help:"Machine names (default: default)."`
	provisionFlags `embed:""`
}

func (c *UpgradeCmd) Run(ctx context.Context, g *Globals) error {
	failed := concurrently(g, c.Names, func(m *machine.Machine, progress io.Writer) error {
		return machine.Upgrade(ctx, m, c.options(g, progress))
	})
	return exitStatus(failed)
}

// RegenerateCertsCmd is `machina regenerate-certs`.
type RegenerateCertsCmd struct {
	Names          []string `arg:"" optional:"" help:"Machine names (default: default)."`
	Force          bool     `short:"f" help:"Regenerate without asking for confirmation."`
	ClientCerts    bool     `name:"client-certs" help:"Also make a new CA and client certificate, and update every machine that uses that CA."`
	provisionFlags `embed:""`
}

func (c *RegenerateCertsCmd) Run(ctx context.Context, g *Globals) error {
	if !c.Force {
		question := "Regenerate TLS machine certs? Warning: this is irreversible."
		if c.ClientCerts {
			question = "Regenerate the CA, the client certificate and the certificates of every machine that uses that CA, and restart their engines? Warning: this is irreversible."
		}
		if !confirm(g, question) {
			return fmt.Errorf("regenerate-certs cancelled: no certificate changed")
		}
	}

	if !c.ClientCerts {
		failed := concurrently(g, c.Names, func(m *machine.Machine, progress io.Writer) error {
			return machine.RegenerateCerts(ctx, m, c.options(g, progress))
		})
		return exitStatus(failed)
	}

	targets, renewFailed := c.renewCAs(g, c.Names)
	failed := concurrently(g, targets, func(m *machine.Machine, progress io.Writer) error {
		return machine.RegenerateCerts(ctx, m, c.options(g, progress))
	})
	if len(failed) > 0 {
		fmt.Fprintf(g.Stderr, "machina: not updated, so still trusting the old CA: %s; run `machina regenerate-certs %s` once they are reachable\n",
			strings.Join(failed, ", "), strings.Join(failed, " "))
	}
	if renewFailed {
		return exitError{code: 1}
	}
	return exitStatus(failed)
}

// renewCAs makes a new CA and client certificate for each CA that the named
// machines use, and returns those machines followed by the other machines
// that use a renewed CA. It reports the failures on stderr.
func (c *RegenerateCertsCmd) renewCAs(g *Globals, names []string) (targets []string, failed bool) {
	if len(names) == 0 {
		names = []string{"default"}
	}
	s, err := g.store()
	if err != nil {
		fmt.Fprintf(g.Stderr, "machina: %v\n", err)
		return names, true
	}

	renewed := map[string]bool{}
	targets = slices.Clone(names)
	for _, name := range names {
		m, err := machine.Load(s, name)
		if err != nil {
			continue // concurrently reports it
		}
		ca := m.Host.HostOptions.AuthOptions.CaCertPath
		if renewed[ca] {
			continue
		}

		users, err := machine.RenewCA(s, m)
		if err != nil {
			fmt.Fprintf(g.Stderr, "machina: renew CA %s: %v\n", ca, err)
			failed = true
			continue
		}
		renewed[ca] = true
		fmt.Fprintf(g.Stderr, "CA: made a new CA %s and client certificate; machines that use it: %s\n", ca, strings.Join(users, ", "))
		for _, user := range users {
			if !slices.Contains(targets, user) {
				targets = append(targets, user)
			}
		}
	}
	return targets, failed
}

// concurrently loads each named machine ("default" when none is named) and
// runs fn on all of them at once. Progress lines get the machine's name in
// front. It prints each failure on stderr and returns the names of the
// machines that failed.
func concurrently(g *Globals, names []string, fn func(m *machine.Machine, progress io.Writer) error) (failed []string) {
	if len(names) == 0 {
		names = []string{"default"}
	}
	// A machine named twice acts once: two restarts of one host at once
	// would only wait for each other's lock.
	seen := map[string]bool{}
	names = slices.DeleteFunc(slices.Clone(names), func(n string) bool {
		dup := seen[n]
		seen[n] = true
		return dup
	})
	stderr := &lockedWriter{w: g.Stderr}

	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			m, err := g.load(name)
			if err == nil {
				err = fn(m, &prefixWriter{w: stderr, prefix: name + ": "})
			}
			errs[i] = err
		})
	}
	wg.Wait()

	for i, err := range errs {
		if err != nil {
			fmt.Fprintf(stderr, "machina: %v\n", err)
			failed = append(failed, names[i])
		}
	}
	return failed
}

// exitStatus is exit status 1 when a machine failed; the failures are
// printed already.
func exitStatus(failed []string) error {
	if len(failed) > 0 {
		return exitError{code: 1}
	}
	return nil
}

// lockedWriter serialises writes from goroutines, so lines do not interleave.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// prefixWriter puts prefix before each write. Its callers write whole lines.
type prefixWriter struct {
	w      io.Writer
	prefix string
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	if _, err := p.w.Write(append([]byte(p.prefix), b...)); err != nil {
		return 0, err
	}
	return len(b), nil
}
