package transfer

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// renamer passes a tar stream from a source side to a destination side. It
// names every entry under the target name and rejects entries that would
// land outside it, so a destination never trusts names a machine sent.
type renamer struct {
	kind     Kind // of the source
	dst      Side
	target   target
	progress io.Writer // or nil
}

// copy reads the archive from src and writes the renamed archive to dst. It
// reads src to its end, so that the source side is never left blocked
// writing the padding after the end-of-archive marker.
func (r renamer) copy(src io.Reader, dst io.Writer) error {
	tr := tar.NewReader(src)
	tw := tar.NewWriter(dst)

	entries := 0
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read archive: %w", err)
		}
		if h.Typeflag == tar.TypeXGlobalHeader {
			continue
		}

		if err := r.renameHeader(h, entries); err != nil {
			return err
		}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("write archive entry %q: %w", h.Name, err)
		}
		if h.Typeflag == tar.TypeReg {
			if r.progress != nil {
				fmt.Fprintf(r.progress, "%s (%d bytes)\n", r.dst.Describe(r.dst.Join(r.target.dir, h.Name)), h.Size)
			}
			if _, err := io.Copy(tw, tr); err != nil {
				return fmt.Errorf("copy %q: %w", h.Name, err)
			}
		}
		entries++
	}

	if entries == 0 {
		return errors.New("the source sent an empty archive")
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("write archive: %w", err)
	}
	_, err := io.Copy(io.Discard, src)
	return err
}

// renameHeader checks one entry and names it under the target. index counts
// the entries before it.
func (r renamer) renameHeader(h *tar.Header, index int) error {
	switch h.Typeflag {
	case tar.TypeReg, tar.TypeRegA, tar.TypeGNUSparse:
		// The reader expands sparse files, so all three are written as plain files.
		h.Typeflag = tar.TypeReg
	case tar.TypeDir, tar.TypeSymlink, tar.TypeLink:
	default:
		return fmt.Errorf("cannot copy %q: only regular files, directories and links are copied, not tar type %q", h.Name, h.Typeflag)
	}

	name, err := r.entryName(h.Name, index)
	if err != nil {
		return err
	}
	h.Name = name
	if h.Typeflag == tar.TypeLink {
		if h.Linkname, err = r.entryName(h.Linkname, -1); err != nil {
			return err
		}
	}

	// The writer picks a format that fits the new names; the PAX records a
	// reader keeps would otherwise carry the source's names.
	h.Format = tar.FormatUnknown
	delete(h.PAXRecords, "path")
	delete(h.PAXRecords, "linkpath")
	return nil
}

// entryName maps a source entry name to the destination's. A file source is
// one regular entry; a directory source's entries are relative to ".".
// index is -1 for the target of a hard link.
func (r renamer) entryName(name string, index int) (string, error) {
	if r.kind == File {
		if index > 0 {
			return "", fmt.Errorf("the source sent more than one entry for a file, the second %q", name)
		}
		return r.target.name, nil
	}

	clean := path.Clean(name)
	if clean == "." {
		return r.target.name, nil
	}
	if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("the source sent the entry %q, which is outside the directory copied", name)
	}
	return r.target.name + "/" + clean, nil
}

// isEntryName reports whether name can be a target name: one path element,
// not "." or "..".
func isEntryName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.Contains(name, "/")
}
