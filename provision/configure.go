package provision

import (
	"context"
	"fmt"
	"os"
	"strings"
)

// configureEngine writes the TLS files and dockerd's flags, then restarts the
// engine: through a systemd drop-in where systemd runs, else through the
// init script's options file.
func configureEngine(ctx context.Context, r Runner, o OS, opts Options) error {
	if err := writeCerts(ctx, r, opts.Certs); err != nil {
		return err
	}
	if err := checkDaemonJSON(ctx, r, opts.Engine); err != nil {
		return err
	}

	systemd, err := runStatus(ctx, r, "test -d /run/systemd/system")
	if err != nil {
		return fmt.Errorf("look for systemd: %w", err)
	}
	if systemd {
		return configureSystemd(ctx, r, opts.Engine)
	}
	return configureInitScript(ctx, r, o, opts.Engine)
}

func writeCerts(ctx context.Context, r Runner, certs Certs) error {
	files := []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{RemoteCAPath, certs.CA, 0o644},
		{RemoteServerCertPath, certs.ServerCert, 0o644},
		{RemoteServerKeyPath, certs.ServerKey, 0o600},
	}
	for _, f := range files {
		if err := r.WriteFile(ctx, f.path, f.data, f.mode); err != nil {
			return err
		}
	}
	return nil
}

func checkDaemonJSON(ctx context.Context, r Runner, e Engine) error {
	cmd := fmt.Sprintf("if [ -f %[1]s ]; then cat %[1]s; fi", DaemonJSONPath)
	daemonJSON, err := r.Run(ctx, r.Sudo(cmd), nil)
	if err != nil {
		return fmt.Errorf("read %s: %w", DaemonJSONPath, err)
	}

	clashes, err := daemonJSONClashes(daemonJSON, e)
	if err != nil {
		return err
	}
	if len(clashes) > 0 {
		return fmt.Errorf("%s sets %s, which machina passes to dockerd as flags, and dockerd does not start when an option is set in both places: remove %s from %s and provision again",
			DaemonJSONPath, quoteList(clashes), pluralKeys(clashes), DaemonJSONPath)
	}
	return nil
}

// NOTE: only unit tests with recorded commands cover this path, because the
// test hosts run without systemd.
func configureSystemd(ctx context.Context, r Runner, e Engine) error {
	out, err := r.Run(ctx, r.Sudo("command -v dockerd"), nil)
	if err != nil {
		return fmt.Errorf("look for dockerd: %w", err)
	}
	dockerd := strings.TrimSpace(string(out))

	dropIn, err := systemdDropIn(dockerd, e)
	if err != nil {
		return err
	}
	if err := r.WriteFile(ctx, SystemdDropInPath, []byte(dropIn), 0o644); err != nil {
		return err
	}

	// Enabling is best effort: a unit that cannot be enabled (masked, or
	// generated) still runs now, and only a reboot would show the difference.
	cmd := "systemctl daemon-reload && systemctl restart docker && { systemctl enable docker >/dev/null 2>&1 || true; }"
	if _, err := r.Run(ctx, r.Sudo(cmd), nil); err != nil {
		return fmt.Errorf("restart the engine: %w", err)
	}
	return nil
}

func configureInitScript(ctx context.Context, r Runner, o OS, e Engine) error {
	path, service := DebianOptsPath, "service docker"
	switch o.Family {
	case FamilyDebian:
	case FamilyAlpine:
		// NOTE: no test runs Alpine. That its OpenRC service reads
		// DOCKER_OPTS from /etc/conf.d/docker is unchecked here.
		path, service = AlpineOptsPath, "rc-service docker"
	default:
		return fmt.Errorf("%s runs without systemd, and machina knows no engine init configuration for it", o.ID)
	}

	content, err := optsFile(path, e)
	if err != nil {
		return err
	}
	if err := r.WriteFile(ctx, path, []byte(content), 0o644); err != nil {
		return err
	}

	// A restart fails on some init scripts when the engine was not running.
	cmd := fmt.Sprintf("%[1]s restart || %[1]s start", service)
	if _, err := r.Run(ctx, r.Sudo(cmd), nil); err != nil {
		return fmt.Errorf("restart the engine: %w", err)
	}
	return nil
}

func quoteList(keys []string) string {
	quoted := make([]string, len(keys))
	for i, k := range keys {
		quoted[i] = fmt.Sprintf("%q", k)
	}
	return strings.Join(quoted, ", ")
}

func pluralKeys(keys []string) string {
	if len(keys) == 1 {
		return "that key"
	}
	return "those keys"
}
