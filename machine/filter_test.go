package machine

import (
	"strings"
	"testing"

	"github.com/machina-dev/machina/drivers"
	"github.com/machina-dev/machina/store"
)

func hostWith(driver string, labels ...string) *store.Host {
	return &store.Host{
		DriverName:  driver,
		HostOptions: &store.HostOptions{EngineOptions: &store.EngineOptions{Labels: labels}},
	}
}

func mustParseFilter(t *testing.T, args ...string) Filter {
	t.Helper()
	f, err := ParseFilter(args)
	if err != nil {
		t.Fatalf("ParseFilter(%q): %v", args, err)
	}
	return f
}

func TestFilterNameMatchesAnywhere(t *testing.T) {
	f := mustParseFilter(t, "name=web")
	for name, want := range map[string]bool{"web": true, "web-1": true, "old-web": true, "db": false} {
		if got := f.matchesName(name); got != want {
			t.Errorf("name=web on %q = %v, want %v", name, got, want)
		}
	}
}

func TestFilterNameAnchored(t *testing.T) {
	f := mustParseFilter(t, "name=^web$")
	if !f.matchesName("web") {
		t.Error("name=^web$ rejects web")
	}
	if f.matchesName("web-1") {
		t.Error("name=^web$ matches web-1")
	}
}

func TestFilterSameKeyIsOr(t *testing.T) {
	f := mustParseFilter(t, "driver=generic", "driver=none")
	if !f.matchesHost(hostWith("none")) || !f.matchesHost(hostWith("generic")) {
		t.Error("driver=generic or none rejects one of them")
	}
	if f.matchesHost(hostWith("virtualbox")) {
		t.Error("driver=generic or none matches virtualbox")
	}
}

func TestFilterKeysAreAnd(t *testing.T) {
	f := mustParseFilter(t, "driver=none", "label=env=prod")
	if !f.matchesHost(hostWith("none", "env=prod")) {
		t.Error("rejects a none machine labelled env=prod")
	}
	if f.matchesHost(hostWith("none", "env=dev")) {
		t.Error("matches a none machine labelled env=dev")
	}
	if f.matchesHost(hostWith("generic", "env=prod")) {
		t.Error("matches a generic machine labelled env=prod")
	}
}

func TestFilterLabel(t *testing.T) {
	h := hostWith("none", "env=Prod", "tier=web")
	cases := map[string]bool{
		"label=env=prod": true, // value compared without case
		"label=ENV=prod": false,
		"label=env":      true,
		"label=tier=db":  false,
		"label=zone":     false,
	}
	for arg, want := range cases {
		if got := mustParseFilter(t, arg).matchesHost(h); got != want {
			t.Errorf("%s = %v, want %v", arg, got, want)
		}
	}
}

func TestFilterSwarmMatchesNothing(t *testing.T) {
	if mustParseFilter(t, "swarm=master").matchesHost(hostWith("none")) {
		t.Error("swarm=master matches a machine")
	}
}

func TestFilterUnreadableHost(t *testing.T) {
	if !mustParseFilter(t, "name=x").matchesHost(nil) {
		t.Error("a name filter rejects a machine whose config.json is unreadable")
	}
	if mustParseFilter(t, "driver=none").matchesHost(nil) {
		t.Error("a driver filter matches a machine whose config.json is unreadable")
	}
}

func TestFilterState(t *testing.T) {
	f := mustParseFilter(t, "state=running", "STATE=Stopped")
	if !f.MatchesState(drivers.Running) || !f.MatchesState(drivers.Stopped) {
		t.Error("rejects Running or Stopped")
	}
	if f.MatchesState(drivers.Timeout) {
		t.Error("matches Timeout")
	}
	if !(Filter{}).MatchesState(drivers.Error) {
		t.Error("the zero filter rejects Error")
	}
}

func TestFilterRunningMayTimeOut(t *testing.T) {
	f := mustParseFilter(t, "state=timeout")
	if !f.mayReachState(drivers.Running) {
		t.Error("state=Timeout skips a Running machine, whose engine may not answer")
	}
	if f.mayReachState(drivers.Stopped) {
		t.Error("state=Timeout queries a Stopped machine's engine")
	}
}

func TestParseFilterErrors(t *testing.T) {
	cases := map[string]string{
		"colour=red": `unknown filter key "colour" in "colour=red": use one of driver, label, name, state, swarm`,
		"web":        `invalid filter "web": use KEY=VALUE`,
		"name=a(":    `invalid filter "name=a(": invalid name regexp "a("`,
		"state=up":   `invalid filter "state=up": unknown state "up": use one of Running,`,
		"label=":     `invalid filter "label=": use label=KEY=VALUE or label=KEY`,
	}
	for arg, want := range cases {
		_, err := ParseFilter([]string{arg})
		if err == nil {
			t.Errorf("ParseFilter(%q) succeeded", arg)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("ParseFilter(%q) = %q, want it to contain %q", arg, err, want)
		}
	}
}
