// Package none is the driver for an engine that already runs: machina only
// records its URL, as Docker Machine's none driver does.
package none

import (
	"context"
	"fmt"
	"net/url"

	"github.com/machina-dev/machina/drivers"
)

// Name is the driver's name for -d.
const Name = "none"

func init() { drivers.Register(Name, func() drivers.Driver { return &Driver{} }) }

// Driver records the URL of an existing engine.
type Driver struct {
	*drivers.Base
	EngineURL string `json:"URL"`
}

// Flags are the none driver's create flags.
type Flags struct {
	URL string `name:"url" env:"NONE_URL" help:"URL of the Docker engine, as tcp://HOST:PORT (none driver)."`
}

// New returns a none driver for the machine named name.
func New(base drivers.Base, f Flags) (*Driver, error) {
	host, err := hostOf(f.URL)
	if err != nil {
		return nil, err
	}
	base.IPAddress = host
	return &Driver{Base: &base, EngineURL: f.URL}, nil
}

func hostOf(raw string) (string, error) {
	if raw == "" {
		return "", fmt.Errorf("missing --url: the none driver needs the engine URL, as tcp://HOST:PORT")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "tcp" || u.Hostname() == "" || u.Port() == "" {
		return "", fmt.Errorf("invalid --url %q: use tcp://HOST:PORT", raw)
	}
	return u.Hostname(), nil
}

func (d *Driver) DriverName() string { return Name }

func (d *Driver) Create(context.Context) error { return nil }

func (d *Driver) IP(context.Context) (string, error) { return hostOf(d.EngineURL) }

func (d *Driver) URL(context.Context) (string, error) { return d.EngineURL, nil }

// State is always Running: machina does not control the engine's host.
func (d *Driver) State(context.Context) (drivers.State, error) { return drivers.Running, nil }

func (d *Driver) Start(context.Context) error   { return unsupported("start") }
func (d *Driver) Stop(context.Context) error    { return unsupported("stop") }
func (d *Driver) Restart(context.Context) error { return unsupported("restart") }
func (d *Driver) Kill(context.Context) error    { return unsupported("kill") }
func (d *Driver) Remove(context.Context) error  { return nil }

func unsupported(action string) error {
	return fmt.Errorf("%s: %w (none)", action, drivers.ErrNotSupported)
}
