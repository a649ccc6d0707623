package none

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/machina-dev/machina/drivers"
)

func TestNewRejectsBadURL(t *testing.T) {
	for _, url := range []string{"", "http://x:1", "tcp://", "tcp://host", "unix:///var/run/docker.sock"} {
		_, err := New(drivers.Base{MachineName: "m"}, Flags{URL: url})
		if err == nil {
			t.Errorf("New(%q) succeeded, want an error", url)
			continue
		}
		if url != "" && !strings.Contains(err.Error(), url) {
			t.Errorf("New(%q) error %q does not name the value", url, err)
		}
	}
}

func TestURLAndIP(t *testing.T) {
	d, err := New(drivers.Base{MachineName: "m"}, Flags{URL: "tcp://10.0.0.5:2376"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if url, _ := d.URL(ctx); url != "tcp://10.0.0.5:2376" {
		t.Errorf("URL = %q", url)
	}
	if ip, _ := d.IP(ctx); ip != "10.0.0.5" {
		t.Errorf("IP = %q", ip)
	}
	if st, _ := d.State(ctx); st != drivers.Running {
		t.Errorf("State = %v, want Running", st)
	}
}

// TestJSONMatchesDockerMachine checks the driver's config.json keys: Docker
// Machine's none driver stores the URL as "URL" beside the base fields.
func TestJSONMatchesDockerMachine(t *testing.T) {
	d, _ := New(drivers.Base{MachineName: "m"}, Flags{URL: "tcp://127.0.0.1:2376"})
	raw, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	json.Unmarshal(raw, &fields)
	for _, key := range []string{"URL", "IPAddress", "MachineName", "SSHUser", "SSHPort", "SSHKeyPath", "StorePath", "SwarmMaster", "SwarmHost", "SwarmDiscovery"} {
		if _, ok := fields[key]; !ok {
			t.Errorf("driver JSON lacks %s: %s", key, raw)
		}
	}

	back, err := drivers.Decode(Name, raw)
	if err != nil {
		t.Fatal(err)
	}
	if url, _ := back.URL(context.Background()); url != "tcp://127.0.0.1:2376" {
		t.Errorf("decoded URL = %q", url)
	}
}

func TestActionsNotSupported(t *testing.T) {
	d, _ := New(drivers.Base{MachineName: "m"}, Flags{URL: "tcp://127.0.0.1:2376"})
	ctx := context.Background()
	for name, action := range map[string]func(context.Context) error{"start": d.Start, "stop": d.Stop, "kill": d.Kill} {
		err := action(ctx)
		if err == nil || !strings.Contains(err.Error(), "not supported") {
			t.Errorf("%s error = %v, want not supported", name, err)
		}
	}
}
