package drivers

import (
	"strings"
	"testing"
)

func TestStateStringsMatchDockerMachine(t *testing.T) {
	want := map[State]string{None: "", Running: "Running", Paused: "Paused", Saved: "Saved", Stopped: "Stopped",
		Stopping: "Stopping", Starting: "Starting", Error: "Error", Timeout: "Timeout"}
	for state, name := range want {
		if got := state.String(); got != name {
			t.Errorf("State(%d).String() = %q, want %q", int(state), got, name)
		}
	}
	if Timeout != 8 {
		t.Errorf("Timeout = %d, want 8 as in Docker Machine", int(Timeout))
	}
}

func TestDecodeUnknownDriver(t *testing.T) {
	_, err := Decode("virtualbox", nil)
	if err == nil || !strings.Contains(err.Error(), `unknown driver "virtualbox"`) {
		t.Fatalf("Decode error = %v, want unknown driver naming it", err)
	}
}
