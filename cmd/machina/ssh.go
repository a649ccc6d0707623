package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/machina-dev/machina/drivers"
	"github.com/machina-dev/machina/machine"
	"github.com/machina-dev/machina/sshclient"
)

// SSHCmd is `machina ssh`.
type SSHCmd struct {
	Name    string        `arg:"" help:"Machine name."`
	Command []string      `arg:"" optional:"" passthrough:"" help:"Command to run; without one, an interactive shell."`
	Timeout time.Duration `default:"30s" help:"Bound on connecting over SSH."`
}

func (c *SSHCmd) Run(ctx context.Context, g *Globals) error {
	m, err := g.load(c.Name)
	if err != nil {
		return err
	}
	conn, err := dialMachine(ctx, g, m, c.Timeout)
	if err != nil {
		return err
	}
	defer conn.Close()

	command := c.Command
	if len(command) > 0 && command[0] == "--" {
		command = command[1:]
	}
	status, err := conn.Interactive(ctx, strings.Join(command, " "), g.Stdin, g.Stdout, g.Stderr)
	if err != nil {
		return fmt.Errorf("ssh %q: %w", c.Name, err)
	}
	if status != 0 {
		return exitError{code: status}
	}
	return nil
}

// dialMachine opens an SSH connection to a machine with its pinned host key.
func dialMachine(ctx context.Context, g *Globals, m *machine.Machine, timeout time.Duration) (*sshclient.Client, error) {
	d, ok := m.Driver.(drivers.SSH)
	if !ok {
		return nil, fmt.Errorf("machine %q: the %s driver has no SSH access", m.Name(), m.Host.DriverName)
	}
	target, err := d.SSHTarget(ctx)
	if err != nil {
		return nil, err
	}
	return sshclient.Dial(ctx, sshclient.Config{
		Host:           target.Host,
		Port:           target.Port,
		User:           target.User,
		KeyPath:        target.KeyPath,
		KnownHostsPath: m.KnownHostsPath(),
		Timeout:        timeout,
		Debug:          g.debug(),
	})
}
