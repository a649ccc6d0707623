package machine

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/machina-dev/machina/drivers"
	"github.com/machina-dev/machina/provision"
	"github.com/machina-dev/machina/store"
	mtls "github.com/machina-dev/machina/tls"
)

// ExpiryWarning is how long before a certificate expires `ls` starts to
// warn about it.
const ExpiryWarning = 30 * 24 * time.Hour

// CheckServerCert verifies the machine's server certificate against its CA
// and its current IP address at now. When the IP address is not among the
// certificate's SANs, as after the address changed, the error wraps
// mtls.ErrHostMismatch and names the machine, the IP address, the SANs and
// the command that fixes it. It contacts nothing but the driver.
func (m *Machine) CheckServerCert(ctx context.Context, now time.Time) error {
	name := m.Name()
	auth := m.Host.HostOptions.AuthOptions
	ip, err := m.Driver.IP(ctx)
	if err != nil {
		return fmt.Errorf("machine %q: %w", name, err)
	}
	ca, err := os.ReadFile(auth.CaCertPath)
	if err != nil {
		return fmt.Errorf("machine %q: read CA certificate: %w", name, err)
	}
	server, err := os.ReadFile(auth.ServerCertPath)
	if err != nil {
		return fmt.Errorf("machine %q: read server certificate: %w", name, err)
	}

	err = mtls.VerifyServer(ca, server, ip, now)
	switch {
	case errors.Is(err, mtls.ErrHostMismatch):
		return fmt.Errorf("machine %q: %w; run `machina regenerate-certs %s` to make a new one for its current IP address", name, err, name)
	case err != nil:
		return fmt.Errorf("machine %q: %w; run `machina regenerate-certs %s` to make a new one", name, err, name)
	}
	return nil
}

// CertWarnings lists the problems of the machine's certificates at now. It
// reports a CA, client or server certificate that expired or expires within
// ExpiryWarning, and a server certificate that the CA did not sign or that
// does not name the machine's IP address. It skips files that cannot be
// read, because the engine query fails on them with its own error.
func (m *Machine) CertWarnings(ctx context.Context, now time.Time) []string {
	auth := m.Host.HostOptions.AuthOptions
	var warnings []string
	for _, c := range []struct{ kind, path string }{
		{"CA certificate", auth.CaCertPath},
		{"client certificate", auth.ClientCertPath},
		{"server certificate", auth.ServerCertPath},
	} {
		if w := expiryWarning(c.kind, c.path, now); w != "" {
			warnings = append(warnings, w)
		}
	}

	err := m.CheckServerCert(ctx, now)
	var invalid x509.CertificateInvalidError
	switch {
	case err == nil:
	case errors.Is(err, os.ErrNotExist):
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		// expiryWarning has reported it.
	default:
		warnings = append(warnings, strings.TrimPrefix(err.Error(), fmt.Sprintf("machine %q: ", m.Name())))
	}
	return warnings
}

// expiryWarning describes the certificate at path when it has expired or
// expires within ExpiryWarning of now, else returns "".
func expiryWarning(kind, path string, now time.Time) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	info, err := mtls.Inspect(data)
	if err != nil {
		return fmt.Sprintf("%s %s: %v", kind, path, err)
	}

	date := info.NotAfter.UTC().Format(time.DateOnly)
	switch {
	case now.After(info.NotAfter):
		return fmt.Sprintf("%s expired %s", kind, date)
	case info.NotAfter.Sub(now) < ExpiryWarning:
		return fmt.Sprintf("%s expires %s", kind, date)
	}
	return ""
}

// withCertWarnings puts the machine's certificate warnings before rowError,
// for the ERRORS column of `ls`.
func withCertWarnings(ctx context.Context, m *Machine, rowError string) string {
	warnings := m.CertWarnings(ctx, time.Now())
	if rowError != "" {
		warnings = append(warnings, rowError)
	}
	return strings.Join(warnings, "; ")
}

// RegenerateCerts makes a new server certificate for the machine, signed by
// its CA, for its current IP address and its extra SANs. It copies the CA,
// client certificate and server certificate into the machine's directory,
// writes the CA and server certificate to the engine's TLS files on the host
// over SSH, restarts the engine and waits until it responds over TLS.
func RegenerateCerts(ctx context.Context, m *Machine, opts ProvisionOptions) error {
	name := m.Name()
	d, ok := m.Driver.(drivers.SSH)
	if !ok {
		return fmt.Errorf("regenerate-certs %q: the %s driver has no SSH access, so machina cannot update the engine's certificates", name, m.Host.DriverName)
	}
	unlock, err := m.Store.Lock(name)
	if err != nil {
		return err
	}
	defer unlock()

	if err := m.regenerateCerts(ctx, d, opts); err != nil {
		return fmt.Errorf("regenerate-certs %q: %w", name, err)
	}
	return nil
}

func (m *Machine) regenerateCerts(ctx context.Context, d drivers.SSH, opts ProvisionOptions) error {
	step := newSteps(opts.Progress)

	ca, client, err := m.readCA()
	if err != nil {
		return err
	}
	ip, err := m.Driver.IP(ctx)
	if err != nil {
		return err
	}

	// SSH comes first, so that a host that cannot be reached keeps its old
	// server certificate in the store too, and `ls` shows it as stale.
	conn, target, err := m.dialSSH(ctx, d, opts.SSHTimeout, opts.Debug)
	if err != nil {
		return err
	}
	defer conn.Close()
	step.done("SSH", fmt.Sprintf("%s@%s:%d", target.User, target.Host, target.Port))

	server, err := m.writeCerts(ca, client, ip, m.keyType())
	if err != nil {
		return err
	}
	sans := append([]string{ip}, m.Host.HostOptions.AuthOptions.ServerCertSANs...)
	step.done("certificates", "server certificate for "+strings.Join(sans, ", "))

	files := []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{provision.RemoteCAPath, ca.CertPEM, 0o644},
		{provision.RemoteServerCertPath, server.CertPEM, 0o644},
		{provision.RemoteServerKeyPath, server.KeyPEM, 0o600},
	}
	for _, f := range files {
		if err := conn.WriteFile(ctx, f.path, f.data, f.mode); err != nil {
			return err
		}
	}
	step.done("TLS files", fmt.Sprintf("%s, %s, %s", provision.RemoteCAPath, provision.RemoteServerCertPath, provision.RemoteServerKeyPath))

	return m.restartEngine(ctx, conn, opts.EngineTimeout, step)
}

// RenewCA replaces the CA and client certificate that the machine's
// AuthOptions name with new ones of the old CA's key type, and returns the
// names of every machine in the store that uses that CA. Those machines'
// engines still trust the old CA until RegenerateCerts runs on each.
func RenewCA(s *store.Store, m *Machine) (users []string, err error) {
	auth := m.Host.HostOptions.AuthOptions
	unlock, err := s.LockStore()
	if err != nil {
		return nil, err
	}
	defer unlock()

	kt := mtls.ECDSA
	if key, err := os.ReadFile(auth.CaPrivateKeyPath); err == nil {
		if t, err := mtls.KeyTypeOf(key); err == nil {
			kt = t
		}
	}
	ca, err := mtls.NewCA(username(), kt)
	if err != nil {
		return nil, fmt.Errorf("make CA: %w", err)
	}
	client, err := mtls.NewClientCert(ca, username(), kt)
	if err != nil {
		return nil, fmt.Errorf("make client certificate: %w", err)
	}
	if err := store.WritePair(ca, auth.CaCertPath, auth.CaPrivateKeyPath); err != nil {
		return nil, err
	}
	if err := store.WritePair(client, auth.ClientCertPath, auth.ClientKeyPath); err != nil {
		return nil, err
	}

	return machinesUsingCA(s, auth.CaCertPath)
}

// machinesUsingCA returns the names of the machines whose AuthOptions name
// the CA certificate at caPath. Machines that cannot be loaded are left out.
func machinesUsingCA(s *store.Store, caPath string) ([]string, error) {
	names, err := s.List()
	if err != nil {
		return nil, err
	}
	var users []string
	for _, name := range names {
		h, err := s.Load(name)
		if err != nil {
			continue
		}
		if filepath.Clean(h.HostOptions.AuthOptions.CaCertPath) == filepath.Clean(caPath) {
			users = append(users, name)
		}
	}
	return users, nil
}
