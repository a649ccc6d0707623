package machine

import (
	"context"
	"strings"
	"testing"

	"github.com/machina-dev/machina/provision"
	"github.com/machina-dev/machina/store"
)

func TestPackageUpgradeCommand(t *testing.T) {
	tests := []struct {
		family   string
		dockerCE bool
		want     string
	}{
		{provision.FamilyDebian, false, "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --only-upgrade docker.io"},
		{provision.FamilyDebian, true, "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --only-upgrade docker-ce docker-ce-cli containerd.io"},
		{provision.FamilyFedora, false, "dnf upgrade -y moby-engine"},
		{provision.FamilyFedora, true, "dnf upgrade -y docker-ce docker-ce-cli containerd.io"},
		{provision.FamilyRHEL, true, "yum upgrade -y docker-ce docker-ce-cli containerd.io"},
		{provision.FamilyAlpine, false, "apk upgrade docker"},
	}
	for _, tt := range tests {
		got, err := packageUpgradeCommand(provision.OS{ID: tt.family, Family: tt.family}, tt.dockerCE)
		if err != nil {
			t.Errorf("%s (docker-ce %v): %v", tt.family, tt.dockerCE, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s (docker-ce %v) = %q, want %q", tt.family, tt.dockerCE, got, tt.want)
		}
	}
}

func TestPackageUpgradeCommandRHELWithoutDockerCE(t *testing.T) {
	_, err := packageUpgradeCommand(provision.OS{ID: "rocky", Family: provision.FamilyRHEL}, false)
	if err == nil || !strings.Contains(err.Error(), "rocky") {
		t.Errorf("error = %v, want one that names the OS", err)
	}
}

// upgradeMachine returns a machine whose engine install URL is installURL.
func upgradeMachine(installURL string) *Machine {
	return &Machine{Host: &store.Host{Name: "m1", HostOptions: &store.HostOptions{
		EngineOptions: &store.EngineOptions{InstallURL: installURL},
	}}}
}

func TestUpgradeCommandInstallURL(t *testing.T) {
	got, query, err := upgradeMachine("https://example.test/install.sh").upgradeCommand(context.Background(), nil, provision.OS{Family: provision.FamilyDebian})
	if err != nil {
		t.Fatal(err)
	}
	if query != "" {
		t.Errorf("version query = %q, want none for an install script", query)
	}
	if !strings.Contains(got, "'https://example.test/install.sh'") || !strings.Contains(got, `sh "$tmp"`) {
		t.Errorf("upgradeCommand = %q, want the install script downloaded and run", got)
	}
}

func TestUpgradeCommandInstallNone(t *testing.T) {
	_, _, err := upgradeMachine(provision.InstallNone).upgradeCommand(context.Background(), nil, provision.OS{Family: provision.FamilyDebian})
	if err == nil || !strings.Contains(err.Error(), `install URL is "none"`) {
		t.Errorf("error = %v, want one about install URL none", err)
	}
}

func TestUpgradeCommandInvalidInstallURL(t *testing.T) {
	_, _, err := upgradeMachine("ftp://example.test/x").upgradeCommand(context.Background(), nil, provision.OS{Family: provision.FamilyDebian})
	if err == nil || !strings.Contains(err.Error(), "invalid engine install URL") {
		t.Errorf("error = %v, want an invalid URL error", err)
	}
}

func TestPackageVersionQuery(t *testing.T) {
	cases := []struct {
		family   string
		dockerCE bool
		want     string
	}{
		{provision.FamilyDebian, false, "dpkg-query -W -f='${Version}' docker.io"},
		{provision.FamilyDebian, true, "dpkg-query -W -f='${Version}' docker-ce"},
		{provision.FamilyFedora, false, "rpm -q --qf '%{VERSION}-%{RELEASE}' moby-engine"},
		{provision.FamilyRHEL, true, "rpm -q --qf '%{VERSION}-%{RELEASE}' docker-ce"},
		{provision.FamilyAlpine, false, "apk info -v docker | head -n 1"},
	}
	for _, c := range cases {
		if got := packageVersionQuery(provision.OS{Family: c.family}, c.dockerCE); got != c.want {
			t.Errorf("packageVersionQuery(%s, docker-ce %v) = %q, want %q", c.family, c.dockerCE, got, c.want)
		}
	}
}
