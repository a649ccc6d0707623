package tls

import (
	"crypto"
	cryptotls "crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrHostMismatch is returned by VerifyServer when the server certificate has
// no SAN for the host, as happens when a machine's IP address changes.
var ErrHostMismatch = errors.New("server certificate does not match host")

// Info is the parsed content of a certificate.
type Info struct {
	Subject   string
	NotBefore time.Time
	NotAfter  time.Time
	DNSNames  []string
	IPs       []string
	IsCA      bool
}

// Inspect parses the first certificate in certPEM.
func Inspect(certPEM []byte) (Info, error) {
	cert, err := parseCert(certPEM)
	if err != nil {
		return Info{}, err
	}

	ips := make([]string, 0, len(cert.IPAddresses))
	for _, ip := range cert.IPAddresses {
		ips = append(ips, ip.String())
	}

	return Info{
		Subject:   cert.Subject.String(),
		NotBefore: cert.NotBefore,
		NotAfter:  cert.NotAfter,
		DNSNames:  cert.DNSNames,
		IPs:       ips,
		IsCA:      cert.IsCA,
	}, nil
}

// VerifyServer checks that server is signed by ca, is valid at now, allows
// server authentication and has a SAN for host, an IP address or a DNS name.
// Errors name the host and the certificate's SANs, and wrap ErrHostMismatch
// when the certificate has no SAN for host.
func VerifyServer(ca, server []byte, host string, now time.Time) error {
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(ca) {
		return errors.New("verify server certificate: no CA certificate found in PEM input")
	}

	cert, err := parseCert(server)
	if err != nil {
		return fmt.Errorf("verify server certificate: %w", err)
	}
	sans := formatSANs(cert)

	if err := cert.VerifyHostname(host); err != nil {
		return fmt.Errorf("%w: %s is not among its SANs %s", ErrHostMismatch, host, sans)
	}

	opts := x509.VerifyOptions{
		Roots:       roots,
		CurrentTime: now,
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if _, err := cert.Verify(opts); err != nil {
		return fmt.Errorf("verify server certificate for %s (SANs %s): %w", host, sans, err)
	}
	return nil
}

// formatSANs lists a certificate's DNS and IP SANs, such as
// "[localhost 192.168.99.100]".
func formatSANs(cert *x509.Certificate) string {
	sans := append([]string(nil), cert.DNSNames...)
	for _, ip := range cert.IPAddresses {
		sans = append(sans, ip.String())
	}
	return "[" + strings.Join(sans, " ") + "]"
}

// CheckPair checks that p's private key belongs to p's certificate. Errors
// name the certificate's subject and both key types, never the key bytes.
func CheckPair(p Pair) error {
	cert, err := parseCert(p.CertPEM)
	if err != nil {
		return err
	}

	key, _, err := parseKey(p.KeyPEM)
	if err != nil {
		return fmt.Errorf("private key for certificate %q: %w", cert.Subject, err)
	}

	certKey, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !certKey.Equal(key.Public()) {
		return fmt.Errorf("private key (%s) does not match the public key (%s) of certificate %q",
			describeKey(key.Public()), describeKey(cert.PublicKey), cert.Subject)
	}

	// X509KeyPair is the loader crypto/tls peers use, so a pair that passes
	// can serve TLS.
	if _, err := cryptotls.X509KeyPair(p.CertPEM, p.KeyPEM); err != nil {
		return fmt.Errorf("load key pair for certificate %q: %w", cert.Subject, err)
	}
	return nil
}

// parseCert parses the first "CERTIFICATE" block in certPEM.
func parseCert(certPEM []byte) (*x509.Certificate, error) {
	rest := certPEM
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("no PEM certificate block found")
		}
		if block.Type != "CERTIFICATE" {
			continue
		}

		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse certificate: %w", err)
		}
		return cert, nil
	}
}
