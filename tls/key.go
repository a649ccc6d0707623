package tls

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// KeyType is the algorithm of a private key.
type KeyType string

const (
	// ECDSA is an ECDSA key on curve P-256, the default.
	ECDSA KeyType = "ecdsa"
	// RSA is a 2048-bit RSA key, the type Docker Machine 0.16 generates.
	RSA KeyType = "rsa"
)

// rsaBits is the RSA key size in bits.
const rsaBits = 2048

// PEM block types of private keys.
const (
	pemRSA   = "RSA PRIVATE KEY" // PKCS #1
	pemEC    = "EC PRIVATE KEY"  // SEC 1
	pemPKCS8 = "PRIVATE KEY"     // PKCS #8
)

// ParseKeyType parses a key type name. The empty string selects ECDSA.
func ParseKeyType(s string) (KeyType, error) {
	switch s {
	case "", string(ECDSA):
		return ECDSA, nil
	case string(RSA):
		return RSA, nil
	}
	return "", fmt.Errorf("invalid key type %q: valid types are %q and %q", s, ECDSA, RSA)
}

// KeyTypeOf parses a PEM private key and returns its type. It reads PKCS #1
// ("RSA PRIVATE KEY"), SEC 1 ("EC PRIVATE KEY") and PKCS #8 ("PRIVATE KEY")
// blocks.
func KeyTypeOf(keyPEM []byte) (KeyType, error) {
	_, kt, err := parseKey(keyPEM)
	return kt, err
}

// newKey generates a private key of type kt and returns it with its PEM
// encoding: PKCS #1 "RSA PRIVATE KEY" for RSA, as Docker Machine 0.16 writes
// it, and SEC 1 "EC PRIVATE KEY" for ECDSA.
func newKey(kt KeyType) (crypto.Signer, []byte, error) {
	switch kt {
	case ECDSA:
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, fmt.Errorf("generate ECDSA key: %w", err)
		}
		der, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return nil, nil, fmt.Errorf("encode ECDSA key: %w", err)
		}
		return key, pem.EncodeToMemory(&pem.Block{Type: pemEC, Bytes: der}), nil

	case RSA:
		key, err := rsa.GenerateKey(rand.Reader, rsaBits)
		if err != nil {
			return nil, nil, fmt.Errorf("generate RSA key: %w", err)
		}
		der := x509.MarshalPKCS1PrivateKey(key)
		return key, pem.EncodeToMemory(&pem.Block{Type: pemRSA, Bytes: der}), nil
	}
	return nil, nil, fmt.Errorf("invalid key type %q: valid types are %q and %q", kt, ECDSA, RSA)
}

// parseKey decodes the first private key block in keyPEM. It skips the
// "EC PARAMETERS" block that `openssl ecparam -genkey` writes before the key.
// Errors name the block type, never the key bytes.
func parseKey(keyPEM []byte) (crypto.Signer, KeyType, error) {
	rest := keyPEM
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, "", errors.New("no PEM private key block found")
		}
		if block.Type == "EC PARAMETERS" {
			continue
		}
		return parseKeyBlock(block)
	}
}

func parseKeyBlock(block *pem.Block) (crypto.Signer, KeyType, error) {
	switch block.Type {
	case pemRSA:
		key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, "", fmt.Errorf("parse %q block: %w", block.Type, err)
		}
		return key, RSA, nil

	case pemEC:
		key, err := x509.ParseECPrivateKey(block.Bytes)
		if err != nil {
			return nil, "", fmt.Errorf("parse %q block: %w", block.Type, err)
		}
		return key, ECDSA, nil

	case pemPKCS8:
		key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, "", fmt.Errorf("parse %q block: %w", block.Type, err)
		}
		return classifyKey(key)
	}
	return nil, "", fmt.Errorf("PEM block %q is not a private key: expected %q, %q or %q", block.Type, pemRSA, pemEC, pemPKCS8)
}

func classifyKey(key any) (crypto.Signer, KeyType, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return k, RSA, nil
	case *ecdsa.PrivateKey:
		return k, ECDSA, nil
	case ed25519.PrivateKey:
		return nil, "", fmt.Errorf("unsupported private key type Ed25519: expected %s or %s", RSA, ECDSA)
	}
	return nil, "", fmt.Errorf("unsupported private key type %T: expected %s or %s", key, RSA, ECDSA)
}

// describeKey names a public key's algorithm and size, such as "RSA 2048-bit"
// or "ECDSA P-256", for error messages.
func describeKey(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d-bit", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return fmt.Sprintf("%T", pub)
}
