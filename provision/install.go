package provision

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/machina-dev/machina/sshclient"
)

// DockerScriptURL is Docker's convenience script, used where the
// distribution ships no engine package that machina supports.
const DockerScriptURL = "https://get.docker.com"

// installEngine installs the engine unless `command -v docker` finds it.
func installEngine(ctx context.Context, r Runner, o OS, installURL string) error {
	found, err := runStatus(ctx, r, r.Sudo("command -v docker >/dev/null"))
	if err != nil {
		return fmt.Errorf("look for docker: %w", err)
	}
	if found {
		return nil
	}

	cmd, err := installCommand(o, installURL)
	if err != nil {
		return err
	}
	if _, err := r.Run(ctx, r.Sudo(cmd), nil); err != nil {
		return fmt.Errorf("install the engine: %w", err)
	}

	found, err = runStatus(ctx, r, r.Sudo("command -v docker >/dev/null"))
	if err != nil {
		return fmt.Errorf("look for docker: %w", err)
	}
	if !found {
		return fmt.Errorf("docker is still missing after %q succeeded", cmd)
	}
	return nil
}

// installCommand returns the shell command that installs the engine on o.
func installCommand(o OS, installURL string) (string, error) {
	switch installURL {
	case InstallNone:
		return "", errors.New(`docker is not installed on the machine and installing it was turned off (install URL "none"): install Docker Engine there, or give an install URL`)
	case "":
		return packageInstallCommand(o), nil
	}

	u, err := url.Parse(installURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("invalid engine install URL %q: want an http or https URL of a script", installURL)
	}
	return ScriptInstallCommand(installURL), nil
}

func packageInstallCommand(o OS) string {
	switch o.Family {
	case FamilyDebian:
		return "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y docker.io"
	case FamilyFedora:
		return "dnf install -y moby-engine"
	case FamilyAlpine:
		return "apk add docker && rc-update add docker default"
	}
	return ScriptInstallCommand(DockerScriptURL)
}

// ScriptInstallCommand returns a command that downloads the script to a file
// before running it, so a failed download fails the install instead of
// running a partial script.
func ScriptInstallCommand(scriptURL string) string {
	quoted := sshclient.Quote(scriptURL)
	return `tmp=$(mktemp) && ` +
		`if command -v curl >/dev/null 2>&1; then curl -fsSL -o "$tmp" ` + quoted + `; else wget -qO "$tmp" ` + quoted + `; fi && ` +
		`sh "$tmp"; status=$?; rm -f "$tmp"; exit $status`
}
