package provision

import (
	"strings"
	"testing"
)

func TestDetectOS(t *testing.T) {
	tests := []struct {
		name      string
		osRelease string
		id        string
		version   string
		family    string
	}{
		{"debian", debianOSRelease, "debian", "12", FamilyDebian},
		{"ubuntu", "NAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nID=ubuntu\nID_LIKE=debian\n", "ubuntu", "22.04", FamilyDebian},
		{"linuxmint through ID_LIKE", "NAME=\"Linux Mint\"\nID=linuxmint\nID_LIKE=ubuntu\nVERSION_ID=\"21.2\"\n", "linuxmint", "21.2", FamilyDebian},
		{"pop through second ID_LIKE", "ID=pop\nID_LIKE=\"ubuntu debian\"\nVERSION_ID=\"22.04\"\n", "pop", "22.04", FamilyDebian},
		{"fedora", "NAME=\"Fedora Linux\"\nID=fedora\nVERSION_ID=39\n", "fedora", "39", FamilyFedora},
		{"rhel", "ID=\"rhel\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"9.3\"\n", "rhel", "9.3", FamilyRHEL},
		{"centos", "ID=\"centos\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"8\"\n", "centos", "8", FamilyRHEL},
		{"rocky", "ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.3\"\n", "rocky", "9.3", FamilyRHEL},
		{"almalinux", "ID=\"almalinux\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.3\"\n", "almalinux", "9.3", FamilyRHEL},
		{"nobara through ID_LIKE", "ID=nobara\nID_LIKE=\"fedora\"\nVERSION_ID=\"39\"\n", "nobara", "39", FamilyFedora},
		{"alpine", "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.1\n", "alpine", "3.19.1", FamilyAlpine},
		{"single quotes and comments", "# comment\n\nID='debian'\nVERSION_ID='11'\n", "debian", "11", FamilyDebian},
		{"escaped quote in value", "PRETTY_NAME=\"a \\\"b\\\"\"\nID=debian\n", "debian", "", FamilyDebian},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			o, err := DetectOS([]byte(test.osRelease))
			if err != nil {
				t.Fatalf("DetectOS: %v", err)
			}
			if o.ID != test.id {
				t.Errorf("ID = %q, want %q", o.ID, test.id)
			}
			if o.VersionID != test.version {
				t.Errorf("VersionID = %q, want %q", o.VersionID, test.version)
			}
			if o.Family != test.family {
				t.Errorf("Family = %q, want %q", o.Family, test.family)
			}
		})
	}
}

func TestDetectOSIDLikeList(t *testing.T) {
	o, err := DetectOS([]byte("ID=pop\nID_LIKE=\"ubuntu debian\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(o.IDLike, ",") != "ubuntu,debian" {
		t.Errorf("IDLike = %q, want [ubuntu debian]", o.IDLike)
	}
}

func TestDetectOSUnknownID(t *testing.T) {
	_, err := DetectOS([]byte("NAME=\"openSUSE Leap\"\nID=\"opensuse-leap\"\nID_LIKE=\"suse opensuse\"\n"))
	if err == nil {
		t.Fatal("DetectOS accepted openSUSE")
	}
	if !strings.Contains(err.Error(), `"opensuse-leap"`) {
		t.Errorf("error %q does not name the ID found", err)
	}
}

func TestDetectOSMissingID(t *testing.T) {
	_, err := DetectOS([]byte("NAME=\"Something\"\n"))
	if err == nil || !strings.Contains(err.Error(), "no ID") {
		t.Errorf("DetectOS error = %v, want one saying os-release has no ID", err)
	}
}
