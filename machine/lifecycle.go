package machine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/machina-dev/machina/drivers"
	"github.com/machina-dev/machina/provision"
	"github.com/machina-dev/machina/sshclient"
	"github.com/machina-dev/machina/store"
	mtls "github.com/machina-dev/machina/tls"
)

// Action is a power action that a driver performs on its machine.
type Action string

// The actions of `machina start`, `stop`, `restart` and `kill`.
const (
	Start   Action = "start"
	Stop    Action = "stop"
	Restart Action = "restart"
	Kill    Action = "kill"
)

// ActionOptions bound and report one action.
type ActionOptions struct {
	Progress   io.Writer     // one line per step
	Debug      io.Writer     // SSH commands, or nil
	SSHTimeout time.Duration // dial and handshake bound of each SSH attempt

	// Timeout bounds the whole action, including the driver's part and the
	// wait for the machine. Zero means no bound but ctx.
	Timeout time.Duration
}

// pollInterval is the pause between two checks of a machine that is coming
// up or going down.
const pollInterval = time.Second

// Act performs action on m through its driver. After start and restart it
// waits until the machine accepts an SSH login (for drivers reached over SSH)
// and its engine responds to /_ping over TLS. After stop and kill it waits until the
// driver reports the machine Stopped. Errors name the machine and wrap
// drivers.ErrNotSupported when the driver cannot perform the action.
func Act(ctx context.Context, m *Machine, action Action, opts ActionOptions) error {
	unlock, err := m.Store.Lock(m.Name())
	if err != nil {
		return err
	}
	defer unlock()

	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}

	if err := m.act(ctx, action, opts); err != nil {
		return fmt.Errorf("machine %q: %w", m.Name(), err)
	}
	return nil
}

func (m *Machine) act(ctx context.Context, action Action, opts ActionOptions) error {
	step := newSteps(opts.Progress)

	var err error
	switch action {
	case Start:
		err = m.Driver.Start(ctx)
	case Stop:
		err = m.Driver.Stop(ctx)
	case Restart:
		err = m.Driver.Restart(ctx)
	case Kill:
		err = m.Driver.Kill(ctx)
	default:
		return fmt.Errorf("unknown action %q", action)
	}
	if err != nil {
		return err
	}
	step.done(string(action), "done by the "+m.Host.DriverName+" driver")

	if action == Stop || action == Kill {
		return m.waitForState(ctx, action, drivers.Stopped, opts.Timeout)
	}
	return m.waitUntilUp(ctx, action, opts, step)
}

// waitUntilUp waits until the machine accepts an SSH login, when its driver
// reaches it over SSH, and its engine responds over TLS.
func (m *Machine) waitUntilUp(ctx context.Context, action Action, opts ActionOptions, step *steps) error {
	if d, ok := m.Driver.(drivers.SSH); ok {
		target, err := m.waitForSSH(ctx, d, opts)
		if err != nil {
			return fmt.Errorf("%s: %w", action, err)
		}
		step.done("SSH", fmt.Sprintf("%s@%s:%d", target.User, target.Host, target.Port))
	}

	version, err := m.waitForEngine(ctx, opts.Timeout)
	if err != nil {
		return fmt.Errorf("%s: %w", action, err)
	}
	step.done("engine ready", "Docker "+version)
	return nil
}

// waitForSSH dials the machine until it logs in. A changed host key ends the
// wait at once, because retrying cannot fix it.
func (m *Machine) waitForSSH(ctx context.Context, d drivers.SSH, opts ActionOptions) (drivers.SSHTarget, error) {
	for {
		conn, target, err := m.dialSSH(ctx, d, opts.SSHTimeout, opts.Debug)
		if err == nil {
			conn.Close()
			return target, nil
		}
		if errors.Is(err, sshclient.ErrHostKeyChanged) {
			return target, err
		}

		select {
		case <-ctx.Done():
			return target, fmt.Errorf("SSH login timed out after %s: %w", opts.Timeout, err)
		case <-time.After(pollInterval):
		}
	}
}

// waitForEngine pings the machine's engine over TLS with the machine's CA
// and client certificate until it responds, and returns its version. A server
// certificate that does not name the machine's IP address fails at once,
// with the command that fixes it.
func (m *Machine) waitForEngine(ctx context.Context, timeout time.Duration) (string, error) {
	if err := m.CheckServerCert(ctx, time.Now()); errors.Is(err, mtls.ErrHostMismatch) {
		return "", err
	}

	ip, err := m.Driver.IP(ctx)
	if err != nil {
		return "", err
	}
	port, err := m.enginePort(ctx)
	if err != nil {
		return "", err
	}
	auth := m.Host.HostOptions.AuthOptions
	ca, err := os.ReadFile(auth.CaCertPath)
	if err != nil {
		return "", fmt.Errorf("read CA certificate: %w", err)
	}
	client, err := store.ReadPair(auth.ClientCertPath, auth.ClientKeyPath)
	if err != nil {
		return "", err
	}

	if deadline, ok := ctx.Deadline(); ok {
		timeout = time.Until(deadline)
	}
	return provision.WaitForEngine(ctx, ip, port, ca, client.CertPEM, client.KeyPEM, timeout)
}

// waitForState polls the driver for the machine's state until it is want.
func (m *Machine) waitForState(ctx context.Context, action Action, want drivers.State, timeout time.Duration) error {
	for {
		state, err := m.Driver.State(ctx)
		if err == nil && state == want {
			return nil
		}

		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: machine is %s, not %s, after %s", action, state, want, timeout)
		case <-time.After(pollInterval):
		}
	}
}

// Provision provisions an existing machine again, as create does: a new
// server certificate for its current IP address, then the engine's
// installation, TLS files and flags over SSH. The CA and client certificate
// stay. A successful run clears the mark a failed create left.
func Provision(ctx context.Context, m *Machine, opts ProvisionOptions) error {
	name := m.Name()
	if _, ok := m.Driver.(drivers.SSH); !ok {
		return fmt.Errorf("provision %q: the %s driver has no SSH access, so machina cannot provision it", name, m.Host.DriverName)
	}
	unlock, err := m.Store.Lock(name)
	if err != nil {
		return err
	}
	defer unlock()

	ca, client, err := m.readCA()
	if err != nil {
		return fmt.Errorf("provision %q: %w", name, err)
	}
	if err := m.configure(ctx, ca, client, m.keyType(), opts, newSteps(opts.Progress)); err != nil {
		return fmt.Errorf("provision %q: %w", name, err)
	}
	if err := m.save(); err != nil {
		return err
	}

	err = os.Remove(m.createErrorPath())
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// readCA reads the CA, with its key, and the client certificate that the
// machine's AuthOptions name.
func (m *Machine) readCA() (ca, client mtls.Pair, err error) {
	auth := m.Host.HostOptions.AuthOptions
	ca, err = store.ReadPair(auth.CaCertPath, auth.CaPrivateKeyPath)
	if err != nil {
		return ca, client, fmt.Errorf("CA %s: %w", auth.CaCertPath, err)
	}
	client, err = store.ReadPair(auth.ClientCertPath, auth.ClientKeyPath)
	if err != nil {
		return ca, client, fmt.Errorf("client certificate %s: %w", auth.ClientCertPath, err)
	}
	return ca, client, nil
}

// keyType is the key type of the machine's current server key, else of its
// CA key, else ECDSA.
func (m *Machine) keyType() mtls.KeyType {
	auth := m.Host.HostOptions.AuthOptions
	for _, path := range []string{auth.ServerKeyPath, auth.CaPrivateKeyPath} {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		if kt, err := mtls.KeyTypeOf(data); err == nil {
			return kt
		}
	}
	return mtls.ECDSA
}

func (m *Machine) createErrorPath() string { return filepath.Join(m.Dir(), createErrorFile) }

// engineRestartCommand restarts the engine with the host's service manager:
// systemd where it runs, else OpenRC's rc-service, else SysV's service, whose
// restart fails on some init scripts when the engine was not running.
const engineRestartCommand = "if [ -d /run/systemd/system ]; then systemctl restart docker; " +
	"elif command -v rc-service >/dev/null 2>&1; then rc-service docker restart; " +
	"else service docker restart || service docker start; fi"

// restartEngine restarts the engine over conn and waits until it responds
// over TLS.
func (m *Machine) restartEngine(ctx context.Context, conn *sshclient.Client, timeout time.Duration, step *steps) error {
	if _, err := conn.Run(ctx, conn.Sudo(engineRestartCommand), nil); err != nil {
		return fmt.Errorf("restart the engine: %w", err)
	}
	step.done("engine restart", "")

	version, err := m.waitForEngine(ctx, timeout)
	if err != nil {
		return err
	}
	step.done("engine ready", "Docker "+version)
	return nil
}
