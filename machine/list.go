package machine

import (
	"context"
	"errors"
	"fmt"
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

// ListOptions bound and select a listing.
type ListOptions struct {
	Timeout    time.Duration // bound on the whole listing
	Parallel   int           // machines queried at once; see querySlots
	DockerHost string        // $DOCKER_HOST, which decides the active machine
	Filter     Filter

	// NamesOnly skips querying the machines when the filter has no state
	// key, and returns rows with only Name set.
	NamesOnly bool
}

// leaseShare divides ListOptions.Timeout into the time a query holds its slot.
const leaseShare = 10

// minLease keeps slots from turning over faster than queries can start.
const minLease = 10 * time.Millisecond

// listEntry is a machine selected for a listing, or the error loading it.
type listEntry struct {
	name    string
	host    *store.Host // nil when config.json cannot be read
	machine *Machine    // nil when err is set
	err     error
}

// List returns one row per machine in the store that opts.Filter selects.
// The name, driver and label filters apply before any machine is queried,
// and machines in a state the filter rejects skip the engine query. Machines
// are queried in parallel, and one that has not responded when opts.Timeout
// ends shows Timeout without holding up the other rows.
func List(ctx context.Context, s *store.Store, opts ListOptions) ([]Row, error) {
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()

	entries, err := selectMachines(s, opts.Filter)
	if err != nil {
		return nil, err
	}

	if opts.NamesOnly && len(opts.Filter.States) == 0 {
		rows := make([]Row, len(entries))
		for i, e := range entries {
			rows[i] = Row{Name: e.name}
		}
		return rows, nil
	}

	var rows []Row
	for _, row := range queryAll(ctx, entries, opts) {
		if opts.Filter.MatchesState(row.State) {
			rows = append(rows, row)
		}
	}
	return rows, nil
}

// selectMachines loads the machines that the name, driver and label filters
// select. It contacts no machine.
func selectMachines(s *store.Store, f Filter) ([]listEntry, error) {
	names, err := s.List()
	if err != nil {
		return nil, err
	}

	var entries []listEntry
	for _, name := range names {
		if !f.matchesName(name) {
			continue
		}
		e := listEntry{name: name}
		e.host, e.err = s.Load(name)
		if !f.matchesHost(e.host) {
			continue
		}
		if e.err == nil {
			e.machine, e.err = decode(s, e.host)
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// decode returns the machine of a loaded config.json.
func decode(s *store.Store, h *store.Host) (*Machine, error) {
	d, err := drivers.Decode(h.DriverName, h.Driver)
	if err != nil {
		return nil, fmt.Errorf("machine %q: %w", h.Name, err)
	}
	return &Machine{Store: s, Host: h, Driver: d}, nil
}

// queryAll queries every entry in parallel until ctx ends. Entries that have
// not finished by then get a Timeout row.
func queryAll(ctx context.Context, entries []listEntry, opts ListOptions) []Row {
	rows := make([]Row, len(entries))
	finished := make([]bool, len(entries))
	var mu sync.Mutex
	var wg sync.WaitGroup
	slots := newQuerySlots(opts.Parallel, opts.Timeout/leaseShare)

	for i, e := range entries {
		wg.Go(func() {
			release, ok := slots.acquire(ctx)
			if !ok {
				return
			}
			row := rowOf(ctx, e, opts)
			release()

			mu.Lock()
			rows[i], finished[i] = row, true
			mu.Unlock()
		})
	}

	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}

	mu.Lock()
	defer mu.Unlock()
	result := make([]Row, len(entries))
	for i, e := range entries {
		if finished[i] {
			result[i] = rows[i]
			continue
		}
		result[i] = timeoutRow(e, opts)
	}
	return result
}

// querySlots bounds how many machines are queried at once. A query that has
// not finished after its lease gives its slot to the next machine and goes
// on until the listing ends, so machines that never respond cannot keep the
// others from being queried. At most size × (leaseShare + 1) queries
// therefore run at once.
type querySlots struct {
	ch    chan struct{}
	lease time.Duration
}

func newQuerySlots(size int, lease time.Duration) querySlots {
	return querySlots{ch: make(chan struct{}, max(size, 1)), lease: max(lease, minLease)}
}

// acquire waits for a slot until ctx ends. The returned release gives the
// slot back if the lease has not already done so.
func (q querySlots) acquire(ctx context.Context) (release func(), ok bool) {
	select {
	case q.ch <- struct{}{}:
	case <-ctx.Done():
		return nil, false
	}

	var once sync.Once
	giveBack := func() { once.Do(func() { <-q.ch }) }
	timer := time.AfterFunc(q.lease, giveBack)
	return func() {
		timer.Stop()
		giveBack()
	}, true
}

// timeoutRow describes a machine that did not respond within the timeout,
// from what the store has.
func timeoutRow(e listEntry, opts ListOptions) Row {
	row := Row{Name: e.name, Active: "-", State: drivers.Timeout, Error: "timed out after " + opts.Timeout.String(), ResponseTime: opts.Timeout}
	if e.host != nil {
		row.DriverName = e.host.DriverName
	}
	if e.machine != nil {
		// The stored drivers compute URL from config.json without I/O.
		row.URL, _ = e.machine.Driver.URL(context.Background())
	}
	return row
}

// rowOf queries one machine: its driver's state, then its engine's version.
func rowOf(ctx context.Context, e listEntry, opts ListOptions) (row Row) {
	start := time.Now()
	row = Row{Name: e.name, Active: "-"}
	defer func() { row.ResponseTime = time.Since(start) }()

	if e.host != nil {
		row.DriverName = e.host.DriverName
	}
	if e.err != nil {
		row.State = drivers.Error
		row.Error = e.err.Error()
		return row
	}
	m := e.machine
	defer func() { row.Error = withCertWarnings(ctx, m, row.Error) }()

	if msg := m.CreateError(); msg != "" {
		row.State = drivers.Error
		row.Error = "create failed: " + msg
		return row
	}

	var err error
	row.State, err = m.Driver.State(ctx)
	if err != nil {
		row.State = drivers.Error
		row.Error = err.Error()
		return row
	}
	if row.State != drivers.Running || !opts.Filter.mayReachState(row.State) {
		return row
	}

	row.URL, err = m.Driver.URL(ctx)
	if err != nil {
		row.Error = err.Error()
		return row
	}
	if opts.DockerHost != "" && opts.DockerHost == row.URL {
		row.Active, row.ActiveHost = "*", true
	}

	row.DockerVersion, err = m.EngineVersion(ctx)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		// The listing's deadline ended the query: show it as the rows
		// that never finished are shown.
		timedOut := timeoutRow(e, opts)
		timedOut.URL, timedOut.Active, timedOut.ActiveHost = row.URL, row.Active, row.ActiveHost
		return timedOut
	}
	if err != nil {
		row.DockerVersion = "Unknown"
		row.Error = err.Error()
	}
	return row
}

// EngineVersion requests the engine's version from /version over TLS.
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
