package bench

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/machina-dev/machina/machine"
)

// Fleet size of the ls benchmark.
const (
	benchSilent    = 50
	benchAnswering = 150
	benchTimeout   = 2 * time.Second
)

// BenchmarkLs lists 200 machines, 50 of whose engines never answer, with a
// 2 s timeout: once through the built binary, as a user runs it, and once
// through machine.List. Every run checks that the silent machines show
// Timeout and every other machine shows Running with its engine version.
func BenchmarkLs(b *testing.B) {
	fleet, err := NewFleet(b.TempDir(), benchSilent, benchAnswering)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(fleet.Close)

	b.Run("binary", func(b *testing.B) {
		bin := buildMachina(b)
		var slowest time.Duration
		for b.Loop() {
			start := time.Now()
			cmd := exec.Command(bin, "ls", "--timeout", benchTimeout.String(), "--format", "{{.Name}} {{.State}} {{.DockerVersion}}")
			cmd.Env = append(os.Environ(), "MACHINE_STORAGE_PATH="+fleet.Store.Path)
			out, err := cmd.Output()
			slowest = max(slowest, time.Since(start))
			if err != nil {
				b.Fatalf("machina ls: %v", err)
			}
			checkLines(b, strings.Split(strings.TrimSpace(string(out)), "\n"))
		}
		b.ReportMetric(slowest.Seconds(), "max-s")
	})

	b.Run("list", func(b *testing.B) {
		var slowest time.Duration
		for b.Loop() {
			start := time.Now()
			rows, err := machine.List(context.Background(), fleet.Store, machine.ListOptions{Timeout: benchTimeout, Parallel: 32})
			slowest = max(slowest, time.Since(start))
			if err != nil {
				b.Fatal(err)
			}
			var lines []string
			for _, row := range rows {
				lines = append(lines, row.Name+" "+row.State.String()+" "+row.DockerVersion)
			}
			checkLines(b, lines)
		}
		b.ReportMetric(slowest.Seconds(), "max-s")
	})
}

// checkLines checks "NAME STATE VERSION" lines against the fleet.
func checkLines(b *testing.B, lines []string) {
	b.Helper()
	if len(lines) != benchSilent+benchAnswering {
		b.Fatalf("ls printed %d machines, want %d", len(lines), benchSilent+benchAnswering)
	}
	for _, line := range lines {
		name, rest, _ := strings.Cut(line, " ")
		switch {
		case strings.HasPrefix(name, SilentPrefix) && !strings.HasPrefix(rest, "Timeout "):
			b.Fatalf("silent machine: %q, want state Timeout", line)
		case strings.HasPrefix(name, AnsweringPrefix) && rest != "Running "+EngineVersion:
			b.Fatalf("answering machine: %q, want Running %s", line, EngineVersion)
		}
	}
}

// buildMachina builds cmd/machina into a temporary directory.
func buildMachina(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "machina")
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/machina")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}
