package machine

import (
	"context"
	"errors"
	"os"
	"sync"
	"time"

	"github.com/machina-dev/machina/drivers"
	"github.com/machina-dev/machina/engine"
	"github.com/machina-dev/machina/store"
)

// Row is one machine in `machina ls`. The field names are Docker Machine's,
// so that its --format templates work unchanged.
type Row struct {
	Name          string
	Active        string // "*" or "-"
	ActiveHost    bool
	ActiveSwarm   bool
	DriverName    string
	State         drivers.State
	URL           string
	Swarm         string
	DockerVersion string
	Error         string
	ResponseTime  time.Duration
}

// ListOptions bound a listing.
type ListOptions struct {
	Timeout    time.Duration // bound on the whole listing
	Parallel   int           // machines queried at once
	DockerHost string        // $DOCKER_HOST, which decides the active machine
}

// List returns one row per machine in the store, querying machines in
// parallel. A machine that has not answered when opts.Timeout ends shows
// Timeout; the other rows are not held up by it.
func List(ctx context.Context, s *store.Store, opts ListOptions) ([]Row, error) {
	names, err := s.List()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()

	rows := make([]Row, len(names))
	finished := make([]bool, len(names))
	var mu sync.Mutex
	var wg sync.WaitGroup
	limit := make(chan struct{}, max(opts.Parallel, 1))

	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case limit <- struct{}{}:
				defer func() { <-limit }()
			case <-ctx.Done():
				return
			}
			row := rowOf(ctx, s, name, opts.DockerHost)
			mu.Lock()
			rows[i], finished[i] = row, true
			mu.Unlock()
		}()
	}

	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}

	mu.Lock()
	defer mu.Unlock()
	result := make([]Row, len(names))
	for i, name := range names {
		if finished[i] {
			result[i] = rows[i]
			continue
		}
		result[i] = timeoutRow(s, name, opts)
	}
	return result, nil
}

// timeoutRow describes a machine that did not answer within the timeout,
// from what the store has.
func timeoutRow(s *store.Store, name string, opts ListOptions) Row {
	row := Row{Name: name, Active: "-", State: drivers.Timeout, Error: "timed out after " + opts.Timeout.String()}
	if m, err := Load(s, name); err == nil {
		row.DriverName = m.Host.DriverName
		row.URL, _ = m.Driver.URL(context.Background())
	}
	return row
}

func rowOf(ctx context.Context, s *store.Store, name, dockerHost string) Row {
	start := time.Now()
	row := Row{Name: name, Active: "-"}
	defer func() { row.ResponseTime = time.Since(start) }()

	m, err := Load(s, name)
	if err != nil {
		row.State = drivers.Error
		row.Error = err.Error()
		return row
	}
	row.DriverName = m.Host.DriverName

	if msg := m.CreateError(); msg != "" {
		row.State = drivers.Error
		row.Error = "create failed: " + msg
		return row
	}

	row.State, err = m.Driver.State(ctx)
	if err != nil {
		row.State = drivers.Error
		row.Error = err.Error()
		return row
	}
	if row.State != drivers.Running {
		return row
	}

	row.URL, err = m.Driver.URL(ctx)
	if err != nil {
		row.Error = err.Error()
		return row
	}
	if dockerHost != "" && dockerHost == row.URL {
		row.Active, row.ActiveHost = "*", true
	}

	row.DockerVersion, err = m.EngineVersion(ctx)
	if err != nil {
		row.DockerVersion = "Unknown"
		row.Error = err.Error()
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			row.State = drivers.Timeout
		}
	}
	return row
}

// EngineVersion asks the machine's engine for its version over TLS.
func (m *Machine) EngineVersion(ctx context.Context) (string, error) {
	c, err := m.EngineClient(ctx)
	if err != nil {
		return "", err
	}
	return c.Version(ctx)
}

// EngineClient returns an API client for the machine's engine that uses the
// machine's CA and client certificate.
func (m *Machine) EngineClient(ctx context.Context) (*engine.Client, error) {
	url, err := m.Driver.URL(ctx)
	if err != nil {
		return nil, err
	}
	auth := m.Host.HostOptions.AuthOptions
	ca, err := os.ReadFile(auth.CaCertPath)
	if err != nil {
		return nil, err
	}
	pair, err := store.ReadPair(auth.ClientCertPath, auth.ClientKeyPath)
	if err != nil {
		return nil, err
	}
	return engine.New(url, ca, pair.CertPEM, pair.KeyPEM)
}
