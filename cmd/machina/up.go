package main

import (
	"context"
	"fmt"
	"time"

	"github.com/machina-dev/machina/drivers"
	"github.com/machina-dev/machina/machine"
	"github.com/machina-dev/machina/profiles"
)

// UpCmd is `machina up`.
type UpCmd struct {
	Dir        string        `arg:"" optional:"" type:"path" help:"Project directory (default: the nearest .machine.toml from the current directory)."`
	SSHTimeout time.Duration `name:"ssh-timeout" default:"30s" help:"Bound on each SSH connection attempt while the machine starts, as a duration such as 30s."`
	Timeout    time.Duration `default:"3m" help:"Bound on starting a stopped machine and waiting for its engine, as a duration such as 3m."`
}

func (c *UpCmd) Run(ctx context.Context, g *Globals) error {
	path, err := projectFile(c.Dir)
	if err != nil {
		return err
	}
	p, err := profiles.Load(path)
	if err != nil {
		return err
	}
	d, err := g.dirs()
	if err != nil {
		return err
	}
	state, err := d.Trust().Status(p)
	if err != nil {
		return err
	}
	if state != profiles.Trusted {
		return fmt.Errorf("up: %s is %s; review it, then run `machina allow %s`", p.Path, state, p.Dir)
	}

	s, err := g.store()
	if err != nil {
		return err
	}
	if !s.Exists(p.Machine) {
		if p.Profile == "" {
			return fmt.Errorf("up: machine %q does not exist and %s names no profile: add profile = \"NAME\" to it, or run `machina create`", p.Machine, p.Path)
		}
		args := []string{"create", "--profile", p.Profile, p.Machine}
		if code := run(ctx, args, g.Stdin, g.Stdout, g.Stderr, g.Getenv); code != 0 {
			return exitError{code: code}
		}
	}

	m, err := machine.Load(s, p.Machine)
	if err != nil {
		return err
	}
	st, err := m.Driver.State(ctx)
	if err != nil {
		return err
	}
	if st == drivers.Stopped || st == drivers.Saved || st == drivers.Paused {
		err := machine.Act(ctx, m, machine.Start, machine.ActionOptions{
			Progress:   g.Stderr,
			Debug:      g.debug(),
			SSHTimeout: c.SSHTimeout,
			Timeout:    c.Timeout,
		})
		if err != nil {
			return fmt.Errorf("up: %w", err)
		}
	}

	if g.Getenv("__MACHINA_VARS") == "" && g.Getenv("__MACHINA_HOOK") == "" {
		fmt.Fprintf(g.Stderr, "Machine %s is up. To use it in this shell, run: eval \"$(machina env %s)\"\n", p.Machine, p.Machine)
		return nil
	}
	fmt.Fprintf(g.Stderr, "Machine %s is up; the hook activates it at the next prompt in %s\n", p.Machine, p.Dir)
	return nil
}
