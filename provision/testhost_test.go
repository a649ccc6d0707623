package provision_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/machina-dev/machina/provision"
	"github.com/machina-dev/machina/sshclient"
	"github.com/machina-dev/machina/testhost"
	machinatls "github.com/machina-dev/machina/tls"
)

// TestProvisionTestHost provisions a test host twice over real SSH, as create
// and a later provision do, and checks the engine's TLS endpoint.
func TestProvisionTestHost(t *testing.T) {
	testhost.Require(t)
	h := testhost.Start(t, testhost.Options{})
	ctx := context.Background()

	client, err := sshclient.Dial(ctx, sshclient.Config{
		Host:           h.Addr,
		Port:           h.SSHPort,
		User:           h.User,
		KeyPath:        h.KeyPath,
		KnownHostsPath: filepath.Join(t.TempDir(), "known_hosts"),
		Timeout:        10 * time.Second,
	})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer client.Close()

	ca, server, clientCert := newCerts(t, h.Addr)
	var steps []string
	opts := provision.Options{
		Hostname: "machina-test-1",
		Engine: provision.Engine{
			Port:           2376,
			StorageDriver:  "vfs",
			ArbitraryFlags: []string{"iptables=false", "ip-masq=false", "bridge=none"},
			Labels:         []string{"provider=generic"},
		},
		Certs:      provision.Certs{CA: ca.CertPEM, ServerCert: server.CertPEM, ServerKey: server.KeyPEM},
		EngineAddr: h.Addr,
		ClientCert: clientCert.CertPEM,
		ClientKey:  clientCert.KeyPEM,
		Timeout:    60 * time.Second,
		Progress: func(step, detail string, took time.Duration) {
			t.Logf("%s: %s", step, took.Round(time.Millisecond))
			steps = append(steps, step)
		},
	}

	if err := provision.Provision(ctx, client, opts); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	if want := []string{"OS", "engine install", "TLS configuration", "engine ready"}; !slices.Equal(steps, want) {
		t.Errorf("steps = %q, want %q", steps, want)
	}

	version, err := provision.WaitForEngine(ctx, h.Addr, 2376, ca.CertPEM, clientCert.CertPEM, clientCert.KeyPEM, 10*time.Second)
	if err != nil {
		t.Fatalf("WaitForEngine: %v", err)
	}
	if version == "" {
		t.Error("WaitForEngine returned an empty version")
	}
	t.Logf("engine version %s", version)

	err = pingWithoutClientCert(h.Addr, ca.CertPEM)
	if err == nil {
		t.Error("the engine answered a TLS client without a client certificate")
	} else if !strings.Contains(err.Error(), "certificate") {
		t.Errorf("a client without a certificate failed with %v, want a TLS certificate error", err)
	}

	info := engineInfo(t, h.Addr, ca.CertPEM, clientCert)
	if info.Driver != "vfs" {
		t.Errorf("storage driver = %q, want vfs", info.Driver)
	}
	if !slices.Contains(info.Labels, "provider=generic") {
		t.Errorf("labels = %q, want provider=generic among them", info.Labels)
	}

	if got := strings.TrimSpace(string(h.Exec(t, "hostname"))); got != "machina-test-1" {
		t.Errorf("hostname = %q, want machina-test-1", got)
	}
	if hosts := string(h.Exec(t, "cat", "/etc/hosts")); !strings.Contains(hosts, "127.0.1.1 machina-test-1") {
		t.Errorf("/etc/hosts has no 127.0.1.1 line for machina-test-1:\n%s", hosts)
	}
	if mode := strings.TrimSpace(string(h.Exec(t, "stat", "-c", "%a", "/etc/docker/server-key.pem"))); mode != "600" {
		t.Errorf("server-key.pem mode = %s, want 600", mode)
	}

	// A second provision restarts the running engine with the same options.
	steps = nil
	if err := provision.Provision(ctx, client, opts); err != nil {
		t.Fatalf("second Provision: %v", err)
	}
	if _, err := provision.WaitForEngine(ctx, h.Addr, 2376, ca.CertPEM, clientCert.CertPEM, clientCert.KeyPEM, 10*time.Second); err != nil {
		t.Fatalf("WaitForEngine after the second provision: %v", err)
	}
}

func newCerts(t *testing.T, addr string) (ca, server, client machinatls.Pair) {
	t.Helper()
	ca, err := machinatls.NewCA("machina-test", machinatls.ECDSA)
	if err != nil {
		t.Fatal(err)
	}
	server, err = machinatls.NewServerCert(ca, "machina-test", []string{addr}, machinatls.ECDSA)
	if err != nil {
		t.Fatal(err)
	}
	client, err = machinatls.NewClientCert(ca, "machina-test", machinatls.ECDSA)
	if err != nil {
		t.Fatal(err)
	}
	return ca, server, client
}

// engineInfo returns part of GET /info from the engine's TLS endpoint.
func engineInfo(t *testing.T, addr string, caPEM []byte, client machinatls.Pair) (info struct {
	Driver string
	Labels []string
}) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	pair, err := tls.X509KeyPair(client.CertPEM, client.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	httpClient := &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}, ServerName: addr},
		},
	}

	resp, err := httpClient.Get("https://" + net.JoinHostPort(addr, "2376") + "/info")
	if err != nil {
		t.Fatalf("GET /info: %v", err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		t.Fatalf("decode GET /info: %v", err)
	}
	return info
}

// pingWithoutClientCert sends GET /_ping with a client that trusts the CA
// but presents no certificate.
func pingWithoutClientCert(addr string, caPEM []byte) error {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	client := &http.Client{
		Timeout: 5 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: addr},
		},
	}

	resp, err := client.Get("https://" + net.JoinHostPort(addr, "2376") + "/_ping")
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// TestProvisionTestHostBadFlag checks that an engine which exits on a flag it
// does not know fails provisioning with its own log line.
func TestProvisionTestHostBadFlag(t *testing.T) {
	testhost.Require(t)
	h := testhost.Start(t, testhost.Options{})
	ctx := context.Background()

	client, err := sshclient.Dial(ctx, sshclient.Config{
		Host: h.Addr, Port: h.SSHPort, User: h.User, KeyPath: h.KeyPath,
		KnownHostsPath: filepath.Join(t.TempDir(), "known_hosts"),
		Timeout:        10 * time.Second,
	})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer client.Close()

	ca, server, clientCert := newCerts(t, h.Addr)
	err = provision.Provision(ctx, client, provision.Options{
		Engine: provision.Engine{
			StorageDriver:  "vfs",
			ArbitraryFlags: []string{"iptables=false", "ip-masq=false", "bridge=none", "no-such-flag=1"},
		},
		Certs:      provision.Certs{CA: ca.CertPEM, ServerCert: server.CertPEM, ServerKey: server.KeyPEM},
		EngineAddr: h.Addr,
		ClientCert: clientCert.CertPEM,
		ClientKey:  clientCert.KeyPEM,
		Timeout:    5 * time.Second,
	})
	if err == nil {
		t.Fatal("Provision succeeded with a flag dockerd does not know")
	}
	for _, part := range []string{"engine ready", h.Addr + ":2376", "no-such-flag"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not contain %q", err, part)
		}
	}
}
