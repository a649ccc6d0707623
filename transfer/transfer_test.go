package transfer

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func local(p string) Endpoint { return Endpoint{Side: Local{}, Path: p} }

func TestCopyFileToNewName(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"a file.txt": "hello\n"})

	var progress bytes.Buffer
	err := Copy(context.Background(), []Endpoint{local(filepath.Join(dir, "a file.txt"))}, local(filepath.Join(dir, "b file.txt")), Options{Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, "b file.txt")); got != "hello\n" {
		t.Errorf("copy = %q", got)
	}
	if want := filepath.Join(dir, "b file.txt") + " (6 bytes)\n"; progress.String() != want {
		t.Errorf("progress = %q, want %q", progress.String(), want)
	}
}

func TestCopyFileIntoDirectory(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"src/x.txt": "x", "dst/keep": "k"})

	err := Copy(context.Background(), []Endpoint{local(filepath.Join(dir, "src", "x.txt"))}, local(filepath.Join(dir, "dst")), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, "dst", "x.txt")); got != "x" {
		t.Errorf("copy = %q", got)
	}
}

func TestCopyDirectoryRecursive(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"tree/top.txt": "top", "tree/sub dir/deep.txt": "deep"})
	if err := os.Symlink("top.txt", filepath.Join(dir, "tree", "link")); err != nil {
		t.Fatal(err)
	}

	err := Copy(context.Background(), []Endpoint{local(filepath.Join(dir, "tree"))}, local(filepath.Join(dir, "copy")), Options{Recursive: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, "copy", "sub dir", "deep.txt")); got != "deep" {
		t.Errorf("deep.txt = %q", got)
	}
	if link, err := os.Readlink(filepath.Join(dir, "copy", "link")); err != nil || link != "top.txt" {
		t.Errorf("link = %q, %v; want a symbolic link to top.txt", link, err)
	}
}

func TestCopyDirectoryNeedsRecursive(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"tree/x": "x"})

	err := Copy(context.Background(), []Endpoint{local(filepath.Join(dir, "tree"))}, local(filepath.Join(dir, "copy")), Options{})
	if err == nil || !strings.Contains(err.Error(), "tree is a directory: pass -r") {
		t.Fatalf("err = %v, want one naming the directory and -r", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "copy")); !os.IsNotExist(err) {
		t.Errorf("copy exists: %v", err)
	}
}

func TestCopyMissingSourceCopiesNothing(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"a": "a", "dst/.keep": ""})

	err := Copy(context.Background(), []Endpoint{local(filepath.Join(dir, "a")), local(filepath.Join(dir, "nope"))}, local(filepath.Join(dir, "dst")), Options{})
	if err == nil || !strings.Contains(err.Error(), "nope: no such file or directory") {
		t.Fatalf("err = %v, want one naming the missing source", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "dst", "a")); !os.IsNotExist(err) {
		t.Errorf("the first source was copied before the check failed: %v", err)
	}
}

func TestCopySeveralSourcesNeedDirectory(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"a": "a", "b": "b"})

	err := Copy(context.Background(), []Endpoint{local(filepath.Join(dir, "a")), local(filepath.Join(dir, "b"))}, local(filepath.Join(dir, "c")), Options{})
	if err == nil || !strings.Contains(err.Error(), "is not a directory") {
		t.Fatalf("err = %v, want one saying the destination is not a directory", err)
	}
}

func TestCopyDirectoryOverFile(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"tree/x": "x", "file": "f"})

	err := Copy(context.Background(), []Endpoint{local(filepath.Join(dir, "tree"))}, local(filepath.Join(dir, "file")), Options{Recursive: true})
	if err == nil || !strings.Contains(err.Error(), "cannot overwrite the file") {
		t.Fatalf("err = %v, want one refusing to overwrite the file", err)
	}
}

func TestCopyIntoMissingDirectory(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"a": "a"})

	err := Copy(context.Background(), []Endpoint{local(filepath.Join(dir, "a"))}, local(filepath.Join(dir, "no", "a")), Options{})
	if err == nil || !strings.Contains(err.Error(), "no such directory to copy into") {
		t.Fatalf("err = %v, want one naming the missing directory", err)
	}
}

// archive returns a tar stream of the given headers, each regular file
// holding its name as content.
func archive(t *testing.T, headers ...*tar.Header) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range headers {
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(h.Name))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write([]byte(h.Name))
		}
	}
	tw.Close()
	return &buf
}

func TestRenamerRejectsEscapingEntries(t *testing.T) {
	for _, name := range []string{"../evil", "/etc/evil", "a/../../evil"} {
		src := archive(t, &tar.Header{Name: ".", Typeflag: tar.TypeDir, Mode: 0o755}, &tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644})
		r := renamer{kind: Dir, dst: Local{}, target: target{dir: "/d", name: "copy"}}
		err := r.copy(src, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "outside the directory copied") {
			t.Errorf("entry %q: err = %v, want a rejection", name, err)
		}
	}
}

func TestRenamerRejectsHardLinkOutside(t *testing.T) {
	src := archive(t, &tar.Header{Name: "x", Typeflag: tar.TypeLink, Linkname: "../../etc/passwd"})
	r := renamer{kind: Dir, dst: Local{}, target: target{dir: "/d", name: "copy"}}
	if err := r.copy(src, &bytes.Buffer{}); err == nil {
		t.Error("a hard link to ../../etc/passwd passed")
	}
}

func TestRenamerFileIsOneEntry(t *testing.T) {
	src := archive(t, &tar.Header{Name: "a", Typeflag: tar.TypeReg, Mode: 0o644}, &tar.Header{Name: "b", Typeflag: tar.TypeReg, Mode: 0o644})
	r := renamer{kind: File, dst: Local{}, target: target{dir: "/d", name: "copy"}}
	if err := r.copy(src, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "more than one entry") {
		t.Errorf("err = %v, want a rejection of the second entry", err)
	}
}

func TestLocalExtractStaysInsideThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	src := archive(t,
		&tar.Header{Name: "copy", Typeflag: tar.TypeDir, Mode: 0o755},
		&tar.Header{Name: "copy/out", Typeflag: tar.TypeSymlink, Linkname: outside},
		&tar.Header{Name: "copy/out/evil", Typeflag: tar.TypeReg, Mode: 0o644},
	)
	if err := (Local{}).Extract(context.Background(), dir, src); err == nil {
		t.Error("extracting through a symbolic link to another directory succeeded")
	}
	if _, err := os.Stat(filepath.Join(outside, "evil")); !os.IsNotExist(err) {
		t.Errorf("a file was written outside the destination: %v", err)
	}
}
