package tls

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
)

func TestParseKeyType(t *testing.T) {
	tests := []struct {
		in   string
		want KeyType
	}{
		{"", ECDSA},
		{"ecdsa", ECDSA},
		{"rsa", RSA},
	}
	for _, tt := range tests {
		got, err := ParseKeyType(tt.in)
		if err != nil {
			t.Errorf("ParseKeyType(%q) error: %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseKeyType(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseKeyTypeInvalid(t *testing.T) {
	_, err := ParseKeyType("dsa")
	if err == nil {
		t.Fatal("ParseKeyType(\"dsa\") returned no error")
	}
	for _, want := range []string{`"dsa"`, `"ecdsa"`, `"rsa"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %s", err, want)
		}
	}
}

func TestKeyTypeOf(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalECPrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	ecParams := pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}})

	tests := []struct {
		name string
		pem  []byte
		want KeyType
	}{
		{"PKCS1 RSA", encodePEM(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey)), RSA},
		{"PKCS8 RSA", encodePEM(t, "PRIVATE KEY", marshalPKCS8(t, rsaKey)), RSA},
		{"SEC1 ECDSA", encodePEM(t, "EC PRIVATE KEY", ecDER), ECDSA},
		{"SEC1 ECDSA after EC PARAMETERS", append(ecParams, encodePEM(t, "EC PRIVATE KEY", ecDER)...), ECDSA},
		{"PKCS8 ECDSA", encodePEM(t, "PRIVATE KEY", marshalPKCS8(t, ecKey)), ECDSA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := KeyTypeOf(tt.pem)
			if err != nil {
				t.Fatalf("KeyTypeOf: %v", err)
			}
			if got != tt.want {
				t.Errorf("KeyTypeOf = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestKeyTypeOfInvalid(t *testing.T) {
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := NewCA("test", ECDSA)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		pem     []byte
		wantErr string
	}{
		{"empty input", nil, "no PEM private key block"},
		{"certificate block", ca.CertPEM, `"CERTIFICATE" is not a private key`},
		{"PKCS8 Ed25519", encodePEM(t, "PRIVATE KEY", marshalPKCS8(t, edKey)), "Ed25519"},
		{"corrupt SEC1", encodePEM(t, "EC PRIVATE KEY", []byte("not DER")), `parse "EC PRIVATE KEY" block`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := KeyTypeOf(tt.pem)
			if err == nil {
				t.Fatal("KeyTypeOf returned no error")
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestNewKeyEncoding(t *testing.T) {
	tests := []struct {
		kt        KeyType
		blockType string
		describe  string
	}{
		{ECDSA, "EC PRIVATE KEY", "ECDSA P-256"},
		{RSA, "RSA PRIVATE KEY", "RSA 2048-bit"},
	}
	for _, tt := range tests {
		t.Run(string(tt.kt), func(t *testing.T) {
			key, keyPEM, err := newKey(tt.kt)
			if err != nil {
				t.Fatal(err)
			}

			block, _ := pem.Decode(keyPEM)
			if block == nil {
				t.Fatal("key is not PEM")
			}
			if block.Type != tt.blockType {
				t.Errorf("PEM block type = %q, want %q", block.Type, tt.blockType)
			}
			if got := describeKey(key.Public()); got != tt.describe {
				t.Errorf("key = %s, want %s", got, tt.describe)
			}
		})
	}
}

func TestNewKeyInvalidType(t *testing.T) {
	_, _, err := newKey("dsa")
	if err == nil {
		t.Fatal("newKey(\"dsa\") returned no error")
	}
	if !strings.Contains(err.Error(), `"dsa"`) {
		t.Errorf("error %q does not name the key type", err)
	}
}

func encodePEM(t *testing.T, blockType string, der []byte) []byte {
	t.Helper()
	return pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der})
}

func marshalPKCS8(t *testing.T, key any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}
