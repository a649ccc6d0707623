// Package drivers defines what machina needs from a driver: the interface
// every driver implements, the machine state enum and the driver registry.
package drivers

import (
	"context"
	"errors"
	"fmt"
)

// State is a machine's state as a driver reports it. The values and their
// order match Docker Machine's state.State.
type State int

const (
	None State = iota
	Running
	Paused
	Saved
	Stopped
	Stopping
	Starting
	Error
	Timeout
)

var stateNames = [...]string{"", "Running", "Paused", "Saved", "Stopped", "Stopping", "Starting", "Error", "Timeout"}

func (s State) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return fmt.Sprintf("State(%d)", int(s))
	}
	return stateNames[s]
}

// ErrNotSupported is wrapped by actions a driver cannot perform.
var ErrNotSupported = errors.New("not supported by this driver")

// Base holds the fields every Docker Machine driver stores in config.json.
type Base struct {
	IPAddress      string
	MachineName    string
	SSHUser        string
	SSHPort        int
	SSHKeyPath     string
	StorePath      string
	SwarmMaster    bool
	SwarmHost      string
	SwarmDiscovery string
}

// Driver creates and controls one machine. Its exported fields are the
// driver's JSON in config.json.
type Driver interface {
	// DriverName is the name used with -d and stored as DriverName.
	DriverName() string
	// Create makes the host. It does not provision the engine.
	Create(ctx context.Context) error
	// IP returns the address the machine is reached at.
	IP(ctx context.Context) (string, error)
	// URL returns the engine endpoint, as tcp://HOST:PORT.
	URL(ctx context.Context) (string, error)
	// State queries the machine for its state.
	State(ctx context.Context) (State, error)
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	Restart(ctx context.Context) error
	Kill(ctx context.Context) error
	// Remove deletes the host where the driver made it; drivers that
	// manage existing hosts leave the host alone.
	Remove(ctx context.Context) error
}

// SSH is implemented by drivers whose machines machina reaches over SSH and
// provisions.
type SSH interface {
	SSHTarget(ctx context.Context) (SSHTarget, error)
}

// SSHTarget is the address, port, user and key for logging in to a machine.
type SSHTarget struct {
	Host    string
	Port    int
	User    string
	KeyPath string // "" means the ssh-agent, then the user's ~/.ssh keys
	// KeyOrigin is the key the user passed when KeyPath is machina's copy
	// of it, so that errors can name the file the user passed.
	KeyOrigin string
}
