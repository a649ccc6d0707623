// Package generic is the driver for an existing host reached over SSH, with
// Docker Machine's generic driver flags and config.json fields.
package generic

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/machina-dev/machina/drivers"
	"github.com/machina-dev/machina/sshclient"
)

// Name is the driver's name for -d.
const Name = "generic"

// KnownHostsFile is the machine's pinned SSH host key file in StorePath.
// It is machine.KnownHostsFile, repeated because package machine imports
// the drivers.
const KnownHostsFile = "machina-known_hosts"

// rebootCommand is the command Restart runs on the host, through sudo
// unless the SSH user is root.
const rebootCommand = "shutdown -r now"

// downPollInterval and downProbeTimeout pace the wait for a rebooting host
// to drop its SSH connection.
const (
	downPollInterval = time.Second
	downProbeTimeout = 5 * time.Second
)

// stateTimeout bounds the TCP dial that decides whether the host is up.
const stateTimeout = 5 * time.Second

func init() { drivers.Register(Name, func() drivers.Driver { return &Driver{} }) }

// Driver manages an existing host over SSH.
type Driver struct {
	*drivers.Base
	EnginePort int
	SSHKey     string // the key the user passed; SSHKeyPath is machina's copy
}

// Flags are the generic driver's create flags, named as in Docker Machine.
type Flags struct {
	IPAddress  string `name:"ip-address" env:"GENERIC_IP_ADDRESS" placeholder:"ADDRESS" help:"IP address or host name of the host (generic driver)."`
	SSHUser    string `name:"ssh-user" env:"GENERIC_SSH_USER" default:"root" help:"SSH user (generic driver)."`
	SSHKey     string `name:"ssh-key" env:"GENERIC_SSH_KEY" type:"path" placeholder:"FILE" help:"SSH private key; empty means the ssh-agent, then ~/.ssh keys (generic driver)."`
	SSHPort    int    `name:"ssh-port" env:"GENERIC_SSH_PORT" default:"22" help:"SSH port (generic driver)."`
	EnginePort int    `name:"engine-port" env:"GENERIC_ENGINE_PORT" default:"2376" help:"TCP port of the Docker engine (generic driver)."`
}

// New returns a generic driver for the machine described by base.
func New(base drivers.Base, f Flags) (*Driver, error) {
	if f.IPAddress == "" {
		return nil, fmt.Errorf("missing --generic-ip-address: the generic driver needs the host's IP address or name")
	}
	if f.SSHPort < 1 || f.SSHPort > 65535 {
		return nil, fmt.Errorf("invalid --generic-ssh-port %d: use 1-65535", f.SSHPort)
	}
	if f.EnginePort < 1 || f.EnginePort > 65535 {
		return nil, fmt.Errorf("invalid --generic-engine-port %d: use 1-65535", f.EnginePort)
	}
	if f.SSHKey != "" {
		if _, err := os.Stat(f.SSHKey); err != nil {
			return nil, fmt.Errorf("invalid --generic-ssh-key %q: %w", f.SSHKey, err)
		}
	}

	base.IPAddress = f.IPAddress
	base.SSHUser = f.SSHUser
	base.SSHPort = f.SSHPort
	return &Driver{Base: &base, EnginePort: f.EnginePort, SSHKey: f.SSHKey}, nil
}

func (d *Driver) DriverName() string { return Name }

// Create copies the SSH key into the machine's directory as id_rsa, as Docker
// Machine does, so that the machine keeps working if the original moves.
func (d *Driver) Create(context.Context) error {
	if d.SSHKey == "" {
		return nil
	}
	key, err := os.ReadFile(d.SSHKey)
	if err != nil {
		return fmt.Errorf("read SSH key %s: %w", d.SSHKey, err)
	}
	path := filepath.Join(d.StorePath, "id_rsa")
	if err := os.WriteFile(path, key, 0o600); err != nil {
		return fmt.Errorf("copy SSH key to %s: %w", path, err)
	}
	if pub, err := os.ReadFile(d.SSHKey + ".pub"); err == nil {
		_ = os.WriteFile(path+".pub", pub, 0o644)
	}
	d.SSHKeyPath = path
	return nil
}

func (d *Driver) IP(context.Context) (string, error) {
	if d.IPAddress == "" {
		return "", fmt.Errorf("machine %q has no IP address in its configuration", d.MachineName)
	}
	return d.IPAddress, nil
}

func (d *Driver) URL(ctx context.Context) (string, error) {
	ip, err := d.IP(ctx)
	if err != nil {
		return "", err
	}
	return "tcp://" + net.JoinHostPort(ip, strconv.Itoa(d.EnginePort)), nil
}

// State is Running when the SSH port accepts a TCP connection, else Stopped,
// as in Docker Machine's generic driver.
func (d *Driver) State(ctx context.Context) (drivers.State, error) {
	dialer := net.Dialer{Timeout: stateTimeout}
	conn, err := dialer.DialContext(ctx, "tcp", net.JoinHostPort(d.IPAddress, strconv.Itoa(d.SSHPort)))
	if err != nil {
		if ctx.Err() != nil {
			return drivers.Timeout, nil
		}
		return drivers.Stopped, nil
	}
	conn.Close()
	return drivers.Running, nil
}

func (d *Driver) SSHTarget(ctx context.Context) (drivers.SSHTarget, error) {
	ip, err := d.IP(ctx)
	if err != nil {
		return drivers.SSHTarget{}, err
	}
	return drivers.SSHTarget{Host: ip, Port: d.SSHPort, User: d.SSHUser, KeyPath: d.SSHKeyPath, KeyOrigin: d.SSHKey}, nil
}

func (d *Driver) Start(context.Context) error { return unsupported("start") }
func (d *Driver) Stop(context.Context) error  { return unsupported("stop") }
func (d *Driver) Kill(context.Context) error  { return unsupported("kill") }

// Restart reboots the host with `shutdown -r now` over SSH, as Docker
// Machine's generic driver does, and returns once the host has gone down:
// when the SSH connection closes or stops responding. Waiting for the host to
// come back is the caller's part. ctx bounds the whole call.
func (d *Driver) Restart(ctx context.Context) error {
	target, err := d.SSHTarget(ctx)
	if err != nil {
		return err
	}
	conn, err := sshclient.Dial(ctx, sshclient.Config{
		Host:           target.Host,
		Port:           target.Port,
		User:           target.User,
		KeyPath:        target.KeyPath,
		KnownHostsPath: filepath.Join(d.StorePath, KnownHostsFile),
	})
	if err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	defer conn.Close()

	// The connection may drop before the command returns. Only an exit
	// status below 128 (not killed by a signal) means shutdown failed.
	_, err = conn.Run(ctx, conn.Sudo(rebootCommand), nil)
	var exit *sshclient.ExitError
	if errors.As(err, &exit) && exit.Status < 128 {
		return fmt.Errorf("restart: %w", err)
	}

	if err := waitDown(ctx, conn); err != nil {
		return fmt.Errorf("restart: %s: %w", target.Host, err)
	}
	return nil
}

// waitDown probes the connection with `true` every downPollInterval until a
// probe fails or goes unanswered for downProbeTimeout.
func waitDown(ctx context.Context, conn *sshclient.Client) error {
	for {
		probe := make(chan error, 1)
		go func() {
			_, err := conn.Run(ctx, "true", nil)
			probe <- err
		}()

		select {
		case err := <-probe:
			if err != nil {
				return nil
			}
		case <-time.After(downProbeTimeout):
			return nil // conn.Close, deferred by the caller, ends the probe
		case <-ctx.Done():
			return fmt.Errorf("host still accepts SSH commands after %q: %w", rebootCommand, ctx.Err())
		}

		select {
		case <-time.After(downPollInterval):
		case <-ctx.Done():
			return fmt.Errorf("host still accepts SSH commands after %q: %w", rebootCommand, ctx.Err())
		}
	}
}

// Remove leaves the host alone: the generic driver did not make it.
func (d *Driver) Remove(context.Context) error { return nil }

func unsupported(action string) error {
	return fmt.Errorf("%s: %w (generic); act on the host itself", action, drivers.ErrNotSupported)
}
