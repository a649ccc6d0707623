package transfer

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Local is the local file system. It reads and writes tar in Go, so it
// needs no tar program.
type Local struct{}

func (Local) Stat(_ context.Context, p string) (Info, error) {
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return Info{Kind: Missing, Path: p}, nil
	}
	if err != nil {
		return Info{}, err
	}
	if !fi.IsDir() {
		return Info{Kind: File, Name: filepath.Base(p), Path: p}, nil
	}

	abs, err := filepath.Abs(p)
	if err != nil {
		return Info{}, err
	}
	resolved, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return Info{}, err
	}
	return Info{Kind: Dir, Name: filepath.Base(resolved), Path: resolved}, nil
}

func (l Local) Archive(ctx context.Context, info Info, w io.Writer) error {
	tw := tar.NewWriter(w)
	var err error
	if info.Kind == Dir {
		err = l.archiveDir(ctx, tw, info.Path)
	} else {
		err = l.archiveFile(tw, info.Path, filepath.Base(info.Path))
	}
	if err != nil {
		return err
	}
	return tw.Close()
}

// archiveFile writes the regular file at p, following a symbolic link, as
// the entry name.
func (Local) archiveFile(tw *tar.Writer, p, name string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()

	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("cannot copy %s: not a regular file, directory or symbolic link", p)
	}
	h, err := tar.FileInfoHeader(fi, "")
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	h.Name = name
	if err := tw.WriteHeader(h); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	if _, err := io.Copy(tw, f); err != nil {
		return fmt.Errorf("read %s: %w", p, err)
	}
	return nil
}

// archiveDir writes the tree at dir with entry names relative to it. It does
// not follow symbolic links inside the tree.
func (l Local) archiveDir(ctx context.Context, tw *tar.Writer, dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)

		fi, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case fi.Mode().IsRegular():
			return l.archiveFile(tw, p, name)
		case fi.IsDir():
			return writeHeader(tw, fi, name, "")
		case fi.Mode()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return writeHeader(tw, fi, name, link)
		}
		return fmt.Errorf("cannot copy %s: not a regular file, directory or symbolic link", p)
	})
}

func writeHeader(tw *tar.Writer, fi fs.FileInfo, name, link string) error {
	h, err := tar.FileInfoHeader(fi, link)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	h.Name = name
	return tw.WriteHeader(h)
}

// Extract writes the archive's entries under dir through an os.Root, so no
// entry or symbolic link in the archive can reach outside dir. Regular
// files get their modification time; modes are masked by the umask.
func (Local) Extract(ctx context.Context, dir string, r io.Reader) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()

	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read archive: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := extractEntry(root, h, tr); err != nil {
			return fmt.Errorf("extract %s: %w", filepath.Join(dir, filepath.FromSlash(h.Name)), err)
		}
	}

	_, err = io.Copy(io.Discard, r)
	return err
}

func extractEntry(root *os.Root, h *tar.Header, r io.Reader) error {
	name := filepath.FromSlash(h.Name)
	if !filepath.IsLocal(name) {
		return errors.New("entry name is not a local path")
	}
	perm := h.FileInfo().Mode().Perm()

	switch h.Typeflag {
	case tar.TypeDir:
		// Owner access keeps the directory writable for the entries below it.
		return root.MkdirAll(name, perm|0o700)
	case tar.TypeReg:
		if err := removeLink(root, name); err != nil {
			return err
		}
		return writeFile(root, name, perm, h.ModTime, r)
	case tar.TypeSymlink:
		if err := removeNonDir(root, name); err != nil {
			return err
		}
		return root.Symlink(h.Linkname, name)
	case tar.TypeLink:
		if err := removeNonDir(root, name); err != nil {
			return err
		}
		return root.Link(filepath.FromSlash(h.Linkname), name)
	}
	return fmt.Errorf("unsupported tar type %q", h.Typeflag)
}

// removeLink removes name when it is a symbolic link, so that the new entry
// replaces the link rather than writing where it points.
func removeLink(root *os.Root, name string) error {
	fi, err := root.Lstat(name)
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return nil
	}
	return root.Remove(name)
}

// removeNonDir removes name unless it is missing or a directory, so that a
// link can take its place.
func removeNonDir(root *os.Root, name string) error {
	fi, err := root.Lstat(name)
	if err != nil || fi.IsDir() {
		return nil
	}
	return root.Remove(name)
}

func writeFile(root *os.Root, name string, perm fs.FileMode, modTime time.Time, r io.Reader) error {
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return root.Chtimes(name, modTime, modTime)
}

func (Local) Split(p string) (dir, name string) {
	p = filepath.Clean(p)
	return filepath.Dir(p), filepath.Base(p)
}

func (Local) Join(dir, name string) string { return filepath.Join(dir, filepath.FromSlash(name)) }

func (Local) Describe(p string) string { return p }
