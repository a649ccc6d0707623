package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"text/template"
	"time"

	"github.com/machina-dev/machina/machine"
)

// lsDefaultFormat is Docker Machine's `ls` table.
const lsDefaultFormat = "table {{.Name}}\t{{.Active}}\t{{.DriverName}}\t{{.State}}\t{{.URL}}\t{{.Swarm}}\t{{.DockerVersion}}\t{{.Error}}"

// lsHeaders are the column titles of the fields a `table` format names.
var lsHeaders = map[string]string{
	"Name":          "NAME",
	"Active":        "ACTIVE",
	"ActiveHost":    "ACTIVE_HOST",
	"ActiveSwarm":   "ACTIVE_SWARM",
	"DriverName":    "DRIVER",
	"State":         "STATE",
	"URL":           "URL",
	"Swarm":         "SWARM",
	"DockerVersion": "DOCKER",
	"Error":         "ERRORS",
	"ResponseTime":  "RESPONSE",
}

// LsCmd is `machina ls`.
type LsCmd struct {
	Quiet    bool          `short:"q" help:"Print machine names only."`
	Timeout  time.Duration `short:"t" default:"10s" help:"Bound on the whole listing; machines that have not answered show Timeout."`
	Format   string        `short:"f" placeholder:"TEMPLATE" help:"Go template for each machine; a \"table\" prefix prints aligned columns with headers."`
	Parallel int           `default:"32" hidden:"" help:"Machines queried at once."`
}

func (c *LsCmd) Run(ctx context.Context, g *Globals) error {
	format := c.Format
	switch {
	case c.Quiet:
		format = "{{.Name}}"
	case format == "":
		format = lsDefaultFormat
	}
	table := strings.HasPrefix(format, "table ")
	body := strings.TrimPrefix(format, "table ")
	tmpl, err := template.New("ls").Parse(body + "\n")
	if err != nil {
		return fmt.Errorf("invalid --format %q: %w", c.Format, err)
	}

	s, err := g.store()
	if err != nil {
		return err
	}
	rows, err := machine.List(ctx, s, machine.ListOptions{
		Timeout:    c.Timeout,
		Parallel:   c.Parallel,
		DockerHost: g.Getenv("DOCKER_HOST"),
	})
	if err != nil {
		return err
	}

	w := tabwriter.NewWriter(g.Stdout, 5, 1, 3, ' ', 0)
	if table {
		if err := tmpl.Execute(w, lsHeaders); err != nil {
			return fmt.Errorf("invalid --format %q: %w", c.Format, err)
		}
	}
	for _, row := range rows {
		if err := tmpl.Execute(w, row); err != nil {
			return fmt.Errorf("invalid --format %q: %w", c.Format, err)
		}
	}
	return w.Flush()
}
