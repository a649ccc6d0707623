// Package provision installs Docker Engine on a machine over SSH and
// configures it to serve its API with TLS, as Docker Machine 0.16 did.
package provision

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/machina-dev/machina/sshclient"
)

// Runner runs commands on a machine. *sshclient.Client implements it.
type Runner interface {
	Run(ctx context.Context, cmd string, stdin io.Reader) ([]byte, error)
	Sudo(cmd string) string
	WriteFile(ctx context.Context, path string, data []byte, mode os.FileMode) error
}

// Engine contains the options for installing and starting the engine, which
// Docker Machine keeps in HostOptions.EngineOptions.
type Engine struct {
	Port int // TLS port of the engine API, DefaultEnginePort when zero

	// InstallURL is a script that installs the engine. When empty, the
	// distribution's package is installed, or get.docker.com's script where
	// the distribution ships none. InstallNone turns installing off.
	InstallURL string

	ArbitraryFlags   []string // "name=value" or "name", passed as --name=value
	Labels           []string // key=value
	Env              []string // KEY=value in dockerd's environment
	StorageDriver    string
	InsecureRegistry []string
	RegistryMirror   []string
}

// Certs are the PEM files the engine serves TLS with.
type Certs struct {
	CA, ServerCert, ServerKey []byte
}

// Options are the inputs of one provisioning run.
type Options struct {
	Hostname string // set on the machine when not empty
	Engine   Engine
	Certs    Certs

	// EngineAddr is the host the TLS endpoint is reached at, usually the
	// machine's IP address. The server certificate must name it.
	EngineAddr string

	// ClientCert and ClientKey are a client certificate signed by Certs.CA,
	// used to check that the engine responds.
	ClientCert, ClientKey []byte

	Timeout time.Duration // how long to wait for the engine, DefaultEngineTimeout when zero

	// Progress, when not nil, is called after each step with the step's
	// name ("OS", "engine install", "TLS configuration", "engine ready"),
	// what it found ("debian 12", the engine version) or "", and the time it
	// took.
	Progress func(step, detail string, took time.Duration)
}

const (
	// DefaultEnginePort is the port Docker Machine gives the engine's TLS API.
	DefaultEnginePort = 2376

	// DefaultEngineTimeout bounds the wait for a restarted engine.
	DefaultEngineTimeout = 2 * time.Minute

	// InstallNone as Engine.InstallURL means the engine is never installed.
	InstallNone = "none"
)

// Provision detects the machine's OS, sets its hostname, installs the
// engine when it is missing, writes the TLS files and the engine's
// configuration, restarts the engine and waits until it responds over TLS.
// Every command that needs root goes through r.Sudo.
func Provision(ctx context.Context, r Runner, opts Options) error {
	if err := checkOptions(&opts); err != nil {
		return err
	}

	var osInfo OS
	err := step(opts, "OS", func() (string, error) {
		var err error
		osInfo, err = readOS(ctx, r)
		if err != nil {
			return "", err
		}
		return strings.TrimSpace(osInfo.ID + " " + osInfo.VersionID), setHostname(ctx, r, opts.Hostname)
	})
	if err != nil {
		return err
	}

	err = step(opts, "engine install", func() (string, error) {
		return "", installEngine(ctx, r, osInfo, opts.Engine.InstallURL)
	})
	if err != nil {
		return err
	}

	err = step(opts, "TLS configuration", func() (string, error) {
		return "", configureEngine(ctx, r, osInfo, opts)
	})
	if err != nil {
		return err
	}

	return step(opts, "engine ready", func() (string, error) {
		version, err := WaitForEngine(ctx, opts.EngineAddr, opts.Engine.Port,
			opts.Certs.CA, opts.ClientCert, opts.ClientKey, opts.Timeout)
		if err != nil {
			return "", withEngineLog(ctx, r, err)
		}
		return "Docker " + version, nil
	})
}

// engineLogCommand prints the last lines the engine logged: from the journal
// under systemd, else from the file Debian's and Alpine's init scripts use.
const engineLogCommand = "if [ -d /run/systemd/system ]; then journalctl -u docker --no-pager -n 20; else tail -n 20 /var/log/docker.log; fi"

// withEngineLog adds the engine's last log lines to err, because a dockerd
// that rejects its flags exits after the init script has already succeeded.
func withEngineLog(ctx context.Context, r Runner, err error) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()

	log, logErr := r.Run(ctx, r.Sudo(engineLogCommand), nil)
	if logErr != nil || len(bytes.TrimSpace(log)) == 0 {
		return err
	}
	return fmt.Errorf("%w\nlast engine log lines:\n%s", err, bytes.TrimSpace(log))
}

// checkOptions fills in defaults and rejects options that cannot work, before
// anything on the machine changes.
func checkOptions(opts *Options) error {
	if opts.Engine.Port == 0 {
		opts.Engine.Port = DefaultEnginePort
	}
	if opts.Engine.Port < 1 || opts.Engine.Port > 65535 {
		return fmt.Errorf("provision: invalid engine port %d", opts.Engine.Port)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultEngineTimeout
	}

	if opts.EngineAddr == "" {
		return errors.New("provision: missing engine address")
	}
	if len(opts.Certs.CA) == 0 || len(opts.Certs.ServerCert) == 0 || len(opts.Certs.ServerKey) == 0 {
		return errors.New("provision: missing CA, server certificate or server key")
	}
	if len(opts.ClientCert) == 0 || len(opts.ClientKey) == 0 {
		return errors.New("provision: missing client certificate or key")
	}
	if opts.Hostname != "" && !validHostname.MatchString(opts.Hostname) {
		return fmt.Errorf("provision: invalid hostname %q: use letters, digits, dots and hyphens, starting with a letter or digit", opts.Hostname)
	}

	_, err := engineArgs(opts.Engine)
	return err
}

// step runs one provisioning step and reports it, with the detail run
// returns, to opts.Progress.
func step(opts Options, name string, run func() (string, error)) error {
	start := time.Now()
	detail, err := run()
	if err != nil {
		return fmt.Errorf("provision %s: %w", name, err)
	}
	if opts.Progress != nil {
		opts.Progress(name, detail, time.Since(start))
	}
	return nil
}

func readOS(ctx context.Context, r Runner) (OS, error) {
	osRelease, err := r.Run(ctx, "cat /etc/os-release", nil)
	if err != nil {
		return OS{}, fmt.Errorf("read /etc/os-release: %w", err)
	}
	return DetectOS(osRelease)
}

// runStatus runs cmd and returns whether it exited with status 0. A plain
// *sshclient.ExitError means false. sshclient wraps the exit errors of sudo
// failures (a password is required, sudo is missing), and runStatus returns
// those as errors.
func runStatus(ctx context.Context, r Runner, cmd string) (bool, error) {
	_, err := r.Run(ctx, cmd, nil)
	if err == nil {
		return true, nil
	}
	if _, ok := err.(*sshclient.ExitError); ok {
		return false, nil
	}
	return false, err
}
