package tls

import (
	cryptotls "crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// TestHandshake runs a mutual TLS handshake over loopback, with the server
// requiring and verifying a client certificate, as Docker Engine does with
// --tlsverify.
func TestHandshake(t *testing.T) {
	tests := []struct {
		name                           string
		caType, serverType, clientType KeyType
	}{
		{"ECDSA", ECDSA, ECDSA, ECDSA},
		{"RSA", RSA, RSA, RSA},
		{"RSA CA with ECDSA leaves", RSA, ECDSA, ECDSA},
		{"ECDSA CA with RSA leaves", ECDSA, RSA, RSA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ca := newTestCA(t, tt.caType)
			server, err := NewServerCert(ca, "alice.dev", []string{"127.0.0.1"}, tt.serverType)
			if err != nil {
				t.Fatal(err)
			}
			client, err := NewClientCert(ca, "alice", tt.clientType)
			if err != nil {
				t.Fatal(err)
			}

			peerOrg, err := handshake(t, ca, server, client)
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			if peerOrg != "alice" {
				t.Errorf("server saw client organization %q, want %q", peerOrg, "alice")
			}
		})
	}
}

// TestHandshakeServerCertAsClient checks that the server certificate also
// works as a client certificate, which Docker Machine relies on when it
// checks a machine.
func TestHandshakeServerCertAsClient(t *testing.T) {
	for _, kt := range keyTypes {
		t.Run(string(kt), func(t *testing.T) {
			ca := newTestCA(t, kt)
			server, err := NewServerCert(ca, "alice.dev", []string{"127.0.0.1"}, kt)
			if err != nil {
				t.Fatal(err)
			}

			peerOrg, err := handshake(t, ca, server, server)
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			if peerOrg != "alice.dev" {
				t.Errorf("server saw client organization %q, want %q", peerOrg, "alice.dev")
			}
		})
	}
}

func TestHandshakeRejectsOtherCA(t *testing.T) {
	ca := newTestCA(t, ECDSA)
	other := newTestCA(t, ECDSA)
	server, err := NewServerCert(ca, "alice.dev", []string{"127.0.0.1"}, ECDSA)
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := NewClientCert(other, "mallory", ECDSA)
	if err != nil {
		t.Fatal(err)
	}

	if _, err := handshake(t, ca, server, stranger); err == nil {
		t.Error("server accepted a client certificate from another CA")
	}
}

// handshake serves on 127.0.0.1 with server, connects with client, both
// trusting ca, and exchanges one byte each way. It returns the organization
// of the client certificate that the server verified.
func handshake(t *testing.T, ca, server, client Pair) (string, error) {
	t.Helper()
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(ca.CertPEM) {
		t.Fatal("CA certificate not parsed")
	}
	serverPair := loadPair(t, server)
	clientPair := loadPair(t, client)

	ln, err := cryptotls.Listen("tcp", "127.0.0.1:0", &cryptotls.Config{
		Certificates: []cryptotls.Certificate{serverPair},
		ClientCAs:    roots,
		ClientAuth:   cryptotls.RequireAndVerifyClientCert,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()

	type result struct {
		org string
		err error
	}
	served := make(chan result, 1)
	go func() {
		org, err := serveOnce(ln)
		served <- result{org, err}
	}()

	clientErr := dialOnce(ln.Addr().String(), roots, clientPair)

	r := <-served
	if err := errors.Join(clientErr, r.err); err != nil {
		return "", err
	}
	return r.org, nil
}

// serveOnce accepts one connection, echoes one byte and returns the
// organization of the verified client certificate.
func serveOnce(ln net.Listener) (string, error) {
	conn, err := ln.Accept()
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return "", err
	}

	tlsConn := conn.(*cryptotls.Conn)
	if err := tlsConn.Handshake(); err != nil {
		return "", err
	}

	buf := make([]byte, 1)
	if _, err := io.ReadFull(tlsConn, buf); err != nil {
		return "", err
	}
	if _, err := tlsConn.Write(buf); err != nil {
		return "", err
	}

	chains := tlsConn.ConnectionState().VerifiedChains
	if len(chains) == 0 || len(chains[0]) == 0 {
		return "", errors.New("no verified client certificate chain")
	}
	org := chains[0][0].Subject.Organization
	if len(org) == 0 {
		return "", errors.New("client certificate has no organization")
	}
	return org[0], nil
}

// dialOnce connects to addr, verifies the server certificate for the IP
// 127.0.0.1 against roots, sends one byte and reads it back.
func dialOnce(addr string, roots *x509.CertPool, client cryptotls.Certificate) error {
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	conn, err := cryptotls.DialWithDialer(dialer, "tcp", addr, &cryptotls.Config{
		RootCAs:      roots,
		Certificates: []cryptotls.Certificate{client},
		ServerName:   "127.0.0.1",
	})
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return err
	}

	if _, err := conn.Write([]byte{'x'}); err != nil {
		return err
	}
	buf := make([]byte, 1)
	_, err = io.ReadFull(conn, buf)
	return err
}

func loadPair(t *testing.T, p Pair) cryptotls.Certificate {
	t.Helper()
	cert, err := cryptotls.X509KeyPair(p.CertPEM, p.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}
