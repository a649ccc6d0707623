package provision

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/machina-dev/machina/engine"
)

// enginePollInterval is the pause between two pings of a starting engine.
const enginePollInterval = 500 * time.Millisecond

// WaitForEngine pings https://ADDR:PORT/_ping with the client certificate
// until the engine responds with 200 "OK", then returns the engine version from
// /version. The server certificate must be signed by ca and name addr.
// It gives up after timeout (DefaultEngineTimeout when zero), or when ctx ends.
func WaitForEngine(ctx context.Context, addr string, port int, ca, cert, key []byte, timeout time.Duration) (string, error) {
	endpoint := net.JoinHostPort(addr, strconv.Itoa(port))
	client, err := engine.New("tcp://"+endpoint, ca, cert, key)
	if err != nil {
		return "", err
	}

	if timeout <= 0 {
		timeout = DefaultEngineTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	var lastErr error
	for {
		lastErr = client.Ping(ctx)
		if lastErr == nil {
			break
		}

		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return "", fmt.Errorf("engine at %s did not respond within %s: %w", endpoint, timeout, lastErr)
			}
			return "", fmt.Errorf("engine at %s: %w", endpoint, ctx.Err())
		case <-time.After(enginePollInterval):
		}
	}

	version, err := client.Version(ctx)
	if err != nil {
		return "", fmt.Errorf("engine at %s: %w", endpoint, err)
	}
	if version == "" {
		return "", fmt.Errorf("engine at %s: GET /version returned no Version", endpoint)
	}
	return version, nil
}
