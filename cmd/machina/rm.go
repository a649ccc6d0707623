package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/machina-dev/machina/machine"
)

// RmCmd is `machina rm`.
type RmCmd struct {
	Names []string `arg:"" optional:"" help:"Machine names (default: default)."`
	Force bool     `short:"f" help:"Remove the local machine even when the driver cannot remove the host."`
	Yes   bool     `short:"y" help:"Remove without asking for confirmation."`
}

func (c *RmCmd) Run(ctx context.Context, g *Globals) error {
	names := c.Names
	if len(names) == 0 {
		names = []string{"default"}
	}
	s, err := g.store()
	if err != nil {
		return err
	}

	if !c.Yes {
		fmt.Fprintf(g.Stderr, "About to remove %s\nWARNING: This removes the local machine and, where its driver made it, the host.\nAre you sure? (y/n): ", strings.Join(names, ", "))
		answer, _ := bufio.NewReader(g.Stdin).ReadString('\n')
		if a := strings.TrimSpace(strings.ToLower(answer)); a != "y" && a != "yes" {
			return fmt.Errorf("rm cancelled: nothing removed")
		}
	}

	var failed int
	for _, name := range names {
		if err := machine.Remove(ctx, s, name, c.Force); err != nil {
			fmt.Fprintf(g.Stderr, "machina: %v\n", err)
			failed++
			continue
		}
		fmt.Fprintf(g.Stdout, "Successfully removed %s\n", name)
	}
	if failed > 0 {
		return exitError{code: 1}
	}
	return nil
}
