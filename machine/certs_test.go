package machine

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/machina-dev/machina/drivers"
	"github.com/machina-dev/machina/store"
	mtls "github.com/machina-dev/machina/tls"
)

// fakeDriver is a driver whose IP address, state and action errors the test sets.
type fakeDriver struct {
	ip      string
	state   drivers.State
	actErr  error         // returned by Start, Stop, Restart and Kill
	stopped chan struct{} // closed by Stop; State then returns drivers.Stopped
}

func (d *fakeDriver) DriverName() string                 { return "fake" }
func (d *fakeDriver) Create(context.Context) error       { return nil }
func (d *fakeDriver) IP(context.Context) (string, error) { return d.ip, nil }
func (d *fakeDriver) URL(context.Context) (string, error) {
	return "tcp://" + net.JoinHostPort(d.ip, "2376"), nil
}
func (d *fakeDriver) State(context.Context) (drivers.State, error) {
	if d.stopped != nil {
		select {
		case <-d.stopped:
			return drivers.Stopped, nil
		default:
		}
	}
	return d.state, nil
}
func (d *fakeDriver) Start(context.Context) error   { return d.actErr }
func (d *fakeDriver) Restart(context.Context) error { return d.actErr }
func (d *fakeDriver) Kill(context.Context) error    { return d.actErr }
func (d *fakeDriver) Remove(context.Context) error  { return nil }
func (d *fakeDriver) Stop(context.Context) error {
	if d.actErr == nil && d.stopped != nil {
		close(d.stopped)
	}
	return d.actErr
}

// testCert is a certificate made for a test, with its key.
type testCert struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

// makeCert makes a certificate valid until notAfter, signed by parent, or
// self-signed when parent is nil. ips become its IP SANs.
func makeCert(t *testing.T, parent *testCert, isCA bool, notAfter time.Time, ips ...string) *testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{Organization: []string{"test"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  isCA,
	}
	for _, ip := range ips {
		template.IPAddresses = append(template.IPAddresses, net.ParseIP(ip))
	}

	signer, signerKey := template, key
	if parent != nil {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, template, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCert{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// certMachine returns a machine at ip whose CA, client and server
// certificates are the given ones, written to a temporary store.
func certMachine(t *testing.T, ip string, ca, client, server *testCert) *Machine {
	t.Helper()
	s, err := store.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	auth := &store.AuthOptions{
		CaCertPath:     filepath.Join(dir, "ca.pem"),
		ClientCertPath: filepath.Join(dir, "cert.pem"),
		ServerCertPath: filepath.Join(dir, "server.pem"),
	}
	for path, c := range map[string]*testCert{auth.CaCertPath: ca, auth.ClientCertPath: client, auth.ServerCertPath: server} {
		if err := os.WriteFile(path, c.pem, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	host := &store.Host{Name: "m1", DriverName: "fake", HostOptions: &store.HostOptions{AuthOptions: auth}}
	return &Machine{Store: s, Host: host, Driver: &fakeDriver{ip: ip, state: drivers.Running}}
}

func TestCertWarningsNone(t *testing.T) {
	year := time.Now().Add(365 * 24 * time.Hour)
	ca := makeCert(t, nil, true, year)
	m := certMachine(t, "10.0.0.1", ca, makeCert(t, ca, false, year), makeCert(t, ca, false, year, "10.0.0.1"))

	if got := m.CertWarnings(context.Background(), time.Now()); len(got) != 0 {
		t.Errorf("CertWarnings = %q, want none", got)
	}
}

func TestCertWarningsExpiresSoon(t *testing.T) {
	year := time.Now().Add(365 * 24 * time.Hour)
	soon := time.Now().Add(10 * 24 * time.Hour)
	ca := makeCert(t, nil, true, year)
	m := certMachine(t, "10.0.0.1", ca, makeCert(t, ca, false, year), makeCert(t, ca, false, soon, "10.0.0.1"))

	got := m.CertWarnings(context.Background(), time.Now())
	want := "server certificate expires " + soon.UTC().Format(time.DateOnly)
	if len(got) != 1 || got[0] != want {
		t.Errorf("CertWarnings = %q, want [%q]", got, want)
	}
}

func TestCertWarningsExpired(t *testing.T) {
	year := time.Now().Add(365 * 24 * time.Hour)
	ca := makeCert(t, nil, true, year)
	client := makeCert(t, ca, false, year)
	server := makeCert(t, ca, false, year, "10.0.0.1")
	m := certMachine(t, "10.0.0.1", ca, client, server)

	// Two years on, every certificate has expired, and each is named with
	// its date once; the failed chain verification adds nothing.
	later := time.Now().Add(2 * 365 * 24 * time.Hour)
	got := m.CertWarnings(context.Background(), later)
	date := year.UTC().Format(time.DateOnly)
	want := []string{
		"CA certificate expired " + date,
		"client certificate expired " + date,
		"server certificate expired " + date,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("CertWarnings =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestCertWarningsCAExpiresSoon(t *testing.T) {
	year := time.Now().Add(365 * 24 * time.Hour)
	soon := time.Now().Add(29 * 24 * time.Hour)
	ca := makeCert(t, nil, true, soon)
	m := certMachine(t, "10.0.0.1", ca, makeCert(t, ca, false, year), makeCert(t, ca, false, year, "10.0.0.1"))

	got := m.CertWarnings(context.Background(), time.Now())
	want := "CA certificate expires " + soon.UTC().Format(time.DateOnly)
	if len(got) != 1 || got[0] != want {
		t.Errorf("CertWarnings = %q, want [%q]", got, want)
	}
}

func TestCertWarningsChangedIP(t *testing.T) {
	year := time.Now().Add(365 * 24 * time.Hour)
	ca := makeCert(t, nil, true, year)
	m := certMachine(t, "10.0.0.2", ca, makeCert(t, ca, false, year), makeCert(t, ca, false, year, "10.0.0.1"))

	got := m.CertWarnings(context.Background(), time.Now())
	if len(got) != 1 {
		t.Fatalf("CertWarnings = %q, want one warning", got)
	}
	for _, part := range []string{"10.0.0.2 is not among its SANs [10.0.0.1]", "machina regenerate-certs m1"} {
		if !strings.Contains(got[0], part) {
			t.Errorf("warning %q does not contain %q", got[0], part)
		}
	}
}

func TestCheckServerCertChangedIP(t *testing.T) {
	year := time.Now().Add(365 * 24 * time.Hour)
	ca := makeCert(t, nil, true, year)
	m := certMachine(t, "10.0.0.2", ca, makeCert(t, ca, false, year), makeCert(t, ca, false, year, "10.0.0.1"))

	err := m.CheckServerCert(context.Background(), time.Now())
	if !errors.Is(err, mtls.ErrHostMismatch) {
		t.Fatalf("CheckServerCert = %v, want ErrHostMismatch", err)
	}
	for _, part := range []string{`machine "m1"`, "10.0.0.2", "[10.0.0.1]", "machina regenerate-certs m1"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not contain %q", err, part)
		}
	}
}

func TestCertWarningsOtherCA(t *testing.T) {
	year := time.Now().Add(365 * 24 * time.Hour)
	ca := makeCert(t, nil, true, year)
	other := makeCert(t, nil, true, year)
	m := certMachine(t, "10.0.0.1", ca, makeCert(t, ca, false, year), makeCert(t, other, false, year, "10.0.0.1"))

	got := m.CertWarnings(context.Background(), time.Now())
	if len(got) != 1 || !strings.Contains(got[0], "unknown authority") {
		t.Errorf("CertWarnings = %q, want one warning about an unknown authority", got)
	}
}

func TestCertWarningsMissingFiles(t *testing.T) {
	year := time.Now().Add(365 * 24 * time.Hour)
	ca := makeCert(t, nil, true, year)
	m := certMachine(t, "10.0.0.1", ca, makeCert(t, ca, false, year), makeCert(t, ca, false, year, "10.0.0.1"))
	os.Remove(m.Host.HostOptions.AuthOptions.ServerCertPath)

	if got := m.CertWarnings(context.Background(), time.Now()); len(got) != 0 {
		t.Errorf("CertWarnings = %q, want none for a missing file", got)
	}
}

func TestWithCertWarningsJoinsRowError(t *testing.T) {
	year := time.Now().Add(365 * 24 * time.Hour)
	soon := time.Now().Add(24 * time.Hour)
	ca := makeCert(t, nil, true, year)
	m := certMachine(t, "10.0.0.1", ca, makeCert(t, ca, false, soon), makeCert(t, ca, false, year, "10.0.0.1"))

	got := withCertWarnings(context.Background(), m, "connection refused")
	want := "client certificate expires " + soon.UTC().Format(time.DateOnly) + "; connection refused"
	if got != want {
		t.Errorf("withCertWarnings = %q, want %q", got, want)
	}
}
