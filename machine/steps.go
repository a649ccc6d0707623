package machine

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/url"
	"time"

	"github.com/machina-dev/machina/drivers"
)

// steps prints one progress line per step of a long operation, with the
// time the step took.
type steps struct {
	w    io.Writer
	last time.Time
}

func newSteps(w io.Writer) *steps { return &steps{w: w, last: time.Now()} }

// done prints a step that ended now.
func (s *steps) done(name, detail string) {
	now := time.Now()
	s.print(name, detail, now.Sub(s.last))
	s.last = now
}

// took prints a step whose duration another package measured.
func (s *steps) took(name, detail string, d time.Duration) {
	s.print(name, detail, d)
	s.last = time.Now()
}

func (s *steps) print(name, detail string, d time.Duration) {
	if s.w == nil {
		return
	}
	if detail != "" {
		detail = ": " + detail
	}
	fmt.Fprintf(s.w, "%s%s (%s)\n", name, detail, d.Round(time.Millisecond))
}

// splitURL returns the host and port of a tcp://HOST:PORT URL.
func splitURL(raw string) (host, port string, err error) {
	u, err := url.Parse(raw)
	if err == nil {
		host, port, err = net.SplitHostPort(u.Host)
	}
	if err != nil {
		return "", "", fmt.Errorf("invalid engine URL %q: use tcp://HOST:PORT", raw)
	}
	return host, port, nil
}

func marshalDriver(d drivers.Driver) (json.RawMessage, error) {
	raw, err := json.MarshalIndent(d, "    ", "    ")
	if err != nil {
		return nil, fmt.Errorf("encode %s driver configuration: %w", d.DriverName(), err)
	}
	return raw, nil
}
