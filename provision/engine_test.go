package provision

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestWaitForEngineReturnsVersion(t *testing.T) {
	certs := newTestCerts(t, "127.0.0.1")
	engine := startFakeEngine(t, certs, 2)

	version, err := WaitForEngine(context.Background(), "127.0.0.1", engine.port,
		certs.ca.CertPEM, certs.client.CertPEM, certs.client.KeyPEM, 10*time.Second)
	if err != nil {
		t.Fatalf("WaitForEngine: %v", err)
	}
	if version != "20.10.24" {
		t.Errorf("version = %q, want 20.10.24", version)
	}
	if pings := engine.pings.Load(); pings != 3 {
		t.Errorf("pinged %d times, want 3 (two 503s, then OK)", pings)
	}
}

func TestWaitForEngineTimeout(t *testing.T) {
	certs := newTestCerts(t, "127.0.0.1")
	engine := startFakeEngine(t, certs, 1<<30)

	start := time.Now()
	_, err := WaitForEngine(context.Background(), "127.0.0.1", engine.port,
		certs.ca.CertPEM, certs.client.CertPEM, certs.client.KeyPEM, 600*time.Millisecond)
	took := time.Since(start)

	if err == nil {
		t.Fatal("WaitForEngine succeeded against an engine that never answers OK")
	}
	endpoint := net.JoinHostPort("127.0.0.1", strconv.Itoa(engine.port))
	for _, part := range []string{endpoint, "did not respond within 600ms", "503"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not contain %q", err, part)
		}
	}
	if took > 3*time.Second {
		t.Errorf("WaitForEngine returned after %s, want about 600ms", took)
	}
}

func TestWaitForEngineNothingListening(t *testing.T) {
	certs := newTestCerts(t, "127.0.0.1")
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := listener.Addr().(*net.TCPAddr).Port
	listener.Close()

	_, err = WaitForEngine(context.Background(), "127.0.0.1", port,
		certs.ca.CertPEM, certs.client.CertPEM, certs.client.KeyPEM, 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:"+strconv.Itoa(port)) {
		t.Errorf("WaitForEngine error = %v, want one naming 127.0.0.1:%d", err, port)
	}
}

func TestWaitForEngineWrongCA(t *testing.T) {
	certs := newTestCerts(t, "127.0.0.1")
	other := newTestCerts(t, "127.0.0.1")
	engine := startFakeEngine(t, certs, 0)

	_, err := WaitForEngine(context.Background(), "127.0.0.1", engine.port,
		other.ca.CertPEM, other.client.CertPEM, other.client.KeyPEM, 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("WaitForEngine error = %v, want a certificate error", err)
	}
}

func TestWaitForEngineInvalidClientCert(t *testing.T) {
	certs := newTestCerts(t, "127.0.0.1")
	_, err := WaitForEngine(context.Background(), "127.0.0.1", 2376,
		certs.ca.CertPEM, []byte("not a cert"), certs.client.KeyPEM, time.Second)
	if err == nil || !strings.Contains(err.Error(), "client certificate") {
		t.Errorf("WaitForEngine error = %v, want a client certificate error", err)
	}
}
