package main

import (
	"fmt"
	"io"

	"github.com/machina-dev/machina/machine"
	"github.com/machina-dev/machina/store"
)

// store opens the machine store chosen by --storage-path or its default.
func (g *Globals) store() (*store.Store, error) {
	path := g.StoragePath
	if path == "" {
		var err error
		if path, err = store.DefaultPath(); err != nil {
			return nil, err
		}
	}
	s, err := store.New(path)
	if err != nil {
		return nil, err
	}
	s.Waiting = g.Stderr
	return s, nil
}

// certPaths applies the --tls-* overrides to the store's default files.
func (g *Globals) certPaths(s *store.Store) store.CertPaths {
	p := s.DefaultCertPaths()
	for _, o := range []struct {
		flag string
		dst  *string
	}{
		{g.TLSCACert, &p.CACert}, {g.TLSCAKey, &p.CAKey},
		{g.TLSClientCert, &p.ClientCert}, {g.TLSClientKey, &p.ClientKey},
	} {
		if o.flag != "" {
			*o.dst = o.flag
		}
	}
	return p
}

// load opens the store and loads one machine.
func (g *Globals) load(name string) (*machine.Machine, error) {
	s, err := g.store()
	if err != nil {
		return nil, err
	}
	return machine.Load(s, name)
}

// debug returns the writer of --debug output, or nil.
func (g *Globals) debug() io.Writer {
	if g.Debug {
		return g.Stderr
	}
	return nil
}

func (g *Globals) printf(format string, args ...any) { fmt.Fprintf(g.Stdout, format, args...) }
