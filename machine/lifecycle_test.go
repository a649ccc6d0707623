package machine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/machina-dev/machina/drivers"
	"github.com/machina-dev/machina/drivers/generic"
	"github.com/machina-dev/machina/store"
)

func TestGenericKnownHostsFile(t *testing.T) {
	if generic.KnownHostsFile != KnownHostsFile {
		t.Errorf("generic.KnownHostsFile = %q, want machine.KnownHostsFile %q", generic.KnownHostsFile, KnownHostsFile)
	}
}

// actMachine returns a machine named m1 in a temporary store with driver d.
func actMachine(t *testing.T, d drivers.Driver) *Machine {
	t.Helper()
	s, err := store.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	host := &store.Host{Name: "m1", DriverName: "fake", HostOptions: &store.HostOptions{AuthOptions: &store.AuthOptions{}}}
	return &Machine{Store: s, Host: host, Driver: d}
}

func TestActNotSupported(t *testing.T) {
	unsupported := fmt.Errorf("stop: %w (fake)", drivers.ErrNotSupported)
	m := actMachine(t, &fakeDriver{ip: "10.0.0.1", actErr: unsupported})

	err := Act(context.Background(), m, Stop, ActionOptions{Timeout: time.Second})
	if !errors.Is(err, drivers.ErrNotSupported) {
		t.Fatalf("Act = %v, want ErrNotSupported", err)
	}
	if !strings.Contains(err.Error(), `machine "m1"`) {
		t.Errorf("error %q does not name the machine", err)
	}
}

func TestActStopWaitsForStopped(t *testing.T) {
	d := &fakeDriver{ip: "10.0.0.1", state: drivers.Running, stopped: make(chan struct{})}
	m := actMachine(t, d)
	var progress strings.Builder

	err := Act(context.Background(), m, Stop, ActionOptions{Progress: &progress, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("Act: %v", err)
	}
	if !strings.HasPrefix(progress.String(), "stop: done by the fake driver (") {
		t.Errorf("progress = %q, want a line for the stop", progress.String())
	}
}

func TestActStopTimesOut(t *testing.T) {
	m := actMachine(t, &fakeDriver{ip: "10.0.0.1", state: drivers.Running})

	err := Act(context.Background(), m, Kill, ActionOptions{Timeout: 100 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "machine is Running, not Stopped") {
		t.Errorf("Act = %v, want an error that the machine is still running", err)
	}
}

func TestActUnknownAction(t *testing.T) {
	m := actMachine(t, &fakeDriver{ip: "10.0.0.1"})

	err := Act(context.Background(), m, Action("pause"), ActionOptions{})
	if err == nil || !strings.Contains(err.Error(), `unknown action "pause"`) {
		t.Errorf("Act = %v, want an unknown action error", err)
	}
}

func TestProvisionWithoutSSH(t *testing.T) {
	m := actMachine(t, &fakeDriver{ip: "10.0.0.1"})

	err := Provision(context.Background(), m, ProvisionOptions{})
	if err == nil || !strings.Contains(err.Error(), "has no SSH access") {
		t.Errorf("Provision = %v, want an error about SSH access", err)
	}
}
