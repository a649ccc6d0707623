package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
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
	Quiet    bool      `short:"q" help:"Print machine names only."`
	Filter   []string  `sep:"none" placeholder:"KEY=VALUE" help:"Print only matching machines; repeatable. Keys: driver, state, name (a Go regexp), label (KEY=VALUE), swarm. Values of one key are alternatives; different keys must all match."`
	Timeout  lsTimeout `short:"t" default:"10s" help:"Bound on the whole listing, in seconds or as a duration such as 500ms; machines that have not responded show Timeout."`
	Format   string    `short:"f" placeholder:"TEMPLATE" help:"Go template for each machine; a \"table\" prefix prints aligned columns with headers."`
	Parallel int       `default:"32" hidden:"" help:"Machines queried at once."`
}

func (c *LsCmd) Run(ctx context.Context, g *Globals) error {
	filter, err := machine.ParseFilter(c.Filter)
	if err != nil {
		return err
	}
	format := c.Format
	switch {
	case c.Quiet:
		format = "{{.Name}}"
	case format == "":
		format = lsDefaultFormat
	}
	tmpl, table, err := parseLsFormat(format)
	if err != nil {
		return err
	}

	s, err := g.store()
	if err != nil {
		return err
	}
	rows, err := machine.List(ctx, s, machine.ListOptions{
		Timeout:    time.Duration(c.Timeout),
		Parallel:   c.Parallel,
		DockerHost: g.Getenv("DOCKER_HOST"),
		Filter:     filter,
		NamesOnly:  c.Quiet,
	})
	if err != nil {
		return err
	}

	w := tabwriter.NewWriter(g.Stdout, 5, 1, 3, ' ', 0)
	if table {
		if err := tmpl.Execute(w, lsHeaders); err != nil {
			return fmt.Errorf("invalid --format %q: %w", format, err)
		}
	}
	for _, row := range rows {
		if err := tmpl.Execute(w, row); err != nil {
			return fmt.Errorf("invalid --format %q: %w", format, err)
		}
	}
	return w.Flush()
}

// parseLsFormat parses an ls template as Docker Machine does: a "table"
// prefix asks for aligned columns, and the two-character sequences \t and
// \n stand for a tab and a newline. The template is run once on an empty row,
// so that a field Row lacks is reported before any machine is queried.
func parseLsFormat(format string) (tmpl *template.Template, table bool, err error) {
	body, table := strings.CutPrefix(format, "table")
	body = strings.Trim(body, " ")
	body = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(body)

	tmpl, err = template.New("ls").Parse(body + "\n")
	if err != nil {
		return nil, false, fmt.Errorf("invalid --format %q: %w", format, err)
	}
	if err := tmpl.Execute(io.Discard, machine.Row{}); err != nil {
		return nil, false, fmt.Errorf("invalid --format %q: %w", format, err)
	}
	return tmpl, table, nil
}

// lsTimeout is the --timeout of ls: whole seconds, as Docker Machine takes
// it, or a Go duration.
type lsTimeout time.Duration

func (t *lsTimeout) UnmarshalText(text []byte) error {
	s := string(text)
	d, err := time.ParseDuration(s)
	if seconds, atoiErr := strconv.Atoi(s); atoiErr == nil {
		d, err = time.Duration(seconds)*time.Second, nil
	}
	if err != nil {
		return fmt.Errorf("invalid timeout %q: use seconds, such as 10, or a duration, such as 500ms", s)
	}
	if d <= 0 {
		return fmt.Errorf("invalid timeout %q: use a positive duration", s)
	}
	*t = lsTimeout(d)
	return nil
}
