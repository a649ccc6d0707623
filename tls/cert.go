// Package tls creates the CA, client certificates and server certificates that
// secure a machine's Docker Engine, and checks them. It returns PEM bytes and
// leaves storing them to the caller.
package tls

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"slices"
	"strings"
	"time"
)

// Validity is the lifetime of every certificate this package creates: 1080
// days, as in Docker Machine 0.16.
const Validity = 1080 * 24 * time.Hour

// ClockSkew is the time by which a new certificate's NotBefore precedes its
// creation, so that a machine whose clock runs behind accepts the certificate.
const ClockSkew = 5 * time.Minute

// Pair is a PEM certificate and its PEM private key.
type Pair struct {
	CertPEM []byte
	KeyPEM  []byte
}

// NewCA creates a self-signed CA whose subject organization is org. Docker
// Machine passes the user name as org. The CA signs leaf certificates of
// either key type.
func NewCA(org string, kt KeyType) (Pair, error) {
	key, keyPEM, err := newKey(kt)
	if err != nil {
		return Pair{}, fmt.Errorf("create CA: %w", err)
	}

	template, err := newTemplate(org, kt)
	if err != nil {
		return Pair{}, fmt.Errorf("create CA: %w", err)
	}
	template.IsCA = true
	template.KeyUsage |= x509.KeyUsageCertSign
	template.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}

	certPEM, err := sign(template, template, key.Public(), key)
	if err != nil {
		return Pair{}, fmt.Errorf("create CA: %w", err)
	}
	return Pair{CertPEM: certPEM, KeyPEM: keyPEM}, nil
}

// NewClientCert creates a client certificate for org, signed by ca.
func NewClientCert(ca Pair, org string, kt KeyType) (Pair, error) {
	template, err := newTemplate(org, kt)
	if err != nil {
		return Pair{}, fmt.Errorf("create client certificate: %w", err)
	}
	template.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}

	p, err := newLeaf(ca, template, kt)
	if err != nil {
		return Pair{}, fmt.Errorf("create client certificate: %w", err)
	}
	return p, nil
}

// NewServerCert creates a server certificate for org, signed by ca. Each host
// becomes an IP SAN if it parses as an IP address and a DNS SAN otherwise, and
// "localhost" is always added. The certificate allows client authentication
// as well, because Docker Machine presents it as a client certificate when it
// checks a machine.
func NewServerCert(ca Pair, org string, hosts []string, kt KeyType) (Pair, error) {
	template, err := newTemplate(org, kt)
	if err != nil {
		return Pair{}, fmt.Errorf("create server certificate: %w", err)
	}
	template.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}

	if err := addSANs(template, slices.Concat(hosts, []string{"localhost"})); err != nil {
		return Pair{}, fmt.Errorf("create server certificate: %w", err)
	}

	p, err := newLeaf(ca, template, kt)
	if err != nil {
		return Pair{}, fmt.Errorf("create server certificate for %q: %w", hosts, err)
	}
	return p, nil
}

// addSANs adds each host to template as an IP SAN or a DNS SAN, once.
func addSANs(template *x509.Certificate, hosts []string) error {
	seen := make(map[string]bool)
	for _, host := range hosts {
		host = strings.TrimSpace(host)
		if host == "" {
			return errors.New("empty host in SAN list: pass an IP address or a DNS name")
		}
		if seen[host] {
			continue
		}
		seen[host] = true

		if ip := net.ParseIP(host); ip != nil {
			template.IPAddresses = append(template.IPAddresses, ip)
		} else {
			template.DNSNames = append(template.DNSNames, host)
		}
	}
	return nil
}

// newTemplate returns the fields every certificate shares: a random 128-bit
// serial number, the organization, the validity period and the key usage
// that fits kt.
func newTemplate(org string, kt KeyType) (*x509.Certificate, error) {
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}

	// A certificate's times are stored with one-second precision.
	notBefore := time.Now().Add(-ClockSkew).UTC().Truncate(time.Second)

	// Docker Machine 0.16 sets KeyEncipherment and KeyAgreement on its RSA
	// certificates. An ECDSA key only signs, because crypto/tls supports only
	// ephemeral ECDH and never uses the certificate's key for key agreement.
	usage := x509.KeyUsageDigitalSignature
	if kt == RSA {
		usage |= x509.KeyUsageKeyEncipherment | x509.KeyUsageKeyAgreement
	}

	return &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{org}},
		NotBefore:             notBefore,
		NotAfter:              notBefore.Add(Validity),
		KeyUsage:              usage,
		BasicConstraintsValid: true,
	}, nil
}

// newSerial returns a random serial number in [1, 2^128).
func newSerial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 128)
	limit.Sub(limit, big.NewInt(1))

	serial, err := rand.Int(rand.Reader, limit)
	if err != nil {
		return nil, fmt.Errorf("generate serial number: %w", err)
	}
	return serial.Add(serial, big.NewInt(1)), nil
}

// newLeaf generates a key of type kt and a certificate from template signed by ca.
func newLeaf(ca Pair, template *x509.Certificate, kt KeyType) (Pair, error) {
	caCert, caKey, err := parseCA(ca)
	if err != nil {
		return Pair{}, err
	}

	key, keyPEM, err := newKey(kt)
	if err != nil {
		return Pair{}, err
	}

	certPEM, err := sign(template, caCert, key.Public(), caKey)
	if err != nil {
		return Pair{}, err
	}
	return Pair{CertPEM: certPEM, KeyPEM: keyPEM}, nil
}

// parseCA parses a CA pair and checks that its key matches and that the
// certificate may sign others.
func parseCA(ca Pair) (*x509.Certificate, crypto.Signer, error) {
	if err := CheckPair(ca); err != nil {
		return nil, nil, fmt.Errorf("invalid CA: %w", err)
	}

	cert, err := parseCert(ca.CertPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("invalid CA: %w", err)
	}
	if !cert.IsCA {
		return nil, nil, fmt.Errorf("invalid CA: certificate %q is not a CA (basic constraints CA:FALSE)", cert.Subject)
	}

	key, _, err := parseKey(ca.KeyPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("invalid CA key: %w", err)
	}
	return cert, key, nil
}

// sign creates the certificate described by template for pub, signed by
// parent's key, and returns it PEM-encoded.
func sign(template, parent *x509.Certificate, pub crypto.PublicKey, parentKey crypto.Signer) ([]byte, error) {
	der, err := x509.CreateCertificate(rand.Reader, template, parent, pub, parentKey)
	if err != nil {
		return nil, fmt.Errorf("sign certificate: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}
