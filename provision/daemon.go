package provision

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/machina-dev/machina/sshclient"
)

// Paths of the engine's TLS files on the machine.
const (
	RemoteCAPath         = "/etc/docker/ca.pem"
	RemoteServerCertPath = "/etc/docker/server.pem"
	RemoteServerKeyPath  = "/etc/docker/server-key.pem"
)

// Configuration files the engine's flags are written to.
const (
	SystemdDropInPath = "/etc/systemd/system/docker.service.d/10-machine.conf"
	DebianOptsPath    = "/etc/default/docker" // sourced by Debian's /etc/init.d/docker
	AlpineOptsPath    = "/etc/conf.d/docker"  // sourced by Alpine's OpenRC service
	DaemonJSONPath    = "/etc/docker/daemon.json"
)

var (
	flagName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9-]*$`)
	envName  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

	// plainWord matches arguments that survive the unquoted $DOCKER_OPTS of
	// SysV and OpenRC scripts unchanged: no field splitting, no globbing.
	plainWord = regexp.MustCompile(`^[A-Za-z0-9_.,:/=@+%-]+$`)
)

// engineArgs returns dockerd's arguments: the TLS endpoint on port
// e.Port, the local unix socket and the engine options.
func engineArgs(e Engine) ([]string, error) {
	port := e.Port
	if port == 0 {
		port = DefaultEnginePort
	}
	args := []string{
		"--host=tcp://0.0.0.0:" + strconv.Itoa(port),
		"--host=unix:///var/run/docker.sock",
		"--tlsverify",
		"--tlscacert=" + RemoteCAPath,
		"--tlscert=" + RemoteServerCertPath,
		"--tlskey=" + RemoteServerKeyPath,
	}

	if e.StorageDriver != "" {
		args = append(args, "--storage-driver="+e.StorageDriver)
	}
	for _, label := range e.Labels {
		if !strings.Contains(label, "=") {
			return nil, fmt.Errorf("invalid engine label %q: want key=value", label)
		}
		args = append(args, "--label="+label)
	}
	for _, registry := range e.InsecureRegistry {
		args = append(args, "--insecure-registry="+registry)
	}
	for _, mirror := range e.RegistryMirror {
		args = append(args, "--registry-mirror="+mirror)
	}
	for _, flag := range e.ArbitraryFlags {
		name, _, _ := strings.Cut(strings.TrimPrefix(flag, "--"), "=")
		if !flagName.MatchString(name) {
			return nil, fmt.Errorf("invalid engine option %q: want name=value or name", flag)
		}
		args = append(args, "--"+strings.TrimPrefix(flag, "--"))
	}

	for _, arg := range args {
		if strings.ContainsFunc(arg, unicode.IsControl) {
			return nil, fmt.Errorf("invalid engine option %q: contains a control character", arg)
		}
	}
	if _, err := engineEnv(e); err != nil {
		return nil, err
	}
	return args, nil
}

// engineEnv splits e.Env into names and values.
func engineEnv(e Engine) ([][2]string, error) {
	var env [][2]string
	for _, entry := range e.Env {
		name, value, ok := strings.Cut(entry, "=")
		if !ok || !envName.MatchString(name) {
			return nil, fmt.Errorf("invalid engine environment variable %q: want NAME=value", entry)
		}
		if strings.ContainsFunc(value, unicode.IsControl) {
			return nil, fmt.Errorf("invalid engine environment variable %q: contains a control character", entry)
		}
		env = append(env, [2]string{name, value})
	}
	return env, nil
}

// systemdDropIn returns a drop-in that replaces docker.service's ExecStart,
// so a stock `-H fd://` in the unit does not clash with our --host flags.
func systemdDropIn(dockerd string, e Engine) (string, error) {
	args, err := engineArgs(e)
	if err != nil {
		return "", err
	}
	env, err := engineEnv(e)
	if err != nil {
		return "", err
	}

	var b strings.Builder
	b.WriteString("# Written by machina provision; it is rewritten on each provision.\n")
	b.WriteString("[Service]\n")
	for _, kv := range env {
		b.WriteString("Environment=" + systemdQuote(kv[0]+"="+kv[1], false) + "\n")
	}
	b.WriteString("ExecStart=\n")
	b.WriteString("ExecStart=" + systemdQuote(dockerd, true))
	for _, arg := range args {
		b.WriteString(" " + systemdQuote(arg, true))
	}
	b.WriteString("\n")
	return b.String(), nil
}

// systemdQuote returns s as one word of a unit file setting, as
// systemd.syntax(7) and systemd.service(5) define quoting: inside double
// quotes, backslash escapes " and \, "%%" is a literal % (specifiers) and,
// in ExecStart=, "$$" is a literal $ (variable expansion).
func systemdQuote(s string, exec bool) string {
	if s != "" && plainWord.MatchString(s) && !strings.Contains(s, "%") {
		return s
	}

	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteRune('\\')
			b.WriteRune(r)
		case r == '%':
			b.WriteString("%%")
		case r == '$' && exec:
			b.WriteString("$$")
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// optsFile returns the shell file that Debian's /etc/init.d/docker and
// Alpine's OpenRC service source: DOCKER_OPTS and the engine environment.
// Both scripts expand $DOCKER_OPTS unquoted, so each argument must be a
// plainWord. Quotes inside DOCKER_OPTS would reach dockerd literally.
func optsFile(path string, e Engine) (string, error) {
	args, err := engineArgs(e)
	if err != nil {
		return "", err
	}
	env, err := engineEnv(e)
	if err != nil {
		return "", err
	}

	for _, arg := range args {
		if !plainWord.MatchString(arg) {
			return "", fmt.Errorf("engine option %q cannot be passed through DOCKER_OPTS in %s, which the init script splits at spaces and expands globs in: use only letters, digits and _.,:/=@+%%- on hosts without systemd", arg, path)
		}
	}

	var b strings.Builder
	b.WriteString("# Written by machina provision; it is rewritten on each provision.\n")
	b.WriteString("DOCKER_OPTS=" + sshclient.Quote(strings.Join(args, " ")) + "\n")
	for _, kv := range env {
		b.WriteString("export " + kv[0] + "=" + sshclient.Quote(kv[1]) + "\n")
	}
	return b.String(), nil
}

// daemonJSONClashes returns the daemon.json keys that would clash with the
// flags engineArgs passes: dockerd does not start when one option is set both
// as a flag and in daemon.json. An empty file is no clash.
//
// NOTE: an arbitrary flag is matched by its own name, which is its
// daemon.json key for most options but not all (--default-ulimit is
// "default-ulimits"), so such a clash shows only when dockerd starts.
func daemonJSONClashes(daemonJSON []byte, e Engine) ([]string, error) {
	if len(strings.TrimSpace(string(daemonJSON))) == 0 {
		return nil, nil
	}
	var config map[string]json.RawMessage
	if err := json.Unmarshal(daemonJSON, &config); err != nil {
		return nil, fmt.Errorf("parse %s: %w (dockerd would not start with it either)", DaemonJSONPath, err)
	}

	keys := []string{"hosts", "tlsverify", "tlscacert", "tlscert", "tlskey"}
	if e.StorageDriver != "" {
		keys = append(keys, "storage-driver")
	}
	if len(e.Labels) > 0 {
		keys = append(keys, "labels")
	}
	if len(e.InsecureRegistry) > 0 {
		keys = append(keys, "insecure-registries")
	}
	if len(e.RegistryMirror) > 0 {
		keys = append(keys, "registry-mirrors")
	}
	for _, flag := range e.ArbitraryFlags {
		name, _, _ := strings.Cut(strings.TrimPrefix(flag, "--"), "=")
		keys = append(keys, name)
	}

	var clashes []string
	for _, key := range keys {
		if _, ok := config[key]; ok && !slices.Contains(clashes, key) {
			clashes = append(clashes, key)
		}
	}
	return clashes, nil
}
