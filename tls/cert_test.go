package tls

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"
)

var keyTypes = []KeyType{ECDSA, RSA}

func TestNewCA(t *testing.T) {
	for _, kt := range keyTypes {
		t.Run(string(kt), func(t *testing.T) {
			ca := newTestCA(t, kt)
			cert := mustParseCert(t, ca.CertPEM)

			if !cert.IsCA {
				t.Error("IsCA = false")
			}
			if cert.KeyUsage&x509.KeyUsageCertSign == 0 {
				t.Errorf("KeyUsage %b lacks CertSign", cert.KeyUsage)
			}
			if got := cert.Subject.Organization; !slices.Equal(got, []string{"alice"}) {
				t.Errorf("Organization = %q, want [alice]", got)
			}
			if err := cert.CheckSignatureFrom(cert); err != nil {
				t.Errorf("CA is not self-signed: %v", err)
			}
			assertKeyType(t, ca.KeyPEM, kt)
		})
	}
}

func TestCertValidity(t *testing.T) {
	ca := newTestCA(t, ECDSA)
	client, err := NewClientCert(ca, "alice", ECDSA)
	if err != nil {
		t.Fatal(err)
	}
	server, err := NewServerCert(ca, "alice.dev", []string{"192.168.99.100"}, ECDSA)
	if err != nil {
		t.Fatal(err)
	}

	now := time.Now()
	for name, certPEM := range map[string][]byte{"CA": ca.CertPEM, "client": client.CertPEM, "server": server.CertPEM} {
		info, err := Inspect(certPEM)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := info.NotAfter.Sub(info.NotBefore); got != Validity {
			t.Errorf("%s: validity = %v, want %v", name, got, Validity)
		}
		if skew := now.Sub(info.NotBefore); skew < ClockSkew-time.Minute || skew > ClockSkew+time.Minute {
			t.Errorf("%s: NotBefore is %v before now, want about %v", name, skew, ClockSkew)
		}
	}
}

func TestNewClientCert(t *testing.T) {
	for _, kt := range keyTypes {
		t.Run(string(kt), func(t *testing.T) {
			ca := newTestCA(t, kt)
			client, err := NewClientCert(ca, "alice", kt)
			if err != nil {
				t.Fatal(err)
			}
			cert := mustParseCert(t, client.CertPEM)

			if cert.IsCA {
				t.Error("client certificate is a CA")
			}
			if !slices.Equal(cert.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}) {
				t.Errorf("ExtKeyUsage = %v, want [ClientAuth]", cert.ExtKeyUsage)
			}
			if err := cert.CheckSignatureFrom(mustParseCert(t, ca.CertPEM)); err != nil {
				t.Errorf("client certificate is not signed by the CA: %v", err)
			}
			if err := CheckPair(client); err != nil {
				t.Errorf("CheckPair: %v", err)
			}
		})
	}
}

func TestNewServerCertSANs(t *testing.T) {
	ca := newTestCA(t, ECDSA)
	server, err := NewServerCert(ca, "alice.dev", []string{"192.168.99.100", "dev.example.com", "::1", "192.168.99.100"}, ECDSA)
	if err != nil {
		t.Fatal(err)
	}

	info, err := Inspect(server.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"dev.example.com", "localhost"}; !slices.Equal(info.DNSNames, want) {
		t.Errorf("DNSNames = %q, want %q", info.DNSNames, want)
	}
	if want := []string{"192.168.99.100", "::1"}; !slices.Equal(info.IPs, want) {
		t.Errorf("IPs = %q, want %q", info.IPs, want)
	}
	if info.IsCA {
		t.Error("IsCA = true")
	}
	if info.Subject != "O=alice.dev" {
		t.Errorf("Subject = %q, want %q", info.Subject, "O=alice.dev")
	}
}

func TestNewServerCertExtKeyUsage(t *testing.T) {
	for _, kt := range keyTypes {
		t.Run(string(kt), func(t *testing.T) {
			ca := newTestCA(t, ECDSA)
			server, err := NewServerCert(ca, "alice.dev", []string{"192.168.99.100"}, kt)
			if err != nil {
				t.Fatal(err)
			}
			cert := mustParseCert(t, server.CertPEM)

			if !slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageServerAuth) {
				t.Errorf("ExtKeyUsage %v lacks ServerAuth", cert.ExtKeyUsage)
			}
			if !slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageClientAuth) {
				t.Errorf("ExtKeyUsage %v lacks ClientAuth", cert.ExtKeyUsage)
			}
			assertKeyType(t, server.KeyPEM, kt)
		})
	}
}

func TestNewServerCertEmptyHost(t *testing.T) {
	ca := newTestCA(t, ECDSA)
	_, err := NewServerCert(ca, "alice.dev", []string{"192.168.99.100", " "}, ECDSA)
	if err == nil {
		t.Fatal("NewServerCert with an empty host returned no error")
	}
	if !strings.Contains(err.Error(), "empty host") {
		t.Errorf("error %q does not mention the empty host", err)
	}
}

func TestNewServerCertKeepsHosts(t *testing.T) {
	ca := newTestCA(t, ECDSA)
	hosts := make([]string, 1, 2)
	hosts[0] = "192.168.99.100"

	if _, err := NewServerCert(ca, "alice.dev", hosts, ECDSA); err != nil {
		t.Fatal(err)
	}
	if extra := hosts[:2][1]; extra != "" {
		t.Errorf("NewServerCert wrote %q into the caller's hosts array", extra)
	}
}

func TestSignWithInvalidCA(t *testing.T) {
	ca := newTestCA(t, ECDSA)
	other := newTestCA(t, ECDSA)
	client, err := NewClientCert(ca, "alice", ECDSA)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		ca      Pair
		wantErr string
	}{
		{"leaf certificate as CA", client, "is not a CA"},
		{"key of another CA", Pair{CertPEM: ca.CertPEM, KeyPEM: other.KeyPEM}, "does not match"},
		{"missing key", Pair{CertPEM: ca.CertPEM}, "no PEM private key block"},
		{"missing certificate", Pair{KeyPEM: ca.KeyPEM}, "no PEM certificate block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewServerCert(tt.ca, "alice.dev", []string{"192.168.99.100"}, ECDSA)
			if err == nil {
				t.Fatal("NewServerCert returned no error")
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestSerialNumbers(t *testing.T) {
	ca := newTestCA(t, ECDSA)
	seen := make(map[string]bool)
	for range 8 {
		client, err := NewClientCert(ca, "alice", ECDSA)
		if err != nil {
			t.Fatal(err)
		}
		serial := mustParseCert(t, client.CertPEM).SerialNumber

		if serial.Sign() <= 0 {
			t.Errorf("serial %v is not positive", serial)
		}
		if serial.BitLen() > 128 {
			t.Errorf("serial %v has %d bits, want at most 128", serial, serial.BitLen())
		}
		if seen[serial.String()] {
			t.Errorf("serial %v repeated", serial)
		}
		seen[serial.String()] = true
	}
}

// TestDockerMachineCA checks that a CA written by Docker Machine 0.16 (RSA
// 2048, PKCS #1 key, no ExtKeyUsage) or one with server and client
// ExtKeyUsage signs server certificates of both key types.
func TestDockerMachineCA(t *testing.T) {
	for _, withEKU := range []bool{false, true} {
		ca := newDockerMachineCA(t, withEKU)
		for _, kt := range keyTypes {
			name := string(kt)
			if withEKU {
				name += " with ExtKeyUsage"
			}
			t.Run(name, func(t *testing.T) {
				server, err := NewServerCert(ca, "alice.dev", []string{"192.168.99.100"}, kt)
				if err != nil {
					t.Fatalf("NewServerCert: %v", err)
				}
				if err := VerifyServer(ca.CertPEM, server.CertPEM, "192.168.99.100", time.Now()); err != nil {
					t.Errorf("VerifyServer: %v", err)
				}
				assertKeyType(t, server.KeyPEM, kt)
			})
		}
	}
}

// newTestCA returns a CA for organization "alice".
func newTestCA(t *testing.T, kt KeyType) Pair {
	t.Helper()
	ca, err := NewCA("alice", kt)
	if err != nil {
		t.Fatalf("NewCA(%s): %v", kt, err)
	}
	return ca
}

// newDockerMachineCA builds a CA the way Docker Machine 0.16 does in
// libmachine/cert: RSA 2048, KeyUsage CertSign, KeyEncipherment,
// DigitalSignature and KeyAgreement, NotBefore 5 minutes back, 1080 days,
// and the key in a PKCS #1 "RSA PRIVATE KEY" block.
func newDockerMachineCA(t *testing.T, withEKU bool) Pair {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}

	notBefore := time.Now().Add(-5 * time.Minute)
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(42),
		Subject:               pkix.Name{Organization: []string{"alice"}},
		NotBefore:             notBefore,
		NotAfter:              notBefore.Add(1080 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageKeyEncipherment | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyAgreement,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	if withEKU {
		template.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	}

	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return Pair{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
	}
}

func mustParseCert(t *testing.T, certPEM []byte) *x509.Certificate {
	t.Helper()
	cert, err := parseCert(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func assertKeyType(t *testing.T, keyPEM []byte, want KeyType) {
	t.Helper()
	got, err := KeyTypeOf(keyPEM)
	if err != nil {
		t.Errorf("KeyTypeOf: %v", err)
		return
	}
	if got != want {
		t.Errorf("KeyTypeOf = %q, want %q", got, want)
	}
}
