package machine

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/machina-dev/machina/drivers"
	"github.com/machina-dev/machina/provision"
	"github.com/machina-dev/machina/sshclient"
)

// Upgrade upgrades the machine's engine with the host's package manager, or
// by running the machine's engine install URL again when create was given
// one. It then restarts the engine and waits until it responds over TLS.
func Upgrade(ctx context.Context, m *Machine, opts ProvisionOptions) error {
	name := m.Name()
	d, ok := m.Driver.(drivers.SSH)
	if !ok {
		return fmt.Errorf("upgrade %q: the %s driver has no SSH access, so machina cannot upgrade its engine", name, m.Host.DriverName)
	}
	unlock, err := m.Store.Lock(name)
	if err != nil {
		return err
	}
	defer unlock()

	if err := m.upgrade(ctx, d, opts); err != nil {
		return fmt.Errorf("upgrade %q: %w", name, err)
	}
	return nil
}

func (m *Machine) upgrade(ctx context.Context, d drivers.SSH, opts ProvisionOptions) error {
	step := newSteps(opts.Progress)

	conn, target, err := m.dialSSH(ctx, d, opts.SSHTimeout, opts.Debug)
	if err != nil {
		return err
	}
	defer conn.Close()
	step.done("SSH", fmt.Sprintf("%s@%s:%d", target.User, target.Host, target.Port))

	osRelease, err := conn.Run(ctx, "cat /etc/os-release", nil)
	if err != nil {
		return fmt.Errorf("read /etc/os-release: %w", err)
	}
	o, err := provision.DetectOS(osRelease)
	if err != nil {
		return err
	}
	step.done("OS", strings.TrimSpace(o.ID+" "+o.VersionID))

	cmd, query, err := m.upgradeCommand(ctx, conn, o)
	if err != nil {
		return err
	}
	before := packageVersion(ctx, conn, query)
	if _, err := conn.Run(ctx, conn.Sudo(cmd), nil); err != nil {
		return fmt.Errorf("upgrade the engine: %w", err)
	}
	after := packageVersion(ctx, conn, query)
	if query != "" && before != "" && before == after {
		step.done("engine upgrade", fmt.Sprintf("%s: the engine package is at %s, the newest version that the host's package sources offer; the engine was not restarted", cmd, after))
		return nil
	}
	if before != after {
		cmd = fmt.Sprintf("%s: %s -> %s", cmd, before, after)
	}
	step.done("engine upgrade", cmd)

	return m.restartEngine(ctx, conn, opts.EngineTimeout, step)
}

// packageVersion runs query, which prints the installed version of the
// engine package, and returns its output, or "" when there is no query or it
// fails.
func packageVersion(ctx context.Context, conn *sshclient.Client, query string) string {
	if query == "" {
		return ""
	}
	out, err := conn.Run(ctx, query, nil)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// upgradeCommand returns the shell command that upgrades the engine: the
// machine's install script when it has one, else the package manager's
// upgrade of the engine package that is installed. query prints the
// installed package's version, or is "" for an install script.
func (m *Machine) upgradeCommand(ctx context.Context, conn *sshclient.Client, o provision.OS) (cmd, query string, err error) {
	switch installURL := m.Host.HostOptions.EngineOptions.InstallURL; installURL {
	case "":
	case provision.InstallNone:
		return "", "", errors.New(`the machine's engine install URL is "none", so machina does not manage its engine: upgrade Docker Engine on the host itself`)
	default:
		u, err := url.Parse(installURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return "", "", fmt.Errorf("invalid engine install URL %q in the machine's configuration: want an http or https URL of a script", installURL)
		}
		return provision.ScriptInstallCommand(installURL), "", nil
	}

	dockerCE, err := hasDockerCE(ctx, conn, o)
	if err != nil {
		return "", "", err
	}
	cmd, err = packageUpgradeCommand(o, dockerCE)
	return cmd, packageVersionQuery(o, dockerCE), err
}

// packageVersionQuery returns the command that prints the installed version
// of the engine package that packageUpgradeCommand upgrades.
func packageVersionQuery(o provision.OS, dockerCE bool) string {
	pkg := "docker-ce"
	switch {
	case o.Family == provision.FamilyDebian && !dockerCE:
		pkg = "docker.io"
	case o.Family == provision.FamilyFedora && !dockerCE:
		pkg = "moby-engine"
	case o.Family == provision.FamilyAlpine:
		pkg = "docker"
	}
	switch o.Family {
	case provision.FamilyDebian:
		return "dpkg-query -W -f='${Version}' " + pkg
	case provision.FamilyFedora, provision.FamilyRHEL:
		return "rpm -q --qf '%{VERSION}-%{RELEASE}' " + pkg
	case provision.FamilyAlpine:
		return "apk info -v " + pkg + " | head -n 1"
	}
	return ""
}

// hasDockerCE reports whether Docker's own docker-ce package is installed,
// as Docker's install script installs it, rather than the distribution's
// engine package.
func hasDockerCE(ctx context.Context, conn *sshclient.Client, o provision.OS) (bool, error) {
	var query string
	switch o.Family {
	case provision.FamilyDebian:
		query = "dpkg-query -W -f='${Status}' docker-ce 2>/dev/null | grep -q 'ok installed'"
	case provision.FamilyFedora, provision.FamilyRHEL:
		query = "rpm -q docker-ce >/dev/null 2>&1"
	default:
		return false, nil
	}

	_, err := conn.Run(ctx, query, nil)
	var exit *sshclient.ExitError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &exit):
		return false, nil
	}
	return false, fmt.Errorf("look for docker-ce: %w", err)
}

// dockerCEPackages are the packages Docker's install script installs and an
// upgrade of docker-ce upgrades together.
const dockerCEPackages = "docker-ce docker-ce-cli containerd.io"

// packageUpgradeCommand returns the package manager's upgrade of the engine
// on o: docker-ce from Docker's repository when dockerCE is set, else the
// distribution's engine package, which is the one provisioning installs.
func packageUpgradeCommand(o provision.OS, dockerCE bool) (string, error) {
	switch {
	case o.Family == provision.FamilyDebian && dockerCE:
		return "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --only-upgrade " + dockerCEPackages, nil
	case o.Family == provision.FamilyDebian:
		return "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --only-upgrade docker.io", nil
	case o.Family == provision.FamilyFedora && dockerCE:
		return "dnf upgrade -y " + dockerCEPackages, nil
	case o.Family == provision.FamilyFedora:
		return "dnf upgrade -y moby-engine", nil
	case o.Family == provision.FamilyRHEL && dockerCE:
		// NOTE: no test host runs RHEL; this is the upgrade that Docker's
		// documentation gives for its RHEL packages, unchecked here.
		return "yum upgrade -y " + dockerCEPackages, nil
	case o.Family == provision.FamilyAlpine:
		return "apk upgrade docker", nil
	}
	return "", fmt.Errorf("machina knows no engine package to upgrade on %s: docker-ce is not installed and the distribution ships no engine package that machina installs; upgrade Docker Engine on the host itself", o.ID)
}
