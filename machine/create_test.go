package machine

import (
	"context"
	"encoding/json"
	"os"
	"sort"
	"testing"

	"github.com/machina-dev/machina/drivers/none"
	"github.com/machina-dev/machina/store"
	mtls "github.com/machina-dev/machina/tls"
)

// TestConfigHasDockerMachineKeys checks that a machine machina creates has
// every config.json key that Docker Machine 0.16 writes for the same driver,
// so that Docker Machine loads it. The fixture is Docker Machine's format.
func TestConfigHasDockerMachineKeys(t *testing.T) {
	s, err := store.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	d, err := none.New(NewBase(s, "m"), none.Flags{URL: "tcp://127.0.0.1:2376"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Create(context.Background(), s, "m", CreateOptions{
		Driver:  d,
		Certs:   s.DefaultCertPaths(),
		KeyType: mtls.ECDSA,
	})
	if err != nil {
		t.Fatal(err)
	}

	got := jsonKeys(t, mustRead(t, s.ConfigPath("m")))
	want := jsonKeys(t, mustRead(t, "testdata/dockermachine-none.json"))
	for k := range want {
		if !got[k] {
			t.Errorf("config.json lacks Docker Machine key %s", k)
		}
	}
}

// TestFailedCreateIsNotRunning checks that a create that fails after its
// directory exists leaves a machine that shows as an error and that Remove
// deletes.
func TestFailedCreateIsNotRunning(t *testing.T) {
	s, err := store.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	d, err := none.New(NewBase(s, "m"), none.Flags{URL: "tcp://127.0.0.1:2376"})
	if err != nil {
		t.Fatal(err)
	}
	paths := s.DefaultCertPaths()
	paths.CACert = "/dev/null/ca.pem" // cannot be written: create fails after the directory exists

	if _, err := Create(context.Background(), s, "m", CreateOptions{Driver: d, Certs: paths, KeyType: mtls.ECDSA}); err == nil {
		t.Fatal("Create succeeded with an unwritable CA path")
	}
	rows, err := List(context.Background(), s, ListOptions{Timeout: 5e9, Parallel: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].State.String() != "Error" {
		t.Fatalf("rows = %+v, want one row in state Error", rows)
	}
	if err := Remove(context.Background(), s, "m", false); err != nil {
		t.Fatalf("Remove of the failed machine: %v", err)
	}
	if s.Exists("m") {
		t.Fatal("the failed machine's directory is still there")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// jsonKeys returns the paths of every object key in a JSON document.
func jsonKeys(t *testing.T, data []byte) map[string]bool {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		names := make([]string, 0, len(m))
		for k := range m {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			keys[prefix+"/"+k] = true
			walk(prefix+"/"+k, m[k])
		}
	}
	walk("", v)
	return keys
}
