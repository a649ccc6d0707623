// Package engine calls a Docker engine's API over TLS with the store's
// client certificate: enough to check that it responds and which version it runs.
package engine

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client is an HTTPS client for one engine endpoint.
type Client struct {
	base string // https://HOST:PORT
	http *http.Client
}

// New returns a client for the engine at rawURL (tcp://HOST:PORT) that
// verifies the server certificate against caPEM and presents the client
// certificate certPEM/keyPEM.
func New(rawURL string, caPEM, certPEM, keyPEM []byte) (*Client, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("invalid engine URL %q: use tcp://HOST:PORT", rawURL)
	}

	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("engine %s: the CA certificate has no PEM certificate", u.Host)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("engine %s: client certificate: %w", u.Host, err)
	}

	transport := &http.Transport{
		TLSClientConfig: &tls.Config{
			RootCAs:      pool,
			Certificates: []tls.Certificate{pair},
			ServerName:   u.Hostname(),
			MinVersion:   tls.VersionTLS12,
		},
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		TLSHandshakeTimeout: 5 * time.Second,
		DisableKeepAlives:   true,
		Proxy:               nil, // the engine is reached directly, never through HTTP_PROXY
	}
	return &Client{base: "https://" + u.Host, http: &http.Client{Transport: transport}}, nil
}

// Ping calls GET /_ping and checks for "OK".
func (c *Client) Ping(ctx context.Context) error {
	body, err := c.get(ctx, "/_ping")
	if err != nil {
		return err
	}
	if strings.TrimSpace(string(body)) != "OK" {
		return fmt.Errorf("engine %s: /_ping returned %q", c.base, body)
	}
	return nil
}

// Version calls GET /version and returns the engine's version, such as 20.10.24.
func (c *Client) Version(ctx context.Context) (string, error) {
	body, err := c.get(ctx, "/version")
	if err != nil {
		return "", err
	}
	var v struct{ Version string }
	if err := json.Unmarshal(body, &v); err != nil {
		return "", fmt.Errorf("engine %s: decode /version: %w", c.base, err)
	}
	return v.Version, nil
}

func (c *Client) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("engine %s: %w", c.base, err)
	}
	defer resp.Body.Close()

	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("engine %s: read %s: %w", c.base, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("engine %s: GET %s: %s", c.base, path, resp.Status)
	}
	return body, nil
}
