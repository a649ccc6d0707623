package machine_test

import (
	"context"
	"testing"
	"time"

	"github.com/machina-dev/machina/bench"
	"github.com/machina-dev/machina/drivers"
	"github.com/machina-dev/machina/machine"
)

func newFleet(t *testing.T, silent, answering int) *bench.Fleet {
	t.Helper()
	fleet, err := bench.NewFleet(t.TempDir(), silent, answering)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fleet.Close)
	return fleet
}

// TestListSilentMachineTimesOut checks rows, not timing: a machine whose
// engine never answers shows Timeout, and one whose engine answers shows
// Running with its version.
func TestListSilentMachineTimesOut(t *testing.T) {
	fleet := newFleet(t, 1, 1)

	rows, err := machine.List(context.Background(), fleet.Store, machine.ListOptions{Timeout: time.Second, Parallel: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("got %d rows, want 2: %+v", len(rows), rows)
	}

	silent, answering := rows[0], rows[1]
	if silent.Name != bench.SilentPrefix+"000" || silent.State != drivers.Timeout {
		t.Errorf("silent row = %s %s, want %s000 Timeout", silent.Name, silent.State, bench.SilentPrefix)
	}
	if silent.URL == "" || silent.DriverName != "none" {
		t.Errorf("silent row lacks what the store has: URL %q, driver %q", silent.URL, silent.DriverName)
	}
	if answering.State != drivers.Running {
		t.Errorf("answering row state = %s (error %q), want Running", answering.State, answering.Error)
	}
	if answering.DockerVersion != bench.EngineVersion {
		t.Errorf("answering row version = %q, want %s", answering.DockerVersion, bench.EngineVersion)
	}
}

func TestListFilterByState(t *testing.T) {
	fleet := newFleet(t, 1, 2)
	list := func(args ...string) []string {
		t.Helper()
		filter, err := machine.ParseFilter(args)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := machine.List(context.Background(), fleet.Store, machine.ListOptions{Timeout: 500 * time.Millisecond, Parallel: 4, Filter: filter})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, row := range rows {
			names = append(names, row.Name)
		}
		return names
	}

	if got := list("state=Timeout"); len(got) != 1 || got[0] != bench.SilentPrefix+"000" {
		t.Errorf("state=Timeout lists %q, want the silent machine", got)
	}
	if got := list("state=Running"); len(got) != 2 {
		t.Errorf("state=Running lists %q, want the two answering machines", got)
	}
	if got := list("state=Running", "name=silent"); len(got) != 0 {
		t.Errorf("state=Running name=silent lists %q, want none", got)
	}
}

func TestListNamesOnlyQueriesNothing(t *testing.T) {
	fleet := newFleet(t, 3, 0)

	start := time.Now()
	rows, err := machine.List(context.Background(), fleet.Store, machine.ListOptions{Timeout: 5 * time.Second, NamesOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("got %d rows, want 3", len(rows))
	}
	// The silent engines would hold a query for the whole 5 s timeout.
	if elapsed := time.Since(start); elapsed > 4*time.Second {
		t.Errorf("NamesOnly took %s, so it queried the machines", elapsed)
	}
}
