package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"

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
		question := fmt.Sprintf("About to remove %s\nWARNING: This removes the local machine and, where its driver made it, the host.\nAre you sure?", strings.Join(names, ", "))
		if !confirm(g, question) {
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

// confirm prints question on stderr and reads a y/n answer from stdin. Input
// that is not a terminal is not echoed, so the answer read is printed after
// the prompt, keeping the next message on its own line.
func confirm(g *Globals, question string) bool {
	fmt.Fprint(g.Stderr, question+" (y/n): ")
	answer, _ := bufio.NewReader(g.Stdin).ReadString('\n')
	if f, ok := g.Stdin.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
		fmt.Fprintln(g.Stderr, strings.TrimSpace(answer))
	}
	a := strings.TrimSpace(strings.ToLower(answer))
	return a == "y" || a == "yes"
}
