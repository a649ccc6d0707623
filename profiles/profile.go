package profiles

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// ErrProfileNotFound is returned by LoadProfile for a profile without a file.
var ErrProfileNotFound = errors.New("profile not found")

// Profile is a named set of create flags.
type Profile struct {
	Name   string
	Driver string // required

	// Flags are the create flags without the leading "--", each with its
	// values in file order. A flag has several values when the file gives an
	// array, and Args repeats it. Integers and booleans are stored in their
	// decimal and "true"/"false" forms.
	Flags map[string][]string

	Engine EngineOptions
}

// EngineOptions are the --engine-* create flags.
type EngineOptions struct {
	Opt              []string // --engine-opt
	Label            []string // --engine-label
	Env              []string // --engine-env
	InsecureRegistry []string // --engine-insecure-registry
	RegistryMirror   []string // --engine-registry-mirror
	StorageDriver    string   // --engine-storage-driver
	InstallURL       string   // --engine-install-url
}

var (
	driverNameRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)
	flagNameRE   = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9-]*$`)
)

// engineKeys are the keys of the [engine] table.
var engineKeys = []string{"opt", "label", "env", "insecure-registry", "registry-mirror", "storage-driver", "install-url"}

// ProfilePath is the file of the profile name.
func ProfilePath(d Dirs, name string) string {
	return filepath.Join(d.ProfilesDir(), name+".toml")
}

// LoadProfile reads and parses the profile name. A profile without a file
// returns an error wrapping ErrProfileNotFound that names the file to create.
func LoadProfile(d Dirs, name string) (*Profile, error) {
	if err := validateProfileName(name); err != nil {
		return nil, err
	}

	path := ProfilePath(d, name)
	content, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf(`%w: %s does not exist (create it with at least the line driver = "DRIVER")`, ErrProfileNotFound, path)
	}
	if err != nil {
		return nil, fmt.Errorf("load profile %q: %w", name, err)
	}
	return parseProfile(name, path, content)
}

// ListProfiles returns the names of the user's profiles, sorted. Files in
// the profiles directory that are not NAME.toml with a valid name are
// skipped.
func ListProfiles(d Dirs) ([]string, error) {
	files, err := os.ReadDir(d.ProfilesDir())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list profiles: %w", err)
	}

	var names []string
	for _, file := range files {
		name, ok := strings.CutSuffix(file.Name(), ".toml")
		if !ok || file.IsDir() || validateProfileName(name) != nil {
			continue
		}
		names = append(names, name)
	}

	sort.Strings(names)
	return names, nil
}

// Args returns the create flags of the profile: --driver first, then the
// flags sorted by name with repeated values in file order, then the engine
// options in the order of EngineOptions. A value is a separate argument
// unless it is "true", "false" or starts with "-". Those are joined to the
// flag with "=", because a parser reads "--bool-flag false" as a flag and a
// positional argument, and "--flag -x" as two flags.
func (p *Profile) Args() []string {
	args := flagArgs(nil, "driver", p.Driver)

	names := make([]string, 0, len(p.Flags))
	for name := range p.Flags {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		args = flagArgs(args, name, p.Flags[name]...)
	}

	e := p.Engine
	args = flagArgs(args, "engine-opt", e.Opt...)
	args = flagArgs(args, "engine-label", e.Label...)
	args = flagArgs(args, "engine-env", e.Env...)
	args = flagArgs(args, "engine-insecure-registry", e.InsecureRegistry...)
	args = flagArgs(args, "engine-registry-mirror", e.RegistryMirror...)
	if e.StorageDriver != "" {
		args = flagArgs(args, "engine-storage-driver", e.StorageDriver)
	}
	if e.InstallURL != "" {
		args = flagArgs(args, "engine-install-url", e.InstallURL)
	}
	return args
}

func flagArgs(args []string, name string, values ...string) []string {
	for _, value := range values {
		if value == "true" || value == "false" || strings.HasPrefix(value, "-") {
			args = append(args, "--"+name+"="+value)
		} else {
			args = append(args, "--"+name, value)
		}
	}
	return args
}

func parseProfile(name, path string, content []byte) (*Profile, error) {
	doc, err := decodeFile(path, content)
	if err != nil {
		return nil, err
	}
	hint := "driver, the [flags] table and the [engine] keys " + strings.Join(engineKeys, ", ")
	if err := doc.checkKeys(isProfileKey, hint); err != nil {
		return nil, err
	}

	p := &Profile{Name: name}
	if p.Driver, err = parseDriver(doc); err != nil {
		return nil, err
	}
	if p.Flags, err = parseFlags(doc); err != nil {
		return nil, err
	}
	if p.Engine, err = parseEngine(doc); err != nil {
		return nil, err
	}
	return p, nil
}

func isProfileKey(key toml.Key) bool {
	switch key[0] {
	case "driver", "flags":
		// Values below these keys are rejected by the type checks.
		return true
	case "engine":
		return len(key) == 1 || slices.Contains(engineKeys, key[1])
	}
	return false
}

func parseDriver(doc *document) (string, error) {
	value, ok := doc.data["driver"]
	if !ok {
		return "", doc.errorf(`missing driver: add a line driver = "DRIVER", for example driver = "generic"`)
	}

	driver, ok := value.(string)
	if !ok {
		return "", doc.errorf("driver must be a string, not %s", describeType(value))
	}
	if !driverNameRE.MatchString(driver) {
		return "", doc.errorf("invalid driver name %q: use letters, digits, '_', '.' and '-', starting with a letter or digit", driver)
	}
	return driver, nil
}

func parseFlags(doc *document) (map[string][]string, error) {
	value, ok := doc.data["flags"]
	if !ok {
		return nil, nil
	}
	table, ok := value.(map[string]any)
	if !ok {
		return nil, doc.errorf("flags must be a table, not %s", describeType(value))
	}

	names := make([]string, 0, len(table))
	for name := range table {
		names = append(names, name)
	}
	sort.Strings(names) // so that the first invalid flag reported is the same every time

	flags := make(map[string][]string, len(table))
	for _, name := range names {
		value := table[name]
		if err := validateFlagName(name); err != nil {
			return nil, doc.errorf("[flags] key %q: %w", name, err)
		}

		values, err := flagValues(value)
		if err != nil {
			return nil, doc.errorf("[flags] key %q: %w", name, err)
		}
		flags[name] = values
	}
	return flags, nil
}

func validateFlagName(name string) error {
	switch {
	case strings.HasPrefix(name, "-"):
		return errors.New(`write the flag name without the leading "--"`)
	case !flagNameRE.MatchString(name):
		return errors.New("invalid flag name: use letters, digits and '-', starting with a letter or digit")
	case name == "driver":
		return errors.New("set the driver with the top-level driver key")
	case strings.HasPrefix(name, "engine-"):
		return fmt.Errorf("set engine options in the [engine] table, as %s", strings.TrimPrefix(name, "engine-"))
	}
	return nil
}

// flagValues converts a flag value, or each element of an array, to its
// command-line form.
func flagValues(value any) ([]string, error) {
	list, ok := value.([]any)
	if !ok {
		list = []any{value}
	}

	values := make([]string, 0, len(list))
	for _, item := range list {
		var s string
		switch v := item.(type) {
		case string:
			s = v
		case int64:
			s = strconv.FormatInt(v, 10)
		case bool:
			s = strconv.FormatBool(v)
		default:
			return nil, fmt.Errorf("value must be a string, an integer, a boolean or an array of them, not %s", describeType(item))
		}

		if strings.ContainsRune(s, 0) {
			return nil, errors.New("value contains a NUL character, which a command-line argument cannot hold")
		}
		values = append(values, s)
	}
	return values, nil
}

func parseEngine(doc *document) (EngineOptions, error) {
	var e EngineOptions
	value, ok := doc.data["engine"]
	if !ok {
		return e, nil
	}
	table, ok := value.(map[string]any)
	if !ok {
		return e, doc.errorf("engine must be a table, not %s", describeType(value))
	}

	var err error
	if e.Opt, err = engineList(doc, table, "opt"); err != nil {
		return e, err
	}
	if e.Label, err = engineList(doc, table, "label"); err != nil {
		return e, err
	}
	if e.Env, err = engineList(doc, table, "env"); err != nil {
		return e, err
	}
	if e.InsecureRegistry, err = engineList(doc, table, "insecure-registry"); err != nil {
		return e, err
	}
	if e.RegistryMirror, err = engineList(doc, table, "registry-mirror"); err != nil {
		return e, err
	}
	if e.StorageDriver, err = engineString(doc, table, "storage-driver"); err != nil {
		return e, err
	}
	if e.InstallURL, err = engineString(doc, table, "install-url"); err != nil {
		return e, err
	}
	return e, nil
}

func engineList(doc *document, table map[string]any, key string) ([]string, error) {
	value, ok := table[key]
	if !ok {
		return nil, nil
	}
	items, ok := value.([]any)
	if !ok {
		return nil, doc.errorf(`[engine] key %q: value must be an array of strings, for example %s = ["VALUE"], not %s`, key, key, describeType(value))
	}

	list := make([]string, 0, len(items))
	for _, item := range items {
		s, ok := item.(string)
		if !ok {
			return nil, doc.errorf("[engine] key %q: array element must be a string, not %s", key, describeType(item))
		}
		if strings.ContainsRune(s, 0) {
			return nil, doc.errorf("[engine] key %q: value contains a NUL character, which a command-line argument cannot hold", key)
		}
		list = append(list, s)
	}
	return list, nil
}

func engineString(doc *document, table map[string]any, key string) (string, error) {
	value, ok := table[key]
	if !ok {
		return "", nil
	}
	s, ok := value.(string)
	if !ok {
		return "", doc.errorf("[engine] key %q: value must be a string, not %s", key, describeType(value))
	}
	if strings.ContainsRune(s, 0) {
		return "", doc.errorf("[engine] key %q: value contains a NUL character, which a command-line argument cannot hold", key)
	}
	return s, nil
}
