package provision

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// enginePollInterval is the pause between two pings of a starting engine.
const enginePollInterval = 500 * time.Millisecond

// WaitForEngine pings https://ADDR:PORT/_ping with the client certificate
// until the engine responds with 200 "OK", then returns the engine version from
// /version. The server certificate must be signed by ca and name addr.
// It gives up after timeout (DefaultEngineTimeout when zero), or when ctx ends.
func WaitForEngine(ctx context.Context, addr string, port int, ca, cert, key []byte, timeout time.Duration) (string, error) {
	endpoint := net.JoinHostPort(addr, strconv.Itoa(port))
	client, err := engineClient(addr, ca, cert, key)
	if err != nil {
		return "", fmt.Errorf("engine at %s: %w", endpoint, err)
	}
	defer client.CloseIdleConnections()

	if timeout <= 0 {
		timeout = DefaultEngineTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	base := "https://" + endpoint
	var lastErr error
	for {
		lastErr = ping(ctx, client, base)
		if lastErr == nil {
			break
		}

		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return "", fmt.Errorf("engine at %s did not answer within %s: %w", endpoint, timeout, lastErr)
			}
			return "", fmt.Errorf("engine at %s: %w", endpoint, ctx.Err())
		case <-time.After(enginePollInterval):
		}
	}

	version, err := engineVersion(ctx, client, base)
	if err != nil {
		return "", fmt.Errorf("engine at %s: %w", endpoint, err)
	}
	return version, nil
}

func engineClient(addr string, ca, cert, key []byte) (*http.Client, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, errors.New("no certificate found in the CA PEM")
	}
	pair, err := tls.X509KeyPair(cert, key)
	if err != nil {
		return nil, fmt.Errorf("load client certificate: %w", err)
	}

	transport := &http.Transport{
		TLSClientConfig: &tls.Config{
			RootCAs:      pool,
			Certificates: []tls.Certificate{pair},
			ServerName:   addr,
			MinVersion:   tls.VersionTLS12,
		},
		TLSHandshakeTimeout: 10 * time.Second,
		Proxy:               nil, // the engine is reached directly, never through HTTPS_PROXY
	}
	return &http.Client{Transport: transport, Timeout: 10 * time.Second}, nil
}

func ping(ctx context.Context, client *http.Client, base string) error {
	body, err := get(ctx, client, base+"/_ping")
	if err != nil {
		return err
	}
	if strings.TrimSpace(string(body)) != "OK" {
		return fmt.Errorf("GET /_ping returned %q, want \"OK\"", body)
	}
	return nil
}

func engineVersion(ctx context.Context, client *http.Client, base string) (string, error) {
	body, err := get(ctx, client, base+"/version")
	if err != nil {
		return "", err
	}

	var version struct{ Version string }
	if err := json.Unmarshal(body, &version); err != nil {
		return "", fmt.Errorf("parse GET /version: %w", err)
	}
	if version.Version == "" {
		return "", errors.New("GET /version returned no Version")
	}
	return version.Version, nil
}

// get returns the body of a 200 response, at most 1 MiB of it.
func get(ctx context.Context, client *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()

	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", req.URL.Path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", req.URL.Path, resp.Status, strings.TrimSpace(string(body)))
	}
	return body, nil
}
