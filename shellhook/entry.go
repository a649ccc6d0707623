package shellhook

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DirEntry is the cache entry of a directory with a .machine.toml file: the
// bytes that machina evaluated and the machine and variables it found.
type DirEntry struct {
	// Dir is the directory as $PWD spells it in the shell, which is what
	// os.Getwd returns when $PWD names the working directory.
	Dir string
	// TomlPath is Dir/.machine.toml, the file the hook reads, or empty.
	TomlPath string
	// Toml is the content of TomlPath that machina evaluated.
	Toml []byte
	// TrustPath is the file that records the trust decision for TomlPath.
	TrustPath string
	// Trust is the content of TrustPath that machina evaluated. A nil Trust
	// means that the file was absent.
	Trust []byte
	// Machine is the machine that the directory names, or empty when the
	// file is untrusted or invalid and the global default applies.
	Machine string
	// Extra are the variables of the [env] table, exported after the
	// machine's variables.
	Extra []Var
}

// MachineEntry is the cache entry of a machine: the config.json bytes that
// machina evaluated and the variables it exports.
type MachineEntry struct {
	Name string
	// ConfigPath is <StorePath>/machines/<Name>/config.json.
	ConfigPath string
	// Config is the content of ConfigPath that machina evaluated. A nil
	// Config means that the file was absent.
	Config []byte
	// Vars are the variables that `machina env Name` exports.
	Vars []Var
}

// maxEntryName is the longest file name, in bytes, that ext4 and XFS accept.
const maxEntryName = 255

var hookShells = []hookShell{bash{}, zsh{}, fish{}}

// EncodePath returns p as one file name: % becomes %25, then / becomes %2F.
func EncodePath(p string) string {
	return strings.ReplaceAll(strings.ReplaceAll(p, "%", "%25"), "/", "%2F")
}

// WriteDirEntry writes the cache entry of e.Dir for each shell with a hook,
// as cacheDir/d/<EncodePath(e.Dir)>.<shell>. Each file is replaced
// atomically with mode 0600, in directories made with mode 0700. When the
// encoded name is too long for a file name it writes nothing, and the hook
// runs machina at each prompt in that directory.
func WriteDirEntry(cacheDir string, e DirEntry) error {
	if !filepath.IsAbs(e.Dir) || filepath.Clean(e.Dir) != e.Dir {
		return fmt.Errorf("write hook cache entry: directory %q is not a clean absolute path", e.Dir)
	}
	tomlPath := filepath.Join(e.Dir, ".machine.toml")
	if e.TomlPath != "" && e.TomlPath != tomlPath {
		return fmt.Errorf("write hook cache entry for %s: toml path %q is not %q, the file the hook reads", e.Dir, e.TomlPath, tomlPath)
	}
	for _, v := range e.Extra {
		if err := checkManagedVar(v); err != nil {
			return fmt.Errorf("write hook cache entry for %s: %w", e.Dir, err)
		}
	}
	fields := map[string]string{"directory": e.Dir, "toml file": string(e.Toml), "trust path": e.TrustPath, "trust file": string(e.Trust), "machine name": e.Machine}
	if err := checkNoNUL(fields); err != nil {
		return fmt.Errorf("write hook cache entry for %s: %w", e.Dir, err)
	}

	return writeEntries(cacheDir, "d", e.Dir, func(sh hookShell) string {
		return sh.entryLine("__machina_e_dir", []string{e.Dir}, false) +
			sh.entryLine("__machina_e_toml", []string{sh.fileBytes(e.Toml)}, false) +
			sh.entryLine("__machina_e_trust_path", []string{e.TrustPath}, false) +
			sh.entryLine("__machina_e_trust_exists", []string{existsFlag(e.Trust)}, false) +
			sh.entryLine("__machina_e_trust", []string{sh.fileBytes(e.Trust)}, false) +
			sh.entryLine("__machina_e_machine", []string{e.Machine}, false) +
			sh.entryLine("__machina_e_extra", flattenVars(e.Extra), true)
	})
}

// WriteMachineEntry writes the cache entry of machine e.Name for each shell
// with a hook, as cacheDir/m/<EncodePath(e.Name)>.<shell>, like
// WriteDirEntry.
func WriteMachineEntry(cacheDir string, e MachineEntry) error {
	if e.Name == "" {
		return fmt.Errorf("write hook cache entry: empty machine name")
	}
	if !filepath.IsAbs(e.ConfigPath) {
		return fmt.Errorf("write hook cache entry for machine %q: config path %q is not absolute", e.Name, e.ConfigPath)
	}
	for _, v := range e.Vars {
		if err := checkManagedVar(v); err != nil {
			return fmt.Errorf("write hook cache entry for machine %q: %w", e.Name, err)
		}
	}
	fields := map[string]string{"config path": e.ConfigPath, "config file": string(e.Config), "machine name": e.Name}
	if err := checkNoNUL(fields); err != nil {
		return fmt.Errorf("write hook cache entry for machine %q: %w", e.Name, err)
	}

	return writeEntries(cacheDir, "m", e.Name, func(sh hookShell) string {
		return sh.entryLine("__machina_m_config_path", []string{e.ConfigPath}, false) +
			sh.entryLine("__machina_m_config_exists", []string{existsFlag(e.Config)}, false) +
			sh.entryLine("__machina_m_config", []string{sh.fileBytes(e.Config)}, false) +
			sh.entryLine("__machina_m_vars", flattenVars(e.Vars), true)
	})
}

// RemoveDirEntry removes the cache entries of dir, if any, so that the hook
// runs machina the next time it applies dir (after machina allow or deny).
func RemoveDirEntry(cacheDir, dir string) error {
	for _, sh := range hookShells {
		name := EncodePath(dir) + sh.entryExt()
		if len(name) > maxEntryName {
			continue
		}
		err := os.Remove(filepath.Join(cacheDir, "d", name))
		if err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("remove hook cache entry for %s: %w", dir, err)
		}
	}
	return nil
}

// writeEntries writes content(sh) to cacheDir/kind/<EncodePath(key)><ext>
// for each shell with a hook.
func writeEntries(cacheDir, kind, key string, content func(sh hookShell) string) error {
	dir := filepath.Join(cacheDir, kind)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write hook cache entry: %w", err)
	}

	for _, sh := range hookShells {
		name := EncodePath(key) + sh.entryExt()
		if len(name) > maxEntryName {
			return nil
		}
		if err := writeFileAtomic(filepath.Join(dir, name), content(sh)); err != nil {
			return fmt.Errorf("write hook cache entry for %q: %w", key, err)
		}
	}
	return nil
}

// writeFileAtomic writes content to a temporary file next to path, with
// mode 0600, and renames it to path.
func writeFileAtomic(path, content string) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".entry-*")
	if err != nil {
		return err
	}
	tmp := f.Name()

	_, err = f.WriteString(content)
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

func existsFlag(b []byte) string {
	if b == nil {
		return "0"
	}
	return "1"
}

func flattenVars(vars []Var) []string {
	flat := make([]string, 0, 2*len(vars))
	for _, v := range vars {
		flat = append(flat, v.Name, v.Value)
	}
	return flat
}

// checkNoNUL returns an error if a field contains NUL, which no shell
// variable can hold, so the hook could never match the cached bytes.
func checkNoNUL(fields map[string]string) error {
	for name, value := range fields {
		if strings.IndexByte(value, 0) >= 0 {
			return fmt.Errorf("cannot cache the %s: it contains NUL", name)
		}
	}
	return nil
}
