package machine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"time"

	"github.com/machina-dev/machina/drivers"
	"github.com/machina-dev/machina/provision"
	"github.com/machina-dev/machina/sshclient"
	"github.com/machina-dev/machina/store"
	mtls "github.com/machina-dev/machina/tls"
)

// CreateOptions are the settings `machina create` takes from its flags.
type CreateOptions struct {
	Driver        drivers.Driver // configured from the driver's flags, with Base from NewBase
	Certs         store.CertPaths
	KeyType       mtls.KeyType
	TLSSANs       []string
	Engine        store.EngineOptions
	Progress      io.Writer     // one line per step
	Debug         io.Writer     // SSH commands, or nil
	SSHTimeout    time.Duration // dial and handshake bound
	EngineTimeout time.Duration // bound on the wait for the engine's TLS endpoint
}

// NewBase returns the driver fields every driver stores, for a new machine.
func NewBase(s *store.Store, name string) drivers.Base {
	return drivers.Base{
		MachineName: name,
		StorePath:   s.MachineDir(name),
		SwarmHost:   "tcp://0.0.0.0:3376",
	}
}

// Create makes a machine: its store directory, the host through its driver,
// certificates, and a provisioned engine for drivers reached over SSH. A
// failure after the directory exists leaves it marked with the error, so that
// `ls` shows it and `rm` removes it.
func Create(ctx context.Context, s *store.Store, name string, opts CreateOptions) (*Machine, error) {
	if err := store.ValidateName(name); err != nil {
		return nil, err
	}
	unlock, err := s.Lock(name)
	if err != nil {
		return nil, err
	}
	defer unlock()

	if err := s.Create(name); err != nil {
		return nil, err
	}
	m := &Machine{Store: s, Driver: opts.Driver, Host: newHost(s, name, opts)}

	if err := m.create(ctx, opts); err != nil {
		markErr := os.WriteFile(filepath.Join(m.Dir(), createErrorFile), []byte(err.Error()+"\n"), 0o600)
		saveErr := m.save()
		err = fmt.Errorf("create %q: %w\nThe machine is kept in state Error: remove it with `machina rm %s`, then create it again", name, err, name)
		return nil, errors.Join(err, markErr, saveErr)
	}
	return m, nil
}

func newHost(s *store.Store, name string, opts CreateOptions) *store.Host {
	dir := s.MachineDir(name)
	engine := opts.Engine
	engine.TLSVerify = true
	return &store.Host{
		ConfigVersion: store.ConfigVersion,
		DriverName:    opts.Driver.DriverName(),
		Name:          name,
		HostOptions: &store.HostOptions{
			EngineOptions: &engine,
			SwarmOptions: &store.SwarmOptions{
				Host:     "tcp://0.0.0.0:3376",
				Image:    "swarm:latest",
				Strategy: "spread",
			},
			AuthOptions: &store.AuthOptions{
				CertDir:          s.CertsDir(),
				CaCertPath:       opts.Certs.CACert,
				CaPrivateKeyPath: opts.Certs.CAKey,
				ClientCertPath:   opts.Certs.ClientCert,
				ClientKeyPath:    opts.Certs.ClientKey,
				ServerCertPath:   filepath.Join(dir, "server.pem"),
				ServerKeyPath:    filepath.Join(dir, "server-key.pem"),
				ServerCertSANs:   opts.TLSSANs,
				StorePath:        dir,
			},
		},
	}
}

func (m *Machine) create(ctx context.Context, opts CreateOptions) error {
	step := newSteps(opts.Progress)

	ca, client, created, err := m.Store.EnsureCA(opts.Certs, username(), opts.KeyType)
	if err != nil {
		return err
	}
	if created {
		step.done("certificates", "made CA and client certificate in "+filepath.Dir(opts.Certs.CACert))
	} else {
		step.done("certificates", "using CA "+opts.Certs.CACert)
	}

	if err := m.Driver.Create(ctx); err != nil {
		return err
	}
	if err := m.save(); err != nil {
		return err
	}

	provisionOpts := ProvisionOptions{
		Progress:      opts.Progress,
		Debug:         opts.Debug,
		SSHTimeout:    opts.SSHTimeout,
		EngineTimeout: opts.EngineTimeout,
	}
	if err := m.configure(ctx, ca, client, opts.KeyType, provisionOpts, step); err != nil {
		return err
	}
	return m.save()
}

// ProvisionOptions bound and report one provisioning run.
type ProvisionOptions struct {
	Progress      io.Writer     // one line per step
	Debug         io.Writer     // SSH commands, or nil
	SSHTimeout    time.Duration // dial and handshake bound
	EngineTimeout time.Duration // bound on the wait for the engine's TLS endpoint
}

// configure makes a server certificate for the machine's current IP address
// and, for drivers reached over SSH, provisions the engine with it. Create
// and Provision share it.
func (m *Machine) configure(ctx context.Context, ca, client mtls.Pair, kt mtls.KeyType, opts ProvisionOptions, step *steps) error {
	ip, err := m.Driver.IP(ctx)
	if err != nil {
		return err
	}
	server, err := m.writeCerts(ca, client, ip, kt)
	if err != nil {
		return err
	}
	step.done("certificates", "server certificate for "+ip)

	if sshDriver, ok := m.Driver.(drivers.SSH); ok {
		if err := m.provision(ctx, sshDriver, opts, ca, client, server, ip, step); err != nil {
			return err
		}
	}
	return nil
}

// writeCerts makes the server certificate and copies the CA and client
// certificate into the machine's directory, the DOCKER_CERT_PATH of the
// docker CLI.
func (m *Machine) writeCerts(ca, client mtls.Pair, ip string, kt mtls.KeyType) (mtls.Pair, error) {
	auth := m.Host.HostOptions.AuthOptions
	sans := append([]string{ip}, auth.ServerCertSANs...)
	server, err := mtls.NewServerCert(ca, username()+"."+m.Name(), sans, kt)
	if err != nil {
		return server, fmt.Errorf("make server certificate: %w", err)
	}
	if err := store.WritePair(server, auth.ServerCertPath, auth.ServerKeyPath); err != nil {
		return server, err
	}

	dir := m.Dir()
	if err := store.WriteFile(filepath.Join(dir, "ca.pem"), ca.CertPEM, 0o600); err != nil {
		return server, err
	}
	return server, store.WritePair(client, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
}

func (m *Machine) provision(ctx context.Context, d drivers.SSH, opts ProvisionOptions, ca, client, server mtls.Pair, ip string, step *steps) error {
	conn, target, err := m.dialSSH(ctx, d, opts.SSHTimeout, opts.Debug)
	if err != nil {
		return err
	}
	defer conn.Close()
	step.done("SSH", fmt.Sprintf("%s@%s:%d", target.User, target.Host, target.Port))

	port, err := m.enginePort(ctx)
	if err != nil {
		return err
	}
	e := m.Host.HostOptions.EngineOptions
	return provision.Provision(ctx, conn, provision.Options{
		Hostname: m.Name(),
		Engine: provision.Engine{
			Port:             port,
			InstallURL:       e.InstallURL,
			ArbitraryFlags:   e.ArbitraryFlags,
			Labels:           e.Labels,
			Env:              e.Env,
			StorageDriver:    e.StorageDriver,
			InsecureRegistry: e.InsecureRegistry,
			RegistryMirror:   e.RegistryMirror,
		},
		Certs:      provision.Certs{CA: ca.CertPEM, ServerCert: server.CertPEM, ServerKey: server.KeyPEM},
		EngineAddr: ip,
		ClientCert: client.CertPEM,
		ClientKey:  client.KeyPEM,
		Timeout:    opts.EngineTimeout,
		Progress:   func(name, detail string, took time.Duration) { step.took(name, detail, took) },
	})
}

// dialSSH logs in to the machine with its pinned host key.
func (m *Machine) dialSSH(ctx context.Context, d drivers.SSH, timeout time.Duration, debug io.Writer) (*sshclient.Client, drivers.SSHTarget, error) {
	target, err := d.SSHTarget(ctx)
	if err != nil {
		return nil, target, err
	}
	conn, err := sshclient.Dial(ctx, sshclient.Config{
		Host:           target.Host,
		Port:           target.Port,
		User:           target.User,
		KeyPath:        target.KeyPath,
		KnownHostsPath: m.KnownHostsPath(),
		Timeout:        timeout,
		Debug:          debug,
	})
	if errors.Is(err, sshclient.ErrAuth) && target.KeyOrigin != "" && target.KeyOrigin != target.KeyPath {
		return nil, target, fmt.Errorf("%w (that key is machina's copy of %s)", err, target.KeyOrigin)
	}
	return conn, target, err
}

// enginePort is the port of the machine's engine URL.
func (m *Machine) enginePort(ctx context.Context) (int, error) {
	raw, err := m.Driver.URL(ctx)
	if err != nil {
		return 0, err
	}
	_, portText, err := splitURL(raw)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(portText)
}

func (m *Machine) save() error {
	raw, err := marshalDriver(m.Driver)
	if err != nil {
		return err
	}
	m.Host.Driver = raw
	return m.Store.Save(m.Host)
}

// username is the subject organization of the certificates, as in Docker Machine.
func username() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "machina"
}
