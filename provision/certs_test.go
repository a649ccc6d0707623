package provision

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"

	machinatls "github.com/machina-dev/machina/tls"
)

// testCerts are a CA, a server certificate for one host and a client
// certificate, all PEM.
type testCerts struct {
	ca, server, client machinatls.Pair
}

func newTestCerts(t *testing.T, host string) testCerts {
	t.Helper()
	ca, err := machinatls.NewCA("machina-test", machinatls.ECDSA)
	if err != nil {
		t.Fatal(err)
	}
	server, err := machinatls.NewServerCert(ca, "machina-test", []string{host}, machinatls.ECDSA)
	if err != nil {
		t.Fatal(err)
	}
	client, err := machinatls.NewClientCert(ca, "machina-test", machinatls.ECDSA)
	if err != nil {
		t.Fatal(err)
	}
	return testCerts{ca: ca, server: server, client: client}
}

func (c testCerts) options(addr string, port int) Options {
	return Options{
		Engine:     Engine{Port: port},
		Certs:      Certs{CA: c.ca.CertPEM, ServerCert: c.server.CertPEM, ServerKey: c.server.KeyPEM},
		EngineAddr: addr,
		ClientCert: c.client.CertPEM,
		ClientKey:  c.client.KeyPEM,
	}
}

// fakeEngine is an HTTPS server on 127.0.0.1 that serves the engine's /_ping
// and /version. Its first `failures` pings fail with 503. It requires
// a client certificate signed by the CA, as dockerd --tlsverify does.
type fakeEngine struct {
	server *httptest.Server
	port   int
	pings  atomic.Int32
}

func startFakeEngine(t *testing.T, certs testCerts, failures int32) *fakeEngine {
	t.Helper()
	e := &fakeEngine{}

	mux := http.NewServeMux()
	mux.HandleFunc("/_ping", func(w http.ResponseWriter, _ *http.Request) {
		if e.pings.Add(1) <= failures {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("OK"))
	})
	mux.HandleFunc("/version", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte(`{"Version":"20.10.24","ApiVersion":"1.41"}`))
	})

	pair, err := tls.X509KeyPair(certs.server.CertPEM, certs.server.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certs.ca.CertPEM)

	e.server = httptest.NewUnstartedServer(mux)
	e.server.TLS = &tls.Config{
		Certificates: []tls.Certificate{pair},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
	}
	e.server.StartTLS()
	t.Cleanup(e.server.Close)

	_, port, _ := net.SplitHostPort(e.server.Listener.Addr().String())
	e.port, _ = strconv.Atoi(port)
	return e
}
