// Package bench builds the machine stores that machina's benchmarks and
// timing tests list: none-driver machines whose engines respond at once or
// never.
package bench

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"

	"github.com/machina-dev/machina/drivers/none"
	"github.com/machina-dev/machina/machine"
	"github.com/machina-dev/machina/store"
	mtls "github.com/machina-dev/machina/tls"
)

// EngineVersion is the version the responding engine reports.
const EngineVersion = "20.10.24"

// Name prefixes sort the silent machines first, so that they take the query
// slots before any responding machine does.
const (
	SilentPrefix    = "a-silent-"
	AnsweringPrefix = "b-answering-"
)

// Fleet is a machine store of none-driver machines pointing at two
// listeners on 127.0.0.1. One accepts TCP connections and never sends a
// byte. The other is a TLS engine that serves /_ping and /version with a
// server certificate from the store's CA.
type Fleet struct {
	Store *store.Store

	silent net.Listener
	engine *http.Server
	wg     sync.WaitGroup
	mu     sync.Mutex
	held   []net.Conn // connections the silent listener accepted, closed by Close
}

// NewFleet creates silent and responding machines in a store at dir.
func NewFleet(dir string, silent, answering int) (*Fleet, error) {
	s, err := store.New(dir)
	if err != nil {
		return nil, err
	}
	f := &Fleet{Store: s}

	if err := f.startSilent(); err != nil {
		return nil, err
	}
	engineURL, err := f.startEngine()
	if err != nil {
		f.Close()
		return nil, err
	}

	silentURL := "tcp://" + f.silent.Addr().String()
	for i := range silent {
		err = errors.Join(err, f.create(fmt.Sprintf("%s%03d", SilentPrefix, i), silentURL))
	}
	for i := range answering {
		err = errors.Join(err, f.create(fmt.Sprintf("%s%03d", AnsweringPrefix, i), engineURL))
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// startSilent listens on a free loopback port and holds every connection
// open without reading or writing.
func (f *Fleet) startSilent() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	f.silent = l

	f.wg.Go(func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.held = append(f.held, conn)
			f.mu.Unlock()
		}
	})
	return nil
}

// startEngine serves a TLS engine on a free loopback port and returns its
// URL. It makes the store's CA, so it must run before the first create.
func (f *Fleet) startEngine() (string, error) {
	certs := f.Store.DefaultCertPaths()
	ca, _, _, err := f.Store.EnsureCA(certs, "bench", mtls.ECDSA)
	if err != nil {
		return "", err
	}
	server, err := mtls.NewServerCert(ca, "bench", []string{"127.0.0.1"}, mtls.ECDSA)
	if err != nil {
		return "", err
	}
	pair, err := tls.X509KeyPair(server.CertPEM, server.KeyPEM)
	if err != nil {
		return "", err
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/_ping", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "OK") })
	mux.HandleFunc("/version", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"Version":%q,"ApiVersion":"1.41"}`, EngineVersion)
	})
	f.engine = &http.Server{Handler: mux, TLSConfig: &tls.Config{Certificates: []tls.Certificate{pair}}}

	f.wg.Go(func() { f.engine.ServeTLS(l, "", "") })
	return "tcp://" + l.Addr().String(), nil
}

func (f *Fleet) create(name, url string) error {
	d, err := none.New(machine.NewBase(f.Store, name), none.Flags{URL: url})
	if err != nil {
		return err
	}
	_, err = machine.Create(context.Background(), f.Store, name, machine.CreateOptions{
		Driver:   d,
		Certs:    f.Store.DefaultCertPaths(),
		KeyType:  mtls.ECDSA,
		Progress: io.Discard,
	})
	return err
}

// Close stops both listeners and closes the connections held open.
func (f *Fleet) Close() {
	if f.silent != nil {
		f.silent.Close()
	}
	if f.engine != nil {
		f.engine.Close()
	}
	f.wg.Wait()

	f.mu.Lock()
	defer f.mu.Unlock()
	for _, conn := range f.held {
		conn.Close()
	}
	f.held = nil
}
