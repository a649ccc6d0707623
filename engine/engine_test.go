package engine

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	mtls "github.com/machina-dev/machina/tls"
)

// newEngine starts a loopback HTTPS server that answers like a Docker
// engine and requires a client certificate signed by ca.
func newEngine(t *testing.T, ca mtls.Pair) *httptest.Server {
	t.Helper()
	server, err := mtls.NewServerCert(ca, "test", []string{"127.0.0.1"}, mtls.ECDSA)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(server.CertPEM, server.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca.CertPEM)

	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/_ping":
			w.Write([]byte("OK"))
		case "/version":
			w.Write([]byte(`{"Version":"20.10.24","ApiVersion":"1.41"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func TestPingAndVersion(t *testing.T) {
	ca, _ := mtls.NewCA("test", mtls.ECDSA)
	client, _ := mtls.NewClientCert(ca, "test", mtls.ECDSA)
	srv := newEngine(t, ca)

	c, err := New("tcp://"+strings.TrimPrefix(srv.URL, "https://"), ca.CertPEM, client.CertPEM, client.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	v, err := c.Version(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if v != "20.10.24" {
		t.Errorf("Version = %q, want 20.10.24", v)
	}
}

func TestRejectsEngineFromAnotherCA(t *testing.T) {
	ca, _ := mtls.NewCA("test", mtls.ECDSA)
	other, _ := mtls.NewCA("other", mtls.ECDSA)
	client, _ := mtls.NewClientCert(other, "test", mtls.ECDSA)
	srv := newEngine(t, ca)

	c, err := New("tcp://"+strings.TrimPrefix(srv.URL, "https://"), other.CertPEM, client.CertPEM, client.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(context.Background()); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("Ping error = %v, want a certificate error", err)
	}
}

func TestNewRejectsBadURL(t *testing.T) {
	_, err := New("not a url", nil, nil, nil)
	if err == nil || !strings.Contains(err.Error(), `"not a url"`) {
		t.Fatalf("error = %v, want it to name the URL", err)
	}
}
