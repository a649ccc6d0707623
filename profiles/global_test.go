package profiles

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGlobalReadWriteClear(t *testing.T) {
	d := Dirs{State: filepath.Join(t.TempDir(), "state")}

	name, err := ReadGlobal(d)
	if err != nil {
		t.Fatal(err)
	}
	if name != "" {
		t.Errorf("ReadGlobal with no file = %q, want empty", name)
	}

	if err := WriteGlobal(d, "dev"); err != nil {
		t.Fatal(err)
	}
	content, err := os.ReadFile(GlobalPath(d))
	if err != nil {
		t.Fatal(err)
	}
	if string(content) != "dev\n" {
		t.Errorf("global file = %q, want %q", content, "dev\n")
	}
	if name, err = ReadGlobal(d); err != nil || name != "dev" {
		t.Errorf("ReadGlobal = %q, %v, want dev", name, err)
	}

	if err := WriteGlobal(d, "prod"); err != nil {
		t.Fatal(err)
	}
	if name, err = ReadGlobal(d); err != nil || name != "prod" {
		t.Errorf("ReadGlobal after overwrite = %q, %v, want prod", name, err)
	}

	if err := WriteGlobal(d, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(GlobalPath(d)); !os.IsNotExist(err) {
		t.Errorf("global file after clear: %v, want not exist", err)
	}
	if err := WriteGlobal(d, ""); err != nil {
		t.Errorf("clearing twice: %v", err)
	}
}

func TestGlobalPath(t *testing.T) {
	if got := GlobalPath(Dirs{State: "/s/machina"}); got != "/s/machina/global-machine" {
		t.Errorf("GlobalPath = %q", got)
	}
}

func TestGlobalInvalidName(t *testing.T) {
	d := Dirs{State: t.TempDir()}

	if err := WriteGlobal(d, "bad name"); err == nil {
		t.Error("WriteGlobal accepted an invalid name")
	}

	writeFile(t, GlobalPath(d), "bad name\n")
	_, err := ReadGlobal(d)
	if err == nil {
		t.Fatal("ReadGlobal accepted an invalid name")
	}
	if !strings.Contains(err.Error(), GlobalPath(d)) {
		t.Errorf("error %q does not name the file", err)
	}
}
