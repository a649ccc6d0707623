package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/machina-dev/machina/drivers"
	"github.com/machina-dev/machina/drivers/generic"
	"github.com/machina-dev/machina/drivers/none"
	"github.com/machina-dev/machina/machine"
	"github.com/machina-dev/machina/profiles"
	"github.com/machina-dev/machina/store"
	mtls "github.com/machina-dev/machina/tls"
)

// CreateCmd is `machina create`, with Docker Machine's flags.
type CreateCmd struct {
	Name    string `arg:"" optional:"" default:"default" help:"Machine name."`
	Driver  string `short:"d" env:"MACHINE_DRIVER" placeholder:"DRIVER" help:"Driver to create the machine with: generic or none."`
	Profile string `placeholder:"NAME" help:"Profile whose driver, flags and engine options to use; flags given here override it."`

	EngineInstallURL       string   `name:"engine-install-url" env:"MACHINE_DOCKER_INSTALL_URL" placeholder:"URL" help:"Script that installs the engine when docker is missing; \"none\" never installs (default: the distribution's package, else Docker's script)."`
	EngineOpt              []string `name:"engine-opt" sep:"none" placeholder:"FLAG=VALUE" help:"Engine flag, as FLAG=VALUE; repeatable."`
	EngineLabel            []string `name:"engine-label" sep:"none" placeholder:"KEY=VALUE" help:"Engine label; repeatable."`
	EngineEnv              []string `name:"engine-env" sep:"none" placeholder:"NAME=VALUE" help:"Environment variable of the engine process; repeatable."`
	EngineStorageDriver    string   `name:"engine-storage-driver" placeholder:"DRIVER" help:"Engine storage driver, such as overlay2 (default: the engine's own)."`
	EngineInsecureRegistry []string `name:"engine-insecure-registry" sep:"none" placeholder:"HOST:PORT" help:"Registry the engine reaches without TLS verification; repeatable."`
	EngineRegistryMirror   []string `name:"engine-registry-mirror" env:"ENGINE_REGISTRY_MIRROR" sep:"none" placeholder:"URL" help:"Registry mirror; repeatable."`

	TLSSAN     []string      `name:"tls-san" sep:"none" placeholder:"NAME" help:"Extra subject alternative name of the server certificate; repeatable."`
	TLSKeyType string        `name:"tls-key-type" default:"ecdsa" enum:"ecdsa,rsa" help:"Key type of new certificates: ecdsa (P-256) or rsa (2048 bits, for old engines)."`
	SSHTimeout time.Duration `name:"ssh-timeout" default:"30s" help:"Bound on connecting to the host over SSH, as a duration such as 30s or 2m."`
	Timeout    time.Duration `name:"engine-timeout" default:"2m" help:"Bound on the wait for the engine's TLS endpoint to respond, as a duration such as 90s or 5m."`

	Generic generic.Flags `embed:"" prefix:"generic-" group:"generic driver"`
	None    none.Flags    `embed:"" group:"none driver"`
	Swarm   swarmFlags    `embed:""`
}

// swarmFlags are Docker Machine's legacy Swarm flags, accepted only to
// reject them with a clear error.
type swarmFlags struct {
	Swarm             bool     `name:"swarm" hidden:""`
	SwarmMaster       bool     `name:"swarm-master" hidden:""`
	SwarmDiscovery    string   `name:"swarm-discovery" hidden:""`
	SwarmImage        string   `name:"swarm-image" hidden:""`
	SwarmHost         string   `name:"swarm-host" hidden:""`
	SwarmAddr         string   `name:"swarm-addr" hidden:""`
	SwarmStrategy     string   `name:"swarm-strategy" hidden:""`
	SwarmOpt          []string `name:"swarm-opt" hidden:""`
	SwarmJoinOpt      []string `name:"swarm-join-opt" hidden:""`
	SwarmExperimental bool     `name:"swarm-experimental" hidden:""`
}

func (f swarmFlags) check() error {
	used := f.Swarm || f.SwarmMaster || f.SwarmDiscovery != "" || f.SwarmImage != "" ||
		f.SwarmHost != "" || f.SwarmAddr != "" || f.SwarmStrategy != "" ||
		len(f.SwarmOpt) > 0 || len(f.SwarmJoinOpt) > 0 || f.SwarmExperimental
	if used {
		return fmt.Errorf("legacy Swarm (--swarm* flags) is not supported: create plain machines and run `docker swarm init` on one of them")
	}
	return nil
}

func (c *CreateCmd) Run(ctx context.Context, g *Globals) error {
	if err := c.Swarm.check(); err != nil {
		return err
	}
	if err := store.ValidateName(c.Name); err != nil {
		return err
	}
	if c.Profile != "" {
		return c.runProfile(ctx, g)
	}
	if c.Driver == "" {
		return fmt.Errorf("missing driver: pass -d DRIVER (one of %s) or set MACHINE_DRIVER", strings.Join(drivers.Names(), ", "))
	}
	if err := drivers.Lookup(c.Driver); err != nil {
		return err
	}
	kt, err := mtls.ParseKeyType(c.TLSKeyType)
	if err != nil {
		return err
	}
	s, err := g.store()
	if err != nil {
		return err
	}
	if s.Exists(c.Name) {
		return fmt.Errorf("create %q: %w (remove it with `machina rm %s` or pick another name)", c.Name, store.ErrExists, c.Name)
	}

	d, err := c.newDriver(machine.NewBase(s, c.Name))
	if err != nil {
		return err
	}
	m, err := machine.Create(ctx, s, c.Name, machine.CreateOptions{
		Driver:        d,
		Certs:         g.certPaths(s),
		KeyType:       kt,
		TLSSANs:       c.TLSSAN,
		Engine:        c.engineOptions(),
		Progress:      g.Stderr,
		Debug:         g.debug(),
		SSHTimeout:    c.SSHTimeout,
		EngineTimeout: c.Timeout,
	})
	if err != nil {
		return err
	}

	if c.Driver == none.Name {
		fmt.Fprintf(g.Stderr, "Recorded the engine at %s; machina did not contact it.\n", c.None.URL)
	} else {
		fmt.Fprintln(g.Stderr, "Docker is up and running!")
	}
	fmt.Fprintf(g.Stderr, "To point your docker CLI at it, run: eval \"$(machina env %s)\"\n", m.Name())
	return nil
}

func (c *CreateCmd) newDriver(base drivers.Base) (drivers.Driver, error) {
	switch c.Driver {
	case generic.Name:
		return generic.New(base, c.Generic)
	case none.Name:
		return none.New(base, c.None)
	}
	return nil, fmt.Errorf("driver %q cannot create machines", c.Driver)
}

func (c *CreateCmd) engineOptions() store.EngineOptions {
	return store.EngineOptions{
		ArbitraryFlags:   c.EngineOpt,
		Env:              c.EngineEnv,
		InsecureRegistry: c.EngineInsecureRegistry,
		Labels:           c.EngineLabel,
		StorageDriver:    c.EngineStorageDriver,
		RegistryMirror:   c.EngineRegistryMirror,
		InstallURL:       c.EngineInstallURL,
		TLSVerify:        true,
	}
}

// runProfile re-runs create with the profile's flags before the ones given
// on the command line, so that the command line overrides the profile.
func (c *CreateCmd) runProfile(ctx context.Context, g *Globals) error {
	d, err := g.dirs()
	if err != nil {
		return err
	}
	p, err := profiles.LoadProfile(d, c.Profile)
	if err != nil {
		return err
	}

	// g.Args is the command line that ran this command: global flags, then
	// "create" and its own flags.
	args := []string{}
	rest := g.Args
	if i := slices.Index(rest, "create"); i >= 0 {
		args = append(args, rest[:i+1]...)
		rest = rest[i+1:]
	}
	args = append(args, p.Args()...)
	for i := 0; i < len(rest); i++ {
		switch a := rest[i]; {
		case a == "--profile":
			i++
		case strings.HasPrefix(a, "--profile="):
		default:
			args = append(args, a)
		}
	}
	if code := run(ctx, args, g.Stdin, g.Stdout, g.Stderr, g.Getenv); code != 0 {
		return exitError{code: code}
	}
	return nil
}
