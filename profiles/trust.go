package profiles

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// maxEntryName is the longest file name most Linux and macOS file systems
// accept (NAME_MAX), in bytes.
const maxEntryName = 255

// ErrPathTooLong is returned for a .machine.toml whose encoded path does not
// fit in one file name, so that it cannot be trusted.
var ErrPathTooLong = errors.New("path too long for a trust entry")

// Trust is the trust store: one entry file per trusted .machine.toml, named
// by EncodePath of its absolute path and containing the lowercase hex
// SHA-256 of the trusted content and a newline.
type Trust struct {
	Dir string // Dirs.State + "/trust"

	// WarnedDir records which untrusted contents the hook already warned
	// about, in the entry format. When empty, it is "warned" beside Dir.
	WarnedDir string
}

// TrustState is the trust of a .machine.toml.
type TrustState int

const (
	Untrusted TrustState = iota // no entry
	Trusted                     // the entry matches the content
	Changed                     // the entry is for other content: the file was edited since `machina allow`
)

func (s TrustState) String() string {
	switch s {
	case Untrusted:
		return "untrusted"
	case Trusted:
		return "trusted"
	case Changed:
		return "changed"
	}
	return fmt.Sprintf("TrustState(%d)", int(s))
}

// Entry is one entry of the trust store.
type Entry struct {
	Path string // absolute path of the .machine.toml
	Hash string // lowercase hex SHA-256 of the trusted content
}

var (
	pathEncoder = strings.NewReplacer("%", "%25", "/", "%2F")
	pathDecoder = strings.NewReplacer("%25", "%", "%2F", "/")
)

// EncodePath turns a path into a file name by replacing "%" with "%25" and
// then "/" with "%2F". The shell hook computes the same name with builtins.
func EncodePath(p string) string { return pathEncoder.Replace(p) }

// DecodePath reverses EncodePath. It returns an error for a name that
// EncodePath cannot produce: one with "/" or a "%" not followed by "25" or
// "2F".
func DecodePath(name string) (string, error) {
	if strings.Contains(name, "/") {
		return "", fmt.Errorf("invalid encoded path %q: contains '/'", name)
	}
	for i := 0; i < len(name); i++ {
		if name[i] != '%' {
			continue
		}
		escape := name[i:min(i+3, len(name))]
		if escape != "%25" && escape != "%2F" {
			return "", fmt.Errorf("invalid encoded path %q: %q at byte %d is not %%25 or %%2F", name, escape, i)
		}
		i += 2
	}
	return pathDecoder.Replace(name), nil
}

// EntryPath returns the entry file of the .machine.toml at tomlPath, which
// must be absolute and clean like Project.Path. It does not check the name
// length: Allow, Deny and Status return ErrPathTooLong for that.
func (t Trust) EntryPath(tomlPath string) string {
	return filepath.Join(t.Dir, EncodePath(tomlPath))
}

// entryName returns EncodePath(tomlPath), or ErrPathTooLong when that is
// too long for a file name.
func entryName(tomlPath string) (string, error) {
	name := EncodePath(tomlPath)
	if len(name) > maxEntryName {
		return "", fmt.Errorf("%w: the encoded path is %d bytes, over the %d-byte file name limit, so move the project to a shorter path",
			ErrPathTooLong, len(name), maxEntryName)
	}
	return name, nil
}

func (t Trust) warnedDir() string {
	if t.WarnedDir != "" {
		return t.WarnedDir
	}
	return filepath.Join(filepath.Dir(t.Dir), "warned")
}

// contentHash returns the entry file content for content.
func contentHash(content []byte) []byte {
	sum := sha256.Sum256(content)
	return []byte(hex.EncodeToString(sum[:]) + "\n")
}

// Allow trusts the current content of p, replacing the entry atomically.
// It also removes the warning record of the file, so that a later edit
// warns again even if it restores content warned about before.
func (t Trust) Allow(p *Project) error {
	name, err := entryName(p.Path)
	if err != nil {
		return fmt.Errorf("allow %s: %w", p.Path, err)
	}
	if err := writeFileAtomic(filepath.Join(t.Dir, name), contentHash(p.Content)); err != nil {
		return fmt.Errorf("allow %s: %w", p.Path, err)
	}

	if err := os.Remove(filepath.Join(t.warnedDir(), name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("allow %s: clear warning record: %w", p.Path, err)
	}
	return nil
}

// Deny removes the trust entry of the .machine.toml at tomlPath. It returns
// nil when there is none.
func (t Trust) Deny(tomlPath string) error {
	abs, err := filepath.Abs(tomlPath)
	if err != nil {
		return fmt.Errorf("deny %s: %w", tomlPath, err)
	}

	name, err := entryName(abs)
	if err != nil {
		return fmt.Errorf("deny %s: %w", abs, err)
	}
	if err := os.Remove(filepath.Join(t.Dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("deny %s: %w", abs, err)
	}
	return nil
}

// Status compares the trust entry of p with its content.
func (t Trust) Status(p *Project) (TrustState, error) {
	name, err := entryName(p.Path)
	if err != nil {
		return Untrusted, fmt.Errorf("check trust of %s: %w", p.Path, err)
	}

	recorded, err := os.ReadFile(filepath.Join(t.Dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return Untrusted, nil
	}
	if err != nil {
		return Untrusted, fmt.Errorf("check trust of %s: %w", p.Path, err)
	}

	if bytes.Equal(recorded, contentHash(p.Content)) {
		return Trusted, nil
	}
	return Changed, nil
}

// List returns the entries of the trust store sorted by path. Files whose
// names do not decode to an absolute path, such as temporary files, are
// skipped.
func (t Trust) List() ([]Entry, error) {
	entries, err := listEntries(t.Dir)
	if err != nil {
		return nil, fmt.Errorf("list trusted files: %w", err)
	}
	return entries, nil
}

func listEntries(dir string) ([]Entry, error) {
	files, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}

	var entries []Entry
	for _, file := range files {
		if !file.Type().IsRegular() {
			continue
		}
		path, err := DecodePath(file.Name())
		if err != nil || !filepath.IsAbs(path) {
			continue
		}

		content, err := os.ReadFile(filepath.Join(dir, file.Name()))
		if err != nil {
			return nil, err
		}
		entries = append(entries, Entry{Path: path, Hash: strings.TrimSuffix(string(content), "\n")})
	}

	sort.Slice(entries, func(i, j int) bool { return entries[i].Path < entries[j].Path })
	return entries, nil
}

// Prune removes the entries, and the warning records, of .machine.toml files
// that no longer exist, and returns the paths of the removed trust entries.
// An entry whose file cannot be checked, for example for lack of
// permission, is kept.
func (t Trust) Prune() ([]string, error) {
	removed, err := pruneEntries(t.Dir)
	if err != nil {
		return removed, fmt.Errorf("prune trusted files: %w", err)
	}

	if _, err := pruneEntries(t.warnedDir()); err != nil {
		return removed, fmt.Errorf("prune warning records: %w", err)
	}
	return removed, nil
}

func pruneEntries(dir string) ([]string, error) {
	entries, err := listEntries(dir)
	if err != nil {
		return nil, err
	}

	var removed []string
	for _, entry := range entries {
		if _, err := os.Stat(entry.Path); !errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, EncodePath(entry.Path))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, err
		}
		removed = append(removed, entry.Path)
	}
	return removed, nil
}

// ShouldWarn reports whether the hook should warn that p is not trusted:
// true on the first call for this path with this content, false after
// that. It does not check trust, which the caller does first. When the
// record cannot be written it returns true with the error, so the caller
// can still warn.
func (t Trust) ShouldWarn(p *Project) (bool, error) {
	name, err := entryName(p.Path)
	if err != nil {
		return true, fmt.Errorf("record warning for %s: %w", p.Path, err)
	}
	record := filepath.Join(t.warnedDir(), name)

	hash := contentHash(p.Content)
	recorded, err := os.ReadFile(record)
	if err == nil && bytes.Equal(recorded, hash) {
		return false, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return true, fmt.Errorf("record warning for %s: %w", p.Path, err)
	}

	if err := writeFileAtomic(record, hash); err != nil {
		return true, fmt.Errorf("record warning for %s: %w", p.Path, err)
	}
	return true, nil
}
