package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/machina-dev/machina/activate"
	"github.com/machina-dev/machina/machine"
	"github.com/machina-dev/machina/profiles"
	"github.com/machina-dev/machina/shellhook"
	"github.com/machina-dev/machina/store"
)

// shellCmds are the commands of the shell integration.
type shellCmds struct {
	Hook     HookCmd     `cmd:"" help:"Print the shell hook for your shell rc: eval \"$(machina hook zsh)\", or machina hook fish | source."`
	HookEval hookEvalCmd `cmd:"" name:"__hook" hidden:"" help:"Print the code the hook runs when its cache is stale."`
	Use      UseCmd      `cmd:"" help:"Switch the active machine of this shell, or the default of every shell."`
	Allow    AllowCmd    `cmd:"" help:"Trust the .machine.toml of a directory, so the hook applies it."`
	Deny     DenyCmd     `cmd:"" help:"Revoke trust in the .machine.toml of a directory."`
	Prune    PruneCmd    `cmd:"" help:"Drop trust entries whose .machine.toml no longer exists."`
	Exec     ExecCmd     `cmd:"" help:"Run one command with a machine's environment."`
	Up       UpCmd       `cmd:"" help:"Create the machine this directory's .machine.toml names, if missing, and activate it."`
	Profile  ProfileCmd  `cmd:"" help:"List and show machine profiles."`
}

// dirs returns machina's XDG directories.
func (g *Globals) dirs() (profiles.Dirs, error) { return profiles.DefaultDirs() }

// cacheDir is the hook's cache for the store at storePath. Its name changes
// with machina's binary, so an upgrade starts from an empty cache.
func cacheDir(d profiles.Dirs, storePath string) string {
	build := version
	if exe, err := os.Executable(); err == nil {
		if fi, err := os.Stat(exe); err == nil {
			sum := sha256.Sum256([]byte(fmt.Sprintf("%s %d %d", version, fi.Size(), fi.ModTime().UnixNano())))
			build = hex.EncodeToString(sum[:6])
		}
	}
	return filepath.Join(d.Cache, "hook", build, profiles.EncodePath(storePath))
}

// invokedPath is the absolute path machina was started by. A symbolic link,
// such as a package manager's, stays unresolved, so that the hook keeps
// running the installed machina after an upgrade.
func invokedPath() (string, error) {
	path, err := exec.LookPath(os.Args[0])
	if err != nil {
		return os.Executable()
	}
	return filepath.Abs(path)
}

// HookCmd is `machina hook SHELL`.
type HookCmd struct {
	Shell string `arg:"" enum:"bash,zsh,fish" help:"Shell: bash, zsh or fish."`
}

func (c *HookCmd) Run(g *Globals) error {
	sh, err := shellhook.Lookup(c.Shell)
	if err != nil {
		return err
	}
	s, err := g.store()
	if err != nil {
		return err
	}
	d, err := g.dirs()
	if err != nil {
		return err
	}
	exe, err := invokedPath()
	if err != nil {
		return fmt.Errorf("hook: find the machina binary: %w", err)
	}
	cache := cacheDir(d, s.Path)
	if err := os.MkdirAll(cache, 0o700); err != nil {
		return fmt.Errorf("hook: %w", err)
	}

	script, err := shellhook.Hook(sh, shellhook.HookParams{Machina: exe, CacheDir: cache, StateDir: d.State, StorePath: s.Path})
	if err != nil {
		return err
	}
	g.printf("%s", script)
	return nil
}

// hookEvalName is the hidden command the hook runs when its cache is stale.
const hookEvalName = "__hook"

// hookEvalCmd is the slow path of the hook: it decides which machine is
// active, refreshes the hook's cache and prints the code that applies it.
type hookEvalCmd struct {
	Shell string `arg:"" enum:"bash,zsh,fish"`
}

func (c *hookEvalCmd) Run(ctx context.Context, g *Globals) error {
	if c.Shell != "bash" && c.Shell != "zsh" && c.Shell != "fish" {
		return fmt.Errorf("%s: invalid shell %q: use bash, zsh or fish", hookEvalName, c.Shell)
	}
	sh, err := shellhook.Lookup(c.Shell)
	if err != nil {
		return err
	}
	s, err := g.store()
	if err != nil {
		return err
	}
	d, err := g.dirs()
	if err != nil {
		return err
	}
	cache := cacheDir(d, s.Path)
	dir := g.Getenv("PWD")
	if dir == "" {
		dir, _ = os.Getwd()
	}

	dec := activate.Decide(d, g.Getenv(activate.UseVar), dir)
	c.warn(g, d, dec)
	if err := writeDirEntry(cache, d, dec); err != nil {
		fmt.Fprintf(g.Stderr, "machina: hook cache: %v\n", err)
	}

	var vars []shellhook.Var
	if dec.Machine != "" {
		vars, err = machineEntry(ctx, s, cache, dec.Machine)
		if err != nil {
			fmt.Fprintf(g.Stderr, "machina: %v (chosen by %s)\n", err, dec.Why())
		}
	}
	if len(vars) > 0 {
		for _, v := range dec.Env {
			vars = append(vars, shellhook.Var{Name: v.Name, Value: v.Value})
		}
	}

	name := dec.Machine
	if len(vars) == 0 {
		name = ""
	}
	code, err := shellhook.Apply(sh, name, vars)
	if err != nil {
		return err
	}
	g.printf("%s", code)
	return nil
}

// warn prints one line about a .machine.toml the hook could not use, once
// per change of the file.
func (c *hookEvalCmd) warn(g *Globals, d profiles.Dirs, dec activate.Decision) {
	if dec.ProjectErr == nil {
		return
	}
	if dec.Project != nil && errors.Is(dec.ProjectErr, activate.ErrUntrusted) {
		if ok, _ := d.Trust().ShouldWarn(dec.Project); !ok {
			return
		}
	}
	fmt.Fprintf(g.Stderr, "machina: %v\n", dec.ProjectErr)
}

// writeDirEntry records what the hook decided for the directory of the
// nearest .machine.toml, so that the next prompt there decides without
// starting machina.
func writeDirEntry(cache string, d profiles.Dirs, dec activate.Decision) error {
	if dec.Source == activate.FromShell {
		return nil
	}
	if dec.ProjectPath == "" || dec.ProjectContent == nil {
		return nil
	}
	trustPath := d.Trust().EntryPath(dec.ProjectPath)
	trust, err := readOptional(trustPath)
	if err != nil {
		return err
	}
	entry := shellhook.DirEntry{
		Dir:       filepath.Dir(dec.ProjectPath),
		TomlPath:  dec.ProjectPath,
		Toml:      dec.ProjectContent,
		TrustPath: trustPath,
		Trust:     trust,
	}
	if dec.Source == activate.FromFile {
		entry.Machine = dec.Machine
		for _, v := range dec.Env {
			entry.Extra = append(entry.Extra, shellhook.Var{Name: v.Name, Value: v.Value})
		}
	}
	return shellhook.WriteDirEntry(cache, entry)
}

// machineEntry returns the variables of a machine and records them, with
// the config.json bytes they came from, in the hook's cache. A machine that
// is missing or broken is recorded with no variables, so that the hook warns
// once and not at every prompt until its config.json changes.
func machineEntry(ctx context.Context, s *store.Store, cache, name string) ([]shellhook.Var, error) {
	configPath := s.ConfigPath(name)
	config, err := readOptional(configPath)
	if err != nil {
		return nil, err
	}
	vars, loadErr := machineVars(ctx, s, name)
	entry := shellhook.MachineEntry{Name: name, ConfigPath: configPath, Config: config, Vars: vars}
	if err := shellhook.WriteMachineEntry(cache, entry); err != nil {
		return vars, errors.Join(loadErr, err)
	}
	return vars, loadErr
}

func machineVars(ctx context.Context, s *store.Store, name string) ([]shellhook.Var, error) {
	m, err := machine.Load(s, name)
	if err != nil {
		return nil, err
	}
	envVars, err := m.EnvVars(ctx)
	if err != nil {
		return nil, err
	}
	vars := make([]shellhook.Var, len(envVars))
	for i, v := range envVars {
		vars[i] = shellhook.Var{Name: v.Name, Value: v.Value}
	}
	return vars, nil
}

func readOptional(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return data, err
}

// UseCmd is `machina use`.
type UseCmd struct {
	Name   string `arg:"" optional:"" help:"Machine to activate."`
	Global bool   `short:"g" help:"Set the default machine of every shell instead of this one."`
	None   bool   `help:"No machine: in this shell whatever the directory names, or with --global no default."`
	Auto   bool   `help:"Return this shell to the rules of .machine.toml files and the global default."`
	Shell  string `hidden:"" help:"Shell to print code for; the hook's machina function passes it."`
}

func (c *UseCmd) Run(g *Globals) error {
	chosen := 0
	for _, set := range []bool{c.Name != "", c.None, c.Auto} {
		if set {
			chosen++
		}
	}
	if chosen != 1 || (c.Global && c.Auto) {
		return fmt.Errorf("use: pass a machine NAME, --none or --auto (with --global: NAME or --none)")
	}
	if c.Name != "" {
		s, err := g.store()
		if err != nil {
			return err
		}
		if _, err := s.Load(c.Name); err != nil {
			return fmt.Errorf("use: %w", err)
		}
	}

	if c.Global {
		return c.setGlobal(g)
	}
	if c.Shell == "" {
		return fmt.Errorf("use: the machina shell hook is not installed in this shell; add eval \"$(machina hook bash)\" to ~/.bashrc (zsh: machina hook zsh, fish: machina hook fish | source), or run eval \"$(machina env %s)\"", c.Name)
	}

	sh, err := shellhook.Lookup(c.Shell)
	if err != nil {
		return err
	}
	use := c.Name
	if c.None {
		use = activate.UseNone
	}
	code, err := shellhook.UseScript(sh, use)
	if err != nil {
		return err
	}
	g.printf("%s", code)
	return nil
}

func (c *UseCmd) setGlobal(g *Globals) error {
	d, err := g.dirs()
	if err != nil {
		return err
	}
	if err := profiles.WriteGlobal(d, c.Name); err != nil {
		return err
	}
	if c.Name == "" {
		fmt.Fprintln(g.Stderr, "No default machine: shells without a machine of their own use none.")
		return nil
	}
	fmt.Fprintf(g.Stderr, "Default machine of every shell: %s (from each shell's next prompt)\n", c.Name)
	return nil
}

// AllowCmd is `machina allow`.
type AllowCmd struct {
	Dir string `arg:"" optional:"" type:"path" help:"Directory of the .machine.toml, or the file (default: the nearest one from the current directory)."`
}

func (c *AllowCmd) Run(g *Globals) error {
	path, err := projectFile(c.Dir)
	if err != nil {
		return err
	}
	p, err := profiles.Load(path)
	if err != nil {
		return err
	}
	d, err := g.dirs()
	if err != nil {
		return err
	}
	if err := d.Trust().Allow(p); err != nil {
		return err
	}
	fmt.Fprintf(g.Stderr, "Allowed %s: machine %s\n", p.Path, p.Machine)
	return nil
}

// DenyCmd is `machina deny`.
type DenyCmd struct {
	Dir string `arg:"" optional:"" type:"path" help:"Directory of the .machine.toml, or the file (default: the nearest one from the current directory)."`
}

func (c *DenyCmd) Run(g *Globals) error {
	path, err := projectFile(c.Dir)
	if err != nil {
		return err
	}
	d, err := g.dirs()
	if err != nil {
		return err
	}
	if err := d.Trust().Deny(path); err != nil {
		return err
	}
	fmt.Fprintf(g.Stderr, "Denied %s\n", path)
	return nil
}

// projectFile resolves a DIR argument of allow and deny to a .machine.toml.
func projectFile(arg string) (string, error) {
	if arg == "" {
		wd, err := logicalWorkDir()
		if err != nil {
			return "", err
		}
		path, err := profiles.Find(wd)
		if err != nil {
			return "", err
		}
		if path == "" {
			return "", fmt.Errorf("no %s in %s or its parents: create one with machine = \"NAME\"", profiles.FileName, wd)
		}
		return path, nil
	}
	fi, err := os.Stat(arg)
	if err != nil {
		return "", fmt.Errorf("invalid directory %q: %w", arg, err)
	}
	if fi.IsDir() {
		arg = filepath.Join(arg, profiles.FileName)
	}
	return filepath.Abs(arg)
}

// logicalWorkDir is $PWD when it names the working directory, so that paths
// match the ones the shell hook reads through symbolic links.
func logicalWorkDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	if pwd := os.Getenv("PWD"); pwd != "" && filepath.IsAbs(pwd) {
		a, errA := os.Stat(pwd)
		b, errB := os.Stat(wd)
		if errA == nil && errB == nil && os.SameFile(a, b) {
			return pwd, nil
		}
	}
	return wd, nil
}

// PruneCmd is `machina prune`.
type PruneCmd struct{}

func (c *PruneCmd) Run(g *Globals) error {
	d, err := g.dirs()
	if err != nil {
		return err
	}
	removed, err := d.Trust().Prune()
	if err != nil {
		return err
	}
	for _, path := range removed {
		fmt.Fprintf(g.Stdout, "Pruned %s\n", path)
	}
	return nil
}

// ExecCmd is `machina exec NAME -- CMD...`.
type ExecCmd struct {
	Name    string   `arg:"" help:"Machine name."`
	Command []string `arg:"" passthrough:"" help:"Command and its arguments."`
}

func (c *ExecCmd) Run(ctx context.Context, g *Globals) error {
	args := c.Command
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		return fmt.Errorf("exec %q: missing command: machina exec %s -- COMMAND [ARG...]", c.Name, c.Name)
	}
	m, err := g.load(c.Name)
	if err != nil {
		return err
	}
	vars, err := m.EnvVars(ctx)
	if err != nil {
		return err
	}

	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = g.Stdin, g.Stdout, g.Stderr
	cmd.Env = os.Environ()
	for _, v := range vars {
		cmd.Env = append(cmd.Env, v.Name+"="+v.Value)
	}
	err = cmd.Run()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return exitError{code: exitErr.ExitCode()}
	}
	if err != nil {
		return fmt.Errorf("exec %q: %w", c.Name, err)
	}
	return nil
}

// ProfileCmd is `machina profile`.
type ProfileCmd struct {
	Ls   ProfileLsCmd   `cmd:"" help:"List profiles."`
	Show ProfileShowCmd `cmd:"" help:"Print the create command that a profile expands to."`
}

// ProfileLsCmd is `machina profile ls`.
type ProfileLsCmd struct{}

func (c *ProfileLsCmd) Run(g *Globals) error {
	d, err := g.dirs()
	if err != nil {
		return err
	}
	names, err := profiles.ListProfiles(d)
	if err != nil {
		return err
	}
	for _, n := range names {
		g.printf("%s\n", n)
	}
	return nil
}

// ProfileShowCmd is `machina profile show NAME`.
type ProfileShowCmd struct {
	Name string `arg:"" help:"Profile name."`
}

func (c *ProfileShowCmd) Run(g *Globals) error {
	d, err := g.dirs()
	if err != nil {
		return err
	}
	p, err := profiles.LoadProfile(d, c.Name)
	if err != nil {
		return err
	}
	g.printf("# %s\nmachina create %s NAME\n", profiles.ProfilePath(d, c.Name), strings.Join(quoteArgs(p.Args()), " "))
	return nil
}

func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, " \t\n'\"$`\\;&|<>*?()[]{}!#~") || a == "" {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return out
}
