package testhost

import (
	"archive/tar"
	"debug/elf"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// busyboxPath is the statically linked busybox from Debian's busybox-static,
// which runs in an image that contains nothing else.
const busyboxPath = "/bin/busybox"

// BusyboxImage writes busybox.tar to dir and returns its path. The tar holds
// /bin/busybox and a symbolic link for each applet, so `docker import` turns it
// into an image that can run `sh -c ...` without pulling anything.
func BusyboxImage(t testing.TB, dir string) string {
	t.Helper()

	file := filepath.Join(dir, "busybox.tar")
	if err := writeBusyboxImage(file); err != nil {
		t.Fatal(err)
	}
	return file
}

func writeBusyboxImage(file string) error {
	if err := checkStatic(busyboxPath); err != nil {
		return err
	}

	binary, err := os.ReadFile(busyboxPath)
	if err != nil {
		return err
	}
	list, err := exec.Command(busyboxPath, "--list-full").Output()
	if err != nil {
		return fmt.Errorf("list busybox applets: %w", err)
	}

	var links []string
	for line := range strings.Lines(string(list)) {
		link := strings.TrimSpace(line)
		if link != "" && link != "bin/busybox" {
			links = append(links, link)
		}
	}

	out, err := os.Create(file)
	if err != nil {
		return err
	}
	defer out.Close()

	if err := writeImageTar(out, binary, links); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	return out.Close()
}

// checkStatic fails when the program at path needs a dynamic loader, which an
// image made of busybox alone does not contain.
func checkStatic(path string) error {
	binary, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	defer binary.Close()

	for _, prog := range binary.Progs {
		if prog.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked; install busybox-static", path)
		}
	}
	return nil
}

func writeImageTar(out *os.File, binary []byte, links []string) error {
	archive := tar.NewWriter(out)
	modTime := time.Now()

	dirs := map[string]bool{"bin": true, "etc": true, "root": true, "tmp": true}
	for _, link := range links {
		for dir := path.Dir(link); dir != "."; dir = path.Dir(dir) {
			dirs[dir] = true
		}
	}

	// Sorted, so each parent comes before its children.
	for _, dir := range slices.Sorted(maps.Keys(dirs)) {
		mode := int64(0o755)
		if dir == "tmp" {
			mode = 0o1777
		}
		header := &tar.Header{Typeflag: tar.TypeDir, Name: dir + "/", Mode: mode, ModTime: modTime}
		if err := archive.WriteHeader(header); err != nil {
			return err
		}
	}

	files := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\n",
		"etc/group":  "root:x:0:\n",
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if err := writeTarFile(archive, name, 0o644, []byte(files[name]), modTime); err != nil {
			return err
		}
	}

	if err := writeTarFile(archive, "bin/busybox", 0o755, binary, modTime); err != nil {
		return err
	}

	for _, link := range links {
		header := &tar.Header{Typeflag: tar.TypeSymlink, Name: link, Linkname: "/bin/busybox", Mode: 0o777, ModTime: modTime}
		if err := archive.WriteHeader(header); err != nil {
			return err
		}
	}
	return archive.Close()
}

func writeTarFile(archive *tar.Writer, name string, mode int64, content []byte, modTime time.Time) error {
	header := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(content)), ModTime: modTime}
	if err := archive.WriteHeader(header); err != nil {
		return err
	}
	_, err := archive.Write(content)
	return err
}
