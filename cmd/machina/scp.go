package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/machina-dev/machina/machine"
	"github.com/machina-dev/machina/transfer"
)

// ScpCmd is `machina scp`.
type ScpCmd struct {
	Recursive bool          `short:"r" help:"Copy directories and their contents."`
	Quiet     bool          `short:"q" help:"Print no progress lines."`
	Timeout   time.Duration `default:"30s" help:"Bound on connecting to each machine over SSH."`
	Paths     []string      `arg:"" name:"path" help:"Sources, then the destination: each a local path or NAME:PATH on a machine, where a relative PATH starts at the login user's home directory."`
}

func (c *ScpCmd) Run(ctx context.Context, g *Globals) error {
	if len(c.Paths) < 2 {
		return errors.New("scp: missing destination: pass one or more sources, then the destination")
	}
	locations := make([]transfer.Location, len(c.Paths))
	for i, arg := range c.Paths {
		locations[i] = transfer.ParseLocation(arg)
	}

	sides, err := c.connect(ctx, g, locations)
	if err != nil {
		return err
	}
	defer closeSides(sides)

	endpoints := make([]transfer.Endpoint, len(locations))
	for i, loc := range locations {
		endpoints[i] = transfer.Endpoint{Side: sides[loc.Machine], Path: loc.Path}
	}
	var progress io.Writer
	if !c.Quiet {
		progress = g.Stderr
	}
	last := len(endpoints) - 1
	return transfer.Copy(ctx, endpoints[:last], endpoints[last], transfer.Options{
		Recursive: c.Recursive,
		Progress:  progress,
	})
}

// connect loads every machine the locations name and then opens one SSH
// connection to each, so that an unknown name fails before any connection
// or copy. The local side is under "".
func (c *ScpCmd) connect(ctx context.Context, g *Globals, locations []transfer.Location) (map[string]transfer.Side, error) {
	var machines []*machine.Machine
	var errs []error
	tried := map[string]bool{"": true}
	for _, loc := range locations {
		if tried[loc.Machine] {
			continue
		}
		tried[loc.Machine] = true
		m, err := g.load(loc.Machine)
		if err != nil {
			errs = append(errs, fmt.Errorf("scp %s: %w", loc, err))
			continue
		}
		machines = append(machines, m)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	sides := map[string]transfer.Side{"": transfer.Local{}}
	for _, m := range machines {
		client, err := dialMachine(ctx, g, m, c.Timeout)
		if err != nil {
			closeSides(sides)
			return nil, fmt.Errorf("scp: %w", err)
		}
		sides[m.Name()] = transfer.Remote{Machine: m.Name(), Client: client}
	}
	return sides, nil
}

func closeSides(sides map[string]transfer.Side) {
	for _, side := range sides {
		if remote, ok := side.(transfer.Remote); ok {
			remote.Client.Close()
		}
	}
}
