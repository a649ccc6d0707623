package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"text/template"
	"time"

	"github.com/machina-dev/machina/activate"
	"github.com/machina-dev/machina/machine"
	"github.com/machina-dev/machina/store"
	mtls "github.com/machina-dev/machina/tls"
)

// ActiveCmd is `machina active`.
type ActiveCmd struct {
	Why bool `help:"Also print what chose the machine: this shell, a .machine.toml, or the global default."`
}

func (c *ActiveCmd) Run(ctx context.Context, g *Globals) error {
	s, err := g.store()
	if err != nil {
		return err
	}
	name, err := machine.Active(ctx, s, g.Getenv("DOCKER_HOST"), g.Getenv("DOCKER_MACHINE_NAME"))
	if err != nil {
		return err
	}
	if m, err := machine.Load(s, name); err == nil {
		if err := m.CheckServerCert(ctx, time.Now()); errors.Is(err, mtls.ErrHostMismatch) {
			fmt.Fprintf(g.Stderr, "machina: warning: %v\n", err)
		}
	}
	if !c.Why {
		g.printf("%s\n", name)
		return nil
	}
	g.printf("%s, chosen by %s\n", name, c.why(g, name))
	return nil
}

// why returns the rule that made name active: the hook's precedence when the
// hook set the variables, else the user's own DOCKER_HOST.
func (c *ActiveCmd) why(g *Globals, name string) string {
	if g.Getenv("__MACHINA_MACHINE") != name {
		return "DOCKER_HOST, which points at it"
	}
	d, err := g.dirs()
	if err != nil {
		return "DOCKER_HOST, which points at it"
	}
	wd, err := logicalWorkDir()
	if err != nil {
		return "DOCKER_HOST, which points at it"
	}
	dec := activate.Decide(d, g.Getenv(activate.UseVar), wd)
	if dec.Machine != name {
		return "DOCKER_HOST, which points at it"
	}
	return dec.Why()
}

// ConfigCmd is `machina config`: the docker CLI flags for a machine.
type ConfigCmd struct {
	Name string `arg:"" optional:"" default:"default" help:"Machine name."`
}

func (c *ConfigCmd) Run(ctx context.Context, g *Globals) error {
	m, err := g.load(c.Name)
	if err != nil {
		return err
	}
	url, err := m.Driver.URL(ctx)
	if err != nil {
		return err
	}
	dir := m.CertPath()
	files := []string{filepath.Join(dir, "ca.pem"), filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("config %q: %w; run `machina regenerate-certs %s`", c.Name, err, c.Name)
		}
	}
	g.printf("--tlsverify\n--tlscacert=%q\n--tlscert=%q\n--tlskey=%q\n-H=%s\n", files[0], files[1], files[2], url)
	return nil
}

// InspectCmd is `machina inspect`.
type InspectCmd struct {
	Name   string `arg:"" optional:"" default:"default" help:"Machine name."`
	Format string `short:"f" placeholder:"TEMPLATE" help:"Go template applied to the machine; {{json .}} and {{prettyjson .}} print JSON."`
}

// certExpiry is one certificate and when it expires, in `inspect` output.
type certExpiry struct {
	Path     string
	NotAfter time.Time `json:",omitempty"`
	Error    string    `json:",omitempty"`
}

func (c *InspectCmd) Run(ctx context.Context, g *Globals) error {
	m, err := g.load(c.Name)
	if err != nil {
		return err
	}
	auth := m.Host.HostOptions.AuthOptions
	view := inspectView{
		Host:   m.Host,
		Driver: m.Host.Driver,
		Certificates: map[string]certExpiry{
			"CA":     expiry(auth.CaCertPath),
			"Client": expiry(auth.ClientCertPath),
			"Server": expiry(auth.ServerCertPath),
		},
	}

	if c.Format == "" {
		out, err := json.MarshalIndent(view, "", "    ")
		if err != nil {
			return err
		}
		g.printf("%s\n", out)
		return nil
	}

	// Templates reach the driver's fields, such as {{.Driver.IPAddress}},
	// through its JSON decoded into a map.
	var driver map[string]any
	if err := json.Unmarshal(m.Host.Driver, &driver); err != nil {
		return fmt.Errorf("inspect %q: decode the driver configuration: %w", c.Name, err)
	}
	view.Driver = driver

	tmpl, err := template.New("inspect").Funcs(jsonFuncs).Parse(c.Format)
	if err != nil {
		return fmt.Errorf("invalid --format %q: %w", c.Format, err)
	}
	if err := tmpl.Execute(g.Stdout, view); err != nil {
		return fmt.Errorf("invalid --format %q: %w", c.Format, err)
	}
	g.printf("\n")
	return nil
}

// inspectView is the output of inspect: config.json, whose Driver field it
// shadows so that templates can reach the driver's fields, and the expiry
// of each certificate.
type inspectView struct {
	*store.Host
	Driver       any
	Certificates map[string]certExpiry
}

var jsonFuncs = template.FuncMap{
	"json": func(v any) (string, error) {
		out, err := json.Marshal(v)
		return string(out), err
	},
	"prettyjson": func(v any) (string, error) {
		out, err := json.MarshalIndent(v, "", "    ")
		return string(out), err
	},
}

func expiry(path string) certExpiry {
	data, err := os.ReadFile(path)
	if err != nil {
		return certExpiry{Path: path, Error: err.Error()}
	}
	info, err := mtls.Inspect(data)
	if err != nil {
		return certExpiry{Path: path, Error: err.Error()}
	}
	return certExpiry{Path: path, NotAfter: info.NotAfter}
}

// IPCmd is `machina ip`.
type IPCmd struct {
	Names []string `arg:"" optional:"" help:"Machine names (default: default)."`
}

func (c *IPCmd) Run(ctx context.Context, g *Globals) error {
	return eachMachine(g, c.Names, func(m *machine.Machine) error {
		ip, err := m.Driver.IP(ctx)
		if err == nil {
			g.printf("%s\n", ip)
		}
		return err
	})
}

// URLCmd is `machina url`.
type URLCmd struct {
	Name string `arg:"" optional:"" default:"default" help:"Machine name."`
}

func (c *URLCmd) Run(ctx context.Context, g *Globals) error {
	m, err := g.load(c.Name)
	if err != nil {
		return err
	}
	url, err := m.Driver.URL(ctx)
	if err != nil {
		return err
	}
	g.printf("%s\n", url)
	return nil
}

// StatusCmd is `machina status`.
type StatusCmd struct {
	Name string `arg:"" optional:"" default:"default" help:"Machine name."`
}

func (c *StatusCmd) Run(ctx context.Context, g *Globals) error {
	m, err := g.load(c.Name)
	if err != nil {
		return err
	}
	if msg := m.CreateError(); msg != "" {
		g.printf("Error\n")
		return fmt.Errorf("machine %q failed to create: %s", c.Name, msg)
	}
	state, err := m.Driver.State(ctx)
	if err != nil {
		return err
	}
	g.printf("%s\n", state)
	return nil
}

// VersionCmd is `machina version`.
type VersionCmd struct {
	Name string `arg:"" optional:"" help:"Machine whose engine version to print."`
}

func (c *VersionCmd) Run(ctx context.Context, g *Globals) error {
	if c.Name == "" {
		g.printf("machina version %s\n", version)
		return nil
	}
	m, err := g.load(c.Name)
	if err != nil {
		return err
	}
	v, err := m.EngineVersion(ctx)
	if err != nil {
		return fmt.Errorf("version %q: %w", c.Name, err)
	}
	g.printf("%s\n", v)
	return nil
}

// eachMachine runs fn on each named machine ("default" when none is named),
// going on after a failure; the error names every machine that failed.
func eachMachine(g *Globals, names []string, fn func(*machine.Machine) error) error {
	if len(names) == 0 {
		names = []string{"default"}
	}
	var failed []string
	for _, name := range names {
		m, err := g.load(name)
		if err == nil {
			err = fn(m)
		}
		if err != nil {
			fmt.Fprintf(g.Stderr, "machina: %v\n", err)
			failed = append(failed, name)
		}
	}
	if len(failed) > 0 {
		return exitError{code: 1}
	}
	return nil
}
