package provision

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// OS families, each with its own way to install and configure the engine.
const (
	FamilyDebian = "debian" // Debian, Ubuntu and derivatives
	FamilyFedora = "fedora"
	FamilyRHEL   = "rhel" // RHEL, CentOS, Rocky, AlmaLinux
	FamilyAlpine = "alpine"
)

// familyOfID maps os-release ID values to a family.
var familyOfID = map[string]string{
	"debian":    FamilyDebian,
	"ubuntu":    FamilyDebian,
	"raspbian":  FamilyDebian,
	"fedora":    FamilyFedora,
	"rhel":      FamilyRHEL,
	"centos":    FamilyRHEL,
	"rocky":     FamilyRHEL,
	"almalinux": FamilyRHEL,
	"alpine":    FamilyAlpine,
}

// OS is the operating system of a machine as /etc/os-release describes it.
type OS struct {
	ID        string
	IDLike    []string
	VersionID string
	Family    string // FamilyDebian, FamilyFedora, FamilyRHEL or FamilyAlpine
}

// DetectOS parses the content of /etc/os-release. The family comes from ID,
// or else from the first ID_LIKE entry with a known family, so derivatives
// such as Linux Mint (ID_LIKE="ubuntu debian") are provisioned like their base.
func DetectOS(osRelease []byte) (OS, error) {
	fields, err := parseOSRelease(osRelease)
	if err != nil {
		return OS{}, err
	}

	o := OS{
		ID:        strings.ToLower(fields["ID"]),
		IDLike:    strings.Fields(strings.ToLower(fields["ID_LIKE"])),
		VersionID: fields["VERSION_ID"],
	}
	if o.ID == "" {
		return OS{}, errors.New("detect OS: /etc/os-release has no ID")
	}

	if family, ok := familyOfID[o.ID]; ok {
		o.Family = family
		return o, nil
	}
	for _, like := range o.IDLike {
		if family, ok := familyOfID[like]; ok {
			o.Family = family
			return o, nil
		}
	}

	return OS{}, fmt.Errorf("detect OS: unsupported OS ID %q (ID_LIKE %q): machina provisions Debian, Ubuntu, Fedora, RHEL, CentOS, Rocky, AlmaLinux, Alpine and their derivatives",
		o.ID, fields["ID_LIKE"])
}

// parseOSRelease reads KEY=VALUE lines as os-release(5) defines them: values
// may be quoted with " or ' and use backslash escapes inside double quotes.
func parseOSRelease(data []byte) (map[string]string, error) {
	fields := map[string]string{}
	scanner := bufio.NewScanner(bytes.NewReader(data))
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}

		key, value, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		fields[key] = unquoteOSReleaseValue(value)
	}
	if err := scanner.Err(); err != nil {
		return nil, fmt.Errorf("read /etc/os-release: %w", err)
	}
	return fields, nil
}

func unquoteOSReleaseValue(value string) string {
	if len(value) >= 2 && value[0] == '\'' && value[len(value)-1] == '\'' {
		return value[1 : len(value)-1]
	}
	if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
		if unquoted, err := strconv.Unquote(value); err == nil {
			return unquoted
		}
		return value[1 : len(value)-1]
	}
	return value
}
