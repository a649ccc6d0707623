package tls

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestVerifyServerHosts(t *testing.T) {
	for _, kt := range keyTypes {
		ca := newTestCA(t, kt)
		server, err := NewServerCert(ca, "alice.dev", []string{"192.168.99.100", "dev.example.com"}, kt)
		if err != nil {
			t.Fatal(err)
		}

		for _, host := range []string{"192.168.99.100", "localhost", "dev.example.com"} {
			t.Run(string(kt)+" "+host, func(t *testing.T) {
				if err := VerifyServer(ca.CertPEM, server.CertPEM, host, time.Now()); err != nil {
					t.Errorf("VerifyServer(%s): %v", host, err)
				}
			})
		}
	}
}

func TestVerifyServerChangedIP(t *testing.T) {
	ca := newTestCA(t, ECDSA)
	server, err := NewServerCert(ca, "alice.dev", []string{"192.168.99.100"}, ECDSA)
	if err != nil {
		t.Fatal(err)
	}

	err = VerifyServer(ca.CertPEM, server.CertPEM, "192.168.99.101", time.Now())
	if err == nil {
		t.Fatal("VerifyServer for another IP returned no error")
	}
	if !errors.Is(err, ErrHostMismatch) {
		t.Errorf("error %q does not wrap ErrHostMismatch", err)
	}
	if !strings.Contains(err.Error(), "192.168.99.101") {
		t.Errorf("error %q does not name the host", err)
	}
	if !strings.Contains(err.Error(), "[localhost 192.168.99.100]") {
		t.Errorf("error %q does not list the SANs", err)
	}
}

func TestVerifyServerFailures(t *testing.T) {
	ca := newTestCA(t, ECDSA)
	other := newTestCA(t, ECDSA)
	server, err := NewServerCert(ca, "alice.dev", []string{"192.168.99.100"}, ECDSA)
	if err != nil {
		t.Fatal(err)
	}
	client, err := NewClientCert(ca, "alice", ECDSA)
	if err != nil {
		t.Fatal(err)
	}
	info, err := Inspect(server.CertPEM)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		ca      []byte
		server  []byte
		host    string
		now     time.Time
		wantErr string
	}{
		{"another CA", other.CertPEM, server.CertPEM, "192.168.99.100", time.Now(), "unknown authority"},
		{"expired", ca.CertPEM, server.CertPEM, "192.168.99.100", info.NotAfter.Add(time.Hour), "expired"},
		{"not yet valid", ca.CertPEM, server.CertPEM, "192.168.99.100", info.NotBefore.Add(-time.Minute), "not yet valid"},
		{"client certificate without SANs", ca.CertPEM, client.CertPEM, "localhost", time.Now(), "localhost"},
		{"no CA", nil, server.CertPEM, "192.168.99.100", time.Now(), "no CA certificate"},
		{"no server certificate", ca.CertPEM, server.KeyPEM, "192.168.99.100", time.Now(), "no PEM certificate block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyServer(tt.ca, tt.server, tt.host, tt.now)
			if err == nil {
				t.Fatal("VerifyServer returned no error")
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestVerifyServerClockSkew(t *testing.T) {
	ca := newTestCA(t, ECDSA)
	server, err := NewServerCert(ca, "alice.dev", []string{"192.168.99.100"}, ECDSA)
	if err != nil {
		t.Fatal(err)
	}

	behind := time.Now().Add(-ClockSkew + time.Minute)
	if err := VerifyServer(ca.CertPEM, server.CertPEM, "192.168.99.100", behind); err != nil {
		t.Errorf("VerifyServer with a clock %v behind: %v", ClockSkew-time.Minute, err)
	}
}

func TestCheckPair(t *testing.T) {
	ecCA := newTestCA(t, ECDSA)
	ecOther := newTestCA(t, ECDSA)
	rsaCA := newTestCA(t, RSA)

	tests := []struct {
		name     string
		pair     Pair
		wantErrs []string
	}{
		{"ECDSA match", ecCA, nil},
		{"RSA match", rsaCA, nil},
		{"other ECDSA key", Pair{CertPEM: ecCA.CertPEM, KeyPEM: ecOther.KeyPEM}, []string{"does not match", "ECDSA P-256", "O=alice"}},
		{"RSA key for ECDSA certificate", Pair{CertPEM: ecCA.CertPEM, KeyPEM: rsaCA.KeyPEM}, []string{"private key (RSA 2048-bit)", "public key (ECDSA P-256)"}},
		{"key as certificate", Pair{CertPEM: rsaCA.KeyPEM, KeyPEM: rsaCA.KeyPEM}, []string{"no PEM certificate block"}},
		{"certificate as key", Pair{CertPEM: ecCA.CertPEM, KeyPEM: ecCA.CertPEM}, []string{`"CERTIFICATE" is not a private key`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPair(tt.pair)
			if tt.wantErrs == nil {
				if err != nil {
					t.Errorf("CheckPair: %v", err)
				}
				return
			}

			if err == nil {
				t.Fatal("CheckPair returned no error")
			}
			for _, want := range tt.wantErrs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			assertNoKeyMaterial(t, err, tt.pair.KeyPEM)
		})
	}
}

// assertNoKeyMaterial fails if err contains a PEM marker or any base64 line
// of keyPEM.
func assertNoKeyMaterial(t *testing.T, err error, keyPEM []byte) {
	t.Helper()
	msg := err.Error()
	if strings.Contains(msg, "-----BEGIN") {
		t.Errorf("error contains a PEM header: %q", msg)
	}
	for _, line := range bytes.Split(keyPEM, []byte("\n")) {
		if len(line) >= 16 && !bytes.HasPrefix(line, []byte("-----")) && strings.Contains(msg, string(line)) {
			t.Errorf("error contains key material: %q", msg)
			return
		}
	}
}
