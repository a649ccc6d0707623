package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	mtls "github.com/machina-dev/machina/tls"
)

// CertPaths are the store-wide CA and client certificate files. Docker
// Machine's --tls-ca-cert, --tls-ca-key, --tls-client-cert and
// --tls-client-key choose other files.
type CertPaths struct {
	CACert, CAKey, ClientCert, ClientKey string
}

// DefaultCertPaths returns the files under the store's certs directory.
func (s *Store) DefaultCertPaths() CertPaths {
	dir := s.CertsDir()
	return CertPaths{
		CACert:     filepath.Join(dir, "ca.pem"),
		CAKey:      filepath.Join(dir, "ca-key.pem"),
		ClientCert: filepath.Join(dir, "cert.pem"),
		ClientKey:  filepath.Join(dir, "key.pem"),
	}
}

// EnsureCA loads the CA and client certificate at p, making them on first use
// with key type kt. An existing CA keeps its own key type, so a Docker Machine
// store with an RSA CA is reused as it is. It reports whether it made the CA.
func (s *Store) EnsureCA(p CertPaths, org string, kt mtls.KeyType) (ca, client mtls.Pair, created bool, err error) {
	unlock, err := s.LockStore()
	if err != nil {
		return ca, client, false, err
	}
	defer unlock()

	ca, err = readPair(p.CACert, p.CAKey)
	switch {
	case errors.Is(err, os.ErrNotExist):
		ca, err = mtls.NewCA(org, kt)
		if err != nil {
			return ca, client, false, fmt.Errorf("make CA: %w", err)
		}
		if err := writePair(ca, p.CACert, p.CAKey); err != nil {
			return ca, client, false, err
		}
		created = true
	case err != nil:
		return ca, client, false, err
	}

	client, err = readPair(p.ClientCert, p.ClientKey)
	if errors.Is(err, os.ErrNotExist) {
		client, err = mtls.NewClientCert(ca, org, kt)
		if err != nil {
			return ca, client, created, fmt.Errorf("make client certificate: %w", err)
		}
		if err := writePair(client, p.ClientCert, p.ClientKey); err != nil {
			return ca, client, created, err
		}
		return ca, client, true, nil
	}
	return ca, client, created, err
}

// readPair reads a certificate and its key; a missing file wraps os.ErrNotExist.
func readPair(certPath, keyPath string) (mtls.Pair, error) {
	cert, err := os.ReadFile(certPath)
	if err != nil {
		return mtls.Pair{}, fmt.Errorf("read certificate: %w", err)
	}
	key, err := os.ReadFile(keyPath)
	if err != nil {
		return mtls.Pair{}, fmt.Errorf("read key: %w", err)
	}
	p := mtls.Pair{CertPEM: cert, KeyPEM: key}
	if err := mtls.CheckPair(p); err != nil {
		return p, fmt.Errorf("certificate %s and key %s: %w", certPath, keyPath, err)
	}
	return p, nil
}

// ReadPair reads a certificate and its key and checks that they match.
func ReadPair(certPath, keyPath string) (mtls.Pair, error) { return readPair(certPath, keyPath) }

// WritePair writes a certificate (0600) and its key (0600) atomically.
func WritePair(p mtls.Pair, certPath, keyPath string) error { return writePair(p, certPath, keyPath) }

func writePair(p mtls.Pair, certPath, keyPath string) error {
	if err := WriteFile(keyPath, p.KeyPEM, 0o600); err != nil {
		return err
	}
	return WriteFile(certPath, p.CertPEM, 0o600)
}
