// Package machine performs the operations on one machine that span the
// store, its driver, its certificates and its engine.
package machine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/machina-dev/machina/drivers"
	"github.com/machina-dev/machina/store"
)

// createErrorFile marks a machine whose create failed; it holds the error.
// Docker Machine ignores it, and `machina rm` removes it with the directory.
const createErrorFile = "machina-create-error"

// KnownHostsFile is the pinned SSH host key of a machine, in its directory
// beside config.json, which Docker Machine rewrites without unknown fields.
const KnownHostsFile = "machina-known_hosts"

// Machine is a loaded machine: its config.json and its decoded driver.
type Machine struct {
	Store  *store.Store
	Host   *store.Host
	Driver drivers.Driver
}

// Load reads a machine and decodes its driver.
func Load(s *store.Store, name string) (*Machine, error) {
	h, err := s.Load(name)
	if err != nil {
		return nil, err
	}
	d, err := drivers.Decode(h.DriverName, h.Driver)
	if err != nil {
		return nil, fmt.Errorf("machine %q: %w", name, err)
	}
	return &Machine{Store: s, Host: h, Driver: d}, nil
}

// Name is the machine's name.
func (m *Machine) Name() string { return m.Host.Name }

// Dir is the machine's directory in the store.
func (m *Machine) Dir() string { return m.Store.MachineDir(m.Host.Name) }

// CertPath is the directory holding ca.pem, cert.pem and key.pem for the
// docker CLI: DOCKER_CERT_PATH, as in Docker Machine.
func (m *Machine) CertPath() string {
	if p := m.Host.HostOptions.AuthOptions.StorePath; p != "" {
		return p
	}
	return m.Dir()
}

// CreateError returns the error a failed create left, or "".
func (m *Machine) CreateError() string { return CreateError(m.Store, m.Host.Name) }

// CreateError returns the error a failed create of name left, or "".
func CreateError(s *store.Store, name string) string {
	data, err := os.ReadFile(filepath.Join(s.MachineDir(name), createErrorFile))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}

// KnownHostsPath is the file holding the machine's pinned SSH host key.
func (m *Machine) KnownHostsPath() string { return filepath.Join(m.Dir(), KnownHostsFile) }

// Var is one environment variable.
type Var struct{ Name, Value string }

// EnvVars returns the docker CLI variables for the machine, in Docker
// Machine's order. It reads only the store and contacts nothing.
func (m *Machine) EnvVars(ctx context.Context) ([]Var, error) {
	if msg := m.CreateError(); msg != "" {
		return nil, fmt.Errorf("machine %q failed to create: %s; remove it with `machina rm %s`", m.Name(), msg, m.Name())
	}
	url, err := m.Driver.URL(ctx)
	if err != nil {
		return nil, fmt.Errorf("machine %q: %w", m.Name(), err)
	}
	return []Var{
		{"DOCKER_TLS_VERIFY", "1"},
		{"DOCKER_HOST", url},
		{"DOCKER_CERT_PATH", m.CertPath()},
		{"DOCKER_MACHINE_NAME", m.Name()},
	}, nil
}
