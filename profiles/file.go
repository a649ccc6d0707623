package profiles

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// maxFileSize is the maximum size of a .machine.toml or profile, in bytes. The
// hook may load a .machine.toml from any cloned repository at a prompt, so
// an oversized file is rejected instead of read.
const maxFileSize = 1 << 20

// FileError is an invalid .machine.toml or profile file.
type FileError struct {
	Path string // the file
	Line int    // 1-based line of the error, 0 when unknown
	Err  error
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// document is a decoded TOML file. Values are checked by hand instead of
// decoded into a struct, because BurntSushi/toml matches struct fields
// case-insensitively and its type errors do not name the file.
type document struct {
	path string
	data map[string]any
	meta toml.MetaData
}

// readFile reads at most maxFileSize bytes of path.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()

	content, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(content) > maxFileSize {
		return nil, &FileError{Path: path, Err: fmt.Errorf("file is larger than %d bytes", maxFileSize)}
	}
	return content, nil
}

func decodeFile(path string, content []byte) (*document, error) {
	doc := &document{path: path}

	meta, err := toml.Decode(string(content), &doc.data)
	if err != nil {
		var parseErr toml.ParseError
		if errors.As(err, &parseErr) {
			return nil, &FileError{Path: path, Line: parseErr.Position.Line, Err: errors.New(parseErr.Message)}
		}
		return nil, &FileError{Path: path, Err: err}
	}

	doc.meta = meta
	return doc, nil
}

// checkKeys rejects every key, in file order, for which known returns false.
// hint lists the valid keys for the message. It checks MetaData.Keys, not
// MetaData.Undecoded, because after decoding into a map Undecoded lists the
// keys of every nested table, valid or not.
//
// NOTE: toml.MetaData does not expose the line of a key, so these errors
// name the key but not its line.
func (d *document) checkKeys(known func(toml.Key) bool, hint string) error {
	var unknown []string
	for _, key := range d.meta.Keys() {
		if !known(key) {
			unknown = append(unknown, fmt.Sprintf("%q", key.String()))
		}
	}

	switch len(unknown) {
	case 0:
		return nil
	case 1:
		return d.errorf("unknown key %s (valid keys: %s; keys are case-sensitive)", unknown[0], hint)
	default:
		return d.errorf("unknown keys %s (valid keys: %s; keys are case-sensitive)", strings.Join(unknown, ", "), hint)
	}
}

func (d *document) errorf(format string, args ...any) error {
	return &FileError{Path: d.path, Err: fmt.Errorf(format, args...)}
}

// describeType names the TOML type of a decoded value, with an article, for
// error messages.
func describeType(value any) string {
	switch value.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case time.Time:
		return "a date-time"
	case []any, []map[string]any:
		return "an array"
	case map[string]any:
		return "a table"
	default:
		return fmt.Sprintf("a %T", value)
	}
}

// writeFileAtomic replaces path with data through a temporary file in the
// same directory and a rename, so a concurrent reader such as the shell hook
// reads the old or the new content and never a partial write. The file mode
// is 0600, and a missing directory is created with mode 0700.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}

	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename

	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
