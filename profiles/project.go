package profiles

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/machina-dev/machina/store"
)

// FileName is the name of a project file.
const FileName = ".machine.toml"

// Project is a parsed .machine.toml.
type Project struct {
	Path    string // absolute path of the .machine.toml, symlinks not resolved
	Dir     string // directory of Path
	Content []byte // exact bytes parsed, which trust hashes
	Machine string // machine name, required
	Profile string // profile name, empty when unset
	Env     []Var  // [env] table in file order
}

// Var is an environment variable from [env].
type Var struct{ Name, Value string }

var (
	envNameRE     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	profileNameRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9.-]*$`)
)

// reservedEnvPrefix starts the names of the shell hook's own variables.
const reservedEnvPrefix = "__MACHINA_"

// machineEnv are the variables machina sets from the machine, which [env]
// must not override.
var machineEnv = []string{"DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_MACHINE_NAME"}

// Find returns the path of the nearest .machine.toml in dir or a parent, or
// "" and a nil error when there is none. dir is made absolute and cleaned
// but symlinks are not resolved, so the path matches the shell's $PWD.
// Directories that cannot be read are skipped.
func Find(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("find %s from %q: %w", FileName, dir, err)
	}

	for {
		candidate := filepath.Join(dir, FileName)
		info, err := os.Stat(candidate)
		switch {
		case err == nil && info.Mode().IsRegular():
			return candidate, nil
		case err == nil, errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission):
			// Not a file here: keep looking in the parent.
		default:
			return "", fmt.Errorf("find %s: %w", FileName, err)
		}

		parent := filepath.Dir(dir)
		if parent == dir {
			return "", nil
		}
		dir = parent
	}
}

// Load reads and parses the .machine.toml at path.
func Load(path string) (*Project, error) {
	content, err := readFile(path)
	if err != nil {
		return nil, fmt.Errorf("load project file: %w", err)
	}
	return Parse(path, content)
}

// Parse parses content as the .machine.toml at path. Errors are *FileError
// values that name the file, and the line for syntax errors.
func Parse(path string, content []byte) (*Project, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("parse %q: %w", path, err)
	}

	doc, err := decodeFile(abs, content)
	if err != nil {
		return nil, err
	}
	if err := doc.checkKeys(isProjectKey, "machine, profile and the [env] table"); err != nil {
		return nil, err
	}

	p := &Project{Path: abs, Dir: filepath.Dir(abs), Content: content}
	if p.Machine, err = parseMachine(doc); err != nil {
		return nil, err
	}
	if p.Profile, err = parseProfileName(doc); err != nil {
		return nil, err
	}
	if p.Env, err = parseEnv(doc); err != nil {
		return nil, err
	}
	return p, nil
}

func isProjectKey(key toml.Key) bool {
	switch key[0] {
	case "machine", "profile", "env":
		// Values below these keys are rejected by the type checks, with a
		// clearer message than an unknown key.
		return true
	}
	return false
}

func parseMachine(doc *document) (string, error) {
	value, ok := doc.data["machine"]
	if !ok {
		return "", doc.errorf(`missing machine: add a line machine = "NAME" naming the machine for this directory`)
	}

	name, ok := value.(string)
	if !ok {
		return "", doc.errorf("machine must be a string, not %s", describeType(value))
	}
	if err := store.ValidateName(name); err != nil {
		return "", doc.errorf("%w", err)
	}
	return name, nil
}

func parseProfileName(doc *document) (string, error) {
	value, ok := doc.data["profile"]
	if !ok {
		return "", nil
	}

	name, ok := value.(string)
	if !ok {
		return "", doc.errorf("profile must be a string, not %s", describeType(value))
	}
	if err := validateProfileName(name); err != nil {
		return "", doc.errorf("%w", err)
	}
	return name, nil
}

func validateProfileName(name string) error {
	if !profileNameRE.MatchString(name) {
		return fmt.Errorf("invalid profile name %q: use letters, digits, '.' and '-', starting with a letter or digit", name)
	}
	return nil
}

// parseEnv returns the [env] table in file order, which a map loses, so the
// order comes from the metadata keys.
func parseEnv(doc *document) ([]Var, error) {
	value, ok := doc.data["env"]
	if !ok {
		return nil, nil
	}
	table, ok := value.(map[string]any)
	if !ok {
		return nil, doc.errorf("env must be a table, not %s", describeType(value))
	}

	var vars []Var
	for _, key := range doc.meta.Keys() {
		if len(key) != 2 || key[0] != "env" {
			continue
		}

		name := key[1]
		if err := validateEnvName(name); err != nil {
			return nil, doc.errorf("[env] key %q: %w", name, err)
		}

		value, ok := table[name].(string)
		if !ok {
			return nil, doc.errorf("[env] key %q: value must be a string, not %s", name, describeType(table[name]))
		}
		if strings.ContainsRune(value, 0) {
			return nil, doc.errorf("[env] key %q: value contains a NUL character, which an environment variable cannot hold", name)
		}

		vars = append(vars, Var{Name: name, Value: value})
	}
	return vars, nil
}

func validateEnvName(name string) error {
	if !envNameRE.MatchString(name) {
		return errors.New("invalid environment variable name: use letters, digits and '_', not starting with a digit")
	}
	if strings.HasPrefix(name, reservedEnvPrefix) {
		return fmt.Errorf("names starting with %s are reserved for the shell hook", reservedEnvPrefix)
	}
	for _, reserved := range machineEnv {
		if name == reserved {
			return fmt.Errorf("machina sets %s from the machine, so remove it from [env]", name)
		}
	}
	return nil
}
